"""Soft spheres beside the nets (Kerr Winter & Janssen compare nets with glass formers): the
relaxation time tau(T) of an equilibrated 2D liquid of harmonic disks and whether it grows faster
than Arrhenius as T drops (docs/science.md, sections 3 and 6).

Protocol: `spheres age` with init "equilibrated" (physics/spheres/thermal.py): each sample runs
t_eq = EQ_TAUS x tau_est(T) of Langevin at T from random positions before t = 0, then tmax =
RUN_TAUS x tau_est(T) with waiting times tmax/100 and tmax/2. tau_est is what an earlier
measurement on this machine gave (it only sizes the runs). tau is tau_e of Q/Q(0) (threshold Q_a,
physics.analysis.tau_of on the sample mean), with a jackknife error over the samples; the run is
stationary at T when tau at the two waiting times agrees within STATIONARY_Z combined errors.

    spheres_points(scale)        the records to run (one per T)
    spheres_taus(runs, scale)    tau per T at both waiting times, and the stationarity check
    spheres_tau_growth(runs, scale)   the claim `spheres_tau_growth`
    spheres_tts(runs, scale)     curves (lag/tau, Q/Q(0)) and tau(T) arrays for the figures
"""
from __future__ import annotations

import math

import numpy as np

from compare.reports.base import Claim, Point, claim_from
from physics.analysis import activation_ratio  # noqa: F401 (its estimator, re-exported for tests)

EQ_TAUS, RUN_TAUS = 10.0, 5.0
"""t_eq and tmax in units of tau_est(T)."""
STATIONARY_Z = 2.0
"""Largest |tau(late tw) - tau(early tw)| / combined error of a stationary run."""
TOL = 0.0
TOL_REASON = ("tolerance 0: the claim is a sign, R > 1 (super-Arrhenius) against R <= 1 (Arrhenius "
              "or slower), so only the statistical error (2 errors) is allowed")

_SMALL_T = [0.02, 0.01, 0.005, 0.003, 0.002]
SPHERES = {
    # N = 256 at phi = 0.84 (2D bidisperse jams near 0.84): tau_est measured here (2 samples)
    "small": {"N": 256, "phi": 0.84, "dt": 0.02, "skin": 0.8, "Q_a": 0.3, "samples": 3,
              "T": _SMALL_T, "tau_est": [22.0, 62.0, 215.0, 600.0, 1400.0]},
    # a cluster: larger N, more samples, one more T (its tau_est from the small scale's power law
    # tau ~ T^-1.9, not measured)
    "paper": {"N": 1024, "phi": 0.84, "dt": 0.02, "skin": 0.8, "Q_a": 0.3, "samples": 8,
              "T": _SMALL_T + [0.0015], "tau_est": [22.0, 62.0, 215.0, 600.0, 1400.0, 2600.0]},
    "tiny": {"N": 32, "phi": 0.84, "dt": 0.02, "skin": 0.8, "Q_a": 0.3, "samples": 3,
             "T": [0.1, 0.05, 0.03], "tau_est": [3.0, 5.0, 8.0]},
}


def _A():
    from physics import analysis as A
    return A


def spheres_name(T: float) -> str:
    return f"spheres_T{T:g}"


def spheres_points(scale: str) -> list[Point]:
    """One equilibrated `spheres age` run per T (t_eq, tmax and tw sized by tau_est(T))."""
    from physics.spheres import default_config
    s = SPHERES[scale]
    out = []
    for T, tau in zip(s["T"], s["tau_est"]):
        tmax = RUN_TAUS * tau
        out.append(Point(spheres_name(T), "spheres", default_config(
            protocol="age", N=s["N"], dim=2, mixture="bidisperse", alpha=2.0, phi=s["phi"], T=float(T),
            dt=s["dt"], skin=s["skin"], Q_a=s["Q_a"], tmax=float(tmax), tw=[tmax / 100, tmax / 2],
            init="equilibrated", t_eq=float(EQ_TAUS * tau), samples=s["samples"], seed=0)))
    return out


