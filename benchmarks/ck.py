"""Benchmark of the CK solver: the time to reach t = 1e3, 1e4, 1e5 (p = 3, T = 0.5) with the
adaptive grid (physics/ck.py) beside a fixed-grid Euler integrator, the O(n^3) code a user writes
first (Numba too: physics/ck_kernels.euler_fixed_grid), measured in the same run.

    python benchmarks/ck.py [--quick]
    python benchmarks/ck.py --long [--n-grid 256,512,1024] [--tmax 1e7] [--tol 1e-9]
    python benchmarks/ck.py --long --method ratio [--grade 10] [--nodes 0,151] [--step 0.005] [--tmax 1e7]

--long: the accuracy at long times (--copies: the near-diagonal strip copied without its drift,
as before; physics/ck.py). For each grid size the solver runs with its divergence guard
(physics.ck.Guard) to tmax and prints, at t = 1e3 ... tmax, the wall time beside the target
(t = 1e7 in < 600 s), e(t) - e_inf beside the target (1e-4; e_inf is the analytic asymptote,
physics.pspin_theory, so part of the difference is the true approach, ~ t^-0.55 measured up to
t = 3e4), the largest rise of e(t) so far (0 in the exact solution) and where the guard stopped.
When the list holds n and n/2, it then prints, at the grid times the two runs share (same place
in the doubling cycle), e(n/2) - e_inf, e(n) - e_inf and the Richardson EXTRAPOLATION
2 e(n) - e(n/2) - e_inf (exact for an error first order in 1/n; the drifting strip's is
measured at order ~0.75, docs/performance.md sec. 3, so it is an estimate, not a solution).

The Euler integrator is timed where it gets there in reasonable time; beyond, its cost is
extrapolated from the measured n^3 law and printed as such (with the memory its grid would need).
Accuracy at the same t is printed beside (the Euler step here is h = 0.05; its energy error is
first order in h). Limits to meet on this 2-core machine: t = 1e4 in < 60 s, t = 1e5 in < 600 s.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from physics import pspin_theory  # noqa: E402
from physics.ck import CKSolver, Guard  # noqa: E402
from physics.ck_kernels import euler_fixed_grid  # noqa: E402

T, MIX = 0.5, {3: 1.0}
PS, WS = np.array([3]), np.array([1.0])


def adaptive(targets, n=512):
    s = CKSolver(MIX, T, n=n)
    s.step()  # compile outside the clock (cache=True makes this cheap after the first run)
    s = CKSolver(MIX, T, n=n)
    out, t0 = {}, time.perf_counter()
    for tt in targets:
        while s.t < tt:
            s.step()
        out[tt] = (time.perf_counter() - t0, s.e[s.i], s.t)
    return out


def euler(t_end, h):
    n = int(round(t_end / h))
    euler_fixed_grid(8, h, T, PS, WS)  # compile
    t0 = time.perf_counter()
    C, R, mu, e = euler_fixed_grid(n, h, T, PS, WS)
    return time.perf_counter() - t0, e[-1], n


def long_times(n, tmax, limit_s=600.0, target=1e-4, drift=True, tol=1e-9):
    """Print (t, wall, e - e_inf, rise) at t = 1e3, 1e3.5, ... up to tmax and the guard's verdict;
    return {grid time: e} for every row computed."""
    e_inf = pspin_theory.asymptotic_energy(T, MIX)
    s = CKSolver(MIX, T, n=n, drift=drift, tol=tol)
    s.step()                                         # compile outside the clock
    s, guard = CKSolver(MIX, T, n=n, drift=drift, tol=tol), Guard(T, MIX)
    rows = {}
    marks = [10.0 ** (k / 2) for k in range(6, 2 * int(math.log10(tmax)) + 1)]
    strip = "drifting strip" if drift else "plain copies"
    print(f"\n  n = {n} ({strip}): e(t) - e_inf against the target {target:g}, wall time against "
          f"{limit_s:.0f} s at t = {tmax:g}")
    print(f"  {'t':>9}  {'wall':>9}  {'e - e_inf':>11}  {'largest rise':>12}")
    t0, why, worst = time.perf_counter(), None, 0.0
    while s.t < tmax and marks:
        s.step()
        why = guard.check(s)
        if why is not None:
            break
        worst = max(worst, s.e[s.i] - guard.e_min)
        rows[_key(s.t)] = s.e[s.i]
        while marks and s.t >= marks[0]:
            d = s.e[s.i] - e_inf
            ok = "within target" if abs(d) <= target else "off target"
            print(f"  {s.t:9.3g}  {time.perf_counter() - t0:7.1f} s  {d:+11.2e}  {worst:12.1e}  {ok}")
            marks.pop(0)
    wall = time.perf_counter() - t0
    if why is not None:
        print(f"  STOPPED by the guard at t = {s.t:.4g} after {wall:.1f} s: {why}")
    else:
        print(f"  reached t = {s.t:.4g} in {wall:.1f} s ({'within' if wall < limit_s else 'OVER'} the {limit_s:.0f} s limit)")
    return rows


def long_times_ratio(tmax, nodes=0, step=0.005, grade=1.0, limit_s=600.0, target=1e-4):
    """The same table for the grid in t'/t (physics/ck_ratio.py; both cores); returns {mark: e}."""
    from physics.ck_ratio import MONO_TOL, RatioSolver, grid_range, grid_steps, nodes_for
    e_inf = pspin_theory.asymptotic_energy(T, MIX)
    A = grid_range(tmax)
    L = nodes or nodes_for(A, grade)
    s = RatioSolver(MIX, T, L=16, A=A, grade=grade)
    s.step()                                         # compile outside the clock
    s, guard = RatioSolver(MIX, T, L=L, A=A, eps=step, grade=grade), Guard(T, MIX, mono_tol=MONO_TOL)
    marks = [10.0 ** (k / 2) for k in range(6, 2 * int(math.log10(tmax)) + 1)]
    mid, end = grid_steps(s.g)
    print(f"\n  method ratio, {L} nodes (logit range {A:.1f}, grade {grade:g}: step {mid:.3g} in the middle, "
          f"{end:.3g} at the ends), step {step:g} t: e(t) - e_inf against the "
          f"target {target:g}, wall time against {limit_s:.0f} s at t = {tmax:g}")
    print(f"  {'t':>9}  {'wall':>9}  {'e - e_inf':>11}  {'largest rise':>12}  {'rows':>5}  {'Newton/row':>10}")
    t0, why, worst, out = time.perf_counter(), None, 0.0, {}
    while s.t < tmax and marks:
        s.step()
        m = s.M - 1
        why = guard.check_row(s.Hc[m], s.Hr[m], s.e, s.mu)
        if why is not None:
            break
        worst = max(worst, s.e - guard.e_min)
        while marks and s.t >= marks[0]:
            e = s.energy_at(marks[0])[0]
            out[marks[0]] = e
            d = e - e_inf
            ok = "within target" if abs(d) <= target else "off target"
            print(f"  {marks[0]:9.3g}  {time.perf_counter() - t0:7.1f} s  {d:+11.3e}  {worst:12.1e}  {s.M:5d}  "
                  f"{s.newton / max(s.M - 1, 1):10.2f}  {ok}")
            marks.pop(0)
    wall = time.perf_counter() - t0
    if why is not None:
        print(f"  STOPPED by the guard at t = {s.t:.4g} after {wall:.1f} s: {why}")
    else:
        print(f"  reached t = {s.t:.4g} in {wall:.1f} s ({'within' if wall < limit_s else 'OVER'} the "
              f"{limit_s:.0f} s limit; {s.jacobians} Jacobians)")
    return out


