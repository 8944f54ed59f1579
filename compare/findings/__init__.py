"""From a record to its findings: the one table that a command prints at its end, that `show`
prints for any record, and that `compare` and the paper reports read (docs/design.md, section 5).

    for f in findings(run):
        f.key, f.quantity, f.estimate.value, f.estimate.error, f.expected, f.how, f.source
    judge(f)        -> (verdict, rule) from the tolerance stated for f.key (TOLERANCES), or None
    title(run)      -> the title of the record's table
    as_json(found)  -> {key: value, key_error: error, ...}

Every number comes from an estimator of physics/analysis.py; these modules only choose which
arrays of the record each estimator gets and what it is compared with (one module per system:
pspin (p-spin and CK), spheres, nets, trap, barriers). Keys are snake_case and the same in every printout and
in JSON.
"""
from __future__ import annotations

import math

import numpy as np

from compare.findings.base import TOLERANCES, Finding, analytic, config_value, judge, mean_sem, negated
from compare.findings.nets import nets_findings
from compare.findings.pspin import CK_SOURCE, beside_ck, mixture_of, pspin_findings
from compare.findings.spheres import spheres_findings
from compare.findings.barriers import barriers_findings
from compare.findings.trap import trap_findings
from compare.findings import nets as _nets, pspin as _pspin, spheres as _spheres, trap as _trap
from compare.findings import barriers as _barriers
from compare.findings import ellipses as _ellipses

__all__ = ["Finding", "TOLERANCES", "analytic", "as_json", "beside_ck", "config_value", "findings",
           "findings_or_reason",
           "judge", "mean_sem", "mixture_of", "negated", "pspin_findings", "title", "CK_SOURCE"]

FINDERS = {
    "pspin": (pspin_findings, _pspin.title),
    "ck": (pspin_findings, _pspin.title),
    "spheres": (spheres_findings, _spheres.title),
    "dnn": (nets_findings, _nets.title),
    "trap": (trap_findings, _trap.title),
    "barriers": (barriers_findings, _barriers.title),
    "ellipses": (_ellipses.ellipses_findings, _ellipses.title),
}


def findings(run) -> list[Finding]:
    """The findings of any record (empty when its system has none)."""
    fn = FINDERS.get(run.system)
    return fn[0](run) if fn is not None else []


def title(run) -> str:
    """The title of the record's findings table (what the system is, at which size)."""
    fn = FINDERS.get(run.system)
    return fn[1](run) if fn is not None else f"{run.system} record"


def as_json(found: list[Finding]) -> dict:
    """{key: value, key + "_error": error, ...} with NaN as None: what `show --json` prints.
    A finding that is a word (regime) gives {key: word}."""
    def num(v):
        if isinstance(v, (int, float, np.floating, np.integer)):
            v = float(v)
            return v if math.isfinite(v) else None
        return v
    out = {}
    for f in found:
        if f.text:
            out[f.key] = f.text
            continue
        out[f.key] = num(f.estimate.value)
        if math.isfinite(f.estimate.error):
            out[f.key + "_error"] = num(f.estimate.error)
        if f.estimate.bound:
            out[f.key + "_bound"] = f.estimate.bound
    return out


def findings_or_reason(run) -> tuple[list | None, str]:
    """(findings, "") of a record, or (None, one line naming the file and what is wrong) when its
    data cannot give them (a dataset missing or of the wrong shape or type)."""
    try:
        return findings(run), ""
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as e:
        what = e.args[0] if isinstance(e, KeyError) and e.args else e
        return None, f"{run.path}: its findings cannot be read ({type(e).__name__}: {what})"
