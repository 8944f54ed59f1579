"""Verdicts: a measurement against a published or analytic value, by a stated tolerance."""
from __future__ import annotations

import math

from physics.analysis.estimate import Estimate

VERDICTS = ("reproduced", "partly", "not reproduced")


def verdict(measured: Estimate | float, expected, tol: float, relative: bool = False,
            n_sigma: float = 2.0) -> tuple[str, str]:
    """Compare a measurement with a published or analytic value, by a tolerance stated here.

    expected: a number or a (lo, hi) range. Allowed distance = tol (x |expected| if relative)
    + n_sigma x the measurement's error. "reproduced" within it, "partly" within three times it,
    else "not reproduced"; no measurement -> "not reproduced"; a measurement whose error exceeds
    the tolerance is inconclusive: at best "partly". Returns (verdict, the rule in words)."""
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
    tol_abs = tol * (abs(ref) if relative else 1.0)
    allowed = tol_abs + n_sigma * err
    rule = (f"|measured - {what}| = {dist:.3g}; allowed {allowed:.3g} = "
            + (f"{tol:g} x |expected|" if relative else f"{tol:g}")
            + (f" + {n_sigma:g} x error" if err else ""))
    if tol_abs > 0 and err > tol_abs:
        # too uncertain to tell: it cannot count as reproduced, however close its value
        rule += f"; error {err:.3g} > tolerance {tol_abs:.3g}: inconclusive"
        return ("partly" if dist <= allowed else "not reproduced"), rule
    if dist <= allowed:
        return "reproduced", rule
    if dist <= 3 * allowed:
        return "partly", rule + " (within 3x)"
    return "not reproduced", rule
