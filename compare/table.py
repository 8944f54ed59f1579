"""The one number formatter and the one findings table, for every printout: the commands' summaries,
`show`, `compare`'s terminal output and summary.md.

    fmt(0.63312, 0.0041)   -> "0.6331 ± 0.0041"
    finding_rows(found)    -> [(quantity, measured, expected, verdict, how), ...]
    text_table(head, rows) -> the lines of a plain-text table
"""
from __future__ import annotations

import math

HEAD = ("quantity", "measured", "expected", "verdict", "how")


def fmt(v, err=None) -> str:
    """A number as the tables show it: integers as such, 4 significant digits, scientific notation
    below 1e-3 and from 1e5 on; NaN as "-"; with `err` (finite) "v ± err" (2 digits); strings as
    they are, None as ""."""
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(fmt(u) for u in v) + "]"
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(v):
        return "-"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v.is_integer() and abs(v) < 1e6:
        s = str(int(v))
    elif v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        s = f"{v:.3e}"
    else:
        s = f"{v:.4g}"
    if err is not None:
        try:
            e = float(err)
        except (TypeError, ValueError):
            e = float("nan")
        if math.isfinite(e):
            s += f" ± {e:.2g}"
    return s


def measured_text(f) -> str:
    """The measured column of a finding: its text, "> bound", "value ± error", or "-" (why: in how)."""
    if getattr(f, "text", ""):
        return f.text
    est = f.estimate
    if est.bound:
        return f"{est.bound} {fmt(est.value)}"
    return fmt(est.value, est.error)


def finding_rows(found) -> list[tuple]:
    """(quantity, measured, expected, verdict, how) of each finding, as strings. A finding without
    a value says why in `how` (the estimator's note). An analytic value (computed from theory,
    findings.base.analytic) is in the expected column only: its measured cell is empty."""
    from compare.findings import judge

    rows = []
    for f in found:
        j = judge(f)
        how = f.how
        if not f.estimate.ok and not getattr(f, "text", "") and f.estimate.note and f.estimate.note not in how:
            how = f"{how} [{f.estimate.note}]" if how else f.estimate.note
        measured = "" if getattr(f, "analytic", False) else measured_text(f)
        rows.append((f.quantity, measured, fmt(f.expected), j[0] if j else "", how))
    return rows


def text_table(head, rows, indent: str = "  ") -> list[str]:
    """Plain-text columns (the last one left ragged), a dashed line under the head."""
    cells = [tuple(head)] + [tuple(str(c) for c in r) for r in rows]
    n = len(head)
    w = [max(len(c[j]) for c in cells) for j in range(n)]
    lines = []
    for k, c in enumerate(cells):
        lines.append(indent + "  ".join(c[j].ljust(w[j]) if j < n - 1 else c[j] for j in range(n)).rstrip())
        if k == 0:
            lines.append(indent + "  ".join("-" * w[j] for j in range(n)))
    return lines
