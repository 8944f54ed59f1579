"""The machinery every paper report shares (docs/design.md, section 5): claims, the points
to run, running them into cached records, and writing report.md and report.json.

A paper module (compare/reports/<paper>.py) provides

    PAPER, TITLE, SOURCE      its id, the paper in one line, where it was published
    SCALES                    {name: Scale}: what runs at each scale and how long it takes
    points(scale)             -> [Point]: the configs its claims need (one cached record each)
    claims(runs, scale)       -> [Claim]: each measured number beside the published one
    figures(runs, scale, dir) -> [(png path, caption)]
    stand_in(scale)           -> what data and sizes stood in for the paper's, in words

and `compare.reports.reproduce(paper, scale)` does the rest. Every number of a claim comes from
physics/analysis.py (directly or through compare.findings); every verdict from analysis.verdict,
with the tolerance written in the claim's note.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from compare.table import fmt
from physics import analysis as A

VERDICTS = A.VERDICTS
REPORT_KEYS = ("paper", "scale", "config", "elapsed_s", "claims")
CLAIM_KEYS = ("id", "claim", "measured", "error", "published", "verdict", "note")


# ----------------------------------------------------------------------------- what a paper declares

@dataclass(frozen=True)
class Scale:
    """One size of a reproduction: `expected` says how long it takes and where (for --help),
    `params` holds the paper module's own sizes, `hidden` keeps it out of --help (test sizes)."""
    name: str
    expected: str
    params: dict = field(default_factory=dict)
    hidden: bool = False


@dataclass(frozen=True)
class Point:
    """One run a paper needs: `name` is its label in the report, `system` and `config` make the
    record (compare.records.execute caches it by the config's hash)."""
    name: str
    system: str
    config: dict


@dataclass
class Claim:
    id: str
    claim: str                   # what the paper says, in words
    measured: float | None       # our number (None: not measured; the note says why)
    error: float | None
    published: str               # the paper's number, with where it comes from
    verdict: str                 # one of VERDICTS, from analysis.verdict
    note: str = ""               # how it was measured, the tolerance and the rule

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in CLAIM_KEYS}


def number(v) -> float | None:
    """A finite float, or None (JSON has no NaN)."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def claim_from(id: str, claim: str, estimate: A.Estimate, expected, published: str, tol: float,
               how: str, relative: bool = False, n_sigma: float = 2.0) -> Claim:
    """A claim judged by analysis.verdict(estimate, expected, tol): the note gets `how`, then the
    rule in numbers. A missing estimate gives measured = None and its reason in the note."""
    verdict, rule = A.verdict(estimate, expected, tol, relative=relative, n_sigma=n_sigma)
    measured = number(estimate.value) if estimate.ok else None
    note = how.rstrip(". ") + ". Verdict rule: " + rule + "."
    if measured is None:
        note = f"Not measured: {estimate.note or 'no estimate'}. " + note
    return Claim(id, claim, measured, number(estimate.error) if measured is not None else None,
                 published, verdict, note)


# ----------------------------------------------------------------------------- running the points

def run_points(points, records: str | Path = "runs", force: bool = False, progress=None,
               workers: int | None = 1, threads: int = 1, scheduler: str | None = None,
               echo=print) -> dict:
    """Run (or reuse from `records`) the record of every point: {name: Run}.

    The one "run these configs" step of every report: every config is validated first
    (ConfigError before anything runs), then the points go to the sweep engine
    (compare.sweeps.run_jobs, Dask) when `workers` > 1 or a `scheduler` is given, else one after
    the other in this process through compare.records.execute, with `threads` threads of Numba
    and torch (engine.limit_threads, as on a worker) (`progress(point)` may then return
    a progress callable, with an optional close(), for that point; on Dask `progress(None)` gives
    the one bar of points done). Either way a finished point is never run again unless `force`,
    and Ctrl-C keeps every finished record. A point that fails on Dask raises RuntimeError naming
    it, after the others have finished."""
    from compare.records import execute, load_run, run_path
    from compare.registry import system

    points = list(points)
    for p in points:
        system(p.system).validate(dict(p.config))
    if (workers is not None and workers > 1) or scheduler is not None:
        from compare.sweeps import Job, run_jobs
        jobs = [Job(p.system, dict(p.config), p.name) for p in points]
        bar = progress(None) if progress is not None else None
        try:
            outcome = run_jobs(jobs, records, workers=workers, threads=threads, scheduler=scheduler,
                               force=force, echo=echo, bar=bar)
        finally:
            if bar is not None and hasattr(bar, "close"):
                bar.close()
        failed = [points[i].name for i, s in enumerate(outcome.status) if s == "failed"]
        if failed:
            raise RuntimeError(f"point(s) {', '.join(failed)} failed: "
                               + "; ".join(outcome.errors.values()))
        return {p.name: load_run(run_path(records, p.system, p.config)) for p in points}
    from compare.sweeps.engine import limit_threads
    runs = {}
    for p in points:
        run = system(p.system).run      # imports the system's libraries (torch for nets) first,
        limit_threads(threads)          # so that their threads are limited too: oversubscribed torch
        bar = progress(p) if progress is not None else None    # threads slow it down many times
        try:
            runs[p.name] = execute(p.system, dict(p.config), run, out=records, force=force,
                                   progress=bar)
        finally:
            if bar is not None and hasattr(bar, "close"):
                bar.close()
    return runs


# ----------------------------------------------------------------------------- the report

def validate_report(report: dict) -> None:
    """Raise ValueError unless `report` has exactly the format of docs/design.md, section 5.2."""
    if not isinstance(report, dict) or tuple(sorted(report)) != tuple(sorted(REPORT_KEYS)):
        raise ValueError(f"report keys must be {REPORT_KEYS}, got {sorted(report) if isinstance(report, dict) else report}")
    if not isinstance(report["paper"], str) or not isinstance(report["scale"], str):
        raise ValueError("paper and scale must be strings")
    if not isinstance(report["config"], dict):
        raise ValueError("config must be an object")
    if not isinstance(report["elapsed_s"], (int, float)) or not report["elapsed_s"] >= 0:
        raise ValueError("elapsed_s must be a number >= 0")
    if not isinstance(report["claims"], list) or not report["claims"]:
        raise ValueError("claims must be a non-empty list")
    for c in report["claims"]:
        if not isinstance(c, dict) or tuple(sorted(c)) != tuple(sorted(CLAIM_KEYS)):
            raise ValueError(f"claim keys must be {CLAIM_KEYS}, got {sorted(c) if isinstance(c, dict) else c}")
        for k in ("id", "claim", "published", "note"):
            if not isinstance(c[k], str):
                raise ValueError(f"claim {c.get('id')}: {k} must be a string")
        for k in ("measured", "error"):
            v = c[k]
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
                raise ValueError(f"claim {c['id']}: {k} must be a finite number or null")
        if c["measured"] is None and not c["note"]:
            raise ValueError(f"claim {c['id']}: measured is null without a note saying why")
        if c["verdict"] not in VERDICTS:
            raise ValueError(f"claim {c['id']}: verdict {c['verdict']!r} not one of {VERDICTS}")


def _cell(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def records_table(points, runs: dict) -> list[str]:
    """Markdown rows: each point's record, status, compute time and the parameters that differ
    from the system's defaults."""
    from compare.registry import system

    rows = ["| point | system | record | status | compute time | parameters (non-default) |",
            "| --- | --- | --- | --- | --- | --- |"]
    for p in points:
        run = runs.get(p.name)
        try:
            default = system(p.system).default_config()
        except Exception:
            default = {}
        diff = ", ".join(f"{k} = {json.dumps(v)}" for k, v in p.config.items() if default.get(k, object()) != v)
        if run is None:
            rows.append(f"| {p.name} | {p.system} | (not run) | | | {_cell(diff)} |")
            continue
        el = float(run.attrs.get("elapsed_s", float("nan")))
        rows.append(f"| {p.name} | {p.system} | `{run.path}` | {run.status} | {el:.1f} s | {_cell(diff)} |")
    return rows


