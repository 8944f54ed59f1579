"""The run record (docs/design.md, section 3): one HDF5 file per run, named by the hash of its config.

    with RunWriter(out, "pspin", config) as rec:      # rec is the sink the run function fills
        physics.pspin.run(config, rec)
    run = load_run(rec.path)
    run.mean("C"), run.sem("C")

Writes are atomic (a temporary file in the same folder, then os.replace) and happen at most
every `flush_every` seconds while the run goes on, and always at the end. An exception or Ctrl-C
inside the `with` leaves a record whose status is "interrupted", holding everything measured.
The last write (complete, or interrupted on leaving the `with`) also labels the record: dimension
scales sample, tw, t and units (compare.labels), so that xarray and netCDF tools read it labelled;
the frequent mid-run writes skip the labels, which would add about half to their cost.

Checkpoints. A run function offers its dynamical state after each measurement
(physics.observables.checkpoint); the writer takes it at once the first time, then when a flush is
due, and writes it in the same atomic write as the data: a group `checkpoint/` (arrays as
datasets, small values as the JSON attribute `values`) and the attribute `checkpoint_k`, the index
of the measurement it follows. A complete record drops it. A new writer at the name of an
interrupted record of the same config that has a checkpoint (and `resume` not turned off) loads
the record's data and hands the state to the run function (Recording.resume_state), which
continues from it: the finished record is the same, bit for bit, as an uninterrupted run's.

A complete record is never overwritten by a run that has not completed: a rerun of its config
(`--force`) writes beside it, to `<name>.rerun.h5`, and replaces it only when it completes; an
interrupted rerun stays there, clearly named, beside the untouched complete record. A file at a
record's name that is not a readable record (foreign, empty, truncated, missing its attributes or
data) is moved aside to `<name>.corrupt-<time>` with a message, and the run proceeds.
"""
from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np

from compare.checkpoints import CHECKPOINT, jsonable, load_checkpoint, write_checkpoint  # noqa: F401
from compare.labels import is_label, run_dataset, write_labels   # xarray: imported on use
from compare.registry import SYSTEMS
from physics.observables import Recording

DEFAULT_OUT = "runs"
REQUIRED_ATTRS = ("system", "config", "status")
REQUIRED_DATA = ("t", "tw")          # every sink's begin() writes them
REQUIRED_BY_KIND = {                 # (system, protocol) -> what a complete record of it always has
    ("pspin", None): ("energy",), ("ck", None): ("energy",),
    ("spheres", "jam"): ("spheres/phi_J",), ("spheres", "age"): ("energy",),
    ("dnn", "langevin"): ("energy",), ("dnn", "jamming"): ("dnn/N_delta_final",),
    ("barriers", "pspin"): ("barriers/linear_energy",), ("barriers", "dnn"): ("barriers/linear_energy",),
}


class RecordError(OSError):
    """A file that is not a readable run record; the message names the file and what is wrong."""


def config_json(config: dict) -> str:
    """Canonical JSON of a config (sorted keys): what is hashed and stored."""
    return json.dumps(jsonable(config), sort_keys=True, separators=(",", ":"))


def config_hash(system: str, config: dict) -> str:
    """12 hex digits identifying (system, config)."""
    return hashlib.sha256((system + ":" + config_json(config)).encode()).hexdigest()[:12]


def run_path(out: str | os.PathLike, system: str, config: dict) -> Path:
    return Path(out) / f"{system}-{config_hash(system, config)}.h5"


