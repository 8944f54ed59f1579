"""Particles, box and random start of a soft-sphere packing (docs/science.md, section 3).

Lengths are in units of the smallest diameter of the standard mixtures (bidisperse: diameters 1.0
and 1.4, 50:50; monodisperse: 1.0), energies in units of the pair stiffness eps. The box is a
periodic square (2D) or cube (3D) of side L; phi = sum of particle volumes / L^d.
"""
from __future__ import annotations

import math

import numpy as np

MIXTURES = ("bidisperse", "monodisperse", "polydisperse")
BIDISPERSE_RATIO = 1.4


def ball_volume(diameters: np.ndarray, dim: int) -> np.ndarray:
    """Volume (area in 2D) of balls of the given diameters."""
    r = np.asarray(diameters, float) / 2.0
    return np.pi * r * r if dim == 2 else (4.0 / 3.0) * np.pi * r ** 3


def make_diameters(N: int, mixture: str = "bidisperse", polydispersity: float = 0.0,
                   radii=None, rng: np.random.Generator | None = None) -> np.ndarray:
    """Diameters of N particles.

    bidisperse: N//2 of diameter 1.0, the rest 1.4 (ratio 1.4, 50:50). monodisperse: all 1.0.
    polydisperse: uniform distribution of mean 1 and relative standard deviation `polydispersity`.
    radii: a list of radii given by the user, assigned cyclically (particle i gets radii[i % k]);
    it overrides `mixture`.
    """
    if radii is not None and len(radii) > 0:
        r = np.asarray(radii, float)
        return 2.0 * r[np.arange(N) % len(r)]
    if mixture == "bidisperse":
        return np.where(np.arange(N) < N // 2, 1.0, BIDISPERSE_RATIO)
    if mixture == "monodisperse":
        return np.ones(N)
    if mixture == "polydisperse":
        rng = np.random.default_rng(0) if rng is None else rng
        half = math.sqrt(3.0) * polydispersity  # uniform on [1 - half, 1 + half] has std polydispersity
        return 1.0 + half * (2.0 * rng.random(N) - 1.0)
    raise ValueError(f"unknown mixture {mixture!r}; one of {MIXTURES}")


def box_side(diameters: np.ndarray, phi: float, dim: int) -> float:
    """Side L of the periodic box holding these particles at packing fraction phi."""
    return float((ball_volume(diameters, dim).sum() / phi) ** (1.0 / dim))


def packing_fraction(diameters: np.ndarray, L: float, dim: int) -> float:
    return float(ball_volume(diameters, dim).sum() / L ** dim)


def random_positions(N: int, dim: int, L: float, rng: np.random.Generator) -> np.ndarray:
    """Positions uniform in the box [0, L)^d (an infinite-temperature start), shape [N, d]."""
    return rng.uniform(0.0, L, (N, dim))


def rescale(pos: np.ndarray, L: float, diameters: np.ndarray, phi: float, dim: int):
    """Affine compression (or expansion) to packing fraction phi: returns (new positions, new L)."""
    L_new = box_side(diameters, phi, dim)
    return pos * (L_new / L), L_new


# ----------------------------------------------------------------------------- from a config

def diameters(cfg: dict, rng) -> np.ndarray:
    """The diameters of a spheres config (N, mixture, polydispersity, radii)."""
    return make_diameters(cfg["N"], cfg["mixture"], cfg["polydispersity"], cfg["radii"], rng)


def phi_start(cfg: dict) -> float:
    """The packing fraction compress-and-bisect starts from (0.80 in 2D, 0.60 in 3D by default)."""
    return cfg["phi_start"] or (0.80 if cfg["dim"] == 2 else 0.60)


def fire_kwargs(cfg: dict) -> dict:
    """The FIRE settings of a spheres config, as physics.spheres.fire.minimize takes them."""
    return dict(dt_start=cfg["fire_dt"], dt_max=cfg["fire_dt_max"], e_tol=cfg["e_tol"],
                f_tol=cfg["f_tol"], max_steps=int(cfg["max_steps"]), skin=cfg["skin"])


def streams(cfg: dict) -> list:
    """One random generator per sample, spawned from the config's seed."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(cfg["seed"]).spawn(cfg["samples"])]
