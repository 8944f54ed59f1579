"""The Hessian of nets at N*, split as H = H0 + Hp (Geiger et al. 2019; docs/science.md section 4),
beside the vibrational spectra of the jammed packings: its claims and its figure.

For the quadratic hinge L = (1/P) sum_mu theta(Delta_mu) Delta_mu^2 / 2,

    H0 = (1/P) sum_mu theta(Delta_mu) grad Delta_mu grad Delta_mu^T   (positive semidefinite, one
         direction per unsatisfied constraint: rank N_Delta when the constraints are independent),
    Hp = (1/P) sum_mu theta(Delta_mu) Delta_mu Hess Delta_mu          (weighted by the margins: small
         where the loss is small, i.e. near N*; traceless for ReLU nets, whose output is linear in
         each layer's weights, so a bulk of both signs).

The record (nets.hessian.HessianAtEnd, config hessian_at_end, measure.random_points) holds every
eigenvalue of H, H0 and Hp of each sample's net at the end of its minimisation; here they are read
at the run nearest N* from below (measure.depth_curve's `near`) at the depth the paper compares
(claims.compared_depth, which hands the curve over). The packings: the soft disks' Hessian at phi_J + hessian_dphi
(spheres/eigenvalues) and the ellipses' at jamming (ellipses/hessian_eigenvalues), both in the
records measure.py runs anyway.
"""
from __future__ import annotations

import numpy as np

from compare.findings.base import mean_sem
from compare.plots import figure, save
from compare.reports.base import Claim, claim_from
from compare.reports.geiger_2019 import measure as M
from physics import analysis as A

ZERO = 1e-9
"""An eigenvalue counts as zero below ZERO times the largest |eigenvalue| of its matrix (the nets'
H0 has N - N_Delta exact zeros up to round-off, ~1e-16 of its largest; the packings' zero modes
are the global translations and the rattlers')."""
TOL = {"hessian_h0_rank": 0.15, "hessian_h0_dominates": 0.0}
"""hessian_h0_rank: as the c0 claim (the run sits a grid step below N*); hessian_h0_dominates: a
bound, no tolerance."""
SPLIT = {"H": "jam_hessian_eigs", "H0": "jam_hessian0_eigs", "Hp": "jam_hessianp_eigs"}
"""The record's spectra (nets.hessian.SPLIT_SPECTRA) by the matrix they belong to."""


def split_at(curve: dict) -> dict | None:
    """The split at the run nearest N* from below of a depth curve (measure.depth_curve): the
    spectra {H, H0, Hp: [S, N]} of every sample, rank(H0) [S], the live unsatisfied constraints
    H0 is built from [S], the live N_Delta (Delta > delta_tol, dead ones out) [S], N, N/P, and the
    number of hidden units L h (one ReLU rescaling symmetry each: rank(H0) <= N - L h). None when
    the record holds no split (hessian_at_end off, or N above hessian_full_max)."""
    run = curve["runs"][curve["near"]]
    if "dnn/jam_hessian_eigs" not in run:
        return None
    N = int(np.ravel(run["dnn/N"])[0])
    eig = {k: np.asarray(run[f"dnn/{v}"], float)[:, 0, :N] for k, v in SPLIT.items()}
    ok = np.isfinite(eig["H"]).all(1)
    if not ok.any():
        return None
    return {"eig": {k: v[ok] for k, v in eig.items()},
            "rank": np.asarray(run["dnn/jam_hessian0_rank"], float)[ok, 0],
            "constraints": np.asarray(run["dnn/jam_hessian0_constraints"], float)[ok, 0],
            "split_error": np.asarray(run["dnn/jam_hessian_split_error"], float)[ok, 0],
            "live": curve["ratio"][ok, curve["near"]] * N, "N": N, "x": float(curve["x"][curve["near"]]),
            "units": curve["L"] * curve["h"]}


