"""Jamming of nets (Geiger et al. PRE 2019; Spigler et al. 2019; shared/SCIENCE.md section 4).

At fixed data (P points, the same for every width of a sample) minimise the hinge loss at T = 0
for each width with Adam (step min_lr / (1 + step / decay_steps)), full batch, float64 by
default, until the net is fitted (N_Delta = 0: every margin Delta_mu <= delta_tol) or max_steps.
Record N_Delta and the final loss against N/P. N* is located as the papers do, lowering the width
at fixed P until N_Delta > 0.1 N: the geometric mean of the largest N with mean N_Delta/N > 0.1
and the next larger N in the sweep (NaN when the sweep does not bracket the transition).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from physics.config import check_memory

from nets.dynamics import Ensemble, adam_minimise
from nets.losses import LOSS_FUNCTIONS, margins, n_delta
from nets.models import Flat, build_model, count_weights, init_flat


def locate_n_star(N, ratio, threshold: float = 0.1) -> float:
    """Geometric midpoint between the largest N with ratio > threshold and the next N."""
    N, ratio = np.asarray(N, float), np.asarray(ratio, float)
    order = np.argsort(N)
    N, ratio = N[order], ratio[order]
    above = np.nonzero(ratio > threshold)[0]
    if len(above) == 0 or above[-1] == len(N) - 1:
        return float("nan")
    j = above[-1]
    return float(math.sqrt(N[j] * N[j + 1]))


def run_jamming(config: dict, sink, progress=None) -> dict:
    from nets.train import dtype_of, load_data, resolve_device, sample_seeds, in_shape

    c = config
    device, dtype = resolve_device(c["device"]), dtype_of(c)
    K, P = c["samples"], c["P"]
    widths = sorted(set(c["widths"]))
    m = len(widths)
    seeds = sample_seeds(c["seed"], c["first_sample"], K)
    X, Y, _, _ = load_data(c, seeds, device, dtype)

    sink.begin([], [], samples=K)
    Ns = []
    for w in widths:
        Ns.append(count_weights(dict(c, width=w), in_shape(c, X)))
    b = 8 if dtype == torch.float64 else 4
    check_memory(b * K * (6 * max(Ns) + 4 * P * max(widths) * c["depth"]), "widths",
                 "minimising the widest net")
    nd_final = np.full((K, m), np.nan)
    loss_final = np.full((K, m), np.nan)
    steps_used = np.zeros((K, m), np.int64)
    marg = np.full((K, m, P), np.nan)
    sink.put("dnn/widths", np.asarray(widths, np.int64))
    sink.put("dnn/N", np.asarray(Ns, np.int64))
    sink.put("dnn/P", np.int64(P))
    lossf = LOSS_FUNCTIONS[c["loss"]]
    total = m * c["max_steps"]
    for j, width in enumerate(widths):
        cj = dict(c, width=width)
        model = build_model(cj, in_shape(cj, X)).to(device=device, dtype=dtype)
        flat = Flat(model)
        gens = [torch.Generator(device=device).manual_seed(
            int(s["init_seq"].spawn(j + 1)[j].generate_state(1, np.uint64)[0] >> 1)) for s in seeds]
        W0 = torch.stack([init_flat(flat, cj, g) for g in gens]).to(dtype)
        ens = Ensemble(model, flat, c["loss"], c["l2"])
        prog = (lambda t, j=j: progress(j * c["max_steps"] + t, total)) if progress else None
        W, steps = adam_minimise(ens, W0, X, Y, c["min_lr"], c["decay_steps"], c["max_steps"],
                                 c["delta_tol"], progress=prog)
        with torch.no_grad():
            f = ens.outputs(W, X)
            marg[:, j] = margins(f, Y).cpu().numpy()
            nd_final[:, j] = n_delta(f, Y, c["delta_tol"]).cpu().numpy()
            loss_final[:, j] = lossf(f, Y).cpu().numpy()
            steps_used[:, j] = steps.cpu().numpy()
        sink.put("dnn/N_delta_final", nd_final)
        sink.put("dnn/loss_final", loss_final)
        sink.put("dnn/margins", marg)
        sink.put("dnn/steps", steps_used)
        if progress is not None:
            progress((j + 1) * c["max_steps"], total)
    ratio = nd_final.mean(0) / np.asarray(Ns, float)
    n_star = locate_n_star(Ns, ratio)
    sink.put("dnn/N_star", np.float64(n_star))
    return {"widths": widths, "N": Ns, "P": P, "N_delta_over_N": ratio.tolist(),
            "loss_final": loss_final.mean(0).tolist(), "N_star": n_star,
            "N_star_over_P": n_star / P, "steps": steps_used.mean(0).tolist()}
