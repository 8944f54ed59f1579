"""Findings of soft-ellipse records: the jamming point, Z against the isostatic 6, the quartic
modes against the contact deficit (protocol "jam"), and the aging run (protocol "age"): the
spheres' age findings of the positions (lengths in b, the small minor axis) and those of the
orientations (the recorder's msd_theta and C2_theta = <cos 2 dtheta>)."""
from __future__ import annotations

import numpy as np

import dataclasses

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
    return jam_findings(run) if run.config.get("protocol") == "jam" else ellipses_age_findings(run)


def ellipses_age_findings(run) -> list[Finding]:
    """The spheres' age findings of the positions (in b, the small minor axis) and the
    orientations': msd_theta and C2_theta at (tw_min, t_max), tau_90 of C2_theta at every tw and
    its aging exponent d ln tau / d ln tw (0: stationary, 1: simple aging)."""
    out = [dataclasses.replace(f, how=f.how.replace("sigma^2", "b^2")) for f in age_findings(run)]
    tw = np.asarray(run["tw"], float) if "tw" in run else np.array([])
    if not tw.size:
        return out
    t = np.asarray(run["t"], float)
    T = float(config_value(run, "T", float("nan")))
    if "msd_theta" in run:
        from physics.ellipses import geometry
        inv = float(np.mean(1.0 / geometry.make_geom(int(run.config["N"]), float(run.config["alpha"]))[:, 2] ** 2))
        out.append(Finding("msd_theta_final", "angular msd <dtheta^2>(tw_min, t_max)",
                           mean_sem(np.asarray(run["msd_theta"])[:, 0, -1]), None,
                           f"rad^2, tw = {tw[0]:.3g}; free rotation alone: 2 T <1/ell^2> (t_max - tw) = "
                           f"{2 * T * inv * (t[-1] - tw[0]):.3g}"))
    if "C2_theta" in run:
        C2 = np.asarray(run["C2_theta"], float)
        out.append(Finding("C2_theta_final", "C2 = <cos 2 dtheta>(tw_min, t_max)", mean_sem(C2[:, 0, -1]), None,
                           f"tw = {tw[0]:.3g}; 1: orientations kept, 0: lost"))
        taus = [A.tau_jackknife(*_lags(t, w, C2[:, i]), fraction="tau_90") for i, w in enumerate(tw)]
        last = taus[-1]
        out.append(Finding("tau90_C2_theta", "tau_90 of C2_theta (largest tw)", last, None,
                           f"tw = {tw[-1]:.3g}; lag where C2 falls below 0.9 of its first value, "
                           "jackknife over samples" + ("; a lower bound: not reached by t_max" if last.bound else "")))
        out.append(Finding("C2_theta_aging_exponent", "d ln tau_90(C2_theta) / d ln tw", A.aging_exponent(tw, taus),
                           None, f"over {tw.size} waiting times; 0: stationary, 1: simple aging (tau ~ tw)"))
    return out


def _lags(t, tw, curves):
    """(lag, curves[:, later]) of one waiting time: the lags t - tw > 0."""
    later = t > tw
    return t[later] - tw, curves[:, later]


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
