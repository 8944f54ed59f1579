"""The claims of Kerr Winter & Janssen (2024), each measured by physics.analysis on our records
and judged by analysis.verdict with the tolerance stated in its note."""
from __future__ import annotations

import math

import numpy as np

from compare.reports.base import Claim, claim_from
from compare.reports.kerr_winter_2024.spheres import spheres_tau_growth
from compare.reports.kerr_winter_2024.measure import (
    SCALES, TOL, _fmt_tau, lag_curve, main_state, nets_names, overlap, taus, unstable_samples)


def _A():
    from physics import analysis as A
    return A


def claim_tau_finite(runs, scale) -> Claim:
    A, s = _A(), SCALES[scale].params
    rows, finite, bounds, total = [], 0, 0, 0
    for state in s["states"]:
        es = taus(runs, nets_names(scale, state))
        finite += sum(e.ok and not e.bound for e in es)
        bounds += sum(bool(e.bound) for e in es)
        total += len(es)
        rows.append(f"{state}: " + ", ".join(f"T = {T:g}: {_fmt_tau(e)}" for T, e in zip(s["T"], es)))
    frac = finite / total if total else float("nan")
    unknown = total - finite          # bounds, and points with no tau (every sample unstable)
    err = unknown / total if total and unknown else float("nan")
    slope = _tau_slope(runs, scale)
    diverged, died, n_samples = unstable(runs, scale)
    how = (f"tau_e (Q/Q(0) < 1/e, analysis.tau_of) at the largest tw = {s['tw'][-1]:g}, for every "
           f"state point and T: {'; '.join(rows)}. Measured: the fraction of (state, T) with a finite "
           f"tau; a lower bound '>' (the run ended before Q fell to 1/e: longer runs are needed, not "
           f"a divergence shown) counts as unknown, as does a point with no tau (every sample "
           f"unstable, below), and the fraction of unknowns ({unknown} of {total}, {bounds} bounds) is "
           f"the error. d ln tau / d ln T at {main_state(scale)}: {slope}. Stability of the "
           f"Langevin step (lr = {s['lr']:g}): {diverged} of {n_samples} "
           f"samples diverged and {died} died (jumped to the trivial loss 1/2), all left out of the "
           f"means (measure.unstable_samples). Tolerance "
           f"{TOL['tau_finite_all_T']}: every tau must be finite")
    return claim_from("tau_finite_all_T", "The relaxation time of nets stays finite at every T > 0 "
                      "(no divergence at a finite temperature)", A.Estimate(frac, err), 1.0,
                      "1 (every T: tau finite; their Fig. of tau_e against kT)", TOL["tau_finite_all_T"], how)


def unstable(runs, scale) -> tuple[int, int, int]:
    """(diverged, died, total) samples of the nets' Langevin runs (measure.unstable_samples);
    they are left out of every nets' mean of this report."""
    s = SCALES[scale].params
    diverged = died = total = 0
    for state in s["states"]:
        for name in nets_names(scale, state):
            dv, dd = unstable_samples(runs[name])
            diverged, died, total = diverged + int(dv.sum()), died + int(dd.sum()), total + dv.size
    return diverged, died, total


def _tau_slope(runs, scale) -> str:
    A, s = _A(), SCALES[scale].params
    es = taus(runs, nets_names(scale, main_state(scale)))
    T = [T for T, e in zip(s["T"], es) if e.ok and not e.bound]
    v = [e.value for e in es if e.ok and not e.bound]
    if len(T) < 3:
        return "too few finite taus for a slope"
    fit = A.power_law_fit(T, v, (min(T), max(T)))
    return f"{fit.value:.3f} +- {fit.error:.2g}" if fit.ok else fit.note


def claim_power_law(runs, scale) -> Claim:
    A, s = _A(), SCALES[scale].params
    state = main_state(scale)
    names = nets_names(scale, state)
    # the highest T, as their fit; when most of its samples blew up (lr too large for them), the
    # highest T where at least half are stable, said in the note
    i = len(names) - 1
    while i > 0 and sum(m.sum() for m in unstable_samples(runs[names[i]])) * 2 > len(runs[names[i]]["energy"]):
        i -= 1
    lag, q = overlap(runs[names[i]])
    tau = A.tau_of(lag, q, "tau_e")
    est = A.scaled_power_law(lag, q, tau, (1.0, 1e3))
    moved = ("" if i == len(names) - 1 else
             f" (not at the highest T = {s['T'][-1]:g}: more than half of its samples diverged or died, "
             "see tau_finite_all_T)")
    how = (f"Q/Q(0) against t/tau_e at T = {s['T'][i]:g}{moved} ({state}, tw = {s['tw'][-1]:g}, tau_e = "
           f"{_fmt_tau(tau)}), log-log least squares over 1 <= t/tau_e <= 1e3 as their code "
           f"(analysis.scaled_power_law; window used {est.window}). Tolerance {TOL['q_power_law_exponent']}: "
           "their -0.5 is read off a fit of the same kind, quoted to one digit")
    return claim_from("q_power_law_exponent", "The weight overlap decays as a power of the scaled time "
                      "with exponent close to -0.5 (mode-coupling-like)", est, -0.5,
                      "-0.5 (abstract; fit over 1 <= t/tau_e <= 1e3 at their highest T)",
                      TOL["q_power_law_exponent"], how)


