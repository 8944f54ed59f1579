"""The claims of Geiger et al. 2019 (and Spigler et al. 2019's cusp) with our numbers and their
verdicts. Every number comes from physics.analysis (n_star, tail_exponent, verdict) through the
curves of measure.py."""
from __future__ import annotations

import math

import numpy as np

from compare.findings.base import mean_sem, negated
from compare.reports.base import Claim, claim_from
from compare.reports.geiger_2019 import measure as M
from compare.reports.geiger_2019 import packings
from compare.reports.geiger_2019.hessian import hessian_claims
from physics import analysis as A

TOL = {"n_star_over_p": 0.05, "n_star_depth_independence": 0.15, "theta": 0.1, "gamma": 0.1,
       "c0": 0.15, "spheres_isostatic": 0.02, "ellipses_hypostatic": 0.01,
       "quartic_modes_match_deficit": 0.1, "test_error_cusp": 0.0, "ensemble_removes_cusp": 0.0}
"""Tolerances of the claims; each claim's note says why."""


def _minimisation(scale: str) -> str:
    s = M.SCALES[scale].params
    return (f"full-batch Adam in float64, step {s['min_lr']:g} / (1 + t / {s['decay_steps']:g}), until every "
            f"live constraint is satisfied or {s['max_steps']} steps")


def _curves(runs, scale):
    return {L: M.depth_curve(runs, scale, L) for L in M.SCALES[scale].params["depths"]}


def compared_depth(scale: str) -> int:
    """The depth the paper's N*/P is quoted at (L = 3), or the nearest one we ran."""
    ds = M.SCALES[scale].params["depths"]
    return min(ds, key=lambda L: abs(L - 3))


def _ratios_text(c) -> str:
    return ", ".join(f"{x:.3g}: {r:.3g}" for x, r in zip(c["x"], np.nanmean(c["ratio"], axis=0)))


def claim_n_star(runs, scale, curves) -> Claim:
    L = compared_depth(scale)
    c = curves[L]
    pub = A.PUBLISHED["N_star_over_P_random_L3"]
    conv = "; ".join(f"{int(t)} steps: {e.value:.3g}" if e.ok else f"{int(t)} steps: none"
                     for t, e in zip(c["steps"], c["convergence"]))
    how = (f"Depth L = {L}, width h = d = {c['h']} (N = {c['N']} weights with biases), random data, "
           f"P swept so that N/P = {', '.join(f'{x:.3g}' for x in c['x'])}; {_minimisation(scale)}. "
           f"Live N_Delta/N (dead constraints, f = 0 exactly, left out) against N/P: {_ratios_text(c)}. "
           f"N*/P where it crosses 0.1 (analysis.n_star, log-interpolated, error half the bracket). "
           f"N*/P against the length of the minimisation: {conv or 'not recorded'} (it must have stopped "
           f"moving for the number to mean anything; theirs ran 1e6 steps). Expected: {pub.value[0]}-"
           f"{pub.value[1]} at N = 7854 (L = 3); tolerance {TOL['n_star_over_p']}: finite N (ours "
           f"{c['N']}) and a shorter minimisation move N* (the paper's own spread over runs)")
    return claim_from("n_star_over_p", "Nets fitting random data jam at N* proportional to P: "
                      "N*/P = 0.30-0.36 at L = 3 (P*/N = 2.8-3.3)", c["n_star"], pub.value,
                      f"{pub.value[0]}-{pub.value[1]} ({pub.source})", TOL["n_star_over_p"], how)


def claim_depth(runs, scale, curves) -> Claim:
    est = [(L, c["n_star"]) for L, c in curves.items()]
    ok = [(L, e) for L, e in est if e.ok]
    if len(ok) < 2:
        value = A.none("N* bracketed at fewer than two depths: " +
                       "; ".join(f"L = {L}: {e.note}" for L, e in est))
    else:
        v = np.array([e.value for _, e in ok])
        err = np.array([e.error for _, e in ok])
        hi, lo = int(np.argmax(v)), int(np.argmin(v))
        r = v[hi] / v[lo]
        value = A.Estimate(r, r * math.hypot(err[hi] / v[hi], err[lo] / v[lo]),
                           note=f"largest at L = {ok[hi][0]}, smallest at L = {ok[lo][0]}")
    shown = "; ".join(f"L = {L} (h = d = {curves[L]['h']}, N = {curves[L]['N']}): N*/P = "
                      + (f"{e.value:.3g} +- {e.error:.2g}" if e.ok else "none") for L, e in est)
    how = (f"N*/P at each depth at matched N (random data, d = h, {_minimisation(scale)}): {shown}. "
           f"Measured: the largest over the smallest, errors propagated from the half-brackets. "
           f"Expected 1 (the same N* for every depth); tolerance {TOL['n_star_depth_independence']}: "
           "the P grid is coarse (its step sets the half-bracket)")
    return claim_from("n_star_depth_independence", "On random data N* is the same for every depth",
                      value, 1.0, "1 (their Fig.: N*/P independent of L)", TOL["n_star_depth_independence"], how)


