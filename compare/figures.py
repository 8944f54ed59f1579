"""The overlays on shared axes (shared/SCIENCE.md, sections 1 to 5): every system in one figure.

`compare` works on *roles*: the one record that plays each part in the figures.

    pspin        a p-spin aging run (a quench to T < T_d)
    ck           the N = infinity CK run at the same p and T
    spheres_jam  a soft-sphere jamming run (protocol "jam")
    spheres_age  a soft-sphere Langevin aging run (protocol "age")
    dnn_over     an over-parametrised net under Langevin dynamics (protocol "langevin")
    dnn_under    an under-parametrised net under Langevin dynamics
    dnn_jam      a jamming sweep of nets (protocol "jamming")

`choose_roles(runs)` picks the most fitting record for each role; each `fig_*` function takes the
dict {role: Run} (missing roles absent or None), draws what it can and returns a matplotlib Figure
(None when nothing of it can be drawn); `make_figures` saves them (PNG and PDF).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from compare import plots
from physics import pspin_theory as theory

# ----------------------------------------------------------------------------- published values
# shared/SCIENCE.md, sections 3 and 4
THETA_SPHERES, GAMMA_SPHERES = 0.42, 0.41
THETA_NETS, GAMMA_NETS = 0.3, 0.2
C0_NETS = 0.5

SYSTEM_COLORS = {"pspin": "C0", "ck": "k", "spheres": "C1", "dnn_over": "C2", "dnn_under": "C3"}


# ----------------------------------------------------------------------------- config access

def cget(run, *keys, default=None):
    """The first of `keys` present in the run's config (configs name things slightly differently)."""
    for k in keys:
        if run is not None and k in run.config and run.config[k] is not None:
            return run.config[k]
    return default


def mixture_of(run) -> dict:
    mix = cget(run, "mix", "mixture")
    if isinstance(mix, dict) and mix:
        return theory.as_mixture(mix=mix)
    return theory.as_mixture(p=int(cget(run, "p", default=3)))


def temperature(run, default=float("nan")) -> float:
    return float(cget(run, "T", "temperature", "kT", default=default))


def protocol(run) -> str | None:
    return cget(run, "protocol", "mode")


def dimension(run) -> int:
    return int(cget(run, "dim", "d", "dimension", default=2))


def scalar(run, name, default=float("nan")) -> float:
    if run is None or name not in run:
        return default
    a = np.asarray(run[name], float).ravel()
    return float(a[0]) if a.size == 1 else float(np.nanmean(a))


def n_over_p(run) -> float:
    """N / P of a Langevin net."""
    return scalar(run, "dnn/N") / scalar(run, "dnn/P")


def is_overparametrised(run) -> bool:
    """Decided at the end of training as nets does: N_Delta <= 0.1 N (unsatisfied constraints
    per weight); without N_Delta, by the loss falling by 1e3 or below 1e-6."""
    loss = run.mean("energy")
    loss = loss[np.isfinite(loss)]
    if loss.size == 0:
        return False
    N = scalar(run, "dnn/N")
    if "dnn/N_delta" in run and math.isfinite(N) and N > 0:
        # the criterion of nets (Geiger et al.): under-parametrised when N_Delta > 0.1 N
        nd = run.mean("dnn/N_delta")
        nd = nd[np.isfinite(nd)]
        if nd.size:
            return bool(nd[-1] <= 0.1 * N)
    return bool(loss[-1] < 1e-3 * max(loss[0], 1e-12) or loss[-1] < 1e-6)


# ----------------------------------------------------------------------------- roles

@dataclass(frozen=True)
class Role:
    name: str
    system: str
    what: str       # in words, for messages
    command: str    # the command that makes such a record


ROLES = {
    "pspin": Role("pspin", "pspin", "p-spin aging record (a quench to T < T_d)",
                  "python cli.py pspin --N 1000"),
    "ck": Role("ck", "ck", "CK (N = infinity) record at the p-spin's p and T",
               "python cli.py ck --p 3 --T 0.5 --tmax 1e3"),
    "spheres_jam": Role("spheres_jam", "spheres", "soft-sphere jamming record",
                        "python cli.py spheres jam --N 256 --dim 2"),
    "spheres_age": Role("spheres_age", "spheres", "soft-sphere aging record",
                        "python cli.py spheres age --N 256 --dim 2"),
    "dnn_over": Role("dnn_over", "dnn", "over-parametrised net (Langevin) record",
                     "python cli.py dnn --width 64"),
    "dnn_under": Role("dnn_under", "dnn", "under-parametrised net (Langevin) record",
                      "python cli.py dnn --width 4"),
    "dnn_jam": Role("dnn_jam", "dnn", "net jamming sweep record", "python cli.py dnn jamming"),
}


