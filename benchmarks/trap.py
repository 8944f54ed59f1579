"""Trap model: jumps (events) a second of our event-driven Numba kernel (physics/trap.py), beside a
plain pure-Python loop (the code a user writes first) and the machine's arithmetic floor, all
measured in this one run.

    python benchmarks/trap.py [--walkers 20000] [--tmax 1e6] [--x 0.5] [--repeat 3]

Ours: `advance` on `walkers` walkers from t = 0 to tmax, one thread and Numba's threads, for both
dynamics, and the whole run (`trap.run`, with the measurements on the shared grid). Peer: the same
Bouchaud walkers in pure Python (random.random, math.log, math.exp), on fewer walkers. Limit: the
arithmetic every Bouchaud jump needs and nothing else, in Numba: two SplitMix64 draws, two logs
and an exponential a jump, summed (no branches, no memory traffic); and NumPy's vectorised
equivalent (Generator.random, np.log, np.exp over arrays) beside it. Targets: one thread at
>= 50 % of the one-thread floor, >= 30x the pure-Python loop. Times are the best of `repeat`.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numba  # noqa: E402
from numba import njit, prange  # noqa: E402

from physics import trap  # noqa: E402
from physics.observables import Recording  # noqa: E402


@njit(cache=True)
def _floor_serial(n, inv_x, s, g):
    acc = 0.0
    for _ in range(n):
        s, u = trap._unit(s, g)
        s, v = trap._unit(s, g)
        acc += -math.log(v) * math.exp(-math.log(u) * inv_x)
    return acc


@njit(parallel=True, cache=True)
def _floor_parallel(n, inv_x, states, g):
    out = np.zeros(states.size)
    for b in prange(states.size):
        out[b] = _floor_serial(n // states.size, inv_x, states[b], g)
    return out.sum()


def best(f, repeat):
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return min(ts)


def ours(x, dynamics, walkers, tmax, threads):
    w = trap.Walkers(x, dynamics, 1, walkers, seed=1)
    w.advance(0.0)
    kernel = trap.advance_parallel if threads else trap.advance_serial
    t0 = time.perf_counter()
    kernel(w.depth, w.leave, w.state, w.gamma, w.jumps, tmax, x, w.dyn, 0, w.n)
    return int(w.jumps.sum()), time.perf_counter() - t0


def python_loop(x, walkers, tmax, seed=1):
    """Bouchaud walkers, one after the other, as a first try in plain Python."""
    rng = random.Random(seed)
    jumps = 0
    for _ in range(walkers):
        t = 0.0
        while True:
            depth = -math.log(1.0 - rng.random())
            t += -math.log(1.0 - rng.random()) * math.exp(depth / x)
            if t > tmax:
                break
            jumps += 1
    return jumps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--walkers", type=int, default=20000)
    ap.add_argument("--tmax", type=float, default=1e6)
    ap.add_argument("--x", type=float, default=0.5)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    x, W, tmax, rep = a.x, a.walkers, a.tmax, a.repeat
    threads = numba.get_num_threads()
    print(f"trap model, x = {x}, {W} walkers to t = {tmax:g}; Numba threads: {threads}\n")

    # compile everything outside the clock
    ours(x, "bouchaud", 16, 10.0, False), ours(x, "bouchaud", 16, 10.0, True)
    ours(x, "barrat-mezard", 16, 10.0, False), ours(x, "barrat-mezard", 16, 10.0, True)
    s0, g0 = trap.walker_streams(0, 1, 64)
    _floor_serial(10, 1.0 / x, s0[0], g0[0]), _floor_parallel(640, 1.0 / x, s0, g0[0])

    rows = {}
    for dyn in ("bouchaud", "barrat-mezard"):
        for par in (False, True):
            res = []
            for _ in range(rep):
                res.append(ours(x, dyn, W, tmax, par))
            n = res[0][0]
            rows[(dyn, par)] = n / min(r[1] for r in res), n
    n_b = rows[("bouchaud", False)][1]
    floor1 = n_b / best(lambda: _floor_serial(n_b, 1.0 / x, s0[0], g0[0]), rep)
    floorp = n_b / best(lambda: _floor_parallel(n_b, 1.0 / x, s0, g0[0]), rep)
    rng = np.random.default_rng(0)
    m = min(n_b, 4_000_000)

    def numpy_floor():
        u, v = rng.random(m), rng.random(m)
        return float(np.sum(-np.log(v) * np.exp(-np.log(u) / x)))
    npfloor = m / best(numpy_floor, rep)
    Wp = max(1, W // 50)
    t0 = time.perf_counter()
    n_py = python_loop(x, Wp, tmax)
    py = n_py / (time.perf_counter() - t0)
    cfg = trap.default_config(x=x, tmax=tmax, walkers=W, samples=1)
    t0 = time.perf_counter()
    summary = trap.run(cfg, Recording())
    whole = summary["events"] / (time.perf_counter() - t0)

    print(f"limit: arithmetic of a Bouchaud jump (2 SplitMix64 draws, 2 log, 1 exp), Numba: "
          f"{floor1:.3e} jumps/s one thread, {floorp:.3e} with {threads}")
    print(f"       the same in NumPy over arrays (Generator.random, np.log, np.exp): {npfloor:.3e} jumps/s")
    print(f"peer:  pure-Python loop (random, math), {Wp} walkers: {py:.3e} jumps/s\n")
    print(f"  {'dynamics':<14} {'threads':>7} {'jumps':>11} {'jumps/s':>10} {'of floor':>9} {'x Python':>9}")
    for (dyn, par), (rate, n) in rows.items():
        floor = floorp if par else floor1
        print(f"  {dyn:<14} {threads if par else 1:>7} {n:>11d} {rate:10.3e} {100 * rate / floor:8.0f}% "
              f"{rate / py:9.0f}")
    print(f"\nwhole run (trap.run, measurements on the shared grid included), bouchaud: {whole:.3e} jumps/s")
    r1 = rows[("bouchaud", False)][0]
    print(f"targets: one thread >= 50 % of the floor: {100 * r1 / floor1:.0f} % "
          f"[{'met' if r1 >= 0.5 * floor1 else 'NOT MET'}]; >= 30x pure Python: {r1 / py:.0f}x "
          f"[{'met' if r1 >= 30 * py else 'NOT MET'}]")


if __name__ == "__main__":
    main()
