"""Barriers between minima of the spherical p-spin (docs/science.md, sections 2 and 10).

Per sample (one disorder realisation, its couplings drawn as physics.pspin draws them, in float64):
`minima` random starts on the sphere |s|^2 = N, each quenched by T = 0 gradient descent along
geodesics (physics.pspin.Langevin at T = 0, dt, for a time descent_t: the protocol of
docs/science.md section 2), then taken to a minimum by FIRE on the sphere until the largest
component of the projected gradient is below min_tol (physics.paths.minimise). Between every pair
of minima: the energy along the great circle, and the minimum-energy path by a nudged elastic
band with a climbing image on the sphere (physics.paths.neb with the Sphere constraint), started
from the great circle.

Energies in the record are per spin, e = H/N; the barrier per spin is Delta e, the total barrier
N Delta e (barriers/extensive = N). The gradient handed to the paths is that of the total H
(forces of order 1 per spin, the tolerances' unit). H comes from the force: s . grad H = p H for
a pure p-spin, so H = -s . F / p (no second pass over the couplings).
"""
from __future__ import annotations

import math

import numpy as np

from physics import paths as PT
from physics.pspin import Couplings, Langevin, random_sphere


def energy_grad(couplings: Couplings, p: int):
    """X [R, N] -> (H [R], grad H [R, N]) of a pure p-spin, float64."""
    def eg(X):
        X = np.atleast_2d(np.asarray(X, float))
        F = couplings.force(X)
        return -np.einsum("ij,ij->i", X, F) / p, -F
    return eg


def find_minimum(couplings: Couplings, p: int, s0, c: dict, rng):
    """The minimum reached from s0: gradient descent (T = 0) for descent_t, then FIRE on the sphere
    to min_tol. Returns (s, e = H/N, largest projected-gradient component, converged)."""
    N = len(s0)
    lang = Langevin(couplings, np.asarray(s0, float)[None], 0.0, float(c["dt"]), rng)
    lang.step(int(round(c["descent_t"] / c["dt"])))
    s, H, out = PT.minimise(lang.X[0], energy_grad(couplings, p), f_tol=c["min_tol"],
                            max_steps=c["min_steps"], dt=0.05, dt_max=0.5, max_move=0.5,
                            constraint=PT.Sphere(math.sqrt(N)))
    return s, H / N, out.fmax, out.converged


def sample_paths(c: dict, sample: int, tick=None) -> dict:
    """Minima, great-circle profiles and NEB paths of sample `sample` (its own disorder and starts,
    from SeedSequence(seed).spawn(samples)[sample]): a dict of the record's arrays for that row."""
    N, p = int(c["N"]), int(c["p"])
    seq = np.random.SeedSequence(int(c["seed"])).spawn(int(c["samples"]))[sample]
    rng = np.random.default_rng(seq)
    couplings = Couplings.generate(N, {p: 1.0}, rng, precision="float64")
    eg = energy_grad(couplings, p)
    sphere = PT.Sphere(math.sqrt(N))
    mins, e_min, g_min, ok_min = [], [], [], []
    for _ in range(int(c["minima"])):
        s, e, g, ok = find_minimum(couplings, p, random_sphere(N, rng), c, rng)
        mins.append(s), e_min.append(e), g_min.append(g), ok_min.append(ok)
        if tick is not None:
            tick()
    out = PT.join_minima(mins, eg, int(c["images"]),
                         path=lambda xa, xb, n: PT.great_circle_path(xa, xb, n, sphere.radius),
                         scale=N, tick=tick, max_move=0.5, constraint=sphere, **PT.band_options(c))
    out.update(minima_energy=np.array(e_min), minima_gradient=np.array(g_min),
               minima_converged=np.array(ok_min, np.int64))
    return out
