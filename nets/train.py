"""The run function of the nets: config, validation, Langevin (or SGD) training measured by the
shared recorder, and the jamming sweep (nets/jamming.py).

    from nets import run, default_config
    summary = run(default_config(width=50), sink)

Protocol "langevin": K = `samples` nets (independent data draws, initialisations and noise)
trained at once on one device; energy = the training loss; the two-time observables of the
flattened weights x = w [K, n]; Q with threshold a = std(w) / q_factor (std(w) over all
weights of a reference initialisation, see q_threshold); chi from twins with the field h eps. Per time: dnn/N_delta,
dnn/train_acc, dnn/test_acc; at the end dnn/margins, dnn/hessian_eigs, dnn/N, dnn/P.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch

from physics.config import ConfigError, check_memory, require
from physics.observables import Recorder, Schedule, drive

from nets import data as data_mod
from nets.losses import LOSSES, LOSS_FUNCTIONS, accuracy, margins, n_delta
from nets.models import ACTIVATIONS, INITS, MODELS, Flat, build_model, count_weights, init_flat

PROTOCOLS = ("langevin", "jamming")
DYNAMICS = ("langevin", "sgd")
PRECISIONS = ("float32", "float64")
DEVICES = ("auto", "cpu", "cuda")
MINIMISERS = ("adam",)


def default_config(**overrides) -> dict:
    """Every parameter of a run (flat, JSON-able); overrides must be known keys."""
    cfg = {
        "protocol": "langevin",
        # data
        "data": "random", "data_dir": "data", "P": 1000, "P_test": 500, "d": 10,
        "teacher_width": 8,
        # model
        "model": "fc", "width": 50, "depth": 2, "activation": "relu", "bias": False,
        "init": "default",
        # loss
        "loss": "hinge", "l2": 0.0, "delta_tol": 1e-6,
        # dynamics (time t = steps * lr)
        "dynamics": "langevin", "T": 1e-6, "lr": 0.2, "tmax": 1000.0, "tw": None,
        "per_decade": 20, "batch": 32, "momentum": 0.5,
        # response and overlap
        "h": 1e-5, "q_factor": 10.0,
        # Hessian at the end
        "hessian_k": 20, "hessian_full_max": 1500,
        # jamming sweep (T = 0 minimisation with Adam)
        "widths": [2, 4, 8, 16, 32], "minimiser": "adam", "min_lr": 1e-3,
        "decay_steps": 1e4, "max_steps": 20000,
        # samples, seed, where and how
        "samples": 1, "first_sample": 0, "seed": 0, "device": "auto", "precision": "float32",
    }
    unknown = set(overrides) - set(cfg)
    if unknown:
        raise ConfigError(sorted(unknown)[0], f"unknown parameter; known: {', '.join(sorted(cfg))}")
    if overrides.get("protocol") == "jamming":
        cfg["precision"] = "float64"   # the papers minimise in float64 (SCIENCE.md, section 4)
        cfg["P"] = 500                 # (both unless overridden)
    cfg.update(overrides)
    if cfg["tw"] is not None:
        cfg["tw"] = [float(v) for v in cfg["tw"]]
    cfg["widths"] = [int(v) for v in cfg["widths"]]
    return cfg


def _choice(cfg, key, allowed):
    require(cfg[key] in allowed, key, f"got {cfg[key]!r}; allowed: {', '.join(map(str, allowed))}")


def _int(cfg, key, lo, hi=None):
    v = cfg[key]
    ok = isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= lo and (hi is None or v <= hi)
    rng = f">= {lo}" + (f" and <= {hi}" if hi is not None else "")
    require(ok, key, f"got {v!r}; must be an integer {rng}")


def _float(cfg, key, lo, strict=False, hi=None):
    v = cfg[key]
    ok = isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool) and math.isfinite(v)
    ok = ok and (v > lo if strict else v >= lo) and (hi is None or v <= hi)
    rng = (f"> {lo}" if strict else f">= {lo}") + (f" and <= {hi}" if hi is not None else "")
    require(ok, key, f"got {v!r}; must be a finite number {rng}")


def validate(config: dict) -> dict:
    """Check every parameter; raise ConfigError(key, what is wrong; what is allowed)."""
    missing = set(default_config()) - set(config)
    if missing:
        raise ConfigError(sorted(missing)[0], "missing from the config (use nets.default_config)")
    c = config
    _choice(c, "protocol", PROTOCOLS)
    _choice(c, "data", data_mod.DATASETS)
    _choice(c, "model", MODELS)
    _choice(c, "activation", ACTIVATIONS)
    _choice(c, "init", INITS)
    _choice(c, "loss", LOSSES)
    _choice(c, "dynamics", DYNAMICS)
    _choice(c, "precision", PRECISIONS)
    _choice(c, "device", DEVICES)
    _choice(c, "minimiser", MINIMISERS)
    require(isinstance(c["bias"], bool), "bias", f"got {c['bias']!r}; must be true or false")
    for key, lo in (("P", 1), ("P_test", 1), ("d", 1), ("teacher_width", 1), ("width", 1),
                    ("depth", 1), ("per_decade", 1), ("batch", 1), ("hessian_k", 0),
                    ("hessian_full_max", 0), ("max_steps", 1), ("samples", 1),
                    ("first_sample", 0), ("seed", 0)):
        _int(c, key, lo)
    _float(c, "T", 0.0)
    _float(c, "lr", 0.0, strict=True)
    _float(c, "tmax", 0.0, strict=True)
    _float(c, "l2", 0.0)
    _float(c, "delta_tol", 0.0)
    _float(c, "momentum", 0.0, hi=0.999)
    _float(c, "h", 0.0)
    _float(c, "q_factor", 0.0, strict=True)
    _float(c, "min_lr", 0.0, strict=True)
    _float(c, "decay_steps", 0.0, strict=True)
    require(c["tmax"] >= c["lr"], "tmax", f"got {c['tmax']}; must be at least one step, >= lr = {c['lr']}")
    require(c["tmax"] / c["lr"] <= 1e9, "tmax", "more than 1e9 steps; lower tmax or raise lr")
    if c["tw"] is not None:
        tw = c["tw"]
        require(isinstance(tw, (list, tuple)) and len(tw) > 0 and all(0 < float(v) < c["tmax"] for v in tw),
                "tw", f"got {tw!r}; waiting times must satisfy 0 < tw < tmax = {c['tmax']}")
    if c["dynamics"] == "sgd":
        require(c["batch"] <= c["P"], "batch", f"got {c['batch']}; the minibatch must be <= P = {c['P']}")
    if c["model"] == "cnn":
        require(c["data"] in data_mod.IMAGE_DATASETS, "model",
                f"the conv net needs image data ({', '.join(data_mod.IMAGE_DATASETS)}), got data = {c['data']!r}")
    if c["data"] == "digits":
        require(c["d"] <= 64, "d", f"got {c['d']}; the 8x8 digits have 64 pixels, so d <= 64")
    if c["protocol"] == "jamming":
        w = c["widths"]
        require(len(w) > 0 and all(isinstance(v, int) and v >= 1 for v in w), "widths",
                f"got {w!r}; a list of integers >= 1")
    if c["device"] == "cuda":
        require(torch.cuda.is_available(), "device", "CUDA is not available here; use cpu or auto")
    return c


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def dtype_of(config) -> torch.dtype:
    return torch.float64 if config["precision"] == "float64" else torch.float32


def sample_seeds(seed: int, first: int, count: int) -> list[dict]:
    """Per sample s (first <= s < first + count): independent seeds for its data, init and noise
    (numpy SeedSequence children, so sample s gets the same seeds whatever count is)."""
    kids = np.random.SeedSequence(seed).spawn(first + count)[first:]
    out = []
    for kid in kids:
        dat, ini, noi = kid.spawn(3)
        out.append({"data": int(dat.generate_state(1, np.uint64)[0] >> 1),
                    "init": int(ini.generate_state(1, np.uint64)[0] >> 1),
                    "noise": int(noi.generate_state(1, np.uint64)[0] >> 1),
                    "init_seq": ini})
    return out


def in_shape(config, X) -> tuple:
    return tuple(X.shape[2:])


def load_data(config, seeds, device, dtype):
    try:
        return data_mod.make_data(config, [s["data"] for s in seeds], device, dtype,
                                  image_shape=config["model"] == "cnn")
    except data_mod.DataError as e:
        raise ConfigError("data", f"{e} (nothing is downloaded: put the files there or set data_dir, --data-dir)") from None


def memory_estimate(config, n: int, nw: int) -> float:
    b = 8 if config["precision"] == "float64" else 4
    K, P = config["samples"], config["P"]
    slots = (1 + nw) * K
    act = slots * (P if config["dynamics"] == "langevin" else config["batch"]) * config["width"] * config["depth"] * 6
    return b * (slots * n * 4 + K * (P + config["P_test"]) * config["d"] + act)


def n_weights(config) -> int:
    shape = (config["d"],) if config["model"] == "fc" else (1, 8, 8)
    return count_weights(config, shape)


def run(config: dict, sink, progress=None) -> dict:
    """Run the protocol of `config` into `sink` (shared/DESIGN.md); returns a summary dict."""
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
    if c["model"] == "fc":
        check_memory(memory_estimate(c, n_weights(c), nw), "samples", "training these nets")

    X, Y, Xt, Yt = load_data(c, seeds, device, dtype)
    model = build_model(c, in_shape(c, X)).to(device=device, dtype=dtype)
    flat = Flat(model)
    n = flat.n
    check_memory(memory_estimate(c, n, nw), "samples", "training these nets")
    W0 = torch.stack([init_flat(flat, c, torch.Generator(device=device).manual_seed(s["init"]))
                      for s in seeds]).to(dtype)
    ens = Ensemble(model, flat, c["loss"], c["l2"])
    dyn = Dynamics(ens, W0, X, Y, c, [s["noise"] for s in seeds], nw=nw)
    a = q_threshold(flat, c, device)
    lossf = LOSS_FUNCTIONS[c["loss"]]

    sink.begin(schedule.t, schedule.tw, samples=K)
    rec = Recorder(schedule, sink, a=a)

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

    t0 = time.perf_counter()
    drive(schedule, dyn.advance, measure, progress)
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
        "regime": regime(ratio),
        "train_acc": float(acc.mean()), "test_acc": float(tacc.mean()),
        "Q_threshold_a": a, "steps": dyn.steps, "steps_per_s": dyn.steps / max(elapsed, 1e-9),
        "device": str(device),
    }


def q_threshold(flat, config, device) -> float:
    """Overlap threshold a = std(w) / q_factor, with std(w) the standard deviation of the weights
    of a reference initialisation of this architecture (generator seed 0), so that a does not
    depend on the seed, on the number of samples or on which samples run together."""
    w = init_flat(flat, config, torch.Generator().manual_seed(0))   # CPU: the same a on any device
    return float(w.std()) / config["q_factor"]


def regime(n_delta_over_n: float) -> str:
    """The papers' criterion (Geiger et al. 2019): under-parametrised when N_Delta > 0.1 N."""
    return "under-parametrised" if n_delta_over_n > 0.1 else "over-parametrised"
