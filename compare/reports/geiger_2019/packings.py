"""Geiger et al. 2019: the soft disks' criticality at jamming, the reference the nets' margins are
held against (issue 13; docs/science.md, section 3).

One point: 2D 50:50 bidisperse harmonic disks jammed by compress-and-bisect (the spheres' jam
protocol), many packings, with the normal modes at every phi_J + dphi of the compression series
(the late key modes_series). From its record:

  - the contact forces at phi_J split into BUCKLERS and EXTENDED contacts
    (physics.spheres.contacts: a buckler is a non-rattler with exactly d + 1 contacts, a contact
    belongs to the bucklers when either of its particles is one; Charbonneau, Corwin, Parisi &
    Zamponi, PRL 114, 125504 (2015)), theta_e and theta_l of P(f) ~ f^theta from each family,
    pooled over the packings, and gamma of the gaps P(h) ~ h^-gamma, each by maximum likelihood
    over a grid of fit windows (analysis.tail_exponent_scan: the spread over the windows is the
    systematic error, added in quadrature to the statistical one);
  - D(omega) at each phi - phi_J and omega* (analysis.omega_star: where D falls below half its
    plateau), its exponent against phi - phi_J fitted where the scaling holds at this N
    (analysis.jamming_window).

points, curves, claims and the figure of this part; measure.py, claims.py and figures.py call them.
"""
from __future__ import annotations

import math

import numpy as np

from compare.reports.base import Claim, Point, claim_from
from physics import analysis as A

NAME = "spheres_criticality"
SIZES = {"small": {"N": 256, "samples": 16}, "paper": {"N": 1024, "samples": 40},
         "tiny": {"N": 32, "samples": 2}}
"""Packings per scale. small: 16 packings of N = 256, 4.6e6 FIRE steps in all, about 70 s on one
core at the 66k steps/s the spheres_jam point ran at (the 11 dense spectra of 512 modes each
cost little); paper: N = 1024, 40 packings, estimated (not measured) 1-2 min a packing: about 30 s
of compress-and-bisect and 11 dense spectra of 2048 modes (8 s of CPU each, measured here)."""
SEED = 1
"""Independent of the spheres_jam point's packings (seed 0)."""

FORCE_UPPERS, FORCE_LOWERS, FORCE_CENTRAL = (0.1, 0.2, 0.3, 0.5), (0.0, 0.01), (0.0, 0.3)
"""Fit windows of the small-force tails, in f/<f>: uppers x lowers, the central one quoted."""
GAP_UPPERS, GAP_LOWERS, GAP_CENTRAL = (3e-3, 1e-2, 3e-2), (0.0, 1e-5), (0.0, 1e-2)
"""Fit windows of the small-gap tail, in h = r/sigma_ij - 1."""
OMEGA_VARIANTS = ((0.3, (0.25, 0.5)), (0.7, (0.25, 0.5)), (0.5, (0.1, 0.3)))
"""Other definitions of omega* (fraction of the plateau, quantiles of omega for the plateau)
beside analysis.omega_star's default (0.5, (0.25, 0.5)): the spread of the exponent over them
is a systematic error (they agree only where D(omega / omega*) collapses)."""
TOL = {"spheres_theta_extended": 0.1, "spheres_theta_bucklers": 0.1, "spheres_gamma": 0.1,
       "omega_star_exponent": 0.1}
"""Tolerances of the claims; each claim's note says why."""
IDS = tuple(TOL)


def points(scale: str) -> list[Point]:
    from physics.spheres import default_config as spheres_config
    s = SIZES[scale]
    return [Point(NAME, "spheres", spheres_config(protocol="jam", N=int(s["N"]), dim=2, samples=int(s["samples"]),
                                                 seed=SEED, modes_series=True))]


# ----------------------------------------------------------------------------- curves from the record

_CACHE: dict = {}


