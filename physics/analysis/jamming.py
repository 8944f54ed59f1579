"""Jamming findings: the scaling window above phi_J, the regime of a net and N* (sections 3, 4)."""
from __future__ import annotations

import math

import numpy as np

from physics.analysis.estimate import Estimate, none

def jamming_window(N: int, hi: float = 0.1, factor: float = 100.0) -> tuple:
    """The range of phi - phi_J where the scaling above jamming holds at N particles:
    N^2 (phi - phi_J) > factor (above the finite-size crossover, where one contact more or less
    is a jump) and phi - phi_J < hi."""
    return (factor / float(N) ** 2, hi)



def regime(n_delta: float, N: float, threshold: float = 0.1) -> str:
    """The papers' rule (Geiger et al. 2019): under-parametrised when N_Delta > threshold N;
    "unknown" when N_Delta is not a number (every sample of a run diverged)."""
    if not n_delta == n_delta:
        return "unknown"
    return "under-parametrised" if n_delta > threshold * N else "over-parametrised"


def n_star(N, ratio, threshold: float = 0.1, label: str = "N") -> Estimate:
    """N* of a jamming sweep at fixed P: where the sample-mean N_Delta/N crosses `threshold`
    from above (the papers lower the width until N_Delta > 0.1 N), interpolated linearly in
    ln N between the largest N still above and the next N. Error: half the bracket; window: the
    bracket. None when the sweep does not bracket the transition. `label` names the variable in
    the note: N for a sweep over widths at fixed P, "N/P" for a sweep over P at a fixed net (the
    estimate is then N*/P)."""
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
                    note=f"N_Delta/N crosses {threshold} between {label} = {N[j]:.4g} and {N[j + 1]:.4g} "
                         "(log-interpolated)")


def _frequencies(eigenvalues, zero_tol: float) -> list:
    """omega = sqrt(lambda) of the nonzero modes (lambda > zero_tol, finite) of each sample."""
    ev = np.asarray(eigenvalues, float)
    rows = ev.reshape(1, -1) if ev.ndim == 1 else ev.reshape(ev.shape[0], -1)
    return [np.sqrt(r[np.isfinite(r) & (r > zero_tol)]) for r in rows]


def dos_smooth(omega, bandwidth: float = 0.15, points: int = 200, lo=None, hi=None):
    """D(omega) of the frequencies `omega` (normalised over all of them) smoothed by a Gaussian
    kernel of width `bandwidth` in ln omega (a relative resolution, the same at every frequency,
    so that the sparse low-frequency end is not lost to linear bins): the density of ln omega
    from a fine histogram convolved with the kernel, divided by omega. Returns (omega grid
    [points], D) on a log grid from lo to hi (default: the smallest and largest omega)."""
    w = np.asarray(omega, float)
    w = w[np.isfinite(w) & (w > 0)]
    if w.size == 0:
        return np.zeros(0), np.zeros(0)
    lw = np.log(w)
    a = math.log(lo) if lo else float(lw.min())
    b = math.log(hi) if hi else float(lw.max())
    pad = 4.0 * bandwidth
    fine = np.linspace(a - pad, b + pad, 8 * points + 1)
    h = fine[1] - fine[0]
    counts, _ = np.histogram(lw, np.append(fine - h / 2, fine[-1] + h / 2))
    m = int(math.ceil(pad / h))
    kern = np.exp(-0.5 * (np.arange(-m, m + 1) * h / bandwidth) ** 2)
    n = counts.size + kern.size - 1                 # the convolution by FFT, centred ("same")
    conv = np.fft.irfft(np.fft.rfft(counts, n) * np.fft.rfft(kern / (kern.sum() * h), n), n)
    dens = conv[m: m + counts.size] / w.size        # the density of ln omega
    grid = np.linspace(a, b, points)
    return np.exp(grid), np.interp(grid, fine, dens) / np.exp(grid)