def _key(t):
    """Grid times of runs with the same h0 coincide up to rounding: compare them at 9 digits."""
    return float(f"{t:.9e}")


def richardson(coarse, fine, n, tmax, target=1e-4):
    """At the grid time nearest each mark shared by the n/2 and n runs: both errors and the
    extrapolation 2 e(n) - e(n/2) (an estimate: exact only for an error first order in 1/n)."""
    e_inf = pspin_theory.asymptotic_energy(T, MIX)
    common = np.array(sorted(set(coarse) & set(fine)))
    print(f"\n  n = {n // 2} and {n} at shared grid times: e - e_inf, and the Richardson EXTRAPOLATION "
          f"2 e({n}) - e({n // 2}) - e_inf against the target {target:g}")
    print(f"  {'t':>9}  {'n = ' + str(n // 2):>11}  {'n = ' + str(n):>11}  {'extrapolated':>12}")
    for m in [10.0 ** (k / 2) for k in range(6, 2 * int(math.log10(tmax)) + 1)]:
        if common.size == 0 or m > common[-1] * 1.01:
            break
        t = common[np.argmin(np.abs(np.log(common / m)))]
        a, b = coarse[t] - e_inf, fine[t] - e_inf
        x = 2.0 * b - a
        print(f"  {t:9.4g}  {a:+11.2e}  {b:+11.2e}  {x:+12.2e}  {'within' if abs(x) <= target else 'off'} target")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only t = 1e3 and 1e4 for the adaptive grid")
    ap.add_argument("--n-grid", default="512", help="adaptive grid size (default 512; --long: a list, '256,512')")
    ap.add_argument("--long", action="store_true", help="accuracy at long times with the divergence guard")
    ap.add_argument("--tmax", type=float, default=1e7, help="--long: the final time (default 1e7)")
    ap.add_argument("--copies", action="store_true",
                    help="--long: the near-diagonal strip as plain copies (the solver before the drift)")
    ap.add_argument("--tol", type=float, default=1e-9,
                    help="--long: fixed-point tolerance per row (default 1e-9, as `ck`)")
    ap.add_argument("--method", choices=("kim-latz", "ratio"), default="kim-latz",
                    help="--long: the solver (ratio: the grid in t'/t, physics/ck_ratio.py)")
    ap.add_argument("--nodes", default="0",
                    help="--long --method ratio: nodes per row, a list (0: from tmax); two or more "
                         "print their differences")
    ap.add_argument("--step", type=float, default=0.005, help="--long --method ratio: BDF2 step / t")
    ap.add_argument("--grade", type=float, default=10.0,
                    help="--long --method ratio: how much closer the nodes lie in the middle of the row "
                         "than at its ends (default 10, what reaches t = 1e7; 1: uniform in logit t'/t, "
                         "`ck`'s default)")
    args = ap.parse_args()
    if args.long and args.method == "ratio":
        print(f"CK equations, p = 3, T = {T}: accuracy at long times, grid in t'/t (Numba, both cores)")
        runs = {L: long_times_ratio(args.tmax, L, args.step, args.grade) for L in (int(v) for v in args.nodes.split(","))}
        if len(runs) > 1:
            Ls = sorted(runs)
            print(f"\n  e(t) with {Ls[-1]} nodes minus e(t) with fewer (the grid's own error):")
            for m in runs[Ls[-1]]:
                print(f"  {m:9.3g}  " + "  ".join(f"{L:4d}: {runs[Ls[-1]][m] - runs[L][m]:+.1e}"
                                                  for L in Ls[:-1] if m in runs[L]))
        return
    if args.long:
        print(f"CK equations, p = 3, T = {T}: accuracy at long times (Numba, one core)")
        runs = {}
        for n in (int(v) for v in args.n_grid.split(",")):
            runs[n] = long_times(n, args.tmax, drift=not args.copies, tol=args.tol)
        for n in sorted(runs):
            if n % 2 == 0 and n // 2 in runs:
                richardson(runs[n // 2], runs[n], n, args.tmax)
        return
    args.n_grid = int(args.n_grid)
    targets = [1e3, 1e4] if args.quick else [1e3, 1e4, 1e5]
    h = 0.05
    print(f"CK equations, p = 3, T = {T}: time to reach t (2 cores, Numba)\n")
    # the fixed grid: measure the n^3 law at t = 25, 50, 100
    rows = []
    for t_end in (25.0, 50.0, 100.0):
        wall, e, n = euler(t_end, h)
        rows.append((t_end, n, wall, e))
        print(f"  fixed-grid Euler h = {h}: t = {t_end:6g}  n = {n:5d}  {wall:8.2f} s  e = {e:.5f}")
    ns, walls = np.array([r[1] for r in rows], float), np.array([r[2] for r in rows])
    c3 = float(walls[-1] / ns[-1] ** 3)
    expo = float(np.polyfit(np.log(ns), np.log(walls), 1)[0])
    print(f"  measured cost: wall ~ n^{expo:.2f}; extrapolated below as {c3:.3e} s * n^3 from the "
          f"largest n (optimistic: the measured growth is steeper)\n")
    ad = adaptive(targets, n=args.n_grid)
    ref = adaptive([100.0], n=args.n_grid)[100.0]
    print(f"  at t = 100: Euler h = {h} e = {rows[-1][3]:.5f}; adaptive n = {args.n_grid} e = {ref[1]:.5f} "
          f"({ref[0]:.2f} s)\n")
    print(f"  {'t':>8}  {'adaptive n=' + str(args.n_grid):>18}  {'limit':>7}  {'fixed-grid Euler, h=' + str(h):>34}")
    limits = {1e3: None, 1e4: 60.0, 1e5: 600.0}
    for tt in targets:
        wall, e, treached = ad[tt]
        n = tt / h
        est = c3 * n ** 3
        mem = 2 * 8 * (n + 1) ** 2 / 2**30
        lim = f"{limits[tt]:.0f} s" if limits.get(tt) else "-"
        eu = f"{est:10.3g} s extrapolated (n = {n:.0f}, {mem:.3g} GiB)"
        ok = "" if limits.get(tt) is None else ("  within limit" if wall < limits[tt] else "  OVER LIMIT")
        print(f"  {tt:8.0e}  {wall:15.2f} s  {lim:>7}  {eu}{ok}   (e = {e:.5f} at t = {treached:.4g})")


if __name__ == "__main__":
    main()
