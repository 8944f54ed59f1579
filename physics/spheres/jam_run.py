"""The jam protocol of physics.spheres: independent packings one after another (docs/science.md,
section 3; the datasets it records are listed in physics/spheres/__init__.py).

One packing: compress-and-bisect to phi_J (the first 70 % of its progress), its structure, gaps
and forces, the compression series (to 90 %), the normal modes at phi_J + hessian_dphi (the
rest). Every long phase returns to Python at least every fraction of a second (FIRE runs in
chunks, the eigensolver off the main thread), so Ctrl-C is seen at once and the progress bar moves
within a packing.

After each packing a checkpoint (docs/design.md, section 3.4): how many are done, the lengths of
their gaps and forces, their wall-clock times. A resumed run reads the finished packings from the
record's data and goes on with the next one; every packing has its own random stream and FIRE
and the eigensolvers are deterministic, so the record is the one an uninterrupted run writes.
"""
from __future__ import annotations

import math
import time

import numpy as np

from physics.config import check_memory
from physics.observables import checkpoint, resume_state

from . import packing
from .jamming import compression_series, find_phi_J, gaps_and_forces, structure
from .modes import eigenvalues, hessian

PER_SAMPLE = ("phi_J", "phi_lo", "phi_hi", "Z", "contacts", "N_nonrattlers", "isostatic",
              "energy_J", "pressure_J", "fire_steps")
"""spheres/<name> [S]: one number per packing."""
BISECT, SERIES = 0.7, 0.9
"""Progress within a packing at the end of compress-and-bisect and of the compression series."""


class JamRecord:
    """The arrays of the jam protocol, filled packing by packing and put into the sink whole."""

    def __init__(self, cfg: dict, dphis: np.ndarray):
        N, dim, S = cfg["N"], cfg["dim"], cfg["samples"]
        n_dof = dim * N
        self.dphis = dphis
        self.per = {k: np.full(S, np.nan) for k in PER_SAMPLE}
        self.series = {k: np.full((S, len(dphis)), np.nan) for k in ("energy_dphi", "pressure", "Z_excess")}
        self.eigs = np.full((S, n_dof if n_dof <= cfg["dense_max"] else cfg["n_modes"]), np.nan)
        self.eigs_series = (np.full((S, len(dphis), self.eigs.shape[1]), np.nan)
                            if cfg.get("modes_series", False) else None)   # a late key (__init__)
        self.positions, self.diams = np.zeros((S, N, dim)), np.zeros((S, N))
        self.box, self.nonr = np.zeros(S), np.zeros((S, N), bool)
        self.gaps, self.forces = [], []
        self.seconds = np.full(S, np.nan)      # wall-clock time per packing: metadata, not data

    def restore(self, sink, saved: dict) -> int:
        """Take the finished packings from a resumed record (its data may hold later packings
        too, measured after the checkpoint: they are measured again); returns how many."""
        done = int(saved["sample"])
        for k in PER_SAMPLE:
            self.per[k][:done] = sink[f"spheres/{k}"][:done]
        for k, arr in self.series.items():
            arr[:done] = sink[f"spheres/{k}"][:done]
        for arr, name in ((self.eigs, "eigenvalues"), (self.positions, "positions"),
                          (self.diams, "diameters"), (self.box, "box"), (self.nonr, "nonrattler")):
            arr[:done] = sink[f"spheres/{name}"][:done]
        if self.eigs_series is not None:
            self.eigs_series[:done] = sink["spheres/eigenvalues_series"][:done]
        for parts, name in ((self.gaps, "gaps"), (self.forces, "forces")):
            ends = np.cumsum([0] + [int(n) for n in saved[f"n_{name}"]])
            parts[:] = [np.asarray(sink[f"spheres/{name}"])[a:b] for a, b in zip(ends[:-1], ends[1:])]
        self.seconds[:done] = np.asarray(saved["seconds"], float)[:done]
        return done

    def state(self, done: int) -> dict:
        """The checkpoint after `done` packings."""
        S = len(self.box)
        return {"sample": done, "n_gaps": [len(g) for g in self.gaps],
                "n_forces": [len(f) for f in self.forces], "seconds": self.seconds[:done].copy(),
                "where": f"packing {done + 1} of {S} ({done} done)"}

    def store(self, s: int, one: dict) -> None:
        for k in PER_SAMPLE:
            self.per[k][s] = one[k]
        for k, arr in self.series.items():
            arr[s] = one[k]
        ev = one["eigenvalues"]
        self.eigs[s, :len(ev)] = ev[: self.eigs.shape[1]]
        if self.eigs_series is not None:
            for k, ev in enumerate(one["eigenvalues_series"]):
                self.eigs_series[s, k, :len(ev)] = ev[: self.eigs.shape[1]]
        self.positions[s], self.diams[s], self.box[s], self.nonr[s] = (
            one["positions"], one["diameters"], one["box"], one["nonrattler"])
        self.gaps.append(one["gaps"])
        self.forces.append(one["forces"])

    def put(self, sink) -> None:
        for k, v in self.per.items():
            sink.put(f"spheres/{k}", v)
        sink.put("spheres/dphi", self.dphis)
        for k, v in self.series.items():
            sink.put(f"spheres/{k}", v)
        sink.put("spheres/eigenvalues", self.eigs)
        if self.eigs_series is not None:
            sink.put("spheres/eigenvalues_series", self.eigs_series)
        sink.put("spheres/gaps", np.concatenate(self.gaps))
        sink.put("spheres/forces", np.concatenate(self.forces))
        sink.put("spheres/positions", self.positions)
        sink.put("spheres/diameters", self.diams)
        sink.put("spheres/box", self.box)
        sink.put("spheres/nonrattler", self.nonr.astype(np.int8))

    def summary(self) -> dict:
        per, S = self.per, len(self.box)
        ok = per["N_nonrattlers"] > 0
        return {
            "phi_J": float(np.mean(per["phi_J"])),
            "phi_J_sem": float(np.std(per["phi_J"], ddof=1) / math.sqrt(S)) if S > 1 else float("nan"),
            "Z": float(np.mean(per["Z"][ok])),
            "isostatic_fraction": float(np.mean(per["isostatic"])),
            "contacts": float(np.mean(per["contacts"])),
            "N_nonrattlers": float(np.mean(per["N_nonrattlers"])),
            "fire_steps": float(np.mean(per["fire_steps"])),
            "time_per_sample_s": float(np.mean(self.seconds)),
        }


