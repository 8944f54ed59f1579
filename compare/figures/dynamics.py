"""Figures 1 to 3 of `compare`: energy after the quench, aging of the msd, and the FDT plots,
every system on its own axes (its own units) side by side."""
from __future__ import annotations

import math

import numpy as np
from matplotlib.lines import Line2D

from compare import plots
from compare.figures.common import (SYSTEM_COLORS, flag, has_two_time, net_label, pspin_label, tw_color_map,
                                    tw_legend)
from compare.findings import mixture_of
from compare.roles import n_over_p, temperature
from physics import pspin_theory as theory

# ----------------------------------------------------------------------------- 1. energy


def fig_energy(roles: dict):
    """Energy or loss against t after the quench, each system against its own asymptote."""
    ps, ck, sa = roles.get("pspin"), roles.get("ck"), roles.get("spheres_age")
    ea = roles.get("ellipses_age")
    over, under = roles.get("dnn_over"), roles.get("dnn_under")
    panels = [name for name, present in (("pspin", ps is not None or ck is not None),
                                         ("spheres", sa is not None or ea is not None),
                                         ("nets", over is not None or under is not None)) if present]
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
                plots.band(ax, ck["t"], ck.mean("energy") - e_inf, None, label=flag(ck, "CK, N = $\\infty$"),
                           color="k", ls="--")
                ax.set_xscale("log")
                ax.set_yscale("log")
            ax.set_xlabel("time $t$ after the quench")
            ax.set_ylabel(r"$e(t) - e_\infty$ (energy per spin)")
            ax.set_title(f"p-spin p = {'+'.join(map(str, mix))}, T = {T:g}:  $e_\\infty$ = {e_inf:.4f}")
            ax.legend(loc="lower left")
        elif which == "spheres":
            # no d T/2 line: at phi above phi_J the energy tends to the inherent-structure level
            # of the aging packing (plus the thermal part), which the record does not hold.
            # Spheres and ellipses on one panel: both eps per particle, time in (small diameter or
            # small minor axis)^2 / (mu eps), the same mixture of sizes
            positive = True
            for run, kind in ((sa, "spheres"), (ea, "ellipses")):
                if run is None:
                    continue
                shape = (f"ellipses $\\alpha$ = {float(run.config.get('alpha', 1.0)):g}, " if kind == "ellipses"
                         else "spheres, ")
                plots.plot_energy(ax, run, label=flag(run, f"{shape}N = {run.config.get('N', '?')}, "
                                                           f"$\\varphi$ = {run.config.get('phi', '?')}"),
                                  color=SYSTEM_COLORS[kind],
                                  ylabel="potential energy per particle $U/N$ ($\\epsilon$)")
                e = run.mean("energy")
                positive &= bool(np.all(e[np.isfinite(e)] > 0))
            if positive:
                ax.set_yscale("log")
            ax.set_xlabel("time $t$ after the quench")
            Ts = sorted({temperature(r) for r in (sa, ea) if r is not None})
            names = [k for k, r in (("soft spheres", sa), ("soft ellipses", ea)) if r is not None]
            ax.set_title(" and ".join(names) + ", T = " + ", ".join(f"{T:g}" for T in Ts))
            ax.legend(loc="best")
        else:
            for run, kind, c in ((over, "over", SYSTEM_COLORS["dnn_over"]), (under, "under", SYSTEM_COLORS["dnn_under"])):
                if run is not None:
                    plots.band(ax, run["t"], run.mean("energy"), run.sem("energy"), label=net_label(run, kind), color=c)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("time $t$ = steps $\\times$ lr")
            ax.set_ylabel("training loss $L(t)$ (asymptote 0 if fitted)")
            ax.set_title("nets, Langevin, hinge loss")
            ax.legend(loc="lower left")
    fig.suptitle("1. Energy after the quench," + (" " if len(panels) > 1 else "\n")   # one panel: too narrow
                 + "against each system's asymptote", fontsize=10)
    return fig


# ----------------------------------------------------------------------------- 2. aging

MSD_LABEL = r"msd $\Delta(t_w, t)$ per degree of freedom"
PI_LABEL = r"$\Pi(t_w, t)$: no jump between $t_w$ and $t$"


