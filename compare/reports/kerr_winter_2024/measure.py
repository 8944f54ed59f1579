"""Kerr Winter & Janssen (2024), "Glassy dynamics in deep neural networks: a structural
comparison": nets under Langevin dynamics beside the p-spin (and, when built, soft spheres).

Claims (docs/science.md, sections 6 and 7): the nets' relaxation time stays finite at every T
(`tau_finite_all_T`), their overlap decays as a power of t/tau with exponent about -0.5
(`q_power_law_exponent`), obeys time-temperature superposition (`tts_collapse`), shows no cage
(`no_caging`), ages at low T (`aging_low_T`), has a four-point susceptibility peaking near tau
(`chi4_peak`), and an L2 term trivialises the landscape at lambda between 0.010 and 0.040 at width
30 (`trivialisation_lambda`); beside them the p-spin's tau diverges at T_d with the mode-coupling
exponent computed from lambda (`pspin_tau_exponent`) and soft spheres slow down as T drops
(`spheres_tau_growth`).

Measured on: our nets (nets/, bias-free ReLU, 6 hidden layers, quadratic hinge + L2, Langevin)
on scikit-learn's digits (parity, PCA to d = 10) at widths chosen so that N/P is that of their
state points; the p-spin above T_d in equilibrium (pspin.py: the exact N = infinity solution
after its transient, planted starts at finite N); an equilibrated liquid of soft disks (spheres.py).
"""
from __future__ import annotations

import numpy as np

from compare.reports.base import Point, Scale

PAPER = "kerr-winter-2024"
TITLE = ("Kerr Winter & Janssen (2024), glassy dynamics in deep neural networks: a structural "
         "comparison")
SOURCE = "arXiv:2405.13098 (2024); their public code for the protocol"
P_SPIN = 3

SCALES = {
    "small": Scale("small", "about 24 min on 2 cores (measured here from empty records and a cold "
                   "Numba cache: 24 min 8 s with 2 workers and nothing else running, 2026-11-29; 35 min 53 s "
                   "before the nets' hand-written gradient; seconds once the records exist)", {
        "P": 1000, "d": 10, "depth": 6, "lr": 0.05, "tmax": 2000.0, "tw": [20.0, 200.0, 1000.0],
        "samples": 8, "T": [1e-6, 1e-5, 1e-4, 1e-3],
        "states": {"w3": (3, 0.0), "w3_l2": (3, 0.01), "w8": (8, 0.0)},
        "l2": [0.0, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.04], "triv_width": 3,
        "triv_samples": 5,
        "triv_steps": 20000,
        "phase_widths": [2, 4, 8, 12], "phase_l2": [0.0, 0.002, 0.005, 0.02],
        "phase_samples": 3, "phase_steps": 10000,
        "ck_T": [0.65, 0.68, 0.72, 0.8, 0.9, 1.0, 1.2], "ck_tmax": [3e4] + [1e4] * 6,
        "ck_tw": [3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 1e4], "ck_n_grid": 512,
        "pspin_N": 256, "pspin_T": [0.7, 0.75, 0.8, 0.9, 1.0, 1.2], "pspin_tmax": 500.0,
        "pspin_tw": [10.0, 100.0, 300.0], "pspin_samples": 4}),
    "paper": Scale("paper", "a cluster (their sizes: P = 60000 would need MNIST files in --data-dir; "
                   "estimated from the small scale, not measured)", {
        "P": 1297, "d": 10, "depth": 6, "lr": 0.05, "tmax": 2e4, "tw": [20.0, 200.0, 2000.0, 1e4],
        "samples": 32, "T": [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2],
        "states": {"w3": (3, 0.0), "w3_l2": (3, 0.01), "w8": (8, 0.0)},
        "l2": [0.0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06], "triv_width": 3,
        "triv_samples": 20, "triv_steps": 100000,
        "phase_widths": [2, 3, 4, 6, 8, 12, 16, 24],
        "phase_l2": [0.0, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.04, 0.06],
        "phase_samples": 10, "phase_steps": 100000,
        "ck_T": [0.63, 0.64, 0.65, 0.68, 0.72, 0.8, 0.9, 1.0, 1.2], "ck_tmax": 1e5,
        "ck_tw": [3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 1e4, 3e4], "ck_n_grid": 1024,
        "pspin_N": 1000, "pspin_T": [0.66, 0.7, 0.75, 0.8, 0.9, 1.0, 1.2], "pspin_tmax": 1e4,
        "pspin_tw": [10.0, 100.0, 1000.0], "pspin_samples": 8}),
    "tiny": Scale("tiny", "seconds (tests only)", {
        "P": 60, "d": 4, "depth": 2, "lr": 0.1, "tmax": 40.0, "tw": [2.0, 10.0], "samples": 3,
        "T": [1e-4, 1e-3, 1e-2], "states": {"w3": (3, 0.0), "w8": (8, 0.0)},
        "l2": [0.0, 0.2], "triv_width": 3, "triv_samples": 2, "triv_steps": 300,
        "phase_widths": [2, 6], "phase_l2": [0.0, 0.2], "phase_samples": 2, "phase_steps": 200,
        "ck_T": [0.9, 1.2, 1.5], "ck_tmax": 100.0, "ck_tw": [5.0, 20.0, 40.0], "ck_n_grid": 128,
        "pspin_N": 32, "pspin_T": [0.9, 1.2, 1.5], "pspin_tmax": 40.0, "pspin_tw": [5.0, 15.0],
        "pspin_samples": 2}, hidden=True),
}

