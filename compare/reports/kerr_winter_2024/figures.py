"""The figures of the Kerr Winter & Janssen 2024 report: tau against T for the nets and the
p-spin, the time-temperature superposition of each, the nets' msd / chi_4 / aging, and the
trivialisation by the L2 term. Sample means; tau from analysis.tau_of (tau_e)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from compare.plots import figure, save
from compare.reports.kerr_winter_2024.claims import trivialisation_curve
from compare.reports.kerr_winter_2024 import measure as M
from compare.reports.kerr_winter_2024 import pspin as P
from compare.reports.kerr_winter_2024 import spheres as S


def _colors(n: int):
    import matplotlib.pyplot as plt
    return plt.cm.viridis(np.linspace(0.05, 0.85, max(n, 1)))


def tau_figure(runs, scale, path):
    """Left: tau_e of the nets against T (each state point; open markers: lower bounds). Right:
    tau_e of the p-spin (CK) against T - T_d, with the mode-coupling power law of slope -gamma."""
    s = M.SCALES[scale].params
    fig, ax = figure(3, 1, width=4.2, height=3.6)
    a = ax[0, 0]
    for (state, (width, l2)), c in zip(s["states"].items(), _colors(len(s["states"]))):
        es = M.taus(runs, M.nets_names(scale, state))
        N = M.n_weights(width, s["depth"], s["d"])
        T = np.asarray(s["T"], float)
        v = np.array([e.value if (e.ok or e.bound) else np.nan for e in es])
        bound = np.array([bool(e.bound) for e in es])
        a.plot(T[~bound], v[~bound], "o-", color=c, label=f"width {width}, $\\lambda$ = {l2:g} (N/P = {N / s['P']:.2f})")
        if bound.any():
            a.plot(T[bound], v[bound], "o", mfc="none", color=c)
    a.set(xscale="log", yscale="log", xlabel="T (loss units)", ylabel=r"$\tau_e$ (time units, steps x lr)",
          title="nets: tau finite at every T")
    a.legend(fontsize=7)
    b = ax[0, 1]
    th = P.theory()
    Td, gamma = th["Td"], th["gamma"]
    for kind, style, color in (("ck", "o-", "k"), ("planted", "s:", "0.55")):
        T, es = P.taus(runs, scale, kind)
        ok = np.array([e.ok and not e.bound for e in es])
        v = np.array([e.value if k else np.nan for e, k in zip(es, ok)])
        err = np.array([e.error if k and np.isfinite(e.error) else 0.0 for e, k in zip(es, ok)])
        label = P.KINDS[kind] + (f" ({s['pspin_N']} spins)" if kind == "planted" else "")
        b.errorbar(T - Td, v, yerr=err, fmt=style, color=color, ms=4, capsize=2, label=label)
        if kind == "ck" and ok.any():
            i = int(np.nanargmin(np.where(ok, T, np.inf)))
            x = np.geomspace((T - Td).min(), (T - Td).max(), 20)
            b.plot(x, v[i] * (x / (T[i] - Td)) ** -gamma, "--", color="tab:red",
                   label=f"MCT: $(T - T_d)^{{-{gamma:.3f}}}$")
    b.set(xscale="log", yscale="log", xlabel=f"$T - T_d$ ($T_d$ = {Td:.3f})",
          ylabel=r"$\tau_e$ in equilibrium (Langevin time)",
          title="p = 3 spin glass: diverges at $T_d$")
    from matplotlib.ticker import NullFormatter
    b.xaxis.set_minor_formatter(NullFormatter())       # decades only: the minor labels collide
    b.legend(fontsize=7)
    c = ax[0, 2]
    sp = S.spheres_tts(runs, scale)
    st = sp["stationary"]
    c.errorbar(1 / sp["T"][st], sp["tau"][st], yerr=sp["tau_error"][st], fmt="o-", color="tab:green",
               ms=4, capsize=2, label=f"stationary (tw = tmax/2)")
    if (~st).any():
        c.plot(1 / sp["T"][~st], sp["tau"][~st], "o", mfc="none", color="tab:green",
               label="not stationary (left out)")
    ok = st & np.isfinite(sp["tau"])
    if ok.sum() >= 2:                        # Arrhenius through the two highest T, for the eye
        i = np.argsort(sp["T"][ok])[-2:]
        x, y = 1 / sp["T"][ok][i], np.log(sp["tau"][ok][i])
        E = (y[1] - y[0]) / (x[1] - x[0])
        xs = np.linspace((1 / sp["T"][ok]).min(), (1 / sp["T"][ok]).max(), 20)
        c.plot(xs, np.exp(y[0] + E * (xs - x[0])), "--", color="0.5",
               label=f"Arrhenius from the two highest T (E = {E:.3g} eps)")
    c.set(yscale="log", xlabel=r"1/T (1/$\epsilon$)", ylabel=r"$\tau_e$ ($\sigma^2/\mu\epsilon$)",
          title=f"soft disks, phi = {S.SPHERES[scale]['phi']:g}: tau(1/T)")
    c.legend(fontsize=7)
    return save(fig, path)


def tts_figure(runs, scale, path):
    """Q/Q(0) of every T against lag / tau_e (nets) and C against lag / tau_e (p-spin), with the
    power law t^-0.5 of the paper."""
    s = M.SCALES[scale].params
    fig, ax = figure(3, 1, width=4.2, height=3.6)
    state = M.main_state(scale)
    names = M.nets_names(scale, state)
    a = ax[0, 0]
    for name, T, c in zip(names, s["T"], _colors(len(names))):
        lag, q = M.overlap(runs[name])
        [tau] = M.taus(runs, [name])
        if tau.ok and not tau.bound:
            a.plot(lag / tau.value, q, color=c, label=f"T = {T:g}")
    a.set(xscale="log", xlabel=r"lag / $\tau_e(T)$", title=f"nets ({state}): time-temperature superposition")
    a.legend(fontsize=7)
    b = ax[0, 1]
    T, es = P.taus(runs, scale, "ck")
    for name, t, e, c in zip(P.names(scale, "ck"), T, es, _colors(len(T))):
        if e.ok and not e.bound:
            lag, C = P.stationary_curve(runs[name], e)
            b.plot(lag / e.value, C, color=c, label=f"T = {t:g}")
    b.set(xscale="log", xlabel=r"lag / $\tau_e(T)$", title="p-spin (CK, stationary tw): superposition")
    b.legend(fontsize=7)
    x = np.geomspace(1, 1e3, 20)
    ax[0, 0].plot(x, np.exp(-1) * x ** -0.5, "k--", lw=1, label=r"$\propto (t/\tau)^{-0.5}$ (paper)")
    ax[0, 0].set(yscale="log", ylabel=r"$Q/Q(0)$")
    ax[0, 0].legend(fontsize=7)
    ax[0, 1].set(ylabel="C(tw, tw + lag)")
    c = ax[0, 2]
    sp = S.spheres_tts(runs, scale)
    for curve, T, st, col in zip(sp["curves"], sp["T"], sp["stationary"], _colors(len(sp["T"]))):
        if curve is not None:
            c.plot(*curve, color=col, ls="-" if st else ":", label=f"T = {T:g}" + ("" if st else " (not stationary)"))
    col = sp["collapse"]
    c.set(xscale="log", xlabel=r"lag / $\tau_e(T)$", ylabel="Q/Q(0)",
          title="soft disks: superposition" + (f" (spread {col.value:.3f})" if col.ok else ""))
    c.legend(fontsize=7)
    return save(fig, path)


def dynamics_figure(runs, scale, path):
    """Nets at the main state point: msd against lag with free diffusion 2 T lag (no plateau);
    chi_4 against lag; Q(tw, tw + t) for several tw at the lowest T (aging); the displacement
    distribution at a lag near tau_e, beside the soft disks' at their lowest T and a Gaussian."""
    from physics import analysis as A
    s = M.SCALES[scale].params
    state = M.main_state(scale)
    names = M.nets_names(scale, state)
    fig, ax = figure(4, 1, width=3.8, height=3.4)
    drawn = 0
    for name, T, c in zip(names, s["T"], _colors(len(names))):
        run = runs[name]
        [tau] = M.taus(runs, [name])
        vh = M.displacements(run, tau.value) if tau.ok else None
        if vh is not None:
            u, dens, lag = vh
            ax[0, 3].plot(u, dens, color=c, label=f"T = {T:g}, lag {lag:.3g}")
            drawn += 1
        lag, msd = M.lag_curve(run, "msd")
        ax[0, 0].plot(lag, msd, color=c, label=f"T = {T:g}")
        ax[0, 0].plot(lag, 2 * T * lag, ":", color=c, lw=0.8)
        lag, Qs = M.lag_curve(run, "Q", per_sample=True)
        _, c4 = A.chi4(Qs, float(np.ravel(run["dnn/N"])[0]))
        ax[0, 1].plot(lag, c4, color=c, label=f"T = {T:g}")
    ax[0, 0].set(xscale="log", yscale="log", xlabel="lag (steps x lr)", ylabel="msd per weight",
                 title="msd: no plateau (dotted: 2 T lag)")
    ax[0, 0].legend(fontsize=7)
    ax[0, 1].set(xscale="log", yscale="log", xlabel="lag (steps x lr)",
                 ylabel=r"$\chi_4$ = n var$_{samples}$ Q", title=f"$\\chi_4$ ({s['samples']} samples)")
    ax[0, 1].legend(fontsize=7)
    run = runs[names[0]]
    for i, (w, c) in enumerate(zip(run["tw"], _colors(len(run["tw"])))):
        lag, q = M.overlap(run, i)
        ax[0, 2].plot(lag, q, color=c, label=f"tw = {w:g}")
    ax[0, 2].set(xscale="log", xlabel="lag (steps x lr)", ylabel="Q/Q(0)",
                 title=f"aging at T = {s['T'][0]:g}")
    ax[0, 2].legend(fontsize=7)
    d = ax[0, 3]
    sp = S.spheres_tts(runs, scale)
    i = int(np.argmin(sp["T"]))
    vh = M.displacements(runs[S.spheres_name(sp["T"][i])], sp["tau"][i]) if np.isfinite(sp["tau"][i]) else None
    if vh is not None:
        d.plot(vh[0], vh[1], "k--", label=f"soft disks, T = {sp['T'][i]:g}, lag {vh[2]:.3g}")
        drawn += 1
    u = np.linspace(-6, 6, 200)
    d.plot(u, np.exp(-u * u / 2) / np.sqrt(2 * np.pi), ":", color="0.5", label="Gaussian")
    if not drawn:
        d.text(0.5, 0.5, "not in these records\n(recorded since this version)", ha="center",
               transform=d.transAxes, fontsize=8, color="0.4")
    d.set(yscale="log", ylim=(1e-4, 50), xlabel=r"u = $\Delta x_i$ / rms (at lag ~ $\tau_e$)",
          ylabel="density P(u)", title="displacement distribution")
    d.legend(fontsize=6, loc="upper left", ncol=2)
    return save(fig, path)


