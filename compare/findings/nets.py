"""Findings of net records: a net under Langevin dynamics (protocol "langevin": its loss, the
regime, the msd growth, the accuracies) and the jamming sweep over widths (protocol "jamming":
N*, N*/P, C0 and the exponents of the margins at the transition; with shared_data the distance
between the minima and their energy, for topology trivialisation)."""
from __future__ import annotations

import numpy as np

from compare.findings.base import Finding, config_value, mean_sem, negated
from physics import analysis as A

GEIGER = "Geiger et al., PRE 100, 012115 (2019)"
KERR_WINTER = "Kerr Winter & Janssen, arXiv 2405.13098 (2024)"
MARGIN_CUT = 0.3   # the small-|Delta| tails fitted


def title(run) -> str:
    c = run.config
    if c.get("protocol") == "jamming":
        return (f"dnn jamming: P = {int(np.ravel(run['dnn/P'])[0])}, d = {c.get('d', '?')}, depth {c.get('depth', '?')}, "
                f"{c.get('data', '?')} data, {np.shape(run['dnn/N_delta_final'])[0]} sample(s)")
    return (f"dnn: width {c.get('width', '?')}, depth {c.get('depth', '?')}, {c.get('data', '?')} data, "
            f"{c.get('loss', 'hinge')} loss, {c.get('dynamics', 'langevin')} at T = {float(c['T']):g}")


def nets_findings(run) -> list[Finding]:
    return jamming_findings(run) if run.config.get("protocol") == "jamming" else langevin_findings(run)


# ----------------------------------------------------------------------------- Langevin

def regime_of(run) -> str:
    """analysis.regime of a Langevin net at the end of training (mean N_Delta over samples)."""
    nd = np.asarray(run["dnn/N_delta"], float)[:, -1]
    return A.regime(float(np.nanmean(nd)), float(np.ravel(run["dnn/N"])[0]))


def langevin_findings(run) -> list[Finding]:
    N, P = float(np.ravel(run["dnn/N"])[0]), float(np.ravel(run["dnn/P"])[0])
    t = np.asarray(run["t"], float)
    out = [Finding("N_over_P", "N (weights) / P (training points)", A.Estimate(N / P), None,
                   f"N = {N:.0f}, P = {P:.0f}")]
    out.append(Finding("loss_final", "training loss at t_max", mean_sem(np.asarray(run["energy"])[:, -1]), None,
                       f"t = {t[-1]:.4g}; 0 once every margin is satisfied"))
    over = None
    if "dnn/N_delta" in run:
        reg = regime_of(run)
        over = reg == "over-parametrised"
        thr = A.PUBLISHED["regime_threshold"]
        out.append(Finding("N_delta_over_N", "N_Delta / N (unsatisfied constraints per weight)",
                           mean_sem(np.asarray(run["dnn/N_delta"], float)[:, -1] / N), None,
                           f"at t_max: {reg} (under when N_Delta > {thr.value:g} N)", thr.source))
        out.append(Finding("regime", "regime at t_max", A.none("a word"), None,
                           f"analysis.regime: N_Delta > {thr.value:g} N is under-parametrised", thr.source,
                           text=reg))
    tw = np.asarray(run["tw"], float) if "tw" in run else np.array([])
    if "msd" in run and tw.size:
        lag, msd = A.lag_curve(t, tw[-1], run.mean("msd")[-1])
        est = A.late_exponent(lag, msd)
        # 1 (free diffusion) is expected of Langevin noise in the flat zero-loss region; what SGD
        # noise alone does is measured, not assumed; a late slope below 1 is no plateau (msd_plateau)
        langevin = run.config.get("dynamics", "langevin") == "langevin" and float(run.config.get("T", 0)) > 0
        out.append(Finding("msd_late_exponent", "d ln msd / d ln lag, last decade, largest tw", est,
                           1.0 if over and langevin else None,
                           f"tw = {tw[-1]:.3g}; 1 = free diffusion in the flat zero-loss region",
                           "Baity-Jesi et al. 2018"))
        cage = A.caging(lag, msd, per_decade=10)
        height = (A.Estimate(cage.extra["height"], cage.extra["height_error"], cage.window, cage.note)
                  if cage.extra.get("plateau") else A.none(cage.note or "no plateau"))
        out.append(Finding("msd_plateau", "msd plateau height, largest tw", height, None,
                           "analysis.caging: a plateau is an intermediate-lag minimum of d ln msd/d ln lag "
                           "within +-0.3 followed by a rise; " + (cage.note or ""), "Baity-Jesi et al. 2018"))
    for key, name, label in (("train_accuracy", "dnn/train_acc", "train accuracy at t_max"),
                             ("test_accuracy", "dnn/test_acc", "test accuracy at t_max")):
        if name in run:
            chance = key == "test_accuracy" and run.config.get("data") == "random"
            out.append(Finding(key, label, mean_sem(np.asarray(run[name], float)[:, -1]),
                               0.5 if chance else None, "random labels: chance is 0.5" if chance else ""))
    if "dnn/hessian_eigs" in run and "lr" in run.config:
        lr = float(run.config["lr"])
        out.append(Finding("hessian_max", "largest Hessian eigenvalue at t_max",
                           A.Estimate(float(np.nanmax(run["dnn/hessian_eigs"]))), f"< 2/lr = {2 / lr:.3g}",
                           "over samples; gradient descent is stable below 2/lr"))
    return out


