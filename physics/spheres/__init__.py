"""Soft-sphere packings: jamming and Langevin aging (docs/science.md, section 3).

    from physics.spheres import run, default_config
    run(default_config(protocol="jam", N=256), sink)     # phi_J, structure, compression series
    run(default_config(protocol="age", phi=0.86, T=1e-5), sink)

Units: lengths in the small diameter sigma (bidisperse: 1.0 and 1.4), energies in eps, time in
sigma^2 / (mu eps) with unit friction mu (Langevin) or unit mass (FIRE). Samples are independent
packings, each from its own SeedSequence(seed).spawn(samples) stream.

Records (protocol "jam"): spheres/phi_J, spheres/Z, spheres/contacts, spheres/N_nonrattlers [S];
spheres/gaps, spheres/forces [M] (all samples concatenated); spheres/eigenvalues [S, d N]
(NaN-padded: rattlers are left out) at phi_J + hessian_dphi (with modes_series, a late key, also
spheres/eigenvalues_series [S, m, d N] at every phi_J + dphi); spheres/dphi [m],
spheres/energy_dphi, spheres/pressure, spheres/Z_excess [S, m] with Z_excess = Z - Z_iso,
Z_iso = 2 (d (N_nr - 1) + 1) / N_nr the finite-N isostatic value (-> Z_c = 2d); and, for the
pictures, spheres/positions [S, N, d], spheres/diameters [S, N], spheres/box [S],
spheres/nonrattler [S, N], spheres/phi_lo, spheres/phi_hi, spheres/isostatic [S] (0/1),
spheres/energy_J, spheres/pressure_J [S], spheres/fire_steps [S]; the wall-clock seconds per
packing go to the record's attributes (sink.meta: `spheres/time_s` [S]), not to its data, so that
two runs of one config hold the same data. The protocol itself, with its checkpoint after every
packing: jam_run.py.
Protocol "age": the standard time grid; energy = U/N; x = the unwrapped positions [d N]; Q with
the threshold Q_a (default 0.3 small diameters); the displacement distribution vanhove [S, tw, t,
bins] of the coordinates (physics.observables). The clock starts (t = 0) at the random positions
(init "random": a quench from infinite temperature) or after t_eq of Langevin at T from them
(init "equilibrated": a liquid at T when t_eq >> tau(T); thermal.py). init and t_eq are late
keys (physics.schema_late): a config holds them only when they differ from their defaults.
"""
from __future__ import annotations

import numpy as np

from physics.config import record_bytes
from physics.observables import Recorder, Schedule, checkpoint, drive, resume_state
from physics.schema import MAX_STEPS, Param, require, require_time_grid, show
from physics.schema_late import LateSchema

from . import packing
from .packing import MIXTURES
from .thermal import INITS, equilibrate, equilibration_steps

PROTOCOLS = ("jam", "age")


LENGTH, TIME = "small diameters sigma", "sigma^2 / (mu eps)"
FIRE = "FIRE (the minimiser of the jam protocol)"

