"""The one-page summary of `compare`: each role's findings (compare.findings, the same table its
command and `show` print) with a verdict where a published or analytic value is known, the
figures, and the records used. Written as summary.md, summary.html and summary.json
({role: {key: value, key_error: error, ...}}, as `show --json` gives each record's findings).
"""
from __future__ import annotations

import datetime as _dt
import html
import json
from pathlib import Path

from compare.figures import TITLES
from compare.findings import TOLERANCES, as_json, beside_ck, findings, title
from compare.roles import ORDER, ROLES
from compare.table import finding_rows

HEAD = ("quantity", "measured", "published / analytic", "verdict", "how measured", "source")


def role_findings(roles: dict) -> dict:
    """{role: [Finding]} of every role with a record. The p-spin's table also holds the CK record
    beside it at the same times (its energy at the p-spin's t_max, the finite-N difference, CK's
    plateau at the same tw), right after its own energy."""
    out = {}
    for role in ORDER:
        run = roles.get(role)
        if run is None:
            continue
        found = findings(run)
        if role == "pspin" and roles.get("ck") is not None:
            extra = beside_ck(run, roles["ck"])     # each right after the p-spin's own row
            for key, keys in (("e_final", ("e_ck_at_tmax", "e_finite_n")), ("plateau_q", ("plateau_q_ck_same_tw",))):
                k = next((i + 1 for i, g in enumerate(found) if g.key == key), len(found))
                found[k:k] = [f for f in extra if f.key in keys]
        out[role] = found
    return out


def interrupted(run) -> str:
    """" (interrupted record)" for a record that did not complete, else "": compare draws such a
    record when it is given one, and says so in every heading, legend and list."""
    return "" if run is None or getattr(run, "status", "complete") == "complete" else " (interrupted record)"


def summary_json(by_role: dict) -> dict:
    """{role: as_json(findings)}: what summary.json holds."""
    return {role: as_json(found) for role, found in by_role.items()}


def table_rows(by_role: dict) -> list[tuple]:
    """(role, quantity, measured, expected, verdict, how, source) of every finding, as strings."""
    rows = []
    for role, found in by_role.items():
        for f, (q, m, e, v, how) in zip(found, finding_rows(found)):
            rows.append((role, q, m, e, v, how, f.source))
    return rows


def write_summary(roles: dict, figure_paths: dict, out, messages=(), html_too: bool = True,
                  html: bool | None = None) -> Path:
    """Write `out/summary.md`, `out/summary.json` (and `summary.html`); returns the Markdown path."""
    if html is not None:
        html_too = html
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    by_role = role_findings(roles)
    rows = table_rows(by_role)
    now = _dt.datetime.now().isoformat(timespec="seconds")
    md = ["# glassbench: every system on shared axes", "",
          f"Made by `python cli.py compare` on {now}. Definitions and published values: docs/science.md; "
          "every number by the one estimator of physics/analysis.py (the same table `python cli.py show "
          "RECORD` prints).", "", "## Findings beside published or analytic values", ""]
    for role in by_role:
        md += [f"### {role}: {title(roles[role])}{interrupted(roles[role])}", "",
               "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
        md += ["| " + " | ".join(str(c).replace("|", "/") for c in r[1:]) + " |" for r in rows if r[0] == role]
        md.append("")
    if not by_role:
        md += ["(no records)", ""]
    md += ["Verdicts: reproduced within tolerance + 2 errors, partly within three times that "
           "(physics/analysis.verdict). Tolerances: "
           + ", ".join(f"{k} {t:g}{' (relative)' if rel else ''}" for k, (t, rel) in TOLERANCES.items()) + ".",
           "", "## Figures", ""]
    for name, p in figure_paths.items():
        p = Path(p)
        md += [f"### {TITLES.get(name, name)}", "",
               f"![{name}]({p.name})", "", f"[PNG]({p.name}) · [PDF]({p.with_suffix('.pdf').name})", ""]
    md += ["## Records used", ""]
    for role, r in roles.items():
        if r is not None:
            md.append(f"- {ROLES[role].what if role in ROLES else role}{interrupted(r)}: `{r.path}` "
                      f"(config: `{_short_config(r.config)}`)")
    if messages:
        md += ["", "## Missing", ""] + [f"- {m}" for m in messages]
    path = out / "summary.md"
    path.write_text("\n".join(md) + "\n")
    (out / "summary.json").write_text(json.dumps(summary_json(by_role), indent=1) + "\n")
    if html_too:
        (out / "summary.html").write_text(_html_page(rows, figure_paths, roles, messages, now))
    return path


def _short_config(cfg: dict) -> str:
    keep = {k: v for k, v in cfg.items() if not isinstance(v, (list, dict)) or len(str(v)) < 40}
    s = ", ".join(f"{k}={v}" for k, v in sorted(keep.items()))
    return s if len(s) < 300 else s[:297] + "..."


def _html_page(rows, figure_paths, roles, messages, now) -> str:
    e = html.escape
    h = ["<!doctype html><html><head><meta charset='utf-8'><title>glassbench compare</title>",
         "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;"
         "font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}img{max-width:100%}</style></head><body>",
         "<h1>glassbench: every system on shared axes</h1>",
         f"<p>Made by <code>python cli.py compare</code> on {e(now)}.</p>",
         "<h2>Findings beside published or analytic values</h2><table><tr>"
         + "".join(f"<th>{e(c)}</th>" for c in ("role",) + HEAD) + "</tr>"]
    for row in rows:
        h.append("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>")
    h.append("</table><h2>Figures</h2>")
    for name, p in figure_paths.items():
        p = Path(p)
        h.append(f"<h3>{e(TITLES.get(name, name))}</h3><img src='{e(p.name)}' alt='{e(name)}'>"
                 f"<p><a href='{e(p.with_suffix('.pdf').name)}'>PDF</a></p>")
    h.append("<h2>Records used</h2><ul>")
    for role, r in roles.items():
        if r is not None:
            h.append(f"<li>{e(ROLES[role].what if role in ROLES else role)}{e(interrupted(r))}: "
                     f"<code>{e(str(r.path))}</code></li>")
    h.append("</ul>")
    if messages:
        h.append("<h2>Missing</h2><ul>" + "".join(f"<li>{e(m)}</li>" for m in messages) + "</ul>")
    h.append("</body></html>")
    return "\n".join(h)
