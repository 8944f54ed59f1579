"""The contact network of a jammed packing split into bucklers and extended contacts
(docs/science.md, section 3).

Charbonneau, Corwin, Parisi & Zamponi (PRL 114, 125504, 2015) separate the small forces of a
jammed packing into two families: those of BUCKLERS, particles (rattlers removed) with exactly
d + 1 contacts, almost all on one hemisphere, whose weakest contact opens by a localised buckling
motion and gives P_l(f) ~ f^theta_l, theta_l = 0.17; and the others, the EXTENDED contacts, whose
P_e(f) ~ f^theta_e, theta_e = 0.42 is the mean-field exponent. The full P(f) is a mixture whose
smallest forces are dominated by the bucklers.

The definition used here: after the rattlers are removed (jamming.nonrattlers, repeatedly fewer
than d + 1 contacts), a buckler is a non-rattler with exactly d + 1 contacts among the
non-rattlers; a contact is a buckler contact when EITHER of its two particles is a buckler, and
extended when neither is. Forces are divided by the mean force of ALL the packing's non-rattler
contacts (the normalisation of jamming.gaps_and_forces), so that the two families share one axis
and their pooled union is the recorded spheres/forces.

Pure functions of positions, diameters, box and the non-rattler mask (a record holds all four).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .cells import min_image_array
from .forces import pair_table
from .jamming import nonrattlers


def coordination(i, j, N: int, keep=None) -> np.ndarray:
    """Contacts per particle [N] from the contact pairs (i, j), counting only pairs whose both
    particles are in `keep` (mask; default all)."""
    i, j = np.asarray(i, np.int64), np.asarray(j, np.int64)
    both = np.ones(i.size, bool) if keep is None else (np.asarray(keep, bool)[i] & np.asarray(keep, bool)[j])
    return np.bincount(i[both], minlength=N) + np.bincount(j[both], minlength=N)


def bucklers(i, j, N: int, dim: int, keep=None) -> np.ndarray:
    """Mask [N] of bucklers: particles of `keep` (default: the non-rattlers of (i, j)) with
    exactly dim + 1 contacts among the particles of `keep`."""
    keep = nonrattlers(np.asarray(i), np.asarray(j), N, dim) if keep is None else np.asarray(keep, bool)
    return keep & (coordination(i, j, N, keep) == dim + 1)


def net_forces(pos, L: float, i, j, f) -> np.ndarray:
    """Net contact force on each particle [N, d]: sum over its contacts of f_ij n_ij, n_ij the
    unit vector from j to i (repulsion). Zero on every particle of a packing in mechanical
    equilibrium (force balance)."""
    pos = np.asarray(pos, float)
    i, j, f = np.asarray(i, np.int64), np.asarray(j, np.int64), np.asarray(f, float)
    dx = min_image_array(pos[i] - pos[j], L)
    n = dx / np.sqrt((dx * dx).sum(1))[:, None]
    out = np.zeros_like(pos)
    np.add.at(out, i, f[:, None] * n)
    np.add.at(out, j, -f[:, None] * n)
    return out


@dataclass
class ContactSplit:
    """The non-rattler contacts of one packing, split into buckler and extended contacts."""
    i: np.ndarray            # [M] contact pairs among non-rattlers
    j: np.ndarray
    f: np.ndarray            # [M] force magnitudes over their mean
    buckler_contact: np.ndarray  # [M] bool: either particle is a buckler
    z: np.ndarray            # [N] contacts per particle among non-rattlers (0 for rattlers)
    nonrattler: np.ndarray   # [N] bool
    buckler: np.ndarray      # [N] bool
    mean_force: float        # the raw mean force the forces were divided by

    @property
    def extended(self) -> np.ndarray:
        """Forces of the extended contacts (neither particle a buckler), over the mean force."""
        return self.f[~self.buckler_contact]

    @property
    def local(self) -> np.ndarray:
        """Forces of the buckler contacts, over the mean force."""
        return self.f[self.buckler_contact]

    @property
    def counts(self) -> dict:
        """Non-rattlers, bucklers, contacts, buckler and extended contacts."""
        return {"nonrattlers": int(self.nonrattler.sum()), "bucklers": int(self.buckler.sum()),
                "contacts": int(self.f.size), "buckler_contacts": int(self.buckler_contact.sum()),
                "extended_contacts": int((~self.buckler_contact).sum())}


def split_contacts(pos, diam, L: float, alpha: float = 2.0, nonrattler=None) -> ContactSplit:
    """The contacts (r < sigma_ij) between non-rattlers of a minimised packing, their forces
    over the mean and which belong to bucklers. nonrattler: the recorded mask (default: computed
    here by jamming.nonrattlers)."""
    pos, diam = np.asarray(pos, float), np.asarray(diam, float)
    N, dim = pos.shape
    c = pair_table(pos, diam, float(L), float(alpha), 0.0)
    keep = nonrattlers(c["i"], c["j"], N, dim) if nonrattler is None else np.asarray(nonrattler, bool)
    both = keep[c["i"]] & keep[c["j"]]
    i, j, f = c["i"][both], c["j"][both], c["f"][both]
    z = coordination(i, j, N)
    buck = bucklers(i, j, N, dim, keep)
    mean = float(f.mean()) if f.size else float("nan")
    return ContactSplit(i, j, f / mean if f.size else f, buck[i] | buck[j], z, keep, buck, mean)


def pooled_split(positions, diameters, box, nonrattler, alpha: float = 2.0) -> dict:
    """split_contacts of every packing of a record (positions [S, N, d], diameters [S, N],
    box [S], nonrattler [S, N]), pooled: "extended" and "local" forces (each packing's over its
    own mean), and per packing the counts (ContactSplit.counts, lists)."""
    ext, loc, counts = [], [], []
    for s in range(len(box)):
        sp = split_contacts(positions[s], diameters[s], float(box[s]), alpha,
                            np.asarray(nonrattler[s]).astype(bool))
        ext.append(sp.extended)
        loc.append(sp.local)
        counts.append(sp.counts)
    cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0))
    return {"extended": cat(ext), "local": cat(loc),
            "counts": {k: [c[k] for c in counts] for k in (counts[0] if counts else {})}}


__all__ = ["coordination", "bucklers", "net_forces", "ContactSplit", "split_contacts", "pooled_split"]
