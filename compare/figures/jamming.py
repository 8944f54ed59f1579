"""Figure 4 of `compare`: the jamming of nets beside soft spheres (N_Delta/N against N/P, excess
contacts against phi - phi_J, Hessian spectra, margins, gaps and forces with the published
exponents as guides)."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from compare import plots
from compare.figures.common import SYSTEM_COLORS, flag, guide_line, guide_through, no_data
from compare.findings.nets import n_star_of, ndelta_curve, transition_margins
from physics import analysis as A

PUB = A.PUBLISHED


def spheres_contacts_per_dof(run):
    """(phi - phi_J, contacts per degree of freedom - 1 = (Z - Z_c)/(2d) mean, sem)."""
    d = int(run.config["dim"])
    dphi = np.asarray(run["spheres/dphi"], float).ravel()
    zx = np.asarray(run["spheres/Z_excess"], float).reshape(-1, len(dphi)) / (2 * d)
    m = np.nanmean(zx, axis=0)
    s = np.nanstd(zx, axis=0, ddof=1) / np.sqrt(zx.shape[0]) if zx.shape[0] > 1 else None
    return dphi, m, s


def _panels(sj, nj, hess_net, ej=None):
    panels = []
    if nj is not None and "dnn/N_delta_final" in nj:
        panels.append("nets_ndelta")
    if ej is not None:
        panels.append("constraints")
    if sj is not None and "spheres/Z_excess" in sj:
        panels.append("spheres_z")
    if (sj is not None and "spheres/eigenvalues" in sj) or hess_net is not None:
        panels.append("hessian")
    if nj is not None and "dnn/margins" in nj:
        panels.append("margins")
    for name in ("gaps", "forces"):
        if sj is not None and f"spheres/{name}" in sj:
            panels.append(name)
    return panels


def _nets_ndelta(ax, nj):
    N, P, ratio, _ = ndelta_curve(nj)
    m = np.nanmean(ratio, axis=0)
    s = np.nanstd(ratio, axis=0, ddof=1) / np.sqrt(ratio.shape[0]) if ratio.shape[0] > 1 else None
    plots.band(ax, N / P, m, s, color=SYSTEM_COLORS["dnn_under"], marker="o",
               label=flag(nj, f"nets, P = {P:.0f}, depth {nj.config.get('depth', '?')}"))
    ns = n_star_of(nj)
    if ns.ok:
        ax.axvline(ns.value / P, color="0.4", ls=":", lw=1.0, label=f"$N^*/P$ = {ns.value / P:.3g}")
    c0 = PUB["C0_nets"].value
    ax.axhline(c0, color="k", ls="--", lw=0.8, label=f"$C_0$ ~ {c0} (hypostatic jump)")
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel("$N/P$ (weights per training point)")
    ax.set_ylabel(r"$N_\Delta/N$ (unsatisfied constraints per weight)")
    ax.set_title("nets: jamming transition")
    ax.set_ylim(bottom=-0.02, top=max(0.8, float(np.nanmax(m)) * 1.3 if np.isfinite(m).any() else 0.8))
    ax.legend(loc="upper right")


def constraints_at_jamming(sj, ej, nj) -> list:
    """[(label, mean, sem, colour)]: constraints per degree of freedom at jamming, spheres Z/2d,
    ellipses Z_J/2d_f (d_f = 3), nets N_Delta/N at the largest N still jammed (C0)."""
    from compare.findings.base import mean_sem as estimate
    from compare.findings.nets import transition_index
    out = []

    def mean_sem(v, scale):
        e = estimate(np.asarray(v, float) / scale)
        return e.value, e.error
    if sj is not None and "spheres/Z" in sj:
        d = int(sj.config["dim"])
        out.append((f"spheres {d}D\n$Z/2d$", *mean_sem(sj["spheres/Z"], 2 * d), SYSTEM_COLORS["spheres"]))
    if ej is not None:
        out.append((f"ellipses $\\alpha$ = {float(ej.config['alpha']):g}\n$Z_J/2d_f$",
                    *mean_sem(ej["ellipses/Z"], 6), "tab:purple"))
    if nj is not None and "dnn/N_delta_final" in nj:
        out.append(("nets below $N^*$\n$N_\\Delta/N$", *mean_sem(ndelta_curve(nj)[2][:, transition_index(nj)], 1),
                    SYSTEM_COLORS["dnn_under"]))
    return out


def _constraints(ax, sj, ej, nj):
    rows = constraints_at_jamming(sj, ej, nj)
    x = np.arange(len(rows))
    ax.bar(x, [r[1] for r in rows], yerr=[0 if not np.isfinite(r[2]) else r[2] for r in rows],
           color=[r[3] for r in rows], alpha=0.8, capsize=3)
    ax.axhline(1.0, color="k", ls="--", lw=0.8, label="isostatic (one constraint per d.o.f.)")
    ax.set_xticks(x, [r[0] for r in rows], fontsize=7)
    ax.set_ylim(0, 1.25)
    ax.set_ylabel("constraints per degree of freedom")
    ax.set_xlabel("system at its jamming point")
    ax.set_title("at jamming: isostatic spheres, hypostatic ellipses and nets", fontsize=9)
    ax.legend(loc="upper right", fontsize=7)


def _spheres_z(ax, sj):
    dphi, m, s = spheres_contacts_per_dof(sj)
    plots.band(ax, dphi, m, s, color=SYSTEM_COLORS["spheres"], marker="o",
               label=flag(sj, f"spheres {sj.config['dim']}D, N = {sj.config.get('N', '?')}"))
    lo, hi = A.jamming_window(int(sj.config["N"]))
    ax.axvspan(lo, hi, color="0.9", zorder=0, label="fit window ($N^2\\Delta\\varphi > 100$)")
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


def _hessian(ax, sj, hess_net):
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
        h = A.log_histogram(pos / scale, bins=30)
        if h is None:
            continue
        frac0 = 1 - pos.size / ev.size
        lab2 = (f"{lab} (median $\\lambda$ = {scale:.2g}"
                + (f"; {100 * frac0:.0f}% $\\lambda \\leq 0$)" if frac0 > 0.005 else ")"))
        ax.plot(h[0], h[1], color=c, marker="o", ms=3, label=flag(r, lab2))
        drawn = True
    if not drawn:
        no_data(ax, "no Hessian eigenvalues")
        return
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$\lambda / \mathrm{median}(\lambda)$ (positive eigenvalues)")
    ax.set_ylabel(r"density of eigenvalues $D(\lambda)$")
    ax.set_title("Hessian spectra")
    ax.legend(loc="lower left")


def _margins(ax, nj):
    mar, xnp = transition_margins(nj)
    th, ga = PUB["theta_nets"].value, PUB["gamma_nets"].value
    # Delta > 0: unsatisfied (the contacts); Delta < 0: satisfied (the gaps)
    hp = A.log_histogram(mar[mar > 0], bins=20)
    hm = A.log_histogram(-mar[mar < 0], bins=20)
    if hp is not None:
        ax.errorbar(hp[0], hp[1], hp[2], color="C3", marker="o", ms=3, ls="-",
                    label=flag(nj, r"$P_+(\Delta)$, $\Delta > 0$ (unsatisfied)"))
        guide_through(ax, hp[0], hp[1], th, f"$\\Delta^{{\\theta}}$, $\\theta$ = {th}", xmax=0.3, color="C3")
    if hm is not None:
        ax.errorbar(hm[0], hm[1], hm[2], color="C0", marker="s", ms=3, ls="-",
                    label=r"$P_-(\Delta)$ against $-\Delta$ (satisfied)")
        guide_through(ax, hm[0], hm[1], -ga, f"$|\\Delta|^{{-\\gamma}}$, $\\gamma$ = {ga}", xmax=0.3, color="C0")
    if hp is None and hm is None:
        no_data(ax, "no margins away from 0")
        return
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$|\Delta_\mu|$ (margin $\Delta = 1 - y f(x)$)")
    ax.set_ylabel("probability density")
    ax.set_title(f"nets: margins at N/P = {xnp:.3g}")
    ax.legend(loc="best", fontsize=7)


def _tail(ax, sj, which):
    gaps = which == "gaps"
    h = A.log_histogram(sj[f"spheres/{which}"], bins=25)
    if h is None:
        no_data(ax, f"no {which}")
        return
    n = np.size(sj["spheres/phi_J"])
    ax.errorbar(h[0], h[1], h[2], color=SYSTEM_COLORS["spheres"], marker="o", ms=3, ls="-",
                label=flag(sj, f"gaps of {n} packing(s)" if gaps else "contact forces"))
    if gaps:
        g = PUB["gamma_spheres"].value
        guide_through(ax, h[0], h[1], -g, f"$h^{{-\\gamma}}$, $\\gamma$ = {g}", xmax=1e-2)
    else:
        t = PUB["theta_spheres"].value
        guide_through(ax, h[0], h[1], t, f"$f^{{\\theta}}$, $\\theta$ = {t}", xmax=0.3)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"gap $h = r/\sigma_{ij} - 1$" if gaps else r"contact force $f/\langle f\rangle$")
    ax.set_ylabel("probability density $P(h)$" if gaps else "probability density $P(f)$")
    ax.set_title("spheres: gaps at jamming" if gaps else "spheres: forces at jamming")
    ax.legend(loc="lower left" if gaps else "lower right")


def fig_jamming(roles: dict):
    """Top: nets N_Delta/N against N/P; spheres' contacts per degree of freedom against phi - phi_J;
    Hessian spectra. Bottom: margins of nets, gaps and forces of spheres, log axes with exponents."""
    sj, nj, ej = roles.get("spheres_jam"), roles.get("dnn_jam"), roles.get("ellipses_jam")
    hess_net = next((r for r in (roles.get("dnn_under"), roles.get("dnn_over"))
                     if r is not None and "dnn/hessian_eigs" in r), None)
    panels = _panels(sj, nj, hess_net, ej)
    if not panels:
        return None
    ncols = min(3, len(panels))
    nrows = int(math.ceil(len(panels) / ncols))
    fig, axes = plots.figure(ncols=ncols, nrows=nrows, width=3.9, height=3.3)
    flat = list(axes.ravel())
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    draw = {"nets_ndelta": lambda ax: _nets_ndelta(ax, nj), "spheres_z": lambda ax: _spheres_z(ax, sj),
            "constraints": lambda ax: _constraints(ax, sj, ej, nj),
            "hessian": lambda ax: _hessian(ax, sj, hess_net), "margins": lambda ax: _margins(ax, nj),
            "gaps": lambda ax: _tail(ax, sj, "gaps"), "forces": lambda ax: _tail(ax, sj, "forces")}
    for ax, which in zip(flat, panels):
        draw[which](ax)
    fig.suptitle("4. Jamming: nets beside soft spheres" + (" and ellipses" if ej is not None else ""),
                 fontsize=10)
    return fig


