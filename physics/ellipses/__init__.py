"""Soft ellipses in 2D: jamming (hypostatic packings, quartic modes) and Langevin aging
(docs/science.md, section 3.5; SCIENCE.md section 9).

    from physics.ellipses import run, default_config
    run(default_config(protocol="jam", alpha=1.5, N=256), sink)
    run(default_config(protocol="age", alpha=1.5, phi=0.9, T=1e-5), sink)

The particles: the spheres' 50:50 bidisperse mixture with the minor axes 1.0 and 1.4 and the
major axes alpha times those (geometry.py), harmonic overlap energy with the exact
Perram-Wertheim contact distance (contact.py). Units: lengths in the small minor axis, energies
in eps, time in (small minor axis)^2 / (mu eps). Each particle has d_f = 3 coordinates
q = (x, y, ell theta), ell = (a + b)/2 its mean semi-axis; FIRE (unit masses) and Langevin (unit
friction) act on all three, so the rotational mobility is 1/ell^2 (rotational diffusion T/ell^2).
The machinery is the spheres': cell lists, FIRE (physics.spheres.fire), compress-and-bisect
(physics.spheres.jamming.find_phi_J), rattlers, the Langevin driver and recorder
(physics.spheres._run_age, physics.observables), with the ellipses' energy passed in.

Records (protocol "jam"), per packing [S]: ellipses/phi_J (midpoint of the final bracket),
ellipses/phi_lo, ellipses/phi_hi, ellipses/Z (2 contacts / N_nonrattlers at phi_hi),
ellipses/Z_iso (2 (d_f N_nr - d + 1) / N_nr, -> 6), ellipses/contacts, ellipses/N_nonrattlers,
ellipses/quartic_modes (zero modes of the stiffness matrix, the 2 translations left out),
ellipses/deficit (N_iso - N_c), ellipses/self_stresses, ellipses/hessian_low_modes (the finite-
difference Hessian's eigenvalues below modes.LOW_FRACTION times the stiffness matrix's smallest
nonzero one), ellipses/rank_gap (the ratio of J's singular values either side of the rank cut),
ellipses/energy_J, ellipses/fire_steps; ellipses/hessian_eigenvalues,
ellipses/stiffness_eigenvalues [S, 3 N] (NaN-padded: rattlers left out); for the pictures
ellipses/positions [S, N, 3] (x, y, theta), ellipses/axes [S, N, 2] (a, b), ellipses/box [S],
ellipses/nonrattler [S, N], ellipses/z [S, N] (contacts of each particle among non-rattlers).
The modes are skipped (NaN) above modes_max_N particles. Wall-clock seconds per packing: the
record's attribute ellipses/time_s. A checkpoint after every packing.
Protocol "age": as the spheres' (physics.spheres._run_age, the shared recorder
physics.observables.Recorder): energy = U/N (eps per particle), x = the unwrapped positions [2 N]
(C, msd, Q with threshold Q_a, alpha2, vanhove: the spheres' observables, so ellipses age on the
spheres' axes), and the orientations: the unwrapped angles theta [N] give msd_theta =
<(theta(t) - theta(tw))^2> (rad^2) and C2_theta = <cos 2 (theta(t) - theta(tw))> (1 at t = tw,
0 once the orientations are lost; an ellipse is the same turned by pi). Thermal protocol:
overdamped Langevin at T on q = (x, y, ell theta), unit friction mu on each coordinate and noise
sqrt(2 T dt) on each, so the angle has friction mu ell^2 and rotational diffusion D_r = T / ell^2
(rad^2 per unit time), the translations D = T (small minor axes^2 per unit time): free ellipses
have msd = 2 T t per coordinate (2 d T t per particle) and msd_theta = 2 T t <1/ell^2>; the
equilibrium reached is Boltzmann's at T in (x, y, theta) (equipartition in every coordinate).

Python entry point for reports: jam_packing(alpha, N, seed) -> dict of the per-packing numbers.
"""
from __future__ import annotations

import math
import time

import numpy as np

from physics.observables import Schedule, checkpoint, resume_state
from physics.config import record_bytes
from physics.schema import Param, require, require_time_grid, show
from physics.schema_late import LateSchema
from physics.spheres import SCHEMA as SPHERES, _run_age, _thermal_checks, packing as sphere_packing
from physics.spheres.thermal import INITS

