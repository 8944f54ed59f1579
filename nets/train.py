"""The run function of the nets: Langevin (or SGD) training measured by the shared recorder, and
the jamming sweep (nets/jamming.py). The parameters and their checks are in nets/config.py, the
set-up shared with the sweep (device, seeds, data) in nets/setup.py.

    from nets import run, default_config
    summary = run(default_config(width=50), sink)

Protocol "langevin": K = `samples` nets (independent data draws, initialisations and noise)
trained at once on one device; energy = the training loss; the two-time observables of the
flattened weights x = w [K, n]; Q with threshold a = std(w) / q_factor (std(w) over all
weights of a reference initialisation, see q_threshold); chi from twins with the field h eps. Per time: dnn/N_delta,
dnn/train_acc, dnn/test_acc; the displacement distribution vanhove [S, tw, t, bins] (physics.observables);
with SGD the strength of its noise at every waiting time, dnn/D [S, nw] (nets.dynamics: D =
lr <Var(minibatch gradient)> / (2 (1 - momentum)^2), NaN for a tw not reached yet);
at the end dnn/margins, dnn/hessian_eigs, dnn/N, dnn/P.

Stability (Guard): per sample dnn/diverged_at, the time its weights (or loss) were found
non-finite (checked every nets.dynamics.CHECK_EVERY steps and at each measurement; the sample is
then frozen and every later value of it is NaN), and dnn/dead_at, the first measurement where every
training output was exactly 0 (a silent layer: loss at its trivial value, no loss gradient; noise
may revive it); NaN if never. The summary's `stability` line counts both, and the first of each
kind is said once on stderr.
"""
from __future__ import annotations

import sys
import time

import numpy as np
import torch

from physics.analysis import regime
from physics.observables import Recorder, Schedule, checkpoint, drive, resume_state

from nets.config import check_langevin_memory, validate, waiting_times
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


def _nan_rows(v, bad: np.ndarray) -> np.ndarray:
    v = np.array(v, dtype=np.float64)
    v[bad] = np.nan
    return v


class Masked:
    """The run's sink as the recorder sees it: the values of the samples frozen by the dynamics
    (Dynamics.freeze) NaN, where the recorder would read NaN weights as Q = 0 and N_delta = 0.
    Everything else goes to the sink itself."""

    def __init__(self, sink, dyn):
        self.sink, self.dyn = sink, dyn

    def add(self, k, values, samples=slice(None)) -> None:
        bad = self.dyn.diverged[samples]
        if bad.any():
            values = {name: _nan_rows(v, bad) for name, v in values.items()}
        self.sink.add(k, values, samples=samples)

    def __getattr__(self, name):
        return getattr(self.sink, name)


class Guard:
    """The stability of the K samples of a Langevin run: diverged samples (frozen by the dynamics,
    Dynamics.freeze) and dead ones (every training output exactly 0), their first times, the
    warnings (once per kind) and the summary."""

    def __init__(self, dyn, lr: float, sink, K: int):
        self.dyn, self.lr, self.K, self.run_sink = dyn, lr, K, sink
        self.dead_at = np.full(K, np.nan)
        self.warned: set = set()

    @property
    def diverged_at(self) -> np.ndarray:
        st = self.dyn.diverged_step
        return np.where(st >= 0, st * self.lr, np.nan)

    def observe(self, f, loss, t: float) -> None:
        """At a measurement (time t): freeze the samples with non-finite weights, outputs f [K, P]
        or loss [K]; flag the dead ones; warn; put both datasets."""
        self.dyn.check()
        f = f.reshape(f.shape[0], -1)           # a multi-class net's [K, P, C] outputs
        self.dyn.freeze(~(torch.isfinite(loss) & torch.isfinite(f).all(-1)))
        dead = (f == 0).all(-1).cpu().numpy() & ~self.dyn.diverged
        self.dead_at[dead & np.isnan(self.dead_at)] = t
        self._warn("diverged", self.diverged_at,
                   "non-finite weights: frozen from then on, its later values NaN; a step "
                   "overshoots where lr * lambda_max > 2")
        self._warn("died", self.dead_at, "every training output exactly 0: a silent layer, the loss "
                   "at its trivial value, no gradient; often what an overshooting step leaves")
        self.put()

    def _warn(self, kind: str, at: np.ndarray, why: str) -> None:
        if kind in self.warned or not np.isfinite(at).any():
            return
        self.warned.add(kind)
        k = int(np.nanargmin(at))
        print(f"warning: sample {k} of {self.K} {kind} at t = {at[k]:g} ({why})", file=sys.stderr)

    def put(self) -> None:
        self.run_sink.put("dnn/diverged_at", self.diverged_at)
        self.run_sink.put("dnn/dead_at", self.dead_at.copy())

    def state(self) -> dict:
        return {"dead_at": self.dead_at.copy()}

    def restore(self, st: dict) -> None:
        if "dead_at" in st:
            self.dead_at = np.array(st["dead_at"], dtype=np.float64)
        self.warned = {kind for kind, at in (("diverged", self.diverged_at), ("died", self.dead_at))
                       if np.isfinite(at).any()}

    def summary(self, dead_final: np.ndarray) -> dict:
        """{diverged, diverged_first_t, dead, dead_first_t, dead_final, stability (a line)}."""
        out, words = {}, []
        for kind, at, what in (("diverged", self.diverged_at, "diverged"),
                               ("dead", self.dead_at, "died (every training output 0)")):
            n = int(np.isfinite(at).sum())
            first = float(np.nanmin(at)) if n else None
            out[kind], out[f"{kind}_first_t"] = n, first
            if n:
                words.append(f"{n} of {self.K} samples {what}, first at t = {first:g}")
        out["dead_final"] = int(np.sum(dead_final))
        if out["dead"]:
            words[-1] += f" ({out['dead_final']} dead at the end)"
        out["stability"] = "; ".join(words) if words else f"all {self.K} samples stable"
        return out


