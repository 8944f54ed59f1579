"""Geiger et al. 2019 (and Spigler et al. 2019): the scales, the points to run and the curves read
from their records. Claims in claims.py, figures in figures.py.

Nets, the paper's protocol (docs/science.md section 4): random data (Gaussian inputs, labels +-1)
with d = h, fully connected ReLU nets WITH biases and orthogonal initialisation, quadratic hinge,
full-batch Adam in float64 (step min_lr / (1 + t / decay_steps)) until every live constraint is
satisfied or max_steps. At each depth one net of N ~ N_target weights is trained on P points for a
grid of N/P: N* is located by sweeping P at fixed N (analysis.n_star on N/P). The live N_Delta at
log-spaced steps gives N* against the length of the minimisation. The generalisation cusp: the
same protocol on PCA parity data (digits when no MNIST files) at fixed P over widths, several
initialisations on ONE data set, so that their outputs can be averaged (the ensemble).
"""
from __future__ import annotations

import numpy as np

from compare.reports.base import Point, Scale

PAPER = "geiger-2019"
TITLE = ("Geiger, Spigler, d'Ascoli, Sagun, Baity-Jesi, Biroli & Wyart (2019), jamming transition "
         "as a paradigm to understand the loss landscape of deep neural networks; with Spigler et "
         "al. (2019), the generalisation cusp at N*")
SOURCE = "Phys. Rev. E 100, 012115 (2019); J. Phys. A 52, 474001 (2019); mariogeiger/nn_jamming"

SCALES = {
    "small": Scale("small", "about 4 min on 2 cores (measured here from empty records: 240 s with 2 workers, "
                   "2026-11-29: 3e4 Adam steps with the stall stop, the Hessian split and the disks' criticality; "
                   "5 min 52 s on one worker before, at 1e4 steps without them)", {
        "depths": [1, 3], "N_target": 200, "ratios": [0.3, 0.45, 0.6, 0.9, 1.3, 2.0],
        "samples": 3, "max_steps": 30000, "stall_from": 10000, "min_lr": 1e-3, "decay_steps": 1e4,
        "cusp_P": 400, "cusp_P_test": 500, "cusp_d": 10, "cusp_depth": 3,
        "cusp_widths": [2, 3, 4, 5, 6, 8, 11, 16, 24, 32], "cusp_samples": 5, "cusp_steps": 10000,
        "spheres_N": 256, "spheres_samples": 4,
        "ellipses_N": 64, "ellipses_alpha": [1.0, 1.5], "ellipses_samples": 2}),
    "paper": Scale("paper", "a cluster (their N ~ 7.8k at L = 2, 3, 5; P up to 3e4; 1e6 Adam steps; "
                   "not measured here)", {
        "depths": [2, 3, 5], "N_target": 7854, "ratios": [0.24, 0.27, 0.3, 0.32, 0.34, 0.36, 0.4, 0.45],
        "samples": 8, "max_steps": 1_000_000, "stall_from": 0, "min_lr": 1e-4, "decay_steps": 2.5e5,
        "cusp_P": 10000, "cusp_P_test": 10000, "cusp_d": 10, "cusp_depth": 5,
        "cusp_widths": [4, 8, 12, 16, 20, 24, 32, 48, 64, 128, 256], "cusp_samples": 10,
        "cusp_steps": 500000,
        "spheres_N": 1024, "spheres_samples": 20,
        "ellipses_N": 512, "ellipses_alpha": [1.0, 1.2, 1.5, 2.0], "ellipses_samples": 8}),
    "tiny": Scale("tiny", "seconds (tests only)", {
        "depths": [1, 2], "N_target": 40, "ratios": [0.2, 0.5, 1.5], "samples": 2, "max_steps": 300,
        "stall_from": 0,
        "min_lr": 1e-2, "decay_steps": 1e3,
        "cusp_P": 40, "cusp_P_test": 100, "cusp_d": 4, "cusp_depth": 2, "cusp_widths": [1, 3, 12],
        "cusp_samples": 2, "cusp_steps": 300,
        "spheres_N": 32, "spheres_samples": 2,
        "ellipses_N": 16, "ellipses_alpha": [1.0, 1.5], "ellipses_samples": 1}, hidden=True),
}