# ----------------------------------------------------------------------------- tau per T

def tau_jackknife(run, i_tw: int):
    """tau_e of the sample-mean Q at waiting time tw[i_tw], jackknife error over the samples
    (analysis.tau_jackknife)."""
    from compare.reports.kerr_winter_2024.measure import lag_curve
    lag, Qs = lag_curve(run, "Q", i_tw, per_sample=True)
    return _A().tau_jackknife(lag, Qs, "tau_e")


def spheres_taus(runs: dict, scale: str) -> list[dict]:
    """Per T (as in SPHERES[scale]): {"T", "tw" (early, late), "tau" (late tw), "tau_early",
    "z" (|difference| / combined error), "stationary" (bool), "seconds" (wall-clock of the
    record)}."""
    rows = []
    for T in SPHERES[scale]["T"]:
        run = runs[spheres_name(T)]
        tw = np.asarray(run["tw"], float)
        late, early = tau_jackknife(run, len(tw) - 1), tau_jackknife(run, 0)
        if late.ok and early.ok:
            err = math.hypot(late.error, early.error)
            z = abs(late.value - early.value) / err if err > 0 else math.inf
        else:
            z = math.nan
        same = _A().stationary([tw[0], tw[-1]], [early, late], rtol=0.0, z=STATIONARY_Z)
        rows.append({"T": float(T), "tw": (float(tw[0]), float(tw[-1])), "tau": late, "tau_early": early,
                     "z": z, "stationary": bool(same.ok),
                     "seconds": float(run.attrs.get("elapsed_s", math.nan))})
    return rows


def _fmt(e) -> str:
    from compare.reports.kerr_winter_2024.measure import _fmt_tau
    return _fmt_tau(e, errors=True)


def _row_text(r) -> str:
    verdict = "stationary" if r["stationary"] else (
        "NOT stationary" if math.isfinite(r["z"]) else "no tau at both tw")
    return (f"T = {r['T']:g}: tau = {_fmt(r['tau_early'])} (tw = {r['tw'][0]:g}) and {_fmt(r['tau'])} "
            f"(tw = {r['tw'][1]:g}), z = {r['z']:.2g}, {verdict}, {r['seconds']:.0f} s")


# ----------------------------------------------------------------------------- the claim

