"""Fits: power laws in a stated window (with error and window sensitivity), the approach to an
asymptote, distances to a reference curve, tail exponents of densities, log histograms."""
from __future__ import annotations

import math

import numpy as np

from physics.analysis.estimate import NAN, Estimate, _finite, none

def in_window(x, window, ok):
    """ok & (window[0] <= x <= window[1]); a bound that is None is no bound."""
    lo, hi = window
    if lo is not None:
        ok = ok & (x >= lo)
    if hi is not None:
        ok = ok & (x <= hi)
    return ok


def power_law_fit(x, y, window=(None, None), shrink: float = 2.0) -> Estimate:
    """Slope of ln y against ln x for window[0] <= x <= window[1] (None: no bound), with the
    standard error of the least-squares slope (scipy.stats.linregress). extra["sensitivity"]:
    the largest change of the slope when either end of the window moves in by `shrink` (x
    factor), a measure of how much the number depends on the window; extra["amplitude"]."""
    from scipy import stats

    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    ok = in_window(x, window, _finite(x, y) & (x > 0) & (y > 0))
    if ok.sum() < 3:
        return none(f"fewer than 3 positive points in the window {window}")
    lx, ly = np.log(x[ok]), np.log(y[ok])
    fit = stats.linregress(lx, ly)
    used = (float(np.exp(lx.min())), float(np.exp(lx.max())))
    sens = []
    for a, b in ((lx.min() + math.log(shrink), lx.max()), (lx.min(), lx.max() - math.log(shrink))):
        sel = (lx >= a - 1e-12) & (lx <= b + 1e-12)
        if sel.sum() >= 3:
            sens.append(abs(stats.linregress(lx[sel], ly[sel]).slope - fit.slope))
    return Estimate(float(fit.slope), float(fit.stderr), used,
                    note=f"log-log least squares, {int(ok.sum())} points, x in [{used[0]:.3g}, {used[1]:.3g}]",
                    extra={"amplitude": float(math.exp(fit.intercept)),
                           "sensitivity": float(max(sens)) if sens else NAN, "points": int(ok.sum())})


