"""The parameters of a nets run: the schema (names, defaults, units, ranges, help), the checks
that tie parameters together, the weight count and the memory guard.

Importing this module does not import torch (the command line builds its options from SCHEMA;
`python cli.py dnn --help` stays fast); only the CUDA check imports it, when device is cuda.
"""
from __future__ import annotations

import math

from physics.config import check_memory, memory_limit
from physics.observables import Schedule
from physics.schema import Param, require, show
from physics.schema_late import LateSchema

PROTOCOLS = ("langevin", "jamming")
DATASETS = ("random", "teacher", "mnist", "cifar10", "digits")
IMAGE_DATASETS = ("mnist", "cifar10", "digits")
MODELS = ("fc", "cnn")
ACTIVATIONS = ("relu", "tanh")
INITS = ("default", "orthogonal")
LOSSES = ("hinge", "mse", "cross_entropy")
DYNAMICS = ("langevin", "sgd")
PRECISIONS = ("float32", "float64")
DEVICES = ("auto", "cpu", "cuda")
MINIMISERS = ("adam",)

TIME = "time units (t = steps x lr)"
LOSS = "loss units"

L2_HELP = ("L2 penalty: the energy is E = mean loss + l2 |w|^2 / 2 (the recorded loss leaves it out). "
           "With the quadratic hinge this is Kerr Winter & Janssen's (1/2) mean max(0, 1 - y f)^2 "
           "+ (lambda/2)|w|^2, so l2 = their lambda (docs/science.md, section 7).")
SHARED_DATA_HELP = ("All samples train on ONE training/test set, that sample 0 would draw from --seed, "
                    "with their own initialisation and noise: minima of one landscape (topology "
                    "trivialisation). Default: each sample draws its own data.")

CLASSES = 10
"""Classes of the image data sets (digits 0-9, the ten CIFAR-10 classes): the outputs of a
multi-class net."""
OUTPUTS_HELP = ("Output units: 1 (a scalar f, labels +-1: parity for image data) or 10 (one per class, "
                "labels the class, square loss on one-hot labels: Freeman & Bruna's toy model as used "
                "by Baity-Jesi et al. 2018; image data, loss mse and the langevin protocol only; its "
                "default waiting times are 10 log-spaced from 10 steps to tmax/2).")

DATA_HELP = ("Data set: random (Gaussian inputs, random +-1 labels), teacher (labels of a random "
             "teacher net), mnist / cifar10 (standard files in --data-dir, parity labels, PCA to d), "
             "digits (scikit-learn's 8x8 digits, parity labels, PCA to d; needs scikit-learn).")