def spectral_numbers(s: dict) -> dict:
    """Per sample [S]: lambda_max of H0, H0's gap (its smallest nonzero eigenvalue, the
    (N - rank + 1)-th), lambda_min and lambda_max of Hp, max |lambda(Hp)| / lambda_max(H0) (how
    far Hp reaches into H0's spectrum), |lambda_min(Hp)| / lambda_max(Hp) (1: symmetric edges),
    tr Hp over sum |lambda(Hp)| (0: a zero-mean bulk), lambda_min(H) / lambda_max(H) (>= 0 at a
    minimum, up to Hp's round-off), the zero modes of H (|lambda| below ZERO of its largest) and
    its negative modes (below -ZERO of its largest)."""
    e0, ep, eh = s["eig"]["H0"], s["eig"]["Hp"], s["eig"]["H"]
    N = e0.shape[1]
    idx = np.clip(N - s["rank"].astype(int), 0, N - 1)
    top0 = e0[:, -1]
    gap = e0[np.arange(e0.shape[0]), idx]
    return {"top0": top0, "gap0": gap, "min_p": ep[:, 0], "max_p": ep[:, -1],
            "reach": np.abs(ep).max(1) / top0, "edges": np.abs(ep[:, 0]) / ep[:, -1],
            "trace_p": ep.sum(1) / np.abs(ep).sum(1), "min_h": eh[:, 0] / eh[:, -1],
            "zeros_h": (np.abs(eh) < ZERO * np.abs(eh).max(1, keepdims=True)).sum(1),
            "neg_h": (eh < -ZERO * np.abs(eh).max(1, keepdims=True)).sum(1)}


def hessian_claims(c: dict) -> list[Claim]:
    """The claims on the depth curve `c` (measure.depth_curve at the depth the paper compares)."""
    s = split_at(c)
    pub = A.PUBLISHED["C0_nets"]
    where = (f"the run nearest N* from below (L = {c['L']}, h = d = {c['h']}, N = {c['N']}, N/P = "
             f"{c['x'][c['near']]:.3g}, N*/P = {c['n_star'].value:.3g})")
    if s is None:
        cfg = c["runs"][c["near"]].config
        none = A.none(f"no Hessian split in the record (hessian_at_end {'on' if cfg.get('hessian_at_end') else 'off'}; "
                      f"N = {c['N']}, full spectra only for N <= hessian_full_max = {cfg.get('hessian_full_max')}: "
                      "the full Hessian costs N^2 P)")
        return [claim_from("hessian_h0_rank", "At N* H0 has rank N_Delta = C0 N < N", none, pub.value,
                           f"~{pub.value} ({pub.source})", TOL["hessian_h0_rank"], ""),
                claim_from("hessian_h0_dominates", "At N* H0 sets the large eigenvalues of H, Hp is a "
                           "small bulk of both signs", none, (0.0, 1.0), "< 1", TOL["hessian_h0_dominates"], "")]
    n = spectral_numbers(s)
    N, S = s["N"], s["rank"].size
    rank = mean_sem(s["rank"] / N)
    per = ", ".join(f"{r:.0f}/{k:.0f}/{v:.0f}" for r, k, v in zip(s["rank"], s["constraints"], s["live"]))
    how1 = (f"Every eigenvalue of H0 = (1/P) sum theta(Delta) grad Delta grad Delta^T at {where}, {S} samples "
            f"(nets.hessian.hinge_hessian_split; H0 + Hp = H to {np.max(s['split_error']):.1g} of max |H|). "
            f"Rank of H0 (rank of the Jacobian of the margins Delta > 0) / constraints it is built from "
            f"(Delta > 0, nonzero gradient) / live N_Delta (Delta > delta_tol, dead ones out), per sample: {per}; "
            f"H0 has N - rank zero modes, N = {N}, and can have at most N - L h = {N - s['units']} nonzero ones "
            f"(one ReLU rescaling symmetry per hidden unit). Measured: rank(H0)/N, mean and standard error; "
            f"rank/N_Delta = {np.mean(s['rank'] / np.maximum(s['live'], 1)):.3f} (1: independent constraints, "
            f"each a stiff direction). Expected C0 ~ {pub.value} (N_Delta/N at N*, hypostatic: below 1); "
            f"tolerance {TOL['hessian_h0_rank']}, as the c0 claim: the run sits a grid step below N*")
    one = claim_from("hessian_h0_rank", "At N* the Gauss-Newton part H0 has rank N_Delta = C0 N < N: "
                     "N - N_Delta flat directions (hypostatic)", rank, pub.value,
                     f"~{pub.value} (N_Delta/N at N*, {pub.source})", TOL["hessian_h0_rank"], how1)
    reach = mean_sem(n["reach"])
    f = lambda v: ", ".join(f"{x:.3g}" for x in v)     # noqa: E731
    below = np.abs(n["min_p"]) / n["gap0"]
    order = ("larger than" if np.median(below) > 3 else "smaller than" if np.median(below) < 1 / 3
             else "of the order of")
    neg = n["neg_h"]
    stable = ("none: a minimum" if not neg.any() else
              f"{f(neg)} of N = {N}: the end point is no minimum of the smooth loss (the minimisation has not "
              "converged, or it sits on ReLU kinks, where this one-sided Hessian says nothing of stability)")
    how2 = (f"The same {S} nets: max |lambda(Hp)| / lambda_max(H0) per sample {f(n['reach'])} (measured: mean "
            f"and standard error). Hp's bulk: lambda_min(Hp) = {f(n['min_p'])}, lambda_max(Hp) = {f(n['max_p'])} "
            f"(|min|/max = {f(n['edges'])}, 1: symmetric edges), tr Hp / sum |lambda(Hp)| = {f(n['trace_p'])} "
            f"(0: zero mean; exact for ReLU nets); the gap of H0 (its smallest nonzero eigenvalue) "
            f"{f(n['gap0'])}, so |lambda_min(Hp)| / gap(H0) = {f(below)}: Hp's negative eigenvalues are {order} "
            f"H0's gap. H's lowest eigenvalue over its largest: {f(n['min_h'])}; its negative eigenvalues "
            f"(below -{ZERO:g} of its largest): {stable}; its zero modes: {f(n['zeros_h'])}. Expected below 1: "
            "the margins are small at N*, so Hp (linear in them) is small beside H0, whose large eigenvalues "
            "are H's (the issue's reading of the paper); a bound, no tolerance")
    two = claim_from("hessian_h0_dominates", "At N* H0 sets the large eigenvalues of H; Hp is a small "
                     "bulk of both signs around zero", reach, (0.0, 1.0),
                     "< 1 (Geiger et al. 2019: H0 dominates, Hp symmetric)", TOL["hessian_h0_dominates"], how2)
    return [one, two]