def claim_tts(runs, scale) -> Claim:
    A, s = _A(), SCALES[scale].params
    state = main_state(scale)
    names = nets_names(scale, state)
    curves = [overlap(runs[n]) for n in names]
    ts = taus(runs, names)
    est = A.tts_collapse(curves, ts, (0.1, 10.0))
    how = (f"Q/Q(0) of every T at {state} (tw = {s['tw'][-1]:g}) against lag/tau_e(T); the rms spread "
           f"of the curves around their mean over 0.1 <= lag/tau_e <= 10 (analysis.tts_collapse; "
           f"{est.note}). Tolerance {TOL['tts_collapse']}: a spread of 0.05 in Q/Q(0) is the width of "
           "a line in their collapse figure")
    return claim_from("tts_collapse", "Time-temperature superposition: Q(t; T) = F(t / tau(T))", est, 0.0,
                      "0 (a collapse; their figure of Q against t/tau_e)", TOL["tts_collapse"], how)


def _lowest_T(runs, scale):
    """(state, record) of the main state point at the lowest temperature."""
    state = main_state(scale)
    return state, runs[nets_names(scale, state)[0]]


def claim_no_caging(runs, scale) -> Claim:
    A, s = _A(), SCALES[scale].params
    state, run = _lowest_T(runs, scale)            # where a cage would show first
    lag, msd = lag_curve(run, "msd")
    est = A.caging(lag, msd)
    how = (f"The minimum over interior lags of d ln msd / d ln lag at the lowest T = {s['T'][0]:g} "
           f"({state}, tw = {s['tw'][-1]:g}; analysis.caging: a plateau is a minimum below 0.3 between "
           f"steeper parts; here plateau = {est.extra.get('plateau')}). Expected: no plateau, i.e. a "
           "minimum slope of at least 0.3 (free diffusion gives 1); tolerance 0.05")
    return claim_from("no_caging", "Nets show no caging: the msd has no plateau at intermediate lags",
                      est, (0.3, 2.0), "no plateau (their msd against lag at every T)", 0.05, how)


def claim_aging(runs, scale) -> Claim:
    A, s = _A(), SCALES[scale].params
    state, run = _lowest_T(runs, scale)
    ts = [A.tau_of(*overlap(run, i), "tau_e") for i in range(len(run["tw"]))]
    est = A.aging_exponent(np.asarray(run["tw"], float), ts)
    how = (f"tau_e of Q(tw, tw + t) at tw = {', '.join(f'{w:g}' for w in run['tw'])} at the lowest T = "
           f"{s['T'][0]:g} ({state}): {', '.join(_fmt_tau(e) for e in ts)}; d ln tau / d ln tw "
           f"(analysis.aging_exponent; 1 = simple aging, 0 = stationary). Expected: clearly above 0; "
           "the range [0.3, 1.2] covers sub-aging to simple aging; tolerance 0.05")
    return claim_from("aging_low_T", "At low T nets age: the relaxation time grows with the waiting time",
                      est, (0.3, 1.2), "aging at low T (their Q(t0, t0 + t) for several t0)", 0.05, how)