TOL = {"tau_finite_all_T": 0.01, "q_power_law_exponent": 0.1, "tts_collapse": 0.05,
       "chi4_peak": 0.5, "pspin_tau_exponent": 0.25}
"""Tolerances of the claims, with their reasons in the claims' notes."""


def n_weights(width: int, depth: int, d: int) -> int:
    """Weights of the bias-free fully connected net: d w + (depth - 1) w^2 + w."""
    return d * width + (depth - 1) * width * width + width


# ----------------------------------------------------------------------------- the points

def nets_name(state: str, T: float) -> str:
    return f"nets_{state}_T{T:g}"


def nets_points(scale: str) -> list[Point]:
    """The nets' Langevin runs: every state point at every T."""
    from nets import default_config as nets_config
    s = SCALES[scale].params
    out = []
    for state, (width, l2) in s["states"].items():
        for T in s["T"]:
            out.append(Point(nets_name(state, T), "dnn", nets_config(
                protocol="langevin", data="digits", d=s["d"], P=s["P"], depth=s["depth"], width=width,
                bias=False, activation="relu", loss="hinge", l2=l2, dynamics="langevin", T=float(T),
                lr=s["lr"], tmax=float(s["tmax"]), tw=[float(w) for w in s["tw"]], h=0.0, hessian_k=0,
                samples=s["samples"], seed=0, device="cpu")))
    return out


def trivialisation_points(scale: str) -> list[Point]:
    """T = 0 minimisations (the jamming protocol) at one width over the L2 grid, the samples
    sharing one data set (different initialisations), as their figure of final loss against lambda."""
    from nets import SCHEMA
    from nets import default_config as nets_config
    s = SCALES[scale].params
    shared = {"shared_data": True} if "shared_data" in SCHEMA else {}
    return [Point(f"triv_l2_{l2:g}", "dnn", nets_config(
        protocol="jamming", data="digits", d=s["d"], P=s["P"], depth=s["depth"],
        widths=[int(s["triv_width"])], bias=False, activation="relu", loss="hinge", l2=float(l2),
        max_steps=int(s["triv_steps"]), samples=s["triv_samples"], seed=0, device="cpu", **shared))
        for l2 in s["l2"]]


def phase_points(scale: str) -> list[Point]:
    """The (N/P, lambda) phase diagram: T = 0 minimisations (the jamming protocol, one shared data
    set, several initialisations) over a grid of widths at each lambda. At lambda = 0 the sweep
    over widths is the jamming sweep that locates N*; at lambda > 0 it says where the landscape is
    trivial (every minimisation ends at w = 0, loss 1/2)."""
    from nets import default_config as nets_config
    s = SCALES[scale].params
    return [Point(f"phase_l2_{l2:g}", "dnn", nets_config(
        protocol="jamming", data="digits", d=s["d"], P=s["P"], depth=s["depth"],
        widths=[int(w) for w in s["phase_widths"]], bias=False, activation="relu", loss="hinge",
        l2=float(l2), max_steps=int(s["phase_steps"]), samples=s["phase_samples"], seed=0,
        device="cpu", shared_data=True)) for l2 in s["phase_l2"]]


# ----------------------------------------------------------------------------- curves from records

