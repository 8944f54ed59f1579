"""Baity-Jesi, Sagun, Geiger, Spigler, Ben Arous, Cammarota, LeCun, Wyart & Biroli (ICML 2018),
"Comparing dynamics: deep neural networks versus glassy systems" (docs/science.md, sections 5, 10).

Claims: SGD training has three regimes, t < t1 (no tw dependence), t1 < t < t2 (aging), t > t2
(`three_regimes`); past t2 the msd of an over-parametrised net grows as a power of the lag, linearly
in the paper (`late_msd_exponent`, measured with SGD noise alone, T = 0); an under-parametrised
net ages like a glass, with a plateau in the msd (`under_plateau`); beside them the trap model's
aging (`trap_model_scaling`) and the p-spin's plateau q_EA (`p_spin_plateau`, the CK solution);
the barrier claims (`no_barrier_nets`, `pspin_barrier_grows`) come from barriers.py.

Measured on: Freeman & Bruna's toy model as in the paper's public code (one hidden layer of width
m, biases, ten outputs, square loss on one-hot labels, SGD with momentum 0.5 and minibatches, no
added noise) on scikit-learn's 8x8 digits (CIFAR-10 or MNIST at --scale paper when their files are
in the data folder), at one width far above and one far below the number of constraints.
"""
from __future__ import annotations

import math
import numpy as np

from compare.reports.base import Claim, Point, Scale, claim_from, number
from compare.reports.baity_jesi_2018 import barriers

PAPER = "baity-jesi-2018"
TITLE = ("Baity-Jesi et al. (2018), comparing dynamics: deep neural networks versus glassy systems")
SOURCE = "ICML 2018, PMLR 80, 314; arXiv:1803.06969; public code mbaityje/DEEP-GLASS"

SCALES = {
    "small": Scale("small", "about 5 min on 2 cores (measured here beside other jobs: 4.2 min wall on "
                   "2 workers with the CK records already there; compute: the nets 208 s and 152 s, the "
                   "trap model 9 s, CK 42 s, its records shared with the cugliandolo-kurchan-1993 report)", {
        "data": "digits", "P": 500, "P_test": 200, "d": 64, "widths": {"over": 100, "under": 3},
        "batch": 50, "lr": 0.1, "momentum": 0.5, "steps": 10000, "samples": 2,
        "trap_x": 0.5, "trap_walkers": 10000, "trap_samples": 4, "trap_tmax": 1e6, "ck_scale": "small"}),
    "paper": Scale("paper", "a cluster (their sizes: CIFAR-10 with 3072 inputs when its files are in "
                   "data/, m = 10 to 1e4; estimated, not measured)", {
        "data": "cifar10", "P": 50000, "P_test": 10000, "d": 3072,
        "widths": {"under": 10, "m100": 100, "m1000": 1000, "over": 10000},
        "batch": 100, "lr": 0.1, "momentum": 0.5, "steps": 1000000, "samples": 4,
        "trap_x": 0.5, "trap_walkers": 100000, "trap_samples": 8, "trap_tmax": 1e9, "ck_scale": "paper"}),
    "tiny": Scale("tiny", "seconds (tests only)", {
        "data": "digits", "P": 40, "P_test": 20, "d": 16, "widths": {"over": 20, "under": 1},
        "batch": 8, "lr": 0.1, "momentum": 0.5, "steps": 100, "samples": 2,
        "trap_x": 0.5, "trap_walkers": 500, "trap_samples": 2, "trap_tmax": 1e4, "ck_scale": "tiny"},
        hidden=True),
}

TOL = {"three_regimes": 0.5, "late_msd_exponent": 0.1}
"""Tolerances, with their reasons in the claims' notes."""
DIFFUSION = 1.0
"""The paper's late msd exponent past t2: msd linear in the lag (diffusion, docs/science.md, 5)."""


def data_of(scale: str) -> str:
    """The image data of this scale: the paper scale's CIFAR-10 when its files are in the nets'
    data folder (nothing is downloaded), else scikit-learn's digits."""
    s = SCALES[scale].params
    if s["data"] == "digits":
        return "digits"
    from nets import default_config
    from nets.data import DataError, load_images
    try:
        load_images(s["data"], default_config()["data_dir"])
        return s["data"]
    except (DataError, OSError):
        return "digits"