SCHEMA = LateSchema("spheres", [
    Param("protocol", "jam", "str", choices=PROTOCOLS, cli=False,
          help="jam: the jamming point and its structure; age: Langevin aging at fixed phi."),
    Param("N", 1024, "int", lo=2, unit="particles",
          help="Number of particles (the box must exceed twice the largest diameter)."),
    Param("dim", 2, "int", choices=(2, 3), help="Space dimension."),
    Param("mixture", "bidisperse", "str", choices=MIXTURES,
          help="Diameters: bidisperse 1.0 and 1.4 (50:50), all 1.0, or polydisperse."),
    Param("polydispersity", 0.0, "float", lo=0.0, hi=0.5, hi_open=True,
          help="Relative standard deviation of the diameters (uniform distribution, mean 1); "
               "> 0 implies --mixture polydisperse."),
    Param("radii", None, "floats", lo=0.0, lo_open=True, hi=10.0, nullable=True, unit=LENGTH,
          default_help="from --mixture",
          help="Radii, comma-separated, assigned to the particles cyclically (e.g. 0.5,0.7 = the "
               "bidisperse mixture). Overrides --mixture."),
    Param("alpha", 2.0, "float", lo=2.0, hi=3.0,
          help="Exponent of the pair energy (eps/alpha)(1 - r/sigma)^alpha: 2 harmonic, 2.5 Hertz."),
    Param("seed", 0, "int", lo=0, help="Random seed: every packing's stream derives from it."),
    Param("samples", 1, "int", lo=1, help="Independent packings."),
    Param("fire_dt", 0.05, "float", lo=0.0, lo_open=True, cli=False, help=f"Initial step of {FIRE}."),
    Param("fire_dt_max", 0.5, "float", lo=0.0, lo_open=True, cli=False, help=f"Largest step of {FIRE}."),
    Param("e_tol", 1e-16, "float", lo=0.0, cli=False, unit="eps", help="E/N below this: unjammed."),
    Param("f_tol", 1e-13, "float", lo=0.0, cli=False, unit="eps / sigma",
          help="Largest force component below this: jammed and minimised."),
    Param("max_steps", 2_000_000, "int", lo=1, cli=False, help=f"Most steps of {FIRE} per minimisation."),
    Param("skin", 0.3, "float", lo=0.0, lo_open=True, cli=False, unit=LENGTH, help="Neighbour-list skin."),
    Param("phi_start", 0.0, "float", lo=0.0, hi=1.0, hi_open=True, cli=False,
          help="Packing fraction of the first compression step; 0: automatic (0.80 in 2D, 0.60 in 3D)."),
    Param("dphi_start", 0.01, "float", lo=0.0, lo_open=True, cli=False,
          help="First compression step in packing fraction."),
    Param("tol", 1e-6, "float", lo=0.0, lo_open=True, hi=0.1, hi_open=True, unit="packing fraction",
          help="Bracket on phi_J at which compress-and-bisect stops."),
    Param("dphi_min", 1e-6, "float", lo=0.0, lo_open=True, hi=1.0, hi_open=True, cli=False,
          help="Smallest phi - phi_J of the compression series."),
    Param("dphi_max", 0.1, "float", lo=0.0, lo_open=True, hi=1.0, hi_open=True, cli=False,
          help="Largest phi - phi_J of the compression series."),
    Param("n_dphi", 11, "int", lo=1, cli=False, help="Points of the compression series (log-spaced)."),
    Param("hessian_dphi", 1e-3, "float", lo=0.0, lo_open=True, hi=0.1, unit="packing fraction",
          help="Normal modes of the packing at phi_J + this."),
    Param("dense_max", 4000, "int", lo=0, cli=False,
          help="Dense eigvalsh up to this many degrees of freedom."),
    Param("n_modes", 200, "int", lo=1, cli=False, help="Lowest modes from eigsh beyond dense_max."),
    Param("modes_series", False, "bool", cli=False,
          help="Also the normal modes at every phi_J + dphi of the compression series "
               "(spheres/eigenvalues_series [S, n_dphi, d N]: D(omega) and omega* against phi - phi_J); "
               "needs the dense spectrum (d N <= dense_max)."),
    Param("gap_max", 0.5, "float", lo=0.0, lo_open=True, cli=False,
          help="Gaps recorded up to h = r/sigma - 1 < gap_max."),
    Param("phi", 0.86, "float", lo=0.0, lo_open=True, hi=1.0, hi_open=True,
          help="Packing fraction of the aging run (2D bidisperse jams near 0.84)."),
    Param("T", 1e-5, "float", lo=0.0, hi=100.0, unit="eps (k_B = 1)",
          help="Temperature (at T ~ 1 the particles pass through each other)."),
    Param("dt", 0.01, "float", lo=0.0, lo_open=True, hi=0.1, unit=TIME,
          help="Time step, unit friction mu (<= 0.1: stability of the harmonic contacts)."),
    Param("tmax", 1000.0, "float", lo=0.0, lo_open=True, unit=TIME, help="Duration of the run (>= dt)."),
    Param("tw", None, "floats", lo=0.0, lo_open=True, nullable=True, unit=TIME,
          default_help="5 log-spaced from tmax/1000 to tmax/10", help="Waiting times, comma-separated, each < tmax."),
    Param("Q_a", 0.3, "float", lo=0.0, lo_open=True, hi=100.0, unit=LENGTH,
          help="Overlap threshold a of Q: a coordinate counts as not moved if |dx| < a "
               "(0.3 = about a third of a particle)."),
    Param("init", "random", "str", choices=INITS,
          help="Start of the aging clock t = 0 (age): random: the random positions (a quench from "
               "infinite temperature to T); equilibrated: after --t-eq of Langevin at T from them "
               "(a liquid at T when t_eq >> tau(T): then tau does not depend on tw)."),
    Param("t_eq", 0.0, "float", lo=0.0, unit=TIME,
          help="Equilibration time before t = 0, Langevin at the run's T (> 0 with --init "
               "equilibrated, 0 with --init random)."),
], check=lambda c: _cross_checks(c), memory=lambda c: _memory(c), blame=("N", "samples", "dim"),
   seconds=lambda c: _seconds(c), late=("init", "t_eq", "modes_series"))


