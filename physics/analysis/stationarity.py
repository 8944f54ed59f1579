"""tau in equilibrium: the tau of a sample mean with its jackknife error, and the waiting time
from which tau no longer depends on tw (stationarity), for runs started out of equilibrium and
for checking those started in it (docs/science.md, section 6)."""
from __future__ import annotations

import math

import numpy as np

from physics.analysis.estimate import NAN, Estimate, _finite, none
from physics.analysis.relaxation import FRACTIONS, _taus, tau_of
from physics.analysis.twotime import relaxation_time


def tau_jackknife(lag, samples, fraction="tau_e") -> Estimate:
    """tau of the sample mean of normalised curves samples [S, nlag] (tau_of), its error the
    jackknife over the samples (tau_of of the leave-one-out means) in quadrature with tau_of's
    own interpolation error. A bound stays a bound; a leave-one-out mean that never falls to the
    level leaves the error NaN (said in the note)."""
    Qs = np.asarray(samples, float)
    est = tau_of(lag, Qs.mean(axis=0), fraction)
    S = Qs.shape[0]
    if not est.ok or est.bound or S < 2:
        return est
    loo = [tau_of(lag, np.delete(Qs, s, axis=0).mean(axis=0), fraction) for s in range(S)]
    if not all(e.ok and not e.bound for e in loo):
        return Estimate(est.value, NAN, est.window, note=est.note + "; a leave-one-out mean never "
                        "fell to the level: no jackknife error", extra={"samples": S})
    v = np.array([e.value for e in loo])
    jk = math.sqrt((S - 1) / S * float(np.sum((v - v.mean()) ** 2)))
    own = est.error if math.isfinite(est.error) else 0.0
    return Estimate(est.value, math.hypot(jk, own), est.window,
                    note=est.note + f"; error: jackknife over {S} samples",
                    extra={"samples": S, "jackknife": jk})


def stationary(tw, taus, rtol: float = 0.1, z: float | None = None) -> Estimate:
    """The equilibrium tau from taus measured at increasing waiting times (numbers or Estimates):
    the first pair of consecutive waiting times that agree gives the value (the later one's tau;
    error: the larger of its own and the change; window: the pair). Agree: the change is at most
    rtol x the later tau, or, with z, at most z combined errors (statistical errors, e.g.
    tau_jackknife's; a solver's interpolation bracket is no statistical error, so leave z None
    there). Unmeasured taus (none, or a bound) never pair. No pair: none, with the taus in the
    note (still growing: not stationary; bounds: the run is too short). extra: "tw", "taus",
    "pair" (index of the earlier waiting time of the pair)."""
    tw = np.asarray(tw, float).ravel()
    v, err, bnd = _taus(taus)
    if tw.size != v.size:
        return none(f"{tw.size} waiting times but {v.size} taus")
    vals = np.where(bnd | ~np.isfinite(v), NAN, v)
    extra = {"tw": tw.tolist(), "taus": vals.tolist()}
    for i in range(tw.size - 1):
        if not (math.isfinite(vals[i]) and math.isfinite(vals[i + 1])):
            continue
        change = abs(vals[i + 1] - vals[i])
        combined = math.hypot(err[i], err[i + 1])
        by_z = z is not None and math.isfinite(combined) and change <= z * combined
        if change <= rtol * vals[i + 1] or by_z:
            own = err[i + 1] if math.isfinite(err[i + 1]) else 0.0
            how = (f"within {z:g} combined errors" if by_z and change > rtol * vals[i + 1]
                   else f"within {rtol:g} relative")
            return Estimate(float(vals[i + 1]), float(max(own, change)), (float(tw[i]), float(tw[i + 1])),
                            note=f"stationary between tw = {tw[i]:g} and {tw[i + 1]:g} "
                                 f"(tau {vals[i]:.4g} -> {vals[i + 1]:.4g}, {how})",
                            extra={**extra, "pair": i})
    shown = ", ".join(f"tw = {w:g}: " + (f"{x:.3g}" if math.isfinite(x) else
                                         (f"> {y:.3g}" if b else "unresolved"))
                      for w, x, y, b in zip(tw, vals, v, bnd))
    return none(f"no two consecutive waiting times agree ({shown})"
                + ("; lower bounds: longer runs needed" if bnd.any() else ""))


def stationary_tau(tw, curves, fraction="tau_e", rtol: float = 0.1, resolved: float = 0.9,
                   c0: float | None = None) -> Estimate:
    """`stationary` on the taus of one curve (lag, corr) per waiting time, for a deterministic
    solution (no statistical error): the equilibrium tau of a run started out of equilibrium, or
    a check that a run started in equilibrium is stationary.

    Without c0, tau is relative to corr at the shortest lag (as tau_of) and a waiting time counts
    only when that first finite corr is >= `resolved` (so give curves that start near 1: Q/Q(0),
    or C with its short lags). With c0, the value at zero lag is known exactly (C(t, t) = 1 on
    the p-spin's sphere): tau is where corr falls below fraction x c0, and a waiting time counts
    when its first stored corr is still above that level (a solver whose grid step at tw exceeds
    tau stores no short lags: its tau would be the grid's, not the physics'; a two-step
    relaxation may start on its plateau, which is fine)."""
    f = FRACTIONS[fraction] if isinstance(fraction, str) else float(fraction)
    tw = np.asarray(tw, float).ravel()
    if tw.size != len(curves):
        return none(f"{tw.size} waiting times but {len(curves)} curves")
    ests = []
    for lag, corr in curves:
        lag, corr = np.asarray(lag, float), np.asarray(corr, float)
        ok = _finite(lag, corr) & (lag > 0)
        lag, corr = lag[ok], corr[ok]
        first = corr[0] if corr.size else NAN
        if c0 is None and not first >= resolved:
            ests.append(none(f"first stored value {first:.3g} below {resolved:g}: short lags unresolved"))
        elif c0 is not None and not first > f * c0:
            ests.append(none(f"first stored value {first:.3g} already below {f:.3g} x {c0:g}"))
        elif c0 is not None:      # the exact zero-lag value in front, just before the first lag
            ests.append(relaxation_time(np.r_[lag[0] * 1e-6, lag], np.r_[c0, corr], fraction=f))
        else:
            ests.append(relaxation_time(lag, corr, fraction=f))
    return stationary(tw, ests, rtol=rtol)