def spheres_tau_growth(runs: dict, scale: str) -> Claim:
    A, s = _A(), SPHERES[scale]
    rows = spheres_taus(runs, scale)
    use = [r for r in rows if r["stationary"] and r["tau"].ok]
    left = [r["T"] for r in rows if r not in use]
    how = (f"2D bidisperse (1.0/1.4, 50:50) harmonic disks, N = {s['N']}, phi = {s['phi']:g}, "
           f"{s['samples']} samples, overdamped Langevin (dt = {s['dt']:g}), each sample equilibrated "
           f"for t_eq = {EQ_TAUS:g} tau_est(T) at T from random positions (init equilibrated), then run "
           f"for {RUN_TAUS:g} tau_est(T). tau = tau_e of Q/Q(0), Q_a = {s['Q_a']:g} (analysis.tau_of on "
           f"the sample mean; error: jackknife over samples) at tw = tmax/100 and tmax/2; stationary "
           f"when they agree within {STATIONARY_Z:g} combined errors: " + "; ".join(map(_row_text, rows)))
    if left:
        how += (f". Left out (not stationary, or no tau): T = {', '.join(f'{T:g}' for T in left)}; "
                "their tau at the late tw is at best a lower bound on the equilibrium tau")
    if len(use) < 3:
        est = A.none(f"fewer than 3 temperatures with a stationary tau ({len(use)} of {len(rows)})")
    else:
        T = [r["T"] for r in use]
        tau = [r["tau"].value for r in use]
        err = [r["tau"].error if math.isfinite(r["tau"].error) else 0.0 for r in use]
        R, dR, lo, hi = A.activation_ratio(T, tau, err)
        Rs, _, _, _ = A.activation_ratio(T, np.asarray(tau) * np.asarray(T), np.asarray(err) * np.asarray(T))
        fit = A.power_law_fit(T, tau)
        est = A.Estimate(R, dR, (min(T), max(T)), note="E_low / E_high")
        Ts = sorted(T)
        side = "above" if R > 1 else "below"
        sig = f"{abs(R - 1) / dR:.1f} errors {side} 1" if dR > 0 else f"{side} 1"
        how += (f". Measured: R = E_low / E_high with E = d ln tau / d(1/T) through the two lowest T "
                f"({Ts[0]:g}, {Ts[1]:g}: E_low = {lo:.3g}) and the two highest ({Ts[-2]:g}, {Ts[-1]:g}: "
                f"E_high = {hi:.3g}): R = {R:.3g} +- {dR:.2g}, {sig}; error from the jackknife "
                f"errors of ln tau (the points are independent runs). For reference: R of tau T "
                f"(time in units of the bare diffusion time 1/T) = {Rs:.3g}; a power law tau ~ T^-g "
                f"over the same T gives g = "
                f"{-fit.value:.3g} +- {fit.error:.2g} (analysis.power_law_fit), and a power law is "
                "R < 1. Expected R > 1; " + TOL_REASON)
        if R + 2 * dR < 1:
            how += (f". So in this window (T = {Ts[0]:g} to {Ts[-1]:g}, tau up to {max(tau):.3g}) tau grows "
                    "more slowly than Arrhenius, closer to a power of 1/T; whether a super-Arrhenius "
                    "regime follows at lower T (longer tau, beyond this scale's budget) is not tested")
    return claim_from("spheres_tau_growth", "Soft spheres slow down super-Arrhenius as T drops",
                      est, (1.0, math.inf), "> 1 (super-Arrhenius: glass formers, their comparison)",
                      TOL, how)


# ----------------------------------------------------------------------------- for the figures

def spheres_tts(runs: dict, scale: str) -> dict:
    """{"T", "tau", "tau_error", "tau_early", "tau_early_error", "stationary" (arrays over T),
    "curves": [(lag / tau, Q/Q(0)) at the late tw, per T; None where tau is missing],
    "collapse": analysis.tts_collapse of the stationary curves}."""
    A = _A()
    from compare.reports.kerr_winter_2024.measure import lag_curve
    rows = spheres_taus(runs, scale)
    curves, raw, taus = [], [], []
    for r in rows:
        lag, q = lag_curve(runs[spheres_name(r["T"])], "Q", -1)
        qn = A.normalised(q)
        ok = r["tau"].ok
        curves.append((lag / r["tau"].value, qn) if ok else None)
        if ok and r["stationary"]:
            raw.append((lag, qn))
            taus.append(r["tau"])
    val = np.array([r["tau"].value if r["tau"].ok else np.nan for r in rows])
    return {"T": np.array([r["T"] for r in rows]), "tau": val,
            "tau_error": np.array([r["tau"].error for r in rows]),
            "tau_early": np.array([r["tau_early"].value if r["tau_early"].ok else np.nan for r in rows]),
            "tau_early_error": np.array([r["tau_early"].error for r in rows]),
            "stationary": np.array([r["stationary"] for r in rows]), "curves": curves,
            "collapse": A.tts_collapse(raw, taus) if len(raw) >= 2 else A.none("fewer than 2 stationary T")}


def spheres_stand_in(scale: str) -> str:
    s = SPHERES[scale]
    return (f"The soft spheres: 2D bidisperse harmonic disks, N = {s['N']} at phi = {s['phi']:g}, "
            f"{s['samples']} samples per T = {', '.join(f'{T:g}' for T in s['T'])}, each equilibrated "
            f"at T for {EQ_TAUS:g} tau before the clock starts.")