def default_config(**overrides) -> dict:
    """Every parameter of a spheres run: SCHEMA's defaults with `overrides` (unknown key ->
    ConfigError)."""
    return SCHEMA.config(**overrides)


def _cross_checks(cfg: dict) -> None:
    require(cfg["dphi_min"] < cfg["dphi_max"], "dphi_min", show(cfg["dphi_min"]),
            f"dphi_min < dphi_max = {cfg['dphi_max']:g}")
    require(cfg["fire_dt"] <= cfg["fire_dt_max"], "fire_dt", show(cfg["fire_dt"]),
            f"fire_dt <= fire_dt_max = {cfg['fire_dt_max']:g}")
    require_time_grid(cfg)
    _thermal_checks(cfg)
    if SCHEMA.setting(cfg, "modes_series"):
        require(cfg["dim"] * cfg["N"] <= cfg["dense_max"], "modes_series", "true",
                f"the whole spectrum at each dphi: d N = {cfg['dim'] * cfg['N']} <= dense_max = "
                f"{cfg['dense_max']} (use fewer particles or raise dense_max)")
    SCHEMA.check_memory(cfg)     # before the diameters below are made
    # the box must be larger than twice the largest diameter (minimum image of every pair)
    diam = packing.diameters(cfg, np.random.default_rng(0))
    phis = [cfg["phi"]] if cfg["protocol"] == "age" else [packing.phi_start(cfg), 0.9 if cfg["dim"] == 2 else 0.7]
    for ph in phis:
        L = packing.box_side(diam, ph, cfg["dim"])
        require(L > 2.0 * diam.max() + 0.1, "N", f"N = {cfg['N']}",
                f"N large enough that the box side (here {L:.3g} at phi = {ph:.3g}) exceeds twice "
                "the largest diameter: use more particles")


def _thermal_checks(cfg: dict, schema=SCHEMA, time_unit=TIME) -> None:
    init, t_eq = schema.setting(cfg, "init"), schema.setting(cfg, "t_eq")
    if init == "random":
        require(t_eq == 0, "t_eq", show(t_eq), "0 with --init random (t_eq is the equilibration "
                "time of --init equilibrated)")
        return
    require(cfg["protocol"] == "age", "init", show(init), "random with protocol jam (the "
            "equilibrated start belongs to the age protocol)")
    require(t_eq > 0, "t_eq", show(t_eq), f"t_eq > 0 ({time_unit}) with --init equilibrated")
    require(t_eq / cfg["dt"] <= MAX_STEPS, "t_eq", show(t_eq),
            f"at most {MAX_STEPS:.0e} steps: t_eq <= {MAX_STEPS:.0e} dt = {MAX_STEPS * cfg['dt']:g}")
    require(cfg["T"] > 0, "T", show(cfg["T"]), "T > 0 with --init equilibrated (at T = 0 there "
            "is no liquid to equilibrate)")


def validate(cfg: dict) -> None:
    """Check every parameter (ConfigError names the bad one)."""
    SCHEMA.validate(cfg)


def _memory(cfg: dict) -> tuple[float, str]:
    """Bytes held at once by one packing (positions and the arrays that go with them, the
    neighbour list, for jam the Hessian and its eigensolver, for age the recorder's snapshots)
    plus the record of every sample."""
    N, dim, S = cfg["N"], cfg["dim"], cfg["samples"]
    n = dim * N
    neighbours = 8.0 * (16 if dim == 2 else 40) * N
    if cfg["protocol"] == "age":
        sch = Schedule(cfg["dt"], cfg["tmax"], cfg["tw"])
        state = 8.0 * n * (12 + sch.nw) + neighbours
        record = record_bytes(S, sch.nt, sch.nw)
        return state + record, f"{n} coordinates, {sch.nw} snapshot(s)" if state >= record else \
            f"the record of {S} sample(s)"
    if n <= cfg["dense_max"]:
        hessian, how = 3 * 8.0 * n ** 2, "dense"
    else:   # eigsh in shift-invert mode: its Lanczos vectors and the sparse factorisation
        hessian, how = 8.0 * n * (2 * cfg["n_modes"] + 1 + (50 if dim == 2 else 200)), "sparse"
    state = 8.0 * n * 10 + neighbours + hessian
    record = 8.0 * S * (N * (dim + 12) + (n if n <= cfg["dense_max"] else cfg["n_modes"]))
    if SCHEMA.setting(cfg, "modes_series"):
        record += 8.0 * S * cfg["n_dphi"] * n
    return state + record, f"the {how} Hessian of {n} degrees of freedom" if state >= record else \
        f"the record of {S} packing(s)"