def unstable_samples(run) -> tuple[np.ndarray, np.ndarray]:
    """(diverged, died) masks [S] of a nets' Langevin record: diverged, a non-finite loss (or
    `dnn/diverged_at` set, where the record has it); died, a jump from below 0.4 to the trivial
    loss 1/2 that stays there (every output 0: an absorbing state; or `dnn/dead_at` set). Both are
    the step lr being too large for that sample (lr x the top Hessian eigenvalue > 2 just before),
    not the physics of the landscape. Other systems: no sample is."""
    e = np.asarray(run["energy"], float)
    S = e.shape[0]
    if run.system != "dnn":
        return np.zeros(S, bool), np.zeros(S, bool)
    diverged = ~np.isfinite(e).all(axis=1)
    low = np.nanmin(np.where(np.isfinite(e), e, np.inf), axis=1) < 0.4
    died = ~diverged & low & (np.abs(e[:, -1] - 0.5) < 1e-3)
    for name, mask in (("dnn/diverged_at", diverged), ("dnn/dead_at", died)):
        if name in run:
            mask |= np.isfinite(np.asarray(run[name], float).reshape(S))
    return diverged, died & ~diverged


def lag_curve(run, name: str, i_tw: int = -1, per_sample: bool = False):
    """(lag, values) of a two-time observable at waiting time tw[i_tw]: the mean over the stable
    samples (unstable_samples left out), or those samples [S', n] with per_sample; lags > 0 only."""
    t, tw = np.asarray(run["t"], float), np.asarray(run["tw"], float)
    lag = t - tw[i_tw]
    keep = lag > 0
    diverged, died = unstable_samples(run)
    v = np.asarray(run[name], float)[~(diverged | died), i_tw, :][:, keep]
    if not per_sample:
        with np.errstate(all="ignore"):
            cnt = np.isfinite(v).sum(axis=0)
            v = np.where(cnt > 0, np.nansum(v, axis=0) / np.maximum(cnt, 1), np.nan)
    return lag[keep], v


def displacements(run, lag: float, i_tw: int = -1):
    """(u, density, lag used) of the displacement distribution (van Hove self part, u = dx / rms)
    at the stored lag nearest `lag` after tw[i_tw], the mean over the stable samples; None when the
    record has no `vanhove` (made before it was recorded)."""
    if "vanhove" not in run:
        return None
    t, tw = np.asarray(run["t"], float), np.asarray(run["tw"], float)
    lags = t - tw[i_tw]
    k = int(np.argmin(np.where(lags > 0, np.abs(np.log(np.maximum(lags, 1e-300) / lag)), np.inf)))
    diverged, died = unstable_samples(run)
    d = np.asarray(run["vanhove"], float)[~(diverged | died), i_tw, k, :]
    with np.errstate(all="ignore"):
        return np.asarray(run["vanhove_u"], float), np.nanmean(d, axis=0), float(lags[k])


def overlap(run, i_tw: int = -1):
    """(lag, normalised overlap): Q/Q(shortest lag) for nets, C for the p-spin (C(t, t) = 1)."""
    from physics import analysis as A
    name = "Q" if run.system == "dnn" else "C"
    lag, v = lag_curve(run, name, i_tw)
    return lag, A.normalised(v)


def taus(runs: dict, names: list[str], i_tw: int = -1) -> list:
    from physics import analysis as A
    return [A.tau_of(*overlap(runs[n], i_tw), "tau_e") for n in names]


def nets_names(scale: str, state: str) -> list[str]:
    return [nets_name(state, T) for T in SCALES[scale].params["T"]]


def main_state(scale: str) -> str:
    """The state point most claims are read at: the wider net (N/P of their (72, 0))."""
    return "w8" if "w8" in SCALES[scale].params["states"] else next(iter(SCALES[scale].params["states"]))


def _fmt_tau(e, errors: bool = False, missing: str = "none") -> str:
    """One tau for a note: "> value" for a bound, the value (+- its error with errors), else
    `missing`."""
    if e.bound:
        return f"{e.bound} {e.value:.3g}"
    if not e.ok:
        return missing
    return f"{e.value:.3g} +- {e.error:.2g}" if errors and np.isfinite(e.error) else f"{e.value:.3g}"


