"""Barriers along paths between minima (docs/science.md, section 10).

    barrier_heights(profiles)   max over the path minus the larger end value, per profile
    barrier(profiles, scale)    mean over profiles (pairs, samples) with its standard error;
                                scale = N gives the total from a profile per degree of freedom,
                                scale = 1/n the barrier per degree of freedom from a total
"""
from __future__ import annotations

import math

import numpy as np

from physics.analysis.estimate import Estimate, none


def barrier_heights(profiles) -> np.ndarray:
    """Barrier of each profile [..., M] (energies along a path, the ends being the two minima):
    max over the path minus the larger of the two end values, [...]; NaN for a profile with a
    non-finite value. Always >= 0 (the ends are on the path)."""
    E = np.asarray(profiles, float)
    if E.shape[-1] < 2:
        raise ValueError(f"a profile needs at least its two ends; got {E.shape[-1]} value(s)")
    out = E.max(axis=-1) - np.maximum(E[..., 0], E[..., -1])
    return np.where(np.isfinite(E).all(axis=-1), out, np.nan)


def barrier(profiles, scale: float = 1.0) -> Estimate:
    """Mean barrier (times `scale`) of the profiles [..., M] with its standard error over them
    (NaN error for one profile); extra: count, min, max, and the mean position s of the top in
    units of the image index (0 and 1 the ends)."""
    E = np.asarray(profiles, float)
    h = barrier_heights(E).ravel() * float(scale)
    ok = np.isfinite(h)
    if not ok.any():
        return none("no finite profile")
    h = h[ok]
    flat = E.reshape(-1, E.shape[-1])[ok]
    top = np.argmax(flat, axis=1) / (E.shape[-1] - 1)
    err = float(h.std(ddof=1) / math.sqrt(h.size)) if h.size > 1 else float("nan")
    return Estimate(float(h.mean()), err, window=(0.0, 1.0),
                    note=f"max minus the larger end, mean of {h.size} path(s)",
                    extra={"count": int(h.size), "min": float(h.min()), "max": float(h.max()),
                           "top_s": float(top.mean())})
