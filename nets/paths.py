"""Barriers between minima of a net's training loss (docs/science.md, section 10; Draxler et al.
2018, Freeman & Bruna 2017).

Per sample (one training set, drawn as the nets' jamming protocol draws it with shared_data):
`minima` nets from independent initialisations are minimised on that SAME data, first with the
jamming protocol's Adam (nets.dynamics.adam_minimise: until N_Delta = 0 for the hinge loss, else
max_steps), then by FIRE (physics.paths.minimise) until the largest gradient component is below
min_tol (a fitted hinge net has gradient 0 and is left as it is). Between every pair: the loss
along the straight line in weight space, and the minimum-energy path by a nudged elastic band
with a climbing image (physics.paths.neb), started from the straight line.

The landscape handed to physics.paths is the loss L(w) (float64, no L2), as NumPy callables
wrapping torch: the energies are evaluated for all images at once (torch.func.vmap through
nets.dynamics.Ensemble). Energies in the record are the loss; the extensive energy is the summed
loss P L (barriers/extensive = P), so the barrier per weight is P Delta L / N.
"""
from __future__ import annotations

import numpy as np
import torch

from physics import paths as PT

from nets.barriers_config import nets_config
from nets.dynamics import Ensemble, adam_minimise
from nets.losses import n_delta
from nets.models import Flat, build_model, init_flat
from nets.setup import dtype_of, in_shape, load_data, resolve_device, sample_seeds

MAX_MOVE = 0.1
"""Largest FIRE step of one net or image in weight space (the distances between minima are ~10,
between images ~0.5): without it a large step may leave the landscape's scale and diverge."""


def loss_landscape(ens: Ensemble, X, Y):
    """NumPy X [R, n] -> (L [R], grad L [R, n]) of the nets' loss on the data X[0], Y[0] (float64)."""
    x0, y0 = X[:1], Y[:1]
    dev, dt = x0.device, x0.dtype

    def eg(W):
        W = torch.as_tensor(np.atleast_2d(W), device=dev, dtype=dt)
        R = W.shape[0]
        Xr, Yr = x0.expand(R, *x0.shape[1:]), y0.expand(R, *y0.shape[1:])
        G = ens.gradient(W, Xr, Yr)
        with torch.no_grad():
            L = ens.loss(W, Xr, Yr)
        return L.cpu().numpy().astype(float), G.cpu().numpy().astype(float)
    return eg


def sample_seed(c: dict, sample: int) -> int:
    """The seed of sample `sample`'s data and initialisations (SeedSequence(seed).spawn(samples))."""
    seq = np.random.SeedSequence(int(c["seed"])).spawn(int(c["samples"]))[sample]
    return int(seq.generate_state(1, np.uint64)[0] >> 1)


def find_minima(c: dict, sample: int, tick=None):
    """The `minima` minima of sample `sample`: (W [K, n] float64 NumPy, landscape callable,
    Adam steps [K], N_Delta [K]); tick(units) gets K units over Adam's run."""
    nc = dict(nets_config(c), seed=sample_seed(c, sample))
    device, dtype = resolve_device(nc["device"]), dtype_of(nc)
    K = int(c["minima"])
    seeds = sample_seeds(nc["seed"], 0, K)
    X, Y, _, _ = load_data(nc, seeds, device, dtype)
    model = build_model(nc, in_shape(nc, X)).to(device=device, dtype=dtype)
    flat = Flat(model)
    gens = [torch.Generator(device=device).manual_seed(s["init"]) for s in seeds]
    W0 = torch.stack([init_flat(flat, nc, g) for g in gens]).to(dtype)
    ens = Ensemble(model, flat, nc["loss"], 0.0)
    last = [0]

    def adam_progress(t):           # the K nets' Adam counts K units of progress
        if tick is not None:
            tick(K * (t - last[0]) / nc["max_steps"])
        last[0] = t
    W, steps = adam_minimise(ens, W0, X, Y, nc["min_lr"], nc["decay_steps"], nc["max_steps"],
                             nc["delta_tol"], progress=adam_progress)
    if tick is not None:
        tick(K * (nc["max_steps"] - last[0]) / nc["max_steps"])   # the rest, when all stopped early
    with torch.no_grad():
        nd = n_delta(ens.outputs(W, X), Y, nc["delta_tol"]).cpu().numpy()
    return W.cpu().numpy().astype(float), loss_landscape(ens, X, Y), steps.cpu().numpy(), nd


def sample_paths(c: dict, sample: int, tick=None) -> dict:
    """Minima, straight-line profiles and NEB paths of sample `sample`: the record's arrays for
    that row (the same keys as physics.pspin_paths.sample_paths, plus the nets' N_Delta)."""
    W, eg, steps, nd = find_minima(c, sample, tick)
    mins, e_min, g_min, ok_min = [], [], [], []
    for w in W:
        x, e, out = PT.minimise(w, eg, f_tol=c["min_tol"], max_steps=c["min_steps"],
                                dt=c["neb_dt"], dt_max=10 * c["neb_dt"], max_move=MAX_MOVE)
        mins.append(x), e_min.append(e), g_min.append(out.fmax), ok_min.append(out.converged)
        if tick is not None:
            tick()
    out = PT.join_minima(mins, eg, int(c["images"]), tick=tick, max_move=MAX_MOVE,
                         **PT.band_options(c))
    out.update(minima_energy=np.array(e_min), minima_gradient=np.array(g_min),
               minima_converged=np.array(ok_min, np.int64), minima_adam_steps=np.asarray(steps, np.int64),
               minima_N_delta=np.asarray(nd, np.int64))
    return out