from . import contact, geometry
from .jamming import D_F, jam, structure

PROTOCOLS = ("jam", "age")
LENGTH, TIME = "small minor axes", "(small minor axis)^2 / (mu eps)"
ALPHA_MAX = 4.0

SCHEMA = LateSchema("ellipses", [
    Param("protocol", "jam", "str", choices=PROTOCOLS, cli=False,
          help="jam: the jamming point, contacts and quartic modes; age: Langevin aging at fixed phi."),
    Param("alpha", 1.5, "float", lo=1.0, hi=ALPHA_MAX, unit="major / minor axis",
          help="Aspect ratio of every ellipse (1: the spheres' bidisperse disks)."),
    Param("N", 256, "int", lo=8, unit="particles",
          help="Number of ellipses, 50:50 minor axes 1.0 and 1.4 (the box must exceed twice the "
               "longest major axis)."),
    *(SPHERES[k] for k in ("seed", "samples", "fire_dt", "fire_dt_max", "e_tol")),   # the spheres' own
    Param("f_tol", 1e-13, "float", lo=0.0, cli=False, unit="eps / small minor axis",
          help="Largest generalised force component below this: jammed and minimised."),
    SPHERES["max_steps"],
    Param("skin", 0.3, "float", lo=0.0, lo_open=True, cli=False, unit=LENGTH,
          help="Neighbour-list skin (around the bounding circles)."),
    Param("phi_start", 0.80, "float", lo=0.0, lo_open=True, hi=1.0, hi_open=True, cli=False,
          help="Packing fraction of the first compression step."),
    SPHERES["dphi_start"],
    Param("tol", 1e-5, "float", lo=0.0, lo_open=True, hi=0.1, hi_open=True, unit="packing fraction",
          help="Bracket on phi_J at which compress-and-bisect stops (the minimisations near phi_J "
               "of hypostatic packings are slow: 1e-5 keeps N = 256 near 3 minutes)."),
    Param("modes_max_N", 1024, "int", lo=0, cli=False,
          help="Stiffness matrix and Hessian (dense, 3 N) only up to this many particles."),
    Param("phi", 0.90, "float", lo=0.0, lo_open=True, hi=1.0, hi_open=True,
          help="Packing fraction of the aging run (alpha = 1.5 jams near 0.89)."),
    Param("T", 1e-5, "float", lo=0.0, hi=100.0, unit="eps (k_B = 1)",
          help="Temperature of the Langevin noise on x, y and the angle (translational diffusion "
               "T, rotational T/ell^2, ell the mean semi-axis)."),
    Param("dt", 0.01, "float", lo=0.0, lo_open=True, hi=0.1, unit=TIME,
          help="Time step, unit friction mu on x, y and ell theta (the angle's friction mu ell^2; "
               "<= 0.1: stability of the contacts)."),
    SPHERES["tmax"], SPHERES["tw"],          # sigma: the small minor axis here
    Param("Q_a", 0.3, "float", lo=0.0, lo_open=True, hi=100.0, unit=LENGTH,
          help="Overlap threshold a of Q: a coordinate counts as not moved if |dx| < a."),
    Param("init", "random", "str", choices=INITS,
          help="Start of the aging clock: random positions and angles, or after --t-eq of Langevin at T."),
    Param("t_eq", 0.0, "float", lo=0.0, unit=TIME,
          help="Equilibration time before t = 0 (> 0 with --init equilibrated, 0 with --init random)."),
], check=lambda c: _cross_checks(c), memory=lambda c: _memory(c), blame=("N", "samples"),
   seconds=lambda c: _seconds(c), late=("init", "t_eq"))


def default_config(**overrides) -> dict:
    return SCHEMA.config(**overrides)


def validate(cfg: dict) -> None:
    SCHEMA.validate(cfg)


