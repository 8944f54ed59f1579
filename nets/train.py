"""The run function of the nets: Langevin (or SGD) training measured by the shared recorder, and
the jamming sweep (nets/jamming.py). The parameters and their checks are in nets/config.py, the
set-up shared with the sweep (device, seeds, data) in nets/setup.py.

    from nets import run, default_config
    summary = run(default_config(width=50), sink)

Protocol "langevin": K = `samples` nets (independent data draws, initialisations and noise)
trained at once on one device; energy = the training loss; the two-time observables of the
flattened weights x = w [K, n]; Q with threshold a = std(w) / q_factor (std(w) over all
weights of a reference initialisation, see q_threshold); chi from twins with the field h eps. Per time: dnn/N_delta,
dnn/train_acc, dnn/test_acc; at the end dnn/margins, dnn/hessian_eigs, dnn/N, dnn/P.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from physics.analysis import regime
from physics.observables import Recorder, Schedule, checkpoint, drive, resume_state

from nets.config import check_langevin_memory, validate
from nets.losses import LOSS_FUNCTIONS, accuracy, margins, n_delta
from nets.models import Flat, build_model, init_flat
from nets.setup import dtype_of, in_shape, load_data, q_threshold, resolve_device, sample_seeds


def run(config: dict, sink, progress=None) -> dict:
    """Run the protocol of `config` into `sink` (docs/design.md, section 3); returns a summary dict."""
    validate(config)
    if config["protocol"] == "jamming":
        from nets.jamming import run_jamming
        return run_jamming(config, sink, progress)
    return run_langevin(config, sink, progress)


def run_langevin(config: dict, sink, progress=None) -> dict:
    from nets.dynamics import Dynamics, Ensemble
    from nets.hessian import hessian_eigenvalues

    c = config
    device, dtype = resolve_device(c["device"]), dtype_of(c)
    K = c["samples"]
    schedule = Schedule(dt=c["lr"], t_max=c["tmax"], tw=c["tw"], per_decade=c["per_decade"])
    nw = schedule.nw if c["h"] > 0 else 0
    seeds = sample_seeds(c["seed"], c["first_sample"], K)

    X, Y, Xt, Yt = load_data(c, seeds, device, dtype)
    model = build_model(c, in_shape(c, X)).to(device=device, dtype=dtype)
    flat = Flat(model)
    n = flat.n
    check_langevin_memory(c, n)     # validate() checked the fc nets already; this counts conv nets
    W0 = torch.stack([init_flat(flat, c, torch.Generator(device=device).manual_seed(s["init"]))
                      for s in seeds]).to(dtype)
    ens = Ensemble(model, flat, c["loss"], c["l2"])
    dyn = Dynamics(ens, W0, X, Y, c, [s["noise"] for s in seeds], nw=nw)
    a = q_threshold(flat, c, device)
    lossf = LOSS_FUNCTIONS[c["loss"]]

    sink.begin(schedule.t, schedule.tw, samples=K)
    rec = Recorder(schedule, sink, a=a)
    start = 0
    resume = resume_state(sink)
    if resume is not None:      # an interrupted run: continue from its checkpoint, bit for bit
        k_done, saved = resume
        dyn.restore(saved["dynamics"])
        rec.restore(saved["recorder"], like=dyn.x)
        start = k_done + 1

    def state():
        return {"dynamics": dyn.state(), "recorder": rec.state(),
                "where": f"t = {dyn.steps * c['lr']:g}"}

    def pause(k, step):
        checkpoint(sink, k, state)

    def measure(k, step):
        with torch.no_grad():
            W = dyn.x
            f = ens.outputs(W, X)
            ft = ens.outputs(W, Xt)
            extra = {"dnn/N_delta": n_delta(f, Y, c["delta_tol"]),
                     "dnn/train_acc": accuracy(f, Y),
                     "dnn/test_acc": accuracy(ft, Yt)}
            twins = dyn.twins if nw else None
            started = rec.observe(step, W, lossf(f, Y), twins=twins,
                                  eps=dyn.eps_by_sample if nw else None, h=c["h"], extra=extra)
        for i in started if nw else ():
            dyn.start_twin(i)
        checkpoint(sink, k, state)

    t0 = time.perf_counter()
    steps0 = dyn.steps
    drive(schedule, dyn.advance, measure, progress, start=start, step=dyn.steps, pause=pause)
    elapsed = time.perf_counter() - t0

    with torch.no_grad():
        W = dyn.x
        f = ens.outputs(W, X)
        delta = margins(f, Y)
        sink.put("dnn/margins", delta.detach().cpu().numpy().astype(np.float64))
        loss_final = lossf(f, Y).cpu().numpy()
        nd_final = n_delta(f, Y, c["delta_tol"]).cpu().numpy()
        acc = accuracy(f, Y).cpu().numpy()
        tacc = accuracy(ens.outputs(W, Xt), Yt).cpu().numpy()
    sink.put("dnn/N", np.int64(n))
    sink.put("dnn/P", np.int64(c["P"]))
    if c["hessian_k"] > 0:
        eigs = []
        X64, Y64 = X.to(torch.float64), Y.to(torch.float64)
        for k in range(K):
            def loss_of_w(w, k=k):
                return ens.loss_one(w, X64[k], Y64[k])
            eigs.append(hessian_eigenvalues(loss_of_w, W[k].to(torch.float64), c["hessian_k"],
                                            c["hessian_full_max"], seed=c["seed"] + k))
        sink.put("dnn/hessian_eigs", np.stack(eigs))
    ratio = float(nd_final.mean()) / n
    return {
        "N": n, "P": c["P"], "N_over_P": n / c["P"],
        "loss_final": float(loss_final.mean()),
        "N_delta_final": float(nd_final.mean()),
        "N_delta_over_N": ratio,
        "regime": regime(float(nd_final.mean()), n),
        "train_acc": float(acc.mean()), "test_acc": float(tacc.mean()),
        "Q_threshold_a": a, "steps": dyn.steps, "steps_per_s": (dyn.steps - steps0) / max(elapsed, 1e-9),
        "device": str(device),
    }