def claim_chi4(runs, scale) -> Claim:
    A, s = _A(), SCALES[scale].params
    state = main_state(scale)
    rows, mid = [], None
    names = nets_names(scale, state)
    for k, (T, name) in enumerate(zip(s["T"], names)):
        run = runs[name]
        lag, Qs = lag_curve(run, "Q", per_sample=True)
        n = float(np.ravel(run["dnn/N"])[0])
        _, c4 = A.chi4(Qs, n)
        peak = A.chi4_peak(lag, c4, samples=Qs.shape[0])
        tau = A.tau_of(*overlap(run), "tau_e")
        ratio = (math.log10(peak.extra["lag"] / tau.value)
                 if peak.ok and not peak.bound and tau.ok and not tau.bound and "lag" in peak.extra
                 else float("nan"))
        rows.append(f"T = {T:g}: peak {peak.value:.3g}{' (' + peak.bound + ')' if peak.bound else ''} at lag "
                    f"{peak.extra.get('lag', float('nan')):.3g}, tau_e {_fmt_tau(tau)}")
        if k == len(names) // 2:
            mid = (T, ratio, peak)
    T, ratio, peak = mid
    est = A.Estimate(ratio) if math.isfinite(ratio) else A.none("no interior peak or no tau at this T")
    how = (f"chi_4(lag) = n var_samples Q(tw, tw + lag) (analysis.chi4, n = the number of weights, "
           f"{s['samples']} samples, tw = {s['tw'][-1]:g}) at {state}: {'; '.join(rows)}. Measured: "
           f"log10(lag of the peak / tau_e) at the middle T = {T:g}. Tolerance {TOL['chi4_peak']} "
           "(a factor of 3: the peak of a four-point susceptibility lies near tau, not at it)")
    return claim_from("chi4_peak", "The four-point susceptibility chi_4 has a peak near tau "
                      "(dynamic heterogeneity)", est, 0.0, "peak near lag ~ tau (their chi_4 figure)",
                      TOL["chi4_peak"], how)


def trivialisation_curve(runs, scale):
    """(l2, geometric-mean final loss, mean pairwise distance or NaN) over the L2 grid."""
    s = SCALES[scale].params
    l2s, loss, dist = [], [], []
    for l2 in s["l2"]:
        run = runs[f"triv_l2_{l2:g}"]
        lf = np.asarray(run["dnn/loss_final"], float).ravel()
        lf = lf[np.isfinite(lf)]
        l2s.append(float(l2))
        loss.append(float(np.exp(np.mean(np.log(np.maximum(lf, 1e-30))))) if lf.size else float("nan"))
        if "dnn/minima_distances" in run:
            D = np.asarray(run["dnn/minima_distances"], float)[:, -1, :]    # [S, widths, S]: the width
            iu = np.triu_indices(D.shape[0], 1)
            dist.append(float(np.mean(D[iu])) if iu[0].size else float("nan"))
        else:
            dist.append(float("nan"))
    return np.array(l2s), np.array(loss), np.array(dist)


def phase_note(runs, scale) -> str:
    """The (N/P, lambda) phase diagram in words (phase.png), or "" without its records."""
    from compare.reports.kerr_winter_2024.measure import _fmt_tau, phase_diagram
    s = SCALES[scale].params
    if "phase_l2" not in s or any(f"phase_l2_{l:g}" not in runs for l in s["phase_l2"]):
        return ""
    ph = phase_diagram(runs, scale)
    lines = "; ".join(f"N/P = {x:.3f}: {_fmt_tau(e, errors=True)}" for x, e in zip(ph["N_over_P"], ph["lambda_c"]))
    ns = ph["n_star"]
    jam = (f"N*/P = {ns.value / ph['P']:.3f} (bracket {ns.window[0] / ph['P']:.3f}-{ns.window[1] / ph['P']:.3f})"
           if ns.ok else f"N* not bracketed ({ns.note})")
    return (f". Phase diagram (phase.png; widths {', '.join(map(str, ph['widths']))}, {s['phase_samples']} "
            f"initialisations on one data set, {s['phase_steps']} Adam steps): lambda_c against N/P "
            f"{lines}; at lambda = 0 the jamming line {jam} (analysis.n_star; N_Delta/N per width "
            + ", ".join(f"{r:.2f}" for r in (ph["n_delta_ratio"] if ph["n_delta_ratio"] is not None else []))
            + ")")


def claim_trivialisation(runs, scale) -> Claim:
    A, s = _A(), SCALES[scale].params
    l2, loss, dist = trivialisation_curve(runs, scale)
    est = A.jump_location(l2, loss, low=float(np.nanmin(loss)), high=0.5, log=False)
    from compare.reports.kerr_winter_2024.measure import n_weights
    N = n_weights(int(s["triv_width"]), int(s["depth"]), int(s["d"]))
    how = (f"T = 0 minimisation (Adam, {s['triv_steps']} steps, the jamming protocol) at width "
           f"{s['triv_width']} (N/P = {N / s['P']:.3f}; theirs: width 30, N/P = 0.08), "
           f"{s['triv_samples']} initialisations on one data set per lambda: geometric-mean final loss "
           + ", ".join(f"{a:g}: {b:.3g}" for a, b in zip(l2, loss))
           + "; mean pairwise distance between the minima "
           + ", ".join(f"{a:g}: {b:.3g}" for a, b in zip(l2, dist))
           + ". Measured: where the loss crosses halfway from its lowest value to 0.5 (analysis.jump_location, "
           "error half the bracket). Expected: inside [0.010, 0.040]; tolerance 0.005 (a grid step of "
           "their lambda axis), so a bracket wider than that is inconclusive; one error (not two) is "
           "allowed, since the error is the half-width of a bracket that surely holds the jump"
           + phase_note(runs, scale))
    return claim_from("trivialisation_lambda", "An L2 term trivialises the landscape: above a lambda "
                      "the final loss jumps to 0.5 (one minimum at w = 0)", est, (0.010, 0.040),
                      "between 0.010 and 0.040 at width 30 (their loss against lambda and minima distances)",
                      0.005, how, n_sigma=1.0)