def _cross_checks(cfg: dict) -> None:
    require(cfg["fire_dt"] <= cfg["fire_dt_max"], "fire_dt", show(cfg["fire_dt"]),
            f"fire_dt <= fire_dt_max = {cfg['fire_dt_max']:g}")
    require_time_grid(cfg)
    _thermal_checks(cfg, SCHEMA, TIME)
    SCHEMA.check_memory(cfg)
    geom = geometry.make_geom(cfg["N"], cfg["alpha"])
    phis = [cfg["phi"]] if cfg["protocol"] == "age" else [cfg["phi_start"], 0.95]
    for ph in phis:
        L = geometry.box_side(geom, ph)
        require(L > 4.0 * geom[:, 0].max() + 0.1, "N", f"N = {cfg['N']}",
                f"N large enough that the box side (here {L:.3g} at phi = {ph:.3g}) exceeds twice "
                f"the longest major axis ({2 * geom[:, 0].max():.3g}): use more particles")


def _memory(cfg: dict) -> tuple[float, str]:
    N, S = cfg["N"], cfg["samples"]
    n = 3 * N
    if cfg["protocol"] == "age":
        sch = Schedule(cfg["dt"], cfg["tmax"], cfg["tw"])
        state = 8.0 * n * (12 + sch.nw) + 8.0 * 16 * N
        return state + record_bytes(S, sch.nt, sch.nw), f"{n} coordinates, {sch.nw} snapshot(s)"
    dense = 8.0 * 4 * n * n if N <= cfg["modes_max_N"] else 0.0
    return dense + 8.0 * S * (2 * n + 8 * N) + 8.0 * 40 * N, f"the dense Hessian of {n} coordinates"


def _seconds(cfg: dict) -> float:
    """Rough run time on 2 cores (measured under load): jamming ~160 s per packing of 256
    ellipses at alpha = 1.5 and tol 1e-5 (50-90 s at N = 128, 16-60 s at N = 64), growing as
    about N^1.5; aging ~3.5 us per particle and step at N = 64."""
    N, S = cfg["N"], cfg["samples"]
    if cfg["protocol"] == "age":
        return S * ((cfg["tmax"] + SCHEMA.setting(cfg, "t_eq")) / cfg["dt"]) * N * 3.5e-6
    return S * 160.0 * (N / 256) ** 1.5


def fire_kwargs(cfg: dict) -> dict:
    return dict(dt_start=cfg["fire_dt"], dt_max=cfg["fire_dt_max"], e_tol=cfg["e_tol"],
                f_tol=cfg["f_tol"], max_steps=int(cfg["max_steps"]), skin=cfg["skin"])


def one_packing(cfg: dict, rng, progress=None) -> dict:
    """Jam one packing from the random start of `rng` (positions drawn as the spheres' are):
    phi_J, structure, quartic modes. The Python entry point for one packing."""
    from .modes import quartic_modes
    N = cfg["N"]
    geom = geometry.make_geom(N, cfg["alpha"])
    L = geometry.box_side(geom, cfg["phi_start"])
    q = geometry.random_state(geom, L, rng)
    jr = jam(q, geom, L, cfg["phi_start"], cfg["dphi_start"], cfg["tol"], cfg["e_tol"],
             fire_kwargs(cfg), progress)
    st = structure(jr.pos, geom, jr.L)
    out = dict(phi_J=jr.phi_J, phi_lo=jr.phi_lo, phi_hi=jr.phi_hi, Z=st.Z, Z_iso=st.Z_iso,
               contacts=st.contacts, N_nonrattlers=st.n_nonrattlers, energy_J=st.energy_per_particle,
               fire_steps=jr.fire_steps, positions=np.column_stack([jr.pos[:, :2], geometry.angles(jr.pos, geom)]),
               axes=geom[:, :2], box=jr.L, nonrattler=st.nonrattler, z=st.z)
    if N <= cfg["modes_max_N"] and st.n_nonrattlers > 0:
        m = quartic_modes(jr.pos, geom, jr.L, st)
        out.update({k: m[k] for k in ("quartic_modes", "deficit", "self_stresses", "hessian_low_modes", "rank_gap",
                                      "hessian_eigenvalues", "stiffness_eigenvalues")})
    return out


def jam_packing(alpha: float, N: int, seed: int = 0, **overrides) -> dict:
    """One packing of the jam protocol (sample 0 of the config's seed), without a record: the
    entry point for reports. Keys: those of one_packing (phi_J, Z, quartic_modes, deficit, ...)."""
    cfg = default_config(protocol="jam", alpha=float(alpha), N=int(N), seed=int(seed), **overrides)
    validate(cfg)
    return one_packing(cfg, sphere_packing.streams(dict(cfg, samples=1))[0])


