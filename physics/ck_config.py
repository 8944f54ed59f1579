"""The parameters of a CK run: its schema (names, defaults, units, ranges), the rules between
them, and what a run costs in memory and time (physics/schema.py). The solver is in physics/ck.py,
which re-exports this interface."""
from __future__ import annotations

import math

from physics import pspin_theory as theory
from physics.config import record_bytes
from physics.schema import Param, require, show
from physics.schema_late import LateSchema

SYSTEM = "ck"


TIME = "Langevin time units"

SUPPORTED_P = (2, 3, 4)
"""The p of the p-spin runs (physics.pspin.SUPPORTED_P), which CK is the N = infinity reference of."""
T_MAX = 100.0
"""Highest temperature taken (as the p-spin's, physics.pspin.T_MAX)."""

METHODS = ("kim-latz", "ratio")
"""The two solvers: the Kim-Latz grid of uniform step that doubles (physics/ck.py) and the grid in
theta = t'/t (physics/ck_ratio.py)."""

SCHEMA = LateSchema("ck", [
    Param("method", "kim-latz", "str", choices=METHODS,
          help="Solver: 'kim-latz' (a uniform grid whose step doubles; n-grid, h0, n-copy, strip) or "
               "'ratio' (a fixed grid in t'/t that keeps the fast relaxation resolved at every t; "
               "nodes, step, grade). physics/ck.py and physics/ck_ratio.py have the accuracies."),
    Param("nodes", 0, "int", lo=0, hi=1024,
          help="ratio: nodes per row in logit(t'/t) (0: from tmax and grade; a step of 0.3 if "
               "uniform, else 0.6 at the ends of the row and 0.6 / grade in its middle)."),
    Param("grade", 1.0, "float", lo=1.0, hi=64.0,
          help="ratio: how much closer the nodes lie in the middle of the row (the aging part, "
               "whose resolution sets how far a run gets) than at its ends; 1 = uniform in "
               "logit(t'/t). p = 3, T = 0.5: uniform stops at t ~ 4.5e5; --grade 10 reaches "
               "t = 1e7 (303 nodes, ~6 min on 2 cores)."),
    Param("step", 0.005, "float", lo=0.0, lo_open=True, hi=0.1,
          help="ratio: the BDF2 time step as a fraction of t (after t = 10)."),
    Param("p", 3, "int", choices=SUPPORTED_P, help="Order p of the pure p-spin (ignored with --mix)."),
    Param("mix", None, "mix", choices=SUPPORTED_P, lo=0.0, nullable=True, default_help="pure p",
          help="Mixed model f(q) = sum_p w_p q^p / 2 as 'p:w,...', e.g. '2:0.5,3:1'."),
    Param("T", 0.5, "float", lo=0.0, hi=T_MAX, unit="energy (J = 1, k_B = 1)",
          help="Temperature of the quench (p = 3: T_d = 0.612)."),
    Param("tmax", 1000.0, "float", lo=0.0, lo_open=True, hi=1e8, unit=TIME,
          help="Final time (at least 80 h0)."),
    Param("tw", None, "floats", lo=0.0, lo_open=True, nullable=True, unit=TIME,
          default_help="5 log-spaced from tmax/1000 to tmax/10",
          help="Waiting times 'a,b,...', each < tmax (snapped by <= 4/n-grid relative to grid points)."),
    Param("n_grid", 512, "int", lo=64, hi=8192,
          help="Grid intervals (a multiple of 4); cost ~ n^3 per doubling of the step."),
    Param("h0", 0.00125, "float", lo=0.0, lo_open=True, hi=0.05, unit=TIME,
          help="Initial time step; the measurement grid unit is 8 h0."),
    Param("tol", 1e-9, "float", lo=0.0, lo_open=True, hi=1e-2, hi_open=True,
          help="Fixed-point tolerance per row on C and chi (dimensionless)."),
    Param("max_iter", 200, "int", lo=1, cli=False, help="Fixed-point iterations per row at most."),
    Param("n_copy", 4, "int", lo=2, hi=6,
          help="Grid entries next to the diagonal copied from the previous row (time-translation "
               "invariance at lags <= n_copy steps)."),
    Param("strip", "auto", "str", choices=("auto", "drift", "copy"),
          help="The n_copy entries next to the diagonal: 'copy' the previous row's (exact for "
               "stationary dynamics: the solver before 2026-11-29), 'drift' the previous row's plus a "
               "drift in proportion to the lag (aging: reaches t = 1e7 at T < T_d, where copies turn "
               "e(t) up from t ~ 4e4 at n-grid 512 and the run stops), 'auto' drift below T_d and "
               "copy at and above it. physics/ck.py has the accuracies."),
    Param("per_decade", 20, "int", lo=2, hi=200, cli=False, help="Measurement times per decade."),
    Param("samples", 1, "int", choices=(1,),
          help="The CK solution is one deterministic curve: samples must be 1."),
    Param("seed", 0, "int", lo=0, help="Unused: the CK dynamics is deterministic."),
], check=lambda c: _cross_checks(c), memory=lambda c: _memory(c), blame=("n_grid",),
   seconds=lambda c: _seconds(c), late=("method", "nodes", "step", "grade"))