# ----------------------------------------------------------------------------- the points

def net_config(scale: str, width: int) -> dict:
    """The paper's protocol: one hidden layer of `width`, biases, ten outputs, square loss on
    one-hot labels, SGD with momentum, T = 0, default (10 log-spaced) waiting times."""
    from nets import default_config
    s = SCALES[scale].params
    data = data_of(scale)
    # the digits standing in for CIFAR-10: at most their 1297 training images and 64 pixels
    P, d, Pt = (s["P"], s["d"], s["P_test"]) if data == s["data"] else (
        min(s["P"], 1297), min(s["d"], 64), min(s["P_test"], 500))
    return default_config(
        protocol="langevin", data=data, P=int(P), P_test=int(Pt), d=int(d), model="fc", width=int(width), depth=1, bias=True,
        outputs=10, loss="mse", l2=0.0, dynamics="sgd", T=0.0, batch=int(s["batch"]),
        momentum=float(s["momentum"]), lr=float(s["lr"]), tmax=float(s["steps"]) * float(s["lr"]),
        h=0.0, hessian_k=0, samples=int(s["samples"]), seed=0, device="cpu")


def ck_points(scale: str) -> list[Point]:
    """CK at T = 0.5 and its half-grid twin: the very points (hence records) of the
    cugliandolo-kurchan-1993 report at the matching scale."""
    from compare.reports.cugliandolo_kurchan_1993 import measure as CK
    return [p for p in CK.points(SCALES[scale].params["ck_scale"]) if p.name in ("ck", "ck_half_grid")]


def points(scale: str) -> list[Point]:
    from physics import trap_config
    s = SCALES[scale].params
    out = [Point(f"net_{name}", "dnn", net_config(scale, w)) for name, w in s["widths"].items()]
    out.append(Point("trap", "trap", trap_config.default_config(
        x=float(s["trap_x"]), tmax=float(s["trap_tmax"]), walkers=int(s["trap_walkers"]),
        samples=int(s["trap_samples"]), seed=0)))
    return out + ck_points(scale) + barriers.points(scale)


# ----------------------------------------------------------------------------- curves from records

def curves(run) -> dict:
    """Sample means of a net record: t, loss, tw, msd [nw, nt], D [nw], N, P, train accuracy."""
    D = np.asarray(run["dnn/D"], float) if "dnn/D" in run else np.full((1, len(run["tw"])), np.nan)
    with np.errstate(all="ignore"):
        Dm = np.nanmean(D, axis=0)
    return {"t": np.asarray(run["t"], float), "loss": run.mean("energy"),
            "tw": np.asarray(run["tw"], float), "msd": run.mean("msd"), "D": Dm,
            "N": float(np.ravel(run["dnn/N"])[0]), "P": float(np.ravel(run["dnn/P"])[0]),
            "acc": float(run.mean("dnn/train_acc")[-1]), "lr": float(run.config["lr"])}


def regimes_of(run) -> dict:
    """analysis.regimes of a net record (t1 from the msd curves, t2 from the loss)."""
    from physics import analysis as A
    c = curves(run)
    return A.regimes(c["t"], c["loss"], c["tw"], c["msd"])


def regime_word(run) -> str:
    from compare.findings.nets import regime_of
    return regime_of(run)


def _steps(t: float, lr: float) -> str:
    return f"{t:.3g} ({t / lr:.3g} steps)"


OVER, UNDER = "net_over", "net_under"


# ----------------------------------------------------------------------------- claims

