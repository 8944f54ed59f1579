"""The one plotting style and the panels every figure is built from (quick-looks and `compare`).

A panel takes a matplotlib Axes and a loaded Run (compare.records.Run), draws mean +- standard
error over samples, and labels its axes in the words of docs/science.md, section 1.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

LABELS = {
    "C": r"$C(t_w, t)$",
    "msd": r"$\Delta(t_w, t)$",
    "chi": r"$\chi(t_w, t)$",
    "Q": r"$Q(t_w, t)$",
    "alpha2": r"$\alpha_2(t_w, t)$",
    "one_minus_C": r"$1 - C(t_w, t)$",
}


def apply_style() -> None:
    plt.rcParams.update({
        "figure.dpi": 110, "savefig.dpi": 150, "font.size": 10, "axes.titlesize": 10,
        "axes.labelsize": 10, "legend.fontsize": 8, "legend.frameon": False,
        "axes.spines.top": False, "axes.spines.right": False, "lines.linewidth": 1.4,
    })


apply_style()


def figure(ncols: int = 1, nrows: int = 1, width: float = 4.0, height: float = 3.2, **kw):
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kw)
    return fig, axes


def save(fig, path, pdf: bool = False) -> Path:
    """Write PNG (and PDF when asked) and close the figure. Returns the PNG path."""
    path = Path(path).with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    if pdf:
        fig.savefig(path.with_suffix(".pdf"))
    plt.close(fig)
    return path


def tw_colors(n: int):
    return plt.cm.viridis(np.linspace(0.0, 0.85, max(n, 1)))


def band(ax, x, y, err=None, label=None, color=None, ls="-", marker=None, **kw):
    """A line with a shaded standard-error band (NaN points dropped)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    line, = ax.plot(x[ok], y[ok], ls=ls, color=color, label=label, marker=marker, ms=3, **kw)
    if err is not None:
        e = np.asarray(err, float)[ok]
        if np.any(np.isfinite(e)):
            e = np.nan_to_num(e)
            ax.fill_between(x[ok], y[ok] - e, y[ok] + e, color=line.get_color(), alpha=0.2, lw=0)
    return line


def plot_energy(ax, run, label=None, asymptote=None, subtract=False, color=None,
                ylabel="energy per degree of freedom $e(t)$"):
    """e(t) against t (log t). With asymptote: a dashed line, or e - e_inf on log-log if subtract."""
    t, m, s = run["t"], run.mean("energy"), run.sem("energy")
    if subtract and asymptote is not None:
        band(ax, t, m - asymptote, s, label=label, color=color)
        ax.set_yscale("log")
        ax.set_ylabel(r"$e(t) - e_\infty$")
    else:
        band(ax, t, m, s, label=label, color=color)
        if asymptote is not None:
            ax.axhline(asymptote, color="k", ls="--", lw=0.8, label=f"asymptote {asymptote:.4f}")
        ax.set_ylabel(ylabel)
    ax.set_xscale("log")
    ax.set_xlabel("time $t$")
    return ax


def two_time_curves(run, name: str):
    """Yield (i, tw, lag, mean, sem) for every waiting time of a two-time observable."""
    t, tw = run["t"], run["tw"]
    m, s = run.mean(name), run.sem(name)
    for i, w in enumerate(tw):
        later = t > w
        yield i, w, t[later] - w, m[i, later], s[i, later]


def plot_two_time(ax, run, name: str = "C", scaled: bool = False, one_minus: bool = False,
                  ls="-", label_prefix="", colors=None, legend=True):
    """A two-time observable against the lag t - tw (or (t - tw)/tw), one curve per tw."""
    tw = run["tw"]
    colors = tw_colors(len(tw)) if colors is None else colors
    for i, w, lag, m, s in two_time_curves(run, name):
        x = lag / w if scaled else lag
        y = 1.0 - m if one_minus else m
        band(ax, x, y, s, color=colors[i], ls=ls, label=f"{label_prefix}$t_w$ = {w:.3g}")
    ax.set_xscale("log")
    ax.set_xlabel(r"$(t - t_w)/t_w$" if scaled else r"lag $t - t_w$")
    ax.set_ylabel(LABELS["one_minus_C"] if one_minus else LABELS.get(name, name))
    if name in ("msd",) or one_minus:
        ax.set_yscale("log")
    if legend:
        ax.legend(loc="best")
    return ax


def plot_fdt(ax, run, T: float, x_slope: float | None = None, ls="-", label_prefix="", colors=None,
             legend=True, q_EA: float | None = None, sphere: bool = False):
    """FDT plot: T chi(tw, t) against Delta(tw, t)/2, one curve per tw, with the equilibrium line
    of slope 1. Delta/2 = C(t,t) - C(tw,t) = 1 - C(tw,t) only on the sphere |s|^2 = N (p-spin,
    CK): `sphere` says so on the axis.
    x_slope: the aging line of slope x, drawn from (1 - q_EA, 1 - q_EA) when q_EA is given (the
    mean-field two-slope plot), else from the origin."""
    if "chi" not in run:
        ax.text(0.5, 0.5, "response not measured", ha="center", va="center", transform=ax.transAxes)
        return ax
    tw = run["tw"]
    colors = tw_colors(len(tw)) if colors is None else colors
    msd, chi = run.mean("msd"), run.mean("chi")
    xmax = 0.0
    for i, w in enumerate(tw):
        x, y = msd[i] / 2.0, T * chi[i]
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.any():
            xmax = max(xmax, float(np.nanmax(x[ok])))
        ax.plot(x[ok], y[ok], ls=ls, color=colors[i], marker="o", ms=2,
                label=f"{label_prefix}$t_w$ = {w:.3g}")
    xx = np.linspace(0.0, max(xmax, 1e-12), 50)
    ax.plot(xx, xx, "k--", lw=0.8, label="equilibrium (slope 1)")
    if x_slope is not None:
        if q_EA is not None:
            d = np.linspace(1.0 - q_EA, 1.0, 20)
            ax.plot(d, (1.0 - q_EA) + x_slope * (d - (1.0 - q_EA)), "k:", lw=1.0,
                    label=f"aging slope x = {x_slope:.3f}")
        else:
            ax.plot(xx, x_slope * xx, "k:", lw=0.8, label=f"slope x = {x_slope:.3f}")
    ax.set_xlabel(r"$\Delta(t_w,t)/2$" + (r" $= 1 - C(t_w,t)$ (sphere)" if sphere else ""))
    ax.set_ylabel(r"$T\,\chi(t_w, t)$")
    if legend:
        ax.legend(loc="best")
    return ax
