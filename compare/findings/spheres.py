"""Findings of soft-sphere records: the jamming point and its structure (protocol "jam") and the
aging run at fixed phi (protocol "age")."""
from __future__ import annotations

import numpy as np

from compare.findings.base import Finding, config_value, mean_sem, negated
from physics import analysis as A

OHERN = "O'Hern, Silbert, Liu, Nagel, PRE 68, 011306 (2003)"
FORCE_CUT, GAP_CUT = 0.1, 1e-2   # the small-force and small-gap tails fitted (f/<f>, h)


def title(run) -> str:
    c = run.config
    S = np.size(run["spheres/phi_J"]) if "spheres/phi_J" in run else c.get("samples", "?")
    if c.get("protocol") == "jam":
        mix = "user radii" if c.get("radii") else c.get("mixture", "bidisperse")
        return f"spheres jam: N = {c['N']}, d = {c['dim']}, {mix}, alpha = {float(c.get('alpha', 2.0)):g}, {S} sample(s)"
    return (f"spheres age: N = {c['N']}, d = {c['dim']}, phi = {c['phi']:g}, T = {c['T']:g}, "
            f"{c.get('samples', '?')} sample(s)")


def spheres_findings(run) -> list[Finding]:
    return jam_findings(run) if run.config.get("protocol") == "jam" else age_findings(run)


def jam_findings(run) -> list[Finding]:
    d, N = int(run.config["dim"]), int(run.config["N"])
    alpha = float(config_value(run, "alpha", 2.0))
    out = []
    if "spheres/phi_J" in run:
        pub = A.phi_J_published(d)
        n = np.size(run["spheres/phi_J"])
        out.append(Finding("phi_J", "phi_J (jamming packing fraction)", mean_sem(run["spheres/phi_J"]),
                           pub.value if pub else None,
                           "compress and bisect" + (f" (bracket < {run.config['tol']:g})" if "tol" in run.config else "")
                           + f", mean over {n} packing(s)",
                           f"{pub.source}: {pub.note}" if pub else ""))
    if "spheres/Z" in run:
        out.append(Finding("Z_c", "Z_c (contacts per non-rattler at phi_J)", mean_sem(run["spheres/Z"]), 2 * d,
                           "rattlers removed; at finite N isostaticity gives 2d - 2(d - 1)/N_nr",
                           "isostaticity, Z_c = 2d"))
    if "spheres/contacts" in run and "spheres/N_nonrattlers" in run:
        c = np.asarray(run["spheres/contacts"], float).ravel()
        nr = np.asarray(run["spheres/N_nonrattlers"], float).ravel()
        exc = c - (d * (nr - 1) + 1)
        out.append(Finding("isostatic_excess", "contacts - isostatic count d (N_nr - 1) + 1", mean_sem(exc), 0,
                           f"per packing at phi_J; {int(np.sum(exc == 0))} of {exc.size} exactly isostatic",
                           "isostaticity"))
    if "spheres/forces" in run:
        pub = A.PUBLISHED["theta_spheres"]
        est = A.tail_exponent(run["spheres/forces"], upper=FORCE_CUT)
        out.append(Finding("theta_spheres", "theta (P(f) ~ f^theta, small forces)", est, pub.value,
                           f"tail maximum likelihood, f/<f> in (0, {FORCE_CUT:g}]", pub.source))
    if "spheres/gaps" in run:
        pub = A.PUBLISHED["gamma_spheres"]
        est = negated(A.tail_exponent(run["spheres/gaps"], upper=GAP_CUT))
        out.append(Finding("gamma_spheres", "gamma (P(h) ~ h^-gamma, small gaps)", est, pub.value,
                           f"tail maximum likelihood, h in (0, {GAP_CUT:g}]", pub.source))
    if "spheres/dphi" in run:
        out += scaling_findings(run, N, alpha)
    return out


def scaling_findings(run, N: int, alpha: float) -> list[Finding]:
    """Exponents of E/N, p and Z - Z_c against phi - phi_J, fitted only where the scaling holds at
    this N (analysis.jamming_window: N^2 (phi - phi_J) > 100, phi - phi_J < 0.1): below, one contact
    more or less is a jump (the finite-size floor)."""
    dphi = np.asarray(run["spheres/dphi"], float).ravel()
    window = A.jamming_window(N)
    out = []
    for name, key, label, exp in (("spheres/energy_dphi", "scaling_energy", "E/N ~ (phi - phi_J)^a", alpha),
                                  ("spheres/pressure", "scaling_pressure", "p ~ (phi - phi_J)^a", alpha - 1),
                                  ("spheres/Z_excess", "scaling_Z", "Z - Z_c ~ (phi - phi_J)^a",
                                   A.PUBLISHED["zeta_Z"].value)):
        if name not in run:
            continue
        y = np.nanmean(np.asarray(run[name], float).reshape(-1, dphi.size), axis=0)
        est = A.power_law_fit(dphi, y, window=window)
        used = est.window or window
        how = (f"log-log fit over phi - phi_J in [{used[0]:.2g}, {used[1]:.2g}] "
               f"(N^2 dphi > 100: above the finite-size floor), {est.extra.get('points', 0)} points; "
               f"sensitivity to the window {est.extra.get('sensitivity', float('nan')):.2g}")
        out.append(Finding(key, label, est, exp, how, OHERN))
    return out


def age_findings(run) -> list[Finding]:
    out = []
    t = np.asarray(run["t"], float)
    if "energy" in run:
        out.append(Finding("energy_final", "energy per particle U/N at t_max", mean_sem(np.asarray(run["energy"])[:, -1]),
                           None, f"eps, at t = {t[-1]:.4g}; tends to the inherent-structure level above phi_J"))
    tw = np.asarray(run["tw"], float) if "tw" in run else np.array([])
    if "msd" in run and tw.size:
        T = float(config_value(run, "T", float("nan")))
        out.append(Finding("msd_final", "msd(tw_min, t_max)", mean_sem(np.asarray(run["msd"])[:, 0, -1]), None,
                           f"sigma^2 per coordinate, tw = {tw[0]:.3g}; free diffusion alone: "
                           f"2 T (t_max - tw) = {2 * T * (t[-1] - tw[0]):.3g}"))
        est = A.late_exponent(*A.lag_curve(t, tw[-1], run.mean("msd")[-1]))
        out.append(Finding("msd_late_exponent", "d ln msd / d ln lag, last decade, largest tw", est, None,
                           f"tw = {tw[-1]:.3g}; 1 = diffusion, < 1 = caged / aging"))
    if "Q" in run and tw.size:
        out.append(Finding("Q_final", "Q(tw_min, t_max)", mean_sem(np.asarray(run["Q"])[:, 0, -1]), None,
                           f"tw = {tw[0]:.3g}, threshold a = {config_value(run, 'Q_a', float('nan')):g}"))
    return out