def _seconds(cfg: dict) -> float:
    """Rough run time on 2 cores: aging ~150 ns per particle and step in 2D (300 in 3D); jamming
    ~30 s per packing of 1024 particles in 2D, growing as N^1.8."""
    N, S = cfg["N"], cfg["samples"]
    if cfg["protocol"] == "age":
        t = cfg["tmax"] + SCHEMA.setting(cfg, "t_eq")
        return S * (t / cfg["dt"]) * N * (150e-9 if cfg["dim"] == 2 else 300e-9)
    return S * 30.0 * (N / 1024) ** 1.8 * (1.0 if cfg["dim"] == 2 else 3.0)


def run(config: dict, sink, progress=None) -> dict:
    cfg = default_config(**config)
    validate(cfg)
    if cfg["protocol"] == "jam":
        from .jam_run import run_jam
        return run_jam(cfg, sink, progress)
    return _run_age(cfg, sink, progress)


def _langevin_state(cfg, rng):
    """The Langevin state of one sample of spheres: random positions at phi."""
    from .langevin import LangevinState
    diam = packing.diameters(cfg, rng)
    L = packing.box_side(diam, cfg["phi"], cfg["dim"])
    pos = packing.random_positions(cfg["N"], cfg["dim"], L, rng)
    return LangevinState(pos, diam, L, cfg["alpha"], cfg["T"], cfg["dt"],
                         int(rng.integers(2 ** 31 - 1)), cfg["skin"])


def _run_age(cfg, sink, progress, make_state=_langevin_state, schema=SCHEMA, angles=None):
    """Langevin aging of the samples one after the other, each after its equilibration (init
    equilibrated); a checkpoint after every measurement and every stop of the equilibration
    (sample index, steps done, the Langevin state with Numba's noise generator, the recorder's
    snapshots). Progress counts the equilibration's steps and the run's. make_state(cfg, rng):
    the LangevinState of a sample (other particles: physics.ellipses), schema: their config's;
    angles(state) -> [N] the unwrapped angles of bodies with an orientation (the recorder's
    ORIENTATION observables), None for the spheres."""
    N, S = cfg["N"], cfg["samples"]
    sch = Schedule(cfg["dt"], cfg["tmax"], cfg["tw"])
    t_eq = schema.setting(cfg, "t_eq") if schema.setting(cfg, "init") == "equilibrated" else 0.0
    n_eq = equilibration_steps(cfg, t_eq)
    per_sample = n_eq + sch.n_steps
    sink.begin(sch.t, sch.tw, samples=S)
    energies = []
    first, k_done, saved = 0, None, None
    resume = resume_state(sink)
    if resume is not None:
        k_done, saved = resume
        first = int(saved["sample"])
        energies = [float(e) for e in saved["energies"]]
    for s, rng in enumerate(packing.streams(cfg)):
        if s < first:
            continue
        state = make_state(cfg, rng)
        rec = Recorder(sch, sink, samples=slice(s, s + 1), a=cfg["Q_a"], van_hove=True)
        start, step0, eq0 = 0, 0, 0
        if saved is not None and s == first:
            state.restore(saved["langevin"])
            rec.restore(saved["recorder"])
            start, step0, eq0 = k_done + 1, int(saved["step"]), int(saved.get("eq_step", n_eq))

        def snapshot(step, eq_step=n_eq, s=s):
            where = (f"t = {step * sch.dt:g}" if eq_step >= n_eq else
                     f"equilibration t = {eq_step * sch.dt:g} of t_eq = {t_eq:g}")
            where += f" of sample {s + 1} of {S}" if S > 1 else ""
            return {"sample": s, "step": step, "eq_step": eq_step, "energies": list(energies),
                    "langevin": state.state(), "recorder": rec.state(), "where": where}

        def measure(k, step):
            rec.observe(step, state.unwrapped().reshape(1, -1), state.energy / N,
                        angles=None if angles is None else angles(state).reshape(1, -1))
            checkpoint(sink, k, lambda: snapshot(step))

        def pause(k, step):
            checkpoint(sink, k, lambda: snapshot(step))

        def prog(done, total, s=s, offset=0):
            if progress is not None:
                progress(s * per_sample + offset + done, S * per_sample)
        equilibrate(state.advance, n_eq, eq0, lambda e: checkpoint(sink, -1, lambda: snapshot(0, e)), prog)
        drive(sch, state.advance, measure, lambda d, t: prog(d, t, offset=n_eq), start=start, step=step0,
              pause=pause)
        energies.append(state.energy / N)
    return {"energy_final": float(np.mean(energies)), "n_steps": sch.n_steps, "n_eq_steps": n_eq}


__all__ = ["run", "default_config", "validate", "PROTOCOLS", "SCHEMA"]
