"""Findings: the one estimator of each quantity the papers state (shared/DESIGN.md, "Findings").

Every estimator takes arrays (never a record, never a plot), returns an `Estimate` (value, error,
the window it used, a note) and is the only definition of its finding in the project: commands,
`compare`, `show`, the sweeps and the paper reports all call these.

    plateau            q_EA: C at the flattest point of C(tw, tw + lag) against log lag
    fdt_slope          x and the break point of the FDT plot, per tw and pooled
    n_star             N* of nets: where N_Delta/N crosses 0.1, log-interpolated between widths
    regime             over-/under-parametrised: N_Delta > 0.1 N is under (Geiger et al. 2019)
    relaxation_time    tau: first crossing of a fraction of the shortest-lag value, in log lag
    power_law_fit      slope of log y against log x in a stated window, with error and the
                       spread of the slope when the window shrinks (its sensitivity)
    late_exponent      power-law exponent over the last decade of lags (msd growth)
    tail_exponent      exponent of a density P(v) ~ v^a near v = 0 (maximum likelihood)
    log_histogram      density on log-spaced bins, with Poisson errors
    jamming_window     where the scaling above phi_J holds at finite N
    verdict            "reproduced" | "partly" | "not reproduced" from a stated tolerance

`PUBLISHED` (physics/published.py, re-exported here) is the one table of published and analytic
constants, each with its source.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from physics.published import PUBLISHED, Published, phi_J_published  # noqa: F401 (one table, re-exported)

NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    """A finding: value +- error, measured over `window` (in the estimator's own variable).
    `bound` is "" for a measurement, ">" when only a lower bound was reached (value = the bound)."""
    value: float
    error: float = NAN
    window: tuple | None = None
    note: str = ""
    bound: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return math.isfinite(self.value) and not self.bound

    def as_dict(self) -> dict:
        d = asdict(self)
        d["window"] = list(self.window) if self.window is not None else None
        return d

    def __float__(self) -> float:
        return float(self.value)


def none(note: str) -> Estimate:
    """No estimate, with the reason."""
    return Estimate(NAN, note=note)


def _finite(*arrays):
    ok = np.ones(np.shape(arrays[0]), bool)
    for a in arrays:
        ok &= np.isfinite(a)
    return ok


# ----------------------------------------------------------------------------- two-time curves

def lag_curve(t, tw: float, y):
    """(lag, y) of one waiting time: the points with t > tw and finite y, lag = t - tw."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    ok = (t > tw) & np.isfinite(y)
    return t[ok] - tw, y[ok]


def plateau(lag, C, c_min: float = 0.05, c_max: float = 0.98, smooth: int = 3) -> Estimate:
    """q_EA of one two-time curve C(tw, tw + lag): C where |dC / d ln lag| is smallest, between
    the fast decay (C < c_max) and the aging decay (C > c_min); derivative of a `smooth`-point
    running mean in ln lag. Error: half the range of C over the neighbouring points (how flat the
    plateau is). None when the flattest point is at an end of that window, or not flatter than
    half the steepest slope in it (no plateau inside the data)."""
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
    d = np.abs(np.gradient(Cs, x))
    sel = (Cs < c_max) & (Cs > c_min)
    sel[0] = sel[-1] = False
    if not sel.any():
        return none(f"C never between {c_min} and {c_max} inside the window")
    i = int(np.argmin(np.where(sel, d, np.inf)))
    inside = np.nonzero(sel)[0]
    if i <= inside[0] or i >= inside[-1] or not d[i] < 0.5 * d[sel].max():
        return none("the flattest point lies at an end of the window: no plateau inside")
    lo, hi = max(i - 1, 0), min(i + 2, C.size)
    err = 0.5 * float(np.ptp(Cs[lo:hi]))
    return Estimate(float(Cs[i]), err, (float(lag[lo]), float(lag[hi - 1])),
                    note=f"flattest point of C against ln(lag), |dC/dln lag| = {d[i]:.2g}",
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
    interpolated linearly in ln lag (SCIENCE.md 6). When the run ends first: bound ">" with the
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


# ----------------------------------------------------------------------------- fits

def power_law_fit(x, y, window=(None, None), shrink: float = 2.0) -> Estimate:
    """Slope of ln y against ln x for window[0] <= x <= window[1] (None: no bound), with the
    standard error of the least-squares slope (scipy.stats.linregress). extra["sensitivity"]:
    the largest change of the slope when either end of the window moves in by `shrink` (x
    factor), a measure of how much the number depends on the window; extra["amplitude"]."""
    from scipy import stats

    x, y = np.asarray(x, float).ravel(), np.asarray(y, float).ravel()
    ok = _finite(x, y) & (x > 0) & (y > 0)
    lo, hi = window
    if lo is not None:
        ok &= x >= lo
    if hi is not None:
        ok &= x <= hi
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


def late_exponent(lag, y, decades: float = 1.0) -> Estimate:
    """Growth exponent d ln y / d ln lag over the last `decades` of lags (msd: 1 = diffusion,
    < 1 = sub-diffusion or a plateau)."""
    lag = np.asarray(lag, float)
    ok = np.isfinite(lag) & (lag > 0)
    if not ok.any():
        return none("no lags")
    top = float(lag[ok].max())
    return power_law_fit(lag, y, window=(top / 10 ** decades, top))


def tail_exponent(values, upper: float, min_count: int = 20) -> Estimate:
    """Exponent a of a density P(v) ~ v^a near v = 0 from the values in (0, upper]: maximum
    likelihood for a power law on [0, upper], a + 1 = n / sum ln(upper / v_i), standard error
    (a + 1) / sqrt(n). No binning. For a divergent density (gaps, P-(Delta)) a < 0 and the
    published gamma is -a."""
    v = np.asarray(values, float).ravel()
    v = v[np.isfinite(v) & (v > 0) & (v <= upper)]
    if v.size < min_count:
        return Estimate(NAN, window=(0.0, upper), note=f"only {v.size} values in (0, {upper:g}]")
    a1 = v.size / float(np.sum(np.log(upper / v)))
    return Estimate(a1 - 1.0, a1 / math.sqrt(v.size), (0.0, float(upper)),
                    note=f"maximum likelihood, {v.size} values in (0, {upper:g}]",
                    extra={"count": int(v.size)})


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


def jamming_window(N: int, hi: float = 0.1, factor: float = 100.0) -> tuple:
    """The range of phi - phi_J where the scaling above jamming holds at N particles:
    N^2 (phi - phi_J) > factor (above the finite-size crossover, where one contact more or less
    is a jump) and phi - phi_J < hi."""
    return (factor / float(N) ** 2, hi)


# ----------------------------------------------------------------------------- nets

def regime(n_delta: float, N: float, threshold: float = 0.1) -> str:
    """The papers' rule (Geiger et al. 2019): under-parametrised when N_Delta > threshold N."""
    return "under-parametrised" if n_delta > threshold * N else "over-parametrised"


def n_star(N, ratio, threshold: float = 0.1) -> Estimate:
    """N* of a jamming sweep at fixed P: where the sample-mean N_Delta/N crosses `threshold`
    from above (the papers lower the width until N_Delta > 0.1 N), interpolated linearly in
    ln N between the largest N still above and the next N. Error: half the bracket; window: the
    bracket. None when the sweep does not bracket the transition."""
    N, ratio = np.asarray(N, float).ravel(), np.asarray(ratio, float).ravel()
    order = np.argsort(N)
    N, ratio = N[order], ratio[order]
    above = np.nonzero(ratio > threshold)[0]
    if above.size == 0:
        return none(f"N_Delta/N <= {threshold} at every width: N* lies below the sweep")
    j = int(above[-1])
    if j == N.size - 1:
        return none(f"N_Delta/N > {threshold} at the largest width: N* lies above the sweep")
    x0, x1 = math.log(N[j]), math.log(N[j + 1])
    f = (ratio[j] - threshold) / (ratio[j] - ratio[j + 1])
    ns = math.exp(x0 + f * (x1 - x0))
    return Estimate(ns, 0.5 * (N[j + 1] - N[j]), (float(N[j]), float(N[j + 1])),
                    note=f"N_Delta/N crosses {threshold} between N = {N[j]:.0f} and {N[j + 1]:.0f} "
                         "(log-interpolated)")


# ----------------------------------------------------------------------------- verdicts

VERDICTS = ("reproduced", "partly", "not reproduced")


def verdict(measured: Estimate | float, expected, tol: float, relative: bool = False,
            n_sigma: float = 2.0) -> tuple[str, str]:
    """Compare a measurement with a published or analytic value, by a tolerance stated here.

    expected: a number or a (lo, hi) range. Allowed distance = tol (x |expected| if relative)
    + n_sigma x the measurement's error. "reproduced" within it, "partly" within three times it,
    else "not reproduced"; no measurement -> "not reproduced". Returns (verdict, the rule in words)."""
    m = measured if isinstance(measured, Estimate) else Estimate(float(measured))
    if not m.ok:
        return "not reproduced", "no measurement" + (f" ({m.note})" if m.note else "")
    if isinstance(expected, (tuple, list)):
        lo, hi = float(expected[0]), float(expected[1])
        ref = 0.5 * (lo + hi)
        dist = max(lo - m.value, m.value - hi, 0.0)
        what = f"[{lo:g}, {hi:g}]"
    else:
        ref = lo = hi = float(expected)
        dist = abs(m.value - ref)
        what = f"{ref:.4g}"
    err = m.error if math.isfinite(m.error) else 0.0
    allowed = tol * (abs(ref) if relative else 1.0) + n_sigma * err
    rule = (f"|measured - {what}| = {dist:.3g}; allowed {allowed:.3g} = "
            + (f"{tol:g} x |expected|" if relative else f"{tol:g}")
            + (f" + {n_sigma:g} x error" if err else ""))
    if dist <= allowed:
        return "reproduced", rule
    if dist <= 3 * allowed:
        return "partly", rule + " (within 3x)"
    return "not reproduced", rule
