"""The quick looks of `ellipses jam` and `ellipses age` (compare/quicklook.py dispatches here):
jam: the packing drawn as ellipses coloured by contact number, Z_J against 4 and 6, the lowest
modes; age: the positions' energy, msd, Q and t/tw collapse (the spheres' panels) and the
orientations' msd_theta and C2_theta, free diffusion dotted."""
from __future__ import annotations

import numpy as np

from compare.plots import figure


def _no_modes(a, text):
    a.text(0.5, 0.5, text, ha="center", va="center", transform=a.transAxes)


def ellipses_jam(run):
    """The first packing drawn as ellipses coloured by contact number (rattlers grey), Z_J of
    every packing beside 4 (disks) and 6 (isostatic ellipses), and the spectra of the stiffness
    matrix and of the Hessian with the quartic modes marked."""
    from matplotlib.collections import EllipseCollection
    from matplotlib.ticker import MaxNLocator
    from compare.findings.ellipses import title
    fig, ax = figure(3, 1, width=4.4, height=4.0)
    a = ax[0, 0]
    xy, ab = np.asarray(run["ellipses/positions"][0]), np.asarray(run["ellipses/axes"][0])
    L, nr = float(run["ellipses/box"][0]), np.asarray(run["ellipses/nonrattler"][0]).astype(bool)
    z = np.asarray(run["ellipses/z"][0], float)
    pos = xy[:, :2] - L * np.floor(xy[:, :2] / L)
    shifts = [(dx, dy) for dx in (-L, 0, L) for dy in (-L, 0, L)]
    for dx, dy in shifts:              # periodic images, so that the box is full to its edges
        p = pos + [dx, dy]
        near = np.all((p > -2 * ab[:, :1]) & (p < L + 2 * ab[:, :1]), axis=1)
        for sel, kw in ((near & nr, dict(array=z[near & nr], cmap="viridis", clim=(3, 8))),
                        (near & ~nr, dict(facecolors="0.8"))):
            if sel.any():
                ec = EllipseCollection(2 * ab[sel, 0], 2 * ab[sel, 1], np.degrees(xy[sel, 2]), units="xy",
                                       offsets=p[sel], offset_transform=a.transData, edgecolors="k",
                                       linewidths=0.3, **kw)
                a.add_collection(ec)
                if "array" in kw and (dx, dy) == (0, 0):
                    fig.colorbar(ec, ax=a, label="contacts z (non-rattlers)")
    a.set_xlim(0, L), a.set_ylim(0, L), a.set_aspect("equal")
    a.set_xlabel("x (small minor axes)"), a.set_ylabel("y")
    a.set_title(f"packing at $\\phi_J$ = {float(run['ellipses/phi_J'][0]):.5f} (grey: rattlers)", fontsize=9)
    a = ax[0, 1]
    Z = np.asarray(run["ellipses/Z"], float)
    a.plot(np.arange(1, Z.size + 1), Z, "o", label="$Z_J$ (non-rattlers)")
    a.plot(np.arange(1, Z.size + 1), np.asarray(run["ellipses/Z_iso"], float), "k_", ms=14,
           label="finite-N isostatic $2(d_f N_{nr} - 1)/N_{nr}$")
    a.axhline(6, color="C3", ls="--", lw=0.8, label="$2 d_f = 6$ (isostatic ellipses)")
    a.axhline(4, color="C2", ls=":", lw=0.8, label="$2d = 4$ (disks)")
    a.set_xlabel("packing"), a.set_ylabel("contacts per particle $Z_J$"), a.set_ylim(3.5, 6.5)
    if Z.size <= 10:
        a.set_xticks(np.arange(1, Z.size + 1))
    else:
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    a.set_xlim(0.5, Z.size + 0.5)
    phi = np.asarray(run["ellipses/phi_J"], float)
    a.set_title(f"$\\phi_J$ = {phi.mean():.4f}" + (f" $\\pm$ {phi.std(ddof=1) / np.sqrt(phi.size):.4f}"
                                                   if phi.size > 1 else ""), fontsize=9)
    a.legend(fontsize=7, loc="center")
    a = ax[0, 2]
    if "ellipses/hessian_eigenvalues" in run and np.isfinite(run["ellipses/hessian_eigenvalues"][0]).any():
        for key, lab, m in (("stiffness_eigenvalues", "stiffness $K = J^T J$", "."),
                            ("hessian_eigenvalues", "Hessian $H$ (finite differences)", "x")):
            ev = np.asarray(run[f"ellipses/{key}"][0], float)
            ev = ev[np.isfinite(ev)]
            a.semilogy(np.arange(ev.size), np.abs(ev) + 1e-18, m, ms=3, label=lab)
        qm, de = int(run["ellipses/quartic_modes"][0]), int(run["ellipses/deficit"][0])
        a.axvline(qm + 2 - 0.5, color="C3", ls="--", lw=0.8,
                  label=f"{qm} quartic modes + 2 translations (deficit {de})")
        a.set_xlim(-1, min(ev.size, 3 * (qm + 2) + 20))
        a.set_xlabel("mode index (ascending)"), a.set_ylabel("|eigenvalue| ($\\epsilon$ / length$^2$)")
        a.legend(fontsize=7, loc="center right")
        a.set_title("lowest modes at $\\phi_J$ (floored at 1e-18)", fontsize=9)
    else:
        _no_modes(a, "modes not computed (N > modes_max_N)")
    fig.suptitle(title(run), fontsize=10)
    return fig