def _cached(fn):
    """fn(run) computed once per record (the claims and the figure read the same numbers)."""
    def wrapped(run):
        key = (fn.__name__, str(run.path), run.attrs.get("created"))
        if key not in _CACHE:
            _CACHE[key] = fn(run)
        return _CACHE[key]
    wrapped.__doc__, wrapped.__name__ = fn.__doc__, fn.__name__
    return wrapped


@_cached
def exponents(run) -> dict:
    """The forces split into bucklers and extended contacts (pooled over the packings) and the
    tail exponents: theta_e, theta_l, theta_all (every force) and gamma (the gaps)."""
    from physics.spheres.contacts import pooled_split
    alpha = float(run.config.get("alpha", 2.0))
    split = pooled_split(run["spheres/positions"], run["spheres/diameters"], run["spheres/box"],
                         run["spheres/nonrattler"], alpha)

    def force_scan(v):
        return A.tail_exponent_scan(v, FORCE_UPPERS, FORCE_LOWERS, FORCE_CENTRAL)
    gaps = A.tail_exponent_scan(run["spheres/gaps"], GAP_UPPERS, GAP_LOWERS, GAP_CENTRAL)
    return {"split": split, "theta_e": force_scan(split["extended"]), "theta_l": force_scan(split["local"]),
            "theta_all": force_scan(run["spheres/forces"]),
            "gamma": A.Estimate(-gaps.value, gaps.error, gaps.window, gaps.note, gaps.bound, gaps.extra)}


@_cached
def omega_curve(run) -> dict:
    """omega* at every phi - phi_J of the series, the window where the scaling holds at this N
    and the power law of omega* against phi - phi_J there. Error: the least-squares error, the
    fit's sensitivity to the window and the spread of the exponent over the other definitions
    of omega* (OMEGA_VARIANTS; half of it), in quadrature."""
    dphi = np.asarray(run["spheres/dphi"], float).ravel()
    es = np.asarray(run["spheres/eigenvalues_series"], float)
    window = A.jamming_window(int(run.config["N"]))
    stars = [A.omega_star(es[:, k]) for k in range(dphi.size)]
    use = np.array([window[0] <= x <= window[1] and e.ok for x, e in zip(dphi, stars)])
    if use.sum() < 3:
        fit = A.none(f"fewer than 3 compressions with omega* in the window {window[0]:.3g} <= phi - phi_J "
                     f"<= {window[1]:g}")
        return {"dphi": dphi, "stars": stars, "use": use, "window": window, "fit": fit, "eigenvalues": es}
    fit = A.power_law_fit(dphi[use], [e.value for e, u in zip(stars, use) if u])
    others = {}
    for frac, plateau in OMEGA_VARIANTS:
        v = [A.omega_star(es[:, k], fraction=frac, plateau=plateau, boot=0).value for k in np.flatnonzero(use)]
        others[(frac, plateau)] = A.power_law_fit(dphi[use], v).value
    vals = [fit.value] + [v for v in others.values() if math.isfinite(v)]
    spread = 0.5 * (max(vals) - min(vals))
    sens = fit.extra.get("sensitivity", float("nan"))
    parts = [fit.error, sens if math.isfinite(sens) else 0.0, spread]
    table = "; ".join(f"fraction {f:g}, plateau quantiles {q[0]:g}-{q[1]:g}: {v:.3g}" for (f, q), v in others.items())
    fit = A.Estimate(fit.value, float(np.sqrt(np.sum(np.square(parts)))), fit.window,
                     fit.note + f"; other definitions of omega*: {table}; error: least squares {parts[0]:.2g}, "
                     f"window sensitivity {parts[1]:.2g} and half the spread over the definitions {spread:.2g} "
                     "in quadrature", extra={**fit.extra, "definitions": others, "definition_spread": spread})
    return {"dphi": dphi, "stars": stars, "use": use, "window": window, "fit": fit, "eigenvalues": es}


# ----------------------------------------------------------------------------- claims

