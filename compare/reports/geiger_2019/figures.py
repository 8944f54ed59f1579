"""The figures of the Geiger et al. 2019 report, drawn with our records: the jamming transition of
nets against N/P at each depth and N* against the minimisation length; the margins at N*; the
generalisation cusp; constraints per degree of freedom at jamming for nets, spheres and ellipses."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from compare.plots import figure, save
from compare.reports.geiger_2019 import measure as M
from physics import analysis as A


def _colors(n: int):
    import matplotlib.pyplot as plt
    return plt.cm.viridis(np.linspace(0.05, 0.8, max(n, 1)))


def jamming_figure(runs, scale, path):
    import matplotlib.pyplot as plt
    curves = {L: M.depth_curve(runs, scale, L) for L in M.SCALES[scale].params["depths"]}
    pub = A.PUBLISHED["N_star_over_P_random_L3"].value
    fig, ax = figure(2, 1, width=4.4, height=3.5)
    a, b = ax[0, 0], ax[0, 1]
    for (L, c), col in zip(curves.items(), _colors(len(curves))):
        r = c["ratio"]
        sem = np.nanstd(r, axis=0, ddof=1) / np.sqrt(r.shape[0]) if r.shape[0] > 1 else None
        a.errorbar(c["x"], np.nanmean(r, axis=0), yerr=sem, fmt="o-", color=col, capsize=2,
                   label=f"L = {L}, h = d = {c['h']} (N = {c['N']})")
        if c["n_star"].ok:
            a.axvline(c["n_star"].value, color=col, ls=":", lw=1)
        ok = [(t, e) for t, e in zip(c["steps"], c["convergence"]) if e.ok]
        if ok:
            b.errorbar([t for t, _ in ok], [e.value for _, e in ok], yerr=[e.error for _, e in ok],
                       fmt="s-", color=col, capsize=2, label=f"L = {L}")
    for axis in (a, b):
        band = (axis.axvspan if axis is a else axis.axhspan)
        band(pub[0], pub[1], color="tab:orange", alpha=0.15, label="paper, L = 3: 0.30-0.36")
    a.axhline(M.THRESHOLD, color="0.5", ls="--", lw=1, label="jammed above 0.1")
    a.set(xscale="log", xlabel="N/P (weights per training point)",
          ylabel=r"$N_\Delta/N$ (live unsatisfied constraints per weight)",
          title="random data: the jamming transition (dotted: N*/P)")
    a.xaxis.set_minor_formatter(plt.NullFormatter())      # after set(xscale): no crowded minor labels
    a.legend(fontsize=6)
    b.set(xscale="log", xlabel="Adam steps of the minimisation", ylabel="N*/P",
          title="N* against the length of the minimisation")
    b.legend(fontsize=6)
    return save(fig, path)


def margins_figure(runs, scale, path):
    from compare.findings.nets import MARGIN_CUT
    from compare.reports.geiger_2019.claims import compared_depth
    c = M.depth_curve(runs, scale, compared_depth(scale))
    m = M.margins_at(c)
    fig, ax = figure(2, 1, width=4.0, height=3.3)
    for a, vals, sign, key in ((ax[0, 0], m[m > 0], "+", "theta"), (ax[0, 1], -m[m < 0], "-", "gamma")):
        hist = A.log_histogram(vals, bins=20)
        if hist is not None:
            centres, dens, err = hist
            a.errorbar(centres, dens, yerr=err, fmt="o", ms=3, color="k", capsize=1, label="nets, the run nearest N* from below")
            est = A.tail_exponent(vals, upper=MARGIN_CUT)
            pub = A.PUBLISHED[f"{key}_nets"].value
            x = np.geomspace(max(centres.min(), 1e-6), MARGIN_CUT, 20)
            k = np.argmin(np.abs(centres - MARGIN_CUT))
            for slope, ls, lab in ((est.value, "-", f"fit: {est.value:+.2f} +- {est.error:.2f}"),
                                   (pub if sign == "+" else -pub, "--", f"paper: {pub if sign == '+' else -pub:+.2f}")):
                if np.isfinite(slope):
                    a.plot(x, dens[k] * (x / centres[k]) ** slope, ls, color="tab:red" if ls == "-" else "tab:blue",
                           label=lab)
        a.set(xscale="log", yscale="log", xlabel=rf"$|\Delta|$ ($\Delta {'>' if sign == '+' else '<'} 0$)",
              ylabel=rf"$P_{sign}(|\Delta|)$ (density)",
              title=(r"$P_+(\Delta) \sim \Delta^{\theta}$" if sign == "+" else r"$P_-(\Delta) \sim |\Delta|^{-\gamma}$")
              + f", N/P = {c['x'][c['near']]:.3g}")
        a.legend(fontsize=6)
    return save(fig, path)


def cusp_figure(runs, scale, path):
    c = M.cusp_curve(runs)
    ns = c["n_star"]
    x = c["N"] / ns.value if ns.ok else c["N"]
    err = c["error"]
    fig, ax = figure(1, 1, width=4.6, height=3.5)
    a = ax[0, 0]
    S = err.shape[0]
    a.errorbar(x, np.nanmean(err, axis=0), yerr=np.nanstd(err, axis=0, ddof=1) / np.sqrt(S) if S > 1 else None,
               fmt="o-", color="k", capsize=2, label=f"single nets (mean of {S})")
    a.plot(x, c["ensemble"], "s--", color="tab:blue", label=f"ensemble average of the {S} outputs")
    if ns.ok:
        a.axvline(1.0, color="0.5", ls=":", label="N = N*")
    a.set(xscale="log", xlabel="N/N*" if ns.ok else "N (N* not located)", ylabel="test error",
          title=f"generalisation at the jamming transition (P = {c['P']:.0f})")
    a.legend(fontsize=7)
    return save(fig, path)


def constraints_figure(runs, scale, path):
    """Constraints per degree of freedom at jamming: nets N_Delta/N against N/N*, spheres Z/2d and
    ellipses Z/2d_f at their jamming point (x = 1)."""
    fig, ax = figure(1, 1, width=4.8, height=3.6)
    a = ax[0, 0]
    for (L, c), col in zip(((L, M.depth_curve(runs, scale, L)) for L in M.SCALES[scale].params["depths"]),
                           _colors(len(M.SCALES[scale].params["depths"]))):
        if c["n_star"].ok:
            a.plot(c["x"] / c["n_star"].value, np.nanmean(c["ratio"], axis=0), "o-", color=col,
                   label=f"nets, L = {L}: $N_\\Delta/N$")
    Z = np.asarray(runs["spheres_jam"]["spheres/Z"], float)
    a.errorbar([0.97], [Z.mean() / 4], yerr=[Z.std() / 4], fmt="D", color="tab:red", ms=7,
               label="soft disks at $\\phi_J$: Z/2d")
    for i, (alpha, mk) in enumerate(zip(M.SCALES[scale].params["ellipses_alpha"], "^v<>")):
        run = runs.get(M.ellipses_name(alpha))
        if run is not None:
            Ze = np.asarray(run["ellipses/Z"], float)
            a.errorbar([1.03 + 0.03 * i], [Ze.mean() / 6], yerr=[Ze.std() / 6], fmt=mk, color="tab:purple", ms=7,
                       label=f"ellipses $\\alpha$ = {alpha:g} at $\\phi_J$: Z/2$d_f$")
    a.axhline(1.0, color="k", ls="--", lw=1, label="isostatic")
    a.set(xscale="log", xlabel="distance to jamming: N/N* (nets); packings at their jamming point (1)",
          ylabel="unsatisfied constraints per degree of freedom", ylim=(0, 1.15), xlim=(0.1, 10),
          title="isostatic spheres, hypostatic ellipses and nets")
    a.legend(fontsize=6, loc="lower left")
    return save(fig, path)


def draw_all(runs, scale, folder) -> list:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        (jamming_figure(runs, scale, folder / "jamming.png"),
         "Left: live unsatisfied constraints per weight against N/P for nets fitting random data at each "
         "depth (d = h, matched N; error bars: standard error over samples; dotted: N*/P). Right: N*/P "
         "against the number of Adam steps the minimisation was allowed (it must stop moving). Shaded: "
         "the paper's N*/P at L = 3."),
        (margins_figure(runs, scale, folder / "margins.png"),
         "Distributions of the margins Delta = 1 - y f at the run nearest N* (pooled over samples, dead "
         "constraints left out): positive (left) and negative (right), with the maximum-likelihood power "
         "law (solid) and the paper's exponent (dashed)."),
        (cusp_figure(runs, scale, folder / "cusp.png"),
         "Test error against N/N* at fixed P: single nets (mean and standard error) and the ensemble "
         "average of their outputs."),
        (constraints_figure(runs, scale, folder / "constraints.png"),
         "Unsatisfied constraints per degree of freedom: nets (N_Delta/N against N/N*), soft disks (Z/2d) "
         "and ellipses (Z/2d_f) at their jamming point. Isostatic = 1; below = hypostatic."),
        _hessian_figure(runs, scale, folder),
        _packings_figure(runs, scale, folder),
    ]


def _packings_figure(runs, scale, folder):
    from compare.reports.geiger_2019 import packings
    return packings.figure(runs, scale, Path(folder) / "packings.png"), packings.CAPTION


def _hessian_figure(runs, scale, folder):
    from compare.reports.geiger_2019 import hessian as Hs
    from compare.reports.geiger_2019.claims import compared_depth
    c = M.depth_curve(runs, scale, compared_depth(scale))
    return Hs.hessian_figure(runs, scale, c, Path(folder) / "hessian.png"), Hs.CAPTION
