"""The quick-look PNG each command writes beside its record (`quick_look(run)`), one layout per
system and protocol; histograms by analysis.log_histogram, published values from analysis.PUBLISHED."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from compare.findings import mixture_of
from compare.plots import band, figure, plot_energy, plot_fdt, plot_two_time, save
from physics import analysis as A
from physics import pspin_theory as theory


def quick_look(run) -> Path:
    """Draw the record's quick look and save it as <record>.png; returns the path."""
    proto = run.config.get("protocol")
    draw = {"pspin": pspin, "ck": ck, "spheres": spheres_jam if proto == "jam" else spheres_age,
            "dnn": dnn_jamming if proto == "jamming" else dnn_langevin, "trap": trap,
            "barriers": barriers, "ellipses": ellipses_jam if proto == "jam" else ellipses_age}[run.system]
    return save(draw(run), run.path.with_suffix(".png"))


def _no_fdt(a, text="T = 0: no FDT plot"):
    a.text(0.5, 0.5, text, ha="center", va="center", transform=a.transAxes)


# ----------------------------------------------------------------------------- p-spin, CK

def pspin(run):
    cfg, T = run.config, float(run.config["T"])
    th = theory.summary(T, mixture_of(run))
    fig, ax = figure(3, 1, width=4.2)
    plot_energy(ax[0, 0], run, asymptote=th["e_inf"], ylabel="energy per spin $e(t) = H/N$")
    ax[0, 0].legend(loc="best")
    plot_two_time(ax[0, 1], run, "C")
    below = 0 < T < th["T_d"]
    if below and th["q_EA"] > 0:
        ax[0, 1].axhline(th["q_EA"], color="k", ls=":", lw=0.8, label=f"$q_{{EA}}$ = {th['q_EA']:.3f}")
        ax[0, 1].legend(loc="best")
    if T > 0 and "chi" in run:
        aging = below
        plot_fdt(ax[0, 2], run, T, legend=False, x_slope=th["x"] if aging else None,
                 q_EA=th["q_EA"] if aging else None, sphere=True)
        ax[0, 2].legend(loc="best")
    else:
        _no_fdt(ax[0, 2], "T = 0: no FDT plot" if T <= 0 else "no response measured (--no-response)")
    model = (f"p = {cfg['p']}" if not cfg.get("mix") else
             "mix " + ", ".join(f"{w:g} q^{p}" for p, w in cfg["mix"].items()))
    fig.suptitle(f"spherical p-spin, {model}, N = {cfg['N']}, T = {T:g}, "
                 f"{cfg['samples']} sample(s), init {cfg.get('init', 'random')}", fontsize=10)
    return fig