SCHEMA = LateSchema("dnn", [
    Param("protocol", "langevin", "str", choices=PROTOCOLS, cli=False,
          help="langevin: training measured by the recorder; jamming: T = 0 sweep over widths."),
    # data
    Param("data", "random", "str", choices=DATASETS, help=DATA_HELP),
    Param("data_dir", "data", "str",
          help="Folder with the MNIST idx files or cifar-10-batches-py (nothing is downloaded)."),
    Param("P", 1000, "int", lo=1, unit="points", help="Number of training points P."),
    Param("P_test", 500, "int", lo=1, cli=False, unit="points", help="Number of test points."),
    Param("d", 10, "int", lo=1,
          help="Input dimension d (PCA components for image data); inputs have norm sqrt(d)."),
    Param("teacher_width", 8, "int", lo=1, cli=False, help="Width of the teacher net (data teacher)."),
    # model
    Param("model", "fc", "str", choices=MODELS,
          help="fc: fully connected; cnn: small conv net (image data only)."),
    Param("width", 50, "int", lo=1, help="Width of the hidden layers (channels for --model cnn)."),
    Param("depth", 2, "int", lo=1, hi=1000, help="Number of hidden layers (conv layers for --model cnn)."),
    Param("activation", "relu", "str", choices=ACTIVATIONS, help="Activation function."),
    Param("bias", False, "bool", help="Biases in every layer."),
    Param("outputs", 1, "int", lo=1, hi=CLASSES, help=OUTPUTS_HELP),
    Param("init", "default", "str", choices=INITS,
          help="default: U(+-1/sqrt(fan_in)) (PyTorch's rule); orthogonal: orthogonal weights, zero biases."),
    # loss
    Param("loss", "hinge", "str", choices=LOSSES,
          help="Quadratic hinge on margins 1 - y f, mean squared error, or binary cross-entropy "
               "of the logit f."),
    Param("l2", 0.0, "float", lo=0.0, hi=100.0, unit="loss units per weight^2", help=L2_HELP),
    Param("delta_tol", 1e-6, "float", lo=0.0, cli=False,
          help="A constraint is unsatisfied when its margin Delta > delta_tol."),
    # dynamics (time t = steps * lr)
    Param("dynamics", "langevin", "str", choices=DYNAMICS,
          help="langevin: full batch, w <- w - lr grad L + sqrt(2 T lr) N(0,1); sgd: minibatch SGD "
               "with momentum (plus the same noise if T > 0)."),
    Param("T", 1e-6, "float", lo=0.0, hi=100.0, unit=LOSS, help="Temperature T of the Langevin noise."),
    Param("lr", 0.2, "float", lo=0.0, lo_open=True, hi=10.0, unit=TIME,
          help="Learning rate = time step."),
    Param("tmax", 1000.0, "float", lo=0.0, lo_open=True, unit=TIME,
          help="Duration (at least one step, at most 1e9 steps)."),
    Param("tw", None, "floats", lo=0.0, lo_open=True, nullable=True, min_len=1, unit=TIME,
          default_help="5 log-spaced from tmax/1000 to tmax/10",
          help="Waiting times, comma-separated, each < tmax."),
    Param("per_decade", 20, "int", lo=1, cli=False, help="Measurement times per decade."),
    Param("batch", 32, "int", lo=1, help="Minibatch size (sgd only; <= P)."),
    Param("momentum", 0.5, "float", lo=0.0, hi=0.999, help="Momentum (sgd only)."),
    # response and overlap
    Param("h", 1e-5, "float", lo=0.0, hi=1.0, unit=LOSS,
          help="Field of the response twins (energy -h eps.w); 0: chi not measured."),
    Param("q_factor", 10.0, "float", lo=0.0, lo_open=True, cli=False,
          help="Overlap threshold a = std(w_init) / q_factor."),
    # Hessian at the end
    Param("hessian_k", 20, "int", lo=0,
          help="Hessian eigenvalues at the end: all of them for N <= 1500, else the k largest "
               "(Lanczos); 0: none."),
    Param("hessian_full_max", 1500, "int", lo=0, cli=False,
          help="Full Hessian spectrum up to this many weights."),
    Param("hessian_at_end", False, "bool",
          help="Jamming: at the end of each width, every eigenvalue of the hinge loss's Hessian H and of its "
               "split H = H0 + Hp (H0 from the gradients of the unsatisfied margins, Hp weighted by the "
               "margins; nets.hessian.HessianAtEnd), for the widths with N <= hessian_full_max."),
    # jamming sweep (T = 0 minimisation with Adam)
    Param("widths", [2, 4, 8, 16, 32], "ints", lo=1, min_len=1, help="Widths to minimise at (jamming)."),
    Param("minimiser", "adam", "str", choices=MINIMISERS, cli=False, help="Minimiser of the jamming sweep."),
    Param("min_lr", 1e-3, "float", lo=0.0, lo_open=True, hi=1.0, flag="lr",
          help="Adam step at the start; it decays as lr / (1 + step / decay-steps)."),
    Param("decay_steps", 1e4, "float", lo=0.0, lo_open=True, unit="steps",
          help="Decay scale of the Adam step."),
    Param("max_steps", 20000, "int", lo=1, hi=10**9, unit="steps",
          help="Most Adam steps per width (a net stops earlier at a minimum: once N_Delta = 0, or "
               "with l2 > 0 once the rms gradient of its energy is below 1e-10)."),
    Param("stall_from", 0, "int", lo=0, hi=10**9, unit="steps",
          help="Jamming without L2: from this step on a jammed net also stops once stationary, its loss "
               "fallen by at most stall_rtol of its value over the second half of its run and its live "
               "N_Delta > 0 not fallen beyond its flicker (nets.minimiser.Stall); 0: never (every jammed "
               "net runs max_steps)."),
    Param("stall_rtol", 1e-3, "float", lo=0.0, lo_open=True, hi=1.0,
          help="Relative fall of the loss over the second half of a run below which a jammed net is "
               "stationary."),
    # samples, seed, where and how
    Param("samples", 1, "int", lo=1,
          help="Nets trained at once (their own init and noise; their own data unless shared_data)."),
    Param("first_sample", 0, "int", lo=0, cli=False,
          help="Index of the first sample (its seeds do not depend on how many run together)."),
    Param("seed", 0, "int", lo=0, help="Random seed: data, initialisation and noise all derive from it."),
    Param("shared_data", False, "bool", help=SHARED_DATA_HELP),
    Param("device", "auto", "str", choices=DEVICES, help="auto: CUDA when available, else CPU."),
    Param("precision", "float32", "str", choices=PRECISIONS, help="Floating-point precision."),
], check=lambda c: _cross_checks(c), memory=lambda c: _memory(c), seconds=lambda c: _seconds(c),
    blame=("width", "widths", "depth", "P", "d", "P_test", "samples"),
    # the papers minimise in float64 (docs/science.md, section 4), on fewer points
    protocol_defaults={"jamming": {"precision": "float64", "P": 500}},
    late=("shared_data", "outputs", "hessian_at_end", "stall_from", "stall_rtol"))