@functools.lru_cache(maxsize=None)
def version_string() -> str:
    """The package version and the git commit of the running code (looked up once a process)."""
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
    """A Recording that persists itself as the HDF5 run record at `path`.

    Flushes (whole-file atomic rewrites) happen at most every `flush_every` seconds, and never
    more often than needed to keep their cost under about 2 % of the run (a flush that takes
    t seconds waits at least 50 t for the next). With `resume` (the default), an interrupted
    record of the same config with a checkpoint is continued (see the module's docstring);
    `echo` receives the one line that says so."""

    SHARE = 50.0   # the next flush waits at least SHARE times the duration of the last

    def __init__(self, out: str | os.PathLike, system: str, config: dict,
                 flush_every: float = 5.0, path: str | os.PathLike | None = None,
                 resume: bool = True, echo=None):
        super().__init__()
        if system not in SYSTEMS:
            raise ValueError(f"unknown system {system!r}; one of {SYSTEMS}")
        self.system = system
        self.config = dict(config)
        self.path = Path(path) if path is not None else run_path(out, system, config)
        # never overwrite a complete record before this run completes: write beside it
        self.final_path = self.path
        if _is_complete_record(self.path):
            self.path = self.path.with_name(self.path.stem + ".rerun.h5")
        self.flush_every = flush_every
        self._t0 = time.time()
        self._last = 0.0
        self._interval = float(flush_every)
        self._ckpt = None              # (k, state) written with every flush until the run completes
        self._checkpointing = False    # the run offers checkpoints: only they flush (data + state)
        self._elapsed_before = 0.0
        self.created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.resumed = None            # the line saying where a resumed run continues from
        if resume:
            self._load_checkpoint(echo)

    def _load_checkpoint(self, echo) -> None:
        """Continue the interrupted record at self.path if it is this config's and has a checkpoint."""
        if not self.path.exists():
            return
        try:
            run = load_run(self.path)
            if (run.status != "interrupted" or run.system != self.system
                    or config_json(run.config) != config_json(self.config)):
                return
            ck = load_checkpoint(self.path)
        except (OSError, KeyError, ValueError, TypeError):
            return
        if ck is None:
            return
        written_by, running = str(run.attrs.get("version", "")), version_string()
        if written_by != running:
            if echo is not None:
                echo(f"not resuming {self.path}: its checkpoint was written by version {written_by}, "
                     f"this is {running}; starting from t = 0")
            return
        k, state = ck
        self.data = {name: np.array(v) for name, v in run.data.items()}
        self._resume = self._ckpt = (k, state)
        self.created = str(run.attrs.get("created", self.created))
        try:
            self._elapsed_before = float(run.attrs.get("elapsed_s", 0.0))
        except (TypeError, ValueError):
            self._elapsed_before = 0.0
        where = state.get("where") if isinstance(state.get("where"), str) else None
        if where is None:
            t = self.data.get("t")
            where = (f"t = {float(t[k]):g}" if t is not None and np.ndim(t) == 1 and 0 <= k < len(t)
                     else f"measurement {k + 1}")
        self.resumed = f"resuming {self.path} from {where}"
        if echo is not None:
            echo(self.resumed)

    def checkpoint(self, k: int, state_fn) -> None:
        """Take the state after measurement k (state_fn()) and flush it with the data, the first
        time at once, then when a flush is due; otherwise do nothing (state_fn is not called)."""
        first = not self._checkpointing
        self._checkpointing = True
        if first or self._due():
            self._ckpt = (int(k), state_fn())
            self.flush()

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

    def _due(self) -> bool:
        return time.time() - self._last >= self._interval

    def _changed(self) -> None:
        if self.status in ("complete", "interrupted") or (not self._checkpointing and self._due()):
            self.flush()

    def flush(self) -> None:
        """Write the whole record (and the checkpoint, until the run completes) to a temporary
        file and rename it over the record."""
        t_start = time.time()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        complete = self.status == "complete"
        final = self.status in ("complete", "interrupted")   # the record as it stays: labelled
        with h5py.File(tmp, "w") as f:
            f.attrs["system"] = self.system
            f.attrs["config"] = config_json(self.config)
            f.attrs["version"] = version_string()
            f.attrs["status"] = self.status if self.status in ("complete", "interrupted") else "interrupted"
            f.attrs["created"] = self.created
            f.attrs["elapsed_s"] = self._elapsed_before + time.time() - self._t0
            for name, value in self.attrs.items():      # sink.meta: timing and host data
                if name not in f.attrs:
                    f.attrs[name] = value
            if self._ckpt is not None and not complete:
                write_checkpoint(f, *self._ckpt)
            written = {}
            for name, arr in self.data.items():
                arr = np.asarray(arr)
                if arr.dtype.kind in "US":
                    written[name] = f.create_dataset(name, data=arr.astype("S"))
                elif arr.dtype == object:
                    written[name] = f.create_dataset(name, data=json.dumps(jsonable(arr.tolist())))
                else:
                    gz = "gzip" if arr.size > 4096 else None
                    written[name] = f.create_dataset(name, data=arr, compression=gz)
            if final:      # dimension scales and units (compare.labels); mid-run flushes skip them
                write_labels(f, written, self.system, self.config,
                             self.n_samples or self.config.get("samples"))
        os.replace(tmp, self.path)
        if complete and self.path != self.final_path:
            os.replace(self.path, self.final_path)     # the rerun completed: it replaces the old record
            self.path = self.final_path
        self._last = time.time()
        if self.flush_every > 0:
            self._interval = max(float(self.flush_every), self.SHARE * (self._last - t_start))


class Run:
    """A loaded run record: `.system`, `.config`, `.status`, `.attrs`, `run[name]`, `.mean`, `.sem`,
    `.to_xarray()`."""

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

    def to_xarray(self):
        """The record as an xarray.Dataset with dims sample, tw, t and units (compare.labels)."""
        return run_dataset(self)

    def __repr__(self):
        return f"Run({self.system}, {self.status}, {self.path})"


