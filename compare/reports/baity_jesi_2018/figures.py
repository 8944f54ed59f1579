"""The figures of the Baity-Jesi et al. 2018 report, drawn with our records (sample means): the msd
curves of the over- and under-parametrised nets with t1 and t2, the collapse msd/D(tw), the loss
with t1 and t2, and the trap model's Pi beside H_x."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from compare.plots import figure, save
from compare.reports.baity_jesi_2018 import measure as M

STYLE = {0: ":", 1: ":", 2: "--", 3: "-"}
REGIME = {0: "?", 1: "regime 1", 2: "aging", 3: "past t2"}


def _colors(n: int):
    import matplotlib.pyplot as plt
    return plt.cm.viridis(np.linspace(0.05, 0.9, max(n, 1)))


def _t12(r) -> str:
    out = []
    for key in ("t1", "t2"):
        e = r[key]
        out.append(f"{key} {e.bound or '='} {e.value:.3g}" if math.isfinite(e.value) else f"{key}: none")
    return ", ".join(out)


def msd_figure(runs, scale, path):
    """msd(tw, tw + lag) against lag for every tw, over- (left) and under-parametrised (right);
    line style by regime (dotted: tw <= t1, dashed: aging, solid: past t2)."""
    fig, ax = figure(2, 1, width=4.4, height=3.8)
    for a, name in zip(ax[0], (M.OVER, M.UNDER)):
        run = runs[name]
        c, r = M.curves(run), M.regimes_of(run)
        for i, (w, col) in enumerate(zip(c["tw"], _colors(len(c["tw"])))):
            t = c["t"]
            ok = (t > w) & np.isfinite(c["msd"][i]) & (c["msd"][i] > 0)
            a.plot(t[ok] - w, c["msd"][i][ok], STYLE[r["phase"][i]], color=col, lw=1.3,
                   label=f"tw = {w:.3g} ({REGIME[r['phase'][i]]})")
        lag = np.geomspace(c["lr"], c["t"][-1], 20)
        ref = np.nanmax(c["msd"][-1]) if np.isfinite(c["msd"][-1]).any() else 1.0
        a.plot(lag, ref * (lag / lag[-1]), "k-", lw=0.6, alpha=0.5, label="slope 1 (diffusion)")
        a.plot(lag, ref * (lag / lag[-1]) ** 2, "k--", lw=0.6, alpha=0.5, label="slope 2 (ballistic)")
        a.set(xscale="log", yscale="log", xlabel="lag t - tw (time units, steps x lr)",
              ylabel="msd(tw, tw + lag) per weight",
              title=f"{M.regime_word(run)}: width {run.config['width']}, N = {c['N']:.0f}\n{_t12(r)}")
        a.set_ylim(bottom=max(np.nanmin(np.where(c["msd"] > 0, c["msd"], np.nan)) / 2, 1e-12))
        a.legend(fontsize=6, loc="upper left")
    return save(fig, path)


def collapse_figure(runs, scale, path):
    """Over-parametrised net: left, the noise strength D(tw) against tw with t1, t2; right,
    msd(tw, tw + lag) / D(tw) against lag (solid: tw past t2, where the paper sees the collapse)."""
    run = runs[M.OVER]
    c, r = M.curves(run), M.regimes_of(run)
    fig, ax = figure(2, 1, width=4.4, height=3.6)
    a = ax[0, 0]
    a.plot(c["tw"], c["D"], "o-", color="C0")
    for key, ls in (("t1", ":"), ("t2", "--")):
        e = r[key]
        if math.isfinite(e.value):
            a.axvline(e.value, color="grey", ls=ls, label=f"{key} {e.bound or '='} {e.value:.3g}")
    a.set(xscale="log", yscale="log", xlabel="tw (time units, steps x lr)", ylabel="D(tw) (loss units)",
          title="SGD noise D = lr <Var(minibatch grad)> / 2(1-$\\beta$)$^2$")
    a.legend(fontsize=7)
    b = ax[0, 1]
    for i, (w, col) in enumerate(zip(c["tw"], _colors(len(c["tw"])))):
        if not (np.isfinite(c["D"][i]) and c["D"][i] > 0):
            continue
        t = c["t"]
        ok = (t > w) & np.isfinite(c["msd"][i]) & (c["msd"][i] > 0)
        b.plot(t[ok] - w, c["msd"][i][ok] / c["D"][i], STYLE[r["phase"][i]], color=col,
               label=f"tw = {w:.3g}")
    lag = np.geomspace(c["lr"], c["t"][-1], 20)
    b.plot(lag, 2 * lag, "k-", lw=0.7, alpha=0.6, label="2 lag (Langevin at T = D)")
    b.set(xscale="log", yscale="log", xlabel="lag t - tw (time units)", ylabel="msd / D(tw)",
          title="collapse msd / D(tw) (solid: past t2)")
    b.legend(fontsize=6, loc="upper left")
    return save(fig, path)


def loss_figure(runs, scale, path):
    """Training loss against t, over- and under-parametrised, with t1 (dotted) and t2 (dashed) of
    each."""
    fig, ax = figure(1, 1, width=5.0, height=3.6)
    a = ax[0, 0]
    for name, col in ((M.OVER, "C0"), (M.UNDER, "C3")):
        run = runs[name]
        c, r = M.curves(run), M.regimes_of(run)
        ok = c["t"] > 0
        a.plot(c["t"][ok], c["loss"][ok], "-", color=col,
               label=f"width {run.config['width']} ({M.regime_word(run)}), N = {c['N']:.0f}")
        for key, ls in (("t1", ":"), ("t2", "--")):
            e = r[key]
            if math.isfinite(e.value):
                a.axvline(e.value, color=col, ls=ls, lw=1,
                          label=f"{key} {e.bound or '='} {e.value:.3g}")
    a.set(xscale="log", yscale="log", xlabel="t (time units, steps x lr)",
          ylabel="training loss (square loss, one-hot)", title="loss against time, t1 and t2")
    a.legend(fontsize=7)
    return save(fig, path)


def trap_figure(runs, scale, path):
    """Trap model: Pi(tw, tw + t) against t/tw for every tw, beside the aging limit H_x(t/tw)."""
    from physics import trap_theory as th
    run = runs["trap"]
    x = float(run.config["x"])
    t, tw, C = np.asarray(run["t"], float), np.asarray(run["tw"], float), run.mean("C")
    fig, ax = figure(1, 1, width=5.0, height=3.6)
    a = ax[0, 0]
    for i, (w, col) in enumerate(zip(tw, _colors(len(tw)))):
        ok = (t > w) & np.isfinite(C[i])
        a.plot((t[ok] - w) / w, C[i][ok], "o", ms=2.5, color=col, label=f"Monte Carlo, tw = {w:.3g}")
    u = np.geomspace(1e-3, 1e3, 200)
    a.plot(u, th.scaling_function(x, u), "k-", lw=1.2, label=f"H_x(t/tw), x = {x:g}")
    a.set(xscale="log", xlabel="t / tw", ylabel="Pi(tw, tw + t): no jump",
          title=f"trap model, x = T/T_g = {x:g}")
    a.set_xlim(1e-3, 1e3)
    a.legend(fontsize=7)
    return save(fig, path)


def draw_all(runs, scale, folder) -> list:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        (msd_figure(runs, scale, folder / "msd.png"),
         "msd(tw, tw + lag) per weight against the lag for 10 waiting times, over-parametrised (left) and "
         "under-parametrised (right); dotted: tw <= t1, dashed: aging, solid: past t2 (analysis.regimes)"),
        (collapse_figure(runs, scale, folder / "collapse.png"),
         "Over-parametrised net: the SGD noise strength D(tw) with t1 and t2 (left) and msd / D(tw) "
         "against the lag (right; the paper's collapse past t2)"),
        (loss_figure(runs, scale, folder / "loss.png"),
         "Training loss against t for both nets, with t1 (dotted) and t2 (dashed)"),
        (trap_figure(runs, scale, folder / "trap.png"),
         "Trap model: the probability of no jump Pi(tw, tw + t) against t/tw beside H_x(t/tw) "
         "(Bouchaud & Dean 1995)"),
    ]
