"""The three regimes of SGD training (Baity-Jesi et al., ICML 2018; docs/science.md, section 5).

Baity-Jesi et al. see three regimes in the mean square displacement msd(tw, tw + lag) of the
weights and in the training loss: before t1 the msd curves of different tw coincide (no tw
dependence) and the loss is flat; for t1 < tw < t2 they age (depend on tw) while the loss falls;
past t2 the loss slows sharply and msd grows as a power of the lag with no plateau (diffusion at
the bottom of the landscape), msd / D(tw) collapsing onto one line when D(tw) is the strength of
the SGD noise. The rules, stated once here:

- t1 (`t1_of`, from the msd): for consecutive waiting times tw_i < tw_(i+1) the spread
  s_i = median over their common lags of |ln msd(tw_(i+1), lag) - ln msd(tw_i, lag)| (msd of tw_i
  interpolated linearly in ln-ln onto the lags of tw_(i+1)). The curves coincide while s_i <= `tol`
  (default 0.15: msd within ~16 %). With k the last index of the leading run of coinciding pairs
  (s_0 .. s_(k-1) <= tol < s_k), the curves of tw_0 .. tw_k coincide and tw_(k+1) is the first to
  age: t1 lies in (tw_k, tw_(k+1)]; value the geometric mean sqrt(tw_k tw_(k+1)), window
  (tw_k, tw_(k+1)), error half their difference. When already s_0 > tol, t1 <= tw_0 (value tw_0,
  bound "<"); when no pair differs, t1 > the last tw (bound ">").
- t2 (`t2_of`, from the loss): the loss's log-derivative r(t) = -d ln L / d ln t (its local
  exponent: the slope of the loss on the paper's log-log axes), by finite differences on the loss
  averaged on log-spaced bins of t (`per_decade`, default 10; analysis.log_bin_mean) and then a
  `smooth`-point running mean. t2 is the first time after the steepest point (the maximum of r)
  at which r falls below `frac` (default 0.1) of that maximum: the loss has slowed ten-fold on
  log-log axes. Value the log-interpolated crossing, window the two bin times around it, error
  half their difference. A loss that has not slowed so by the last bin (or is steepest there)
  gives t2 > t_max (bound ">"). extra["t_flat_end"]: the first time r exceeds `frac` of its
  maximum (where the loss stops being flat, a cross-check of t1).
- `msd_collapse`: the rms spread of ln(msd / D(tw)) across the curves of the given tw around their
  mean, on their common lags (0: a perfect collapse).

`regimes(t, loss, tw, msd)` applies both and labels every tw 1, 2 or 3.
"""
from __future__ import annotations

import math

import numpy as np

from physics.analysis.estimate import NAN, Estimate, none
from physics.analysis.fits import log_bin_mean


def _interp_loglog(x_src, y_src, x):
    """y at x, linear in ln y against ln x through the positive finite source points; NaN outside."""
    x_src, y_src, x = (np.asarray(a, float) for a in (x_src, y_src, x))
    ok = np.isfinite(x_src) & np.isfinite(y_src) & (x_src > 0) & (y_src > 0)
    out = np.full(x.shape, np.nan)
    if ok.sum() < 2:
        return out
    lx, ly = np.log(x_src[ok]), np.log(y_src[ok])
    order = np.argsort(lx)
    lx, ly = lx[order], ly[order]
    inside = (x > 0) & np.isfinite(x)
    xl = np.log(np.where(inside, x, 1.0))
    inside &= (xl >= lx[0] - 1e-12) & (xl <= lx[-1] + 1e-12)
    out[inside] = np.exp(np.interp(xl[inside], lx, ly))
    return out


def _curve(t, tw, y):
    t, y = np.asarray(t, float), np.asarray(y, float)
    ok = (t > tw) & np.isfinite(y) & (y > 0)
    return t[ok] - tw, y[ok]


def msd_spread(t, tw, msd) -> np.ndarray:
    """[nw - 1] spread s_i between the msd curves of tw_i and tw_(i+1) (module docstring): the
    median over their common lags of |ln msd(tw_(i+1)) - ln msd(tw_i)|; NaN with fewer than 3
    common lags. t [nt], tw [nw] ascending, msd [nw, nt] (NaN where t <= tw)."""
    tw, msd = np.atleast_1d(np.asarray(tw, float)), np.atleast_2d(np.asarray(msd, float))
    out = np.full(max(len(tw) - 1, 0), np.nan)
    for i in range(len(tw) - 1):
        lag_a, ya = _curve(t, tw[i], msd[i])
        lag_b, yb = _curve(t, tw[i + 1], msd[i + 1])
        ya_b = _interp_loglog(lag_a, ya, lag_b)
        ok = np.isfinite(ya_b)
        if ok.sum() >= 3:
            out[i] = float(np.median(np.abs(np.log(yb[ok]) - np.log(ya_b[ok]))))
    return out