def default_config(**overrides) -> dict:
    """Every parameter of a CK run: SCHEMA's defaults with `overrides` (unknown key -> ConfigError)."""
    return SCHEMA.config(**overrides)


def setting(config: dict, key: str):
    """config[key]; for a late key (method, nodes, step, grade) that the config leaves out, its default."""
    return SCHEMA.setting(config, key)


def mixture(config: dict) -> dict:
    return theory.as_mixture(config["p"], config.get("mix"))


def _cross_checks(config: dict) -> None:
    h0, tmax, n = float(config["h0"]), float(config["tmax"]), config["n_grid"]
    require(tmax >= 80 * h0, "tmax", show(config["tmax"]), f"tmax >= 80 h0 = {80 * h0:g}")
    require(n % 4 == 0, "n_grid", show(n), "a multiple of 4 in [64, 8192]")
    nodes = SCHEMA.setting(config, "nodes")
    require(nodes == 0 or nodes >= 16, "nodes", show(nodes), "0 (from tmax) or at least 16")
    if config["tw"] is not None:
        require(all(w < tmax for w in config["tw"]), "tw", show(config["tw"]),
                f"waiting times in (0, tmax = {tmax:g})")


def _memory(config: dict) -> tuple[float, str]:
    """Bytes of the grid (six (n + 1) x (n + 1) arrays) and of the record."""
    n = config["n_grid"]
    nw = 5 if config["tw"] is None else len(config["tw"])
    nt = int(config["per_decade"] * (math.log10(config["tmax"] / (8 * config["h0"])) + 2)) + 20 * nw
    return (6.0 * (n + 1) ** 2 * 8 + record_bytes(1, nt, nw, per_time=2) + 8.0 * nt * nw,
            f"a CK grid of {n + 1} x {n + 1} points")


def _seconds(config: dict) -> float:
    """Rough run time. Kim-Latz: ~1.5e-8 n^3 s per doubling of the step (n = 512: about 20 s to
    t = 1e4). ratio: ~1.15e-6 L^2 s a row (303 nodes: 3094 rows to t = 1e7 in 339 s, 2 cores)."""
    if SCHEMA.setting(config, "method") == "ratio":
        from physics.ck_ratio import grid_range, nodes_for
        tmax, step = float(config["tmax"]), float(SCHEMA.setting(config, "step"))
        L = SCHEMA.setting(config, "nodes") or nodes_for(grid_range(tmax), SCHEMA.setting(config, "grade"))
        rows = min(tmax, 10.0) / 0.05 + max(math.log(tmax / 10.0), 0.0) / math.log1p(step)
        return 1.15e-6 * L ** 2 * rows + 2.0
    n, h0 = config["n_grid"], config["h0"]
    doublings = max(1.0, math.log2(max(config["tmax"] / (n * h0), 1.0)))
    return 1.5e-8 * n ** 3 * doublings + 2.0


def validate(config: dict) -> None:
    """Check every parameter (ConfigError names the bad one)."""
    SCHEMA.validate(config)


def strip_drifts(config: dict) -> bool:
    """Whether the run's near-diagonal strip drifts (key `strip`; 'auto': below T_d, where the
    dynamics ages; at and above T_d it becomes stationary, where copies are exact)."""
    if config["strip"] != "auto":
        return config["strip"] == "drift"
    return float(config["T"]) < theory.dynamical_temperature(mixture(config))