def setting(config: dict, key: str):
    """config[key]; for a late key (LateSchema) that the config leaves out, its default."""
    return SCHEMA.setting(config, key)


def default_config(**overrides) -> dict:
    """Every parameter of a run (flat, JSON-able): SCHEMA's defaults (those of the jamming
    protocol when protocol="jamming") with `overrides` (unknown key -> ConfigError)."""
    return SCHEMA.config(**overrides)


def validate(config: dict) -> dict:
    """Check every parameter; raise ConfigError(key, 'got X; allowed: ...')."""
    SCHEMA.validate(config)
    return config


def count_weights(config: dict, in_shape: tuple) -> int:
    """Number of weights N of nets.models.build_model(config, in_shape), without building it."""
    w, L, b = config["width"], config["depth"], int(bool(config["bias"]))
    o = setting(config, "outputs")
    if config["model"] == "fc":
        d = int(math.prod(in_shape))
        return d * w + (L - 1) * w * w + o * w + b * (L * w + o)
    C = in_shape[0]
    return 9 * C * w + (L - 1) * 9 * w * w + o * w + b * (L * w + o)


SGD_WAITING_TIMES = 10
"""Waiting times of a multi-class (Baity-Jesi) run when tw is not given."""


def waiting_times(config: dict):
    """The waiting times of a run: config["tw"]; when it is None, for a multi-class net
    (outputs > 1, Baity-Jesi et al.'s protocol) SGD_WAITING_TIMES log-spaced from 10 steps to
    tmax/2, else None (physics.observables.Schedule's default)."""
    if config["tw"] is not None or setting(config, "outputs") == 1:
        return config["tw"]
    import numpy as np
    lo = min(10 * config["lr"], config["tmax"] / 2)
    return [float(v) for v in np.geomspace(lo, config["tmax"] / 2, SGD_WAITING_TIMES)]


def n_weights(config) -> int:
    shape = (config["d"],) if config["model"] == "fc" else (1, 8, 8)
    return count_weights(config, shape)


def memory_estimate(config, n: int, nw: int) -> float:
    """Bytes of a Langevin run of `samples` nets of n weights with nw response twins each."""
    b = 8 if config["precision"] == "float64" else 4
    K, P = config["samples"], config["P"]
    slots = (1 + nw) * K
    act = slots * (P if config["dynamics"] == "langevin" else config["batch"]) * config["width"] * config["depth"] * 6
    return b * (slots * n * 4 + data_sets(config) * (P + config["P_test"]) * config["d"] + act)


def data_sets(config) -> int:
    """Training/test sets held: one per sample, or one for all with shared_data."""
    return 1 if setting(config, "shared_data") else config["samples"]


def jamming_memory_estimate(config, n_max: int) -> float:
    """Bytes of a jamming sweep whose widest nets have n_max weights: the data, the weights with
    Adam's moments and the activations."""
    b = 8 if config["precision"] == "float64" else 4
    K, P, widest = config["samples"], config["P"], max(config["widths"])
    hess = 0
    if setting(config, "hessian_at_end"):     # H, H0, Hp, the identity of the products, J (one net at a time)
        n = min(n_max, config["hessian_full_max"])
        hess = 8 * (5 * n * n + P * n)
    return b * (K * (6 * n_max + 4 * P * widest * config["depth"])
                + data_sets(config) * (P + config["P_test"]) * config["d"]) + hess


def n_twins(config) -> int:
    """Response twins per net (one per waiting time when h > 0)."""
    if config["h"] <= 0:
        return 0
    return Schedule(dt=config["lr"], t_max=config["tmax"], tw=waiting_times(config),
                    per_decade=config["per_decade"]).nw


def _memory(c: dict, n: int | None = None) -> tuple[float, str]:
    """(bytes, what holds them) of a run; n: the weights of one net (of the widest, for the
    jamming sweep) when known (conv nets), else counted for the fc net."""
    K = c["samples"]
    if c["protocol"] == "langevin":
        nw, nn = n_twins(c), n if n is not None else n_weights(c)
        return memory_estimate(c, nn, nw), f"{K} net(s) of {nn} weights, {nw} response twin(s) each"
    widest = max(c["widths"])
    nn = n if n is not None else n_weights(dict(c, width=widest))
    return jamming_memory_estimate(c, nn), f"{K} net(s) of {nn} weights at the widest, {c['P']} points"