def t1_of(t, tw, msd, tol: float = 0.15) -> Estimate:
    """t1: where the msd curves of consecutive tw stop coinciding (rule: module docstring).
    extra: "spread" (the s_i), "k" (the last tw whose curve coincides with all before it),
    "tol"."""
    tw = np.atleast_1d(np.asarray(tw, float))
    if len(tw) < 2:
        return none("fewer than 2 waiting times")
    s = msd_spread(t, tw, msd)
    extra = {"spread": [float(v) for v in s], "tol": tol}
    fin = np.isfinite(s)
    if not fin.any():
        return Estimate(NAN, note="no two waiting times share 3 lags", extra=extra)
    differ = np.nonzero(fin & (s > tol))[0]
    if differ.size == 0:
        return Estimate(float(tw[-1]), window=(float(tw[-1]), math.inf), bound=">",
                        note=f"the msd curves of every tw coincide (spread <= {tol:g}): t1 > {tw[-1]:.3g}",
                        extra=dict(extra, k=len(tw) - 1))
    k = int(differ[0])
    if k == 0:
        return Estimate(float(tw[0]), window=(0.0, float(tw[0])), bound="<",
                        note=f"the first two tw already differ (spread {s[0]:.3g} > {tol:g}): t1 <= {tw[0]:.3g}",
                        extra=dict(extra, k=-1))
    a, b = float(tw[k]), float(tw[k + 1])
    return Estimate(math.sqrt(a * b), 0.5 * (b - a), (a, b),
                    note=f"msd curves of tw <= {a:.3g} coincide (spread <= {tol:g}); tw = {b:.3g} "
                         f"differs by {s[k]:.3g}",
                    extra=dict(extra, k=k))


def _smoothed(x, smooth: int):
    if smooth <= 1 or x.size <= smooth:
        return x
    k = np.ones(smooth)
    return np.convolve(x, k, mode="same") / np.convolve(np.ones_like(x), k, mode="same")


def loss_rate(t, loss, smooth: int = 3, per_decade: int = 10):
    """(t, r) with r = -d ln L / d ln t of the loss averaged on log-spaced bins of t (`per_decade`
    a decade; the bins' geometric-mean times), on a `smooth`-point running mean of ln L (the
    finite positive times and losses only)."""
    t, L = np.asarray(t, float).ravel(), np.asarray(loss, float).ravel()
    ok = np.isfinite(t) & np.isfinite(L) & (t > 0) & (L > 0)
    t, L = log_bin_mean(t[ok], L[ok], per_decade)
    if t.size < 3:
        return t, np.full(t.size, np.nan)
    return t, -np.gradient(_smoothed(np.log(L), smooth), np.log(t))


def t2_of(t, loss, frac: float = 0.1, smooth: int = 3, t_min: float | None = None,
          per_decade: int = 10) -> Estimate:
    """t2: where the loss slows sharply, its local exponent -d ln L/d ln t falling below `frac` of
    its maximum after the steepest point (rule: module docstring); only t >= t_min count. extra:
    "t_steepest", "rate_max", "t_flat_end", "frac"."""
    t, r = loss_rate(t, loss, smooth, per_decade)
    if t_min is not None:
        sel = t >= t_min
        t, r = t[sel], r[sel]
    if t.size < 5 or not np.isfinite(r).any():
        return none("fewer than 5 loss values")
    j = int(np.nanargmax(r))
    rmax = float(r[j])
    if not rmax > 0:
        return none("the loss never decreases")
    cut = frac * rmax
    extra = {"t_steepest": float(t[j]), "rate_max": rmax, "frac": frac}
    rise = np.nonzero(r[:j + 1] > cut)[0]
    extra["t_flat_end"] = float(t[rise[0]]) if rise.size else NAN
    after = np.nonzero(r[j:] < cut)[0]
    if after.size == 0 or j == t.size - 1:
        return Estimate(float(t[-1]), window=(float(t[-1]), math.inf), bound=">",
                        note=f"the loss has not slowed by t = {t[-1]:.3g}: -d ln L/d ln t = {r[-1]:.2g} "
                             f"there, {r[-1] / rmax:.2g} of its largest, {rmax:.2g} at t = {t[j]:.3g}",
                        extra=extra)
    i = j + int(after[0])
    a, b = float(t[i - 1]), float(t[i])
    ra, rb = float(r[i - 1]), float(r[i])
    u = (ra - cut) / (ra - rb) if ra != rb else 1.0
    t2 = math.exp(math.log(a) + u * (math.log(b) - math.log(a)))
    return Estimate(t2, 0.5 * (b - a), (a, b),
                    note=f"-d ln L/d ln t falls below {frac:g} x its maximum {rmax:.3g} (at t = {t[j]:.3g}) "
                         f"at t = {t2:.3g}", extra=extra)