def _omega_star_of(omega, fraction, plateau, bandwidth):
    """(omega*, plateau height, omega grid, D) of pooled frequencies; omega* nan when D never
    falls below fraction x plateau."""
    q = np.quantile(omega, plateau)
    w, D = dos_smooth(omega, bandwidth, hi=float(q[1]))
    if w.size < 4:
        return math.nan, math.nan, w, D
    band = (w >= q[0]) & (w <= q[1])
    Dp = float(np.median(D[band])) if band.any() else math.nan
    start = int(np.searchsorted(w, q[0]))          # scan down from the plateau's lower end
    below = np.nonzero(D[:start] < fraction * Dp)[0]
    if not below.size:
        return math.nan, Dp, w, D
    i = int(below[-1])                             # the highest point under the threshold
    # interpolate ln omega linearly in D between point i (below) and point i + 1 (above)
    f = min(max((fraction * Dp - D[i]) / (D[i + 1] - D[i]), 0.0), 1.0) if D[i + 1] != D[i] else 0.0
    return float(math.exp(math.log(w[i]) + f * (math.log(w[i + 1]) - math.log(w[i])))), Dp, w, D


def omega_star(eigenvalues, fraction: float = 0.5, plateau=(0.25, 0.5), bandwidth: float = 0.15,
               zero_tol: float = 1e-10, boot: int = 100, seed: int = 0) -> Estimate:
    """omega*: the frequency below which the vibrational density of states D(omega) leaves its
    plateau (Silbert, Liu, Nagel, PRL 95, 098301 (2005); docs/science.md, section 3).

    eigenvalues: [S, n] (one row per packing, NaN-padded) or [n], the Hessian's eigenvalues
    lambda = omega^2 (unit masses). Pooled over the samples, D(omega) is smoothed by a Gaussian
    of width `bandwidth` in ln omega (dos_smooth); the plateau height D_p is the median of D
    between the quantiles `plateau` of omega (default the second quarter of the spectrum: above
    omega* and below the peak at the top of the band); omega* is where D, scanned down from
    there, first falls below fraction x D_p (half by default), log-interpolated between the two
    grid points around the crossing. Error: the standard deviation over
    `boot` bootstrap resamplings of the packings (NaN with one packing). None when D stays above
    the threshold down to the lowest mode (omega* below the resolution of this N)."""
    rows = [r for r in _frequencies(eigenvalues, zero_tol) if r.size]
    if not rows:
        return none("no nonzero modes")
    allw = np.concatenate(rows)
    ws, Dp, centres, D = _omega_star_of(allw, fraction, plateau, bandwidth)
    if not math.isfinite(ws):
        return none(f"D(omega) stays above {fraction:g} of its plateau ({Dp:.3g}) down to the lowest "
                    f"mode (omega = {allw.min():.3g}): omega* below the resolution")
    err = math.nan
    if len(rows) > 1 and boot > 0:
        rng = np.random.default_rng(seed)
        vals = []
        for _ in range(boot):
            pick = np.concatenate([rows[i] for i in rng.integers(0, len(rows), len(rows))])
            v = _omega_star_of(pick, fraction, plateau, bandwidth)[0]
            if math.isfinite(v):
                vals.append(v)
        err = float(np.std(vals, ddof=1)) if len(vals) > 1 else math.nan
    return Estimate(ws, err, (float(centres[0]), float(centres[-1])),
                    note=f"D(omega) falls below {fraction:g} of its plateau D_p = {Dp:.3g} (median of D "
                         f"between the {plateau[0]:g} and {plateau[1]:g} quantiles of omega) at omega* = "
                         f"{ws:.3g}; {allw.size} modes of {len(rows)} sample(s), smoothed over {bandwidth:g} in ln omega; error: "
                         "bootstrap over samples",
                    extra={"plateau": Dp, "omega": centres, "D": D, "modes": int(allw.size),
                           "samples": len(rows)})
