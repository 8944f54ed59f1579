"""Benchmark: FIRE steps per second of 2D soft ellipses beside the soft spheres, in the same run.

    python benchmarks/ellipses.py [--N 1024] [--steps 5000] [--alphas 1,1.5,2]

The problem: the 50:50 bidisperse mixture (spheres: diameters 1.0 and 1.4; ellipses: minor axes
1.0 and 1.4, major axes alpha times those), harmonic, phi = 0.86, positions (and angles) uniform
from numpy default_rng(0), float64, FIRE (physics.spheres.fire: the same loop for both, dt_start
0.05, dt_max 0.1) for a fixed number of steps (no tolerance stops it), the neighbour list rebuilt
inside as needed. The ellipses' step costs the Perram-Wertheim contact (a Newton solve per pair
within the bounding circles) and the torques; the spheres' one sqrt and one division per pair.
Also the wall-clock time of one jamming (compress-and-bisect to a bracket of 1e-5) of a small
packing of each kind (--jam-N, default 64).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from physics.ellipses import geometry  # noqa: E402
from physics.ellipses import jamming as ejam  # noqa: E402
from physics.spheres import fire, jamming, packing  # noqa: E402

PHI = 0.86
FIRE_KW = dict(dt_start=0.05, dt_max=0.1, e_tol=-1.0, f_tol=0.0)


def spheres_problem(N):
    rng = np.random.default_rng(0)
    diam = packing.make_diameters(N)
    L = packing.box_side(diam, PHI, 2)
    return packing.random_positions(N, 2, L, rng), diam, L


def ellipses_problem(N, alpha):
    rng = np.random.default_rng(0)
    geom = geometry.make_geom(N, alpha)
    L = geometry.box_side(geom, PHI)
    return geometry.random_state(geom, L, rng), geom, L


def timed(fn, steps, repeat):
    fn(5)                                           # compile (or load the cache)
    best, r = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = fn(steps)
        best = min(best, time.perf_counter() - t0)
    return best, r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--N", type=int, default=1024)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions (the best is shown)")
    ap.add_argument("--alphas", default="1,1.5,2")
    ap.add_argument("--jam-N", type=int, default=64, help="particles of the jamming timing (0: skip)")
    args = ap.parse_args()
    N, steps = args.N, args.steps
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at start; "
          f"N = {N}, phi = {PHI}, {steps} FIRE steps, best of {args.repeat}\n")
    pos, diam, L = spheres_problem(N)

    def run_spheres(n):
        return fire.minimize(pos.copy(), diam, L, max_steps=n, **FIRE_KW)
    t, r = timed(run_spheres, steps, args.repeat)
    base = r.steps / t
    print(f"  {'system':<22} {'steps/s':>9} {'us/step':>8} {'vs spheres':>10} {'builds':>7} {'E/N at end':>11}")
    print(f"  {'spheres':<22} {base:>9.0f} {t / r.steps * 1e6:>8.1f} {1.0:>10.2f} {r.builds:>7} {r.energy / N:>11.3e}")
    for alpha in (float(a) for a in args.alphas.split(",")):
        q, geom, Le = ellipses_problem(N, alpha)

        def run_ellipses(n, q=q, geom=geom, Le=Le):
            return ejam.minimize_ellipses(q.copy(), geom, Le, max_steps=n, **FIRE_KW)
        t, r = timed(run_ellipses, steps, args.repeat)
        print(f"  {'ellipses alpha = %g' % alpha:<22} {r.steps / t:>9.0f} {t / r.steps * 1e6:>8.1f} "
              f"{(r.steps / t) / base:>10.2f} {r.builds:>7} {r.energy / N:>11.3e}")
    if args.jam_N:
        n = args.jam_N
        print(f"\njamming of one packing, N = {n}, bracket < 1e-5 (compress-and-bisect from phi = 0.80):")
        rng = np.random.default_rng(0)
        d = packing.make_diameters(n)
        Ls = packing.box_side(d, 0.80, 2)
        p = packing.random_positions(n, 2, Ls, rng)
        t0 = time.perf_counter()
        jr = jamming.find_phi_J(p, d, Ls, 2.0, 0.80, 0.01, 1e-5)
        print(f"  spheres:             phi_J = {jr.phi_J:.6f}, {jr.fire_steps} FIRE steps, "
              f"{time.perf_counter() - t0:.1f} s")
        for alpha in (float(a) for a in args.alphas.split(",")):
            geom = geometry.make_geom(n, alpha)
            Le = geometry.box_side(geom, 0.80)
            q = geometry.random_state(geom, Le, np.random.default_rng(0))
            t0 = time.perf_counter()
            jr = ejam.jam(q, geom, Le, tol=1e-5)
            st = ejam.structure(jr.pos, geom, jr.L)
            print(f"  ellipses alpha = {alpha:<4g} phi_J = {jr.phi_J:.6f}, Z = {st.Z:.3f}, {jr.fire_steps} "
                  f"FIRE steps, {time.perf_counter() - t0:.1f} s")
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
