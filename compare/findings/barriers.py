"""Findings of barriers records (nets/barriers.py; docs/science.md, section 10): the barriers
along the straight path (great circle for the p-spin) and along the NEB path, per degree of
freedom and in all, the NEB convergence, and the minima (their energy beside the p-spin's
threshold; their regime for nets). Every barrier comes from physics.analysis.barrier."""
from __future__ import annotations

import numpy as np

from compare.findings.base import Finding, analytic, mean_sem
from physics import analysis as A
from physics import pspin_theory as theory

SOURCE_NEB = "Henkelman, Uberuaga & Jonsson, J. Chem. Phys. 113, 9901 (2000)"
SOURCE_NETS = A.PUBLISHED["no_barrier_nets"].source
SOURCE_PSPIN = "docs/science.md, section 2 (e_th = -2/sqrt(3) for p = 3)"


def title(run) -> str:
    c = run.config
    S = int(c.get("samples", 1))
    n = int(np.ravel(run["barriers/n_dof"])[0])
    if c.get("protocol") == "dnn":
        return (f"barriers between net minima: width {c['width']}, depth {c['depth']}, N = {n} weights, "
                f"P = {c['P']} ({c['data']} data, {c['loss']} loss), N/P = {n / c['P']:.3g}, "
                f"{c['minima']} minima x {S} data set(s)")
    return (f"barriers between p-spin minima: p = {c['p']}, N = {c['N']}, {c['minima']} minima x "
            f"{S} sample(s), {c['images']} images")


def _pairs_note(run) -> str:
    conv = np.asarray(run["barriers/neb_converged"])
    ran = conv >= 0
    return f"{int((conv == 1).sum())} of {int(ran.sum())} bands converged" if ran.any() else "no NEB"


def barriers_findings(run) -> list[Finding]:
    c = run.config
    dnn = c.get("protocol") == "dnn"
    n = float(np.ravel(run["barriers/n_dof"])[0])
    ext = float(np.ravel(run["barriers/extensive"])[0])
    unit = "loss" if dnn else "per spin"
    lin, neb = run["barriers/linear_energy"], run["barriers/neb_energy"]
    path = "straight line" if dnn else "great circle"
    found = []
    e_min = mean_sem(run["barriers/minima_energy"])
    over = False
    if dnn:
        nd = np.asarray(run["barriers/minima_N_delta"], float)
        reg = A.regime(float(np.nanmean(nd)), n)
        over = reg == "over-parametrised"
        found.append(Finding("regime", "regime of the minima", A.Estimate(float(np.nanmean(nd) / n)),
                             None, "mean N_Delta/N of the minima; under-parametrised when > 0.1",
                             "Geiger et al. 2019", text=reg))
        found.append(analytic("N_over_P", "weights per training point N/P", n / float(c["P"]), "config"))
        found.append(Finding("minima_loss", "loss at the minima", e_min, None, "mean over minima"))
    else:
        e_th = theory.threshold_energy({int(c["p"]): 1.0})
        found.append(Finding("minima_energy", "energy per spin of the minima", e_min, None,
                             f"mean over minima; finite N: above e_th = {e_th:.4f}, nearer as N grows",
                             SOURCE_PSPIN))
        found.append(analytic("e_th", "threshold energy e_th (N = infinity)", e_th, "pspin_theory",
                              SOURCE_PSPIN))
    g = np.asarray(run["barriers/minima_gradient"], float)
    found.append(Finding("minima_gradient", "largest gradient component at the minima",
                         A.Estimate(float(np.nanmax(g))), None,
                         "max over minima (projected on the sphere for the p-spin); "
                         f"tolerance {c['min_tol']:g}"))
    found.append(Finding("linear_barrier", f"barrier along the {path} ({unit})", A.barrier(lin), None,
                         "max over the path minus the larger end; mean over pairs", ""))
    if np.isfinite(neb).any():
        found += _neb_findings(run, dnn, over, unit, n, ext, lin, neb)
    q = "" if dnn else f"; overlap q = {np.nanmean(run['barriers/overlap']):.3f}"
    found.append(Finding("minima_distance", "distance between minima |x_a - x_b|",
                         mean_sem(run["barriers/distance"]), None, "mean over pairs" + q))
    return found


def _neb_findings(run, dnn, over, unit, n, ext, lin, neb) -> list[Finding]:
    """The NEB barrier (as recorded, in all, per degree of freedom), convergence, and its ratio to
    the straight path's."""
    c = run.config
    if dnn:
        total = ("NEB barrier in all (P x loss)", "extensive energy: the summed loss", SOURCE_NETS)
        per = ("NEB barrier per weight (P x loss / N)",
               "expected ~0 over-parametrised (Draxler et al.)" if over
               else "no published value under-parametrised", SOURCE_NETS)
    else:
        total = ("NEB barrier in all (N x per spin)", "H = N e", "")
        per = ("NEB barrier per spin", "= neb_barrier", "")
    expected = A.PUBLISHED["no_barrier_nets"].value if over else None
    conv = np.asarray(run["barriers/neb_converged"])
    its = np.asarray(run["barriers/neb_iterations"], float)
    b_lin, b_neb = A.barrier(lin).value, A.barrier(neb).value
    return [
        Finding("neb_barrier", f"barrier along the NEB path ({unit})", A.barrier(neb), None,
                f"climbing image; mean over pairs; {_pairs_note(run)}", SOURCE_NEB),
        Finding("neb_barrier_total", total[0], A.barrier(neb, scale=ext), None, total[1], total[2]),
        Finding("neb_barrier_per_dof", per[0], A.barrier(neb, scale=ext / n), expected, per[1], per[2]),
        Finding("neb_converged", "fraction of NEB bands converged", A.Estimate(float(np.mean(conv == 1))),
                1.0, f"largest NEB force < {c['neb_tol']:g} within {c['neb_steps']} steps; "
                f"median {np.median(its):.0f} steps", SOURCE_NEB),
        Finding("neb_over_linear", "NEB barrier / straight barrier",
                A.Estimate(b_neb / b_lin if b_lin > 0 else float("nan")), None,
                "ratio of the means (<= 1 when the band found a lower path)"),
    ]

