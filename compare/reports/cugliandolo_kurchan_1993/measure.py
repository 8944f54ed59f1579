"""Cugliandolo & Kurchan, PRL 71, 173 (1993): the aging of the spherical 3-spin after a quench to
T = 0.5 < T_d, as N = infinity equations and their asymptotic solution (docs/science.md, 2).

Claims: the energy goes to e_inf (`e_inf`), C(tw, t) stays at the plateau q_EA for lags growing
with tw (`plateau_q`), the aging part of the FDT plot has slope x (`fdt_slope_x`), and the
finite-N Langevin p-spin approaches the CK solution as N grows (`finite_n_convergence`).

Measured on: our numerical CK solution (physics/ck) with a half-grid twin as its accuracy check,
and the p-spin (physics/pspin) at three or four N with response twins, at waiting times that lie
exactly on both time grids (0.8 x 2^k: multiples of the p-spin's dt = 0.05 and CK grid points).
"""
from __future__ import annotations

import math

import numpy as np

from compare.reports.base import Claim, Point, Scale, claim_from, number

PAPER = "cugliandolo-kurchan-1993"
TITLE = ("Cugliandolo & Kurchan (1993), analytical solution of the off-equilibrium dynamics of a "
         "long-range spin-glass model")
SOURCE = "Phys. Rev. Lett. 71, 173 (1993), arXiv:cond-mat/9303036"
P, T = 3, 0.5

SCALES = {
    "small": Scale("small", "7-9 min on 2 cores (measured 6.7 and 8.5 min here, with other jobs running)", {
        "N": [250, 500, 1000], "samples": 4, "tmax": 20.0, "tw": [0.8, 1.6, 3.2, 6.4],
        "ck_n_grid": 512, "ck_tmax": 3e4, "ck_tw_extra": [102.4, 409.6, 1638.4], "t_min": 1.0}),
    "paper": Scale("paper", "a cluster: ~5 h for CK (n = 4096 to t = 1e6, one core) and ~50 "
                   "core-hours and 40 GiB of memory for the p-spin at N = 4000 (estimates from the "
                   "small scale's timings, not measured)", {
        "N": [500, 1000, 2000, 4000], "samples": 8, "tmax": 100.0,
        "tw": [0.8, 1.6, 3.2, 6.4, 12.8, 25.6], "ck_n_grid": 4096, "ck_tmax": 1e6,
        "ck_tw_extra": [102.4, 409.6, 1638.4, 6553.6, 26214.4, 104857.6], "t_min": 1.0}),
    "tiny": Scale("tiny", "seconds (tests only)", {
        "N": [32, 64, 128], "samples": 2, "tmax": 8.0, "tw": [0.8, 1.6],
        "ck_n_grid": 128, "ck_tmax": 100.0, "ck_tw_extra": [], "t_min": 1.0}, hidden=True),
}

EXPONENT_RANGE = (-1.0, -0.5)
EXPONENT_TOL = 0.1


def theory_values() -> dict:
    from physics import pspin_theory as theory
    return theory.summary(T, {P: 1.0})


# ----------------------------------------------------------------------------- the points