THRESHOLD = 0.1
"""Jammed (under-parametrised) when the live N_Delta > 0.1 N (their rule)."""


def weights(L: int, h: int, d: int | None = None, bias: bool = True) -> int:
    """N of a fully connected net of depth L and width h on d inputs (d = h by default)."""
    from nets.config import count_weights
    return count_weights({"width": h, "depth": L, "bias": bias, "model": "fc"}, (h if d is None else d,))


def width_for(L: int, N_target: int) -> int:
    """The width h (with d = h) whose N is nearest N_target at depth L."""
    hs = np.arange(1, 400)
    Ns = np.array([weights(L, int(h)) for h in hs])
    return int(hs[np.argmin(np.abs(Ns - N_target))])


def random_name(L: int, ratio: float) -> str:
    return f"random_L{L}_r{ratio:g}"


def random_points(scale: str) -> list[Point]:
    """One jamming run per (depth, N/P): the net at depth L with d = h, P = N / ratio."""
    from nets import default_config as nets_config
    s = SCALES[scale].params
    out = []
    for L in s["depths"]:
        h = width_for(L, s["N_target"])
        N = weights(L, h)
        for r in s["ratios"]:
            out.append(Point(random_name(L, r), "dnn", nets_config(
                protocol="jamming", data="random", d=h, P=max(1, int(round(N / r))), P_test=1,
                depth=L, widths=[h], bias=True, init="orthogonal", activation="relu", loss="hinge",
                precision="float64", max_steps=int(s["max_steps"]), min_lr=float(s["min_lr"]),
                decay_steps=float(s["decay_steps"]), samples=int(s["samples"]), seed=0, device="cpu",
                hessian_at_end=True,      # H = H0 + Hp (hessian.py), for N <= hessian_full_max = 1500
                stall_from=int(s["stall_from"]))))   # jammed nets stop once stationary (nets.minimiser)
    return out


def cusp_points(scale: str) -> list[Point]:
    """The generalisation cusp: PCA parity data (digits), fixed P, widths across N*, several
    initialisations on one data set (their outputs averaged: the ensemble)."""
    from nets import default_config as nets_config
    s = SCALES[scale].params
    return [Point("cusp", "dnn", nets_config(
        protocol="jamming", data="digits", d=s["cusp_d"], P=s["cusp_P"], P_test=s["cusp_P_test"],
        depth=s["cusp_depth"], widths=[int(w) for w in s["cusp_widths"]], bias=True, init="orthogonal",
        activation="relu", loss="hinge", precision="float64", max_steps=int(s["cusp_steps"]),
        min_lr=float(s["min_lr"]), decay_steps=float(s["decay_steps"]), samples=int(s["cusp_samples"]),
        shared_data=True, seed=0, device="cpu"))]


def spheres_points(scale: str) -> list[Point]:
    """Soft disks (2D, bidisperse) jammed by compress-and-bisect: isostatic at phi_J."""
    from physics.spheres import default_config as spheres_config
    s = SCALES[scale].params
    return [Point("spheres_jam", "spheres", spheres_config(
        protocol="jam", N=int(s["spheres_N"]), dim=2, samples=int(s["spheres_samples"]), seed=0))]


# ----------------------------------------------------------------------------- curves from records

def live_ratio(run) -> np.ndarray:
    """Live N_Delta/N per sample [S] of a single-width jamming record (dead constraints out)."""
    from compare.findings.nets import ndelta_curve
    return ndelta_curve(run)[2][:, 0]


