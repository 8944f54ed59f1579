"""Particles, box and random start of a 2D soft-ellipse packing (docs/science.md, section 3.5).

The spheres' bidisperse mixture stretched along one axis: 50:50, minor axes 1.0 and 1.4
(physics.spheres.packing.make_diameters), major axes alpha times those. Lengths are in units of
the small minor axis, energies in eps; at alpha = 1 the particles are the spheres' exactly.
phi = sum of the ellipse areas pi a b / L^2. The state of a packing is q[N, 3] = (x, y, ell theta)
with ell = (a + b)/2 the particle's mean semi-axis (contact.py).
"""
from __future__ import annotations

import numpy as np

from physics.spheres import packing


def make_geom(N: int, alpha: float) -> np.ndarray:
    """geom[N, 3] = (a, b, ell): semi-major, semi-minor axis and the angle's length scale."""
    b = 0.5 * packing.make_diameters(N, "bidisperse")
    a = float(alpha) * b
    return np.stack([a, b, 0.5 * (a + b)], axis=1)


def areas(geom) -> np.ndarray:
    return np.pi * geom[:, 0] * geom[:, 1]


def box_side(geom, phi: float) -> float:
    return float((areas(geom).sum() / phi) ** (1.0 / 2))   # the spheres' formula (same bits at alpha = 1)


def packing_fraction(geom, L: float) -> float:
    return float(areas(geom).sum() / L ** 2)


def random_state(geom, L: float, rng) -> np.ndarray:
    """q[N, 3]: positions uniform in the box (drawn first, as the spheres' are, so that at
    alpha = 1 a seed gives the spheres' start), then angles uniform in [0, 2 pi)."""
    N = len(geom)
    pos = packing.random_positions(N, 2, L, rng)
    theta = rng.uniform(0.0, 2.0 * np.pi, N)
    return np.column_stack([pos, geom[:, 2] * theta])


def rescaler(geom):
    """rescale(q, L, phi) -> (q', L'): affine compression of the positions to packing fraction
    phi, the angles unchanged (what physics.spheres.jamming.find_phi_J takes)."""
    def rescale(q, L, phi):
        L_new = box_side(geom, phi)
        out = np.array(q, float)
        out[:, :2] *= L_new / L
        return out, L_new
    return rescale


def angles(q, geom) -> np.ndarray:
    return q[:, 2] / geom[:, 2]
