"""Soft-sphere packings: jamming and Langevin aging (shared/SCIENCE.md, section 3).

    from physics.spheres import run, default_config
    run(default_config(protocol="jam", N=256), sink)     # phi_J, structure, compression series
    run(default_config(protocol="age", phi=0.86, T=1e-5), sink)

Units: lengths in the small diameter sigma (bidisperse: 1.0 and 1.4), energies in eps, time in
sigma^2 / (mu eps) with unit friction mu (Langevin) or unit mass (FIRE). Samples are independent
packings, each from its own SeedSequence(seed).spawn(samples) stream.

Records (protocol "jam"): spheres/phi_J, spheres/Z, spheres/contacts, spheres/N_nonrattlers [S];
spheres/gaps, spheres/forces [M] (all samples concatenated); spheres/eigenvalues [S, d N]
(NaN-padded: rattlers are left out) at phi_J + hessian_dphi; spheres/dphi [m],
spheres/energy_dphi, spheres/pressure, spheres/Z_excess [S, m] with Z_excess = Z - Z_iso,
Z_iso = 2 (d (N_nr - 1) + 1) / N_nr the finite-N isostatic value (-> Z_c = 2d); and, for the
pictures, spheres/positions [S, N, d], spheres/diameters [S, N], spheres/box [S],
spheres/nonrattler [S, N], spheres/phi_lo, spheres/phi_hi, spheres/isostatic [S] (0/1),
spheres/energy_J, spheres/pressure_J [S], spheres/fire_steps [S], spheres/time_s [S].
Protocol "age": the standard time grid; energy = U/N; x = the unwrapped positions [d N]; Q with
the threshold Q_a (default 0.3 small diameters).
"""
from __future__ import annotations

import math
import time

import numpy as np

from physics.config import ConfigError, check_memory, require
from physics.observables import Recorder, Schedule, drive

from . import packing
from .packing import MIXTURES

PROTOCOLS = ("jam", "age")


def default_config(**overrides) -> dict:
    cfg = {
        "protocol": "jam",
        "N": 1024,
        "dim": 2,
        "mixture": "bidisperse",      # bidisperse (1.0, 1.4; 50:50) | monodisperse | polydisperse
        "polydispersity": 0.0,        # relative std of the diameters (mixture polydisperse)
        "radii": None,                # user radii, assigned cyclically; overrides mixture
        "alpha": 2.0,                 # 2 harmonic, 2.5 Hertz
        "seed": 0,
        "samples": 1,
        # FIRE
        "fire_dt": 0.05,
        "fire_dt_max": 0.5,
        "e_tol": 1e-16,               # E/N below this: unjammed
        "f_tol": 1e-13,               # largest force component below this: jammed and minimised
        "max_steps": 2_000_000,
        "skin": 0.3,                  # neighbour-list skin, in small diameters
        # jam
        "phi_start": 0.0,             # 0: automatic (0.80 in 2D, 0.60 in 3D)
        "dphi_start": 0.01,
        "tol": 1e-6,                  # bracket on phi_J
        "dphi_min": 1e-6,
        "dphi_max": 0.1,
        "n_dphi": 11,
        "hessian_dphi": 1e-3,         # packing phi_J + this for the normal modes
        "dense_max": 4000,            # dense eigvalsh up to this many degrees of freedom
        "n_modes": 200,               # lowest modes from eigsh beyond
        "gap_max": 0.5,               # gaps recorded up to h = r/sigma - 1 < gap_max
        # age
        "phi": 0.86,
        "T": 1e-5,
        "dt": 0.01,
        "tmax": 1000.0,
        "tw": None,                   # waiting times (None: 5 log-spaced from tmax/1000 to tmax/10)
        "Q_a": 0.3,                   # overlap threshold a, in small diameters
    }
    unknown = set(overrides) - set(cfg)
    if unknown:
        raise KeyError(f"unknown config keys {sorted(unknown)}")
    cfg.update(overrides)
    return cfg


def _diameters(cfg, rng) -> np.ndarray:
    return packing.make_diameters(cfg["N"], cfg["mixture"], cfg["polydispersity"], cfg["radii"], rng)


def _phi_start(cfg) -> float:
    return cfg["phi_start"] or (0.80 if cfg["dim"] == 2 else 0.60)


