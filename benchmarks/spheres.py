"""Benchmark: FIRE minimisation of a 2D soft-sphere packing, ours (Numba) beside JAX MD.

    python benchmarks/spheres.py [--sizes 1024,4096] [--seeds 3] [--peer-python /tmp/jaxenv/bin/python]

The problem (the PEER script below): 2D 50:50 bidisperse (diameters 1.0 and 1.4),
harmonic, phi = 0.86, positions uniform in the box from numpy default_rng(seed), seeds 0, 1, ...,
float64, FIRE with dt_start 0.05, dt_max 0.1 (N_min 5, f_inc 1.1, f_dec 0.5, alpha_start 0.1,
f_alpha 0.99) until the largest force component is below 1e-12. Also times phi_J of one N = 1024
packing (target < 60 s).

JAX MD is NOT a dependency of this project. The peer runs only when an interpreter with jax-md is
given (--peer-python or the env var JAXMD_PYTHON), e.g. after
    python3 -m venv /tmp/jaxenv && /tmp/jaxenv/bin/pip install jax-md==0.2.29 'jax[cpu]' numpy
It runs in a subprocess, measured in the same run; otherwise its reference figures from
docs/performance.md (section 4) are printed, marked as such. FIRE trajectories are chaotic: the
steps to convergence of one start differ between codes, and between starts, by tens of percent
(N = 1024, seeds 0-4: JAX MD 17,400-30,200, ours 15,500-25,100), so the speed-up is the ratio of
the summed times over the seeds (that of the mean time to convergence), beside the ratio of the
times per step.

JAX MD 0.2.29's fire_descent differs from the textbook FIRE in two ways that the peer keeps: its
util.static_cast stores the parameters in the smallest float type that holds them, float16 on CPU
(dt_start 0.049988, dt_max 0.099976, f_inc 1.0996, alpha_start 0.099976, f_alpha 0.99023; dt and
alpha then stay float16), and it mixes with |F| = sqrt(F.F + 1e-6). Ours runs the textbook values
in float64. The peer also tests convergence every 200 steps (its step counts are rounded up to
200). Our FIRE 2.0 option (physics/spheres/fire.py, --variants) runs beside the classic FIRE
against the same peer runs.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from physics.spheres import fire, jamming, packing  # noqa: E402

# docs/performance.md, section 4 (JAX MD 0.2.29, jax 0.10.2, CPU, this kind of machine)
REFERENCE = {1024: (17400, 2.45), 4096: (47400, 36.0)}

PEER = r'''
import os, sys, time
os.environ["JAX_ENABLE_X64"] = "1"
import jax, jax.numpy as jnp, numpy as np
from jax_md import space, energy, minimize
N = int(sys.argv[1]); phi = float(sys.argv[2])
rng = np.random.default_rng(int(sys.argv[3]))
sig = np.where(np.arange(N) < N // 2, 1.0, 1.4)
L = np.sqrt(np.sum(np.pi * (sig / 2) ** 2) / phi)
R = rng.uniform(0, L, (N, 2))
disp, shift = space.periodic(L)
neighbor_fn, efn = energy.soft_sphere_neighbor_list(disp, L, sigma=jnp.array(sig), alpha=2.0)
nbrs = neighbor_fn.allocate(jnp.array(R))
def E(r, neighbor): return efn(r, neighbor=neighbor)
init, apply = minimize.fire_descent(E, shift, dt_start=0.05, dt_max=0.1)
@jax.jit
def chunk(state, nbrs):
    def body(i, c):
        st, nb = c
        nb = nb.update(st.position)
        return (apply(st, neighbor=nb), nb)
    return jax.lax.fori_loop(0, 200, body, (state, nbrs))
state = init(jnp.array(R), neighbor=nbrs)
s2, nb2 = chunk(state, nbrs); jax.block_until_ready(s2.position)
state = init(jnp.array(R), neighbor=nbrs)
t0 = time.time(); c0 = time.process_time(); steps = 0
while steps < 400000:
    state, nbrs = chunk(state, nbrs); steps += 200
    if nbrs.did_buffer_overflow: print("overflow"); break
    F = np.asarray(state.force)
    if np.max(np.abs(F)) < 1e-12: break
t = time.time() - t0; c = time.process_time() - c0
print(f"RESULT {steps} {t} {float(E(state.position, nbrs)) / N} {np.max(np.abs(F))} {jax.__version__} {c}")
'''


def problem(N, phi=0.86, seed=0):
    rng = np.random.default_rng(seed)
    sig = np.where(np.arange(N) < N // 2, 1.0, 1.4)
    L = packing.box_side(sig, phi, 2)
    return rng.uniform(0, L, (N, 2)), sig, L


def ours(N, repeat, seed=0, variant="fire"):
    R, sig, L = problem(N, seed=seed)
    fire.minimize(R.copy(), sig, L, max_steps=5, variant=variant)  # compile (or load the cache)
    times, cpu = [], []
    for _ in range(repeat):
        pos = R.copy()
        t0, c0 = time.perf_counter(), time.process_time()
        r = fire.minimize(pos, sig, L, dt_start=0.05, dt_max=0.1, e_tol=-1.0, f_tol=1e-12,
                          variant=variant)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return r, float(np.median(times)), float(np.median(cpu)), pos, sig, L


def peer(python, N, seed=0):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(PEER)
    try:
        out = subprocess.run([python, f.name, str(N), "0.86", str(seed)], capture_output=True, text=True,
                             timeout=1800)
    finally:
        os.unlink(f.name)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT"):
            _, steps, t, e, fm, ver, cpu = line.split()
            return int(steps), float(t), float(e), float(fm), ver, float(cpu)
    print(f"  peer failed: {out.stderr.strip().splitlines()[-1:]}")
    return None


def arithmetic_floor(n_pairs, reps=2000):
    """Time of the irreducible work of one force evaluation on this CPU: one sqrt and one division
    per contact pair (a Numba loop with nothing else), in seconds."""
    from numba import njit

    @njit(cache=False)
    def kern(a):
        t = 0.0
        for i in range(a.shape[0]):
            t += 1.0 / np.sqrt(a[i])
        return t
    a = np.random.default_rng(0).random(n_pairs) + 1.0
    kern(a)
    best = 1e9
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            kern(a)
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1024,4096")
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions of our FIRE (median)")
    ap.add_argument("--seeds", type=int, default=3,
                    help="random starts 0, 1, ...: the speed-up is that of the summed times")
    ap.add_argument("--variants", default="fire,fire2",
                    help="our FIREs, comma-separated: fire (the classic one, as the peer's), fire2 "
                         "(FIRE 2.0); each against the same peer runs")
    ap.add_argument("--peer-python", default=os.environ.get("JAXMD_PYTHON"),
                    help="Python interpreter with jax-md installed (or env JAXMD_PYTHON)")
    ap.add_argument("--no-jam", action="store_true", help="skip the phi_J timing")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not args.peer_python:
        print("jax-md: no interpreter given (--peer-python / JAXMD_PYTHON); it is not a project "
              "dependency, so the peer is skipped and its REFERENCE figures from "
              "docs/performance.md are shown instead (not measured in this run).")
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at start\n")
    variants = args.variants.split(",")
    bad = [v for v in variants if v not in fire.VARIANTS]
    if bad:
        ap.error(f"--variants: {bad} not among {fire.VARIANTS}")
    rows = []
    for N in sizes:
        mine, theirs = {v: [] for v in variants}, []
        for seed in range(args.seeds):
            for v in variants:
                r, t_med, c_med, pos, sig, L = ours(N, args.repeat, seed, v)
                mine[v].append((r.steps, t_med, c_med))
                print(f"ours   N={N} seed {seed}: steps={r.steps} time={t_med:.3f}s (cpu {c_med:.3f}s) "
                      f"per-step={t_med / r.steps * 1e6:.1f}us E/N={r.energy / N:.4e} "
                      f"maxF={r.max_force:.2e} (neighbour builds {r.builds}; {v})")
            if seed == 0:
                contacts = len(jamming.pair_table(pos, sig, L, 2.0)["h"])
                floor = arithmetic_floor(contacts) * r.steps
                print(f"floor  N={N} seed 0: {contacts} contacts x {r.steps} steps x (1 sqrt + 1 div) "
                      f"= {floor:.3f}s ({floor / r.steps * 1e6:.1f}us/step, arithmetic alone)")
            if args.peer_python:
                p = peer(args.peer_python, N, seed)
                if p:
                    steps, t, e, fm, ver, c = p
                    theirs.append((steps, t, c))
                    print(f"jax-md N={N} seed {seed}: steps={steps} time={t:.3f}s (cpu {c:.3f}s) "
                          f"per-step={t / steps * 1e6:.1f}us E/N={e:.4e} maxF={fm:.2e} "
                          f"(jax {ver}, measured now)")
                else:
                    for v in variants:
                        mine[v].pop()
            elif seed == 0 and N in REFERENCE:
                theirs.append((*REFERENCE[N], np.nan))
                print(f"jax-md N={N} seed 0: steps={REFERENCE[N][0]} time={REFERENCE[N][1]}s "
                      "(REFERENCE from docs/performance.md, not measured)")
        if theirs:
            kind = "measured" if args.peer_python else "reference, seed 0"
            for v in variants:
                rows.append((N, v, len(theirs), *np.sum(mine[v][:len(theirs)], 0),
                             *np.sum(theirs, 0), kind))
        print()
    print("summary (time to max|F| < 1e-12 summed over the seeds; speed-up = jax-md time / our "
          "time; target >= 5). Wall time is what a user waits for; CPU time (all threads of the "
          "process) is robust to other jobs on the machine, and where the two ratios differ the "
          "machine was shared:")
    print(f"  {'N':>5} {'ours':>5} {'seeds':>5} {'ours steps':>10} {'ours s':>8} {'jax steps':>9} "
          f"{'jax s':>8} {'speed-up':>8} {'per step':>8} {'cpu speed-up':>12}")
    for N, v, n, s1, t1, c1, s2, t2, c2, kind in rows:
        print(f"  {N:>5} {v:>5} {n:>5} {int(s1):>10} {t1:>8.3f} {int(s2):>9} {t2:>8.3f} "
              f"{t2 / t1:>8.1f} {(t2 / s2) / (t1 / s1):>8.1f} {c2 / c1:>12.1f}  ({kind})")
    if not args.no_jam:
        diam = packing.make_diameters(1024)
        rng = np.random.default_rng(np.random.SeedSequence(0).spawn(1)[0])
        L = packing.box_side(diam, 0.80, 2)
        pos = packing.random_positions(1024, 2, L, rng)
        t0 = time.perf_counter()
        jr = jamming.find_phi_J(pos, diam, L, 2.0, 0.80, 0.01, 1e-6, 1e-16,
                                dict(dt_start=0.05, dt_max=0.5, f_tol=1e-13, skin=0.3))
        t = time.perf_counter() - t0
        st = jamming.structure(jr.pos, diam, jr.L, 2.0)
        print(f"\nphi_J of one N = 1024 packing (2D bidisperse, bracket < 1e-6): phi_J = {jr.phi_J:.7f} "
              f"in {t:.1f}s (target < 60 s); {jr.minimisations} minimisations, {jr.fire_steps} FIRE "
              f"steps; contacts {st.contacts} vs isostatic {st.isostatic_contacts}")
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
