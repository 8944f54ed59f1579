"""The quick look of `ellipses jam` (compare/quicklook.py dispatches here): the packing drawn as
ellipses coloured by contact number, Z_J against 4 and 6, the lowest modes."""
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