def ck_command(p: int, T: float, tmax: float) -> str:
    return f"python cli.py ck --p {p} --T {T:g} --tmax {tmax:g}"


def missing_message(role: str, where: str = "runs/", command: str | None = None) -> str:
    r = ROLES[role]
    return f"no {r.what} in {where}: make one with `{command or r.command}`"


def _tmax(run) -> float:
    t = np.asarray(run["t"], float) if "t" in run else np.array([])
    return float(t[-1]) if t.size else 0.0


def choose_roles(runs) -> dict:
    """The most fitting record for each role among `runs` (Run objects), {role: Run}."""
    runs = [r for r in runs if r is not None]
    roles: dict = {}

    def best(cands, key):
        return max(cands, key=key) if cands else None

    # p-spin: an aging quench below T_d with two-time data; prefer response, then size, samples
    ps = []
    for r in runs:
        if r.system != "pspin" or "tw" not in r or len(r["tw"]) == 0 or "C" not in r:
            continue
        T = temperature(r)
        if not (T < theory.dynamical_temperature(mixture_of(r))):
            continue
        ps.append(r)
    roles["pspin"] = best(ps, lambda r: ("chi" in r, r.config.get("N", 0) * r["energy"].shape[0],
                                         _tmax(r)))
    # CK: same p (mixture) and T as the chosen p-spin (or any aging CK run if there is no p-spin)
    cks = [r for r in runs if r.system == "ck" and "C" in r]
    if roles["pspin"] is not None:
        ref = roles["pspin"]
        cks = [r for r in cks if mixture_of(r) == mixture_of(ref)
               and abs(temperature(r) - temperature(ref)) < 1e-9]
        # the longest (the plateau and the aging show better), sharing the p-spin's waiting times
        tws = set(np.round(np.asarray(ref["tw"], float), 6))
        roles["ck"] = best(cks, lambda r: (_tmax(r) >= _tmax(ref),
                                           len(tws & set(np.round(np.asarray(r["tw"], float), 6))), _tmax(r)))
    else:
        cks = [r for r in cks if temperature(r) < theory.dynamical_temperature(mixture_of(r))]
        roles["ck"] = best(cks, _tmax)
    # spheres
    jams = [r for r in runs if r.system == "spheres" and (protocol(r) == "jam" or "spheres/phi_J" in r)]
    roles["spheres_jam"] = best(jams, lambda r: (len(np.ravel(r["spheres/phi_J"])) if "spheres/phi_J" in r else 0,
                                                 cget(r, "N", default=0)))
    ages = [r for r in runs if r.system == "spheres" and protocol(r) == "age" and "tw" in r and len(r["tw"])]
    roles["spheres_age"] = best(ages, lambda r: ("msd" in r, _tmax(r), cget(r, "N", default=0)))
    # nets under Langevin: the over-parametrised one with the largest N/P, the under- with the smallest
    lang = [r for r in runs if r.system == "dnn" and protocol(r) in ("langevin", None)
            and "tw" in r and len(r["tw"]) and "energy" in r]
    over = [r for r in lang if is_overparametrised(r)]
    under = [r for r in lang if not is_overparametrised(r)]
    roles["dnn_over"] = best(over, lambda r: (n_over_p(r) if math.isfinite(n_over_p(r)) else 0, _tmax(r)))
    roles["dnn_under"] = best(under, lambda r: (-n_over_p(r) if math.isfinite(n_over_p(r)) else 0, _tmax(r)))
    jn = [r for r in runs if r.system == "dnn" and (protocol(r) == "jamming" or "dnn/N_delta_final" in r)]
    roles["dnn_jam"] = best(jn, lambda r: len(np.ravel(r["dnn/N"])) if "dnn/N" in r else 0)
    return roles


# ----------------------------------------------------------------------------- helpers

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


