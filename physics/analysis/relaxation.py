"""Relaxation across runs: tau and its divergence, time-temperature superposition, the scaled
power law, caging, chi_4, aging and the trivialisation jump (docs/science.md, sections 6 and 7).

The relaxation time itself is `twotime.relaxation_time` (tau_e: fraction 1/e, tau_90: 0.9, of
the value at the shortest lag); `tau_of` only names those fractions. Estimators that take a list
of taus accept numbers or `Estimate`s; an Estimate with a bound (tau > t_max) is left out of any
fit, and the note says how many were.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

from physics.analysis.estimate import NAN, Estimate, _finite, none
from physics.analysis.fits import in_window, log_bin_mean, power_law_fit
from physics.analysis.twotime import relaxation_time

FRACTIONS = {"tau_e": 1 / math.e, "tau_90": 0.9}


def normalised(corr, lag=None):
    """corr / corr at the shortest finite lag (Kerr Winter & Janssen's Q/Q(0)), along the last
    axis; corr [..., nlag], lag [nlag] ascending (default: the order of the entries). A row with
    no finite value, or a zero first value, becomes NaN."""
    c = np.asarray(corr, float)
    ok = np.isfinite(c)
    if lag is not None:
        ok &= np.isfinite(np.asarray(lag, float)) & (np.asarray(lag, float) > 0)
    first = np.argmax(ok, axis=-1)
    ref = np.take_along_axis(c, first[..., None], axis=-1)
    ref = np.where(np.any(ok, axis=-1)[..., None] & (ref != 0), ref, np.nan)
    with np.errstate(all="ignore"):
        return c / ref


def tau_of(lag, corr, fraction="tau_e") -> Estimate:
    """tau_e ("tau_e", corr < corr(shortest lag)/e) or tau_90 ("tau_90", < 0.9 of it), or any
    number as the fraction: `twotime.relaxation_time`, the one estimator of tau."""
    f = FRACTIONS[fraction] if isinstance(fraction, str) else float(fraction)
    return relaxation_time(lag, corr, fraction=f)


def _taus(tau):
    """(values, errors, bound mask) of a list of numbers or Estimates."""
    vals, errs, bnd = [], [], []
    for t in np.atleast_1d(np.asarray(tau, dtype=object)).ravel():
        if isinstance(t, Estimate):
            vals.append(float(t.value)), errs.append(float(t.error)), bnd.append(bool(t.bound))
        else:
            vals.append(float(t)), errs.append(NAN), bnd.append(False)
    return np.array(vals), np.array(errs), np.array(bnd, bool)


def divergence_exponent(T, tau, T_c: float) -> Estimate:
    """gamma of tau = A (T - T_c)^-gamma: minus the slope of ln tau against ln(T - T_c)
    (`power_law_fit`, least squares, its standard error) over the points with T > T_c and a
    measured tau. Taus that are lower bounds (tau > t_max) and points at T <= T_c are left out and
    counted in the note. Window: the range of T - T_c used; extra["amplitude"] = A."""
    T = np.asarray(T, float).ravel()
    v, _, bnd = _taus(tau)
    if T.size != v.size:
        return none(f"{T.size} temperatures but {v.size} taus")
    above = T > T_c
    use = above & ~bnd & np.isfinite(v) & (v > 0)
    left = [f"{int((~above).sum())} at T <= T_c"] if (~above).any() else []
    if (above & bnd).any():
        left.append(f"{int((above & bnd).sum())} lower bound(s) (tau > t_max)")
    if use.sum() < 3:
        why = f" ({', '.join(left)} left out)" if left else ""
        return none(f"fewer than 3 measured taus above T_c = {T_c:g}{why}")
    fit = power_law_fit(T[use] - T_c, v[use])
    if not math.isfinite(fit.value):
        return none(fit.note)
    note = f"tau = A (T - {T_c:g})^-gamma, {fit.note}" + (f"; left out: {', '.join(left)}" if left else "")
    return Estimate(-fit.value, fit.error, fit.window, note=note,
                    extra={"amplitude": fit.extra["amplitude"], "sensitivity": fit.extra["sensitivity"],
                           "points": int(use.sum()), "bounds_left_out": int((above & bnd).sum())})


def tts_collapse(curves, taus, window=(0.1, 10.0), points: int = 41) -> Estimate:
    """Quality of the time-temperature superposition Q(lag; T) = F(lag / tau(T)).

    curves: a list of (lag, corr), already normalised; taus: one per curve (numbers or Estimates;
    bounds are left out). Each curve is put on s = lag/tau and interpolated linearly in ln s
    (never extrapolated) onto `points` log-spaced s in the window. At each grid point covered by
    at least 2 curves the spread is the rms deviation of the curves from their mean there (ddof
    0). Value: the rms of that spread over the grid (0 = perfect collapse; same units as corr);
    error: the standard deviation of the pointwise spread over the grid (how much it varies
    across the window). extra: "grid", "spread" (pointwise), "worst" and where ("worst_s")."""
    v, _, bnd = _taus(taus)
    if len(curves) != v.size:
        return none(f"{len(curves)} curves but {v.size} taus")
    grid = np.geomspace(window[0], window[1], points)
    rows, skipped = [], 0
    for (lag, corr), tau, b in zip(curves, v, bnd):
        if b or not (math.isfinite(tau) and tau > 0):
            skipped += 1
            continue
        lag, corr = np.asarray(lag, float).ravel(), np.asarray(corr, float).ravel()
        ok = _finite(lag, corr) & (lag > 0)
        if ok.sum() < 2:
            skipped += 1
            continue
        ls, c = np.log(lag[ok] / tau), corr[ok]
        order = np.argsort(ls)
        ls, c = ls[order], c[order]
        row = np.interp(np.log(grid), ls, c, left=np.nan, right=np.nan)
        rows.append(row)
    why = f" ({skipped} curve(s) left out: tau only a bound or missing, or no data)" if skipped else ""
    if len(rows) < 2:
        return none(f"fewer than 2 curves with a tau{why}")
    Y = np.array(rows)
    cover = np.sum(np.isfinite(Y), axis=0) >= 2
    if cover.sum() < 3:
        return none(f"fewer than 3 points of lag/tau in {window} covered by 2 curves{why}")
    with np.errstate(all="ignore"):
        spread = np.sqrt(np.nanmean((Y[:, cover] - np.nanmean(Y[:, cover], axis=0)) ** 2, axis=0))
    value = float(np.sqrt(np.mean(spread ** 2)))
    g = grid[cover]
    k = int(np.argmax(spread))
    return Estimate(value, float(np.std(spread)), (float(g[0]), float(g[-1])),
                    note=f"rms spread of {len(rows)} curves around their mean, lag/tau in "
                         f"[{g[0]:.3g}, {g[-1]:.3g}], {int(cover.sum())} grid points{why}",
                    extra={"curves": len(rows), "grid": g.tolist(), "spread": spread.tolist(),
                           "worst": float(spread[k]), "worst_s": float(g[k])})


def scaled_power_law(lag, corr, tau, window=(1.0, 1e3)) -> Estimate:
    """Exponent of corr against the scaled time lag/tau in the window (Kerr Winter & Janssen fit
    log Q against log(t/tau_e) over 1 <= t/tau_e <= 1e3): `power_law_fit`, with its error,
    window (in lag/tau, the part the data covers) and sensitivity. None when tau is a bound."""
    t, _, b = _taus([tau])
    if b[0]:
        return none("tau is only a lower bound: no scaled time")
    if not (math.isfinite(t[0]) and t[0] > 0):
        return none("no tau")
    est = power_law_fit(np.asarray(lag, float) / t[0], corr, window=window)
    if not math.isfinite(est.value):
        return none(f"{est.note} of lag/tau")
    return Estimate(est.value, est.error, est.window, note=f"corr against lag/tau ({t[0]:.4g}): {est.note}",
                    extra=dict(est.extra, tau=float(t[0])))


def free_diffusion_Q(lag, a: float, D: float):
    """The overlap of free diffusion, Q = erf(a / sqrt(4 D lag)): each coordinate moves by a
    Gaussian of variance 2 D lag, and Q is the chance that it moved less than a."""
    lag = np.asarray(lag, float)
    with np.errstate(divide="ignore"):
        return erf(a / np.sqrt(4.0 * D * lag))


def caging(lag, msd, window=(None, None), smooth: int = 3, threshold: float = 0.3,
           steep: float = 0.6, per_decade: int | None = None) -> Estimate:
    """Caging from the local slope s(lag) = d ln msd / d ln lag (free diffusion: 1; a cage: ~0).

    Rule: s by finite differences in ln lag (np.gradient) over the lags in the window with
    msd > 0, then a `smooth`-point running mean. Value: the minimum of s over the interior points
    (not the first nor the last). A plateau (cage) is that minimum within +-`threshold` (0.3; below
    -0.3 the msd falls: a dip, not a plateau) with a
    steeper part on each side, s > `steep` (0.6) at some lag before and some lag after it (the
    rise into the cage and the escape from it). extra: "plateau" (bool), "lag" of the minimum,
    "height" (the msd there: the plateau's height when there is one) and "height_error" (half the
    range of msd over the minimum and its two neighbours), "before" and "after" (the largest s on
    each side). Error: half the range of s over the minimum and its two neighbours. None with
    fewer than 5 lags. per_decade: first average the msd on log-spaced bins of the lag
    (fits.log_bin_mean), for a noisy curve (SGD) whose lag grid crowds points together; None
    (default): the points as given."""
    lag, msd = np.asarray(lag, float).ravel(), np.asarray(msd, float).ravel()
    ok = in_window(lag, window, _finite(lag, msd) & (lag > 0) & (msd > 0))
    lag, msd = lag[ok], msd[ok]
    order = np.argsort(lag)
    lag, msd = lag[order], msd[order]
    if per_decade is not None:
        lag, msd = log_bin_mean(lag, msd, per_decade)
    if lag.size < 5:
        return none(f"fewer than 5 lags with msd > 0 in the window {window}")
    s = np.gradient(np.log(msd), np.log(lag))
    if smooth > 1:
        k = np.ones(smooth)
        s = np.convolve(s, k, mode="same") / np.convolve(np.ones_like(s), k, mode="same")
    i = 1 + int(np.argmin(s[1:-1]))
    before, after = float(s[:i].max()), float(s[i + 1:].max())
    plateau = bool(abs(s[i]) < threshold and before > steep and after > steep)
    side = "before" if before <= steep else "after"
    why = ("a plateau between steeper parts" if plateau else
           f"no plateau: the slope stays above {threshold}" if s[i] >= threshold else
           f"no plateau: a dip (msd falling, slope {s[i]:.2g} < -{threshold})" if s[i] <= -threshold else
           f"no plateau: no rise above {steep} {side} the minimum")
    err = 0.5 * float(np.ptp(s[i - 1:i + 2]))
    return Estimate(float(s[i]), err, (float(lag[0]), float(lag[-1])),
                    note=f"min d ln msd/d ln lag = {s[i]:.3g} at lag {lag[i]:.3g} ({smooth}-point "
                         f"running mean); {why}",
                    extra={"plateau": plateau, "lag": float(lag[i]), "height": float(msd[i]),
                           "height_error": 0.5 * float(np.ptp(msd[i - 1:i + 2])), "before": before, "after": after,
                           "threshold": threshold, "steep": steep})


def chi4(Q_samples, n: float):
    """(mean, chi4) of per-sample overlaps Q_samples [S, ..., nlag] at one T (independent noise):
    mean over samples (axis 0) and chi4 = n (<Q^2> - <Q>^2), the variance over samples with the
    unbiased (S - 1) normalisation, so that independent coordinates give chi4 = p (1 - p) in
    expectation. NaN entries are skipped; chi4 is NaN where fewer than 2 samples are finite."""
    Q = np.asarray(Q_samples, float)
    cnt = np.sum(np.isfinite(Q), axis=0)
    with np.errstate(all="ignore"):
        mean = np.where(cnt > 0, np.nansum(Q, axis=0) / np.maximum(cnt, 1), np.nan)
        var = np.nansum((Q - mean) ** 2, axis=0) / np.maximum(cnt - 1, 1)
    return mean, np.where(cnt > 1, n * var, np.nan)


def chi4_peak(lag, chi4_values, error=None, samples: int | None = None) -> Estimate:
    """Peak of chi4(lag): a parabola through the largest point and its two neighbours, in ln lag
    and ln chi4 (exact for a bump Gaussian in ln lag). Value: the parabola's top, extra["lag"]:
    its position (within the bracket = window). Error: |top - largest point| (interpolation), in
    quadrature with the error at the largest point, from `error` (an array like chi4, e.g. a
    bootstrap) or else, given `samples` S, the normal-theory chi4 sqrt(2/(S-1)).
    A largest point at either end of the finite lags is no peak: bound ">" (the peak is at least
    that high), value = chi4 there, and the note says which end."""
    lag, c = np.asarray(lag, float).ravel(), np.asarray(chi4_values, float).ravel()
    e = (np.full(c.shape, np.nan) if error is None
         else np.broadcast_to(np.asarray(error, float), c.shape).ravel())
    ok = _finite(lag, c) & (lag > 0)
    lag, c, e = lag[ok], c[ok], e[ok]
    order = np.argsort(lag)
    lag, c, e = lag[order], c[order], e[order]
    if lag.size < 3:
        return none("fewer than 3 finite lags")
    i = int(np.argmax(c))
    e_i = float(e[i]) if math.isfinite(e[i]) else (
        float(c[i]) * math.sqrt(2.0 / (samples - 1)) if samples and samples > 1 else NAN)
    if i in (0, lag.size - 1):
        end = "longest" if i else "shortest"
        return Estimate(float(c[i]), e_i, (float(lag[0]), float(lag[-1])), bound=">",
                        note=f"largest chi4 at the {end} lag ({lag[i]:.4g}): no peak inside, "
                             f"chi4 peak >= {c[i]:.4g}", extra={"lag": float(lag[i]), "edge": end})
    x, y = np.log(lag[i - 1:i + 2]), c[i - 1:i + 2]
    logy = bool(np.all(y > 0))
    yy = np.log(y) if logy else y
    a2, a1, a0 = np.polyfit(x, yy, 2)
    if a2 < 0:
        xv = float(np.clip(-a1 / (2 * a2), x[0], x[2]))
        top = a0 + a1 * xv + a2 * xv * xv
        top = float(math.exp(top) if logy else top)
    else:  # a flat top (two equal points): no curvature to interpolate
        xv, top = float(x[1]), float(c[i])
    err = math.hypot(top - float(c[i]), e_i) if math.isfinite(e_i) else abs(top - float(c[i]))
    return Estimate(top, err, (float(lag[i - 1]), float(lag[i + 1])),
                    note=f"parabola in ln lag{' and ln chi4' if logy else ''} through the largest "
                         f"point and its neighbours; peak at lag {math.exp(xv):.4g}"
                         + ("" if math.isfinite(e_i) else "; error: interpolation only"),
                    extra={"lag": math.exp(xv), "largest_point": float(c[i]), "largest_lag": float(lag[i])})


def aging_exponent(tw, tau) -> Estimate:
    """d ln tau / d ln tw over the waiting times: 1 = simple aging (tau ~ tw), 0 = stationary
    (no aging), from `power_law_fit` of tau against tw (with 2 waiting times: the slope of the
    line through them, no error). Taus that are lower bounds are left out (the note says so).
    extra["ratio"]: tau at the largest tw / tau at the smallest."""
    tw = np.asarray(tw, float).ravel()
    v, err, bnd = _taus(tau)
    if tw.size != v.size:
        return none(f"{tw.size} waiting times but {v.size} taus")
    use = ~bnd & _finite(tw, v) & (tw > 0) & (v > 0)
    left = f"; left out: {int(bnd.sum())} lower bound(s) (tau > t_max)" if bnd.any() else ""
    if use.sum() < 2:
        return none(f"fewer than 2 waiting times with a measured tau{left}")
    x, y = tw[use], v[use]
    order = np.argsort(x)
    x, y = x[order], y[order]
    ratio = float(y[-1] / y[0])
    if use.sum() == 2:
        slope = math.log(ratio) / math.log(x[-1] / x[0])
        return Estimate(slope, NAN, (float(x[0]), float(x[-1])),
                        note=f"d ln tau/d ln tw through 2 waiting times, no error{left}",
                        extra={"ratio": ratio, "points": 2})
    fit = power_law_fit(x, y)
    return Estimate(fit.value, fit.error, fit.window, note=f"d ln tau/d ln tw: {fit.note}{left}",
                    extra={"ratio": ratio, "points": int(use.sum()), "sensitivity": fit.extra["sensitivity"]})


def jump_location(x, y, low: float, high: float, log: bool | None = None) -> Estimate:
    """Where y jumps from near `low` to near `high` as x grows (the trivialisation lambda: the
    final loss jumps to the trivial 0.5): the first crossing of the midpoint (low + high)/2,
    interpolated linearly in x, or in ln x when `log` (default: ln x when every x > 0 and they
    span a factor 10 or more). Error: half the bracket; window: the bracket. Never crossed: a
    bound, ">" max x when y stays on the low side, "<" min x when it starts on the high side.
    A y that crosses back afterwards is said in the note (extra["crossings"])."""
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    ok = _finite(x, y)
    x, y = x[ok], y[ok]
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    if x.size < 2:
        return none("fewer than 2 finite points")
    mid = 0.5 * (low + high)
    side = np.sign(high - low) * (y - mid) >= 0  # True: on the high side
    window = (float(x[0]), float(x[-1]))
    if side[0]:
        return Estimate(float(x[0]), NAN, window, bound="<",
                        note=f"y already on the high side of {mid:g} at the smallest x: "
                             f"jump below x = {x[0]:.4g}")
    up = np.nonzero(side[1:] & ~side[:-1])[0]
    if up.size == 0:
        return Estimate(float(x[-1]), NAN, window, bound=">",
                        note=f"y never crosses {mid:g}: jump above x = {x[-1]:.4g}")
    k = int(up[0]) + 1
    crossings = int(np.count_nonzero(side[1:] != side[:-1]))
    if log is None:
        log = bool(x[0] > 0 and x[-1] >= 10 * x[0])
    f = (mid - y[k - 1]) / (y[k] - y[k - 1])
    if log:
        xs = math.exp(math.log(x[k - 1]) + f * (math.log(x[k]) - math.log(x[k - 1])))
    else:
        xs = float(x[k - 1] + f * (x[k] - x[k - 1]))
    back = f"; y crosses back ({crossings} crossings in all)" if crossings > 1 else ""
    return Estimate(xs, 0.5 * float(x[k] - x[k - 1]), (float(x[k - 1]), float(x[k])),
                    note=f"y crosses {mid:g} between x = {x[k - 1]:.4g} and {x[k]:.4g}, "
                         f"interpolated {'in ln x' if log else 'linearly'}{back}",
                    extra={"crossings": crossings, "midpoint": mid})


def activation_ratio(T, tau, err):
    """R = E_low / E_high, E = d ln tau / d(1/T) through the two lowest T (E_low) and the two
    highest (E_high): (R, its error from the errors of ln tau, E_low, E_high). R > 1:
    super-Arrhenius, = 1 Arrhenius, < 1 slower than Arrhenius."""
    T, tau, err = (np.asarray(a, float) for a in (T, tau, err))
    order = np.argsort(T)
    T, lt, sl = T[order], np.log(tau[order]), err[order] / tau[order]

    def slope(i, j):
        d = lt[i] - lt[j]
        return d / (1 / T[i] - 1 / T[j]), math.hypot(sl[i], sl[j]) / abs(1 / T[i] - 1 / T[j])
    (lo, e_lo), (hi, e_hi) = slope(0, 1), slope(-2, -1)
    R = lo / hi
    return R, abs(R) * math.hypot(e_lo / lo, e_hi / hi), lo, hi