def ck(run):
    T = float(run.config["T"])
    th = theory.summary(T, mixture_of(run))
    below = T < th["T_d"]
    fig, ax = figure(4, 1, width=4.0)
    plot_energy(ax[0, 0], run, label="CK", asymptote=th["e_inf"])
    ax[0, 0].legend(loc="best")
    e = run["energy"][0]
    e = e[np.isfinite(e)]              # a diverged record (ck/diverged_at) stops early
    if np.all(e[len(e) // 2:] > th["e_inf"]):
        plot_energy(ax[0, 1], run, label="CK", asymptote=th["e_inf"], subtract=True)
        ax[0, 1].set_xscale("log")
        ax[0, 1].set_title("approach to $e_\\infty$ (log-log)")
    else:
        _no_fdt(ax[0, 1], "e(t) below e_inf")
    plot_two_time(ax[0, 2], run, "C")
    if below and T > 0:
        ax[0, 2].axhline(th["q_EA"], color="k", ls=":", lw=0.8)
        ax[0, 2].text(ax[0, 2].get_xlim()[0] * 1.5, th["q_EA"] + 0.02, "$q_{EA}$", fontsize=8)
    if T > 0:
        plot_fdt(ax[0, 3], run, T, legend=False, x_slope=th["x"] if below else None,
                 q_EA=th["q_EA"] if below else None, sphere=True)
        ax[0, 3].legend(loc="upper left")
    else:
        _no_fdt(ax[0, 3])
    fig.suptitle(f"Cugliandolo-Kurchan dynamics (N = infinity), T = {T:g}", fontsize=10)
    if "ck/diverged_at" in run:
        td = float(run["ck/diverged_at"])
        ax[0, 0].axvline(td, color="r", lw=1.0, ls="--", label=f"solver diverged, t = {td:.4g}")
        ax[0, 0].legend(loc="best")
        fig.suptitle(f"Cugliandolo-Kurchan dynamics (N = infinity), T = {T:g}: SOLVER DIVERGED at "
                     f"t = {td:.4g}, nothing recorded after it", fontsize=10, color="r")
    return fig


# ----------------------------------------------------------------------------- spheres

def spheres_jam(run):
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle

    from physics.spheres.cells import min_image_array
    from physics.spheres.forces import pair_table
    from physics.spheres.modes import density_of_states
    dim, alpha = int(run.config["dim"]), float(run.config.get("alpha", 2.0))
    fig, ax = figure(2, 3, width=4.6, height=3.8)
    # (a) the packing and its contact network (first sample; 3D: projection)
    a = ax[0, 0]
    pos, diam, L = run["spheres/positions"][0], run["spheres/diameters"][0], float(run["spheres/box"][0])
    nr = run["spheres/nonrattler"][0].astype(bool)
    c = pair_table(pos, diam, L, alpha, 0.0)
    keep = nr[c["i"]] & nr[c["j"]]
    i, j, f = c["i"][keep], c["j"][keep], c["f"][keep]
    p = np.mod(pos[:, :2], L)
    dx = min_image_array(p[j] - p[i], L)
    segs = np.stack([p[i], p[i] + dx], axis=1)
    for k in range(len(p)):
        a.add_patch(Circle(p[k], diam[k] / 2, fc="0.85" if nr[k] else "#f4a582", ec="0.5", lw=0.3))
    lw = 0.4 + 2.0 * f / f.max() if len(f) else 1.0
    a.add_collection(LineCollection(segs, colors="k", linewidths=lw))
    a.set_xlim(0, L), a.set_ylim(0, L), a.set_aspect("equal")
    a.set_xlabel(r"$x / \sigma$"), a.set_ylabel(r"$y / \sigma$")
    a.set_title(f"packing at $\\phi_J$ = {run['spheres/phi_J'][0]:.5f}: contacts (width ~ force), "
                "rattlers orange" + (" (xy projection)" if dim == 3 else ""), fontsize=8)
    # (b) P(h), (c) P(f): log histograms with the published exponents as guides
    for a, name, v_, key, sign, xl in ((ax[0, 1], "gaps", "h", "gamma_spheres", -1, r"gap $h = r/\sigma_{ij} - 1$"),
                                       (ax[1, 0], "forces", "f", "theta_spheres", 1, r"contact force $f / \langle f \rangle$")):
        h = A.log_histogram(run[f"spheres/{name}"], bins=30)
        if h is not None:
            x, y, e = h
            a.errorbar(x, y, e, fmt="o", ms=3, label="measured")
            k0, v = len(x) // 3, A.PUBLISHED[key].value
            sym = r"\gamma" if sign < 0 else r"\theta"
            a.loglog(x, y[k0] * (x / x[k0]) ** (sign * v), "k--", lw=0.8,
                     label=rf"${v_}^{{{'-' if sign < 0 else ''}{sym}}}$, ${sym}$ = {v}")
            a.set_xscale("log"), a.set_yscale("log")
        a.set_xlabel(xl), a.set_ylabel(f"$P({v_})$"), a.legend()
    # (d) D(omega)
    a = ax[1, 1]
    ev = run["spheres/eigenvalues"]
    w, D = density_of_states(ev[np.isfinite(ev)], bins=50)
    a.plot(w, D, "-", label=f"$\\phi - \\phi_J$ = {run.config['hessian_dphi']:g}")
    a.set_xlabel(r"$\omega$ ($\sqrt{\epsilon/m\sigma^2}$)"), a.set_ylabel(r"$D(\omega)$"), a.legend()
    # (e) E/N and p, (f) Z - Z_iso against dphi, with the window the findings fit in
    d = run["spheres/dphi"]
    lo, hi = A.jamming_window(int(run.config["N"]))
    a = ax[2, 0]
    band(a, d, run.mean("spheres/energy_dphi"), run.sem("spheres/energy_dphi"), label="$E/N$", marker="o")
    band(a, d, run.mean("spheres/pressure"), run.sem("spheres/pressure"), label="pressure $p$", marker="s")
    a.loglog(d, 0.3 * run.mean("spheres/energy_dphi")[-3] * (d / d[-3]) ** alpha, "k--", lw=0.8,
             label=rf"$\propto \Delta\phi^{{{alpha:g}}}$")
    a.loglog(d, 0.3 * run.mean("spheres/pressure")[-3] * (d / d[-3]) ** (alpha - 1), "k:", lw=0.8,
             label=rf"$\propto \Delta\phi^{{{alpha - 1:g}}}$")
    a.set_xlabel(r"$\phi - \phi_J$"), a.set_ylabel(r"$E/N$ ($\epsilon$), $p$ ($\epsilon/\sigma^d$)")
    a = ax[2, 1]
    band(a, d, run.mean("spheres/Z_excess"), run.sem("spheres/Z_excess"), marker="o", label="measured")
    a.loglog(d, run.mean("spheres/Z_excess")[-3] * (d / d[-3]) ** 0.5, "k--", lw=0.8,
             label=r"$\propto \Delta\phi^{1/2}$")
    a.set_xlabel(r"$\phi - \phi_J$"), a.set_ylabel(r"$Z - Z_{iso}$ (non-rattlers)")
    for a in (ax[2, 0], ax[2, 1]):
        a.axvspan(lo, hi, color="0.92", zorder=0, label="fit window")
        a.set_xscale("log"), a.set_yscale("log"), a.legend()
    return fig


def _aging(run, ylabel, e_ax, msd_ax, q_ax):
    """Energy (log), msd and Q against the lag: the panels every aging quick look has."""
    plot_energy(e_ax, run, ylabel=ylabel)
    e_ax.set_yscale("log")
    plot_two_time(msd_ax, run, "msd")
    if "Q" in run:
        plot_two_time(q_ax, run, "Q", legend=False)


def spheres_age(run):
    cfg = run.config
    fig, ax = figure(2, 2, width=4.2, height=3.3)
    _aging(run, r"energy per particle $U/N$ ($\epsilon$)", ax[0, 0], ax[0, 1], ax[1, 0])
    plot_two_time(ax[1, 1], run, "msd", scaled=True, legend=False)
    ax[0, 0].set_title(f"$\\phi$ = {cfg['phi']:g}, T = {cfg['T']:g}, N = {cfg['N']}", fontsize=9)
    return fig


# ----------------------------------------------------------------------------- ellipses

def ellipses_jam(run):
    from compare.quicklook_ellipses import ellipses_jam as draw   # its own module (size)
    return draw(run)


def ellipses_age(run):
    from compare.quicklook_ellipses import ellipses_age as draw   # positions and orientations
    return draw(run)


# ----------------------------------------------------------------------------- nets

def dnn_langevin(run):
    from compare.figures.dynamics import fdt_positive
    from compare.findings.nets import regime_of
    cfg = run.config
    fig, ax = figure(3, 2, width=4.2, height=3.3)
    _aging(run, f"training loss ({cfg.get('loss', 'hinge')})", ax[0, 0], ax[0, 2], ax[1, 0])
    ax[0, 0].set_title("loss")
    a = ax[0, 1]
    N = int(np.ravel(run["dnn/N"])[0])
    band(a, run["t"], run.mean("dnn/N_delta") / N, run.sem("dnn/N_delta") / N, label=r"$N_\Delta / N$")
    band(a, run["t"], run.mean("dnn/train_acc"), run.sem("dnn/train_acc"), label="train accuracy")
    band(a, run["t"], run.mean("dnn/test_acc"), run.sem("dnn/test_acc"), label="test accuracy")
    thr = A.PUBLISHED["regime_threshold"].value
    a.axhline(thr, color="k", ls=":", lw=0.8, label=rf"$N_\Delta = {thr:g} N$")
    a.set_xscale("log"); a.set_xlabel("time $t$ = steps x lr"); a.legend(); a.set_title("constraints")
    ax[0, 2].set_title("mean squared displacement of the weights")
    if "Q" in run:
        ax[1, 0].set_title("overlap Q, a = std(w$_{init}$)/%g" % cfg.get("q_factor", float("nan")))
    T = float(cfg["T"])
    plot_fdt(ax[1, 1], run, T)
    if "chi" in run and regime_of(run) == "over-parametrised" and fdt_positive(run, T):
        ax[1, 1].set_xscale("log"); ax[1, 1].set_yscale("log")
        ax[1, 1].set_title("fluctuation-dissipation (log-log)")
    else:
        ax[1, 1].set_title("fluctuation-dissipation")
    m = np.asarray(run["dnn/margins"]).ravel()
    a = ax[1, 2]
    a.hist(m[np.isfinite(m)], bins=60, color="0.4")
    a.axvline(0, color="k", ls="--", lw=0.8)
    if int(cfg.get("outputs", 1)) > 1:      # one output per class (nets/losses.py)
        a.set_xlabel(r"final margin $\Delta_\mu = \max_{c \neq y} f_c - f_{y_\mu}$"); a.set_ylabel("count")
        a.set_title(r"margins ($\Delta > 0$: misclassified)")
    else:
        a.set_xlabel(r"final margin $\Delta_\mu = 1 - y_\mu f(x_\mu)$"); a.set_ylabel("count")
        a.set_title(r"margins ($\Delta > 0$: unsatisfied)")
    fig.suptitle(f"dnn width {cfg.get('width', '?')} depth {cfg.get('depth', '?')}, N = {N}, "
                 f"P = {int(np.ravel(run['dnn/P'])[0])}, T = {T:g}, lr = {cfg.get('lr', float('nan')):g}, "
                 f"{run['energy'].shape[0]} samples")
    return fig


def dnn_jamming(run):
    from compare.findings.nets import n_star_of, ndelta_curve
    N, P, ratio, order = ndelta_curve(run)
    x = N / P
    S = ratio.shape[0]
    fig, ax = figure(2, 1, width=4.2, height=3.3)
    sem = ratio.std(0, ddof=1) / np.sqrt(S) if S > 1 else None
    band(ax[0, 0], x, ratio.mean(0), sem, marker="o", label=r"$N_\Delta / N$")
    thr = A.PUBLISHED["regime_threshold"].value
    ax[0, 0].axhline(thr, color="k", ls=":", lw=0.8, label=f"${thr:g}$ (papers' criterion)")
    loss = np.asarray(run["dnn/loss_final"], float).reshape(S, -1)[:, order]
    band(ax[0, 1], x, np.maximum(loss.mean(0), 1e-16), None, marker="o", label="final loss (floored at 1e-16)")
    ax[0, 1].set_yscale("log")
    ns = n_star_of(run)
    for a in ax[0]:
        a.set_xscale("log")
        a.set_xlabel("N / P (weights per training point)")
        if ns.ok:
            a.axvline(ns.value / P, color="C3", ls="--", lw=0.8, label=f"$N^*/P$ = {ns.value / P:.3g}")
        a.legend(loc="best", frameon=True, framealpha=0.95, edgecolor="none")
    ax[0, 0].set_ylabel(r"unsatisfied constraints $N_\Delta / N$")
    ax[0, 1].set_ylabel("final training loss")
    cfg = run.config
    fig.suptitle(f"jamming of nets: P = {P:.0f}, d = {cfg.get('d', '?')}, depth {cfg.get('depth', '?')}, {S} samples")
    return fig


# ----------------------------------------------------------------------------- trap model

def trap(run):
    """Pi against (t - tw)/tw with H_x and the exact finite-tw curves; energy and jumps against t."""
    from compare.findings.trap import title
    from compare.plots import tw_colors
    from physics import trap_theory as th

    c = run.config
    x, exact = float(c["x"]), c["dynamics"] == "bouchaud"
    t, tw = run["t"], run["tw"]
    fig, ax = figure(3, 1, width=4.2)
    colors = tw_colors(len(tw))
    for i, w in enumerate(tw):
        later = t > w
        u = (t[later] - w) / w
        band(ax[0, 0], u, run.mean("C")[i, later], run.sem("C")[i, later], color=colors[i],
             label=f"$t_w$ = {w:.3g}")
        if exact:
            ax[0, 0].plot(u, th.no_jump_probability(x, w, t[later] - w), color=colors[i], ls=":", lw=0.9)
    if x < 1.0 and len(tw):
        u = np.logspace(-3, np.log10(max((t[-1] - tw[0]) / tw[0], 1e-2)), 200)
        ax[0, 0].plot(u, th.scaling_function(x, u), "k--", lw=1.0, label=f"$H_{{{x:g}}}(t/t_w)$")
    ax[0, 0].set(xscale="log", xlabel=r"$(t - t_w)/t_w$", ylabel=r"$\Pi(t_w, t)$",
                 title="dotted: exact at finite $t_w$" if exact else "")
    ax[0, 0].legend(loc="best")
    band(ax[0, 1], t, run.mean("energy"), run.sem("energy"), label="Monte Carlo")
    band(ax[0, 2], t, run.mean("trap/jumps"), run.sem("trap/jumps"), label="Monte Carlo")
    if exact:
        ts = np.geomspace(t[0], t[-1], 60)
        ax[0, 1].plot(ts, -th.mean_depth(x, ts), "k--", lw=1.0, label="exact")
        ax[0, 2].plot(ts, th.mean_jumps(x, ts), "k--", lw=1.0, label="exact")
    ax[0, 1].set(xscale="log", xlabel="time $t$ ($\\tau_0$)", ylabel="energy $-\\langle E \\rangle$ ($T_g$)")
    ax[0, 2].set(xscale="log", yscale="log", xlabel="time $t$ ($\\tau_0$)", ylabel="jumps per walker")
    for a in (ax[0, 1], ax[0, 2]):
        a.legend(loc="best")
    fig.suptitle(title(run), fontsize=10)
    return fig


# ----------------------------------------------------------------------------- barriers

def barriers(run, max_pairs: int = 8):
    """Energy along s for the straight (great-circle) path, dashed, and the NEB path, solid, per
    pair of sample 0 (the climbing image marked); every pair's two barriers beside each other."""
    from compare.findings.barriers import title
    dnn = run.config.get("protocol") == "dnn"
    lin, neb = run["barriers/linear_energy"], run["barriers/neb_energy"]
    s_lin, s_neb = run["barriers/s_linear"], run["barriers/neb_s"]
    clb = np.asarray(run["barriers/neb_climbing"])
    fig, ax = figure(2, 1, width=4.6)
    straight = "straight line" if dnn else "great circle"
    for j in range(min(lin.shape[1], max_pairs)):
        col = f"C{j % 10}"
        a, b = np.ravel(run["barriers/pairs"][j])
        ax[0, 0].plot(s_lin, lin[0, j], ls="--", color=col, lw=1.0)
        if np.isfinite(neb[0, j]).any():
            ax[0, 0].plot(s_neb[0, j], neb[0, j], "-", color=col, marker="o", ms=2.5, lw=1.2,
                          label=f"minima {a}-{b}")
            if clb[0, j] > 0:
                ax[0, 0].plot(s_neb[0, j, clb[0, j]], neb[0, j, clb[0, j]], "*", color=col, ms=9)
    ax[0, 0].plot([], [], "k--", lw=1.0, label=straight)
    ax[0, 0].plot([], [], "k-", lw=1.2, label="NEB (star: climbing image)")
    ylab = "training loss $L$" if dnn else "energy per spin $H/N$"
    ax[0, 0].set(xlabel="path coordinate $s$ (arc length fraction)", ylabel=ylab,
                 title="sample 0" + (f", first {max_pairs} pairs" if lin.shape[1] > max_pairs else ""))
    if dnn:          # a loss >= 0 that may be ~1e-9 along the band: logarithmic above 1e-6
        ax[0, 0].set_yscale("symlog", linthresh=1e-6)
        ax[0, 0].set_ylim(bottom=0.0)
        ax[0, 0].legend(loc="best", fontsize=7, ncol=2)
    else:
        lo, hi = ax[0, 0].get_ylim()
        ax[0, 0].set_ylim(lo - 0.45 * (hi - lo), hi)     # room for the legend below the curves
        ax[0, 0].legend(loc="lower center", fontsize=7, ncol=2)
    bl = np.ravel(run["barriers/linear_barrier"])
    bn = np.ravel(run["barriers/neb_barrier"])
    k = np.arange(bl.size)
    ax[0, 1].plot(k, bl, "s", mfc="none", color="C0", label=straight)
    if np.isfinite(bn).any():
        ax[0, 1].plot(k, bn, "o", color="C3", label="NEB")
    ax[0, 1].set(xlabel="pair (all samples)", ylabel="barrier " + ("$\\Delta L$ (loss)" if dnn else "$\\Delta e$ per spin"),
                 title="max over the path minus the larger end")
    pos = np.concatenate([bl[bl > 0], bn[np.isfinite(bn) & (bn > 0)]])
    allv = np.concatenate([bl[np.isfinite(bl)], bn[np.isfinite(bn)]])
    if pos.size and pos.size == allv.size:
        ax[0, 1].set_yscale("log")                       # minor ticks labelled on a short range
    else:                                                # a barrier of 0: linear around it
        ax[0, 1].set_yscale("symlog", linthresh=float(pos.min()) / 2 if pos.size else 1e-6)
    ax[0, 1].xaxis.get_major_locator().set_params(integer=True)
    ax[0, 1].legend(loc="best")
    fig.suptitle(title(run), fontsize=9)
    return fig