def msd_collapse(t, tw, msd, D) -> Estimate:
    """rms spread of ln(msd(tw, tw + lag) / D(tw)) across the given tw around their mean, over the
    lags every curve has (interpolated in ln-ln onto the lags of the last tw). 0: a perfect
    collapse; extra["lags"] the common lag range. None with fewer than 2 curves or 3 common lags."""
    tw = np.atleast_1d(np.asarray(tw, float))
    msd, D = np.atleast_2d(np.asarray(msd, float)), np.atleast_1d(np.asarray(D, float))
    keep = [i for i in range(len(tw)) if np.isfinite(D[i]) and D[i] > 0]
    if len(keep) < 2:
        return none("fewer than 2 waiting times with a noise strength D > 0")
    lag_ref, _ = _curve(t, tw[keep[-1]], msd[keep[-1]])
    rows = []
    for i in keep:
        lag, y = _curve(t, tw[i], msd[i])
        rows.append(np.log(_interp_loglog(lag, y, lag_ref) / D[i]))
    Y = np.array(rows)
    ok = np.all(np.isfinite(Y), axis=0)
    if ok.sum() < 3:
        return none("fewer than 3 lags common to every curve")
    Y = Y[:, ok]
    dev = Y - Y.mean(axis=0)
    spread = float(np.sqrt(np.mean(dev ** 2)))
    raw = np.array([np.log(_interp_loglog(*_curve(t, tw[i], msd[i]), lag_ref)) for i in keep])[:, ok]
    raw_spread = float(np.sqrt(np.mean((raw - raw.mean(axis=0)) ** 2)))
    lags = (float(lag_ref[ok].min()), float(lag_ref[ok].max()))
    return Estimate(spread, window=lags,
                    note=f"rms of ln(msd/D) around the mean over {len(keep)} tw, lags in "
                         f"[{lags[0]:.3g}, {lags[1]:.3g}] (without dividing by D: {raw_spread:.3g})",
                    extra={"lags": lags, "raw_spread": raw_spread, "tw": [float(tw[i]) for i in keep]})


def regimes(t, loss, tw, msd, tol: float = 0.15, frac: float = 0.1, smooth: int = 3) -> dict:
    """{"t1": Estimate, "t2": Estimate, "phase": [nw] 1 | 2 | 3 (0: unknown), "ordered": bool}
    of one training run: t1 from the msd curves (t1_of), t2 from the loss (t2_of). A tw up to the
    last one whose curve coincides with the first (the lower end of t1's window) is regime 1; a
    later tw >= t2 (a measured t2, not a bound) regime 3; the others regime 2. "ordered": t1 < t2
    (when both are measured); when the loss slows before the msd curves part (t2 <= t1) the three
    regimes are not in the paper's order, and no tw is regime 2 or 3 before t1."""
    tw = np.atleast_1d(np.asarray(tw, float))
    e1, e2 = t1_of(t, tw, msd, tol), t2_of(t, loss, frac, smooth)
    phase = np.zeros(len(tw), dtype=int)
    lo = -math.inf
    if e1.window is not None and math.isfinite(e1.value):
        lo = e1.window[0] if e1.bound != ">" else e1.value
        phase[tw <= lo] = 1
    later = tw > lo
    if math.isfinite(e1.value):
        phase[later] = 2
    if math.isfinite(e2.value) and not e2.bound:
        phase[later & (tw >= e2.value)] = 3
    ordered = bool(math.isfinite(e1.value) and math.isfinite(e2.value) and e1.value < e2.value)
    return {"t1": e1, "t2": e2, "phase": phase.tolist(), "ordered": ordered}
