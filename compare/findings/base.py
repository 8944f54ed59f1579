"""What every system's findings share: the Finding, the small wrappers around estimates, and the
one table of tolerances from which each finding's verdict follows (analysis.verdict)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from physics import analysis as A


@dataclass
class Finding:
    key: str                      # snake_case, stable: the JSON key
    quantity: str                 # in words, for tables
    estimate: A.Estimate
    expected: object = None       # a number, a (lo, hi) range, a short text, or None
    how: str = ""                 # how it was measured (window, rule)
    source: str = ""              # of the expected value
    text: str = ""                # a finding that is a word, not a number ("over-parametrised")
    analytic: bool = False        # computed from theory, not measured: tables show it as expected only

    @property
    def value(self) -> float:
        return self.estimate.value

    @property
    def error(self) -> float:
        return self.estimate.error


def analytic(key: str, quantity: str, value: float, how: str = "analytic", source: str = "") -> Finding:
    """A number that is computed, not measured (T_d, ...): value = expected, no error, no verdict;
    tables show it in the expected column with the measured cell empty."""
    return Finding(key, quantity, A.Estimate(float(value)), float(value), how, source, analytic=True)


def mean_sem(values) -> A.Estimate:
    """Mean over samples with its standard error (NaN error with one sample)."""
    a = np.asarray(values, float).ravel()
    a = a[np.isfinite(a)]
    if a.size == 0:
        return A.none("no finite value")
    err = float(a.std(ddof=1) / math.sqrt(a.size)) if a.size > 1 else float("nan")
    return A.Estimate(float(a.mean()), err, note=f"mean of {a.size} sample(s)")


def negated(est: A.Estimate) -> A.Estimate:
    """-value (a density P ~ v^a that diverges is quoted by gamma = -a)."""
    return A.Estimate(-est.value, est.error, est.window, est.note, est.bound, est.extra)


def config_value(run, key, default=None):
    v = run.config.get(key, default)
    return default if v is None else v


# ----------------------------------------------------------------------------- verdicts

TOLERANCES = {
    # key: (tolerance, relative). The verdict of a finding with a numeric expected value is
    # analysis.verdict(measured, expected, tol, relative): "reproduced" within tol + 2 errors,
    # "partly" within three times that. Keys absent here (analytic values, texts) get none.
    "e_final": (0.02, False),         # an asymptote approached as t^-2/3: within 0.02 of it
    "e_finite_n": (0.01, False),      # p-spin minus CK at the same t: -> 0 as N grows
    "e_rise": (1e-4, False),          # CK below T_d: e(t) decreases; a larger rise is lost accuracy
    "plateau_q": (0.03, False),       # approaches q_EA from above as tw grows
    "fdt_slope_x": (0.05, False),
    "fdt_break_q": (0.05, False),
    "phi_J": (0.01, False),           # finite N shifts phi_J by ~N^-1/2 (O'Hern et al. 2003)
    "Z_c": (0.1, False),              # finite N: 2d - 2(d - 1)/N_nr
    "isostatic_excess": (0.5, False),  # an integer per packing: 0 is isostatic
    "theta_spheres": (0.1, False),
    "gamma_spheres": (0.1, False),
    "scaling_energy": (0.1, False),
    "scaling_pressure": (0.1, False),
    "scaling_Z": (0.1, False),
    "theta_nets": (0.1, False),
    "gamma_nets": (0.1, False),
    "C0": (0.15, False),
    "N_star_over_P": (0.1, True),
    "msd_late_exponent": (0.1, False),
    "test_accuracy": (0.05, False),
    # max |Pi - H_x| at the largest tw, expected in [0, c], c = the exact finite-tw correction
    # max |Pi_exact - H_x| (trap_theory.aging_check): at finite tw Pi has not reached H_x yet, by
    # c exactly, so the distance beyond c allowed is only the Monte Carlo's noise, 2 binomial
    # standard errors of Pi (the finding's error); no further tolerance.
    "trap_model_scaling": (0.0, False),
}


def _numeric(v) -> bool:
    if isinstance(v, (tuple, list)):
        return len(v) == 2 and all(_numeric(u) for u in v)
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)


def judge(f: Finding):
    """(verdict, rule) of a finding against its expected value, or None where it has no numeric
    expected value or no stated tolerance (TOLERANCES)."""
    if f.key not in TOLERANCES or not _numeric(f.expected):
        return None
    tol, rel = TOLERANCES[f.key]
    return A.verdict(f.estimate, f.expected, tol, relative=rel)