def _aging_panels(roles):
    """[(title, [(run, line style), ...], observable)]: one panel per system, the msd everywhere
    but for the trap model, whose two-time observable is C = Pi(tw, t)."""
    ps, ck = roles.get("pspin"), roles.get("ck")
    panels = []
    if has_two_time(ps, "msd") or has_two_time(ck, "msd"):
        T = temperature(ps if ps is not None else ck)
        title = {(True, True): "p-spin N = {N} and CK", (True, False): "p-spin N = {N}",
                 (False, True): "p-spin, CK N = $\\infty$"}[(ps is not None, ck is not None)]
        N = ps.config.get("N", "?") if ps is not None else "?"
        title = title.format(N=N) + f", T = {T:g}"
        panels.append((flag(ps, title) if ps is not None else flag(ck, title), [(ps, "-"), (ck, "--")], "msd"))
    if has_two_time(roles.get("spheres_age"), "msd"):
        sa = roles["spheres_age"]
        panels.append((flag(sa, f"soft spheres, $\\varphi$ = {sa.config.get('phi', '?')}, T = {temperature(sa):g}"),
                       [(sa, "-")], "msd"))
    if has_two_time(roles.get("ellipses_age"), "msd"):     # the positions: the spheres' msd
        ea = roles["ellipses_age"]
        panels.append((flag(ea, f"soft ellipses $\\alpha$ = {float(ea.config.get('alpha', 1.0)):g}, "
                                f"$\\varphi$ = {ea.config.get('phi', '?')}, T = {temperature(ea):g}"),
                       [(ea, "-")], "msd"))
    for key, kind in (("dnn_over", "over"), ("dnn_under", "under")):
        r = roles.get(key)
        if has_two_time(r, "msd"):
            panels.append((flag(r, f"{kind}-parametrised net, N/P = {n_over_p(r):.3g}"), [(r, "-")], "msd"))
    tr = roles.get("trap")
    if has_two_time(tr, "C"):
        panels.append((flag(tr, f"Bouchaud's trap model, $x = T/T_g$ = {float(tr.config['x']):g}"), [(tr, "-")], "C"))
    return panels


def _walkers(run) -> str:
    c = run.config
    return f"{int(c.get('walkers', 0)) * int(c.get('samples', 0)):,} walkers"


def _trap_theory(ax, run, scaled: bool, colors) -> list:
    """The trap model's exact curves on its aging panel: Pi at each finite tw (dotted, top row),
    the aging limit H_x((t - tw)/tw) (dashed, collapse row). Returns the legend entries."""
    from physics import trap_theory as th
    x, t, tws = float(run.config["x"]), np.asarray(run["t"], float), np.asarray(run["tw"], float)
    ax.set_ylim(0.0, 1.02)
    if run.config.get("dynamics") != "bouchaud":
        return []
    if not scaled:
        for i, w in enumerate(tws):
            lag = t[t > w] - w
            ax.plot(lag, th.no_jump_probability(x, w, lag), color="k", ls=":", lw=1.0, zorder=3)
        return [(Line2D([], [], color="k", ls=":", lw=1.0), "exact $\\Pi$ at each finite $t_w$")]
    if not 0.0 < x < 1.0:
        return []
    u_lo = min(float(((t[t > w] - w) / w).min()) for w in tws)
    u = np.geomspace(u_lo, (t[-1] - tws[0]) / tws[0], 200)
    ax.plot(u, th.scaling_function(x, u), color="k", ls="--", lw=1.0, zorder=3)
    return [(Line2D([], [], color="k", ls="--", lw=1.0), f"$H_{{{x:g}}}$: aging limit $t_w \\to \\infty$")]