def validate(cfg: dict) -> None:
    require(cfg["protocol"] in PROTOCOLS, "protocol", f"must be one of {PROTOCOLS}")
    require(cfg["dim"] in (2, 3), "dim", f"dimension {cfg['dim']} is not supported; allowed: 2 or 3")
    require(int(cfg["N"]) == cfg["N"] and cfg["N"] >= 2, "N", f"N = {cfg['N']}: need an integer N >= 2 particles")
    require(0.0 < cfg["phi"] < 1.0, "phi", f"phi = {cfg['phi']}: the packing fraction must be in (0, 1)")
    require(cfg["mixture"] in MIXTURES, "mixture", f"must be one of {MIXTURES}")
    require(0.0 <= cfg["polydispersity"] < 0.5, "polydispersity", "must be in [0, 0.5) (relative std of the diameters)")
    if cfg["radii"] is not None:
        require(len(cfg["radii"]) >= 1 and all(r > 0 for r in cfg["radii"]), "radii",
                "give one or more positive radii")
    require(2.0 <= cfg["alpha"] <= 3.0, "alpha", f"alpha = {cfg['alpha']}: allowed 2 <= alpha <= 3 (2 harmonic, 2.5 Hertz)")
    require(cfg["samples"] >= 1, "samples", "need at least 1 sample")
    require(cfg["T"] >= 0, "T", "temperature must be >= 0")
    require(cfg["dt"] > 0, "dt", "time step must be > 0")
    require(cfg["tmax"] >= cfg["dt"], "tmax", "tmax must be >= dt")
    require(0 < cfg["tol"] < 0.1, "tol", "the phi_J bracket must be in (0, 0.1)")
    require(0 < cfg["Q_a"], "Q_a", "overlap threshold must be > 0")
    require(0 < cfg["dphi_min"] < cfg["dphi_max"] < 1, "dphi_min", "need 0 < dphi_min < dphi_max < 1")
    require(cfg["fire_dt"] > 0 and cfg["fire_dt_max"] >= cfg["fire_dt"], "fire_dt", "need 0 < fire_dt <= fire_dt_max")
    if cfg["protocol"] == "age":
        require(cfg["T"] > 0 or True, "T", "")
    # the box must be larger than twice the largest diameter (minimum image of every pair)
    diam = _diameters(cfg, np.random.default_rng(0))
    phis = [cfg["phi"]] if cfg["protocol"] == "age" else [_phi_start(cfg), 0.9 if cfg["dim"] == 2 else 0.7]
    for ph in phis:
        L = packing.box_side(diam, ph, cfg["dim"])
        require(L > 2.0 * diam.max() + 0.1, "N",
                f"N = {cfg['N']} is too small at phi = {ph:.3g}: the box side {L:.3g} must exceed "
                f"twice the largest diameter; use more particles")
    if cfg["protocol"] == "age":
        require(cfg["dt"] <= 0.1, "dt", "dt must be <= 0.1 (stability of the harmonic contacts)")


def _fire_kw(cfg) -> dict:
    return dict(dt_start=cfg["fire_dt"], dt_max=cfg["fire_dt_max"], e_tol=cfg["e_tol"],
                f_tol=cfg["f_tol"], max_steps=int(cfg["max_steps"]), skin=cfg["skin"])


def _streams(cfg):
    return [np.random.default_rng(s) for s in np.random.SeedSequence(cfg["seed"]).spawn(cfg["samples"])]


def run(config: dict, sink, progress=None) -> dict:
    cfg = default_config(**config)
    validate(cfg)
    if cfg["protocol"] == "jam":
        return _run_jam(cfg, sink, progress)
    return _run_age(cfg, sink, progress)


