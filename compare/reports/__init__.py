"""Paper reports: `python cli.py reproduce PAPER` runs what one paper's claims need, draws its
figures with our data and writes `<out>/<paper>/report.md` and `report.json` (docs/design.md, section 5.2).

    from compare.reports import PAPERS, reproduce
    result = reproduce("cugliandolo-kurchan-1993", scale="small", out="reports", records="runs")
    result.claims, result.markdown, result.json

Adding a paper is one module (compare/reports/<name>.py, interface in compare/reports/base.py)
and one entry in PAPERS.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from pathlib import Path

from compare.reports.base import Claim, Point, Scale, run_points, validate_report, write_report

__all__ = ["PAPERS", "Claim", "Point", "Scale", "Result", "load_paper", "reproduce", "run_points",
           "scales_of", "validate_report"]

PAPERS = {
    "cugliandolo-kurchan-1993": "compare.reports.cugliandolo_kurchan_1993",
    "kerr-winter-2024": "compare.reports.kerr_winter_2024",
    "geiger-2019": "compare.reports.geiger_2019",
    "baity-jesi-2018": "compare.reports.baity_jesi_2018",
}
"""Paper id -> module. The id is what `reproduce` takes and the folder of its report."""

DEFAULT_OUT = "reports"


def load_paper(paper: str):
    """The module of `paper` (ValueError naming the known papers)."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; known: {', '.join(PAPERS)}")
    return importlib.import_module(PAPERS[paper])


def scales_of(paper: str, hidden: bool = False) -> dict:
    """{name: Scale} of a paper, without the hidden (test) scales unless asked."""
    return {k: s for k, s in load_paper(paper).SCALES.items() if hidden or not s.hidden}


@dataclass
class Result:
    paper: str
    scale: str
    claims: list
    markdown: Path
    json: Path
    figures: list
    runs: dict
    elapsed_s: float


def reproduce(paper: str, scale: str = "small", out: str | Path = DEFAULT_OUT,
              records: str | Path = "runs", force: bool = False, progress=None, workers: int | None = 1,
              threads: int = 1, scheduler: str | None = None, echo=print) -> Result:
    """Run (or reuse) the records of `paper` at `scale`, judge its claims, draw its figures and
    write the report to <out>/<paper>/. ValueError for an unknown paper or scale; ConfigError
    (physics.config) when a config of the scale does not fit this machine (before any run);
    KeyboardInterrupt passes through with every finished record kept. `workers` > 1 or a
    `scheduler` runs the points on Dask (base.run_points)."""
    from compare.reports.base import now

    module = load_paper(paper)
    if scale not in module.SCALES:
        raise ValueError(f"unknown scale {scale!r} for {paper}; known: {', '.join(module.SCALES)}")
    started, t0 = now(), time.time()
    points = module.points(scale)
    runs = run_points(points, records=records, force=force, progress=progress, workers=workers,
                      threads=threads, scheduler=scheduler, echo=echo)
    folder = Path(out) / paper
    figures = module.figures(runs, scale, folder)
    claims = module.claims(runs, scale)
    elapsed = time.time() - t0
    md, js = write_report(folder, module, scale, points, runs, claims, figures, elapsed, started)
    return Result(paper, scale, claims, md, js, figures, runs, elapsed)