def fig_aging(roles: dict):
    """msd against the lag t - tw (top) and against (t - tw)/tw (bottom), one column per system,
    each panel with its own ranges (the systems have their own units); the p-spin with the CK
    curve on top (dashed) and its plateau 2(1 - q_EA); the trap model's Pi(tw, t) with its exact
    finite-tw curves (top) and the aging limit H_x (bottom)."""
    panels = _aging_panels(roles)
    if not panels:
        return None
    fig, axes = plots.figure(ncols=len(panels), nrows=2, width=3.4, height=3.0)
    for row, scaled in ((0, False), (1, True)):
        for j, (title, curves, name) in enumerate(panels):
            ax = axes[row, j]
            present = [r for r, _ in curves if r is not None]
            colors = tw_color_map(*present)
            for r, ls in curves:
                if r is not None:
                    plots.plot_two_time(ax, r, name, scaled=scaled, ls=ls, colors=colors(r), legend=False)
            extra = []
            if name == "C":                               # the trap model
                ax.set_ylabel(PI_LABEL)
                if not scaled:
                    ax.set_xlabel(r"lag $t - t_w$ ($\tau_0$)")
                extra = _trap_theory(ax, present[0], scaled, colors(present[0]))
                if row == 1 and extra:
                    ax.legend([h for h, _ in extra], [lab for _, lab in extra], loc="lower left", fontsize=7)
            elif present[0].system == "ellipses":       # the angles have their own observables
                ax.set_ylabel(r"msd $\Delta(t_w, t)$ of the positions")
            else:
                ax.set_ylabel(MSD_LABEL)
            if present[0].system in ("pspin", "ck"):
                q = theory.plateau_q(temperature(present[0]), mixture_of(present[0]))
                if 0 < q < 1:
                    ax.axhline(2 * (1 - q), color="C3", ls="-.", lw=0.9)
                    extra.append((Line2D([], [], color="C3", ls="-."), f"$2(1 - q_{{EA}})$ = {2 * (1 - q):.3f}"))
            styles = {ls for r, ls in curves if r is not None}
            if "--" in styles:
                if "-" in styles:
                    extra.append((Line2D([], [], color="0.3", ls="-"), flag(curves[0][0], "simulation")))
                extra.append((Line2D([], [], color="0.3", ls="--"), flag(curves[1][0], "CK, N = $\\infty$")))
            if row == 0:
                ax.set_title(title)
                ref = max(present, key=lambda r: len(r["tw"]))
                # many waiting times (p-spin with CK's extra ones): two columns in the empty corner
                crowded = len(ref["tw"]) + len(extra) > 7
                loc = "lower left" if name == "C" else "lower right" if crowded else "upper left"
                tw_legend(ax, ref["tw"], colors(ref), extra=extra, loc=loc, ncol=2 if crowded else 1,
                          title=_walkers(ref) if name == "C" else None)
    observables = "mean-squared displacement" + (r" (trap model: $\Pi$, the probability of no jump)" if any(
        p[2] == "C" for p in panels) else "")
    head = f"2. Aging: {observables} against the lag (top) and the $t/t_w$ collapse (bottom)"
    tail = "each panel in its system's units"
    # about 12 characters an inch at 10 pt: two lines where one would leave the figure
    fig.suptitle(head + ("; " if len(head) + len(tail) < 11 * 3.4 * len(panels) else "\n") + tail, fontsize=10)
    return fig


# ----------------------------------------------------------------------------- 3. FDT

def fdt_positive(run, T) -> bool:
    """Whether every finite point of the FDT plot is positive (log axes would drop none)."""
    x, y = run.mean("msd") / 2, T * run.mean("chi")
    ok = np.isfinite(x) & np.isfinite(y)
    return bool(ok.any() and np.all(x[ok] > 0) and np.all(y[ok] > 0))


def fig_fdt(roles: dict):
    """T chi against Delta/2: p-spin with CK on top (where Delta/2 = C(t,t) - C(tw,t)), and the nets."""
    ps, ck = roles.get("pspin"), roles.get("ck")
    panels = ["pspin"] if has_two_time(ps, "chi") or has_two_time(ck, "chi") else []
    panels += [k for k in ("dnn_over", "dnn_under", "spheres_age") if has_two_time(roles.get(k), "chi")]
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
                plots.plot_fdt(ax, ps, T, ls="-", colors=colors(ps), legend=False, sphere=True)
                extra.append((Line2D([], [], color="0.3", ls="-", marker="o", ms=2), flag(ps, "simulation")))
            if has_two_time(ck, "chi"):
                plots.plot_fdt(ax, ck, T, ls="--", colors=colors(ck), legend=False, sphere=True)
                extra.append((Line2D([], [], color="0.3", ls="--"), flag(ck, "CK, N = $\\infty$")))
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
            # log-log only where it drops nothing: under-parametrised nets (far from equilibrium)
            # have T chi of either sign, orders of magnitude below Delta/2
            if which != "dnn_under" and fdt_positive(r, T):
                ax.set_xscale("log")
                ax.set_yscale("log")
                scale = " (log-log)"
            else:
                ax.axhline(0, color="0.6", lw=0.6)
                scale = ""
            tw_legend(ax, r["tw"], plots.tw_colors(len(r["tw"])),
                      extra=[(Line2D([], [], color="k", ls="--", lw=0.8), "equilibrium (slope 1)")], loc="upper left",
                      title=flag(r, "").strip() or None)
            kind = {"dnn_over": "over-parametrised net", "dnn_under": "under-parametrised net",
                    "spheres_age": "soft spheres"}[which]
            ax.set_title(f"{kind}, T = {T:g}{scale}")
        ax.set_ylabel(r"$T\,\chi(t_w, t)$")
    fig.suptitle(r"3. Fluctuation-dissipation: $T\chi$ against $\Delta/2$ (half the msd; "
                 r"$= C(t,t) - C(t_w,t)$ only on the p-spin's sphere)", fontsize=10)
    return fig