def one_packing(cfg, diam, pos, L, dphis, fire_kw, progress) -> dict:
    """Jamming point, structure, compression series and normal modes of one packing from the
    random positions `pos` in the box of side L. progress(fraction of this packing)."""
    alpha = float(cfg["alpha"])

    def part(lo, hi):
        return lambda done, total: progress(lo + (hi - lo) * min(done / total, 1.0))
    series = []          # modes_series: the eigenvalues at every phi_J + dphi of the series

    def modes_at(k, p, l, s):
        series.append(eigenvalues(hessian(p, diam, l, alpha, s.nonrattler), cfg["dense_max"],
                                  cfg["n_modes"], tick=lambda: None))
    jr = find_phi_J(pos, diam, L, alpha, packing.phi_start(cfg), cfg["dphi_start"], cfg["tol"],
                    cfg["e_tol"], fire_kw, part(0.0, BISECT))
    st = structure(jr.pos, diam, jr.L, alpha)
    gaps, forces = gaps_and_forces(jr.pos, diam, jr.L, alpha, st.nonrattler, cfg["gap_max"])
    e, p, dz, (pos_m, L_m, st_m) = compression_series(jr.pos, jr.L, diam, jr.phi_J, dphis, alpha,
                                                      fire_kw, at=cfg["hessian_dphi"],
                                                      progress=part(BISECT, SERIES),
                                                      each=modes_at if cfg.get("modes_series") else None)
    ev = eigenvalues(hessian(pos_m, diam, L_m, alpha, st_m.nonrattler), cfg["dense_max"],
                     cfg["n_modes"], tick=lambda: progress(SERIES))
    return dict(phi_J=jr.phi_J, phi_lo=jr.phi_lo, phi_hi=jr.phi_hi, Z=st.Z, contacts=st.contacts,
                N_nonrattlers=st.n_nonrattlers, isostatic=float(st.isostatic),
                energy_J=st.energy_per_particle, pressure_J=st.pressure, fire_steps=jr.fire_steps,
                energy_dphi=e, pressure=p, Z_excess=dz, eigenvalues=ev, gaps=gaps, forces=forces,
                positions=jr.pos, diameters=diam, box=jr.L, nonrattler=st.nonrattler,
                eigenvalues_series=series)


def run_jam(cfg: dict, sink, progress=None) -> dict:
    """The jam protocol (cfg validated): every packing, a checkpoint after each."""
    N, dim, S = cfg["N"], cfg["dim"], cfg["samples"]
    n_dof = dim * N
    dense = n_dof <= cfg["dense_max"]
    check_memory(3 * 8.0 * n_dof ** 2 if dense else 8.0 * n_dof * 60, "N",
                 f"N = {N} (the {'dense' if dense else 'sparse'} Hessian of {n_dof} degrees of freedom)")
    sink.begin([], [], samples=S)
    dphis = np.logspace(math.log10(cfg["dphi_min"]), math.log10(cfg["dphi_max"]), cfg["n_dphi"])
    rec = JamRecord(cfg, dphis)
    resume = resume_state(sink)
    first = rec.restore(sink, resume[1]) if resume is not None else 0
    meta = getattr(sink, "meta", None)
    for s, rng in enumerate(packing.streams(cfg)):
        if s < first:
            continue
        t0 = time.time()
        diam = packing.diameters(cfg, rng)
        L = packing.box_side(diam, packing.phi_start(cfg), dim)
        pos = packing.random_positions(N, dim, L, rng)
        one = one_packing(cfg, diam, pos, L, dphis, packing.fire_kwargs(cfg),
                          lambda f, s=s: progress(s + f, S) if progress is not None else None)
        rec.seconds[s] = time.time() - t0
        if meta is not None:
            meta("spheres/time_s", rec.seconds.copy())
        rec.store(s, one)
        rec.put(sink)
        checkpoint(sink, s, lambda s=s: rec.state(s + 1))
        if progress is not None:
            progress(s + 1, S)
    return rec.summary()
