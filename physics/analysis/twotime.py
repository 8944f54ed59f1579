"""Estimators on two-time curves: the plateau q_EA, the FDT slope x and break point, the
linearity of the response, the relaxation time tau (docs/science.md, sections 2 and 6)."""
from __future__ import annotations

import math

import numpy as np

from physics.analysis.estimate import NAN, Estimate, _finite, none

def lag_curve(t, tw: float, y):
    """(lag, y) of one waiting time: the points with t > tw and finite y, lag = t - tw."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    ok = (t > tw) & np.isfinite(y)
    return t[ok] - tw, y[ok]


def plateau(lag, C, c_min: float = 0.05, c_max: float = 0.98, smooth: int = 3,
            flat: float = 0.1) -> Estimate:
    """q_EA of one two-time curve C(tw, tw + lag): C where the relative slope
    |d ln C / d ln lag| is smallest, between the fast decay (C < c_max) and the aging decay
    (C > c_min), on a `smooth`-point running mean in ln lag. The relative slope tells a plateau
    (C nearly constant) from the slow tail of the aging decay (a power law, whose relative slope
    stays of order one even where C itself is small).

    A plateau is accepted only when that point is inside the window (not at either end) and C
    changes there by less than `flat` (10 %) per e-fold of lag; otherwise: no estimate (a run too
    short or too hot to have one). Error: half the range of C over the neighbouring points."""
    lag, C = np.asarray(lag, float), np.asarray(C, float)
    ok = _finite(lag, C) & (lag > 0)
    lag, C = lag[ok], C[ok]
    if lag.size < 5:
        return none("fewer than 5 lags")
    x = np.log(lag)
    if smooth > 1 and C.size > smooth:
        k = np.ones(smooth) / smooth
        Cs = np.convolve(C, k, mode="same")
        h = smooth // 2
        Cs[:h], Cs[-h:] = C[:h], C[-h:]
    else:
        Cs = C
    sel = (Cs < c_max) & (Cs > c_min)
    sel[0] = sel[-1] = False
    if not sel.any():
        return none(f"C never between {c_min} and {c_max} inside the window")
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.abs(np.gradient(Cs, x) / Cs)
    i = int(np.argmin(np.where(sel, d, np.inf)))
    inside = np.nonzero(sel)[0]
    if i <= inside[0] or i >= inside[-1]:
        return none("the flattest point lies at an end of the window: no plateau inside")
    if not d[i] < flat:
        return none(f"no plateau: C changes by {d[i]:.2g} per e-fold of lag at its flattest (> {flat})")
    lo, hi = max(i - 1, 0), min(i + 2, C.size)
    err = 0.5 * float(np.ptp(Cs[lo:hi]))
    return Estimate(float(Cs[i]), err, (float(lag[lo]), float(lag[hi - 1])),
                    note=f"flattest point of C against ln(lag), |d ln C/d ln lag| = {d[i]:.2g}",
                    extra={"lag": float(lag[i]), "slope": float(d[i])})


def plateau_of(t, tw, C) -> Estimate:
    """q_EA from C [nw, nt] (mean over samples): the plateau of the largest tw that has one
    (the plateau is longest there); extra["tw"] says which."""
    t, tw, C = np.asarray(t, float), np.atleast_1d(np.asarray(tw, float)), np.atleast_2d(C)
    for i in range(len(tw) - 1, -1, -1):
        est = plateau(*lag_curve(t, tw[i], C[i]))
        if est.ok:
            return Estimate(est.value, est.error, est.window, est.note + f", tw = {tw[i]:.3g}",
                            extra=dict(est.extra, tw=float(tw[i])))
    return none("no waiting time shows a plateau")


def fdt_slope(delta_half, t_chi, q: float, tw=None, margin: float = 0.05, c_min: float = 0.02,
              over_tol: float = 0.05, min_points: int = 4) -> Estimate:
    """Slope x of the aging part of the FDT plot, T chi against Delta/2 = C(t,t) - C(tw,t).

    Inputs [nw, nt] (or [nt]) of mean curves. Per waiting time:
    - twin filter: T chi cannot exceed Delta/2 (FDT is an upper bound after a quench) or 1;
      from the first point with T chi > Delta/2 + over_tol (a response twin that has left the
      original trajectory) on, the points of that tw are dropped;
    - aging part: Delta/2 > (1 - q) + margin (beyond the plateau) and Delta/2 < 1 - c_min;
    - straight line T chi = a + x Delta/2 by least squares (scipy.stats.linregress), with its
      standard error, and the break point q_b = 1 - a / (1 - x) where it meets the FDT line
      (extra["q_break"]: that of the largest tw, which approaches q_EA from above; its error is
      the change from the tw before).
    Pooled x: inverse-variance weighted mean of the per-tw slopes, error inflated by
    sqrt(chi^2/dof) when the slopes scatter more than their errors. extra["per_tw"] lists
    (tw, x, error, points, q_break) and extra["dropped"] the points the twin filter removed."""
    from scipy import stats

    X, Y = np.atleast_2d(np.asarray(delta_half, float)), np.atleast_2d(np.asarray(t_chi, float))
    tws = np.arange(X.shape[0], dtype=float) if tw is None else np.atleast_1d(np.asarray(tw, float))
    if not (0 < q < 1):
        return none(f"plateau q = {q} outside (0, 1): no aging part")
    per, dropped = [], 0
    for i in range(X.shape[0]):
        x, y = X[i], Y[i]
        ok = _finite(x, y)
        x, y = x[ok], y[ok]
        bad = np.nonzero((y > x + over_tol) | (y > 1.0 + over_tol))[0]
        if bad.size:
            dropped += x.size - bad[0]
            x, y = x[:bad[0]], y[:bad[0]]
        sel = (x > 1 - q + margin) & (x < 1 - c_min)
        if sel.sum() < min_points or np.ptp(x[sel]) < 0.02:
            continue
        fit = stats.linregress(x[sel], y[sel])
        xs, a = float(fit.slope), float(fit.intercept)
        qb = 1.0 - a / (1.0 - xs) if abs(1.0 - xs) > 1e-3 else NAN
        per.append((float(tws[i]), xs, float(fit.stderr), int(sel.sum()), qb))
    if not per:
        return none(f"no waiting time has {min_points} points beyond the plateau "
                    f"(Delta/2 > 1 - q + {margin})")
    s = np.array([p[1] for p in per])
    e = np.array([max(p[2], 1e-6) for p in per])
    w = 1.0 / e ** 2
    mean = float(np.sum(w * s) / np.sum(w))
    err = math.sqrt(1.0 / np.sum(w))
    if len(per) > 1:
        chi2 = float(np.sum(w * (s - mean) ** 2)) / (len(per) - 1)
        err *= math.sqrt(max(chi2, 1.0))
    # the break point tends to q_EA from above as tw grows: take the largest tw's, and the change
    # from the one before as its error (how far from converged it still is)
    qbs = [p[4] for p in per if math.isfinite(p[4])]
    q_break = qbs[-1] if qbs else NAN
    q_break_err = abs(qbs[-1] - qbs[-2]) if len(qbs) > 1 else NAN
    return Estimate(mean, err, (float(1 - q + margin), float(1 - c_min)),
                    note=f"{len(per)} tw, Delta/2 in ({1 - q + margin:.3g}, {1 - c_min:.3g})"
                         + (f", {dropped} twin points dropped" if dropped else ""),
                    extra={"per_tw": per, "dropped": dropped, "q_break": q_break,
                           "q_break_error": q_break_err})


def response_linearity(chi_h, chi_h2) -> Estimate:
    """Linearity of the response: the largest relative difference between chi measured with the
    field h and with h/2 (both [nw, nt] or [nt]); small (~ the noise) in the linear regime."""
    a, b = np.asarray(chi_h, float), np.asarray(chi_h2, float)
    ok = _finite(a, b) & (np.abs(a) > 1e-12)
    if not ok.any():
        return none("no common finite points")
    r = np.abs(a[ok] - b[ok]) / np.maximum(np.abs(a[ok]), np.abs(b[ok]))
    return Estimate(float(np.median(r)), float(np.max(r)),
                    note="median relative difference of chi(h) and chi(h/2); error = the largest")


def relaxation_time(lag, corr, fraction: float = 1 / math.e) -> Estimate:
    """tau: the first lag at which corr falls below fraction x corr at the shortest lag,
    interpolated linearly in ln lag (docs/science.md, section 6). When the run ends first: bound ">" with the
    longest lag as value (never an extrapolation)."""
    lag, corr = np.asarray(lag, float), np.asarray(corr, float)
    ok = _finite(lag, corr) & (lag > 0)
    lag, corr = lag[ok], corr[ok]
    if lag.size < 2:
        return none("fewer than 2 lags")
    level = fraction * corr[0]
    below = np.nonzero(corr < level)[0]
    window = (float(lag[0]), float(lag[-1]))
    if below.size == 0:
        return Estimate(float(lag[-1]), NAN, window, note=f"not reached: tau > t_max = {lag[-1]:.4g}",
                        bound=">")
    k = int(below[0])
    if k == 0:
        return none("already below the level at the shortest lag")
    x0, x1 = math.log(lag[k - 1]), math.log(lag[k])
    f = (corr[k - 1] - level) / (corr[k - 1] - corr[k])
    tau = math.exp(x0 + f * (x1 - x0))
    return Estimate(tau, 0.5 * (lag[k] - lag[k - 1]), (float(lag[k - 1]), float(lag[k])),
                    note=f"corr < {fraction:.3g} corr(shortest lag), log-interpolated")