def _hessians(ens, W, X, Y, c, diverged) -> np.ndarray:
    """[K, m] Hessian eigenvalues at the end (nets.hessian.hessian_eigenvalues), NaN rows for the
    diverged samples."""
    from nets.hessian import hessian_eigenvalues
    n = W.shape[1]
    m = n if n <= c["hessian_full_max"] else min(c["hessian_k"], n - 1)
    eigs = np.full((W.shape[0], m), np.nan)
    X64, Y64 = X.to(torch.float64), Y.to(torch.float64)
    for k in np.flatnonzero(~diverged):
        def loss_of_w(w, k=k):
            return ens.loss_one(w, X64[k], Y64[k])
        eigs[k] = hessian_eigenvalues(loss_of_w, W[k].to(torch.float64), c["hessian_k"],
                                      c["hessian_full_max"], seed=c["seed"] + int(k))
    return eigs


def _mean(v: np.ndarray) -> float:
    """The mean over the samples that did not diverge (NaN when none is left)."""
    v = np.asarray(v, dtype=np.float64)
    return float(v[np.isfinite(v)].mean()) if np.isfinite(v).any() else float("nan")


def run_langevin(config: dict, sink, progress=None) -> dict:
    from nets.dynamics import Dynamics, Ensemble

    c = config
    device, dtype = resolve_device(c["device"]), dtype_of(c)
    K = c["samples"]
    schedule = Schedule(dt=c["lr"], t_max=c["tmax"], tw=waiting_times(c), per_decade=c["per_decade"])
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
    guard = Guard(dyn, c["lr"], sink, K)
    rec = Recorder(schedule, Masked(sink, dyn), a=a, van_hove=True)
    sgd = c["dynamics"] == "sgd"
    noise_D = np.full((K, schedule.nw), np.nan)     # dnn/D: the SGD noise strength at each tw
    start = 0
    resume = resume_state(sink)
    if resume is not None:      # an interrupted run: continue from its checkpoint, bit for bit
        k_done, saved = resume
        dyn.restore(saved["dynamics"])
        rec.restore(saved["recorder"], like=dyn.x)
        guard.restore(saved.get("guard", {}))
        if "noise_D" in saved:
            noise_D[:] = np.asarray(saved["noise_D"], float)
        start = k_done + 1

    def state():
        return {"dynamics": dyn.state(), "recorder": rec.state(), "guard": guard.state(),
                "noise_D": noise_D.copy(), "where": f"t = {dyn.steps * c['lr']:g}"}

    def pause(k, step):
        checkpoint(sink, k, state)

    def measure(k, step):
        with torch.no_grad():
            W = dyn.x
            f = ens.outputs(W, X)
            loss = lossf(f, Y)
            guard.observe(f, loss, step * c["lr"])
            ft = ens.outputs(W, Xt)
            extra = {"dnn/N_delta": n_delta(f, Y, c["delta_tol"]),
                     "dnn/train_acc": accuracy(f, Y),
                     "dnn/test_acc": accuracy(ft, Yt)}
            twins = dyn.twins if nw else None
            started = rec.observe(step, W, loss, twins=twins,
                                  eps=dyn.eps_by_sample if nw else None, h=c["h"], extra=extra)
        for i in started if nw else ():
            dyn.start_twin(i)
        i_tw = schedule.tw_index.get(int(step))
        if sgd and i_tw is not None:
            noise_D[:, i_tw] = dyn.noise_strength()
            sink.put("dnn/D", noise_D.copy())
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
        bad = dyn.diverged
        dead_final = (f.reshape(K, -1) == 0).all(-1).cpu().numpy() & ~bad
        loss_final = _nan_rows(lossf(f, Y).cpu().numpy(), bad)
        nd_final = _nan_rows(n_delta(f, Y, c["delta_tol"]).cpu().numpy(), bad)
        acc = _nan_rows(accuracy(f, Y).cpu().numpy(), bad)
        tacc = _nan_rows(accuracy(ens.outputs(W, Xt), Yt).cpu().numpy(), bad)
    sink.put("dnn/N", np.int64(n))
    sink.put("dnn/P", np.int64(c["P"]))
    guard.put()
    if c["hessian_k"] > 0:
        sink.put("dnn/hessian_eigs", _hessians(ens, W, X, Y, c, bad))
    return {
        "N": n, "P": c["P"], "N_over_P": n / c["P"],
        "loss_final": _mean(loss_final),
        "N_delta_final": _mean(nd_final),
        "N_delta_over_N": _mean(nd_final) / n,
        "regime": regime(_mean(nd_final), n),
        "train_acc": _mean(acc), "test_acc": _mean(tacc),
        "Q_threshold_a": a, "steps": dyn.steps, "steps_per_s": (dyn.steps - steps0) / max(elapsed, 1e-9),
        "device": str(device), **guard.summary(dead_final),
    }