def _check(config, n: int | None) -> None:
    """Refuse a run that would not fit in memory, naming the parameter the user made big (the one
    whose default value would shrink the estimate most: physics.schema.Schema.blame_for)."""
    total, what = _memory(config, n)
    if total <= memory_limit():
        return

    def need(c):
        return _memory(c, n if c is config else None)[0]
    key = SCHEMA.blame_for(config, need)
    check_memory(total, key, f"{key} = {show(config[key])} ({what})")


def check_langevin_memory(config, n: int | None = None) -> None:
    """Refuse a Langevin run that would not fit in memory (n: the weights of one net, when counted
    from the built model)."""
    _check(config, n)


def check_jamming_memory(config, n_max: int | None = None) -> None:
    """Refuse a jamming sweep whose widest net would not fit in memory (n_max: its weights)."""
    _check(config, n_max)


def _seconds(c: dict) -> float:
    """Rough run time on 2 cores: per step ~1e-4 s of overhead plus ~1e-9 s per weight, point and
    net (forward and backward); the jamming sweep at most max_steps per width."""
    K = c["samples"]
    if c["protocol"] == "langevin":
        slots = (1 + n_twins(c)) * K
        points = c["P"] if c["dynamics"] == "langevin" else c["batch"]
        return (c["tmax"] / c["lr"]) * (1e-4 + 1e-9 * slots * points * n_weights(c))
    return sum(c["max_steps"] * (1e-4 + 1e-9 * K * c["P"] * n_weights(dict(c, width=w))) for w in c["widths"])


def _cross_checks(c: dict) -> None:
    require(c["tmax"] >= c["lr"], "tmax", show(c["tmax"]), f"at least one step: tmax >= lr = {c['lr']:g}")
    require(c["tmax"] / c["lr"] <= 1e9, "tmax", show(c["tmax"]),
            f"at most 1e9 steps: tmax <= 1e9 lr = {1e9 * c['lr']:g} (or raise lr)")
    if c["tw"] is not None:
        require(all(v < c["tmax"] for v in c["tw"]), "tw", show(c["tw"]),
                f"waiting times in (0, tmax = {c['tmax']:g})")
    if c["dynamics"] == "sgd":
        require(c["batch"] <= c["P"], "batch", show(c["batch"]), f"a minibatch <= P = {c['P']}")
    if c["model"] == "cnn":
        require(c["data"] in IMAGE_DATASETS, "model", "'cnn' with data = " + show(c["data"]),
                f"the conv net only with image data ({', '.join(IMAGE_DATASETS)})")
    if setting(c, "outputs") > 1:
        o = show(setting(c, "outputs"))
        require(setting(c, "outputs") == CLASSES, "outputs", o, f"1 or {CLASSES} (one per class)")
        require(c["data"] in IMAGE_DATASETS, "outputs", f"{o} with data = " + show(c["data"]),
                f"several outputs only with image data ({', '.join(IMAGE_DATASETS)}), whose labels are classes")
        require(c["loss"] == "mse", "outputs", f"{o} with loss = " + show(c["loss"]),
                "several outputs only with loss mse (the square loss on one-hot labels)")
        require(c["protocol"] == "langevin", "outputs", f"{o} with protocol = " + show(c["protocol"]),
                "several outputs only with the langevin protocol")
    if c["data"] == "digits":
        require(c["d"] <= 64, "d", show(c["d"]), "d <= 64 (the 8x8 digits have 64 pixels)")
    if c["device"] == "cuda":
        import torch
        require(torch.cuda.is_available(), "device", "'cuda'", "cpu or auto (CUDA is not available here)")
    if setting(c, "hessian_at_end"):
        require(c["protocol"] == "jamming", "hessian_at_end", "true with protocol = " + show(c["protocol"]),
                "the Hessian split only at the end of the jamming protocol")
        require(c["loss"] == "hinge", "hessian_at_end", "true with loss = " + show(c["loss"]),
                "the split H = H0 + Hp only of the quadratic hinge loss")
    if setting(c, "stall_from"):
        require(c["l2"] == 0, "stall_from", f"{setting(c, 'stall_from')} with l2 = {show(c['l2'])}",
                "the stall stop only without L2 (l2 = 0)")
    if c["protocol"] == "langevin":
        require(c["l2"] * c["lr"] < 2.0, "l2", show(c["l2"]),
                f"l2 lr < 2 (a stable step on the L2 term): l2 < {2.0 / c['lr']:g} at lr = {c['lr']:g}")
