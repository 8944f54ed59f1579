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