def _windows_text(est, sign: float = 1.0) -> str:
    rows = est.extra.get("windows", [])
    return "; ".join(f"({lo:g}, {up:g}]: {sign * v:.3g} ({n})" for lo, up, v, _, n in rows if math.isfinite(v))


def _errors_text(est) -> str:
    return (f"statistical error {est.extra.get('statistical', float('nan')):.2g}, systematic "
            f"{est.extra.get('systematic', float('nan')):.2g}")


def _size_text(run) -> str:
    S = np.size(run["spheres/box"])
    return (f"2D 50:50 bidisperse harmonic disks, N = {run.config['N']}, {S} packings jammed by "
            f"compress-and-bisect (FIRE, bracket {run.config.get('tol', 1e-6):g} in phi), rattlers removed")


def _force_claim(key, run, ex) -> Claim:
    est = ex["theta_e" if key == "spheres_theta_extended" else "theta_l"]
    pub = A.PUBLISHED["theta_e_spheres" if key == "spheres_theta_extended" else "theta_l_spheres"]
    c = {k: int(np.sum(v)) for k, v in ex["split"]["counts"].items()}
    fam = "extended contacts (neither particle a buckler)" if key == "spheres_theta_extended" else \
        "buckler contacts (either particle a buckler)"
    how = (f"{_size_text(run)}: {c.get('bucklers', 0)} bucklers (non-rattlers with exactly d + 1 = 3 contacts) "
           f"among {c.get('nonrattlers', 0)} non-rattlers, {c.get('buckler_contacts', 0)} buckler and "
           f"{c.get('extended_contacts', 0)} extended contacts (physics.spheres.contacts). Forces of the {fam}, "
           f"each over its packing's mean force, pooled; maximum likelihood of P(f) ~ f^theta "
           f"(analysis.tail_exponent_scan) in the window (lower, upper] = {est.window}, {_errors_text(est)} "
           f"(half the spread over the windows, exponent (values): {_windows_text(est)}). Every force pooled: "
           f"theta = {ex['theta_all'].value:.3g} +- {ex['theta_all'].error:.2g} (the mixture the issue warns of). "
           + (f"At this size the bucklers' tail is {abs(est.value - pub.value) / est.error:.1f} errors from "
              f"{pub.value} and {abs(est.value) / est.error:.1f} from a flat tail (0). "
              if est.ok and est.error > 0 and key == "spheres_theta_bucklers" else "") +
           f"Tolerance {TOL[key]}: finite N (the power law holds only above f ~ N^(-1/(1 + theta))) and "
           "packings bracketed to 1e-6 in phi")
    claim = ("At jamming the forces of the extended contacts are critical, P_e(f) ~ f^theta_e (theta_e = 0.42)"
             if key == "spheres_theta_extended" else
             "At jamming the forces of the bucklers follow P_l(f) ~ f^theta_l (theta_l = 0.17)")
    return claim_from(key, claim, est, pub.value, f"{pub.value} ({pub.source})", TOL[key], how)


def _gamma_claim(run, ex) -> Claim:
    est = ex["gamma"]
    pub = A.PUBLISHED["gamma_spheres"]
    how = (f"{_size_text(run)}: gaps h = r/sigma_ij - 1 > 0 between non-rattlers at phi_J, pooled "
           f"({np.size(run['spheres/gaps'])} below h = {run.config.get('gap_max', 0.5):g}); maximum likelihood of "
           f"P(h) ~ h^-gamma in the window {est.window}, {_errors_text(est)} "
           f"(gamma (values) per window: {_windows_text(est, -1.0)}). Tolerance {TOL['spheres_gamma']}: finite "
           "N and the overlaps of a packing bracketed to 1e-6 in phi blur the smallest gaps")
    return claim_from("spheres_gamma", "At jamming the small gaps diverge, P(h) ~ h^-gamma (gamma = 0.41)",
                      est, pub.value, f"{pub.value} ({pub.source})", TOL["spheres_gamma"], how)