def _margin_claim(key, curves, scale) -> Claim:
    from compare.findings.nets import MARGIN_CUT
    L = compared_depth(scale)
    c = curves[L]
    m = M.margins_at(c)
    neg = key == "gamma"
    vals = -m[m < 0] if neg else m[m > 0]
    est = A.tail_exponent(vals, upper=MARGIN_CUT)
    if neg:
        est = negated(est)
    pub = A.PUBLISHED[f"{key}_nets"]
    x = c["x"][c["near"]]
    how = (f"Margins Delta = 1 - y f of every sample of the run nearest N* from below (L = {L}, N/P = "
           f"{x:.3g}, N*/P = {c['n_star'].value:.3g}), pooled, dead constraints left out: "
           f"{vals.size} values of |Delta|; maximum likelihood of P(|Delta|) ~ |Delta|^a on (0, {MARGIN_CUT:g}] "
           f"(analysis.tail_exponent), " + ("gamma = -a" if neg else "theta = a") +
           f". Tolerance {TOL[key]}: their exponents are read from histograms over many nets at N*")
    claim = ("At N* the small positive margins are critical, P+(Delta) ~ Delta^theta" if not neg else
             "At N* the small negative margins diverge, P-(Delta) ~ |Delta|^-gamma")
    return claim_from(key, claim, est, pub.value, f"{pub.value} ({pub.source})", TOL[key], how)


def claim_c0(runs, scale, curves) -> Claim:
    L = compared_depth(scale)
    c = curves[L]
    r = c["ratio"][:, c["near"]]
    est = mean_sem(r)
    pub = A.PUBLISHED["C0_nets"]
    how = (f"Live N_Delta/N at the run nearest N* from below (L = {L}, N/P = {c['x'][c['near']]:.3g}), "
           f"mean over {r.size} samples with its standard error. Expected: a jump to C0 ~ {pub.value} "
           f"(hypostatic: N_Delta < N); tolerance {TOL['c0']}: the run sits a grid step below N*, "
           "where N_Delta/N has already grown")
    return claim_from("c0", "Below N* the unsatisfied constraints jump to N_Delta >= C0 N, C0 ~ 0.5",
                      est, pub.value, f"~{pub.value} ({pub.source})", TOL["c0"], how)


def claim_spheres(runs, scale) -> Claim:
    run = runs["spheres_jam"]
    Z = np.asarray(run["spheres/Z"], float).ravel()
    d = int(run.config.get("dim", 2))
    est = mean_sem(Z / (2 * d))
    how = (f"Soft disks, N = {run.config['N']}, {Z.size} packings jammed by compress-and-bisect (FIRE), "
           f"rattlers removed: Z = {', '.join(f'{z:.4f}' for z in Z)}; measured Z/(2d). Expected 1 "
           f"(isostatic); tolerance {TOL['spheres_isostatic']}: the finite-N count Z = 2d - 2(d - 1)/N' is "
           "below 2d by about 1/N'")
    return claim_from("spheres_isostatic", "Jammed spheres are isostatic: Z = 2d contacts per particle",
                      est, 1.0, "1 (O'Hern et al. 2003)", TOL["spheres_isostatic"], how)


def _ellipses(runs, alpha):
    return runs.get(M.ellipses_name(alpha))


def claim_ellipses(runs, scale) -> Claim:
    run = _ellipses(runs, 1.5)
    pub = A.PUBLISHED["Z_iso_ellipses_2d"]
    if run is None:
        return claim_from("ellipses_hypostatic", "Jammed ellipses are hypostatic: Z_J < 2 d_f = 6",
                          A.none("no ellipse packing at alpha = 1.5 at this scale"), (0.667, 0.99),
                          "Z_J/6 < 1", TOL["ellipses_hypostatic"], "")
    Z = np.asarray(run["ellipses/Z"], float).ravel()
    est = mean_sem(Z / pub.value)
    others = "; ".join(f"alpha = {a:g}: Z_J = {np.mean(np.asarray(r['ellipses/Z'], float)):.3f}"
                       for a in M.SCALES[scale].params["ellipses_alpha"]
                       if (r := _ellipses(runs, a)) is not None)
    how = (f"Soft ellipses at alpha = 1.5, N = {run.config['N']}, {Z.size} packings jammed by "
           f"compress-and-bisect (FIRE over positions and angles), rattlers removed: Z_J = "
           f"{', '.join(f'{z:.3f}' for z in Z)} ({others}); measured Z_J/6. Expected: between 4/6 "
           f"(the spheres' value) and 1 (isostatic), i.e. hypostatic; tolerance {TOL['ellipses_hypostatic']}")
    return claim_from("ellipses_hypostatic", "Jammed ellipses are hypostatic: Z_J < 2 d_f = 6 "
                      "(like nets, unlike spheres)", est, (0.667, 0.99), f"Z_J/6 < 1 ({pub.source})",
                      TOL["ellipses_hypostatic"], how)