def claim_three_regimes(runs, scale) -> Claim:
    from physics import analysis as A
    run = runs[OVER]
    c, r = curves(run), regimes_of(run)
    e1, e2, phase = r["t1"], r["t2"], r["phase"]
    found = sorted(set(p for p in phase if p))
    n = float(len(found) if r["ordered"] else min(len(found), 2))
    late = [i for i, p in enumerate(phase) if p == 3]
    coll = A.msd_collapse(c["t"], c["tw"][late], c["msd"][late], c["D"][late]) if len(late) >= 2 else \
        A.none("fewer than 2 tw past t2")
    lr = c["lr"]
    how = (f"Over-parametrised net (width {run.config['width']}, N = {c['N']:.0f} weights, P = {c['P']:.0f}, "
           f"{regime_word(run)}, final train accuracy {c['acc']:.3f}), sample mean of {run.config['samples']} "
           f"runs. analysis.regimes: t1 from the msd curves of consecutive tw (they coincide while the "
           f"median |ln msd ratio| <= {e1.extra.get('tol', 0.15):g}): {e1.note}; "
           + (f"t1 {e1.bound or '='} {_steps(e1.value, lr)}" + (f" +- {e1.error:.2g}" if e1.ok else "") + ". "
              if math.isfinite(e1.value) else "")
           + f"t2 from the loss (its local exponent -d ln L/d ln t, on 10 log bins a decade, falls "
             f"below 0.1 of its maximum after the steepest point): {e2.note}"
           + (f"; t2 {e2.bound or '='} {_steps(e2.value, lr)}" if math.isfinite(e2.value) else "") + ". "
           "Spread of the msd between consecutive tw: "
           + ", ".join(f"{v:.2f}" for v in e1.extra.get("spread", [])) + ". "
           f"Regime of each tw ({', '.join(f'{w:.3g}' for w in c['tw'])}): {phase}. ")
    if coll.ok:
        how += (f"Past t2 msd/D(tw) collapses with an rms spread of ln(msd/D) = {coll.value:.2f} "
                f"(without dividing by D: {coll.extra['raw_spread']:.2f}). ")
    if not r["ordered"]:
        how += "t2 <= t1: the loss slows before the msd curves part, not the paper's order (counted as at most 2). "
    if UNDER in runs:
        ru = regimes_of(runs[UNDER])
        how += (f"For comparison, the under-parametrised net (width {runs[UNDER].config['width']}): "
                f"t1 {ru['t1'].bound or '='} {ru['t1'].value:.3g}, t2 {ru['t2'].bound or '='} "
                f"{ru['t2'].value:.3g}, regimes {ru['phase']}"
                + (" (in order)" if ru["ordered"] else " (not in order)") + ". ")
    how += ("Measured: the number of regimes seen among the tw (1, 2, 3), in the paper's order t1 < t2; "
            "tolerance 0.5 (all three found is reproduced, two is partly)")
    return claim_from("three_regimes", "SGD training of an over-parametrised net has three regimes: "
                      "before t1 no tw dependence, t1 < tw < t2 aging, past t2 the loss slows sharply "
                      "and the msd grows as a power of the lag (t1 and t2 in the note)",
                      A.Estimate(n, note=f"regimes seen: {found}"), 3.0,
                      "three regimes, t1 and t2 (Baity-Jesi et al. 2018, figures 2-3)",
                      TOL["three_regimes"], how)


def claim_late_exponent(runs, scale) -> Claim:
    from physics import analysis as A
    run = runs[OVER]
    c, r = curves(run), regimes_of(run)
    i = len(c["tw"]) - 1
    lag, msd = A.lag_curve(c["t"], c["tw"][i], c["msd"][i])
    est = A.late_exponent(lag, msd)
    t2 = r["t2"]
    past = math.isfinite(t2.value) and not t2.bound and c["tw"][i] >= t2.value
    per = []
    for j, w in enumerate(c["tw"]):
        e = A.late_exponent(*A.lag_curve(c["t"], w, c["msd"][j]))
        if e.ok:
            per.append(f"{e.value:.2f} (tw = {w:.3g})")
    how = (f"Over-parametrised net, SGD noise alone (T = 0, momentum {run.config['momentum']:g}, batch "
           f"{run.config['batch']}, lr {run.config['lr']:g}), largest tw = {_steps(c['tw'][i], c['lr'])}, "
           + ("past t2" if past else f"NOT past t2 ({t2.note})") +
           f": analysis.late_exponent, the log-log slope of msd over the last decade of lags, "
           f"{est.note}. Every tw: {', '.join(per)}. The paper sees diffusion (exponent 1) past t2; "
           f"an exponent above 1 is drift (ballistic: 2), below 1 sub-diffusion. Tolerance 0.1 "
           f"(the spread of the exponent between neighbouring tw is larger than its fit error)")
    return claim_from("late_msd_exponent", "Past t2 the msd of an over-parametrised net grows "
                      "linearly in the lag: diffusion at the bottom of the landscape, no plateau",
                      est, DIFFUSION, "1 (msd linear in the lag; Baity-Jesi et al. 2018, section 4)",
                      TOL["late_msd_exponent"], how)