def _omega_claim(run, oc) -> Claim:
    pub = A.PUBLISHED["omega_star_exponent"]
    rows = ", ".join(f"{x:.2g}: {e.value:.3g} +- {e.error:.2g}" + ("" if u else " (outside)")
                     for x, e, u in zip(oc["dphi"], oc["stars"], oc["use"]) if e.ok)
    how = (f"{_size_text(run)}; the dense Hessian spectrum at each phi - phi_J of the compression series. "
           "omega* (analysis.omega_star): D(omega) pooled over the packings, smoothed over 0.15 in ln omega, "
           "falls below half its plateau (the median of D over the second quarter of the modes); error: "
           f"bootstrap over packings. phi - phi_J: omega* = {rows}. Power law fitted where "
           f"N^2 (phi - phi_J) > 100 and phi - phi_J <= {oc['window'][1]:g} (analysis.jamming_window); "
           f"{oc['fit'].note}. Tolerance {TOL['omega_star_exponent']}: few compressions in the window at "
           "this N, and the lowest plane waves of the box sit near omega* at the smallest of them")
    return claim_from("omega_star_exponent", "The plateau of D(omega) ends at omega* ~ (phi - phi_J)^(1/2)",
                      oc["fit"], pub.value, f"{pub.value} ({pub.source})", TOL["omega_star_exponent"], how)


def claims(runs: dict, scale: str) -> list[Claim]:
    run = runs[NAME]
    ex = exponents(run)
    return [_force_claim("spheres_theta_extended", run, ex), _force_claim("spheres_theta_bucklers", run, ex),
            _gamma_claim(run, ex), _omega_claim(run, omega_curve(run))]


# ----------------------------------------------------------------------------- the figure

CAPTION = ("Soft disks at jamming, pooled over the packings. (a) Contact forces over their mean: extended "
           "contacts, bucklers' contacts (a particle with d + 1 contacts) and all of them, with the "
           "maximum-likelihood power laws in the central window (solid) and the published exponents "
           "(dashed). (b) Gaps between non-rattlers. (c) D(omega) at each compression phi - phi_J inside "
           "the scaling window (dotted: omega*, where D falls to half its plateau). (d) omega* against "
           "phi - phi_J (open: outside the window), with the fitted power law and the slope 1/2.")


def _tail(ax, vals, est, pub, color, label, lo, hi):
    """Density of `vals` on log bins (legend: `label`) and, over the fit window, the fitted
    density exponent est and the published one pub."""
    hist = A.log_histogram(vals, bins=24, lo=lo, hi=hi)
    if hist is None:
        return
    c, d, e = hist
    ax.errorbar(c, d, yerr=e, fmt="o", ms=3, capsize=1, color=color, label=label)
    up = est.window[1] if est.window else hi
    k = int(np.argmin(np.abs(np.log(c / (0.5 * up)))))
    x = np.geomspace(max(c.min(), lo), up, 20)
    if est.ok:
        ax.plot(x, d[k] * (x / c[k]) ** est.value, "-", color=color, lw=1)
    ax.plot(x, d[k] * (x / c[k]) ** pub, "--", color=color, lw=1, alpha=0.7)