def claim_pspin_tau(runs, scale) -> Claim:
    from compare.reports.kerr_winter_2024 import pspin
    A, s, th = _A(), SCALES[scale].params, pspin.theory()
    Td, gamma = th["Td"], th["gamma"]
    T, ck = pspin.taus(runs, scale, "ck")
    near = (T - Td) / Td <= pspin.ASYMPTOTIC
    est = A.divergence_exponent(T[near], [e for e, k in zip(ck, near) if k], Td)
    est_all = A.divergence_exponent(T, ck, Td)
    slopes = pspin.local_exponents(T, ck, Td)
    Tn, fin = pspin.taus(runs, scale, "planted")
    est_n = A.divergence_exponent(Tn, fin, Td)
    shown = "; ".join(f"T = {t:g}: {pspin.fmt(e)}" + (f" (tw {e.window[0]:g} -> {e.window[1]:g})"
                                                      if e.ok else "") for t, e in zip(T, ck))
    shown_n = "; ".join(f"T = {t:g}: {pspin.fmt(e)}" for t, e in zip(Tn, fin))
    how = (f"tau_e of C(tw, tw + lag) (C below 1/e of C(t, t) = 1) once it no longer depends on tw "
           f"(analysis.stationary_tau: the first two consecutive waiting times of "
           f"{', '.join(f'{w:g}' for w in s['ck_tw'])} whose taus agree within 10 %, counting only "
           f"waiting times whose stored lags start above 1/e). The exact N = infinity solution (CK, "
           f"n_grid = {s['ck_n_grid']}, from a random start, to t = "
           f"{', '.join(f'{t:g}' for t in pspin.ck_tmax(scale))}): {shown}. Measured: tau ~ "
           f"(T - T_d)^-gamma with T_d = {Td:.4f} (analysis.divergence_exponent) fitted where the "
           f"power law is asymptotic, (T - T_d)/T_d <= {pspin.ASYMPTOTIC:g} (T - T_d in {est.window}). "
           f"Over every stationary T (T - T_d in {est_all.window}) gamma = {est_all.value:.3g} +- "
           f"{est_all.error:.2g}; the local exponent between neighbouring T, from far to near T_d: "
           f"{slopes} (it grows towards the MCT value as T -> T_d). Beside it, finite N = {s['pspin_N']} from a planted "
           f"equilibrium start ({s['pspin_samples']} samples, tw {', '.join(f'{w:g}' for w in s['pspin_tw'])}): "
           f"{shown_n}; its gamma {est_n.value:.3g} +- {est_n.error:.2g} (finite N rounds the "
           f"divergence off: not part of the verdict). Expected: the mode-coupling gamma = 1/(2a) + "
           f"1/(2b) = {gamma:.4f} from lambda = {th['lambda']:.3f} (a = {th['a']:.4f}, b = "
           f"{th['b']:.3f}; physics.pspin_theory.mct_exponents). Tolerance {TOL['pspin_tau_exponent']}: "
           "corrections to the asymptotic law still bend the fit at (T - T_d)/T_d ~ 0.1-0.2")
    return claim_from("pspin_tau_exponent", "The p-spin's relaxation time diverges at T_d with the "
                      "mode-coupling exponent (unlike the nets')", est, gamma,
                      f"{gamma:.4f} (MCT, computed from lambda = {th['lambda']:.3g})",
                      TOL["pspin_tau_exponent"], how)


def claims(runs: dict, scale: str) -> list[Claim]:
    return [claim_tau_finite(runs, scale), claim_power_law(runs, scale), claim_tts(runs, scale),
            claim_no_caging(runs, scale), claim_aging(runs, scale), claim_chi4(runs, scale),
            claim_trivialisation(runs, scale), claim_pspin_tau(runs, scale),
            spheres_tau_growth(runs, scale)]
