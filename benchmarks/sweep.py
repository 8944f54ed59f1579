"""Benchmark of the sweep engine (compare/sweeps on dask.distributed), measured in one run:

1. the same 8-point p-spin sweep (N = 128, tmax = 50, seeds 0..7) run by a plain loop in one
   process (the peer: what a user scripts by hand, compare.records.execute point after point),
   then on Dask with 1 and with 2 workers, each into an empty folder. The machine's limit is the
   loop's time divided by the cores (perfect parallelism, no overhead).
2. the engine's cost per point on 100 trivial points (N = 8, one time step): the sweep's wall time
   minus the cluster's start, per point, beside the loop's time per point (the record itself).

    python benchmarks/sweep.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from compare.records import execute  # noqa: E402
from compare.sweeps import parse_spec, sweep  # noqa: E402
from compare.sweeps.engine import cores, start_client  # noqa: E402
from physics import pspin  # noqa: E402


def loop(spec, out) -> float:
    t0 = time.perf_counter()
    for p in spec.points():
        execute(spec.system, p.config, pspin.run, out=out)
    return time.perf_counter() - t0


def on_dask(spec, out, workers) -> float:
    t0 = time.perf_counter()
    result = sweep(spec, out, workers=workers, echo=lambda *_: None)
    assert result.outcome.count("failed") == 0 and result.missing == 0
    return time.perf_counter() - t0


def cluster_start(workers) -> float:
    t0 = time.perf_counter()
    client, cluster = start_client(workers, 1, None)
    client.close()
    cluster.close()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="20 trivial points instead of 100")
    args = ap.parse_args()
    n_cores = cores()
    eight = parse_spec("pspin", None, ["N=128", "tmax=50"], ["seed=" + ",".join(map(str, range(8)))])
    with tempfile.TemporaryDirectory() as warm:      # compile the Numba kernels outside the clock
        execute("pspin", eight.points()[0].config, pspin.run, out=warm)
    print(f"sweep engine: dask.distributed LocalCluster on this machine ({n_cores} cores)\n")
    print("1. eight p-spin points (N = 128, tmax = 50)")
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b, \
            tempfile.TemporaryDirectory() as c:
        t_loop = loop(eight, a)
        t1 = on_dask(eight, b, 1)
        t2 = on_dask(eight, c, min(2, n_cores))
    limit = t_loop / n_cores
    print(f"   plain loop, one process (peer)   {t_loop:7.1f} s")
    print(f"   sweep, 1 worker                  {t1:7.1f} s")
    print(f"   sweep, {min(2, n_cores)} workers                 {t2:7.1f} s   "
          f"(speed-up {t1 / t2:.2f}x over 1 worker)")
    print(f"   machine limit (loop / {n_cores} cores)     {limit:7.1f} s   -> sweep at "
          f"{100 * limit / t2:.0f} % of it")
    n = 20 if args.quick else 100
    trivial = parse_spec("pspin", None, ["N=8", "tmax=0.01", "dt=0.01"],
                         ["seed=" + ",".join(map(str, range(n)))])
    print(f"\n2. {n} trivial points (N = 8, one step): the engine's cost per point")
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        t_loop = loop(trivial, a)
        start = cluster_start(min(2, n_cores))
        t_dask = on_dask(trivial, b, min(2, n_cores))
    per = (t_dask - start) / n
    print(f"   plain loop: {1e3 * t_loop / n:6.1f} ms a point (the record: run, HDF5 write)")
    print(f"   sweep     : {1e3 * per:6.1f} ms a point after the cluster's start ({start:.1f} s), "
          f"overhead {1e3 * (per - t_loop / n / min(2, n_cores)):+.1f} ms a point over the ideal")


if __name__ == "__main__":
    main()