# ----------------------------------------------------------------------------- the figure

def _density(ax, values, total, fmt, color, label, per_log=False, **kw):
    """Density of the positive `values` on log bins, normalised to the fraction of `total` modes
    they are (so a matrix with many zero modes lies lower); per_log: per unit ln(value) (x P(x))."""
    h = A.log_histogram(values, bins=25)
    if h is None:
        return
    x, d, _ = h
    ax.plot(x, d * np.size(values) / total * (x if per_log else 1.0), fmt, color=color, label=label, **kw)


def _nonzero(ev):
    ev = np.asarray(ev, float)
    ev = ev[np.isfinite(ev)]
    return ev[np.abs(ev) > ZERO * np.abs(ev).max()] if ev.size else ev


def _packing_omegas(runs, scale):
    """[(label, omega / median omega of the nonzero modes, modes in all, color, fmt)] of the
    packings: soft disks (spheres/eigenvalues) and the ellipses at each aspect ratio."""
    out = []
    sj = runs.get("spheres_jam")
    if sj is not None and "spheres/eigenvalues" in sj:
        ev = np.asarray(sj["spheres/eigenvalues"], float)
        lam = np.concatenate([_nonzero(e) for e in ev])
        lam = lam[lam > 0]
        total = int(np.isfinite(ev).sum())
        dphi = sj.config.get("hessian_dphi")
        out.append((f"soft disks, N = {sj.config['N']}" + (f", $\\phi - \\phi_J$ = {dphi:g}" if dphi else ""),
                    np.sqrt(lam), total, "tab:red", "-"))
    for alpha, col in zip(M.SCALES[scale].params["ellipses_alpha"], ("tab:purple", "tab:pink", "tab:olive", "tab:cyan")):
        run = runs.get(M.ellipses_name(alpha))
        if run is None or "ellipses/hessian_eigenvalues" not in run:
            continue
        ev = np.asarray(run["ellipses/hessian_eigenvalues"], float)
        if not np.isfinite(ev).any():
            continue
        lam = np.concatenate([_nonzero(e) for e in ev])
        lam = lam[lam > 0]
        out.append((f"ellipses $\\alpha$ = {alpha:g}, N = {run.config['N']}", np.sqrt(lam),
                    int(np.isfinite(ev).sum()), col, "-"))
    return [(lab, w / np.median(w), tot, col, fmt) for lab, w, tot, col, fmt in out if w.size >= 5]


