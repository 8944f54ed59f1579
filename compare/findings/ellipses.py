"""Findings of soft-ellipse records: the jamming point, Z against the isostatic 6, the quartic
modes against the contact deficit (protocol "jam"), and the aging run (protocol "age", read as
the spheres' age findings)."""
from __future__ import annotations

import numpy as np

from compare.findings.base import Finding, config_value, mean_sem
from compare.findings.spheres import age_findings
from physics import analysis as A
from physics.ellipses.modes import LOW_FRACTION, QUARTIC_RTOL


def title(run) -> str:
    c = run.config
    if c.get("protocol") == "jam":
        S = np.size(run["ellipses/phi_J"]) if "ellipses/phi_J" in run else c.get("samples", "?")
        return f"ellipses jam: N = {c['N']}, alpha = {float(c['alpha']):g}, {S} sample(s)"
    return (f"ellipses age: N = {c['N']}, alpha = {float(c['alpha']):g}, phi = {c['phi']:g}, "
            f"T = {c['T']:g}, {c.get('samples', '?')} sample(s)")


def ellipses_findings(run) -> list[Finding]:
    return jam_findings(run) if run.config.get("protocol") == "jam" else age_findings(run)


def jam_findings(run) -> list[Finding]:
    alpha = float(config_value(run, "alpha", 1.5))
    iso = A.PUBLISHED["Z_iso_ellipses_2d"]
    out = []
    if "ellipses/phi_J" in run:
        pub = A.phi_J_published(2) if alpha == 1.0 else None
        out.append(Finding("phi_J", "phi_J (jamming packing fraction)", mean_sem(run["ellipses/phi_J"]),
                           pub.value if pub else None,
                           f"compress and bisect (bracket < {config_value(run, 'tol', float('nan')):g}), "
                           f"mean over {np.size(run['ellipses/phi_J'])} packing(s)",
                           f"{pub.source}: {pub.note}" if pub else ""))
    if "ellipses/Z" in run:
        z = np.asarray(run["ellipses/Z"], float)
        out.append(Finding("Z_J", "Z_J (contacts per non-rattler at phi_J)", mean_sem(z),
                           4 if alpha == 1.0 else (4.0, 6.0),
                           "rattlers (fewer than 3 contacts) removed; alpha = 1: the spheres' 2d = 4",
                           iso.source if alpha > 1.0 else "isostatic disks, Z_c = 2d"))
        out.append(Finding("Z_J_over_6", "Z_J / 2 d_f (1: isostatic ellipses)", mean_sem(z / 6.0),
                           None if alpha == 1.0 else (4.0 / 6.0, 1.0), "below 1: hypostatic", iso.source))
    if "ellipses/quartic_modes" in run and "ellipses/deficit" in run:
        qm = np.asarray(run["ellipses/quartic_modes"], float)
        de = np.asarray(run["ellipses/deficit"], float)
        ok = np.isfinite(qm)
        if ok.any():
            pub = A.PUBLISHED["quartic_modes_ellipses"]
            out.append(Finding("quartic_modes", "quartic modes (zero modes of the stiffness matrix, "
                               "translations left out)", mean_sem(qm[ok]), float(np.mean(de[ok])),
                               f"rank of the contacts' Jacobian (singular values > {QUARTIC_RTOL:g} x the "
                               "largest); expected: the deficit d_f N_nr - d + 1 - N_c", pub.source))
            out.append(Finding("quartic_modes_minus_deficit", "quartic modes - deficit, per packing",
                               mean_sem(qm[ok] - de[ok]), 0,
                               f"{int(np.sum(qm[ok] == de[ok]))} of {int(ok.sum())} packing(s) equal", pub.source))
        if "ellipses/hessian_low_modes" in run:
            hl = np.asarray(run["ellipses/hessian_low_modes"], float)
            if np.isfinite(hl).any():
                out.append(Finding("hessian_low_modes", "low modes of the Hessian (translations left out)",
                                   mean_sem(hl[np.isfinite(hl)]), float(np.mean(de[ok])) if ok.any() else None,
                                   f"finite differences of the forces; eigenvalues below {LOW_FRACTION:g} x "
                                   "the smallest nonzero eigenvalue of the stiffness matrix"))
    return out