# ----------------------------------------------------------------------------- jamming sweep

def ndelta_curve(run, dead: bool = False):
    """(N [m], P, N_Delta/N [S, m]) of a jamming sweep, sorted by N, and the sort order. N_Delta
    counts the live unsatisfied constraints: the dead ones (f = 0 exactly, dnn/N_dead_final, in
    records that have it) are left out; with dead=True the ratio is N_dead/N instead."""
    N = np.asarray(run["dnn/N"], float).ravel()
    P = float(np.ravel(run["dnn/P"])[0])
    order = np.argsort(N)
    nd = np.asarray(run["dnn/N_delta_final"], float).reshape(-1, N.size)
    nz = (np.asarray(run["dnn/N_dead_final"], float).reshape(-1, N.size) if "dnn/N_dead_final" in run
          else np.zeros_like(nd))
    ratio = (nz if dead else nd - nz) / N[None, :]
    return N[order], P, ratio[:, order], order


def n_star_of(run) -> A.Estimate:
    """analysis.n_star on the sample-mean N_Delta/N of the sweep (never the stored dnn/N_star)."""
    N, _, ratio, _ = ndelta_curve(run)
    return A.n_star(N, np.nanmean(ratio, axis=0), threshold=A.PUBLISHED["regime_threshold"].value)


def transition_index(run) -> int:
    """The width (index into the sorted N) nearest the transition: the largest N still
    under-parametrised (the lower end of the N* bracket), else the smallest N."""
    N, _, ratio, _ = ndelta_curve(run)
    under = np.nonzero(np.nanmean(ratio, axis=0) > A.PUBLISHED["regime_threshold"].value)[0]
    return int(under[-1]) if under.size else 0


def live_margins(margins) -> np.ndarray:
    """The finite margins without the dead constraints' (Delta = 1 exactly: f = 0, no force)."""
    m = np.asarray(margins, float).ravel()
    return m[np.isfinite(m) & (m != 1.0)]


def transition_margins(run):
    """(margins at the width nearest the transition, flattened over samples, the dead constraints'
    Delta = 1 exactly left out; that N/P)."""
    N, P, _, order = ndelta_curve(run)
    j = transition_index(run)
    mar = np.asarray(run["dnn/margins"], float)
    mar = mar.ravel() if mar.ndim == 2 else mar[:, order[j], :].ravel()    # [S, P]: a single width
    return live_margins(mar), (N[0] if np.ndim(run["dnn/margins"]) == 2 else N[j]) / P