def load_run(path: str | os.PathLike) -> Run:
    """The record at `path`; FileNotFoundError when there is none, RecordError (one line naming
    the file and what is wrong) when the file is not a readable run record."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no run record at {path}")
    data = {}
    try:
        with h5py.File(path, "r") as f:
            attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f.attrs.items()}

            def visit(name, obj):
                if name == CHECKPOINT or name.startswith(CHECKPOINT + "/"):
                    return              # the state of an interrupted run, not data (load_checkpoint)
                if isinstance(obj, h5py.Dataset) and not is_label(name, obj):
                    v = obj[()]
                    if isinstance(v, bytes):
                        v = v.decode()
                    elif isinstance(v, np.ndarray) and v.dtype.kind == "S":
                        v = v.astype(str)
                    data[name] = v
            f.visititems(visit)
    except (OSError, KeyError, ValueError, RuntimeError) as e:
        raise RecordError(f"{path} is not a readable HDF5 file ({type(e).__name__}: {e})") from None
    missing = [k for k in REQUIRED_ATTRS if k not in attrs]
    if missing:
        raise RecordError(f"{path} is not a run record: attribute(s) {', '.join(missing)} missing")
    try:
        config = json.loads(attrs["config"])
    except (TypeError, ValueError):
        raise RecordError(f"{path} is not a run record: its config attribute is not JSON") from None
    if not isinstance(config, dict):
        raise RecordError(f"{path} is not a run record: its config attribute is not a JSON object")
    if attrs["status"] == "complete":
        kind = (attrs["system"], config.get("protocol", "langevin" if attrs["system"] == "dnn" else None))
        lost = [k for k in REQUIRED_DATA + REQUIRED_BY_KIND.get(kind, ()) if k not in data]
        if lost:
            raise RecordError(f"{path} is marked complete but lacks the dataset(s) {', '.join(lost)}")
    return Run(path, attrs, data)


def _is_complete_record(path: Path) -> bool:
    try:
        return path.exists() and load_run(path).status == "complete"
    except OSError:
        return False


def set_aside(path: Path, reason: str, echo=None) -> Path:
    """Move a broken file at a record's name out of the way: `<name>.corrupt-<time>`."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    dest = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, dest)
    msg = f"moved aside {path} -> {dest.name}: {reason}"
    (echo or (lambda m: print(m, file=sys.stderr)))(msg)
    return dest


def find_runs(out: str | os.PathLike = DEFAULT_OUT, system: str | None = None,
              complete_only: bool = True, skipped: list | None = None) -> list[Run]:
    """All run records in `out` (optionally of one system), newest first. Files passed over
    (unreadable, or not complete when complete_only) are appended to `skipped` as (path, why)."""
    runs = []
    for p in sorted(Path(out).glob(f"{system or '*'}-*.h5"), key=lambda p: -p.stat().st_mtime):
        try:
            r = load_run(p)
        except OSError as e:
            if skipped is not None:
                skipped.append((p, str(e)))
            continue
        if not complete_only or r.status == "complete":
            runs.append(r)
        elif skipped is not None:
            skipped.append((p, f"status {r.status!r}"))
    return runs


def cached_run(out: str | os.PathLike, system: str, config: dict, echo=None) -> Run | None:
    """The complete record of exactly this config, if it exists. A file at its name that is not
    a readable record of this system is set aside (set_aside), so that the run can proceed."""
    p = run_path(out, system, config)
    if not p.exists():
        return None
    try:
        r = load_run(p)
    except RecordError as e:
        set_aside(p, str(e).replace(f"{p} ", "", 1), echo)
        return None
    if r.system != system:
        set_aside(p, f"a record of system {r.system!r}, not {system!r}", echo)
        return None
    return r if r.status == "complete" else None


def execute(system: str, config: dict, run_fn, out: str | os.PathLike = DEFAULT_OUT,
            force: bool = False, progress=None, restart: bool = False, echo=None,
            flush_every: float = 5.0) -> Run:
    """Run `run_fn(config, sink, progress=progress)` into its record, or return the cached record.

    An interrupted record of this config with a checkpoint is continued from it (the line saying
    so goes to `echo`), unless `restart`: then it is replaced by a fresh run.
    The one place where runs are made and saved: used by the command line and by `compare`.
    """
    if not force:
        r = cached_run(out, system, config)
        if r is not None:
            return r
    with RunWriter(out, system, config, flush_every=flush_every, resume=not restart, echo=echo) as rec:
        run_fn(config, rec, progress=progress)
    return load_run(rec.path)
