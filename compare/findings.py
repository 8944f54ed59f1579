"""From a record to its findings: the one table that a command prints at its end, that `show`
prints for any record, and that `compare` and the paper reports read (shared/DESIGN.md).

    for f in findings(run):
        f.key, f.quantity, f.estimate.value, f.estimate.error, f.expected, f.how, f.source

Every number comes from an estimator of physics/analysis.py; this module only chooses which
arrays of the record each estimator gets and what it is compared with. Keys are snake_case and
the same in every printout and in JSON (`as_json`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from physics import analysis as A
from physics import pspin_theory as theory


@dataclass
class Finding:
    key: str                      # snake_case, stable: the JSON key
    quantity: str                 # in words, for tables
    estimate: A.Estimate
    expected: object = None       # a number, a (lo, hi) range, a short text, or None
    how: str = ""                 # how it was measured (window, rule)
    source: str = ""              # of the expected value

    @property
    def value(self) -> float:
        return self.estimate.value

    @property
    def error(self) -> float:
        return self.estimate.error


def analytic(key: str, quantity: str, value: float, how: str = "analytic", source: str = "") -> Finding:
    """A number that is computed, not measured (T_d, ...): value = expected, no error."""
    return Finding(key, quantity, A.Estimate(float(value)), float(value), how, source)


def mean_sem(values) -> A.Estimate:
    """Mean over samples with its standard error (NaN error with one sample)."""
    a = np.asarray(values, float).ravel()
    a = a[np.isfinite(a)]
    if a.size == 0:
        return A.none("no finite value")
    err = float(a.std(ddof=1) / math.sqrt(a.size)) if a.size > 1 else float("nan")
    return A.Estimate(float(a.mean()), err, note=f"mean of {a.size} sample(s)")


def config_value(run, key, default=None):
    v = run.config.get(key, default)
    return default if v is None else v


# ----------------------------------------------------------------------------- p-spin and CK

CK_SOURCE = "Cugliandolo & Kurchan 1993; physics/pspin_theory"


def mixture_of(run) -> dict:
    """{p: w_p} of a p-spin or CK record (pure p -> {p: 1})."""
    return theory.as_mixture(int(config_value(run, "p", 3)), config_value(run, "mix"))


def pspin_findings(run) -> list[Finding]:
    """p-spin and CK records: the energy reached beside its asymptote, the plateau q_EA and the
    FDT slope x with its break point (below T_d), each by the one estimator of analysis."""
    mix, T = mixture_of(run), float(run.config["T"])
    th = theory.summary(T, mix)
    below = 0 < T < th["T_d"]
    t = np.asarray(run["t"], float)
    out = [analytic("T_d", "T_d (dynamical temperature)", th["T_d"], source=CK_SOURCE)]
    e = mean_sem(np.asarray(run["energy"], float)[:, -1])
    if T == 0:
        exp, what = th["e_th"], "threshold e_th (N = infinity; finite N stops above it)"
    elif below:
        exp, what = th["e_inf"], "e_inf(T), approached from above as t -> infinity"
    else:
        exp, what = th["e_inf"], "equilibrium -f(1)/T"
    out.append(Finding("e_final", "energy per spin e(t_max)", e, exp,
                       f"e at t = {t[-1]:.4g}, mean over samples; expected: {what}", CK_SOURCE))
    if below and "C" in run and "tw" in run and len(run["tw"]):
        tw = np.asarray(run["tw"], float)
        q = A.plateau_of(t, tw, run.mean("C"))
        out.append(Finding("plateau_q", "q_EA (plateau of C)", q, th["q_EA"],
                           "C at the flattest point of C(tw, tw + lag) against ln lag, largest tw "
                           "with a plateau (approaches q_EA from above as tw grows)", CK_SOURCE))
        if "chi" in run and "msd" in run:
            qq = q.value if q.ok else th["q_EA"]
            x = A.fdt_slope(run.mean("msd") / 2, T * run.mean("chi"), qq, tw=tw)
            out.append(Finding("fdt_slope_x", "x (FDT slope, aging part)", x, th["x"],
                               "per-tw least squares of T chi against Delta/2 beyond the plateau "
                               f"(q = {qq:.3g}{' measured' if q.ok else ' analytic'}), twin filter, "
                               "inverse-variance mean", CK_SOURCE))
            qb = A.Estimate(x.extra.get("q_break", float("nan")), x.extra.get("q_break_error", float("nan")),
                            note="where the aging line meets the FDT line") if x.ok else A.none(x.note)
            out.append(Finding("fdt_break_q", "FDT break point (-> q_EA)", qb, th["q_EA"],
                               "1 - a/(1 - x) of the aging line of the largest tw; error: change from the tw before",
                               CK_SOURCE))
    mu_name = f"{run.system}/mu"
    if mu_name in run:
        out.append(Finding("mu_final", "Lagrange multiplier mu(t_max)", mean_sem(np.asarray(run[mu_name])[:, -1]),
                           None, "T - sum_p p e_p (keeps |s|^2 = N)"))
    return out


# ----------------------------------------------------------------------------- dispatch

FINDERS = {
    "pspin": pspin_findings,
    "ck": pspin_findings,
}


def findings(run) -> list[Finding]:
    """The findings of any record (empty when its system has none yet)."""
    fn = FINDERS.get(run.system)
    return fn(run) if fn is not None else []


def as_json(found: list[Finding]) -> dict:
    """{key: value, key + "_error": error, ...} with NaN as None: what `show --json` prints."""
    def num(v):
        if isinstance(v, (int, float, np.floating, np.integer)):
            v = float(v)
            return v if math.isfinite(v) else None
        return v
    out = {}
    for f in found:
        out[f.key] = num(f.estimate.value)
        if math.isfinite(f.estimate.error):
            out[f.key + "_error"] = num(f.estimate.error)
        if f.estimate.bound:
            out[f.key + "_bound"] = f.estimate.bound
    return out