def jamming_findings(run) -> list[Finding]:
    N, P, ratio, _ = ndelta_curve(run)
    ns = n_star_of(run)
    out = [Finding("N_star", "N* (weights at the jamming transition)", ns, None,
                   "where the mean N_Delta/N crosses 0.1 from above, log-interpolated between widths "
                   "(analysis.n_star)", GEIGER)]
    nsp = (A.Estimate(ns.value / P, ns.error / P, (ns.window[0] / P, ns.window[1] / P), ns.note)
           if ns.ok else ns)
    pub = A.PUBLISHED["N_star_over_P_random_L3"]
    same = run.config.get("data") == "random" and int(config_value(run, "depth", 0)) == 3
    out.append(Finding("N_star_over_P", "N*/P", nsp, pub.value if same else None,
                       f"P = {P:.0f}" + ("" if same else f"; published {pub.value} is for {pub.note}"),
                       pub.source))
    if ns.ok:
        j = int(np.argmin(np.abs(N - ns.window[0])))
        pub = A.PUBLISHED["C0_nets"]
        out.append(Finding("C0", "N_Delta/N just below N*", mean_sem(ratio[:, j]), pub.value,
                           f"at N = {N[j]:.0f} (N/P = {N[j] / P:.3g}), the largest width still above 0.1",
                           pub.source))
    else:
        out.append(Finding("C0", "N_Delta/N just below N*", A.none(ns.note), A.PUBLISHED["C0_nets"].value,
                           "", A.PUBLISHED["C0_nets"].source))
    if "dnn/N_dead_final" in run:
        j = transition_index(run)
        dead = ndelta_curve(run, dead=True)[2][:, j]
        live = ratio[:, j]
        with np.errstate(all="ignore"):
            share = float(np.nanmean(dead) / (np.nanmean(dead) + np.nanmean(live)))
        out.append(Finding("N_dead_over_N", "dead constraints per weight (f = 0 exactly), not counted",
                           mean_sem(dead), None,
                           f"at N/P = {N[j] / P:.3g} (the width nearest N*): {share:.0%} of the unsatisfied "
                           "constraints are dead (zero gradient, no force); N* and C0 use the live ones",
                           GEIGER))
    out += minima_findings(run)
    if "dnn/margins" in run:
        mar, xnp = transition_margins(run)
        for key, vals, label, neg in (("theta_nets", mar[mar > 0], "theta (P+(Delta) ~ Delta^theta)", False),
                                      ("gamma_nets", -mar[mar < 0], "gamma (P-(Delta) ~ |Delta|^-gamma)", True)):
            est = A.tail_exponent(vals, upper=MARGIN_CUT)
            pub = A.PUBLISHED[key]
            out.append(Finding(key, label, negated(est) if neg else est, pub.value,
                               f"tail maximum likelihood at N/P = {xnp:.3g} (the width nearest N*), "
                               f"|Delta| in (0, {MARGIN_CUT:g}]", pub.source))
    return out


def minima_findings(run) -> list[Finding]:
    """With shared_data (one landscape, several initialisations): at the widest width, the mean
    distance between the samples' minima and their mean energy (loss + l2 |w|^2 / 2); both
    describe topology trivialisation (one minimum at w = 0, energy 1/2, for a large l2)."""
    if not run.config.get("shared_data") or "dnn/minima_distances" not in run:
        return []
    N = np.asarray(run["dnn/N"], float).ravel()
    j = int(np.argmax(N))
    dist = np.asarray(run["dnn/minima_distances"], float)[:, j, :]
    S = dist.shape[0]
    if S < 2:
        return []
    pairs = dist[np.triu_indices(S, 1)]
    l2 = float(config_value(run, "l2", 0.0))
    where = f"width {int(np.ravel(run['dnn/widths'])[j])} (N = {N[j]:.0f}), l2 = {l2:g}, {S} initialisations"
    out = [Finding("minima_distance", "mean |w_s - w_s'| between the minima of one landscape",
                   A.Estimate(float(np.nanmean(pairs))), None,
                   f"{where}; {pairs.size} pairs, largest {np.nanmax(pairs):.3g}; 0 = one minimum",
                   KERR_WINTER)]
    if "dnn/energy_final" in run:
        out.append(Finding("energy_final", "final energy, loss + l2 |w|^2 / 2",
                           mean_sem(np.asarray(run["dnn/energy_final"], float)[:, j]), None,
                           f"{where}; 1/2 at the trivial minimum w = 0", KERR_WINTER))
    return out


def per_width_text(run) -> str:
    """N_Delta/N at each width, for the command's printout (data, not a finding)."""
    N, P, ratio, order = ndelta_curve(run)
    widths = np.asarray(run["dnn/widths"]).ravel()[order] if "dnn/widths" in run else N
    m = np.nanmean(ratio, axis=0)
    return ", ".join(f"{int(w)}: {r:.3g}" for w, r in zip(widths, m))
