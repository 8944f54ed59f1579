"""The figures of the Cugliandolo-Kurchan 1993 report (compare/reports/cugliandolo_kurchan_1993.py):
energy, C(tw, t), the FDT plot and the convergence of the finite-N p-spin to CK.
Each shows the sample mean with a band of one standard error over samples."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from compare.plots import band, figure, save, tw_colors
from compare.reports.cugliandolo_kurchan_1993 import measure as R

CK_STYLE = dict(color="k", lw=1.3)


def n_colors(n: int):
    import matplotlib.pyplot as plt
    return plt.cm.plasma(np.linspace(0.1, 0.75, max(n, 1)))


def energy(runs, scale, path):
    """Left: e(t) - e_inf of CK on log-log, with the power law fitted to it and the half-grid
    solution (its accuracy check). Right: the finite-N correction e_N(t) - e_CK(t) of the p-spin."""
    from physics import analysis as A
    th = R.theory_values()
    ck, half, ps = runs["ck"], runs["ck_half_grid"], R.pspin_runs(runs)
    s = R.SCALES[scale].params
    fig, ax = figure(2, 1, width=5.0, height=4.0)
    a = ax[0, 0]
    t = np.asarray(ck["t"], float)
    a.plot(t, ck.mean("energy") - th["e_inf"], label=f"CK, n_grid = {ck.config['n_grid']}", **CK_STYLE)
    a.plot(half["t"], half.mean("energy") - th["e_inf"], color="tab:blue", ls=":", lw=1.3,
           label=f"CK, n_grid = {half.config['n_grid']} (grid check)")
    fit = A.power_law_approach(t, ck.mean("energy"), (s["ck_tmax"] / 300.0, s["ck_tmax"]))
    if fit.ok:
        tt = np.geomspace(fit.window[0], fit.window[1] * 30, 60)
        a.plot(tt, fit.value + fit.extra["amplitude"] * tt ** -fit.extra["exponent"] - th["e_inf"], "--",
               color="tab:green", lw=1.2,
               label=f"fit $e_\\infty' + A t^{{-a}}$ on [{fit.window[0]:.3g}, {fit.window[1]:.3g}]:\n"
                     f"a = {fit.extra['exponent']:.3f}, $e_\\infty'$ = {fit.value:.5f}")
    a.axvline(t[-1], color="grey", lw=0.6, ls="-")
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_xlabel("time $t$ after the quench")
    a.set_ylabel(f"$e(t) - e_\\infty$ (energy per spin; $e_\\infty$ = {th['e_inf']:.4f})")
    a.set_title(f"N = $\\infty$: approach to $e_\\infty$ (thin line: $t_{{max}}$)")
    a.legend(loc="lower left")

    a = ax[0, 1]
    for r, c in zip(ps, n_colors(len(ps))):
        tp = np.asarray(r["t"], float)
        ref = R._interp_log(t, ck.mean("energy"), tp)
        band(a, tp, r.mean("energy") - ref, r.sem("energy"), color=c,
             label=f"p-spin N = {r.config['N']} ({r['energy'].shape[0]} samples)")
    a.axhline(0.0, label="CK (N = $\\infty$)", **CK_STYLE)
    a.axvline(float(s["t_min"]), color="grey", lw=0.5, alpha=0.6)
    a.set_xscale("log")
    a.set_xlabel("time $t$ after the quench")
    a.set_ylabel("$e_N(t) - e_{CK}(t)$ (energy per spin)")
    a.set_title(f"Finite N: energy above CK (distances from t $\\geq$ {float(s['t_min']):g}, thin line)")
    a.legend(loc="upper left")
    return save(fig, path)


def correlation(runs, scale, path):
    """C(tw, tw + lag) against the lag, one panel per shared tw: p-spin at each N and CK."""
    th = R.theory_values()
    ck, ps = runs["ck"], R.pspin_runs(runs)
    tws = [float(w) for w in R.SCALES[scale].params["tw"]]
    ncol = min(len(tws), 2)
    nrow = int(np.ceil(len(tws) / ncol))
    fig, ax = figure(ncol, nrow, width=4.4, height=3.3, sharey=True, sharex=True)
    t_ck, tw_ck = np.asarray(ck["t"], float), np.asarray(ck["tw"], float)
    for k, w in enumerate(tws):
        a = ax[k // ncol, k % ncol]
        for r, c in zip(ps, n_colors(len(ps))):
            i = int(np.argmin(np.abs(np.asarray(r["tw"]) - w)))
            t = np.asarray(r["t"], float)
            later = t > r["tw"][i]
            band(a, t[later] - r["tw"][i], r.mean("C")[i, later], r.sem("C")[i, later], color=c,
                 label=f"p-spin N = {r.config['N']}")
        j = int(np.argmin(np.abs(tw_ck - w)))
        ok = np.isfinite(ck.mean("C")[j]) & (t_ck > tw_ck[j])
        tmax = float(R.SCALES[scale].params["tmax"])
        keep = ok & (t_ck - tw_ck[j] <= tmax) & (t_ck - tw_ck[j] >= 0.02)
        a.plot(t_ck[keep] - tw_ck[j], ck.mean("C")[j, keep], label="CK, N = $\\infty$", **CK_STYLE)
        a.axhline(th["q_EA"], color="grey", ls=":", lw=0.9, label=f"$q_{{EA}}$ = {th['q_EA']:.3f}")
        a.axvline(float(R.SCALES[scale].params["t_min"]), color="grey", ls="-", lw=0.5, alpha=0.5)
        a.set_xscale("log")
        a.set_title(f"$t_w$ = {w:g}")
        a.set_xlabel("lag $t - t_w$")
        if k % ncol == 0:
            a.set_ylabel("$C(t_w, t)$")
        if k == 0:
            a.legend(loc="lower left")
    for k in range(len(tws), nrow * ncol):
        ax[k // ncol, k % ncol].set_visible(False)
    fig.suptitle(f"Two-time correlation, finite N against N = $\\infty$ (mean $\\pm$ s.e.; "
                 f"distances measured right of the thin line, lag $\\geq$ {R.SCALES[scale].params['t_min']:g})",
                 fontsize=10)
    return save(fig, path)


def fdt(runs, scale, path):
    """T chi against Delta/2 = 1 - C: CK at every tw with the paper's two-slope line (left), and
    the largest-N p-spin at the shared tw beside CK (right)."""
    th = R.theory_values()
    ck, ps = runs["ck"], R.pspin_runs(runs)
    fig, ax = figure(2, 1, width=4.8, height=4.0)

    def lines(a):
        xx = np.linspace(0, 1, 50)
        a.plot(xx, xx, color="grey", ls="--", lw=0.9, label="FDT (slope 1)")
        q, x = th["q_EA"], th["x"]
        d = np.linspace(1 - q, 1, 20)
        a.plot(d, (1 - q) + x * (d - (1 - q)), color="tab:red", lw=1.2,
               label=f"CK 1993: slope x = {x:.3f} from $1 - q_{{EA}}$")
        a.set_xlim(0, 1)
        a.set_ylim(0, 0.85)
        a.set_xlabel("$\\Delta(t_w, t)/2 = 1 - C(t_w, t)$")
        a.set_ylabel("$T\\,\\chi(t_w, t)$ (integrated response)")

    a = ax[0, 0]
    tw = np.asarray(ck["tw"], float)
    colors = tw_colors(len(tw))
    C, chi = ck.mean("C"), ck.mean("chi")
    for i, w in enumerate(tw):
        ok = np.isfinite(C[i]) & np.isfinite(chi[i])
        a.plot(1 - C[i, ok], R.T * chi[i, ok], color=colors[i], lw=1.0, label=f"$t_w$ = {w:.4g}")
    lines(a)
    a.set_title(f"CK (N = $\\infty$) to t = {float(ck['t'][-1]):.3g}")
    a.legend(loc="upper left", ncol=2, fontsize=7)

    a = ax[0, 1]
    if ps:
        r = ps[-1]
        twp = np.asarray(r["tw"], float)
        pc = tw_colors(len(twp))
        Cm, Cs = r.mean("C"), r.sem("C")
        Xm, Xs = r.mean("chi"), r.sem("chi")
        for i, w in enumerate(twp):
            ok = np.isfinite(Cm[i]) & np.isfinite(Xm[i])
            j = int(np.argmin(np.abs(tw - w)))
            a.errorbar(1 - Cm[i, ok], R.T * Xm[i, ok], xerr=Cs[i, ok], yerr=R.T * Xs[i, ok], fmt="o", ms=2.2,
                       lw=0.6, color=pc[i], label=f"$t_w$ = {w:g}")
            okc = np.isfinite(C[j]) & np.isfinite(chi[j]) & (np.asarray(ck["t"]) <= float(r["t"][-1]))
            a.plot(1 - C[j, okc], R.T * chi[j, okc], color=pc[i], lw=1.0)
        lines(a)
        a.set_title(f"p-spin N = {r.config['N']} (points $\\pm$ s.e.), CK (lines), t $\\leq$ {float(r['t'][-1]):g}")
        a.legend(loc="upper left", fontsize=7)
    return save(fig, path)


def convergence(runs, scale, path):
    """Distance of the p-spin's sample mean to CK against N, log-log, with the fitted power law
    and the noise floor (the distance sampling noise alone would give)."""
    cv = R.convergence(runs, scale)
    N = np.asarray(cv["N"], float)
    fig, ax = figure(1, 1, width=7.6, height=4.2)
    a = ax[0, 0]
    allv, handles = [], []
    for key, name, color, label in (("C", "D_C", "tab:blue", "$\\langle|C_N - C_{CK}|\\rangle$ over $(t_w, t)$"),
                                    ("e", "D_e", "tab:orange", "$\\langle|e_N - e_{CK}|\\rangle$ over $t$")):
        D = np.array([d.value for d in cv[name]])
        E = np.array([d.error for d in cv[name]])
        F = np.array([d.extra.get("floor", np.nan) for d in cv[name]])
        allv += list(D) + list(F)
        handles.append(a.errorbar(N, D, yerr=np.nan_to_num(E), fmt="o", color=color, ms=5, capsize=3, label=label))
        sl = cv["slope_" + key]
        if sl.ok:
            nn = np.geomspace(N.min() / 1.15, N.max() * 1.15, 20)
            handles += a.plot(nn, sl.extra["amplitude"] * nn ** sl.value, color=color, lw=1.0,
                              label=f"  fit: exponent {sl.value:.2f} $\\pm$ {sl.error:.2f}")
        handles += a.plot(N, F, ls=":", marker="x", color=color, lw=1.0, ms=4,
                          label="  noise floor (mean s.e. of the mean)")
    ref = np.array([d.value for d in cv["D_C"]])
    if ref.size and np.isfinite(ref[0]):
        nn = np.geomspace(N.min(), N.max(), 10)
        for k, ls in ((0.5, "-."), (1.0, "--")):
            handles += a.plot(nn, ref[0] * (nn / N.min()) ** -k, color="grey", ls=ls, lw=0.8,
                              label=f"$N^{{-{k:g}}}$ (guide)")
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_xticks(N)
    a.set_xticklabels([str(int(n)) for n in N])
    a.minorticks_off()
    fin = [v for v in allv if np.isfinite(v) and v > 0]
    if fin:
        lo, hi = min(fin) / 1.6, max(fin) * 1.6
        a.set_ylim(lo, hi)
        ticks = [v for v in (0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5) if lo <= v <= hi]
        a.set_yticks(ticks)
        a.set_yticklabels([f"{v:g}" for v in ticks])
    a.set_xlabel("number of spins $N$")
    a.set_ylabel("distance of the p-spin mean to CK\n(C dimensionless; e per spin)")
    a.set_title("Finite N approaching N = $\\infty$ at the same times")
    a.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8)
    return save(fig, path)


def draw_all(runs, scale, folder) -> list:
    folder = Path(folder)
    s = R.SCALES[scale].params
    return [
        (energy(runs, scale, folder / "energy.png"),
         "Energy after the quench. Left: the CK solution's e(t) - e_inf on log-log, the same "
         "solution on half the grid (its accuracy check), and the power law fitted to it, continued past "
         "the end of the solution (its height at t_max is the decay still ahead). Right: the finite-N "
         "correction e_N(t) - e_CK(t) of the p-spin at each N (band: one standard error over samples)."),
        (correlation(runs, scale, folder / "correlation.png"),
         f"C(tw, t) against the lag at the shared waiting times: the p-spin at N = "
         f"{', '.join(str(n) for n in s['N'])} (bands: one standard error) and CK (black). Dotted: the "
         "paper's plateau q_EA."),
        (fdt(runs, scale, folder / "fdt.png"),
         "FDT plot, T chi against Delta/2 = 1 - C. Left: CK at every waiting time with the paper's "
         "two-slope line (slope 1 down to the plateau, slope x beyond). Right: the largest-N p-spin beside "
         "CK at the shared waiting times."),
        (convergence(runs, scale, folder / "convergence.png"),
         "Distance of the p-spin's sample mean from CK at the same points against N (error bars: "
         "bootstrap over samples), with the fitted power law, the noise floor of each distance and "
         "the N^-1/2 and N^-1 guides."),
    ]