def depth_curve(runs: dict, scale: str, L: int) -> dict:
    """At depth L: N/P [k] (sorted), the live N_Delta/N [S, k], N*/P (analysis.n_star on N/P), the
    index of the run nearest N* from below (the largest N/P still jammed), and N*/P against the
    minimisation length (dnn/N_live_at)."""
    from physics import analysis as A
    s = SCALES[scale].params
    rs = [runs[random_name(L, r)] for r in s["ratios"]]
    x = np.array([float(np.ravel(r["dnn/N"])[0]) / float(np.ravel(r["dnn/P"])[0]) for r in rs])
    order = np.argsort(x)
    rs, x = [rs[i] for i in order], x[order]
    ratio = np.stack([live_ratio(r) for r in rs], axis=1)                 # [S, k]
    est = A.n_star(x, np.nanmean(ratio, axis=0), threshold=THRESHOLD, label="N/P")
    jammed = np.nonzero(np.nanmean(ratio, axis=0) > THRESHOLD)[0]
    near = int(jammed[-1]) if jammed.size else 0
    steps, conv = np.array([]), []
    if all("dnn/N_live_at" in r for r in rs):
        steps = np.asarray(rs[0]["dnn/N_delta_steps"], float)
        N = float(np.ravel(rs[0]["dnn/N"])[0])
        live = np.stack([np.nanmean(np.asarray(r["dnn/N_live_at"], float)[:, 0, :], axis=0) for r in rs]) / N
        conv = [A.n_star(x, live[:, k], threshold=THRESHOLD, label="N/P") for k in range(steps.size)]
    h = width_for(L, s["N_target"])
    return {"L": L, "h": h, "N": weights(L, h), "x": x, "ratio": ratio, "n_star": est, "near": near,
            "runs": rs, "steps": steps, "convergence": conv}


def margins_at(curve: dict) -> np.ndarray:
    """The margins of every sample of the run nearest N* from below, pooled, dead ones out
    (Delta = 1 exactly: f = 0)."""
    from compare.findings.nets import live_margins
    return live_margins(curve["runs"][curve["near"]]["dnn/margins"])


def cusp_curve(runs: dict) -> dict:
    """The cusp run: N [m], N* (live N_Delta, analysis.n_star), test error of each net [S, m] and
    of the ensemble average [m]."""
    from compare.findings.nets import n_star_of, ndelta_curve
    run = runs["cusp"]
    N, P, ratio, order = ndelta_curve(run)
    err = np.asarray(run["dnn/test_error_final"], float)[:, order]
    ens = np.asarray(run["dnn/ensemble_test_error"], float)[order]
    return {"N": N, "P": P, "ratio": ratio, "n_star": n_star_of(run), "error": err, "ensemble": ens}


def cusp_ratio(N, error, n_star: float):
    """The height of a cusp at N*: e* = the test error at the width nearest N* (in ln N), over the
    lowest error on EITHER side of it, min(e* / min_{N < N*} e, e* / min_{N > N*} e) (the widths
    other than the nearest one). Above 1 only when e* stands above both sides: a peak (Spigler et
    al.), not a curve that merely decreases (whose e* / min beyond N* alone exceeds 1 too).
    Returns (ratio, index at N*, index of the lower side's minimum), or (nan, -1, -1) without
    widths on both sides."""
    N, error = np.asarray(N, float), np.asarray(error, float)
    if not np.isfinite(n_star):
        return float("nan"), -1, -1
    i = int(np.argmin(np.abs(np.log(N / n_star))))
    idx = np.arange(N.size)
    below, beyond = idx[(idx != i) & (N < n_star)], idx[(idx != i) & (N > n_star)]
    if below.size == 0 or beyond.size == 0:
        return float("nan"), -1, -1
    ks = [int(side[np.nanargmin(error[side])]) for side in (below, beyond)]
    k = max(ks, key=lambda j: error[j])             # the higher of the two minima: the binding side
    return float(error[i] / error[k]) if error[k] > 0 else float("nan"), i, k


def ellipses_name(alpha: float) -> str:
    return f"ellipses_a{alpha:g}"


def ellipses_points(scale: str) -> list[Point]:
    """Soft ellipses (2D, bidisperse) jammed at each aspect ratio: Z_J and the quartic modes."""
    from physics.ellipses import default_config as ellipses_config
    s = SCALES[scale].params
    return [Point(ellipses_name(a), "ellipses", ellipses_config(
        protocol="jam", alpha=float(a), N=int(s["ellipses_N"]), samples=int(s["ellipses_samples"]), seed=0))
        for a in s["ellipses_alpha"]]


def points(scale: str) -> list[Point]:
    from compare.reports.geiger_2019 import packings    # the disks' criticality (packings.py)
    return (random_points(scale) + cusp_points(scale) + spheres_points(scale) + ellipses_points(scale)
            + packings.points(scale))
