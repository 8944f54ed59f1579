"""The run record (shared/DESIGN.md): one HDF5 file per run, named by the hash of its config.

    with RunWriter(out, "pspin", config) as rec:      # rec is the sink the run function fills
        physics.pspin.run(config, rec)
    run = load_run(rec.path)
    run.mean("C"), run.sem("C")

Writes are atomic (a temporary file in the same folder, then os.replace) and happen at most
every `flush_every` seconds while the run goes on, and always at the end. An exception or Ctrl-C
inside the `with` leaves a record whose status is "interrupted", holding everything measured.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np

from physics.observables import Recording

DEFAULT_OUT = "runs"
SYSTEMS = ("pspin", "ck", "spheres", "dnn")


def _jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.ndarray, tuple)):
        return [_jsonable(u) for u in list(v)]
    if isinstance(v, list):
        return [_jsonable(u) for u in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(u) for k, u in v.items()}
    return v


def config_json(config: dict) -> str:
    """Canonical JSON of a config (sorted keys): what is hashed and stored."""
    return json.dumps(_jsonable(config), sort_keys=True, separators=(",", ":"))


def config_hash(system: str, config: dict) -> str:
    """12 hex digits identifying (system, config)."""
    return hashlib.sha256((system + ":" + config_json(config)).encode()).hexdigest()[:12]


def run_path(out: str | os.PathLike, system: str, config: dict) -> Path:
    return Path(out) / f"{system}-{config_hash(system, config)}.h5"


def version_string() -> str:
    try:
        from importlib.metadata import version
        v = version("glassbench")
    except Exception:  # not installed: running from a checkout
        v = "0+unknown"
    try:
        here = Path(__file__).resolve().parent.parent
        commit = subprocess.run(["git", "-C", str(here), "rev-parse", "--short=12", "HEAD"],
                                capture_output=True, text=True, timeout=5).stdout.strip()
    except Exception:
        commit = ""
    return f"{v} ({commit})" if commit else v


class RunWriter(Recording):
    """A Recording that persists itself as the HDF5 run record at `path`."""

    def __init__(self, out: str | os.PathLike, system: str, config: dict,
                 flush_every: float = 5.0, path: str | os.PathLike | None = None):
        super().__init__()
        if system not in SYSTEMS:
            raise ValueError(f"unknown system {system!r}; one of {SYSTEMS}")
        self.system = system
        self.config = dict(config)
        self.path = Path(path) if path is not None else run_path(out, system, config)
        self.flush_every = flush_every
        self._t0 = time.time()
        self._last = 0.0
        self.created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")

    # -- context manager: status "interrupted" on any exception, saved either way
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            if self.status != "complete":
                self.finish("complete")
        elif self.status != "new":  # nothing begun (e.g. a ConfigError): no file
            self.status = "interrupted"
            self.flush()
        return False

    def _changed(self) -> None:
        if self.status in ("complete", "interrupted") or time.time() - self._last > self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Write the whole record to a temporary file and rename it over the record."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with h5py.File(tmp, "w") as f:
            f.attrs["system"] = self.system
            f.attrs["config"] = config_json(self.config)
            f.attrs["version"] = version_string()
            f.attrs["status"] = self.status if self.status in ("complete", "interrupted") else "interrupted"
            f.attrs["created"] = self.created
            f.attrs["elapsed_s"] = time.time() - self._t0
            for name, arr in self.data.items():
                arr = np.asarray(arr)
                if arr.dtype.kind in "US":
                    f.create_dataset(name, data=arr.astype("S"))
                elif arr.dtype == object:
                    f.create_dataset(name, data=json.dumps(_jsonable(arr.tolist())))
                else:
                    f.create_dataset(name, data=arr, compression="gzip" if arr.size > 4096 else None)
        os.replace(tmp, self.path)
        self._last = time.time()


class Run:
    """A loaded run record: `.system`, `.config`, `.status`, `.attrs`, `run[name]`, `.mean`, `.sem`."""

    def __init__(self, path: Path, attrs: dict, data: dict):
        self.path = Path(path)
        self.attrs = attrs
        self.data = data
        self.system = attrs["system"]
        self.config = json.loads(attrs["config"])
        self.status = attrs["status"]

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.data[name]
        except KeyError:
            raise KeyError(f"{name!r} is not in {self.path.name} (it has: {', '.join(sorted(self.data))})") from None

    def __contains__(self, name: str) -> bool:
        return name in self.data

    @property
    def names(self) -> list[str]:
        return sorted(self.data)

    def mean(self, name: str) -> np.ndarray:
        """Mean over samples (axis 0), ignoring NaN."""
        a = self[name]
        with np.errstate(all="ignore"):
            cnt = np.sum(np.isfinite(a), axis=0)
            return np.where(cnt > 0, np.nansum(a, axis=0) / np.maximum(cnt, 1), np.nan)

    def sem(self, name: str) -> np.ndarray:
        """Standard error of the mean over samples (NaN with fewer than 2 samples)."""
        a = self[name]
        with np.errstate(all="ignore"):
            cnt = np.sum(np.isfinite(a), axis=0)
            m = self.mean(name)
            var = np.nansum((a - m) ** 2, axis=0) / np.maximum(cnt - 1, 1)
            return np.where(cnt > 1, np.sqrt(var / np.maximum(cnt, 1)), np.nan)

    def __repr__(self):
        return f"Run({self.system}, {self.status}, {self.path})"


def load_run(path: str | os.PathLike) -> Run:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no run record at {path}")
    data = {}
    with h5py.File(path, "r") as f:
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                v = obj[()]
                if isinstance(v, bytes):
                    v = v.decode()
                elif isinstance(v, np.ndarray) and v.dtype.kind == "S":
                    v = v.astype(str)
                data[name] = v
        f.visititems(visit)
    return Run(path, attrs, data)


def find_runs(out: str | os.PathLike = DEFAULT_OUT, system: str | None = None,
              complete_only: bool = True) -> list[Run]:
    """All run records in `out` (optionally of one system), newest first."""
    runs = []
    for p in sorted(Path(out).glob(f"{system or '*'}-*.h5"), key=lambda p: -p.stat().st_mtime):
        try:
            r = load_run(p)
        except (OSError, KeyError):
            continue
        if not complete_only or r.status == "complete":
            runs.append(r)
    return runs


def cached_run(out: str | os.PathLike, system: str, config: dict) -> Run | None:
    """The complete record of exactly this config, if it exists."""
    p = run_path(out, system, config)
    if p.exists():
        try:
            r = load_run(p)
        except OSError:
            return None
        if r.status == "complete":
            return r
    return None


def execute(system: str, config: dict, run_fn, out: str | os.PathLike = DEFAULT_OUT,
            force: bool = False, progress=None) -> Run:
    """Run `run_fn(config, sink, progress=progress)` into its record, or return the cached record.

    The one place where runs are made and saved: used by the command line and by `compare`.
    """
    if not force:
        r = cached_run(out, system, config)
        if r is not None:
            return r
    with RunWriter(out, system, config) as rec:
        run_fn(config, rec, progress=progress)
    return load_run(rec.path)