def stand_in(scale: str, spheres: str = "") -> str:
    """What stood in for their protocol; `spheres` is the soft spheres' sentence (spheres.py)."""
    s = SCALES[scale].params
    states = ", ".join(f"width {w}, lambda = {l2:g} (N/P = {n_weights(w, s['depth'], s['d']) / s['P']:.3f})"
                       for w, l2 in s["states"].values())
    return (
        "Their protocol: PCA-MNIST parity (d = 10, P = 60000), bias-free ReLU nets of 6 hidden layers "
        "at widths 30 and 72 (N/P = 0.08 and 0.45), quadratic hinge + (lambda/2)|w|^2, an SGD "
        "preparation of 2e4 steps, then full-batch gradient descent (lr 1e-3) with Gaussian noise "
        "of std sqrt(2 kT lr / P) per step, kT from 1e-10 to 1, Q normalised by Q(0) with a = "
        "std(w)/f. Ours: no MNIST files are available offline, so scikit-learn's 8x8 digits stood "
        f"in (parity labels, PCA to d = {s['d']}, P = {s['P']} training points); {s['depth']} hidden "
        f"layers, bias-free ReLU, quadratic hinge + (lambda/2)|w|^2 (our l2 = their lambda); the "
        f"widths are scaled down so that N/P is that of their state points: {states}. Langevin "
        f"dynamics dw = -grad E dt + sqrt(2 T dt) eta with dt = lr = {s['lr']:g} from the "
        "initialisation, no SGD preparation: the waiting times "
        f"{', '.join(f'{w:g}' for w in s['tw'])} play the role of their t0 (the largest is used for "
        "tau, TTS, chi_4; all of them for aging). Our T multiplies the mean loss: their kT = T P. Q "
        "uses a = std(w_init)/10 (their f is chosen per state point, 1e2-1e3). "
        f"{s['samples']} nets (independent data draws, initialisations and noise) per point. The "
        "trivialisation uses our jamming protocol (T = 0, Adam) on one shared data set. The p-spin: "
        f"the exact N = infinity solution (CK, n_grid = {s['ck_n_grid']}) from a random start at T = "
        f"{', '.join(f'{T:g}' for T in s['ck_T'])} to t = "
        f"{', '.join(f'{t:g}' for t in np.broadcast_to(s['ck_tmax'], (len(s['ck_T']),)))}, read once tau no longer "
        f"depends on tw, and N = {s['pspin_N']} spins from a planted equilibrium start at T = "
        f"{', '.join(f'{T:g}' for T in s['pspin_T'])} ({s['pspin_samples']} samples). "
        + (spheres + " " if spheres else "")
        + ("This is the small scale (a laptop)." if scale == "small" else
           "This is the paper scale (meant for a cluster)." if scale == "paper" else
           "This is a test scale: too small for any claim to mean anything."))


TRIVIAL_LOSS = 0.45
"""A minimisation ended in the trivial minimum w = 0 (every output 0, loss exactly 1/2) when its
final data loss is above this (the non-trivial minima of our runs end below 0.3)."""


def phase_diagram(runs: dict, scale: str) -> dict:
    """The (N/P, lambda) phase diagram from the phase points: N/P [m] of the widths, lambda [k],
    the geometric-mean final loss [k, m], the fraction of trivial minimisations [k, m], lambda_c
    per width (analysis.jump_location of the loss against lambda, from its lowest value to 1/2)
    and N* (analysis.n_star of the lambda = 0 sweep: N_Delta/N crossing 0.1, the jamming line)."""
    from physics import analysis as A
    s = SCALES[scale].params
    widths = [int(w) for w in s["phase_widths"]]
    l2s = [float(l) for l in s["phase_l2"]]
    N = np.array([n_weights(w, s["depth"], s["d"]) for w in widths], float)
    loss = np.full((len(l2s), len(widths)), np.nan)
    trivial = np.full_like(loss, np.nan)
    ratio0 = None
    for i, l2 in enumerate(l2s):
        run = runs[f"phase_l2_{l2:g}"]
        lf = np.asarray(run["dnn/loss_final"], float)                  # [S, m]
        with np.errstate(all="ignore"):
            loss[i] = np.exp(np.nanmean(np.log(np.maximum(lf, 1e-30)), axis=0))
            trivial[i] = np.nanmean(lf > TRIVIAL_LOSS, axis=0)
        if l2 == 0.0:
            ratio0 = np.nanmean(np.asarray(run["dnn/N_delta_final"], float), axis=0) / N
    lam = np.array(l2s)
    lambda_c = [A.jump_location(lam, loss[:, j], low=float(np.nanmin(loss[:, j])), high=0.5, log=False)
                for j in range(len(widths))]
    n_star = A.n_star(N, ratio0) if ratio0 is not None else A.none("no lambda = 0 sweep")
    return {"widths": widths, "N_over_P": N / s["P"], "lambda": lam, "loss": loss,
            "trivial": trivial, "lambda_c": lambda_c, "n_star": n_star,
            "n_delta_ratio": ratio0, "P": s["P"]}