def claim_quartic(runs, scale) -> Claim:
    run = _ellipses(runs, 1.5)
    pub = A.PUBLISHED["quartic_modes_ellipses"]
    if run is None:
        return claim_from("quartic_modes_match_deficit", "The quartic modes of jammed ellipses equal "
                          "the contact deficit", A.none("no ellipse packing at alpha = 1.5"), 1.0,
                          "1", TOL["quartic_modes_match_deficit"], "")
    q = np.asarray(run["ellipses/quartic_modes"], float).ravel()
    dfc = np.asarray(run["ellipses/deficit"], float).ravel()
    ok = np.isfinite(q) & np.isfinite(dfc) & (dfc > 0)
    if not ok.any():
        est = A.none("the modes were not computed (N above modes_max_N) or no deficit")
    else:
        est = mean_sem(q[ok] / dfc[ok])
    how = (f"Alpha = 1.5, N = {run.config['N']}: quartic (zero) modes of the stiffness matrix "
           f"{', '.join(f'{v:.0f}' for v in q)} against the deficit N_iso - N_c "
           f"{', '.join(f'{v:.0f}' for v in dfc)} per packing (physics.ellipses.modes); measured their "
           f"ratio. Expected 1 ({pub.source}); tolerance {TOL['quartic_modes_match_deficit']}")
    return claim_from("quartic_modes_match_deficit", "The number of quartic modes of jammed ellipses "
                      "equals their contact deficit", est, 1.0, f"1 ({pub.source})",
                      TOL["quartic_modes_match_deficit"], how)


def _cusp_claims(runs, scale) -> list[Claim]:
    s = M.SCALES[scale].params
    c = M.cusp_curve(runs)
    ns = c["n_star"]
    mean = np.nanmean(c["error"], axis=0)
    ratio, i, k = M.cusp_ratio(c["N"], mean, ns.value if ns.ok else float("nan"))
    eratio, ie, ke = M.cusp_ratio(c["N"], c["ensemble"], ns.value if ns.ok else float("nan"))
    S = c["error"].shape[0]
    if np.isfinite(ratio):
        sem = np.nanstd(c["error"], axis=0, ddof=1) / math.sqrt(S)
        err = ratio * math.hypot(sem[i] / mean[i], sem[k] / mean[k]) if mean[i] > 0 and mean[k] > 0 else float("nan")
        single = A.Estimate(ratio, err, note=f"at N = {c['N'][i]:.0f} over N = {c['N'][k]:.0f}")
        ens = A.Estimate(eratio, float("nan"), note=f"at N = {c['N'][ie]:.0f} over N = {c['N'][ke]:.0f}")
    else:
        single = ens = A.none(f"N* not located ({ns.note})")
    table = ", ".join(f"{n / c['n_star'].value if ns.ok else n:.3g}: {e:.3f}/{f:.3f}"
                      for n, e, f in zip(c["N"], mean, c["ensemble"]))
    base = (f"PCA parity of scikit-learn's digits (no MNIST files; d = {s['cusp_d']}), P = {s['cusp_P']}, "
            f"{s['cusp_P_test']} test points, depth {s['cusp_depth']} with biases, widths "
            f"{', '.join(map(str, s['cusp_widths']))}, {S} initialisations on one data set, "
            f"{_minimisation(scale).replace(str(s['max_steps']), str(s['cusp_steps']))}. N* = "
            + (f"{ns.value:.0f} (N*/P = {ns.value / s['cusp_P']:.3g})" if ns.ok else "not located")
            + f". Test error of single nets (mean) / of the ensemble average against N/N*: {table}. ")
    one = claim_from("test_error_cusp", "The test error of single nets peaks (a cusp) at N*", single,
                     (1.05, 100.0), "> 1: a peak at N* (Spigler et al. 2019, Fig. 1)",
                     TOL["test_error_cusp"], base + "Measured: the mean test error at the width "
                     "nearest N* (in ln N) over the lowest error on either side of it (the higher of the "
                     "minimum below N* and the minimum beyond N*: a peak must stand above both; the "
                     "issue's ratio to the minimum beyond N* alone exceeds 1 for any decreasing curve), "
                     "error from the standard errors. "
                     "Expected above 1.05 (a peak, not noise); no extra tolerance, one error (not two) "
                     "allowed: a cusp must stand out of its noise", n_sigma=1.0)
    two = claim_from("ensemble_removes_cusp", "Averaging the outputs of an ensemble removes the cusp",
                     ens, (0.0, 1.05), "<= 1: no peak (Geiger et al. 2020)", TOL["ensemble_removes_cusp"],
                     base + "Measured: the same ratio for the ensemble average's test error (one "
                     "ensemble: no error bar). Expected at most 1.05 (no peak)")
    return [one, two]


def claims(runs: dict, scale: str) -> list[Claim]:
    curves = _curves(runs, scale)
    return ([claim_n_star(runs, scale, curves), claim_depth(runs, scale, curves),
             _margin_claim("theta", curves, scale), _margin_claim("gamma", curves, scale),
             claim_c0(runs, scale, curves), claim_ellipses(runs, scale), claim_quartic(runs, scale),
             claim_spheres(runs, scale)] + _cusp_claims(runs, scale) + _hessian_claims(runs, scale)
            + packings.claims(runs, scale))


def _hessian_claims(runs, scale) -> list[Claim]:
    return hessian_claims(M.depth_curve(runs, scale, compared_depth(scale)))