def tw_legend(ax, tws, colors, extra=(), loc="best", title=None):
    """A compact legend: one entry per tw colour plus line-style entries (sim, CK, ...)."""
    handles = [Line2D([], [], color=c, lw=1.6) for c in colors]
    labels = [f"$t_w$ = {w:.3g}" for w in tws]
    for h, l in extra:
        handles.append(h)
        labels.append(l)
    ax.legend(handles, labels, loc=loc, title=title, fontsize=7, title_fontsize=7)


def guide_line(ax, x0, x1, y0, slope, label, color="0.3"):
    """A power-law guide y = y0 (x/x0)^slope between x0 and x1 (log-log axes)."""
    xs = np.geomspace(x0, x1, 20)
    ax.plot(xs, y0 * (xs / x0) ** slope, ls=":", color=color, lw=1.4, label=label)


def guide_through(ax, x, y, slope, label, xmax=None, color="0.3", above=2.0):
    """A power-law guide of the given slope placed `above` times over the data (x, y) with
    x <= xmax (amplitude: the median of log y - slope log x), drawn over that range."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if xmax is not None:
        ok &= x <= xmax
    if ok.sum() < 2:
        return
    amp = float(np.exp(np.median(np.log(y[ok]) - slope * np.log(x[ok]))))
    x0, x1 = x[ok].min(), x[ok].max()
    guide_line(ax, x0, x1, above * amp * x0 ** slope, slope, label, color=color)


def log_histogram(values, bins=25, lo=None, hi=None):
    """Density of positive values on log-spaced bins: (centres, density, sem-ish error)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size < 5:
        return None
    lo = lo if lo is not None else max(float(np.quantile(v, 0.005)), v.max() * 1e-12)
    hi = hi if hi is not None else v.max()
    if not hi > lo:
        return None
    edges = np.geomspace(lo, hi * (1 + 1e-9), bins + 1)
    counts, _ = np.histogram(v, edges)
    width = np.diff(edges)
    dens = counts / (v.size * width)
    err = np.sqrt(counts) / (v.size * width)
    centres = np.sqrt(edges[:-1] * edges[1:])
    ok = counts > 0
    return centres[ok], dens[ok], err[ok]


