"""Jamming of nets (Geiger et al. PRE 2019; Spigler et al. 2019; docs/science.md section 4).

At fixed data (P points, the same for every width of a sample) minimise the hinge loss at T = 0
for each width with Adam (step min_lr / (1 + step / decay_steps)), full batch, float64 by
default, until the net is fitted (N_Delta = 0: every margin Delta_mu <= delta_tol) or max_steps.
Record N_Delta and the final loss against N/P. N* is located as the papers do, lowering the width
at fixed P until N_Delta > 0.1 N, by the one estimator physics.analysis.n_star (the crossing of
mean N_Delta/N = 0.1, log-interpolated between the bracketing widths; NaN when the sweep does not
bracket the transition).

Dead constraints: a bias-free ReLU net whose last hidden layer is silent at an input x_mu gives
f(x_mu) = 0 exactly, with zero gradient: Delta_mu = 1, a constraint that no weight change nearby
can satisfy and that exerts no force. They are counted apart (dnn/N_dead_final [S, m], f = 0
exactly), left out of N_Delta when N* is located (the live count N_Delta - N_dead), and the
minimiser stops once every LIVE constraint is satisfied (nets.minimiser.adam_minimise).

The minima: per width the energy E = loss + l2 |w|^2 / 2 of each sample's final weights
(dnn/energy_final [S, m]; dnn/loss_final is the data loss alone) and the Euclidean distances
between the samples' final weight vectors (dnn/minima_distances [S, m, S], samples first like
dnn/margins). Test error of each net (dnn/test_error_final [S, m]) and, with shared_data, of the
ensemble average of their outputs (dnn/ensemble_test_error [m]): the generalisation cusp at N*
(Spigler et al. 2019) and its removal by averaging (Geiger et al. 2020). The live N_Delta at
log-spaced steps (dnn/N_delta_steps, dnn/N_live_at [S, m, steps]): N* against the minimisation
length. With shared_data the samples are minimisations of ONE landscape from different
initialisations, and the distances say whether they end in one minimum: topology trivialisation,
where a large l2 leaves only w = 0 (loss 1/2, every Delta = 1; Kerr Winter & Janssen 2024,
docs/science.md section 7). With l2 > 0 every width runs max_steps (a fitted net is no minimum).
With hessian_at_end (a late key, default off) each sample's final net also gets every eigenvalue
of the hinge loss's Hessian H and of its split H = H0 + Hp (dnn/jam_hessian_eigs, ...0_eigs,
...p_eigs [S, m, N], rank of H0 [S, m]; nets.hessian.HessianAtEnd), for widths with N <=
hessian_full_max.

Stationarity stop (config stall_from > 0, without L2): from that step on a jammed net also stops
once its loss fell by at most stall_rtol over the second half of its run and its live N_Delta
did not fall beyond its flicker (nets.minimiser.Stall); dnn/steps records where each net stopped.
"""
from __future__ import annotations

import numpy as np
import torch

from physics.analysis import n_star as estimate_n_star
from physics.observables import checkpoint, resume_state

from nets.config import check_jamming_memory, count_weights, setting
from nets.dynamics import Ensemble
from nets.minimiser import adam_minimise
from nets.hessian import HessianAtEnd
from nets.losses import LOSS_FUNCTIONS, accuracy, margins, n_dead, n_delta
from nets.models import Flat, build_model, init_flat
from nets.setup import dtype_of, in_shape, load_data, resolve_device, sample_seeds


