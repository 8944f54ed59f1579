"""The parameters of a p-spin run: its schema (names, defaults, units, ranges), the rules between
them, and the memory and time a run will take, all checked before anything is allocated
(physics/schema.py). The dynamics is in physics/pspin.py."""
from __future__ import annotations

import numpy as np

from physics import pspin_kernels as K
from physics import pspin_theory as theory
from physics.config import record_bytes
from physics.observables import Schedule
from physics.schema import Param, Schema, require, require_time_grid, show

SUPPORTED_P = (2, 3, 4)

DTYPES = {"float32": np.float32, "float64": np.float64, "float16": np.float16}
"""Storage of the couplings. float16 keeps 11 significant bits (relative rounding <= 2^-11 = 4.9e-4,
random across couplings: the same disorder ensemble to that accuracy) and computes in float32."""
INTEGRATORS = ("geodesic-lm", "euler")


# ----------------------------------------------------------------------------- config

TIME = "Langevin time units"
WAITING = "5 log-spaced from tmax/1000 to tmax/10"
T_MAX = 100.0
"""Highest temperature taken (T_d = 0.612 at p = 3: far above it the dynamics is free noise)."""

SCHEMA = Schema("pspin", [
    Param("N", 1000, "int", lo=3, unit="spins",
          help="Number of spins (must exceed p). Couplings take C(N, p) x 4 bytes (float32)."),
    Param("p", 3, "int", choices=SUPPORTED_P,
          help="Interaction order p: 2 (spherical SK), 3 or 4 (ignored with --mix)."),
    Param("mix", None, "mix", choices=SUPPORTED_P, lo=0.0, nullable=True, default_help="pure p",
          help="Mixed model instead of pure p: weights p:w_p, e.g. '2:0.5,3:1' "
               "(f(q) = sum w_p q^p / 2)."),
    Param("T", 0.5, "float", lo=0.0, hi=T_MAX, unit="energy (J = 1, k_B = 1)",
          help="Temperature of the dynamics (0 = gradient descent). p = 3: T_d = 0.612."),
    Param("dt", 0.05, "float", lo=0.0, lo_open=True, hi=0.5, unit=TIME,
          help="Time step (0.1 is safe; larger is unstable)."),
    Param("integrator", "geodesic-lm", "str", choices=INTEGRATORS,
          help="geodesic-lm: steps along great circles with Leimkuhler-Matthews noise (bias < 0.01 "
               "in energy at dt <= 0.1); euler: Euler-Maruyama plus projection."),
    Param("tmax", 50.0, "float", lo=0.0, lo_open=True, unit=TIME, help="Final time (>= dt)."),
    Param("tw", None, "floats", lo=0.0, lo_open=True, nullable=True, unit=TIME, default_help=WAITING,
          help="Waiting times, comma-separated, each < tmax."),
    Param("samples", 1, "int", lo=1, help="Disorder realisations, run one after the other."),
    Param("seed", 0, "int", lo=0, help="Random seed: disorder, initial state and noise all derive from it."),
    Param("response", True, "bool", help="Measure the integrated response chi with a twin per waiting time."),
    Param("h", 0.01, "float", lo=0.0, lo_open=True, hi=1.0, unit="energy (J = 1)",
          help="Field of the response twins (0.01 is in the linear regime)."),
    Param("precision", "float32", "str", choices=tuple(DTYPES),
          help="Precision of the couplings (float16: half the memory and, at one replica, about "
               "half the time; computed in float32) and of the force kernels."),
    Param("init", "random", "str", choices=("random", "equilibrium"),
          help="Initial state: random on the sphere (a quench from T = infinity) or equilibrium at "
               "T0 (quiet planting; needs T0 > T_d)."),
    Param("T0", None, "float", lo=0.0, lo_open=True, hi=T_MAX, nullable=True, default_help="T",
          unit="energy (J = 1, k_B = 1)",
          help="Temperature of the equilibrium start. Only with --init equilibrium."),
    Param("a", 0.3, "float", lo=0.0, lo_open=True, nullable=True, cli=False, default_help="no Q",
          help="Threshold of the overlap Q."),
], check=lambda c: _cross_checks(c), memory=lambda c: _memory(c), blame=("N", "samples"),
   seconds=lambda c: _seconds(c))


def default_config(**overrides) -> dict:
    """Every parameter of a p-spin run (the config hash identifies the run): SCHEMA's defaults
    with `overrides` (unknown key -> ConfigError)."""
    return SCHEMA.config(**overrides)


def mixture(config: dict) -> dict:
    """{p: w_p} of the config (pure p -> {p: 1.0})."""
    if config.get("mix"):
        return {int(k): float(v) for k, v in config["mix"].items() if float(v) != 0.0}
    return {int(config["p"]): 1.0}


def coupling_bytes(N: int, mix: dict, precision: str = "float32") -> int:
    return sum(K.n_couplings(N, p) for p in mix) * np.dtype(DTYPES[precision]).itemsize


def _cross_checks(c: dict) -> dict:
    mix = mixture(c)
    pmax = max(mix)
    require(c["N"] > pmax, "N", show(c["N"]), f"an integer N > p = {pmax}")
    require_time_grid(c)
    if c["init"] == "equilibrium":
        T0 = c["T"] if c["T0"] is None else c["T0"]
        Td = theory.dynamical_temperature(mix)
        require(T0 > Td, "T0", f"T0 = {T0:g}" + (" (= T)" if c["T0"] is None else ""),
                f"T0 > T_d = {Td:.4f} for the equilibrium start (below T_d use init random)")
    else:
        require(c["T0"] is None, "T0", show(c["T0"]), "none unless init is equilibrium")
    return mix


def _sizes(c: dict) -> tuple[int, int, int]:
    """(measurements nt, waiting times nw, replicas per sample: the spins and their twins)."""
    sch = Schedule(c["dt"], c["tmax"], c["tw"])
    return sch.nt, sch.nw, 1 + (sch.nw if c["response"] else 0)


def _memory(c: dict) -> tuple[float, str]:
    """Bytes held at once (the couplings of one sample, the replicas with their forces and fields,
    the x(tw) snapshots, the record's arrays of every sample) and what dominates."""
    mix, N = mixture(c), int(c["N"])
    nt, nw, reps = _sizes(c)
    couplings = coupling_bytes(N, mix, c["precision"]) + 16.0 * N * len(mix)
    state = 8.0 * N * (8 * reps + nw)
    record = record_bytes(c["samples"], nt, nw, per_time=2)
    what = (f"{', '.join(f'p={p}' for p in sorted(mix))} couplings" if couplings >= max(state, record)
            else f"the record of {c['samples']} sample(s)" if record >= state else f"{reps} replica(s)")
    return couplings + state + record, what


def _seconds(c: dict) -> float:
    """Rough run time: about 1.6e-10 s per coupling, replica and step (float32, 2 cores)."""
    mix, N = mixture(c), int(c["N"])
    _, _, reps = _sizes(c)
    per_step = 1.6e-10 * sum(K.n_couplings(N, p) for p in mix) * reps
    half = 0.6 if reps == 1 else 1.0          # float16: memory bound R = 1 ~1.7x faster; twins compute bound
    per_step *= {"float64": 1.5, "float16": half}.get(c["precision"], 1.0)
    return c["samples"] * (c["tmax"] / c["dt"]) * (per_step + 2e-6)


def validate(config: dict) -> dict:
    """Check every parameter (ConfigError names the bad one); returns the mixture."""
    return SCHEMA.validate(config)
