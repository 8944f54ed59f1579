"""The parameters of a trap-model run: its schema (names, defaults, units, ranges), the rules between
them, and the memory and time a run will take (physics/schema.py). The dynamics is in
physics/trap.py, the exact results in physics/trap_theory.py."""
from __future__ import annotations

from physics.config import record_bytes
from physics.schema import Param, Schema, require, show

SYSTEM = "trap"
TIME = "tau_0 (the shortest mean trap lifetime)"
DYNAMICS = ("bouchaud", "barrat-mezard")
X_MIN, X_MAX = 0.05, 10.0
TMAX_MAX = 1e15
BYTES_PER_WALKER = 64.0
"""The walker state (depth, exit time, jump count, random stream and its increment: 40 bytes) and
the temporaries of a measurement."""
EVENTS_PER_S = {"bouchaud": 1.4e7, "barrat-mezard": 6e6}
"""Jumps a second of a whole run on this 2-core machine (benchmarks/trap.py), for the estimate."""

SCHEMA = Schema(SYSTEM, [
    Param("x", 0.5, "float", lo=X_MIN, hi=X_MAX, unit="T / T_g (dimensionless)",
          help="Temperature over the glass temperature T_g: below 1 the model ages (Pi -> H_x(t/tw)), "
               "above 1 it equilibrates."),
    Param("dynamics", "bouchaud", "str", choices=DYNAMICS,
          help="bouchaud: leave a trap of depth E at rate exp(-E/T), land in a trap drawn from "
               "rho(E) = exp(-E/T_g); barrat-mezard: every trap reachable, Metropolis rate "
               "rho(E') min(1, exp(-(E - E')/T)) from depth E to depth E'."),
    Param("tmax", 1e6, "float", lo=10.0, hi=TMAX_MAX, unit=TIME,
          help="Final time; the measurement grid is log-spaced in units of tau_0."),
    Param("tw", None, "floats", lo=1.0, nullable=True, unit=TIME,
          default_help="5 log-spaced from tmax/1000 to tmax/10",
          help="Waiting times 'a,b,...', each >= 1 and < tmax (rounded to whole tau_0)."),
    Param("walkers", 10000, "int", lo=1, hi=10**9,
          help="Independent walkers per sample; Pi(tw, t) is the fraction of them that did not jump."),
    Param("samples", 4, "int", lo=1,
          help="Independent groups of walkers (the error bars are their spread)."),
    Param("seed", 0, "int", lo=0, help="Random seed: every walker's random stream derives from it."),
], check=lambda c: _cross_checks(c), memory=lambda c: _memory(c), blame=("walkers", "samples"),
   seconds=lambda c: _seconds(c))


def default_config(**overrides) -> dict:
    """Every parameter of a trap-model run: SCHEMA's defaults with `overrides`."""
    return SCHEMA.config(**overrides)


def _cross_checks(c: dict) -> None:
    if c["tw"] is not None:
        require(all(w < c["tmax"] for w in c["tw"]), "tw", show(c["tw"]),
                f"waiting times in [1, tmax = {c['tmax']:g})")


def _memory(c: dict) -> tuple[float, str]:
    n = float(c["walkers"]) * float(c["samples"])
    nt = int(20 * len(str(int(c["tmax"])))) + 60          # ~ 20 a decade plus the lags after tw
    nw = 5 if c["tw"] is None else len(c["tw"])
    return BYTES_PER_WALKER * n + 2 * record_bytes(c["samples"], nt, nw, per_time=2), \
        f"{n:.3g} walkers"


def jumps_per_walker(c: dict) -> float:
    """The mean number of jumps of one walker by tmax: exact for Bouchaud's dynamics
    (physics.trap_theory.mean_jumps); for Barrat-Mezard's, Bouchaud's rough typical_jumps, within
    a factor 2 of it for x >= 0.7 and above it below (measured, 2000 walkers to t = 1e6: x = 0.5:
    93 against 1000; x = 0.9: 55480 against 36000)."""
    from physics import trap_theory as th
    x, tmax = float(c["x"]), float(c["tmax"])
    return float(th.mean_jumps(x, tmax)[0]) if c["dynamics"] == "bouchaud" else th.typical_jumps(x, tmax)


def _seconds(c: dict) -> float:
    events = jumps_per_walker(c) * float(c["walkers"]) * float(c["samples"])
    return events / EVENTS_PER_S[c["dynamics"]] + 1.0


def validate(config: dict) -> None:
    """Check every parameter (ConfigError names the bad one)."""
    SCHEMA.validate(config)