def trivialisation_figure(runs, scale, path):
    """Final loss (geometric mean over initialisations) and mean pairwise distance between the
    minima against lambda, at one width."""
    s = M.SCALES[scale].params
    l2, loss, dist = trivialisation_curve(runs, scale)
    fig, ax = figure(2, 1, width=4.0, height=3.2)
    ax[0, 0].plot(l2, loss, "o-", color="k")
    ax[0, 0].axhline(0.5, ls=":", color="0.5", label="trivial minimum w = 0 (loss 1/2)")
    ax[0, 0].axvspan(0.010, 0.040, color="tab:orange", alpha=0.15, label="paper: jump in [0.010, 0.040]")
    ax[0, 0].set(xlabel=r"$\lambda$ (L2 strength)", ylabel="final loss (geometric mean)",
                 title=f"width {s['triv_width']}, {s['triv_samples']} initialisations")
    ax[0, 0].legend(fontsize=7)
    ax[0, 1].plot(l2, dist, "s-", color="tab:blue")
    ax[0, 1].set(xlabel=r"$\lambda$ (L2 strength)", ylabel="mean distance between minima",
                 title="distinct minima -> one minimum")
    return save(fig, path)


def phase_figure(runs, scale, path):
    """Left: final loss against lambda, one curve per width (N/P). Right: the (N/P, lambda) phase
    diagram: each minimisation grid point coloured by the fraction of trivial minima (w = 0), the
    trivialisation line lambda_c(N/P) with its bracket, and the jamming line N*/P at lambda = 0."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    ph = M.phase_diagram(runs, scale)
    x, lam, loss = ph["N_over_P"], ph["lambda"], ph["loss"]
    fig, ax = figure(2, 1, width=4.4, height=3.6)
    a = ax[0, 0]
    norm = LogNorm(vmin=x.min(), vmax=x.max())
    for j, xj in enumerate(x):
        a.plot(lam, loss[:, j], "o-", color=plt.cm.viridis(norm(xj)) if x.max() > x.min() else "k",
               label=f"width {ph['widths'][j]} (N/P = {xj:.3f})")
    a.axhline(0.5, ls=":", color="0.5", label="trivial minimum w = 0 (loss 1/2)")
    a.set(yscale="log", xlabel=r"$\lambda$ (L2 strength)", ylabel="final data loss (geometric mean)",
          title="final loss against $\\lambda$ at each width")
    a.legend(fontsize=6)
    b = ax[0, 1]
    X, L = np.meshgrid(x, lam)
    sc = b.scatter(X.ravel(), L.ravel(), c=ph["trivial"].ravel(), cmap="coolwarm", vmin=0, vmax=1,
                   s=60, edgecolors="k", linewidths=0.4)
    fig.colorbar(sc, ax=b, label="fraction of minimisations ending at w = 0")
    lc = ph["lambda_c"]
    ok = np.array([e.ok for e in lc])
    if ok.any():
        b.errorbar(x[ok], [e.value for e, k in zip(lc, ok) if k], yerr=[e.error for e, k in zip(lc, ok) if k],
                   fmt="s-", color="k", capsize=3, label=r"trivialisation line $\lambda_c$ (loss halfway to 1/2)")
    ns = ph["n_star"]
    if ns.ok:
        P = ph["P"]
        b.axvline(ns.value / P, ls="--", color="tab:green", label=f"jamming N*/P = {ns.value / P:.3f} ($\\lambda$ = 0)")
        b.axvspan(ns.window[0] / P, ns.window[1] / P, color="tab:green", alpha=0.12)
    b.set(xscale="log", xlabel="N/P (weights per training point)", ylabel=r"$\lambda$ (L2 strength)",
          title="phase diagram: trivial above the line")
    b.set_xticks(x, [f"{v:.2g}" for v in x], fontsize=7)     # the grid's N/P, no crowded minor labels
    b.xaxis.set_minor_formatter(plt.NullFormatter())
    b.set_ylim(-0.05 * lam.max(), 1.4 * lam.max())          # room above the grid for the legend
    b.legend(fontsize=6, loc="upper left")
    return save(fig, path)


def draw_all(runs, scale, folder) -> list:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = [(tau_figure(runs, scale, folder / "tau.png"),
            "Relaxation time tau_e (Q/Q(0) or C below 1/e) against temperature: nets (left, each "
            "state point; open markers are lower bounds) stay finite; the p-spin (right: the exact N = "
            "infinity solution once tau no longer depends on tw, and planted equilibrium starts at "
            "finite N) diverges at T_d with the mode-coupling exponent (dashed); the soft disks (right: "
            "an equilibrated liquid, tau against 1/T; dashed: the Arrhenius line through the two "
            "highest T, which a super-Arrhenius growth leaves upwards)."),
           (tts_figure(runs, scale, folder / "tts.png"),
            "Time-temperature superposition: the overlap of every T against lag / tau_e(T), for the "
            "nets (left, with the paper's power law t^-0.5), the p-spin (middle) and the soft disks "
            "(right)."),
           (dynamics_figure(runs, scale, folder / "dynamics.png"),
            "Nets: the msd has no plateau (dotted: free diffusion 2 T lag); chi_4 against lag; aging "
            "of Q(tw, tw + t) at the lowest T; the distribution of displacements (in units of their "
            "rms) at a lag near tau_e, beside the soft disks' and a Gaussian.")]
    try:
        out.append((trivialisation_figure(runs, scale, folder / "trivialisation.png"),
                    "Topology trivialisation: the final loss jumps to 1/2 and the minima merge as the "
                    "L2 strength lambda grows (shaded: where the paper finds it at width 30)."))
    except KeyError:
        pass
    try:
        out.append((phase_figure(runs, scale, folder / "phase.png"),
                    "The (N/P, lambda) phase diagram of the nets: left, the final data loss after a "
                    "T = 0 minimisation against lambda at each width; right, each grid point coloured "
                    "by the fraction of initialisations that end in the trivial minimum w = 0, the "
                    "trivialisation line lambda_c(N/P) (error bars: the lambda bracket) and the "
                    "jamming line N*/P at lambda = 0 (N_Delta/N crosses 0.1; shaded: its bracket)."))
    except KeyError:
        pass
    return out