def figure(runs, scale, path):
    from compare.plots import figure as new_figure, save
    import matplotlib.pyplot as plt
    run = runs[NAME]
    ex, oc = exponents(run), omega_curve(run)
    fig, ax = new_figure(2, 2, width=4.4, height=3.4)
    a, b, c, d = ax[0, 0], ax[0, 1], ax[1, 0], ax[1, 1]
    for vals, key, pub, col, lab in ((ex["split"]["extended"], "theta_e", 0.42, "tab:blue", "extended"),
                                     (ex["split"]["local"], "theta_l", 0.17, "tab:red", "bucklers"),
                                     (np.asarray(run["spheres/forces"]), "theta_all", 0.42, "0.5", "all")):
        est = ex[key]
        _tail(a, vals, est, pub, col, f"{lab}: {est.value:.2f} +- {est.error:.2f}" if est.ok else f"{lab}: no fit",
              1e-3, 3.0)
    a.set(xscale="log", yscale="log", xlabel=r"$f/\langle f\rangle$", ylabel=r"$P(f)$ (density)",
          title=r"forces at $\phi_J$: $P(f) \sim f^{\theta}$ (dashed: 0.42, 0.17)")
    a.legend(fontsize=6, title=r"$\theta$, central window", title_fontsize=6)
    g = ex["gamma"]
    gaps = np.asarray(run["spheres/gaps"])
    _tail(b, gaps, A.Estimate(-g.value, g.error, g.window, extra=g.extra) if g.ok else g, -0.41, "k",
          rf"gaps: $\gamma$ = {g.value:.2f} +- {g.error:.2f}" if g.ok else "gaps: no fit", 1e-6, 0.5)
    b.set(xscale="log", yscale="log", xlabel=r"$h = r/\sigma_{ij} - 1$", ylabel=r"$P(h)$ (density)",
          title=r"gaps at $\phi_J$: $P(h) \sim h^{-\gamma}$ (dashed: $\gamma$ = 0.41)")
    b.legend(fontsize=6)
    idx = np.flatnonzero(oc["use"])
    cols = plt.cm.viridis(np.linspace(0.05, 0.85, max(idx.size, 1)))
    top = 0.0
    for k, col in zip(idx, cols):
        lam = oc["eigenvalues"][:, k]
        w = np.sqrt(lam[np.isfinite(lam) & (lam > 1e-10)])
        grid, D = A.dos_smooth(w, 0.15)
        c.plot(grid, D, color=col, lw=1.2, label=rf"$\phi - \phi_J$ = {oc['dphi'][k]:.1e}")
        top = max(top, float(D.max()) if D.size else 0.0)
        if oc["stars"][k].ok:
            c.axvline(oc["stars"][k].value, color=col, ls=":", lw=1)
    c.set(xscale="log", yscale="log", xlabel=r"$\omega$ ($\sqrt{\epsilon/m}/\sigma$)", ylabel=r"$D(\omega)$",
          title=r"density of states above $\phi_J$ (dotted: $\omega^*$)")
    c.xaxis.set_minor_formatter(plt.NullFormatter())
    if top > 0:                  # two decades: the smoothing's wiggles between the lowest modes cut off
        c.set_ylim(top / 100, 2 * top)
    c.legend(fontsize=6)
    ok = np.array([e.ok for e in oc["stars"]])
    x, y = oc["dphi"], np.array([e.value for e in oc["stars"]])
    err = np.array([e.error for e in oc["stars"]])
    for sel, fill in ((oc["use"], "full"), (ok & ~oc["use"], "none")):
        if sel.any():
            d.errorbar(x[sel], y[sel], yerr=err[sel], fmt="o", fillstyle=fill, color="k", capsize=2,
                       label="inside the scaling window" if fill == "full" else "outside it (finite N)")
    f = oc["fit"]
    if f.ok:
        xx = np.geomspace(x[oc["use"]].min(), x[oc["use"]].max(), 20)
        amp = f.extra["amplitude"]
        d.plot(xx, amp * xx ** f.value, "-", color="tab:red", label=f"fit: {f.value:.2f} +- {f.error:.2f}")
        ref = math.sqrt(xx[0] * xx[-1])
        d.plot(xx, amp * ref ** f.value * (xx / ref) ** 0.5, "--", color="tab:blue", label="slope 1/2")
    d.set(xscale="log", yscale="log", xlabel=r"$\phi - \phi_J$", ylabel=r"$\omega^*$",
          title=r"$\omega^* \sim (\phi - \phi_J)^{1/2}$?")
    d.legend(fontsize=6)
    fig.suptitle(f"soft disks at jamming: N = {run.config['N']}, {np.size(run['spheres/box'])} packings", fontsize=9)
    return save(fig, path)