def run_jamming(config: dict, sink, progress=None) -> dict:
    c = config
    device, dtype = resolve_device(c["device"]), dtype_of(c)
    K, P = c["samples"], c["P"]
    widths = sorted(set(c["widths"]))
    m = len(widths)
    seeds = sample_seeds(c["seed"], c["first_sample"], K)
    X, Y, Xt, Yt = load_data(c, seeds, device, dtype)
    shared = bool(c.get("shared_data"))

    sink.begin([], [], samples=K)
    Ns = []
    for w in widths:
        Ns.append(count_weights(dict(c, width=w), in_shape(c, X)))
    check_jamming_memory(c, max(Ns))   # validate() checked the fc nets already; this counts conv nets
    nd_final = np.full((K, m), np.nan)
    dead_final = np.full((K, m), np.nan)
    loss_final = np.full((K, m), np.nan)
    steps_used = np.zeros((K, m), np.int64)
    marg = np.full((K, m, P), np.nan)
    energy_final = np.full((K, m), np.nan)
    dist = np.full((K, m, K), np.nan)
    test_error = np.full((K, m), np.nan)
    ensemble_error = np.full(m, np.nan)
    at = snapshot_steps(c["max_steps"])
    live_at = np.full((K, m, at.size), np.nan)
    sink.put("dnn/widths", np.asarray(widths, np.int64))
    sink.put("dnn/N", np.asarray(Ns, np.int64))
    sink.put("dnn/P", np.int64(P))
    lossf = LOSS_FUNCTIONS[c["loss"]]
    total = m * c["max_steps"]
    first = 0
    resume = resume_state(sink)
    hess = (HessianAtEnd(Ns, K, c["hessian_full_max"])          # the split H = H0 + Hp at the end
            if setting(c, "hessian_at_end") else None)
    if resume is not None:      # an interrupted sweep: the widths it finished are not run again
        saved = resume[1]
        first = int(saved["widths_done"])
        if hess is not None:
            hess.restore(saved)
        nd_final[:], loss_final[:] = saved["N_delta_final"], saved["loss_final"]
        steps_used[:], marg[:] = saved["steps"], saved["margins"]
        if "energy_final" in saved:     # a checkpoint from before these were recorded: NaN
            energy_final[:], dist[:] = saved["energy_final"], saved["minima_distances"]
        if "N_dead_final" in saved:
            dead_final[:] = saved["N_dead_final"]
        if "test_error" in saved:
            test_error[:], ensemble_error[:], live_at[:] = (saved["test_error"], saved["ensemble_error"],
                                                            saved["N_live_at"])

    def state(j):
        return {"widths_done": j + 1, "N_delta_final": nd_final.copy(), "loss_final": loss_final.copy(),
                "steps": steps_used.copy(), "margins": marg.copy(),
                "energy_final": energy_final.copy(), "minima_distances": dist.copy(),
                "N_dead_final": dead_final.copy(), "test_error": test_error.copy(),
                "ensemble_error": ensemble_error.copy(), "N_live_at": live_at.copy(),
                "where": f"{j + 1} of {m} widths done", **(hess.state() if hess else {})}

    for j, width in enumerate(widths):
        if j < first:
            for s in seeds:     # SeedSequence.spawn counts its children: keep the count a full
                s["init_seq"].spawn(j + 1)    # sweep would have, so later widths get the same init
            continue
        cj = dict(c, width=width)
        model = build_model(cj, in_shape(cj, X)).to(device=device, dtype=dtype)
        flat = Flat(model)
        gens = [torch.Generator(device=device).manual_seed(
            int(s["init_seq"].spawn(j + 1)[j].generate_state(1, np.uint64)[0] >> 1)) for s in seeds]
        W0 = torch.stack([init_flat(flat, cj, g) for g in gens]).to(dtype)
        ens = Ensemble(model, flat, c["loss"], c["l2"])
        prog = (lambda t, j=j: progress(j * c["max_steps"] + t, total)) if progress else None
        def observe(t, W, j=j):
            k = np.searchsorted(at, t)
            if k < at.size and at[k] == t:
                f = ens.outputs(W, X)
                live_at[:, j, k] = (n_delta(f, Y, c["delta_tol"]) - n_dead(f)).cpu().numpy()

        W, steps = adam_minimise(ens, W0, X, Y, c["min_lr"], c["decay_steps"], c["max_steps"],
                                 c["delta_tol"], progress=prog, observe=observe,
                                 stall_from=setting(c, "stall_from"), stall_rtol=setting(c, "stall_rtol"))
        with torch.no_grad():
            f = ens.outputs(W, X)
            marg[:, j] = margins(f, Y).cpu().numpy()
            nd_final[:, j] = n_delta(f, Y, c["delta_tol"]).cpu().numpy()
            dead_final[:, j] = n_dead(f).cpu().numpy()
            loss_final[:, j] = lossf(f, Y).cpu().numpy()
            energy_final[:, j] = loss_final[:, j] + 0.5 * c["l2"] * (W * W).sum(1).cpu().numpy()
            dist[:, j] = pairwise_distances(W).cpu().numpy()
            steps_used[:, j] = steps.cpu().numpy()
            live = (nd_final[:, j] - dead_final[:, j])[:, None]
            live_at[:, j] = np.where(np.isnan(live_at[:, j]), live, live_at[:, j])   # stopped: frozen
            ft = ens.outputs(W, Xt)
            test_error[:, j] = 1.0 - accuracy(ft, Yt).cpu().numpy()
            if shared:        # one test set: the ensemble average of the K nets' outputs
                ensemble_error[j] = 1.0 - float(accuracy(ft.mean(0), Yt[0]))
        sink.put("dnn/N_delta_final", nd_final)
        sink.put("dnn/N_dead_final", dead_final)
        sink.put("dnn/loss_final", loss_final)
        sink.put("dnn/energy_final", energy_final)
        sink.put("dnn/minima_distances", dist)
        sink.put("dnn/margins", marg)
        sink.put("dnn/steps", steps_used)
        sink.put("dnn/test_error_final", test_error)
        sink.put("dnn/ensemble_test_error", ensemble_error)
        sink.put("dnn/N_delta_steps", at)
        sink.put("dnn/N_live_at", live_at)
        if hess is not None:
            hess.measure(j, ens, W, X, Y)
            hess.put(sink)
        checkpoint(sink, j, lambda j=j: state(j))
        if progress is not None:
            progress((j + 1) * c["max_steps"], total)
    ratio = (nd_final - dead_final).mean(0) / np.asarray(Ns, float)
    n_star = estimate_n_star(Ns, ratio).value
    sink.put("dnn/N_star", np.float64(n_star))
    return {"widths": widths, "N": Ns, "P": P, "N_delta_over_N": ratio.tolist(),
            "N_dead_over_N": (dead_final.mean(0) / np.asarray(Ns, float)).tolist(),
            "loss_final": loss_final.mean(0).tolist(), "energy_final": energy_final.mean(0).tolist(),
            "minima_distance": mean_pair_distance(dist).tolist(), "N_star": n_star,
            "N_star_over_P": n_star / P, "steps": steps_used.mean(0).tolist()}