PER_DECADE = 10
"""Log bins a decade of the lag on which the msd is averaged before its slope (analysis.caging)."""


def flat(cg) -> bool:
    """A plateau by the issue's rule (analysis.caging: a minimum of the log-slope within +-0.3,
    with a steep part on each side)."""
    return bool(cg.extra.get("plateau"))


def claim_under_plateau(runs, scale) -> Claim:
    from physics import analysis as A
    run = runs[UNDER]
    c = curves(run)
    rows, done = [], []
    for j, w in enumerate(c["tw"]):
        cg = A.caging(*A.lag_curve(c["t"], w, c["msd"][j]), per_decade=PER_DECADE)
        if not math.isfinite(cg.value):
            continue
        done.append((w, cg))
        rows.append(f"tw = {w:.3g}: min slope {cg.value:.2f} at lag {cg.extra['lag']:.3g}"
                    + (f", plateau at msd = {cg.extra['height']:.3g}" if flat(cg) else ""))
    with_plateau = [d for d in done if flat(d[1])]
    # the largest tw with a plateau, else the tw whose slope dips lowest
    best = with_plateau[-1] if with_plateau else (min(done, key=lambda d: d[1].value) if done else None)
    if best is None:
        est = A.none("fewer than 5 lags at every tw")
        v, rule, plateau = "not reproduced", "no measurement", False
    else:
        w, cg = best
        plateau = flat(cg)
        th = cg.extra["threshold"]
        v, rule = A.verdict(A.Estimate(cg.value), (-th, th), 0.0)
        if v == "reproduced" and not plateau:
            v, rule = "partly", rule + "; but no steep part on both sides of the minimum: not a plateau"
        est = (A.Estimate(cg.extra["height"], cg.extra["height_error"]) if plateau
               else A.none(f"no plateau by the rule ({cg.note})"))
    how = (f"Under-parametrised net (width {run.config['width']}, N = {c['N']:.0f} weights for "
           f"{c['P']:.0f} x 10 one-hot targets, {regime_word(run)}, final train accuracy {c['acc']:.3f}, "
           f"final loss {c['loss'][-1]:.3g}). Rule (analysis.caging): a plateau is an intermediate-lag "
           f"minimum of d ln msd/d ln lag (msd averaged on {PER_DECADE} log bins a decade of the lag) "
           f"between -0.3 and 0.3 with a steeper part (> 0.6) before it and a rise (> 0.6) after it; "
           f"a late slope that merely stays small (any bounded system) is no plateau. Measured: the msd "
           f"at that minimum (the plateau's height), at the largest tw that has one"
           + (f" (here tw = {best[0]:.3g})" if best is not None and plateau else "") +
           f". Per tw: {'; '.join(rows)}. Verdict: the minimum slope against [-0.3, 0.3] "
           f"(analysis.verdict, tolerance 0), downgraded to partly without the steep parts on both "
           f"sides. Verdict rule: {rule}.")
    meas = number(est.value) if est.ok else None
    return Claim("under_plateau", "An under-parametrised net ages like a glass: its msd has a plateau "
                 "at intermediate lags, as the p-spin's", meas, number(est.error) if meas is not None else None,
                 "a plateau (Baity-Jesi et al. 2018, section 4: the narrow net is glassy)", v,
                 how if meas is not None else f"Not measured: {est.note}. " + how)


