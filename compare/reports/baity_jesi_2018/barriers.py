"""The two barrier claims of the Baity-Jesi et al. 2018 report, measured with the `barriers`
system (nets/barriers.py: straight or great-circle path and nudged elastic band between minima
found from different initialisations; docs/science.md section 10).

    no_barrier_nets      the NEB barrier per weight between minima of over-parametrised nets
    pspin_barrier_grows  the exponent of the p-spin's total NEB barrier against N

Every barrier is physics.analysis.barrier of the recorded NEB profiles (the findings' own
estimator), every exponent physics.analysis.power_law_fit.
"""
from __future__ import annotations

import numpy as np

from compare.reports.base import Claim, Point, claim_from
from physics import analysis as A

SIZES = {
    "small": {"pspin_N": [32, 64, 128], "pspin_minima": 4, "pspin_samples": 2,
              "net_widths": [32, 4], "net_P": 200, "net_d": 10, "net_minima": 3, "net_min_steps": 5000},
    "paper": {"pspin_N": [32, 64, 128, 256, 512], "pspin_minima": 6, "pspin_samples": 8,
              "net_widths": [64, 32, 16, 8, 4], "net_P": 1000, "net_d": 10, "net_minima": 6,
              "net_min_steps": 50000},
    "tiny": {"pspin_N": [8, 12, 16], "pspin_minima": 2, "pspin_samples": 1, "net_widths": [16], "net_P": 30,
             "net_d": 4, "net_minima": 2, "net_min_steps": 300},
}
TOL = {"no_barrier_nets": 1e-6, "pspin_barrier_grows": 0.0}
"""no_barrier_nets: the NEB's own resolution, an energy of 1e-6 per weight (bands converge to a
largest force of 1e-3 with images ~1 apart); pspin_barrier_grows: an exponent judged against the
range (0, 2], no extra tolerance."""


def pspin_name(N: int) -> str:
    return f"barriers_pspin_N{N}"


def net_name(width: int) -> str:
    return f"barriers_dnn_w{width}"


def points(scale: str) -> list[Point]:
    """The barrier runs: the p-spin at several N; nets over- (wide) and under-parametrised
    (narrow) on one random data set each."""
    from nets.barriers import default_config
    s = SIZES[scale]
    out = [Point(pspin_name(N), "barriers", default_config(
        protocol="pspin", N=int(N), minima=s["pspin_minima"], samples=s["pspin_samples"], seed=0))
        for N in s["pspin_N"]]
    out += [Point(net_name(w), "barriers", default_config(
        protocol="dnn", width=int(w), P=s["net_P"], d=s["net_d"], depth=2, minima=s["net_minima"],
        min_steps=s["net_min_steps"], seed=0, device="cpu")) for w in s["net_widths"]]
    return out


def _neb(run, per_dof: bool) -> A.Estimate:
    n = float(np.ravel(run["barriers/n_dof"])[0])
    ext = float(np.ravel(run["barriers/extensive"])[0])
    return A.barrier(run["barriers/neb_energy"], scale=ext / n if per_dof else ext)


def _converged(run) -> str:
    conv = np.asarray(run["barriers/neb_converged"])
    return f"{int((conv == 1).sum())}/{int((conv >= 0).sum())} bands converged"


def _regime(run) -> tuple[str, float]:
    n = float(np.ravel(run["barriers/n_dof"])[0])
    nd = float(np.nanmean(np.asarray(run["barriers/minima_N_delta"], float)))
    return A.regime(nd, n), n


def claim_no_barrier_nets(runs, scale) -> Claim:
    s = SIZES[scale]
    rows, over = [], []
    for w in s["net_widths"]:
        run = runs[net_name(w)]
        reg, n = _regime(run)
        est = _neb(run, per_dof=True)
        lin = A.barrier(run["barriers/linear_energy"], scale=float(np.ravel(run["barriers/extensive"])[0]) / n)
        rows.append(f"width {w} (N = {n:.0f}, N/P = {n / s['net_P']:.3g}, {reg}): NEB {est.value:.3g} +- "
                    f"{est.error:.2g} per weight ({_converged(run)}), straight line {lin.value:.3g}")
        if reg == "over-parametrised":
            over.append((w, est, run))
    pub = A.PUBLISHED["no_barrier_nets"]
    if over:
        w, est, run = max(over, key=lambda x: x[0])
        if not np.all(np.asarray(run["barriers/neb_converged"]) == 1):
            est = A.Estimate(est.value, est.error, est.window, est.note + "; not every band converged")
    else:
        est = A.none("no over-parametrised net among the widths run")
    how = (f"Nets (depth 2, no biases, hinge loss) on one random data set (d = {s['net_d']}, P = "
           f"{s['net_P']}), {s['net_minima']} minima from different initialisations (Adam to N_Delta = 0, "
           f"or {s['net_min_steps']} steps), every pair joined by a straight line and a climbing-image "
           "NEB (physics/paths.py); barrier = max over the path minus the larger end, in the summed "
           "loss (P x loss) per weight (analysis.barrier, mean over pairs): " + "; ".join(rows)
           + ". Measured: the widest over-parametrised net. Under-parametrised bands that did not "
           "converge give upper bounds only. Expected 0 (Draxler et al. 2018); tolerance "
           f"{TOL['no_barrier_nets']:g} per weight: the band's own resolution")
    return claim_from("no_barrier_nets", "Between minima of over-parametrised nets the minimum-energy "
                      "path has essentially no barrier: the slowing down of training is not barrier "
                      "crossing", est, pub.value, f"0 ({pub.source})", TOL["no_barrier_nets"], how)


def claim_pspin_barrier_grows(runs, scale) -> Claim:
    s = SIZES[scale]
    Ns = np.array(s["pspin_N"], float)
    tot = [_neb(runs[pspin_name(int(N))], per_dof=False) for N in Ns]
    per = [_neb(runs[pspin_name(int(N))], per_dof=True) for N in Ns]
    v = np.array([e.value for e in tot])
    est = A.power_law_fit(Ns, v) if np.all(np.isfinite(v) & (v > 0)) and Ns.size >= 2 else \
        A.none("a non-positive or missing barrier: no power law")
    shown = "; ".join(f"N = {N:.0f}: total {t.value:.3g} +- {t.error:.2g}, per spin {p.value:.3g} "
                      f"({_converged(runs[pspin_name(int(N))])})" for N, t, p in zip(Ns, tot, per))
    how = (f"The p = 3 spherical p-spin, {s['pspin_minima']} minima per sample (T = 0 Langevin, then FIRE "
           f"on the sphere), {s['pspin_samples']} samples, every pair joined by a great circle and a "
           f"climbing-image NEB on the sphere: {shown}. Measured: the exponent of the mean total NEB "
           "barrier (N x barrier per spin) against N (analysis.power_law_fit, error from the fit). "
           "Expected: a barrier that grows with N, at most extensively (exponent in (0, 2]: 1 is an "
           "extensive barrier, the mean-field expectation at large N); no extra tolerance. Bands that "
           "did not converge still bound the barrier from above")
    return claim_from("pspin_barrier_grows", "In the p-spin (a mean-field glass) the barriers between "
                      "minima grow with N, unlike the nets'", est, (0.05, 2.0),
                      "grows with N (mean-field glasses; Baity-Jesi et al. 2018, section 2)",
                      TOL["pspin_barrier_grows"], how)


def barrier_claims(scale: str, runs: dict | None = None) -> list[Claim]:
    """The two barrier claims from the barriers records in `runs`."""
    return [claim_no_barrier_nets(runs, scale), claim_pspin_barrier_grows(runs, scale)]