def _run_jam(cfg, sink, progress):
    from .jamming import compression_series, find_phi_J, gaps_and_forces, structure
    from .modes import eigenvalues, hessian
    N, dim, alpha, S = cfg["N"], cfg["dim"], float(cfg["alpha"]), cfg["samples"]
    n_dof = dim * N
    dense = n_dof <= cfg["dense_max"]
    check_memory(3 * 8.0 * n_dof ** 2 if dense else 8.0 * n_dof * 60, "N", "the dense Hessian")
    sink.begin([], [], samples=S)
    dphis = np.logspace(math.log10(cfg["dphi_min"]), math.log10(cfg["dphi_max"]), cfg["n_dphi"])
    keys = ("phi_J", "phi_lo", "phi_hi", "Z", "contacts", "N_nonrattlers", "isostatic", "energy_J",
            "pressure_J", "fire_steps", "time_s")
    per = {k: np.full(S, np.nan) for k in keys}
    e_d, p_d, z_d = (np.full((S, len(dphis)), np.nan) for _ in range(3))
    eigs = np.full((S, n_dof if dense else cfg["n_modes"]), np.nan)
    positions, diams = np.zeros((S, N, dim)), np.zeros((S, N))
    box, nonr = np.zeros(S), np.zeros((S, N), bool)
    gaps, forces = [], []
    fkw = _fire_kw(cfg)
    for s, rng in enumerate(_streams(cfg)):
        t0 = time.time()
        diam = _diameters(cfg, rng)
        L = packing.box_side(diam, _phi_start(cfg), dim)
        pos = packing.random_positions(N, dim, L, rng)

        def prog(done, total, s=s):
            if progress is not None:
                progress(s + 0.8 * min(done / total, 1.0), S)
        jr = find_phi_J(pos, diam, L, alpha, _phi_start(cfg), cfg["dphi_start"], cfg["tol"],
                        cfg["e_tol"], fkw, prog)
        st = structure(jr.pos, diam, jr.L, alpha)
        g, f = gaps_and_forces(jr.pos, diam, jr.L, alpha, st.nonrattler, cfg["gap_max"])
        gaps.append(g)
        forces.append(f)
        e, p, dz, at = compression_series(jr.pos, jr.L, diam, jr.phi_J, dphis, alpha, fkw,
                                          at=cfg["hessian_dphi"])
        if progress is not None:
            progress(s + 0.9, S)
        pos_m, L_m, st_m = at
        ev = eigenvalues(hessian(pos_m, diam, L_m, alpha, st_m.nonrattler), cfg["dense_max"],
                         cfg["n_modes"])
        eigs[s, :len(ev)] = ev[: eigs.shape[1]]
        e_d[s], p_d[s], z_d[s] = e, p, dz
        vals = dict(phi_J=jr.phi_J, phi_lo=jr.phi_lo, phi_hi=jr.phi_hi, Z=st.Z, contacts=st.contacts,
                    N_nonrattlers=st.n_nonrattlers, isostatic=float(st.isostatic),
                    energy_J=st.energy_per_particle, pressure_J=st.pressure,
                    fire_steps=jr.fire_steps, time_s=time.time() - t0)
        for k, v in vals.items():
            per[k][s] = v
        positions[s], diams[s], box[s], nonr[s] = jr.pos, diam, jr.L, st.nonrattler
        for k, v in per.items():
            sink.put(f"spheres/{k}", v)
        sink.put("spheres/dphi", dphis)
        sink.put("spheres/energy_dphi", e_d)
        sink.put("spheres/pressure", p_d)
        sink.put("spheres/Z_excess", z_d)
        sink.put("spheres/eigenvalues", eigs)
        sink.put("spheres/gaps", np.concatenate(gaps))
        sink.put("spheres/forces", np.concatenate(forces))
        sink.put("spheres/positions", positions)
        sink.put("spheres/diameters", diams)
        sink.put("spheres/box", box)
        sink.put("spheres/nonrattler", nonr.astype(np.int8))
        if progress is not None:
            progress(s + 1, S)
    ok = per["N_nonrattlers"] > 0
    return {
        "phi_J": float(np.mean(per["phi_J"])),
        "phi_J_sem": float(np.std(per["phi_J"], ddof=1) / math.sqrt(S)) if S > 1 else float("nan"),
        "Z": float(np.mean(per["Z"][ok])),
        "isostatic_fraction": float(np.mean(per["isostatic"])),
        "contacts": float(np.mean(per["contacts"])),
        "N_nonrattlers": float(np.mean(per["N_nonrattlers"])),
        "fire_steps": float(np.mean(per["fire_steps"])),
        "time_per_sample_s": float(np.mean(per["time_s"])),
    }


def _run_age(cfg, sink, progress):
    from .langevin import LangevinState
    N, dim, S = cfg["N"], cfg["dim"], cfg["samples"]
    sch = Schedule(cfg["dt"], cfg["tmax"], cfg["tw"])
    sink.begin(sch.t, sch.tw, samples=S)
    energies = []
    for s, rng in enumerate(_streams(cfg)):
        diam = _diameters(cfg, rng)
        L = packing.box_side(diam, cfg["phi"], dim)
        pos = packing.random_positions(N, dim, L, rng)
        state = LangevinState(pos, diam, L, cfg["alpha"], cfg["T"], cfg["dt"],
                              int(rng.integers(2 ** 31 - 1)), cfg["skin"])
        rec = Recorder(sch, sink, samples=slice(s, s + 1), a=cfg["Q_a"])

        def measure(k, step):
            rec.observe(step, state.unwrapped().reshape(1, -1), state.energy / N)

        def prog(done, total, s=s):
            if progress is not None:
                progress(s * total + done, S * total)
        drive(sch, state.advance, measure, prog)
        energies.append(state.energy / N)
    return {"energy_final": float(np.mean(energies)), "n_steps": sch.n_steps}


__all__ = ["run", "default_config", "validate", "PROTOCOLS"]
