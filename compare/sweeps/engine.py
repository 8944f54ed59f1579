"""Running a sweep's points on dask.distributed (docs/design.md, "Sweeps").

Each point is an ordinary run into its own cached record (compare.records.execute): a point whose
complete record exists is not submitted, an interrupted one continues from its checkpoint, so
running the same sweep again is how it resumes. The engine is Dask's, not ours:

- by default an embedded LocalCluster of K worker processes, each running one point at a time with
  M threads for Numba, torch and BLAS (BLAS through the workers' environment before they start,
  Numba and torch in each task; this process's own environment is left as it was), K x M <= the
  cores;
- `scheduler="tcp://host:8786"`: an existing cluster (dask-jobqueue's SLURMCluster, dask-ssh, ...),
  whose workers share the records folder (a cluster file system).

Faults: a point that raises is reported with its coordinates and the error's last line, and the
others go on; a worker that dies mid-point has its point run again on another worker by the
scheduler (distributed.scheduler.allowed-failures times), continuing from the point's checkpoint.
Ctrl-C (or SIGTERM) asks the running points to stop through a stop file in the records folder,
which each point's progress callable looks for every half second: they save their records as
"interrupted" (with a checkpoint), and the same command continues them.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

from compare.sweeps.spec import Point, SweepSpec

STOP_CHECK_S = 0.5     # how often a running point looks for the stop file
STOP_GRACE_S = 20.0    # how long Ctrl-C waits for the running points to save their records


class SweepRefused(ValueError):
    """A sweep that cannot start as asked (too many threads, a point too big for a worker)."""


class SweepStopped(Exception):
    """Raised inside a point when its sweep is stopped (Ctrl-C): its record is saved as interrupted."""


# ----------------------------------------------------------------------------- inside a worker

def limit_threads(threads: int) -> None:
    """At most `threads` threads for Numba (per calling thread) and torch in this process."""
    try:
        import numba
        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    except (ImportError, ValueError):
        pass
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(int(threads))


class _StopWatch:
    """The progress callable a point runs with: raises SweepStopped once the stop file exists
    (looked up at most every STOP_CHECK_S seconds)."""

    def __init__(self, stop_file: str):
        self.stop_file = stop_file
        self._next = 0.0

    def __call__(self, done=None, total=None) -> None:
        now = time.monotonic()
        if now >= self._next:
            self._next = now + STOP_CHECK_S
            if os.path.exists(self.stop_file):
                raise SweepStopped("the sweep was stopped")


def run_point(system: str, config: dict, out: str, force: bool, restart: bool, stop_file: str,
              threads: int) -> dict:
    """One point, in a worker: its record (made, continued or reused) -> {path, status, elapsed_s}."""
    limit_threads(threads)
    from compare.records import execute
    from compare.registry import REGISTRY
    t0 = time.time()
    run = execute(system, config, REGISTRY[system].run, out=out, force=force, restart=restart,
                  progress=_StopWatch(stop_file))
    return {"path": str(run.path), "status": run.status, "elapsed_s": time.time() - t0}


# ----------------------------------------------------------------------------- the cluster

def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:          # not Linux
        return os.cpu_count() or 1


def plan_workers(workers: int | None, threads: int, n_points: int) -> int:
    """K worker processes for M = `threads` threads each: default cores // M (at least 1, at most
    the points to run); K x M above the cores is refused (oversubscribed torch slows down many
    times)."""
    n = cores()
    if threads > n:
        raise SweepRefused(f"--threads-per-worker {threads} is more than the {n} cores of this machine")
    if workers is None:
        workers = max(1, n // threads)
    elif workers * threads > n:
        raise SweepRefused(f"--workers {workers} x --threads-per-worker {threads} = {workers * threads} "
                           f"threads on {n} cores; allowed: workers x threads <= {n}")
    return max(1, min(workers, n_points))


def _has_dashboard() -> bool:
    try:
        import bokeh  # noqa: F401
        return True
    except ImportError:
        return False


class IgnoreInterrupt(WorkerPlugin):
    """Worker plugin: the local workers ignore SIGINT. A terminal's Ctrl-C reaches the whole
    process group; the sweep (the parent) stops the points itself, so that each saves its record
    (a worker killed by the signal would leave tracebacks and a record as old as its last flush)."""
    name = "glassbench-ignore-sigint"

    def setup(self, worker=None):
        import signal
        import threading
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_client(workers: int, threads: int, scheduler: str | None):
    """(client, cluster): a client of the existing scheduler, or of a new LocalCluster."""
    import signal

    import dask
    from distributed import Client, LocalCluster
    if scheduler:
        try:
            return Client(scheduler, timeout="15s"), None
        except (OSError, TimeoutError) as e:
            raise SweepRefused(f"--scheduler {scheduler}: cannot connect ({e})") from None
    # BLAS reads its thread count when it loads, so it goes in before the spawn. Numba's pool size
    # (NUMBA_NUM_THREADS) is left alone: the nanny writes these variables into THIS process's
    # environment too, and Numba refuses to compile once the variable differs from the size of a
    # pool it has launched. Numba is limited per task instead (limit_threads).
    env = {k: threads for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    dask.config.set({"distributed.nanny.pre-spawn-environ": {"MALLOC_TRIM_THRESHOLD_": 65536, **env}})
    saved = dict(os.environ)
    # workers started while SIGINT is ignored inherit that (Python keeps an ignored SIGINT);
    # the plugin does the same for workers the nanny restarts later
    main = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0",    # a free port (served with bokeh only)
                               silence_logs=logging.CRITICAL)   # failures: one line each, ours
    finally:
        if main:
            signal.signal(signal.SIGINT, old)
        restore_environ(saved)
    client = Client(cluster)
    client.register_plugin(IgnoreInterrupt())
    return client, cluster


def restore_environ(saved: dict) -> None:
    """Put this process's environment back as it was (the nanny writes its worker variables into it)."""
    for k in set(os.environ) - set(saved):
        del os.environ[k]
    os.environ.update(saved)


