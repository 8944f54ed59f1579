"""Finite N against N = infinity: the spherical p-spin (N = 1000, several samples) beside the exact
Cugliandolo-Kurchan solution, p = 3, T = 0.5, after a quench from a random start.

    python scripts/ck_vs_pspin.py [--N 1000] [--samples 4] [--tmax 100] [--out runs]

Both runs go through compare.runs.execute, so they are cached in --out and reused. Draws
docs/ck_vs_pspin.png: the energy and C(tw, t) for each tw, simulation mean +- standard error
beside the CK curves, and prints how many standard errors apart they are.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, ROOT)

from commands.common import ProgressBar  # noqa: E402
from compare.plots import figure, save, tw_colors  # noqa: E402
from compare.runs import execute  # noqa: E402
from physics import ck, pspin  # noqa: E402
from physics import pspin_theory as theory  # noqa: E402


def runs(N=1000, samples=4, tmax=100.0, T=0.5, out="runs", seed=0, dt=None):
    kw = {} if dt is None else {"dt": dt}
    cfg_p = pspin.default_config(N=N, T=T, tmax=tmax, samples=samples, seed=seed, response=False, **kw)
    bar = ProgressBar(f"p-spin N={N}")
    run_p = execute("pspin", cfg_p, pspin.run, out=out, progress=bar)
    bar.close()
    cfg_c = ck.default_config(T=T, tmax=float(run_p["t"][-1]), tw=[float(w) for w in run_p["tw"]])
    bar = ProgressBar("CK")
    run_c = execute("ck", cfg_c, ck.run, out=out, progress=bar)
    bar.close()
    return run_p, run_c


def deviations(run_p, run_c):
    """(energy, C): max over measurement points (t >= 1) of |simulation mean - CK| / sem."""
    t = run_p["t"]
    e_ck = np.interp(t, run_c["t"], run_c["energy"][0])
    late = t >= 1.0
    m, s = run_p.mean("energy"), run_p.sem("energy")
    dev_e = np.abs(m - e_ck)[late] / s[late]
    devs = []
    for i, w in enumerate(run_p["tw"]):
        j = int(np.argmin(np.abs(run_c["tw"] - w)))
        c_ck = np.interp(t, run_c["t"], run_c["C"][0, j], left=np.nan, right=np.nan)
        mc, sc = run_p.mean("C")[i], run_p.sem("C")[i]
        ok = np.isfinite(c_ck) & np.isfinite(mc) & (sc > 0) & (t - w >= 1.0)
        devs.append(np.abs(mc - c_ck)[ok] / sc[ok])
    return dev_e, np.concatenate(devs)


def draw(pairs, path):
    """One row per (p-spin run, CK run): energy, and C(tw, t) against the lag."""
    fig, ax = figure(2, len(pairs), width=4.8, height=3.4)
    for r, (run_p, run_c) in enumerate(pairs):
        T = run_p.config["T"]
        e_inf = theory.asymptotic_energy(T, {3: 1.0})
        a = ax[r, 0]
        t = run_p["t"]
        a.errorbar(t, run_p.mean("energy"), yerr=run_p.sem("energy"), fmt="o", ms=2.5, lw=0.8, color="C0",
                   label=f"p-spin N = {run_p.config['N']}, dt = {run_p.config['dt']:g} "
                         f"({run_p['energy'].shape[0]} samples)")
        a.plot(run_c["t"], run_c["energy"][0], "k-", lw=1.2, label="CK, N = infinity")
        if e_inf > a.get_ylim()[0]:
            a.axhline(e_inf, color="k", ls=":", lw=0.8, label=f"$e_\\infty$ = {e_inf:.4f}")
        a.set_xscale("log")
        a.set_xlabel("time $t$")
        a.set_ylabel("energy per spin $e(t)$")
        a.legend(loc="lower left")
        a = ax[r, 1]
        colors = tw_colors(len(run_p["tw"]))
        for i, w in enumerate(run_p["tw"]):
            later = t > w
            a.errorbar(t[later] - w, run_p.mean("C")[i, later], yerr=run_p.sem("C")[i, later], fmt="o",
                       ms=2.5, lw=0.8, color=colors[i], label=f"$t_w$ = {w:.3g}")
            j = int(np.argmin(np.abs(run_c["tw"] - w)))
            ok = np.isfinite(run_c["C"][0, j])
            a.plot(run_c["t"][ok] - run_c["tw"][j], run_c["C"][0, j, ok], "-", color=colors[i], lw=1.2)
        a.axhline(theory.plateau_q(T, {3: 1.0}), color="k", ls=":", lw=0.8)
        a.set_xscale("log")
        a.set_xlabel("lag $t - t_w$")
        a.set_ylabel("$C(t_w, t)$")
        a.legend(loc="lower left", title=f"points: p-spin (dt = {run_p.config['dt']:g}); lines: CK",
                 title_fontsize=8)
    fig.suptitle("Spherical 3-spin, T = 0.5: finite N (mean $\\pm$ s.e.) against the exact "
                 "N = $\\infty$ dynamics", fontsize=10)
    return save(fig, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--N", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--runs", default="0.05:40,0.01:2",
                    help="p-spin runs as dt:tmax pairs, one figure row each (default: the p-spin's "
                         "own step 0.05 to t = 40, and dt = 0.01 to t = 2)")
    ap.add_argument("--out", default="runs")
    ap.add_argument("--png", default=os.path.join(ROOT, "docs", "ck_vs_pspin.png"))
    args = ap.parse_args()
    pairs = []
    for item in args.runs.split(","):
        dt, tmax = (float(v) for v in item.split(":"))
        run_p, run_c = runs(args.N, args.samples, tmax, out=args.out, dt=dt)
        dev_e, dev_c = deviations(run_p, run_c)
        print(f"dt = {dt:g}, tmax = {tmax:g}: p-spin {run_p.path}, CK {run_c.path}")
        print(f"  energy, t >= 1: |sim - CK| / s.e.: median {np.median(dev_e):.2f}, max {dev_e.max():.2f}; "
              f"e(t_max) sim {run_p.mean('energy')[-1]:.4f} +- {run_p.sem('energy')[-1]:.4f}, "
              f"CK {run_c['energy'][0, -1]:.4f}")
        print(f"  C, lag >= 1:    |sim - CK| / s.e.: median {np.median(dev_c):.2f}, max {dev_c.max():.2f}, "
              f"fraction within 2 s.e. {np.mean(dev_c < 2):.2f}")
        pairs.append((run_p, run_c))
    print(f"figure: {draw(pairs, args.png)}")


if __name__ == "__main__":
    main()