def snapshot_steps(max_steps: int, check_every: int = 100, per_decade: int = 4) -> np.ndarray:
    """Steps at which the live N_Delta is recorded (dnn/N_live_at): log-spaced multiples of the
    minimiser's check interval up to max_steps, so that N* can be shown converging with the
    length of the minimisation."""
    if max_steps < check_every:
        return np.array([max_steps], np.int64)
    decades = np.log10(max_steps / check_every)
    s = check_every * np.round(np.logspace(0, decades, max(2, int(per_decade * decades) + 1)))
    return np.unique(np.append(s[s <= max_steps], max_steps)).astype(np.int64)


def pairwise_distances(W: torch.Tensor) -> torch.Tensor:
    """|w_s - w_s'| [K, K] between the rows of W [K, n], one row at a time (no [K, K, n] array;
    exact at small distances, unlike the |a|^2 + |b|^2 - 2 a.b of torch.cdist)."""
    return torch.stack([(W - W[s]).norm(dim=1) for s in range(W.shape[0])])


def mean_pair_distance(dist: np.ndarray) -> np.ndarray:
    """Mean over the pairs s < s' of dnn/minima_distances [S, m, S], per width [m] (NaN with one
    sample)."""
    K = dist.shape[0]
    iu = np.triu_indices(K, 1)
    d = np.moveaxis(dist, 1, 0)[:, iu[0], iu[1]]            # [m, pairs]
    return d.mean(1) if d.shape[1] else np.full(dist.shape[1], np.nan)
