"""What the overlay figures share: system colours, one colour per waiting time across runs,
compact legends, power-law guides, labels."""
from __future__ import annotations

import math

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from compare.roles import scalar

SYSTEM_COLORS = {"pspin": "C0", "ck": "k", "spheres": "C1", "dnn_over": "C2", "dnn_under": "C3"}
SYSTEM_COLORS["ellipses"] = "C4"


def tw_color_map(*runs):
    """One colour per waiting time shared by all runs (log-normalised over the union of tw)."""
    tws = np.concatenate([np.asarray(r["tw"], float) for r in runs if r is not None and "tw" in r] or [np.ones(1)])
    tws = tws[tws > 0]
    lo, hi = (float(tws.min()), float(tws.max())) if tws.size else (1.0, 10.0)
    if hi <= lo:
        hi = lo * 10.0
    norm = mcolors.LogNorm(lo, hi)

    def colors(run):
        return plt.cm.viridis(0.85 * norm(np.asarray(run["tw"], float)))
    return colors


def has_two_time(run, name):
    return run is not None and name in run and "tw" in run and len(run["tw"]) > 0


def no_data(ax, text):
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=8, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def tw_legend(ax, tws, colors, extra=(), loc="best", title=None, ncol=1):
    """A compact legend: one entry per tw colour plus line-style entries (sim, CK, ...)."""
    handles = [Line2D([], [], color=c, lw=1.6) for c in colors]
    labels = [f"$t_w$ = {w:.3g}" for w in tws]
    for h, lab in extra:
        handles.append(h)
        labels.append(lab)
    ax.legend(handles, labels, loc=loc, title=title, fontsize=7 if ncol == 1 else 6, title_fontsize=7,
              ncol=ncol, columnspacing=0.8, handlelength=1.5)


def guide_line(ax, x0, x1, y0, slope, label, color="0.3"):
    """A power-law guide y = y0 (x/x0)^slope between x0 and x1 (log-log axes)."""
    xs = np.geomspace(x0, x1, 20)
    ax.plot(xs, y0 * (xs / x0) ** slope, ls=":", color=color, lw=1.4, label=label)


def guide_through(ax, x, y, slope, label, xmax=None, color="0.3", above=2.0):
    """A power-law guide of the given slope placed `above` times over the data (x, y) with
    x <= xmax (a guide to the eye, not a fit), drawn over that range."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if xmax is not None:
        ok &= x <= xmax
    if ok.sum() < 2:
        return
    amp = float(np.exp(np.median(np.log(y[ok]) - slope * np.log(x[ok]))))
    x0, x1 = x[ok].min(), x[ok].max()
    guide_line(ax, x0, x1, above * amp * x0 ** slope, slope, label, color=color)


def flag(run, label: str) -> str:
    """`label`, marked "(interrupted)" when the record did not complete: compare draws it, and says so."""
    if run is not None and getattr(run, "status", "complete") != "complete":
        return f"{label} (interrupted)"
    return label


def pspin_label(run):
    return flag(run, f"p-spin N = {run.config.get('N', '?')}, {run['energy'].shape[0]} samples")


def net_label(run, kind):
    N, P = scalar(run, "dnn/N"), scalar(run, "dnn/P")
    w = run.config.get("width")
    s = f"{kind}-parametrised net"
    if math.isfinite(N) and math.isfinite(P):
        s += f" (N/P = {N / P:.3g}" + (f", width {w}" if w is not None else "") + ")"
    return flag(run, s)
