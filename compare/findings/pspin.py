"""Findings of p-spin and CK records: the energy beside its asymptote, q_EA, the FDT slope x and
its break point; and, when both records are at hand, the finite-N p-spin beside CK at the same
times (`beside_ck`)."""
from __future__ import annotations

import math

import numpy as np

from compare.findings.base import TOLERANCES, Finding, analytic, config_value, mean_sem
from physics import analysis as A
from physics import pspin_theory as theory

CK_SOURCE = "Cugliandolo & Kurchan 1993; physics/pspin_theory"


def mixture_of(run) -> dict:
    """{p: w_p} of a p-spin or CK record (pure p -> {p: 1})."""
    return theory.as_mixture(int(config_value(run, "p", 3)), config_value(run, "mix"))


def model_text(run) -> str:
    mix = mixture_of(run)
    if len(mix) == 1:
        return f"p = {next(iter(mix))}"
    return "f(q) = (1/2)(" + " + ".join(f"{w:g} q^{p}" for p, w in sorted(mix.items())) + ")"


def diverged(run) -> str:
    """The line saying where and why a CK record's solution diverged (physics.ck.Guard), or ""."""
    if run.system != "ck" or "ck/diverged_at" not in run:
        return ""
    why = f": {run['ck/diverged']}" if "ck/diverged" in run else ""
    return (f"SOLVER DIVERGED at t = {float(run['ck/diverged_at']):.6g}{why}; the record holds "
            f"t <= {float(run['ck/valid_until']):.6g} only")


def title(run) -> str:
    c = run.config
    if run.system == "ck":
        bad = diverged(run)
        return (f"CK dynamics (N = infinity), {model_text(run)}, T = {c['T']:g}, "
                f"tmax = {c.get('tmax', float(run['t'][-1])):g}" + (f" !! {bad}" if bad else ""))
    return (f"spherical p-spin, {model_text(run)}, N = {c.get('N', '?')}, T = {c['T']:g}, "
            f"{c.get('samples', np.shape(run['energy'])[0])} sample(s)")


def pspin_findings(run) -> list[Finding]:
    """p-spin and CK records: the energy reached beside its asymptote, the plateau q_EA and the
    FDT slope x with its break point (below T_d), each by the one estimator of analysis."""
    mix, T = mixture_of(run), float(run.config["T"])
    th = theory.summary(T, mix)
    below = 0 < T < th["T_d"]
    t = np.asarray(run["t"], float)
    out = []
    if diverged(run):
        out.append(Finding("diverged_at", "!! SOLVER DIVERGED at t", A.Estimate(float(run["ck/diverged_at"])),
                           None, f"{run['ck/diverged'] if 'ck/diverged' in run else ''}; the record holds "
                           f"t <= {float(run['ck/valid_until']):.6g} only (physics.ck.Guard)"))
    out.append(analytic("T_d", "T_d (dynamical temperature)", th["T_d"], source=CK_SOURCE))
    energy = np.asarray(run["energy"], float)
    last = np.flatnonzero(np.isfinite(energy).any(axis=0))     # a diverged CK record stops early
    kl = int(last[-1]) if last.size else -1
    e = mean_sem(energy[:, kl])
    if T == 0:
        exp, what = th["e_th"], "threshold e_th (N = infinity; finite N stops above it)"
    elif below:
        exp, what = th["e_inf"], "e_inf(T), approached from above as t -> infinity"
    else:
        exp, what = th["e_inf"], "equilibrium -f(1)/T"
    out.append(Finding("e_final", "energy per spin e(t_max)", e, exp,
                       f"e at t = {t[kl]:.4g}, mean over samples; expected: {what}", CK_SOURCE))
    if run.system == "ck" and T < th["T_d"]:
        out.append(energy_rise(t, energy[0]))
    if run.system == "pspin" and T > th["T_d"] and "N" in run.config:
        from physics.pspin import finite_size_equilibrium_energy
        out.append(analytic("e_equilibrium_finite_n", "  equilibrium energy at this N",
                            finite_size_equilibrium_energy(T, mix, int(run.config["N"])),
                            how="annealed value at this N", source=CK_SOURCE))
    if below and "C" in run and "tw" in run and len(run["tw"]):
        tw = np.asarray(run["tw"], float)
        q = A.plateau_of(t, tw, run.mean("C"))
        out.append(Finding("plateau_q", "q_EA (plateau of C)", q, th["q_EA"],
                           "C at the flattest point of C(tw, tw + lag) against ln lag, largest tw "
                           "with a plateau (approaches q_EA from above as tw grows)", CK_SOURCE))
        if "chi" in run and "msd" in run:
            qq = q.value if q.ok else th["q_EA"]
            x = A.fdt_slope(run.mean("msd") / 2, T * run.mean("chi"), qq, tw=tw)
            out.append(Finding("fdt_slope_x", "x (FDT slope, aging part)", x, th["x"],
                               "per-tw least squares of T chi against Delta/2 beyond the plateau "
                               f"(q = {qq:.3g}{' measured' if q.ok else ' analytic'}), twin filter, "
                               "inverse-variance mean", CK_SOURCE))
            qb = A.Estimate(x.extra.get("q_break", float("nan")), x.extra.get("q_break_error", float("nan")),
                            note="where the aging line meets the FDT line") if x.ok else A.none(x.note)
            out.append(Finding("fdt_break_q", "FDT break point (-> q_EA)", qb, th["q_EA"],
                               "1 - a/(1 - x) of the aging line of the largest tw; error: change from the tw before",
                               CK_SOURCE))
    mu_name = f"{run.system}/mu"
    if mu_name in run:
        out.append(Finding("mu_final", "Lagrange multiplier mu(t_max)", mean_sem(np.asarray(run[mu_name])[:, kl]),
                           None, "T - sum_p p e_p (keeps |s|^2 = N)"))
    return out