def points(scale: str) -> list[Point]:
    from physics import ck, pspin
    s = SCALES[scale].params
    tw_ck = sorted(set(s["tw"]) | set(s["ck_tw_extra"]))
    out = [Point("ck", "ck", ck.default_config(p=P, T=T, tmax=float(s["ck_tmax"]), tw=tw_ck,
                                               n_grid=int(s["ck_n_grid"]))),
           Point("ck_half_grid", "ck", ck.default_config(p=P, T=T, tmax=float(s["ck_tmax"]), tw=tw_ck,
                                                         n_grid=int(s["ck_n_grid"]) // 2))]
    for N in s["N"]:
        out.append(Point(f"pspin_N{N}", "pspin", pspin.default_config(
            N=int(N), p=P, T=T, tmax=float(s["tmax"]), samples=int(s["samples"]), seed=0,
            tw=[float(w) for w in s["tw"]], response=True)))
    return out


def pspin_runs(runs: dict) -> list:
    """The p-spin records, by increasing N."""
    ps = [r for k, r in runs.items() if k.startswith("pspin_N")]
    return sorted(ps, key=lambda r: int(r.config["N"]))


# ----------------------------------------------------------------------------- CK at the p-spin's points

def _interp_log(x_src, y_src, x):
    """y at x, monotone cubic (PCHIP) in ln x through the finite source points; NaN outside."""
    from scipy.interpolate import PchipInterpolator
    x_src, y_src, x = np.asarray(x_src, float), np.asarray(y_src, float), np.asarray(x, float)
    ok = np.isfinite(x_src) & np.isfinite(y_src) & (x_src > 0)
    out = np.full(x.shape, np.nan)
    if ok.sum() < 2:
        return out
    xs, ys = np.log(x_src[ok]), y_src[ok]
    inside = (x > 0) & (np.log(np.maximum(x, 1e-300)) >= xs[0] - 1e-12) & (np.log(np.maximum(x, 1e-300)) <= xs[-1] + 1e-12)
    out[inside] = PchipInterpolator(xs, ys)(np.log(x[inside]))
    return out


def ck_on(ps, ck) -> dict:
    """CK's energy [nt] and C, chi [nw, nt] at the p-spin record's times and waiting times
    (interpolated in ln t and in ln lag; NaN where CK has no such tw or range)."""
    t, tw = np.asarray(ps["t"], float), np.asarray(ps["tw"], float)
    tc, twc = np.asarray(ck["t"], float), np.asarray(ck["tw"], float)
    out = {"energy": _interp_log(tc, ck.mean("energy"), t),
           "C": np.full((len(tw), len(t)), np.nan), "chi": np.full((len(tw), len(t)), np.nan)}
    for i, w in enumerate(tw):
        j = int(np.argmin(np.abs(np.log(twc / w)))) if len(twc) else -1
        if j < 0 or abs(math.log(twc[j] / w)) > 1e-6:
            continue
        for name in ("C", "chi"):
            out[name][i] = _interp_log(tc - w, ck.mean(name)[j], t - w)
    return out


def distances(ps, ck, t_min: float) -> dict:
    """Distance of the p-spin's sample mean from CK (analysis.distance_to_reference): energy at
    t >= t_min, C at lags t - tw >= t_min (the p-spin's step dt = 0.05 matters below)."""
    from physics import analysis as A
    ref = ck_on(ps, ck)
    t, tw = np.asarray(ps["t"], float), np.asarray(ps["tw"], float)
    e_ref = np.where(t >= t_min, ref["energy"], np.nan)
    C_ref = np.where(t[None, :] - tw[:, None] >= t_min, ref["C"], np.nan)
    return {"energy": A.distance_to_reference(ps["energy"], e_ref),
            "C": A.distance_to_reference(ps["C"], C_ref)}


# ----------------------------------------------------------------------------- claims

def _findings(run) -> dict:
    from compare.findings import findings
    return {f.key: f for f in findings(run)}


def _published(value: float, what: str) -> str:
    return f"{value:.4g} ({what}; CK 1993, computed by physics/pspin_theory)"


def claim_e_inf(runs, scale) -> Claim:
    from physics import analysis as A
    th, s = theory_values(), SCALES[scale].params
    ck, half = runs["ck"], runs["ck_half_grid"]
    e_fin = _findings(ck)["e_final"].estimate
    window = (float(s["ck_tmax"]) / 300.0, float(s["ck_tmax"]))
    fit = A.power_law_approach(ck["t"], ck.mean("energy"), window)
    fit_h = A.power_law_approach(half["t"], half.mean("energy"), window)
    t_end = float(np.asarray(ck["t"])[-1])
    how = (f"CK solution (n_grid = {ck.config['n_grid']}) reached t = {t_end:.3g}: e(t_max) = "
           f"{e_fin.value:.5f}, {e_fin.value - th['e_inf']:+.2e} from e_inf, still decreasing. ")
    if fit.ok and fit_h.ok:
        grid = abs(fit.value - fit_h.value)
        tol = fit.extra["remaining"] + fit.extra["sensitivity"] + 2 * fit.error + grid
        how += (f"The power law e_inf' + A t^-a fitted on t in [{fit.window[0]:.3g}, {fit.window[1]:.3g}] "
                f"(analysis.power_law_approach) gives a = {fit.extra['exponent']:.3f}, "
                f"e_inf' = {fit.value:.5f} +- {fit.error:.1e} (window sensitivity {fit.extra['sensitivity']:.1e}), "
                f"and predicts a further decay of {fit.extra['remaining']:.2e} after t_max. The half grid "
                f"(n_grid = {half.config['n_grid']}) extrapolates to {fit_h.value:.5f}: grid error {grid:.1e} (the "
                f"difference to the coarser solution, so an upper bound for this grid's error). "
                f"Tolerance = remaining decay + window sensitivity + 2 fit errors + grid error = {tol:.2e}")
    else:
        tol = 0.0
        how += f"No power-law fit ({fit.note or fit_h.note}): tolerance 0"
    return claim_from("e_inf", f"After the quench the energy decays to e_inf(T = {T}) (not to the "
                      "equilibrium energy), from above, as a power law of t",
                      A.Estimate(e_fin.value), th["e_inf"],
                      _published(th["e_inf"], "e_inf = -(1/2T)[1 - (1 - x) q^p]"), tol, how)


def _per_tw_plateaus(run):
    from physics import analysis as A
    t, C = np.asarray(run["t"], float), run.mean("C")
    return [(float(w), A.plateau(*A.lag_curve(t, w, C[i]))) for i, w in enumerate(run["tw"])]


def claim_plateau_q(runs, scale) -> Claim:
    th = theory_values()
    ck, half = runs["ck"], runs["ck_half_grid"]
    F, Fh = _findings(ck), _findings(half)
    q, qh = F["plateau_q"].estimate, Fh["plateau_q"].estimate
    trend = [(w, e.value) for w, e in _per_tw_plateaus(ck) if e.ok and 0.3 < e.value < 0.95]
    move = grid = float("nan")
    how = "CK's plateau_q finding (analysis.plateau_of: C at the flattest point of C(tw, tw + lag) against ln lag, largest tw with a plateau"
    if q.ok:
        tw = q.extra["tw"]
        how += f", here tw = {tw:.4g}). "
        before = [v for w, v in trend if w < tw]
        move = abs(q.value - before[-1]) if before else 0.0
        grid = abs(q.value - qh.value) if qh.ok else 0.0
        how += ("Plateau per tw (approaches q_EA from above as tw grows): "
                + ", ".join(f"{v:.4f} (tw = {w:.4g})" for w, v in trend) + ". ")
    else:
        how += "). "
    qb = F.get("fdt_break_q")
    if qb is not None and qb.estimate.ok:
        how += f"The FDT break point (fdt_break_q) of the largest tw is {qb.estimate.value:.4f}. "
    tol = (move if math.isfinite(move) else 0.0) + (grid if math.isfinite(grid) else 0.0)
    how += (f"Tolerance = change from the previous tw ({move:.2e}) + grid error |q(n) - q(n/2)| "
            f"({grid:.2e}) = {tol:.2e}")
    return claim_from("plateau_q", "C(tw, t) drops quickly to a plateau q_EA and leaves it on a time "
                      "scale growing with tw", q, th["q_EA"],
                      _published(th["q_EA"], "q_EA: T^2 = f''(q)(1 - q)^2"), tol, how)


def claim_fdt_slope_x(runs, scale) -> Claim:
    th = theory_values()
    ck, half = runs["ck"], runs["ck_half_grid"]
    x, xh = _findings(ck)["fdt_slope_x"].estimate, _findings(half)["fdt_slope_x"].estimate
    how = ("CK's fdt_slope_x finding (analysis.fdt_slope: per-tw least squares of T chi against "
           "Delta/2 = 1 - C beyond the plateau, inverse-variance mean over tw). ")
    spread = grid = 0.0
    if x.ok:
        per = x.extra["per_tw"]
        how += "x per tw: " + ", ".join(f"{p[1]:.4f} (tw = {p[0]:.4g})" for p in per) + ". "
        last = [p[1] for p in per if p[0] >= per[-1][0] / 10.0]
        spread = float(max(last) - min(last)) if len(last) > 1 else 0.0
        grid = abs(x.value - xh.value) if xh.ok else 0.0
    ps = pspin_runs(runs)
    if ps:
        xp = _findings(ps[-1]).get("fdt_slope_x")
        if xp is not None:
            e = xp.estimate
            how += (f"The p-spin at N = {ps[-1].config['N']} gives x = {e.value:.3f} +- {e.error:.2g} "
                    f"({e.note}). " if e.ok else f"The p-spin at N = {ps[-1].config['N']}: no x ({e.note}). ")
    tol = spread + grid
    if x.ok:
        how += f"The measured x lies {100 * (x.value - th['x']) / th['x']:+.1f} % from the paper's value. "
    how += (f"Tolerance = spread of x over the last decade of tw ({spread:.2e}) + grid error "
            f"|x(n) - x(n/2)| ({grid:.2e}) = {tol:.2e}")
    return claim_from("fdt_slope_x", "The aging part of the FDT plot is a straight line of slope x < 1",
                      x, th["x"], _published(th["x"], "x = (p - 2)(1 - q)/q"), tol, how)


def convergence(runs, scale) -> dict:
    """{N, D_C, D_e (Estimates), slope_C, slope_e (power_law_fit of D against N)}."""
    from physics import analysis as A
    t_min = float(SCALES[scale].params["t_min"])
    ps = pspin_runs(runs)
    Ns = [int(r.config["N"]) for r in ps]
    ds = [distances(r, runs["ck"], t_min) for r in ps]
    out = {"N": Ns, "D_C": [d["C"] for d in ds], "D_e": [d["energy"] for d in ds]}
    for key, name in (("C", "D_C"), ("e", "D_e")):
        vals = [d.value for d in out[name]]
        out["slope_" + key] = A.power_law_fit(Ns, vals) if len(Ns) >= 3 else A.none("fewer than 3 N")
    return out


def claim_convergence(runs, scale) -> Claim:
    from physics import analysis as A
    cv = convergence(runs, scale)
    order = {v: i for i, v in enumerate(A.VERDICTS)}
    parts, verdicts = [], []
    for key, name, what in (("C", "D_C", "mean |C_N(tw, t) - C_CK(tw, t)| over lags >= t_min"),
                            ("e", "D_e", "mean |e_N(t) - e_CK(t)| over t >= t_min")):
        sl = cv["slope_" + key]
        v, rule = A.verdict(sl, EXPONENT_RANGE, EXPONENT_TOL)
        verdicts.append(v)
        rows = ", ".join(f"N = {n}: {d.value:.4f} +- {d.error:.1g} (noise floor {d.extra.get('floor', float('nan')):.4f})"
                         for n, d in zip(cv["N"], cv[name]))
        parts.append(f"{what}: {rows}; exponent against N {sl.value:.2f} +- {sl.error:.2f} -> {v} ({rule})"
                     if sl.ok else f"{what}: {rows}; no exponent ({sl.note}) -> {v}")
    verdict = max(verdicts, key=lambda v: order[v])
    sl = cv["slope_C"]
    if cv["N"]:
        at_floor = [what for what, name in (("C", "D_C"), ("e", "D_e"))
                    if cv[name][-1].ok and cv[name][-1].value <= cv[name][-1].extra.get("floor", float("nan"))]
        if at_floor:
            parts.append(f"at N = {cv['N'][-1]} the distance{'s' if len(at_floor) > 1 else ''} of "
                         f"{' and '.join(at_floor)} {'are' if len(at_floor) > 1 else 'is'} at or below the "
                         "noise floor: there the p-spin mean agrees with CK within its sampling noise, and "
                         "the last point of the trend is noise-limited (more samples would sharpen it)")
    s = SCALES[scale].params
    note = (f"p-spin (S = {s['samples']} samples each, dt = 0.05) against CK at the shared points "
            f"(tw = {', '.join(f'{w:g}' for w in s['tw'])}; t_min = {s['t_min']:g}), "
            "analysis.distance_to_reference (error: bootstrap over samples), exponent by "
            "analysis.power_law_fit of the distance against N. " + "; ".join(parts) + ". "
            f"Rule: each exponent judged by analysis.verdict against the range "
            f"[{EXPONENT_RANGE[0]:g}, {EXPONENT_RANGE[1]:g}] with tolerance {EXPONENT_TOL:g} + 2 errors "
            "(at a fixed number of samples the distance is the finite-N bias, O(1/N) at fixed t, plus "
            "the noise of the sample mean, ~(N S)^-1/2: both fall, with an exponent between -1 and "
            "-1/2; an exponent near 0 means no convergence); the claim takes the worse of the two verdicts")
    return Claim("finite_n_convergence", "The N = infinity equations are the limit of the finite-N "
                 "Langevin dynamics: the p-spin approaches the CK solution at the same times as N grows",
                 number(sl.value) if sl.ok else None, number(sl.error) if sl.ok else None,
                 "the distance to CK tends to 0 as N grows (CK 1993 derive the equations for N -> infinity; "
                 "Ben Arous, Dembo & Guionnet, Probab. Theory Relat. Fields 136, 619 (2006), prove the limit); "
                 f"expected exponent in [{EXPONENT_RANGE[0]:g}, {EXPONENT_RANGE[1]:g}]",
                 verdict, note if sl.ok else f"Not measured: {sl.note}. " + note)


def claims(runs: dict, scale: str) -> list[Claim]:
    return [claim_e_inf(runs, scale), claim_plateau_q(runs, scale), claim_fdt_slope_x(runs, scale),
            claim_convergence(runs, scale)]


def stand_in(scale: str) -> str:
    s = SCALES[scale].params
    th = theory_values()
    return (
        "The paper is analytic: it has the N = infinity equations for C and R after a quench and "
        "their asymptotic solution, no simulation data. Its numbers (e_inf = "
        f"{th['e_inf']:.4f}, q_EA = {th['q_EA']:.4f}, x = {th['x']:.4f} at p = {P}, T = {T}; T_d = "
        f"{th['T_d']:.4f}) are computed from its equations by physics/pspin_theory. Our N = infinity "
        f"side is a numerical solution of the same equations (physics/ck, adaptive grid, n_grid = "
        f"{s['ck_n_grid']}, to t = {s['ck_tmax']:g}, waiting times up to "
        f"{max(s['tw'] + s['ck_tw_extra']):g}), checked against the same solution on half the grid "
        f"(n_grid = {s['ck_n_grid'] // 2}): the paper's asymptotic values hold for t, tw -> infinity, so "
        "every CK claim says how far the solution got and takes that into its tolerance. The finite-N "
        f"side is our Langevin p-spin (physics/pspin, geodesic-lm integrator, dt = 0.05) at N = "
        f"{', '.join(str(n) for n in s['N'])}, {s['samples']} disorder samples each, from a random start "
        f"to t = {s['tmax']:g}, with response twins (h = 0.01) at tw = {', '.join(f'{w:g}' for w in s['tw'])}, "
        "the waiting times that lie exactly on both time grids. "
        + ("This is the small scale: the sizes of a laptop. `--scale paper` runs N up to 4000 and CK "
           "to t = 1e6 on a grid eight times finer (meant for a cluster)." if scale == "small" else
           "This is the paper scale (meant for a cluster)." if scale == "paper" else
           "This is a test scale: too small for any claim to mean anything."))