PER_SAMPLE = ("phi_J", "phi_lo", "phi_hi", "Z", "Z_iso", "contacts", "N_nonrattlers", "quartic_modes",
              "deficit", "self_stresses", "hessian_low_modes", "rank_gap", "energy_J", "fire_steps", "box")
PER_PARTICLE = {"positions": 3, "axes": 2, "nonrattler": 0, "z": 0}
SPECTRA = ("hessian_eigenvalues", "stiffness_eigenvalues")


def _run_jam(cfg, sink, progress):
    N, S = cfg["N"], cfg["samples"]
    sink.begin([], [], samples=S)
    arr = {k: np.full(S, np.nan) for k in PER_SAMPLE}
    arr.update({k: np.full((S, N, w) if w else (S, N), np.nan) for k, w in PER_PARTICLE.items()})
    arr.update({k: np.full((S, 3 * N), np.nan) for k in SPECTRA})
    seconds = np.full(S, np.nan)
    first = 0
    resume = resume_state(sink)
    if resume is not None:
        first = int(resume[1]["sample"])
        for k in arr:
            arr[k][:first] = np.asarray(sink[f"ellipses/{k}"])[:first]
        seconds[:first] = np.asarray(resume[1]["seconds"], float)[:first]
    meta = getattr(sink, "meta", None)
    for s, rng in enumerate(sphere_packing.streams(cfg)):
        if s < first:
            continue
        t0 = time.time()
        one = one_packing(cfg, rng, (lambda d, t, s=s: progress(s + min(d / t, 0.99), S))
                          if progress is not None else None)
        seconds[s] = time.time() - t0
        for k in arr:
            if k in one:
                v = np.asarray(one[k], float)
                if k in SPECTRA:
                    arr[k][s, :v.size] = v
                else:
                    arr[k][s] = v
        for k, v in arr.items():
            sink.put(f"ellipses/{k}", np.nan_to_num(v).astype(np.int8) if k == "nonrattler" else v)
        if meta is not None:
            meta("ellipses/time_s", seconds.copy())
        checkpoint(sink, s, lambda s=s: {"sample": s + 1, "seconds": seconds[:s + 1].copy(),
                                         "where": f"packing {s + 2} of {S} ({s + 1} done)"})
        if progress is not None:
            progress(s + 1, S)
    ok = arr["N_nonrattlers"] > 0
    sem = (lambda v: float(np.std(v, ddof=1) / math.sqrt(len(v))) if len(v) > 1 else float("nan"))
    return {"phi_J": float(np.mean(arr["phi_J"])), "phi_J_sem": sem(arr["phi_J"]),
            "Z": float(np.mean(arr["Z"][ok])), "Z_over_6": float(np.mean(arr["Z"][ok]) / (2 * D_F)),
            "quartic_modes": float(np.nanmean(arr["quartic_modes"])),
            "deficit": float(np.nanmean(arr["deficit"])),
            "fire_steps": float(np.mean(arr["fire_steps"])), "time_per_sample_s": float(np.mean(seconds))}


def _langevin_state(cfg, rng):
    """The Langevin state of one sample: random positions and angles at phi."""
    from physics.spheres.langevin import LangevinState
    from .jamming import EXPONENT, fire_model
    geom = geometry.make_geom(cfg["N"], cfg["alpha"])
    L = geometry.box_side(geom, cfg["phi"])
    q = geometry.random_state(geom, L, rng)
    return LangevinState(q, contact.bounding_diameters(geom), L, EXPONENT, cfg["T"], cfg["dt"],
                         int(rng.integers(2 ** 31 - 1)), cfg["skin"], model=fire_model(geom))


def run(config: dict, sink, progress=None) -> dict:
    cfg = default_config(**config)
    validate(cfg)
    if cfg["protocol"] == "jam":
        return _run_jam(cfg, sink, progress)
    geom = geometry.make_geom(cfg["N"], cfg["alpha"])      # the shapes of every sample
    return _run_age(cfg, sink, progress, make_state=_langevin_state, schema=SCHEMA,
                    angles=lambda state: geometry.angles(state.pos, geom))


__all__ = ["run", "default_config", "validate", "PROTOCOLS", "SCHEMA", "jam_packing", "one_packing"]
