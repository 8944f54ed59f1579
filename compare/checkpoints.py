"""The checkpoint of an interrupted run inside its record: a group `checkpoint/` (arrays as
datasets, small values as JSON) and the attribute `checkpoint_k`, written by compare.records in the
same atomic flush as the data, so that state and data always match (docs/design.md, section 3)."""
from __future__ import annotations

import json
import os

import h5py
import numpy as np


def jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.ndarray, tuple)):
        return [jsonable(u) for u in list(v)]
    if isinstance(v, list):
        return [jsonable(u) for u in v]
    if isinstance(v, dict):
        return {str(k): jsonable(u) for k, u in v.items()}
    return v


CHECKPOINT = "checkpoint"


def _flatten(state: dict, prefix: str = "", arrays=None, values=None):
    """Nested dict -> ({"a/b": array}, {"a/b": JSON-able}); empty dicts are kept as values."""
    arrays = {} if arrays is None else arrays
    values = {} if values is None else values
    for key, v in state.items():
        key = str(key)
        if not key or "/" in key:
            raise ValueError(f"checkpoint key {key!r}: a non-empty name without '/'")
        name = prefix + key
        if isinstance(v, dict) and v:
            _flatten(v, name + "/", arrays, values)
        elif isinstance(v, np.ndarray):
            arrays[name] = v
        else:
            values[name] = jsonable(v)
    return arrays, values


def _nest(flat: dict) -> dict:
    out: dict = {}
    for name, v in flat.items():
        parts = name.split("/")
        d = out
        for p in parts[:-1]:
            d = d.setdefault(p, {})
        d[parts[-1]] = v
    return out


def write_checkpoint(f: h5py.File, k: int, state: dict) -> None:
    arrays, values = _flatten(state)
    g = f.create_group(CHECKPOINT)
    for name, a in arrays.items():
        g.create_dataset(name, data=a)          # uncompressed: exact and fast
    g.attrs["values"] = json.dumps(values)
    f.attrs["checkpoint_k"] = int(k)


def load_checkpoint(path: str | os.PathLike):
    """(k, state) of the record at `path`, or None when it has no checkpoint."""
    with h5py.File(path, "r") as f:
        if "checkpoint_k" not in f.attrs or CHECKPOINT not in f:
            return None
        g = f[CHECKPOINT]
        flat = dict(json.loads(g.attrs["values"]))

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                flat[name] = obj[()]
        g.visititems(visit)
        return int(f.attrs["checkpoint_k"]), _nest(flat)
