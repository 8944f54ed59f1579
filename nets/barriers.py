"""The `barriers` system: paths between minima of the p-spin or of a net (docs/science.md, 10).

    from nets.barriers import default_config, run
    config = default_config(protocol="pspin", N=64, samples=2)      # or protocol="dnn", width=...
    run(config, sink)                     # sink: compare.records.RunWriter, or a Recording

The registry's module for this system (compare/registry.py). It lives in nets because it
dispatches to both landscapes: the p-spin's (physics/pspin_paths.py) and the nets'
(nets/paths.py, imported, with torch, only for protocol "dnn"); physics may not import nets, and
nets may import physics. The NEB itself is physics/paths.py's, one implementation for both.

The record (no time axis: t and tw are empty), samples first, pairs in physics.paths.pair_list
order; energies per degree of freedom as the system's `energy` is (p-spin: H/N; nets: the loss):

    barriers/s_linear [M]                s of the straight path (great circle: angle fraction)
    barriers/linear_energy [S, pairs, M] energy along the straight path (great circle)
    barriers/neb_energy [S, pairs, M]    energy along the NEB path; barriers/neb_s its arc coordinate
    barriers/linear_barrier, barriers/neb_barrier [S, pairs]
                                         max over the path minus the larger end (analysis.barrier_heights)
    barriers/neb_converged, neb_iterations, neb_climbing, neb_max_force, neb_max_perp_force [S, pairs]
    barriers/overlap, barriers/distance [S, pairs]   x_a . x_b / n and |x_a - x_b| of the two minima
    barriers/pairs [pairs, 2]            the indices (a, b) of each pair's minima
    barriers/minima_energy, minima_gradient, minima_converged [S, minima]
    barriers/minima_N_delta, minima_adam_steps [S, minima]   (dnn only)
    barriers/n_dof                       N spins or N weights
    barriers/extensive                   the factor from the energy to the extensive energy:
                                         N (H = N e) for the p-spin, P (summed loss) for nets;
                                         total barrier = extensive x barrier, per dof = that / n_dof
"""
from __future__ import annotations

import numpy as np

from physics import paths as PT
from physics.analysis import barrier_heights
from physics.observables import checkpoint, resume_state

from nets.barriers_config import (  # noqa: F401 (the system's interface)
    PROTOCOLS, SCHEMA, SYSTEM, default_config, n_dof, validate)

ROW_KEYS = ("linear_energy", "neb_energy", "neb_s", "overlap", "distance", "neb_max_force",
            "neb_max_perp_force", "neb_converged", "neb_iterations", "neb_climbing",
            "minima_energy", "minima_gradient", "minima_converged")
DNN_ROW_KEYS = ("minima_N_delta", "minima_adam_steps")


def sample_function(protocol: str):
    """The landscape's sample_paths(config, sample, tick) -> {name: array of that sample}; tick(units)
    reports progress: one unit a minimum and a pair (nets: and `minima` units of Adam)."""
    if protocol == "pspin":
        from physics.pspin_paths import sample_paths
    else:
        from nets.paths import sample_paths
    return sample_paths


def run(config: dict, sink, progress=None) -> dict:
    """Every sample's minima and paths into `sink` (the barriers/ group above); returns a summary.
    A checkpoint follows each sample; an interrupted run continues with the next sample."""
    validate(config)
    c = config
    S, K, M = int(c["samples"]), int(c["minima"]), int(c["images"])
    P = PT.pair_list(K)
    keys = ROW_KEYS + (DNN_ROW_KEYS if c["protocol"] == "dnn" else ())
    sink.begin([], [], samples=S)
    sink.put("barriers/s_linear", np.linspace(0.0, 1.0, M))
    sink.put("barriers/pairs", np.asarray(P, np.int64).reshape(len(P), 2))
    n = n_dof(c)
    sink.put("barriers/n_dof", np.int64(n))
    sink.put("barriers/extensive", np.float64(c["N"] if c["protocol"] == "pspin" else c["P"]))
    rows: dict[str, np.ndarray] = {}
    first = 0
    resume = resume_state(sink)
    if resume is not None:
        first = int(resume[1]["samples_done"])
        rows = {k: np.array(v) for k, v in resume[1]["rows"].items()}
    sample_paths = sample_function(c["protocol"])
    per_sample = K + len(P) + (K if c["protocol"] == "dnn" else 0)   # nets: Adam counts K units
    total, done = float(S * per_sample), [float(first * per_sample)]

    def tick(units: float = 1.0):
        done[0] += units
        if progress is not None:
            progress(done[0], total)

    for s in range(first, S):
        out = sample_paths(c, s, tick)
        for k in keys:
            v = np.asarray(out[k])
            if k not in rows:
                fill = -1 if v.dtype.kind in "iu" else np.nan
                rows[k] = np.full((S,) + v.shape, fill, dtype=v.dtype)
            rows[k][s] = v
            sink.put("barriers/" + k, rows[k])
        sink.put("barriers/linear_barrier", barrier_heights(rows["linear_energy"]))
        sink.put("barriers/neb_barrier", barrier_heights(rows["neb_energy"]))
        checkpoint(sink, s, lambda s=s: {"samples_done": s + 1,
                                         "rows": {k: v.copy() for k, v in rows.items()},
                                         "where": f"{s + 1} of {S} samples done"})
    lin, nb = barrier_heights(rows["linear_energy"]), barrier_heights(rows["neb_energy"])
    return {"n_dof": n, "linear_barrier": float(np.nanmean(lin)),
            "neb_barrier": float(np.nanmean(nb)) if np.isfinite(nb).any() else float("nan"),
            "neb_converged": float(np.mean(rows["neb_converged"] == 1))}
