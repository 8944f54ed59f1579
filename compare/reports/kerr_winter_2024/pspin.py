"""The p-spin beside the nets: its relaxation time above T_d, in equilibrium, two ways.

- The exact N = infinity solution (physics/ck) from a random start: C(tw, tw + lag) at several
  waiting times; tau is read once it no longer depends on tw (analysis.stationary_tau, with
  C(t, t) = 1 as the zero-lag value, and only where the solver's grid still stores lags shorter
  than tau: its step doubles as t grows).
- Finite N from a planted (quiet) equilibrium start at T (physics/pspin, init equilibrium): in
  equilibrium from t = 0, so the same estimator checks that tau does not depend on tw.

tau ~ (T - T_d)^-gamma near T_d, with the mode-coupling gamma computed from the exponent
parameter lambda (physics.pspin_theory.mct_exponents).
"""
from __future__ import annotations

import numpy as np

from compare.reports.base import Point
from compare.reports.kerr_winter_2024.measure import P_SPIN, SCALES, lag_curve

KINDS = {"ck": "CK (N = infinity)", "planted": "planted, finite N"}


def name(kind: str, T: float) -> str:
    return f"ck_T{T:g}" if kind == "ck" else f"pspin_T{T:g}"


def temperatures(scale: str, kind: str) -> list[float]:
    s = SCALES[scale].params
    return [float(T) for T in (s["ck_T"] if kind == "ck" else s["pspin_T"])]


def names(scale: str, kind: str) -> list[str]:
    return [name(kind, T) for T in temperatures(scale, kind)]


def points(scale: str) -> list[Point]:
    from physics import ck, pspin
    s = SCALES[scale].params
    out = [Point(name("ck", T), "ck", ck.default_config(
        p=P_SPIN, T=T, tmax=float(s["ck_tmax"]), tw=[float(w) for w in s["ck_tw"]],
        n_grid=int(s["ck_n_grid"]))) for T in temperatures(scale, "ck")]
    out += [Point(name("planted", T), "pspin", pspin.default_config(
        N=int(s["pspin_N"]), p=P_SPIN, T=T, init="equilibrium", tmax=float(s["pspin_tmax"]),
        tw=[float(w) for w in s["pspin_tw"]], response=False, samples=int(s["pspin_samples"]),
        seed=0)) for T in temperatures(scale, "planted")]
    return out


def stationary(run):
    """tau_e of C once it no longer depends on tw (analysis.stationary_tau, C(t, t) = 1)."""
    from physics import analysis as A
    tw = np.asarray(run["tw"], float)
    return A.stationary_tau(tw, [lag_curve(run, "C", i) for i in range(tw.size)], c0=1.0)


def taus(runs: dict, scale: str, kind: str) -> tuple[np.ndarray, list]:
    """(T, [Estimate]) of one kind of p-spin run, every T of the scale."""
    return (np.asarray(temperatures(scale, kind)),
            [stationary(runs[n]) for n in names(scale, kind)])


def stationary_curve(run, est):
    """(lag, C) at the later waiting time of the pair that gave the stationary tau (the last tw
    when there is none)."""
    i = est.extra.get("pair", len(run["tw"]) - 2) + 1
    return lag_curve(run, "C", i)


def theory() -> dict:
    """T_d of the pure p-spin and the mode-coupling exponents (computed, not typed)."""
    from physics import pspin_theory as th
    return {"Td": th.dynamical_temperature({P_SPIN: 1.0}), **th.mct_exponents(P_SPIN)}


def fmt(e) -> str:
    """One tau for a note: value +- error, or "not stationary" (the estimate's note says why)."""
    if e.ok and not e.bound:
        return f"{e.value:.3g} +- {e.error:.2g}" if np.isfinite(e.error) else f"{e.value:.3g}"
    return "not stationary"
