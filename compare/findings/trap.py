"""Findings of trap-model records (physics/trap.py): the distance of Pi(tw, t) to the aging limit
H_x(t/tw) at the largest tw (claim `trap_model_scaling`), Pi beside the exact finite-tw Pi, and the
energy and the number of jumps at tmax beside their exact values (Bouchaud's dynamics) or the
equilibrium energy (x > 1). Every exact number comes from physics/trap_theory.py."""
from __future__ import annotations

from compare.findings.base import Finding, analytic, mean_sem
from physics import trap_theory as th
from physics.analysis import Estimate

SOURCE = "Bouchaud & Dean 1995 (H_x); exact finite-tw by Laplace inversion (physics/trap_theory.py)"


def title(run) -> str:
    c = run.config
    return (f"trap model ({c['dynamics']}), x = T/T_g = {c['x']:g}, {c['samples']} x {c['walkers']} "
            f"walkers, tmax = {c['tmax']:g}")


def trap_findings(run) -> list[Finding]:
    """The record's findings: |Pi - H_x| at the largest tw (claim trap_model_scaling), Pi against
    the exact finite-tw Pi, the energy and the jumps at tmax against their exact values (Bouchaud)
    or the equilibrium energy (x > 1).

    trap_model_scaling expects the range [0, c], c = max |Pi_exact - H_x| at that tw (the exact
    finite-tw correction): with infinitely many walkers |Pi - H_x| would be c at most; its verdict
    (TOLERANCES) allows c plus 2 binomial standard errors of Pi at the point of largest deviation."""
    c = run.config
    x, exact = float(c["x"]), c["dynamics"] == "bouchaud"
    t, found = run["t"], []
    n = int(c["walkers"]) * int(c["samples"])
    if exact and len(run["tw"]):
        rows = th.aging_check(x, t, run["tw"], run["C"], n)
        last = rows[-1]
        if x < 1.0:
            found.append(Finding(
                "trap_model_scaling", f"max |Pi - H_x(t/tw)|, tw = {last['tw']:g}",
                Estimate(last["max_dev_H"], last["err"]), (0.0, last["correction"]),
                f"max over t/tw <= {last['u_max']:.3g} (at t/tw = {last['u_at']:.3g}, binomial error "
                "there); expected: at most the exact finite-tw correction (-> 0 as tw -> infinity)", SOURCE))
        worst = max(rows, key=lambda r: r["max_z"])
        found.append(Finding(
            "trap_exact_deviation", "max |Pi - Pi_exact(tw, t)| (all tw)",
            Estimate(max(r["max_dev_exact"] for r in rows)), 0.0,
            f"largest |z| = {worst['max_z']:.2f} standard errors (tw = {worst['tw']:g}); "
            f"{n} walkers", SOURCE))
    e = mean_sem(run["energy"][:, -1])
    expected, how = None, "mean over samples at tmax"
    if exact:
        expected, how = float(-th.mean_depth(x, t[-1])[0]), how + "; expected: exact -<E>(tmax)"
    elif x > 1.0:
        expected, how = -x / (x - 1.0), how + "; expected: equilibrium -x/(x - 1)"
    found.append(Finding("energy_final", "energy -<E> at tmax (T_g)", e, expected, how, SOURCE))
    j = mean_sem(run["trap/jumps"][:, -1])
    found.append(Finding("jumps_final", "jumps per walker by tmax", j,
                         float(th.mean_jumps(x, t[-1])[0]) if exact else None, "mean over samples", SOURCE))
    if x < 1.0:
        found.append(analytic("H_x_at_1", "H_x(1) (no jump between tw and 2 tw)",
                              float(th.scaling_function(x, 1.0)), "betainc", SOURCE))
    return found