def worker_memory(client) -> float | None:
    """The smallest memory limit of the cluster's workers, in bytes (None when unlimited)."""
    limits = [w.get("memory_limit") for w in client.scheduler_info().get("workers", {}).values()]
    limits = [float(v) for v in limits if v]
    return min(limits) if limits else None


@dataclass(frozen=True)
class Job:
    """One run for the engine: a system, its full config, and its label in messages."""
    system: str
    config: dict
    label: str


def jobs_of(spec: SweepSpec, points: list[Point]) -> list[Job]:
    return [Job(spec.system, p.config, p.label()) for p in points]


def check_fits(jobs: list[Job], per_worker: float | None) -> None:
    """Refuse, before anything runs, a job whose run would not fit in one worker's memory."""
    from compare.registry import REGISTRY
    if not per_worker:
        return
    for j in jobs:
        memory = getattr(REGISTRY[j.system].schema, "memory", None)
        if memory is None:
            continue
        nbytes, what = memory(j.config)
        if nbytes > 0.8 * per_worker:
            raise SweepRefused(
                f"the point {j.label} needs {nbytes / 2**30:.2f} GiB ({what}), more than 80 % of a "
                f"worker's {per_worker / 2**30:.2f} GiB; allowed: fewer --workers (each gets more "
                "memory) or a smaller point")


# ----------------------------------------------------------------------------- running

@dataclass
class Outcome:
    """What became of the points: `status[i]` is reused | ran | failed | interrupted | pending."""
    status: list
    errors: dict = field(default_factory=dict)      # i -> the error's last line
    interrupted: bool = False
    dashboard: str | None = None

    def count(self, what: str) -> int:
        return sum(s == what for s in self.status)


def last_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else type(exc).__name__