def power_law_fit(x, y, xmax=None, xmin=None):
    """Slope of log y against log x (least squares) for xmin <= x <= xmax, and its standard error."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if xmax is not None:
        ok &= x <= xmax
    if xmin is not None:
        ok &= x >= xmin
    if ok.sum() < 3:
        return float("nan"), float("nan")
    lx, ly = np.log(x[ok]), np.log(y[ok])
    A = np.vstack([lx, np.ones_like(lx)]).T
    coef, res, *_ = np.linalg.lstsq(A, ly, rcond=None)
    n = ok.sum()
    resid = ly - A @ coef
    s2 = float(resid @ resid) / max(n - 2, 1)
    se = math.sqrt(s2 / max(float(((lx - lx.mean()) ** 2).sum()), 1e-300))
    return float(coef[0]), se


def pspin_label(run):
    return f"p-spin N = {cget(run, 'N', default='?')}, {run['energy'].shape[0]} samples"


def net_label(run, kind):
    N = scalar(run, "dnn/N")
    P = scalar(run, "dnn/P")
    w = cget(run, "width", "h")
    s = f"{kind}-parametrised net"
    if math.isfinite(N) and math.isfinite(P):
        s += f" (N/P = {N / P:.3g}" + (f", width {w}" if w is not None else "") + ")"
    return s


# ----------------------------------------------------------------------------- 1. energy

def fig_energy(roles: dict):
    """Energy or loss against t after the quench, each system against its own asymptote."""
    ps, ck, sa = roles.get("pspin"), roles.get("ck"), roles.get("spheres_age")
    over, under = roles.get("dnn_over"), roles.get("dnn_under")
    panels = []
    if ps is not None or ck is not None:
        panels.append("pspin")
    if sa is not None:
        panels.append("spheres")
    if over is not None or under is not None:
        panels.append("nets")
    if not panels:
        return None
    fig, axes = plots.figure(ncols=len(panels), width=4.2, height=3.4)
    for ax, which in zip(axes[0], panels):
        if which == "pspin":
            ref = ps if ps is not None else ck
            mix, T = mixture_of(ref), temperature(ref)
            e_inf = theory.asymptotic_energy(T, mix)
            if ps is not None:
                plots.plot_energy(ax, ps, label=pspin_label(ps), asymptote=e_inf, subtract=True,
                                  color=SYSTEM_COLORS["pspin"])
            if ck is not None:
                t, e = ck["t"], ck.mean("energy")
                plots.band(ax, t, e - e_inf, None, label="CK, N = $\\infty$", color="k", ls="--")
                ax.set_xscale("log")
                ax.set_yscale("log")
            ax.set_xlabel("time $t$ after the quench")
            ax.set_ylabel(r"$e(t) - e_\infty$ (energy per spin)")
            ax.set_title(f"p-spin p = {'+'.join(map(str, mix))}, T = {T:g}:  $e_\\infty$ = {e_inf:.4f}")
            ax.legend(loc="lower left")
        elif which == "spheres":
            T = temperature(sa)
            plots.plot_energy(ax, sa, label=f"N = {cget(sa, 'N', default='?')}, "
                              f"$\\varphi$ = {cget(sa, 'phi', default='?')}", color=SYSTEM_COLORS["spheres"],
                              ylabel="potential energy per particle $U/N$ ($\\epsilon$)")
            e = sa.mean("energy")
            if np.all(e[np.isfinite(e)] > 0):
                ax.set_yscale("log")
            if math.isfinite(T) and T > 0:
                # equipartition of the harmonic (jammed) solid: U/N -> d T / 2
                d = dimension(sa)
                ax.axhline(d * T / 2, color="k", ls="--", lw=0.8, label=f"thermal part $dT/2$ = {d * T / 2:.3g} (equipartition)")
            ax.set_xlabel("time $t$ after the quench")
            ax.set_title(f"soft spheres, T = {T:g}")
            ax.legend(loc="best")
        else:
            for run, kind, c in ((over, "over", SYSTEM_COLORS["dnn_over"]),
                                 (under, "under", SYSTEM_COLORS["dnn_under"])):
                if run is None:
                    continue
                plots.band(ax, run["t"], run.mean("energy"), run.sem("energy"),
                           label=net_label(run, kind), color=c)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("time $t$ = steps $\\times$ lr")
            ax.set_ylabel("training loss $L(t)$ (asymptote 0 if fitted)")
            ax.set_title("nets, Langevin, hinge loss")
            ax.legend(loc="lower left")
    fig.suptitle("1. Energy after the quench, against each system's asymptote", fontsize=10)
    return fig


# ----------------------------------------------------------------------------- 2. aging

def _aging_panels(roles):
    ps, ck = roles.get("pspin"), roles.get("ck")
    panels = []
    if has_two_time(ps, "msd") or has_two_time(ck, "msd"):
        T = temperature(ps if ps is not None else ck)
        title = {(True, True): "p-spin N = {N} and CK", (True, False): "p-spin N = {N}",
                 (False, True): "p-spin, CK N = $\\infty$"}[(ps is not None, ck is not None)]
        panels.append((title.format(N=cget(ps, "N", default="?")) + f", T = {T:g}", [(ps, "-"), (ck, "--")]))
    if has_two_time(roles.get("spheres_age"), "msd"):
        sa = roles["spheres_age"]
        panels.append((f"soft spheres, $\\varphi$ = {cget(sa, 'phi', default='?')}, T = {temperature(sa):g}",
                       [(sa, "-")]))
    for key, kind in (("dnn_over", "over"), ("dnn_under", "under")):
        r = roles.get(key)
        if has_two_time(r, "msd"):
            panels.append((f"{kind}-parametrised net, N/P = {n_over_p(r):.3g}", [(r, "-")]))
    return panels


def fig_aging(roles: dict):
    """msd against the lag t - tw (top) and against (t - tw)/tw (bottom), one column per system,
    the same axis ranges in every panel; the p-spin with the CK curve on top (dashed)."""
    panels = _aging_panels(roles)
    if not panels:
        return None
    n = len(panels)
    fig, axes = plots.figure(ncols=n, nrows=2, width=3.4, height=3.0)
    for row, scaled in ((0, False), (1, True)):
        for j, (title, curves) in enumerate(panels):
            ax = axes[row, j]
            present = [r for r, _ in curves if r is not None]
            colors = tw_color_map(*present)
            for r, ls in curves:
                if r is None:
                    continue
                plots.plot_two_time(ax, r, "msd", scaled=scaled, ls=ls, colors=colors(r), legend=False)
            ax.set_ylabel(r"msd $\Delta(t_w, t)$ per degree of freedom")
            if row == 0:
                ax.set_title(title)
            ref = present[0]
            extra = []
            styles = {ls for r, ls in curves if r is not None}
            if "--" in styles:
                if "-" in styles:
                    extra.append((Line2D([], [], color="0.3", ls="-"), "simulation"))
                extra.append((Line2D([], [], color="0.3", ls="--"), "CK, N = $\\infty$"))
            # tw legend from the run with the most waiting times
            ref = max(present, key=lambda r: len(r["tw"]))
            if row == 0:
                tw_legend(ax, ref["tw"], colors(ref), extra=extra, loc="upper left")
        # the same ranges in every panel of the row
        xs = [a.get_xlim() for a in axes[row]]
        ys = [a.get_ylim() for a in axes[row]]
        xlim = (min(x[0] for x in xs), max(x[1] for x in xs))
        ylim = (max(min(y[0] for y in ys), max(y[1] for y in ys) * 1e-8), max(y[1] for y in ys))
        for a in axes[row]:
            a.set_xlim(*xlim)
            a.set_ylim(*ylim)
    fig.suptitle("2. Aging: mean-squared displacement against the lag (top) and the $t/t_w$ "
                 "collapse (bottom)", fontsize=10)
    return fig


# ----------------------------------------------------------------------------- 3. FDT

def fig_fdt(roles: dict):
    """T chi against C(t,t) - C(tw,t) (= Delta/2): p-spin with CK on top, and the nets."""
    ps, ck = roles.get("pspin"), roles.get("ck")
    panels = []
    if has_two_time(ps, "chi") or has_two_time(ck, "chi"):
        panels.append("pspin")
    for key in ("dnn_over", "dnn_under"):
        if has_two_time(roles.get(key), "chi"):
            panels.append(key)
    if has_two_time(roles.get("spheres_age"), "chi"):
        panels.append("spheres_age")
    if not panels:
        return None
    fig, axes = plots.figure(ncols=len(panels), width=3.8, height=3.4)
    for ax, which in zip(axes[0], panels):
        if which == "pspin":
            ref = ps if ps is not None else ck
            mix, T = mixture_of(ref), temperature(ref)
            x = theory.fdt_slope_x(T, mix)
            colors = tw_color_map(ps, ck)
            extra = []
            if has_two_time(ps, "chi"):
                plots.plot_fdt(ax, ps, T, ls="-", colors=colors(ps), legend=False)
                extra.append((Line2D([], [], color="0.3", ls="-", marker="o", ms=2), "simulation"))
            if has_two_time(ck, "chi"):
                plots.plot_fdt(ax, ck, T, ls="--", colors=colors(ck), legend=False)
                extra.append((Line2D([], [], color="0.3", ls="--"), "CK, N = $\\infty$"))
            # the analytic aging line: slope x from the plateau (1 - q, 1 - q)
            q = theory.plateau_q(T, mix)
            if 0 < q < 1 and math.isfinite(x):
                xx = np.linspace(1 - q, 1.0, 20)
                ax.plot(xx, (1 - q) + x * (xx - (1 - q)), color="C3", ls="-.", lw=1.0)
                extra.append((Line2D([], [], color="C3", ls="-."), f"CK aging slope x = {x:.3f}"))
            extra.append((Line2D([], [], color="k", ls="--", lw=0.8), "equilibrium (slope 1)"))
            drawn = [r for r in (ps, ck) if has_two_time(r, "chi")]
            ref2 = max(drawn, key=lambda r: len(r["tw"]))
            tw_legend(ax, ref2["tw"], colors(ref2), extra=extra, loc="upper left")
            ax.set_ylim(-0.05, 1.1)  # noisy twins of small tw at finite N can leave the frame
            ax.set_title(f"p-spin, T = {T:g}")
        else:
            r = roles[which]
            T = temperature(r)
            plots.plot_fdt(ax, r, T, legend=False)
            # log-log: far from equilibrium T chi can be orders of magnitude below Delta/2
            ax.set_xscale("log")
            ax.set_yscale("log")
            tw_legend(ax, r["tw"], plots.tw_colors(len(r["tw"])),
                      extra=[(Line2D([], [], color="k", ls="--", lw=0.8), "equilibrium (slope 1)")],
                      loc="upper left")
            kind = {"dnn_over": "over-parametrised net", "dnn_under": "under-parametrised net",
                    "spheres_age": "soft spheres"}[which]
            ax.set_title(f"{kind}, T = {T:g}")
        ax.set_ylabel(r"$T\,\chi(t_w, t)$")
    fig.suptitle(r"3. Fluctuation-dissipation: $T\chi$ against $C(t,t) - C(t_w,t) = \Delta/2$", fontsize=10)
    return fig


# ----------------------------------------------------------------------------- 4. jamming

def nets_jamming_curve(run):
    """(N/P [m], N_Delta/N mean [m], sem [m]) of a net jamming sweep, sorted by N."""
    N = np.asarray(run["dnn/N"], float).ravel()
    P = scalar(run, "dnn/P")
    nd = np.asarray(run["dnn/N_delta_final"], float)
    nd = nd.reshape(-1, len(N))
    frac = nd / N[None, :]
    m = np.nanmean(frac, axis=0)
    s = np.nanstd(frac, axis=0, ddof=1) / np.sqrt(frac.shape[0]) if frac.shape[0] > 1 else np.full_like(m, np.nan)
    order = np.argsort(N)
    return N[order] / P, m[order], s[order], order


def nets_n_star(run, threshold: float = 0.1):
    """N*/P: the crossing of N_Delta/N = threshold (Geiger et al.: lower the width until N_Delta > 0.1 N),
    interpolated in log N between the last jammed and the first unjammed width."""
    x, m, _, _ = nets_jamming_curve(run)
    above = m > threshold
    for i in range(len(x) - 1):
        if above[i] and not above[i + 1]:
            lx0, lx1 = math.log(x[i]), math.log(x[i + 1])
            f = (m[i] - threshold) / (m[i] - m[i + 1])
            return math.exp(lx0 + f * (lx1 - lx0))
    return float("nan")


def nets_transition_margins(run):
    """The margins [S*P] at the width nearest the transition: the largest N still under-parametrised
    (N_Delta/N > 0.1), else the smallest N. Returns (margins, N/P)."""
    x, m, _, order = nets_jamming_curve(run)
    mar = np.asarray(run["dnn/margins"], float)
    if mar.ndim == 2:  # [S, P] of a single width
        return mar.ravel(), x[0]
    under = np.where(m > 0.1)[0]
    j = under[-1] if under.size else 0
    return mar[:, order[j], :].ravel(), x[j]


def spheres_contacts_per_dof(run):
    """(phi - phi_J, contacts per degree of freedom - 1 = (Z - Z_c)/(2d) mean, sem)."""
    d = dimension(run)
    dphi = np.asarray(run["spheres/dphi"], float).ravel()
    zx = np.asarray(run["spheres/Z_excess"], float).reshape(-1, len(dphi)) / (2 * d)
    m = np.nanmean(zx, axis=0)
    s = np.nanstd(zx, axis=0, ddof=1) / np.sqrt(zx.shape[0]) if zx.shape[0] > 1 else None
    return dphi, m, s


def fig_jamming(roles: dict):
    """Top: nets N_Delta/N against N/P; spheres' contacts per degree of freedom against phi - phi_J;
    Hessian spectra. Bottom: margins of nets, gaps and forces of spheres, log axes with exponents."""
    sj, nj = roles.get("spheres_jam"), roles.get("dnn_jam")
    hess_net = next((r for r in (roles.get("dnn_under"), roles.get("dnn_over"))
                     if r is not None and "dnn/hessian_eigs" in r), None)
    panels = []
    if nj is not None and "dnn/N_delta_final" in nj:
        panels.append("nets_ndelta")
    if sj is not None and "spheres/Z_excess" in sj:
        panels.append("spheres_z")
    if (sj is not None and "spheres/eigenvalues" in sj) or hess_net is not None:
        panels.append("hessian")
    if nj is not None and "dnn/margins" in nj:
        panels.append("margins")
    if sj is not None and "spheres/gaps" in sj:
        panels.append("gaps")
    if sj is not None and "spheres/forces" in sj:
        panels.append("forces")
    if not panels:
        return None
    ncols = min(3, len(panels))
    nrows = int(math.ceil(len(panels) / ncols))
    fig, axes = plots.figure(ncols=ncols, nrows=nrows, width=3.9, height=3.3)
    flat = list(axes.ravel())
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    for ax, which in zip(flat, panels):
        if which == "nets_ndelta":
            x, m, s, _ = nets_jamming_curve(nj)
            plots.band(ax, x, m, s, color=SYSTEM_COLORS["dnn_under"], marker="o",
                       label=f"nets, P = {scalar(nj, 'dnn/P'):.0f}, depth {cget(nj, 'depth', default='?')}")
            ns = nets_n_star(nj)
            if math.isfinite(ns):
                ax.axvline(ns, color="0.4", ls=":", lw=1.0, label=f"$N^*/P$ = {ns:.3g}")
            ax.axhline(C0_NETS, color="k", ls="--", lw=0.8, label=f"$C_0$ ~ {C0_NETS} (hypostatic jump)")
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(plt.NullFormatter())
            ax.set_xlabel("$N/P$ (weights per training point)")
            ax.set_ylabel(r"$N_\Delta/N$ (unsatisfied constraints per weight)")
            ax.set_title("nets: jamming transition")
            ax.set_ylim(bottom=-0.02, top=max(0.8, float(np.nanmax(m)) * 1.3 if np.isfinite(m).any() else 0.8))
            ax.legend(loc="upper right")
        elif which == "spheres_z":
            dphi, m, s = spheres_contacts_per_dof(sj)
            plots.band(ax, dphi, m, s, color=SYSTEM_COLORS["spheres"], marker="o",
                       label=f"spheres {dimension(sj)}D, N = {cget(sj, 'N', default='?')}")
            ok = np.isfinite(m) & (m > 0) & (dphi > 0)
            if ok.sum() >= 2:
                x0, x1 = dphi[ok].min(), dphi[ok].max()
                y0 = float(np.exp(np.median(np.log(m[ok]) - 0.5 * np.log(dphi[ok] / x0))))
                guide_line(ax, x0, x1, y0, 0.5, r"$(\varphi - \varphi_J)^{1/2}$")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel(r"$\varphi - \varphi_J$")
            ax.set_ylabel(r"contacts per d.o.f. $- 1 = (Z - Z_c)/2d$")
            ax.set_title("spheres: excess contacts above jamming")
            ax.legend(loc="upper left")
        elif which == "hessian":
            drawn = False
            for r, name, lab, c in ((sj, "spheres/eigenvalues", "jammed packing", SYSTEM_COLORS["spheres"]),
                                    (hess_net, "dnn/hessian_eigs", "net", SYSTEM_COLORS["dnn_under"])):
                if r is None or name not in r:
                    continue
                ev = np.asarray(r[name], float).ravel()
                ev = ev[np.isfinite(ev)]
                pos = ev[ev > 1e-10 * max(np.abs(ev).max(), 1e-300)]
                if pos.size < 5:
                    continue
                scale = float(np.median(pos))
                h = log_histogram(pos / scale, bins=30)
                if h is None:
                    continue
                frac0 = 1 - pos.size / ev.size
                lab2 = (f"{lab} (median $\\lambda$ = {scale:.2g}"
                        + (f"; {100 * frac0:.0f}% $\\lambda \\leq 0$)" if frac0 > 0.005 else ")"))
                ax.plot(h[0], h[1], color=c, marker="o", ms=3, label=lab2)
                drawn = True
            if not drawn:
                no_data(ax, "no Hessian eigenvalues")
            else:
                ax.set_xscale("log")
                ax.set_yscale("log")
                ax.set_xlabel(r"$\lambda / \mathrm{median}(\lambda)$ (positive eigenvalues)")
                ax.set_ylabel(r"density of eigenvalues $D(\lambda)$")
                ax.set_title("Hessian spectra")
                ax.legend(loc="lower left")
        elif which == "margins":
            mar, xnp = nets_transition_margins(nj)
            # Delta > 0: unsatisfied (the contacts); Delta < 0: satisfied (the gaps)
            hp = log_histogram(mar[mar > 0], bins=20)
            hm = log_histogram(-mar[mar < 0], bins=20)
            if hp is not None:
                ax.errorbar(hp[0], hp[1], hp[2], color="C3", marker="o", ms=3, ls="-",
                            label=r"$P_+(\Delta)$, $\Delta > 0$ (unsatisfied)")
                guide_through(ax, hp[0], hp[1], THETA_NETS, f"$\\Delta^{{\\theta}}$, $\\theta$ = {THETA_NETS}",
                              xmax=0.3, color="C3")
            if hm is not None:
                ax.errorbar(hm[0], hm[1], hm[2], color="C0", marker="s", ms=3, ls="-",
                            label=r"$P_-(\Delta)$ against $-\Delta$ (satisfied)")
                guide_through(ax, hm[0], hm[1], -GAMMA_NETS,
                              f"$|\\Delta|^{{-\\gamma}}$, $\\gamma$ = {GAMMA_NETS}", xmax=0.3, color="C0")
            if hp is None and hm is None:
                no_data(ax, "no margins away from 0")
            else:
                ax.set_xscale("log")
                ax.set_yscale("log")
                ax.set_xlabel(r"$|\Delta_\mu|$ (margin $\Delta = 1 - y f(x)$)")
                ax.set_ylabel("probability density")
                ax.set_title(f"nets: margins at N/P = {xnp:.3g}")
                ax.legend(loc="best", fontsize=7)
        elif which == "gaps":
            h = log_histogram(sj["spheres/gaps"], bins=25)
            if h is None:
                no_data(ax, "no gaps")
            else:
                ax.errorbar(h[0], h[1], h[2], color=SYSTEM_COLORS["spheres"], marker="o", ms=3, ls="-",
                            label=f"gaps of {len(np.ravel(sj['spheres/phi_J']))} packing(s)")
                guide_through(ax, h[0], h[1], -GAMMA_SPHERES, f"$h^{{-\\gamma}}$, $\\gamma$ = {GAMMA_SPHERES}",
                              xmax=1e-2)
                ax.set_xscale("log")
                ax.set_yscale("log")
                ax.set_xlabel(r"gap $h = r/\sigma_{ij} - 1$")
                ax.set_ylabel("probability density $P(h)$")
                ax.set_title("spheres: gaps at jamming")
                ax.legend(loc="lower left")
        elif which == "forces":
            h = log_histogram(sj["spheres/forces"], bins=25)
            if h is None:
                no_data(ax, "no forces")
            else:
                ax.errorbar(h[0], h[1], h[2], color=SYSTEM_COLORS["spheres"], marker="o", ms=3, ls="-",
                            label="contact forces")
                guide_through(ax, h[0], h[1], THETA_SPHERES, f"$f^{{\\theta}}$, $\\theta$ = {THETA_SPHERES}",
                              xmax=0.3)
                ax.set_xscale("log")
                ax.set_yscale("log")
                ax.set_xlabel(r"contact force $f/\langle f\rangle$")
                ax.set_ylabel("probability density $P(f)$")
                ax.set_title("spheres: forces at jamming")
                ax.legend(loc="lower right")
    fig.suptitle("4. Jamming: nets beside soft spheres", fontsize=10)
    return fig


# ----------------------------------------------------------------------------- all of them

FIGURES = {
    "energy": fig_energy,
    "aging": fig_aging,
    "fdt": fig_fdt,
    "jamming": fig_jamming,
}

NEEDS = {  # which roles each figure draws from (for the messages)
    "energy": ("pspin", "ck", "spheres_age", "dnn_over", "dnn_under"),
    "aging": ("pspin", "ck", "spheres_age", "dnn_over", "dnn_under"),
    "fdt": ("pspin", "ck", "dnn_over", "dnn_under"),
    "jamming": ("spheres_jam", "dnn_jam", "dnn_under"),
}


def draw_figures(roles: dict) -> dict:
    """{name: Figure} for every figure that has something to draw."""
    out = {}
    for name, fn in FIGURES.items():
        fig = fn(roles)
        if fig is not None:
            out[name] = fig
    return out


def make_figures(roles: dict, out="figures", pdf: bool = True) -> dict:
    """Draw and save every figure: {name: PNG path}."""
    out = Path(out)
    paths = {}
    for name, fig in draw_figures(roles).items():
        paths[name] = plots.save(fig, out / f"{name}.png", pdf=pdf)
    return paths
