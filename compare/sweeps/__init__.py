"""Sweeps: a family of runs of one system on Dask, resumable, with one labelled result.

    from compare.sweeps import parse_spec, sweep, load_sweep
    spec = parse_spec("pspin", None, ["N=64", "tmax=5"], ["T=0.4,0.8", "seed=0,1"])
    result = sweep(spec, out="runs", workers=2)      # the records, then runs/sweep-<hash>.nc
    ds = load_sweep(result.path)                     # dims T, seed, sample, tw, t

spec.py says what a sweep is and checks it, engine.py runs the points on dask.distributed,
dataset.py gathers their records into one xarray Dataset. `python cli.py sweep` is the command.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from compare.sweeps.dataset import load_sweep, save_sweep, sweep_dataset
from compare.sweeps.engine import Job, Outcome, SweepRefused, SweepStopped, jobs_of, run_jobs
from compare.sweeps.spec import Point, SpecError, SweepSpec, build_spec, parse_spec

__all__ = ["Job", "Outcome", "jobs_of", "run_jobs", "Point", "SpecError", "SweepRefused", "SweepResult", "SweepSpec", "SweepStopped",
           "build_spec", "load_sweep", "parse_spec", "save_sweep", "sweep", "sweep_dataset", "write_dataset"]


@dataclass
class SweepResult:
    spec: SweepSpec
    points: list
    outcome: Outcome
    path: Path | None          # the Dataset file (None when no point has a record yet)
    missing: int               # points without a complete record in the Dataset


def write_dataset(spec: SweepSpec, points, out) -> tuple[Path | None, int]:
    """Gather the records of the points into <out>/sweep-<hash>.nc: (path, points missing)."""
    ds = sweep_dataset(spec, points, out)
    missing = int(ds.attrs["points_missing"])
    if missing == len(points):
        return None, missing
    return save_sweep(ds, spec.dataset_path(out)), missing


def sweep(spec: SweepSpec, out="runs", *, workers=None, threads=1, scheduler=None, force=False,
          restart=False, echo=print, bar=None) -> SweepResult:
    """Validate every point, run those without a complete record on Dask, write the Dataset.
    On Ctrl-C the Dataset of what is finished is written, then KeyboardInterrupt is re-raised
    with the SweepResult as its `result`."""
    points = spec.points()
    try:
        outcome = run_jobs(jobs_of(spec, points), out, workers=workers, threads=threads, scheduler=scheduler,
                             force=force, restart=restart, echo=echo, bar=bar)
    except KeyboardInterrupt as stop:
        path, missing = write_dataset(spec, points, out)
        stop.result = SweepResult(spec, points, getattr(stop, "outcome", None), path, missing)
        raise
    path, missing = write_dataset(spec, points, out)
    return SweepResult(spec, points, outcome, path, missing)