def claim_trap(runs, scale) -> Claim:
    from compare.findings.base import judge
    from compare.findings.trap import trap_findings
    run = runs["trap"]
    found = {f.key: f for f in trap_findings(run)}
    f = found.get("trap_model_scaling")
    if f is None:
        return Claim("trap_model_scaling", "The trap model ages: Pi(tw, tw + t) -> H_x(t/tw)", None, None,
                     "H_x (Bouchaud & Dean 1995)", "not reproduced", "Not measured: no waiting time.")
    v, rule = judge(f)
    note = (f"Trap model (physics/trap.py, Bouchaud's dynamics, exact event-driven Monte Carlo), x = "
            f"{run.config['x']:g}, {run.config['samples']} x {run.config['walkers']} walkers, tmax = "
            f"{run.config['tmax']:g}: {f.quantity} = {f.value:.3g} +- {f.error:.2g}; {f.how}. Expected range "
            f"[{f.expected[0]:g}, {f.expected[1]:.3g}] (the exact finite-tw correction). Verdict rule: {rule}.")
    return Claim("trap_model_scaling", "The trap model (Bouchaud 1992) ages: the probability of no jump "
                 "between tw and tw + t tends to H_x(t/tw), the reference for aging by barrier-free "
                 "trap hopping the paper reads its nets against", number(f.value), number(f.error),
                 "H_x(t/tw) (Bouchaud & Dean 1995; max |Pi - H_x| -> 0 as tw grows)", v, note)


def claim_p_spin_plateau(runs, scale) -> Claim:
    from compare.reports.cugliandolo_kurchan_1993 import measure as CK
    c = CK.claim_plateau_q({"ck": runs["ck"], "ck_half_grid": runs["ck_half_grid"]},
                           SCALES[scale].params["ck_scale"])
    return Claim("p_spin_plateau", "The p-spin ages with a plateau: C(tw, t) stays at q_EA for lags "
                 "growing with tw, the glass the paper compares the nets with (msd = 2(1 - C))",
                 c.measured, c.error, c.published, c.verdict,
                 "The N = infinity p = 3 spherical p-spin at T = 0.5 (physics/ck, the records of the "
                 "cugliandolo-kurchan-1993 report). " + c.note)


def claims(runs: dict, scale: str) -> list[Claim]:
    return [claim_three_regimes(runs, scale), claim_late_exponent(runs, scale),
            claim_under_plateau(runs, scale), claim_trap(runs, scale), claim_p_spin_plateau(runs, scale),
            *barriers.barrier_claims(scale, runs)]


def stand_in(scale: str) -> str:
    s = SCALES[scale].params
    data = data_of(scale)
    c = net_config(scale, 1)
    what = ("scikit-learn's 8x8 digits (1797 images, 10 classes; P training points, all 64 pixels "
            "rotated by PCA and rescaled to norm 8) stood in for CIFAR-10/MNIST, which are not downloaded"
            if data == "digits" else f"{data} from the data folder")
    return (
        f"Data: {what}. Nets: Freeman & Bruna's toy model as in the paper's public code (mbaityje/"
        f"DEEP-GLASS): d = {c['d']} inputs -> one hidden ReLU layer of width m -> 10 outputs, biases, "
        f"square loss on one-hot labels, SGD with momentum {s['momentum']:g}, minibatches of {s['batch']}, "
        f"lr {s['lr']:g}, no added noise (T = 0), {s['steps']} steps (our time t = steps x lr), "
        f"{s['samples']} samples (own data draw, initialisation and minibatches), P = {c['P']}, "
        f"m = {', '.join(f'{v} ({k})' for k, v in s['widths'].items())}. msd over all weights and biases "
        "at 10 log-spaced waiting times from 10 steps to tmax/2; D(tw) from the variance of the "
        "per-example gradients over the training set (nets/dynamics.py: D = lr <Var(minibatch "
        "gradient)> / (2 (1 - momentum)^2)). The paper trains for up to 1e6 steps on CIFAR-10; "
        "ours is "
        + ("the laptop scale: far fewer steps and points." if scale == "small" else
           "the paper scale (meant for a cluster)." if scale == "paper" else
           "a test scale: too small for any claim to mean anything.")
        + f" Trap model: x = {s['trap_x']:g}, {s['trap_samples']} x {s['trap_walkers']} walkers. "
        "p-spin: the CK solution of the cugliandolo-kurchan-1993 report. Barriers (the `barriers` "
        f"system): the p-spin at N = {', '.join(map(str, barriers.SIZES[scale]['pspin_N']))}; nets of "
        f"depth 2 at widths {', '.join(map(str, barriers.SIZES[scale]['net_widths']))} on random data "
        f"(P = {barriers.SIZES[scale]['net_P']}), not the SGD nets above: minima found by Adam at T = 0.")