def run_jobs(jobs: list[Job], out, *, workers: int | None = None, threads: int = 1,
             scheduler: str | None = None, force: bool = False, restart: bool = False,
             echo=print, bar=None) -> Outcome:
    """Run every job not already complete in `out` on Dask. `bar(done, total)` is told of each
    finished job; `echo` gets the dashboard address and one line per failed job. Ctrl-C:
    KeyboardInterrupt is re-raised after the running jobs have saved their records (the
    Outcome so far is attached as its `outcome`)."""
    from compare.records import cached_run
    out = str(out)
    status = ["pending"] * len(jobs)
    todo = []
    for i, j in enumerate(jobs):
        if not force and cached_run(out, j.system, j.config, echo=echo) is not None:
            status[i] = "reused"
        else:
            todo.append(i)
    outcome = Outcome(status)
    if bar is not None:
        bar(outcome.count("reused"), len(jobs))
    if not todo:
        return outcome
    k = None
    if scheduler is None:      # a LocalCluster: each worker gets an equal share of the memory
        from physics.config import available_memory_bytes
        k = plan_workers(workers, threads, len(todo))
        check_fits([jobs[i] for i in todo], available_memory_bytes() / k)
    Path(out).mkdir(parents=True, exist_ok=True)
    stop_file = Path(out).absolute() / f".sweep-{uuid.uuid4().hex[:12]}.stop"
    saved = dict(os.environ)       # a nanny restarting a killed worker writes into it again
    client, cluster = start_client(k, threads, scheduler)
    try:
        if scheduler is not None:
            check_fits([jobs[i] for i in todo], worker_memory(client))
        if cluster is not None and cluster.dashboard_link and _has_dashboard():
            outcome.dashboard = cluster.dashboard_link
        elif scheduler is not None:
            outcome.dashboard = getattr(client, "dashboard_link", None)
        if outcome.dashboard:
            echo(f"Dask dashboard: {outcome.dashboard}")
        _submit_and_wait(client, jobs, todo, out, force, restart, str(stop_file), threads,
                         outcome, echo, bar)
    finally:
        try:
            client.close()
            if cluster is not None:
                cluster.close()
        finally:
            stop_file.unlink(missing_ok=True)
            restore_environ(saved)
    return outcome


def _submit_and_wait(client, jobs, todo, out, force, restart, stop_file, threads, outcome,
                     echo, bar) -> None:
    from distributed import as_completed, wait
    futures = {}
    for i in todo:
        f = client.submit(run_point, jobs[i].system, jobs[i].config, out, force, restart, stop_file,
                          threads, pure=False, key=f"point-{i}-{uuid.uuid4().hex[:8]}")
        futures[f] = i
    try:
        for f in as_completed(futures):
            _settle(f, futures[f], jobs, outcome, echo)
            if bar is not None:
                bar(len(jobs) - outcome.count("pending"), len(jobs))
    except KeyboardInterrupt as stop:
        outcome.interrupted = True
        Path(stop_file).touch()
        running = [f for f in futures if outcome.status[futures[f]] == "pending"]
        echo(f"\nstopping: {len(running)} point(s) still to run or running save their records ...")
        try:
            wait(running, timeout=STOP_GRACE_S)
        except (TimeoutError, KeyboardInterrupt):
            pass
        for f in running:
            if f.done():
                _settle(f, futures[f], jobs, outcome, echo)
        client.cancel([f for f in running if not f.done()])
        stop.outcome = outcome
        raise


def _settle(f, i, jobs, outcome, echo) -> None:
    if f.status == "finished":
        outcome.status[i] = "ran"
        return
    if f.status == "cancelled":
        return
    exc = f.exception()
    if isinstance(exc, SweepStopped):
        outcome.status[i] = "interrupted"
        return
    outcome.status[i] = "failed"
    outcome.errors[i] = last_line(exc)
    echo(f"failed: {jobs[i].label}: {outcome.errors[i]}")
