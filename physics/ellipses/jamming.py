"""FIRE and compress-and-bisect jamming of soft ellipses, with the spheres' machinery
(docs/science.md, section 3.5).

FIRE is physics.spheres.fire (fire_loop, Minimisation) over q[N, 3] = (x, y, ell theta), the
generalised forces (F_x, F_y, tau / ell) from contact.energy_forces_wrapped, the neighbour list
built on the bounding circles (diameter 2 a). Compress-and-bisect is
physics.spheres.jamming.find_phi_J with the ellipses' rescaling (positions scaled, angles kept);
jammed means E/N > e_tol once the forces vanish, as for the spheres. Rattlers are removed by the
spheres' rule (repeatedly, fewer than d + 1 = 3 contacts: an ellipse held by three contacts can
be stable, with the curvature of its surface), Z = 2 contacts / N_nonrattlers, to be compared
with the isostatic 2 d_f = 6 (d_f = 3 degrees of freedom per ellipse; at finite N
Z_iso = 2 (d_f N_nr - d + 1) / N_nr).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from physics.spheres.fire import minimize
from physics.spheres.jamming import JammingResult, find_phi_J, nonrattlers

from . import contact, geometry

D_F = 3
"""Degrees of freedom per ellipse in 2D: x, y, theta."""
EXPONENT = 2.0
"""The overlap energy (1/p)(1 - mu)^p, harmonic."""


def fire_model(geom):
    """The `model` of physics.spheres.fire.Minimisation for ellipses of shapes geom."""
    return (np.ascontiguousarray(geom, float), 2)


def minimize_ellipses(q, geom, L, callback=None, **kw):
    """FIRE-minimise q[N, 3] in place (spheres' Minimisation with the ellipses' model)."""
    return minimize(q, contact.bounding_diameters(geom), L, EXPONENT, callback=callback,
                    model=fire_model(geom), **kw)


def jam(q, geom, L, phi_start=0.80, dphi_start=1e-2, tol=1e-6, e_tol=1e-16, fire_kw=None,
        progress=None) -> JammingResult:
    """Compress-and-bisect (physics.spheres.jamming.find_phi_J) from q in the box of side L."""
    kw = dict(fire_kw or {})
    kw["model"] = fire_model(geom)
    return find_phi_J(np.array(q, float), contact.bounding_diameters(geom), L, EXPONENT, phi_start,
                      dphi_start, tol, e_tol, kw, progress, rescaler=geometry.rescaler(geom))


@dataclass
class Structure:
    energy_per_particle: float
    contacts: int             # contacts between non-rattlers
    n_nonrattlers: int
    Z: float                  # 2 contacts / N_nonrattlers
    nonrattler: np.ndarray    # [N] bool
    pairs: dict               # contact pairs among non-rattlers: i, j, mu, f
    z: np.ndarray             # [N] contacts of each particle among non-rattlers

    @property
    def isostatic_contacts(self) -> int:
        """d_f N_nr - d + 1: the contacts an isostatic packing of ellipses would need (the d
        translations are its only trivial zero modes; the spheres' d (N_nr - 1) + 1 at d_f = d)."""
        return D_F * self.n_nonrattlers - 2 + 1 if self.n_nonrattlers else 0

    @property
    def Z_iso(self) -> float:
        return 2.0 * self.isostatic_contacts / max(self.n_nonrattlers, 1)


def structure(q, geom, L) -> Structure:
    """Contacts (mu < 1), rattlers, Z and the energy of a minimised packing."""
    N = len(q)
    c = contact.contact_table(np.array(q, float), geom, L, EXPONENT, 1.0)
    nr = nonrattlers(c["i"], c["j"], N, 2)
    both = nr[c["i"]] & nr[c["j"]]
    pairs = {k: v[both] for k, v in c.items()}
    n_nr = int(nr.sum())
    energy = float(np.sum((1.0 - c["mu"]) ** 2) / 2.0)
    z = np.bincount(pairs["i"], minlength=N) + np.bincount(pairs["j"], minlength=N)
    return Structure(energy / N, int(both.sum()), n_nr, 2.0 * int(both.sum()) / max(n_nr, 1), nr,
                     pairs, z)


__all__ = ["jam", "minimize_ellipses", "structure", "Structure", "D_F"]