def power_law_approach(t, y, window=(None, None), shrink: float = 3.0) -> Estimate:
    """Asymptote y_inf of a power-law approach y(t) = y_inf + A t^(-a), fitted by least squares
    (scipy.optimize.curve_fit, all three free) for window[0] <= t <= window[1]; error: the
    standard error of y_inf. extra: "exponent" a (+ "exponent_error"), "amplitude" A,
    "remaining" = A t_end^(-a), the change the power law still predicts after the last time of
    the window (how far the data has yet to go), and "sensitivity", the largest change of y_inf
    when either end of the window moves in by `shrink` (x factor). None with fewer than 5
    points or when the fit does not converge to a decaying power law (a <= 0)."""
    from scipy.optimize import curve_fit

    t, y = np.asarray(t, float).ravel(), np.asarray(y, float).ravel()
    ok = in_window(t, window, _finite(t, y) & (t > 0))
    if ok.sum() < 5:
        return none(f"fewer than 5 points in the window {window}")
    lt, yy = np.log(t[ok]), y[ok]

    def model(x, y_inf, amp, a):
        return y_inf + amp * np.exp(-a * x)

    def fit(sel):
        # start: a = 0.5, y_inf a little beyond the last point in the direction of the decay
        x, v = lt[sel], yy[sel]
        step = v[-1] - v[len(v) // 2]
        a0 = 0.5
        y0 = v[-1] + step
        amp0 = (v[0] - y0) * math.exp(a0 * x[0])
        p, cov = curve_fit(model, x, v, p0=(y0, amp0, a0), maxfev=20000)
        return p, cov

    try:
        p, cov = fit(np.ones(lt.size, bool))
    except (RuntimeError, ValueError):
        return none("the power-law fit did not converge")
    if not p[2] > 0 or not np.all(np.isfinite(cov)):
        return none(f"no decaying power law (fitted exponent {p[2]:.3g})")
    err = np.sqrt(np.diag(cov))
    used = (float(math.exp(lt.min())), float(math.exp(lt.max())))
    sens = []
    for a, b in ((lt.min() + math.log(shrink), lt.max()), (lt.min(), lt.max() - math.log(shrink))):
        sel = (lt >= a - 1e-12) & (lt <= b + 1e-12)
        if sel.sum() >= 5:
            try:
                sens.append(abs(fit(sel)[0][0] - p[0]))
            except (RuntimeError, ValueError):
                pass
    remaining = float(p[1] * used[1] ** (-p[2]))
    return Estimate(float(p[0]), float(err[0]), used,
                    note=f"y = y_inf + A t^-a, least squares, {int(ok.sum())} points, "
                         f"t in [{used[0]:.3g}, {used[1]:.3g}]; a = {p[2]:.3g} +- {err[2]:.2g}",
                    extra={"exponent": float(p[2]), "exponent_error": float(err[2]),
                           "amplitude": float(p[1]), "remaining": remaining,
                           "sensitivity": float(max(sens)) if sens else NAN, "points": int(ok.sum())})


def distance_to_reference(samples, reference, boot: int = 200, seed: int = 0) -> Estimate:
    """How far the sample mean of a measured curve lies from a reference curve (e.g. finite-N
    p-spin against the N = infinity CK solution at the same points).

    samples [S, ...] (NaN where not measured), reference broadcastable to samples[0]. Value: the
    mean over the points where both are finite of |mean over samples - reference|. Error: the
    standard deviation of that distance over `boot` bootstrap resamplings of the samples (NaN with
    one sample). extra: "floor", the mean standard error of the sample mean over the same points
    (the distance that sampling noise alone gives, ~0.8 floor for an unbiased mean), "signed",
    the mean of (mean - reference), "points", "samples"."""
    X = np.asarray(samples, float)
    ref = np.broadcast_to(np.asarray(reference, float), X.shape[1:]).ravel()
    X = X.reshape(X.shape[0], -1)
    S = X.shape[0]
    with np.errstate(all="ignore"):
        cnt = np.sum(np.isfinite(X), axis=0)
        m = np.where(cnt > 0, np.nansum(X, axis=0) / np.maximum(cnt, 1), np.nan)
        ok = np.isfinite(m) & np.isfinite(ref)
        if not ok.any():
            return none("no point where both the samples and the reference are finite")
        d = np.abs(m[ok] - ref[ok])
        var = np.nansum((X[:, ok] - m[ok]) ** 2, axis=0) / np.maximum(cnt[ok] - 1, 1)
        sem = np.where(cnt[ok] > 1, np.sqrt(var / np.maximum(cnt[ok], 1)), np.nan)
    err = NAN
    if S > 1 and boot > 0:
        rng = np.random.default_rng(seed)
        Xo = X[:, ok]
        vals = []
        for _ in range(boot):
            pick = Xo[rng.integers(0, S, S)]
            with np.errstate(all="ignore"):
                mb = np.nanmean(pick, axis=0) if np.isnan(pick).any() else pick.mean(axis=0)
            fin = np.isfinite(mb)
            vals.append(float(np.mean(np.abs(mb[fin] - ref[ok][fin]))))
        err = float(np.std(vals, ddof=1))
    floor = float(np.nanmean(sem)) if np.isfinite(sem).any() else NAN
    return Estimate(float(d.mean()), err,
                    note=f"mean |sample mean - reference| over {int(ok.sum())} points, {S} sample(s); "
                         "error: bootstrap over samples",
                    extra={"floor": floor, "signed": float(np.mean(m[ok] - ref[ok])),
                           "points": int(ok.sum()), "samples": int(S)})


def late_exponent(lag, y, decades: float = 1.0) -> Estimate:
    """Growth exponent d ln y / d ln lag over the last `decades` of lags (msd: 1 = diffusion,
    < 1 = sub-diffusion or a plateau)."""
    lag = np.asarray(lag, float)
    ok = np.isfinite(lag) & (lag > 0)
    if not ok.any():
        return none("no lags")
    top = float(lag[ok].max())
    return power_law_fit(lag, y, window=(top / 10 ** decades, top))


def tail_exponent(values, upper: float, min_count: int = 20, lower: float = 0.0) -> Estimate:
    """Exponent a of a density P(v) ~ v^a near v = 0 from the values in (lower, upper]: maximum
    likelihood for a power law on [lower, upper], standard error from the Fisher information. No
    binning. lower = 0: the closed form a + 1 = n / sum ln(upper / v_i), error (a + 1) / sqrt(n);
    lower > 0 (a power law truncated below, e.g. above a finite-size or round-off floor): the
    likelihood equation solved numerically (_truncated_power_law). For a divergent density
    (gaps, P-(Delta)) a < 0 and the published gamma is -a."""
    v = np.asarray(values, float).ravel()
    lower = float(lower)
    v = v[np.isfinite(v) & (v > lower) & (v <= upper)]
    where = f"({lower:g}, {upper:g}]"
    if v.size < min_count:
        return Estimate(NAN, window=(lower, float(upper)), note=f"only {v.size} values in {where}")
    if lower > 0.0:
        a1, err = _truncated_power_law(np.log(v / upper), math.log(lower / upper))
        if not math.isfinite(a1):
            return Estimate(NAN, window=(lower, float(upper)), note=f"no likelihood maximum in {where}")
    else:
        a1 = v.size / float(np.sum(np.log(upper / v)))
        err = a1 / math.sqrt(v.size)
    return Estimate(a1 - 1.0, err, (lower, float(upper)),
                    note=f"maximum likelihood, {v.size} values in {where}",
                    extra={"count": int(v.size)})


def _truncated_power_law(x, xl: float) -> tuple:
    """(b, error of b) of the density b-proportional e^(b x) on [xl, 0] (x = ln(v / upper), xl =
    ln(lower / upper) < 0; b = a + 1 of v^a) by maximum likelihood: the b whose mean of x equals
    the sample mean, E_b[x] = -1/b + c / (e^(b c) - 1) with c = -xl (increasing in b); error
    1 / sqrt(n Var_b[x]). (nan, nan) when the sample mean lies outside the range b can reach."""
    from scipy.optimize import brentq

    c = -float(xl)
    n, xm = x.size, float(np.mean(x))

    def mean(b):
        if abs(b * c) < 1e-6:
            return -c / 2.0 + b * c * c / 12.0
        return -1.0 / b + c / math.expm1(b * c) if b * c < 700 else -1.0 / b

    lo, hi = -200.0 / c, 200.0 / c
    if not mean(lo) < xm < mean(hi):
        return NAN, NAN
    b = brentq(lambda t: mean(t) - xm, lo, hi, xtol=1e-12)
    bc = b * c
    var = c * c / 12.0 if abs(bc) < 1e-4 else 1.0 / b ** 2 - c * c * math.exp(bc) / math.expm1(bc) ** 2
    return float(b), float(1.0 / math.sqrt(n * var)) if var > 0 else NAN


def tail_exponent_scan(values, uppers, lowers=(0.0,), central: tuple | None = None,
                       min_count: int = 20) -> Estimate:
    """tail_exponent over a grid of fit windows (lower, upper), every lower < upper: how much the
    exponent depends on the window. Value and statistical error: the fit in the `central` window
    (lower, upper) (default: the first lower and the median upper); extra["systematic"]: half the
    spread (max - min) of the exponents over every window with at least min_count values; error: the statistical and the systematic errors in quadrature. extra["windows"]:
    [(lower, upper, exponent, error, count)] of every window; extra["statistical"]."""
    uppers = sorted(float(u) for u in uppers)
    lowers = sorted(float(x) for x in lowers)
    central = central or (lowers[0], uppers[len(uppers) // 2])
    grid = [(lo, up) for lo in lowers for up in uppers if lo < up]
    if tuple(central) not in grid:
        grid.append(tuple(central))
    fits = {w: tail_exponent(values, upper=w[1], lower=w[0], min_count=min_count) for w in grid}
    mid = fits[tuple(central)]
    if not mid.ok:
        return Estimate(NAN, window=tuple(central), note=f"central window: {mid.note}")
    ok = [e.value for e in fits.values() if e.ok]
    sys_err = 0.5 * (max(ok) - min(ok)) if len(ok) > 1 else NAN
    err = math.hypot(mid.error, sys_err) if math.isfinite(sys_err) else mid.error
    table = [(w[0], w[1], e.value, e.error, int(e.extra.get("count", 0))) for w, e in sorted(fits.items())]
    return Estimate(mid.value, err, tuple(central),
                    note=f"{mid.note}; over {len(ok)} windows (lower {', '.join(f'{x:g}' for x in lowers)}; "
                         f"upper {', '.join(f'{u:g}' for u in uppers)}) the exponent spans "
                         f"{min(ok):.3g} to {max(ok):.3g}; error: statistical {mid.error:.2g} and "
                         f"systematic {sys_err:.2g} (half that span) in quadrature",
                    extra={"statistical": mid.error, "systematic": sys_err, "windows": table,
                           "count": mid.extra.get("count", 0)})


def log_bin_mean(x, y, per_decade: int = 10):
    """(x, y) averaged on log-spaced bins of x, `per_decade` a decade: per non-empty bin the
    geometric mean of its x and the mean of its y (finite y, x > 0 only). A curve measured on a
    log grid with extra points crowded together (the lags after each tw) becomes evenly spaced in
    ln x, so that finite differences in ln x do not amplify the noise of close neighbours."""
    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    ok = _finite(x, y) & (x > 0)
    x, y = x[ok], y[ok]
    if x.size == 0:
        return x, y
    k = np.floor(np.log10(x) * per_decade + 1e-9).astype(np.int64)
    keys, inv = np.unique(k, return_inverse=True)
    cnt = np.bincount(inv).astype(float)
    xm = np.exp(np.bincount(inv, np.log(x)) / cnt)
    ym = np.bincount(inv, y) / cnt
    return xm, ym


def log_histogram(values, bins: int = 25, lo: float | None = None, hi: float | None = None):
    """Density of the positive values on log-spaced bins: (centres, density, Poisson error) of
    the non-empty bins, or None with fewer than 5 values."""
    v = np.asarray(values, float).ravel()
    v = v[np.isfinite(v) & (v > 0)]
    if v.size < 5:
        return None
    lo = lo if lo is not None else max(float(np.quantile(v, 0.005)), float(v.max()) * 1e-12)
    hi = hi if hi is not None else float(v.max())
    if not hi > lo:
        return None
    edges = np.geomspace(lo, hi * (1 + 1e-9), bins + 1)
    counts, _ = np.histogram(v, edges)
    norm = v.size * np.diff(edges)
    c = np.sqrt(edges[:-1] * edges[1:])
    ok = counts > 0
    return c[ok], (counts / norm)[ok], (np.sqrt(counts) / norm)[ok]
