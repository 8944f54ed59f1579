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
from compare.reports.kerr_winter_2024.measure import P_SPIN, SCALES, _fmt_tau, lag_curve

KINDS = {"ck": "CK (N = infinity)", "planted": "planted, finite N"}


def name(kind: str, T: float) -> str:
    return f"ck_T{T:g}" if kind == "ck" else f"pspin_T{T:g}"


def temperatures(scale: str, kind: str) -> list[float]:
    s = SCALES[scale].params
    return [float(T) for T in (s["ck_T"] if kind == "ck" else s["pspin_T"])]


def names(scale: str, kind: str) -> list[str]:
    return [name(kind, T) for T in temperatures(scale, kind)]


def ck_tmax(scale: str) -> list[float]:
    """The CK run length of each T: one number for all, or one per T (longer near T_d, where the
    transient before tau stops depending on tw is longest)."""
    t = SCALES[scale].params["ck_tmax"]
    return [float(x) for x in t] if isinstance(t, (list, tuple)) else [float(t)] * len(temperatures(scale, "ck"))


ASYMPTOTIC = 0.2
"""The mode-coupling power law is asymptotic: gamma is fitted where (T - T_d)/T_d <= this."""


def points(scale: str) -> list[Point]:
    from physics import ck, pspin
    s = SCALES[scale].params
    out = [Point(name("ck", T), "ck", ck.default_config(
        p=P_SPIN, T=T, tmax=tmax, tw=[float(w) for w in s["ck_tw"] if w < tmax],
        n_grid=int(s["ck_n_grid"]))) for T, tmax in zip(temperatures(scale, "ck"), ck_tmax(scale))]
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
    """One tau for a note; "not stationary" where there is none (the estimate's note says why)."""
    return _fmt_tau(e, errors=True, missing="not stationary")


def local_exponents(T, taus, Td: float) -> str:
    """-d ln tau / d ln(T - T_d) between neighbouring stationary T, from far to near T_d (text)."""
    ok = [(t, e.value) for t, e in zip(T, taus) if e.ok and not e.bound and t > Td]
    ok.sort(reverse=True)
    parts = [f"{-np.log(b[1] / a[1]) / np.log((b[0] - Td) / (a[0] - Td)):.2f} ({a[0]:g}-{b[0]:g})"
             for a, b in zip(ok, ok[1:])]
    return ", ".join(parts) if parts else "none (fewer than 2 stationary T)"