def write_report(folder: Path, module, scale: str, points, runs: dict, claims: list[Claim],
                 figures: list, elapsed_s: float, started: str) -> tuple[Path, Path]:
    """report.json (docs/design.md section 5.2 format, validated) and report.md in `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"scale": dict(module.SCALES[scale].params),
              "points": {p.name: {"system": p.system, "record": str(runs[p.name].path) if p.name in runs else None,
                                  "config": p.config} for p in points}}
    report = {"paper": module.PAPER, "scale": scale, "config": config, "elapsed_s": round(float(elapsed_s), 2),
              "claims": [c.as_dict() for c in claims]}
    validate_report(report)
    js = folder / "report.json"
    tmp = js.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, default=str) + "\n")
    tmp.replace(js)

    compute = sum(float(r.attrs.get("elapsed_s", 0.0)) for r in runs.values())
    md = [f"# Reproduction: {module.TITLE}", "",
          f"Paper id `{module.PAPER}` ({module.SOURCE}). Scale `{scale}` "
          f"({module.SCALES[scale].expected}). Written {started}; this call took {elapsed_s:.1f} s, "
          f"the records it used took {compute:.1f} s to compute (a second call reuses them).", "",
          "## Claims", "",
          "| id | claim | measured | published | verdict |", "| --- | --- | --- | --- | --- |"]
    for c in claims:
        meas = "not measured" if c.measured is None else fmt(c.measured, c.error)
        md.append(f"| `{c.id}` | {_cell(c.claim)} | {meas} | {_cell(c.published)} | **{c.verdict}** |")
    md += ["", "Every verdict comes from `physics.analysis.verdict` with the tolerance stated in the "
           "claim's note below (how it was chosen, from the data of this run); each note ends with the "
           "rule in numbers.", ""]
    for c in claims:
        md += [f"### `{c.id}`: {c.verdict}", "", c.note, ""]
    md += ["## Figures", ""]
    for path, caption in figures:
        md += [f"![{_cell(caption)}]({Path(path).name})", "", f"*{caption}*", ""]
    md += ["## What stood in for the paper", "", module.stand_in(scale), "",
           "## Configs and records", ""] + records_table(points, runs) + [
           "", "The full config of every point is in `report.json` (`config.points`). "
           "Records are HDF5 files (README, \"The run record\").", ""]
    mdp = folder / "report.md"
    mdp.write_text("\n".join(md))
    return mdp, js


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z")
