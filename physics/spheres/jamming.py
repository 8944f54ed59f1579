"""The jamming point of one packing and the structure at and above it (docs/science.md, section 3).

Compress-and-bisect (O'Hern, Silbert, Liu, Nagel, PRE 68, 011306, 2003): minimise with FIRE at a
packing fraction phi; the packing is jammed if E/N > e_tol (1e-16) once the forces vanish. Step up
(or down) in phi by dphi_start until a jammed and an unjammed packing bracket phi_J, then bisect,
always compressing the last unjammed packing affinely, until the bracket is below `tol`.

At phi_J (the jammed end of the bracket): contacts (pairs with r < sigma_ij), rattlers (removed
repeatedly while they have fewer than d + 1 contacts), Z = 2 contacts / N_nonrattlers, the
isostaticity check contacts = d (N_nr - 1) + 1, the gaps h = r/sigma_ij - 1 > 0 between
non-rattlers and the contact forces.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .fire import minimize
from .forces import pair_table, pressure
from .packing import packing_fraction, rescale


def nonrattlers(i: np.ndarray, j: np.ndarray, N: int, dim: int) -> np.ndarray:
    """Mask of non-rattlers: remove, repeatedly, particles with fewer than d + 1 contacts among
    the particles that are left. (i, j): the contact pairs."""
    keep = np.ones(N, bool)
    while True:
        both = keep[i] & keep[j]
        z = np.bincount(i[both], minlength=N) + np.bincount(j[both], minlength=N)
        drop = keep & (z < dim + 1)
        if not drop.any():
            return keep
        keep &= ~drop


@dataclass
class Structure:
    energy_per_particle: float
    pressure: float
    contacts: int            # contacts between non-rattlers
    n_nonrattlers: int
    Z: float                 # 2 contacts / N_nonrattlers
    isostatic_contacts: int  # d (N_nr - 1) + 1
    nonrattler: np.ndarray   # [N] bool
    pairs: dict              # contact pairs among non-rattlers: i, j, h, f

    @property
    def Z_iso(self) -> float:
        """Finite-N isostatic coordination 2 (d (N_nr - 1) + 1) / N_nr (-> 2d as N -> infinity)."""
        return 2.0 * self.isostatic_contacts / max(self.n_nonrattlers, 1)

    @property
    def isostatic(self) -> bool:
        return self.contacts == self.isostatic_contacts


def structure(pos, diam, L, alpha, energy=None) -> Structure:
    """Energy, pressure, contacts, rattlers and Z of a minimised packing."""
    N, dim = pos.shape
    c = pair_table(pos, diam, L, alpha, 0.0)
    nr = nonrattlers(c["i"], c["j"], N, dim)
    both = nr[c["i"]] & nr[c["j"]]
    pairs = {k: v[both] for k, v in c.items()}
    n_nr = int(nr.sum())
    if energy is None:
        h = c["h"]
        energy = float(np.sum((-h) ** alpha) / alpha)
    contacts = int(both.sum())
    return Structure(float(energy) / N, pressure(pos, diam, L, alpha), contacts, n_nr,
                     2.0 * contacts / max(n_nr, 1), dim * (n_nr - 1) + 1 if n_nr else 0, nr, pairs)


def gaps_and_forces(pos, diam, L, alpha, nonrattler, gap_max=0.5):
    """Gaps h = r/sigma_ij - 1 in (0, gap_max) between non-rattlers, and the contact forces
    between non-rattlers divided by their mean."""
    c = pair_table(pos, diam, L, alpha, gap_max)
    both = nonrattler[c["i"]] & nonrattler[c["j"]]
    h = c["h"][both]
    f = c["f"][both][h < 0]
    gaps = h[h > 0]
    return gaps, f / f.mean() if len(f) else f


def _within(progress, done, total, typical):
    """callback(steps) of one minimisation for progress(done + fraction, total): the fraction
    steps / (steps + typical) (typical: the mean steps of the minimisations so far) creeps
    towards 1, so that a long minimisation shows it is alive."""
    if progress is None:
        return None
    return lambda steps: progress(done + steps / (steps + typical), total)


@dataclass
class JammingResult:
    phi_J: float             # midpoint of the final bracket
    phi_lo: float            # unjammed end
    phi_hi: float            # jammed end
    pos: np.ndarray          # the jammed packing at phi_hi
    L: float
    minimisations: int
    fire_steps: int
    unconverged: int         # minimisations that hit max_steps


def find_phi_J(pos, diam, L, alpha=2.0, phi_start=0.80, dphi_start=1e-2, tol=1e-6,
               e_tol=1e-16, fire_kw=None, progress=None, max_minimisations=400,
               rescaler=None) -> JammingResult:
    """Compress-and-bisect from the packing (pos, L) first brought to phi_start.

    Other particles than spheres (physics.ellipses) pass rescaler(pos, L, phi) -> (pos', L') (the
    affine compression of their coordinates) and their FIRE model in fire_kw ("model", see
    fire.Minimisation); diam is then what their minimisation takes (the bounding diameters).

    From the last unjammed packing (lo) compress by `step`: unjammed -> it becomes lo; jammed ->
    it becomes hi and the step halves. Stop at a jammed packing made from lo with a step below
    tol, so both ends of the bracket belong to the same compression history. (If phi_start is
    already jammed, expand by dphi_start until unjammed first.)"""
    N, dim = pos.shape
    fire_kw = dict(fire_kw or {})
    fire_kw.setdefault("e_tol", e_tol)
    counts = {"n": 0, "steps": 0, "bad": 0}
    n_expected = 2 * int(np.ceil(np.log2(max(dphi_start / tol, 2.0)))) + 4
    if rescaler is None:
        def rescaler(p, l, phi):
            return rescale(p, l, diam, phi, dim)

    def relax(src_pos, src_L, phi):
        p, l = rescaler(src_pos, src_L, phi)
        total = max(n_expected, counts["n"] + 1)
        typical = counts["steps"] / counts["n"] if counts["n"] else 1000.0
        r = minimize(p, diam, l, alpha=alpha, callback=_within(progress, counts["n"], total, typical),
                     **fire_kw)
        counts["n"] += 1
        counts["steps"] += r.steps
        counts["bad"] += not r.converged
        if progress is not None:
            progress(counts["n"], max(n_expected, counts["n"] + 1))
        if counts["n"] > max_minimisations:
            raise RuntimeError("compress-and-bisect did not converge")
        return (phi, p, l), r.energy / N > e_tol

    state, jammed = relax(np.array(pos, float), L, float(phi_start))
    while jammed:  # start above jamming: expand the jammed packing
        state, jammed = relax(state[1], state[2], max(state[0] - dphi_start, 1e-3))
    lo, hi, step = state, None, float(dphi_start)
    while True:
        trial, jammed = relax(lo[1], lo[2], min(lo[0] + step, 0.99))
        if not jammed:
            lo = trial
            continue
        hi = trial
        if step < tol:
            break
        step *= 0.5
    return JammingResult(0.5 * (lo[0] + hi[0]), lo[0], hi[0], hi[1], hi[2], counts["n"],
                         counts["steps"], counts["bad"])


def compression_series(pos, L, diam, phi_J, dphis, alpha=2.0, fire_kw=None, at=None,
                       progress=None, each=None):
    """Compress the packing at phi_J step by step to phi_J + dphi for each dphi (ascending) and
    minimise. Returns E/N, pressure, Z - Z_iso (non-rattlers) per dphi, and the packing at the
    dphi nearest to `at` (for the normal modes). progress(done, len(dphis)) as it goes;
    each(k, pos, L, structure) after the k-th minimisation (e.g. its normal modes)."""
    N, dim = pos.shape
    fire_kw = dict(fire_kw or {})
    e, p, dz = (np.full(len(dphis), np.nan) for _ in range(3))
    keep = None
    k_at = None if at is None else int(np.argmin(np.abs(np.log(np.asarray(dphis) / at))))
    pos = pos.copy()
    steps = 0
    for k, dphi in enumerate(dphis):
        pos, L = rescale(pos, L, diam, phi_J + dphi, dim)
        r = minimize(pos, diam, L, alpha=alpha, callback=_within(progress, k, len(dphis),
                                                                 steps / k if k else 1000.0), **fire_kw)
        steps += r.steps
        s = structure(pos, diam, L, alpha, r.energy)
        e[k], p[k], dz[k] = s.energy_per_particle, s.pressure, s.Z - s.Z_iso
        if k == k_at:
            keep = (pos.copy(), L, s)
        if each is not None:
            each(k, pos, L, s)
        if progress is not None:
            progress(k + 1, len(dphis))
    return e, p, dz, keep


__all__ = ["nonrattlers", "structure", "gaps_and_forces", "find_phi_J", "compression_series",
           "packing_fraction"]