def _ell2(run) -> np.ndarray:
    """ell^2 of every ellipse of the record (ell the mean semi-axis: the rotational diffusion of
    an ellipse is T / ell^2, physics.ellipses)."""
    from physics.ellipses import geometry
    return geometry.make_geom(int(run.config["N"]), float(run.config["alpha"]))[:, 2] ** 2


def ellipses_age(run):
    """The aging run: U/N, the msd, Q and the t/tw collapse of the positions (the spheres'
    panels), and the orientations: msd_theta and C2_theta = <cos 2 dtheta> against the lag, with
    free diffusion dotted for scale (msd = 2 T lag, msd_theta = 2 T <1/ell^2> lag,
    C2 = <exp(-4 T lag / ell^2)>)."""
    from compare.findings.ellipses import title
    from compare.plots import plot_energy, plot_two_time
    fig, ax = figure(3, 2, width=4.0, height=3.2)
    plot_energy(ax[0, 0], run, ylabel=r"energy per particle $U/N$ ($\epsilon$)")
    e = run.mean("energy")
    if np.all(e[np.isfinite(e)] > 0):
        ax[0, 0].set_yscale("log")
    ax[0, 0].set_xlabel(r"time $t$ ($b^2/\mu\epsilon$)")
    T, ell2 = float(run.config["T"]), _ell2(run)
    t, tw = np.asarray(run["t"], float), np.asarray(run["tw"], float)
    lag = np.geomspace(float(t[0]), float(t[-1] - tw[0]), 50)
    free = {"msd": 2 * T * lag, "msd_theta": 2 * T * np.mean(1.0 / ell2) * lag,
            "C2_theta": np.mean(np.exp(-4 * T * lag[:, None] / ell2[None]), axis=1)}
    panels = ((ax[0, 1], "msd", False, r"msd $\Delta$ of the positions ($b^2$)"),
              (ax[0, 2], "Q", False, None),
              (ax[1, 0], "msd", True, r"msd $\Delta$ ($b^2$): the $t/t_w$ collapse"),
              (ax[1, 1], "msd_theta", False, r"angular msd $\langle\delta\theta^2\rangle$ (rad$^2$)"),
              (ax[1, 2], "C2_theta", False, r"$C_2 = \langle\cos 2\,\delta\theta\rangle$ (orientations)"))
    for a, name, scaled, ylabel in panels:
        if name not in run:
            _no_modes(a, f"no {name} in this record")
            continue
        plot_two_time(a, run, name, scaled=scaled, legend=False)
        if ylabel:
            a.set_ylabel(ylabel)
        if not scaled:
            a.set_xlabel(r"lag $t - t_w$ ($b^2/\mu\epsilon$)")
        if name == "msd_theta":
            a.set_yscale("log")
        if name == "C2_theta":
            a.set_ylim(min(-0.05, a.get_ylim()[0]), 1.05)
        if not scaled and name in free and T > 0:
            a.plot(lag, free[name], "k:", lw=1.0, label="free diffusion")
        if a is ax[0, 1]:                          # the waiting times, once
            a.legend(loc="best", fontsize=7)
        elif name in free and T > 0 and not scaled:
            a.legend(handles=a.lines[-1:], loc="best", fontsize=7)
    fig.suptitle(title(run) + "; b: the small minor axis", fontsize=10)
    return fig