def hessian_figure(runs, scale, c: dict, path):
    """Left: the spectra of H, H0 and Hp of the nets at N* (the depth curve `c`; |lambda| on log
    axes, negative eigenvalues dashed). Right: D(omega), omega = sqrt(lambda) over the positive
    modes, of the nets' H and H0 beside the packings', each omega over its own median (different
    units)."""
    s = split_at(c)
    fig, ax = figure(2, 1, width=4.5, height=3.6)
    a, b = ax[0, 0], ax[0, 1]
    if s is not None:
        N, S = s["N"], s["rank"].size
        total = N * S
        for key, col in (("H", "k"), ("H0", "tab:blue"), ("Hp", "tab:green")):
            ev = np.concatenate([_nonzero(e) for e in s["eig"][key]])
            _density(a, ev[ev > 0], total, "-", col, f"{key}, $\\lambda > 0$", per_log=True, lw=1.5)
            if (ev < 0).any():
                _density(a, -ev[ev < 0], total, "--", col, f"{key}, $\\lambda < 0$ (|$\\lambda$|)",
                         per_log=True, lw=1.2)
        a.set_title(f"nets at N*: L = {c['L']}, N = {N}, N/P = {s['x']:.3g} ({S} nets)\n"
                    f"rank $H_0$/N = {np.mean(s['rank']) / N:.2f}, live $N_\\Delta$/N = {np.mean(s['live']) / N:.2f}, "
                    f"negative modes of H/N = {np.mean(spectral_numbers(s)['neg_h']) / N:.2f}", fontsize=8)
        lam = np.concatenate([_nonzero(e) for e in s["eig"]["H"]])
        w = np.sqrt(lam[lam > 0])
        lam0 = np.concatenate([_nonzero(e) for e in s["eig"]["H0"]])
        w0 = np.sqrt(lam0[lam0 > 0])
        med = np.median(w)
        _density(b, w / med, total, "o-", "k", "nets at N*: H", ms=3)
        _density(b, w0 / med, total, "s--", "tab:blue", "nets at N*: $H_0$", ms=3)
    else:
        a.text(0.5, 0.5, "no Hessian split recorded", ha="center", va="center", transform=a.transAxes)
    a.set(xscale="log", yscale="log", xlabel=r"|$\lambda$| (loss units per weight$^2$)",
          ylabel=r"eigenvalues per unit $\ln|\lambda|$ (fraction of N)")
    a.set_ylim(bottom=1e-4)
    a.legend(fontsize=6, loc="lower left", ncol=2)
    for lab, w, tot, col, fmt in _packing_omegas(runs, scale):
        _density(b, w, tot, fmt, col, lab)
    b.set(xscale="log", yscale="log", xlabel=r"$\omega / \omega_{\rm median}$ ($\omega = \sqrt{\lambda}$, "
          r"$\lambda > 0$)", ylabel=r"$D(\omega)$ (per mode)",
          title="vibrational spectra: nets at N*, packings at jamming", )
    b.title.set_fontsize(8)
    b.legend(fontsize=6, loc="lower left")
    return save(fig, path)


CAPTION = ("Left: eigenvalues of the Hessian H of the hinge loss of nets at the run nearest N* (pooled over "
           "samples) and of its split H = H0 + Hp (H0: gradients of the unsatisfied margins; Hp: weighted by "
           "the margins); solid lambda > 0, dashed |lambda| of lambda < 0; densities per mode of H, so that "
           "H0's N - N_Delta zero modes (left out) lower its curve. Right: D(omega), omega = sqrt(lambda) over "
           "the positive modes, each over its own median, for the nets' H and H0 at N* and the soft disks' "
           "and ellipses' Hessians at jamming.")
