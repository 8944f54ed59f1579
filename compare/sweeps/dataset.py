"""A sweep's result as one xarray Dataset, saved as netCDF4 (HDF5 underneath, engine h5netcdf).

Dimensions: the swept keys in the order given, then `sample`, `tw`, `t` (and any axis of the
system's own data). Variables: every numeric dataset of the points' records (their labels and
units from compare.labels, through Run.to_xarray), the points' findings (`finding.<key>` and
`finding.<key>_error`, from compare.findings: the numbers `show` prints), and per point `record`
(its path), `status` and `elapsed_s`. Points are aligned on their coordinates: a point with fewer
samples or another time grid leaves NaN where it has no value, and so does a point without a
complete record (a partial sweep: the attribute `points_missing` says how many).

    ds = load_sweep("runs/sweep-0123456789ab.nc")
    ds["energy"].sel(T=0.4).mean("sample")
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from compare.sweeps.spec import Point, SweepSpec
from physics.schema import show

FINDING = "finding."
RECORD_DIMS = ("sample", "tw", "t")


def dim_of(key: str) -> str:
    """The Dataset dimension of a swept key: the key, or `sweep.<key>` where the key is also a
    dimension of the records (sweeping the waiting times `tw` gives the dimension `sweep.tw`,
    beside the records' own `tw`)."""
    return f"sweep.{key}" if key in RECORD_DIMS else key


def coord_values(values) -> list:
    """The coordinate of a swept key: the numbers themselves, or their text (lists, mixtures,
    words, none) where they are not all numbers."""
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
           for v in values):
        return list(values)
    return [show(v) for v in values]


def _findings_of(run) -> dict:
    """{finding.<key>: value, finding.<key>_error: error} of the numeric findings of a record."""
    from compare.findings import findings_or_reason
    found, _ = findings_or_reason(run)
    out = {}
    for f in found or ():
        if f.text or f.analytic:
            continue
        try:
            value, error = float(f.estimate.value), float(f.estimate.error)
        except (TypeError, ValueError):
            continue
        out[FINDING + f.key] = value
        if math.isfinite(error):
            out[FINDING + f.key + "_error"] = error
    return out


def point_dataset(run, coords: dict):
    """One point's record as a Dataset over the swept dimensions (length 1 each): numeric data
    only, every dimension with a coordinate (0, 1, ... where the record gives none), findings."""
    ds = run.to_xarray()
    ds = ds.drop_vars([v for v in ds.data_vars if ds[v].dtype.kind not in "biuf"])
    for dim, size in ds.sizes.items():
        if dim not in ds.coords:
            ds = ds.assign_coords({dim: np.arange(size)})
    for name, value in _findings_of(run).items():
        ds[name] = value
    ds["elapsed_s"] = float(run.attrs.get("elapsed_s", np.nan))
    ds.attrs = {}
    return ds.expand_dims({k: [v] for k, v in coords.items()})


def sweep_dataset(spec: SweepSpec, points: list[Point], out):
    """The Dataset of the sweep from the records in `out` (complete records only), over the whole
    grid; the attribute `points_missing` counts the points without a complete record."""
    import xarray as xr

    from compare.records import load_run, run_path, version_string
    grid = {dim_of(k): coord_values(v) for k, v in spec.over}
    index = {k: dict(zip(map(_key, v), grid[dim_of(k)])) for k, v in spec.over}
    pieces, records, statuses = [], [], []
    for p in points:
        path = run_path(out, spec.system, p.config)
        try:
            run = load_run(path)
            status = run.status
        except OSError:
            run, status = None, "missing"
        records.append(str(path))
        statuses.append(status)
        if run is not None and status == "complete":
            coords = {dim_of(k): index[k][_key(v)] for k, v in p.coords.items()}
            pieces.append(point_dataset(run, coords))
    ds = xr.merge(pieces, join="outer", compat="no_conflicts", combine_attrs="override") if pieces \
        else xr.Dataset()
    ds = ds.reindex({k: v for k, v in grid.items()}) if pieces else ds.assign_coords(grid)
    shape = spec.shape
    dims = tuple(dim_of(k) for k in spec.dims)
    ds["record"] = (dims, np.array(records, dtype=object).reshape(shape))
    ds["status"] = (dims, np.array(statuses, dtype=object).reshape(shape))
    for k, _ in spec.over:
        unit = spec.schema[k].unit
        if unit:
            ds[dim_of(k)].attrs["units"] = unit
    order = [*dims, "sample", "tw", "t"]
    ds = ds.transpose(*[d for d in order if d in ds.dims], ...)
    missing = sum(s != "complete" for s in statuses)
    ds.attrs = {"sweep": spec.to_json(), "sweep_hash": spec.hash, "system": spec.system,
                "protocol": spec.protocol or "", "points_total": len(points),
                "points_missing": missing, "partial": int(missing > 0),
                "records": json.dumps(records), "version": version_string()}
    return ds


def _key(v) -> str:
    return json.dumps(v, sort_keys=True, default=str)


def save_sweep(ds, path) -> Path:
    """Write `ds` to `path` (netCDF4 via h5netcdf) atomically: a temporary file, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    encoding = {v: {"dtype": str} for v in ("record", "status") if v in ds}
    try:
        ds.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def load_sweep(path):
    """The Dataset of a sweep file, loaded into memory (the file is closed again)."""
    import xarray as xr
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return ds.load()