def energy_rise(t, e) -> Finding:
    """Below T_d the CK energy decreases: its largest rise above its running minimum measures
    where the solver lost accuracy (physics.ck.Guard stops the run at a rise of MONO_TOL; this
    finding is judged against 0 with a tolerance ten times smaller, TOLERANCES["e_rise"])."""
    ok = np.isfinite(e)
    t, e = np.asarray(t, float)[ok], np.asarray(e, float)[ok]
    if e.size < 2:
        return Finding("e_rise", "largest rise of e(t) (decreases below T_d)", A.none("no energies"), 0.0)
    rise = e - np.minimum.accumulate(e)
    k = int(np.argmax(rise))
    tol = TOLERANCES["e_rise"][0]
    late = np.flatnonzero(rise > tol)
    where = (f"; above {tol:g} from t = {t[late[0]]:.3g}: values after it are less accurate than that"
             if late.size else "")
    return Finding("e_rise", "largest rise of e(t) (decreases below T_d)",
                   A.Estimate(float(rise[k]), note=f"at t = {t[k]:.3g}"), 0.0,
                   f"max over t of e(t) - min_(s <= t) e(s), at t = {t[k]:.3g}{where}", CK_SOURCE)


def beside_ck(ps, ck) -> list[Finding]:
    """The finite-N p-spin beside the N = infinity CK record at the same times: CK's energy at the
    p-spin's t_max, the difference (the finite-N correction, -> 0 as N grows), and CK's plateau
    at the waiting time where the p-spin's plateau was measured."""
    if ps is None or ck is None:
        return []
    t_ps = float(np.asarray(ps["t"], float)[-1])
    t_ck, e_ck = np.asarray(ck["t"], float), ck.mean("energy").ravel()
    ok = np.isfinite(e_ck) & (t_ck > 0)
    out = []
    if ok.sum() < 2 or not (t_ck[ok].min() <= t_ps <= t_ck[ok].max()):
        out.append(Finding("e_ck_at_tmax", "e(t_max) of CK at the p-spin's t_max",
                           A.none(f"the CK record does not reach t = {t_ps:g}"), None, "", CK_SOURCE))
        return out
    e_at = float(np.interp(math.log(t_ps), np.log(t_ck[ok]), e_ck[ok]))
    out.append(Finding("e_ck_at_tmax", "e(t_max) of CK at the p-spin's t_max",
                       A.Estimate(e_at, note="CK, interpolated in ln t"), None,
                       f"CK record (N = infinity) at t = {t_ps:.4g}, interpolated in ln t; beside the "
                       "p-spin's e(t_max)", CK_SOURCE))
    e = mean_sem(np.asarray(ps["energy"], float)[:, -1])
    diff = A.Estimate(e.value - e_at, e.error, note="p-spin e(t_max) minus CK at the same t") if e.ok else e
    out.append(Finding("e_finite_n", "p-spin e(t_max) - CK e(t_max) (finite-N correction)", diff, 0.0,
                       f"N = {ps.config.get('N', '?')} against N = infinity at the same t; tends to 0 "
                       "as N grows", CK_SOURCE))
    if "C" in ps and "C" in ck and len(ps["tw"]) and len(ck["tw"]):
        q = A.plateau_of(ps["t"], ps["tw"], ps.mean("C"))
        tw_ck = np.asarray(ck["tw"], float)
        if q.ok:
            tw = q.extra["tw"]
            i = int(np.argmin(np.abs(np.log(tw_ck / tw))))
            if abs(math.log(tw_ck[i] / tw)) < 0.05:
                lag, c = A.lag_curve(ck["t"], tw_ck[i], ck.mean("C")[i])
                keep = lag <= t_ps - tw_ck[i] + 1e-9      # the same lags as the p-spin's
                qc = A.plateau(lag[keep], c[keep])
                out.append(Finding("plateau_q_ck_same_tw", "q_EA of CK at the p-spin's tw and lags", qc, None,
                                   f"the same estimator on CK's C(tw, tw + lag) at tw = {tw_ck[i]:.3g}, "
                                   f"lag <= {t_ps - tw_ck[i]:.3g}, beside the p-spin's q_EA", CK_SOURCE))
    return out
