"""The one-page summary of `compare`: measured values beside the published or analytic ones,
computed from the records, and the figures (Markdown, and optionally HTML).

Each measurement says how it was obtained (the `how` column), so a reader can judge it:
plateau q_EA = C(tw, t) of the largest tw at t = 1.1 tw (after the fast decay, before aging);
x = least-squares slope of T chi against Delta/2 where Delta/2 > 1 - q_EA + 0.02 (the aging part);
exponents = maximum-likelihood power-law fits of the values below a stated cut-off.
"""
from __future__ import annotations

import datetime as _dt
import html
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from compare import figures as F
from physics import pspin_theory as theory

PHI_J_PUBLISHED = {2: 0.84, 3: 0.64}  # SCIENCE.md 3: 2D bidisperse 1:1.4, 3D mono/bidisperse


@dataclass
class Row:
    key: str
    quantity: str
    system: str
    measured: float = float("nan")
    error: float = float("nan")
    expected: object = None      # a number, or a short text ("prop. to P")
    how: str = ""
    source: str = ""
    extra: dict = field(default_factory=dict)


def _nanmean_sem(a):
    a = np.asarray(a, float).ravel()
    a = a[np.isfinite(a)]
    if a.size == 0:
        return float("nan"), float("nan")
    return float(a.mean()), (float(a.std(ddof=1) / math.sqrt(a.size)) if a.size > 1 else float("nan"))


# ----------------------------------------------------------------------------- p-spin

def plateau_estimate(run) -> float:
    """q_EA: C(tw, t) of the largest tw at the first t >= 1.1 tw, after the fast relaxation and
    before the aging decay (a lower bound on the plateau that tends to q_EA as tw grows)."""
    t, tw = np.asarray(run["t"], float), np.asarray(run["tw"], float)
    C = run.mean("C")
    for i in range(len(tw) - 1, -1, -1):
        k = np.where((t >= 1.1 * tw[i]) & np.isfinite(C[i]))[0]
        if k.size:
            return float(C[i, k[0]])
    return float("nan")


def fdt_slope_estimate(run, T: float, q: float) -> tuple[float, float]:
    """Slope of T chi against Delta/2 in the aging part (Delta/2 > 1 - q + 0.02), all tw pooled."""
    if "chi" not in run or not (0 < q < 1):
        return float("nan"), float("nan")
    x, y = (run.mean("msd") / 2).ravel(), (T * run.mean("chi")).ravel()
    ok = np.isfinite(x) & np.isfinite(y) & (x > 1 - q + 0.02)
    if ok.sum() < 4 or np.ptp(x[ok]) < 0.02:
        return float("nan"), float("nan")
    A = np.vstack([x[ok], np.ones(ok.sum())]).T
    coef, *_ = np.linalg.lstsq(A, y[ok], rcond=None)
    r = y[ok] - A @ coef
    se = math.sqrt(float(r @ r) / max(ok.sum() - 2, 1) / max(float(((x[ok] - x[ok].mean()) ** 2).sum()), 1e-300))
    return float(coef[0]), se


def pspin_rows(ps, ck) -> list[Row]:
    ref = ps if ps is not None else ck
    if ref is None:
        return []
    mix, T = F.mixture_of(ref), F.temperature(ref)
    an = theory.summary(T, mix)
    src = "CK 1993; physics/pspin_theory"
    pname = "+".join(str(p) for p in mix)
    rows = [Row("T_d", "T_d (dynamical temperature)", f"p-spin p = {pname}", expected=an["T_d"],
                how=f"runs at T = {T:g} (< T_d: aging expected)", source=src)]
    for run, sysname, suffix in ((ps, F.pspin_label(ps) if ps is not None else "", ""), (ck, "CK, N = inf", "_ck")):
        if run is None:
            continue
        e = np.asarray(run["energy"], float)[:, -1]
        m, s = _nanmean_sem(e)
        rows.append(Row("e_inf" + suffix, "e_inf (energy after the quench)", sysname, m, s, an["e_inf"],
                        how=f"e(t) at t = {float(run['t'][-1]):.3g} (approaches from above)", source=src))
        q = plateau_estimate(run)
        rows.append(Row("q_EA" + suffix, "q_EA (plateau of C)", sysname, q, expected=an["q_EA"],
                        how="C(tw, 1.1 tw) of the largest tw (-> q_EA as tw grows)", source=src))
        x, xs = fdt_slope_estimate(run, T, q if math.isfinite(q) else an["q_EA"])
        rows.append(Row("x" + suffix, "x (FDT slope, aging part)", sysname, x, xs, an["x"],
                        how="slope of T chi vs Delta/2 beyond the plateau, all tw", source=src))
    rows.append(Row("e_th", "e_th (threshold energy at T = 0)", f"p-spin p = {pname}",
                    expected=an["e_th"], how="analytic only", source=src))
    return rows


# ----------------------------------------------------------------------------- spheres

def spheres_rows(sj) -> list[Row]:
    if sj is None:
        return []
    d = F.dimension(sj)
    name = f"spheres {d}D, N = {F.cget(sj, 'N', default='?')}"
    src = "O'Hern et al. 2003"
    rows = []
    if "spheres/phi_J" in sj:
        m, s = _nanmean_sem(sj["spheres/phi_J"])
        rows.append(Row("phi_J", "phi_J (jamming packing fraction)", name, m, s, PHI_J_PUBLISHED.get(d),
                        how=f"compress and bisect, {np.size(sj['spheres/phi_J'])} packing(s)", source=src))
    if "spheres/Z" in sj:
        m, s = _nanmean_sem(sj["spheres/Z"])
        rows.append(Row("Z_c", "Z_c (contacts per non-rattler at phi_J)", name, m, s, 2 * d,
                        how="rattlers removed", source="isostaticity, Z_c = 2d"))
    if "spheres/contacts" in sj and "spheres/N_nonrattlers" in sj:
        c = np.asarray(sj["spheres/contacts"], float).ravel()
        nr = np.asarray(sj["spheres/N_nonrattlers"], float).ravel()
        m, s = _nanmean_sem(c - (d * (nr - 1) + 1))
        rows.append(Row("isostatic", "contacts - (d (N_nr - 1) + 1)", name, m, s, 0,
                        how="per packing, at phi_J", source="isostaticity"))
    if "spheres/forces" in sj:
        th, se, rng = exponent_from_histogram(sj["spheres/forces"], upper=0.1)
        rows.append(Row("theta_spheres", "theta (P(f) ~ f^theta, small forces)", name, th, se, F.THETA_SPHERES,
                        how=f"tail max. likelihood, f/<f> in {rng}", source="Charbonneau et al. 2014-15"))
    if "spheres/gaps" in sj:
        g, se, rng = exponent_from_histogram(sj["spheres/gaps"], upper=1e-2)
        rows.append(Row("gamma_spheres", "gamma (P(h) ~ h^-gamma, small gaps)", name,
                        -g if math.isfinite(g) else g, se, F.GAMMA_SPHERES,
                        how=f"tail max. likelihood, h in {rng}", source="Charbonneau et al. 2014-15"))
    alpha = float(F.cget(sj, "alpha", default=2.0))
    if "spheres/dphi" in sj:
        dphi = np.asarray(sj["spheres/dphi"], float).ravel()
        for key, label, exp in (("spheres/energy_dphi", "E/N ~ (phi - phi_J)^a", alpha),
                                ("spheres/pressure", "pressure ~ (phi - phi_J)^a", alpha - 1),
                                ("spheres/Z_excess", "Z - Z_c ~ (phi - phi_J)^a", 0.5)):
            if key not in sj:
                continue
            y = np.nanmean(np.asarray(sj[key], float).reshape(-1, len(dphi)), axis=0)
            a, se = F.power_law_fit(dphi, y)
            rows.append(Row("scaling_" + key.split("/")[1], label, name, a, se, exp,
                            how=f"log-log fit over phi - phi_J in [{dphi.min():.0e}, {dphi.max():.0e}]",
                            source=src))
    return rows


def exponent_from_histogram(values, upper: float, min_count: int = 20):
    """Exponent a of a density P(v) ~ v^a near v = 0, from the values below `upper`: the maximum
    likelihood estimate for a power law on [0, upper], a + 1 = n / sum(log(upper / v_i)), with
    standard error (a + 1)/sqrt(n); no binning, so it holds up with few values. Also returns the
    range used as text."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0) & (v <= upper)]
    if v.size < min_count:
        return float("nan"), float("nan"), f"(0, {upper:g}]: only {v.size} values"
    s = float(np.sum(np.log(upper / v)))
    a1 = v.size / s
    return a1 - 1.0, a1 / math.sqrt(v.size), f"(0, {upper:g}], {v.size} values"


# ----------------------------------------------------------------------------- nets

def nets_rows(nj, over, under) -> list[Row]:
    rows = []
    src = "Geiger et al. 2019; Spigler et al. 2019"
    if nj is not None and "dnn/N_delta_final" in nj:
        name = f"nets, P = {F.scalar(nj, 'dnn/P'):.0f}, depth {F.cget(nj, 'depth', default='?')}"
        ns = F.nets_n_star(nj)
        rows.append(Row("N_star", "N*/P (jamming transition of nets)", name, ns, expected="prop. to P (N*/P const.)",
                        how="where N_Delta/N crosses 0.1, interpolated in log N", source=src))
        x, m, _, _ = F.nets_jamming_curve(nj)
        under_idx = np.where(m > 0.1)[0]
        if under_idx.size:
            j = under_idx[-1]
            rows.append(Row("C0", "N_Delta/N just below N*", name, float(m[j]), expected=F.C0_NETS,
                            how=f"at N/P = {x[j]:.3g} (hypostatic jump)", source=src))
        if "dnn/margins" in nj:
            mar, xnp = F.nets_transition_margins(nj)
            th, se, rng = exponent_from_histogram(mar[mar > 0], upper=0.3)
            rows.append(Row("theta_nets", "theta (P+(Delta) ~ Delta^theta)", name, th, se, F.THETA_NETS,
                            how=f"at N/P = {xnp:.3g}, Delta in {rng}", source=src))
            g, se, rng = exponent_from_histogram(-mar[mar < 0], upper=0.3)
            rows.append(Row("gamma_nets", "gamma (P-(Delta) ~ |Delta|^-gamma)", name,
                            -g if math.isfinite(g) else g, se, F.GAMMA_NETS,
                            how=f"at N/P = {xnp:.3g}, -Delta in {rng}", source=src))
    for run, kind, expect in ((over, "over", "1 (diffusion, no plateau)"),
                              (under, "under", "< 1 (plateau, p-spin-like)")):
        if run is None or "msd" not in run:
            continue
        a, se = msd_growth_exponent(run)
        rows.append(Row(f"msd_exponent_{kind}", "d log msd / d log lag, long lags, largest tw",
                        F.net_label(run, kind), a, se, expect,
                        how="fit over the last decade of lags", source="Baity-Jesi et al. 2018"))
        loss = np.asarray(run["energy"], float)[:, -1]
        m, s = _nanmean_sem(loss)
        rows.append(Row(f"loss_{kind}", "final training loss", F.net_label(run, kind), m, s,
                        "0" if kind == "over" else "> 0", how=f"at t = {float(run['t'][-1]):.3g}", source=src))
    return rows


def msd_growth_exponent(run):
    t, tw = np.asarray(run["t"], float), np.asarray(run["tw"], float)
    msd = run.mean("msd")
    for i in range(len(tw) - 1, -1, -1):
        later = t > tw[i]
        lag, y = t[later] - tw[i], msd[i, later]
        ok = np.isfinite(y) & (y > 0)
        if ok.sum() < 4:
            continue
        lag, y = lag[ok], y[ok]
        return F.power_law_fit(lag, y, xmin=lag.max() / 10)
    return float("nan"), float("nan")


# ----------------------------------------------------------------------------- the page

def measurements(roles: dict) -> list[Row]:
    return (pspin_rows(roles.get("pspin"), roles.get("ck")) + spheres_rows(roles.get("spheres_jam"))
            + nets_rows(roles.get("dnn_jam"), roles.get("dnn_over"), roles.get("dnn_under")))


def _fmt(v, err=float("nan")) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    v = float(v)
    if math.isnan(v):
        return "-"
    s = f"{v:.4g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"
    if math.isfinite(err):
        s += f" ± {err:.2g}"
    return s


TITLES = {
    "energy": "1. Energy or loss against time after the quench",
    "aging": "2. Aging: msd against the lag, and the t/tw collapse",
    "fdt": "3. Fluctuation-dissipation plots",
    "jamming": "4. Jamming: nets beside soft spheres",
}


def table_rows(roles):
    return [(r.quantity, r.system, _fmt(r.measured, r.error), _fmt(r.expected), r.how, r.source)
            for r in measurements(roles)]


HEAD = ("quantity", "system", "measured", "published / analytic", "how measured", "source")


def write_summary(roles: dict, figure_paths: dict, out, messages=(), html_too: bool = True,
                  html: bool | None = None) -> Path:
    """Write `out/summary.md` (and `summary.html`); returns the Markdown path."""
    if html is not None:
        html_too = html
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = table_rows(roles)
    now = _dt.datetime.now().isoformat(timespec="seconds")
    md = ["# glassbench: every system on shared axes", "",
          f"Made by `python cli.py compare` on {now}. Definitions and published values: shared/SCIENCE.md.", "",
          "## Measured beside published or analytic values", "",
          "| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    md += ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in rows]
    if not rows:
        md.append("| (no records) |" + " |" * (len(HEAD) - 1))
    md += ["", "## Figures", ""]
    for name, p in figure_paths.items():
        p = Path(p)
        md += [f"### {TITLES.get(name, name)}", "",
               f"![{name}]({p.name})", "", f"[PNG]({p.name}) · [PDF]({p.with_suffix('.pdf').name})", ""]
    md += ["## Records used", ""]
    for role, r in roles.items():
        if r is not None:
            md.append(f"- {F.ROLES[role].what if role in F.ROLES else role}: `{r.path}` "
                      f"(config: `{_short_config(r.config)}`)")
    if messages:
        md += ["", "## Missing", ""] + [f"- {m}" for m in messages]
    path = out / "summary.md"
    path.write_text("\n".join(md) + "\n")
    if html_too:
        (out / "summary.html").write_text(_html_page(rows, figure_paths, roles, messages, now))
    return path


def _short_config(cfg: dict) -> str:
    keep = {k: v for k, v in cfg.items() if not isinstance(v, (list, dict)) or len(str(v)) < 40}
    s = ", ".join(f"{k}={v}" for k, v in sorted(keep.items()))
    return s if len(s) < 300 else s[:297] + "..."


def _html_page(rows, figure_paths, roles, messages, now) -> str:
    e = html.escape
    h = ["<!doctype html><html><head><meta charset='utf-8'><title>glassbench compare</title>",
         "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;"
         "font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}img{max-width:100%}</style></head><body>",
         "<h1>glassbench: every system on shared axes</h1>",
         f"<p>Made by <code>python cli.py compare</code> on {e(now)}.</p>",
         "<h2>Measured beside published or analytic values</h2><table><tr>"
         + "".join(f"<th>{e(c)}</th>" for c in HEAD) + "</tr>"]
    for row in rows:
        h.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
    h.append("</table><h2>Figures</h2>")
    for name, p in figure_paths.items():
        p = Path(p)
        h.append(f"<h3>{e(TITLES.get(name, name))}</h3><img src='{e(p.name)}' alt='{e(name)}'>"
                 f"<p><a href='{e(p.with_suffix('.pdf').name)}'>PDF</a></p>")
    h.append("<h2>Records used</h2><ul>")
    for role, r in roles.items():
        if r is not None:
            h.append(f"<li>{e(F.ROLES[role].what if role in F.ROLES else role)}: <code>{e(str(r.path))}</code></li>")
    h.append("</ul>")
    if messages:
        h.append("<h2>Missing</h2><ul>" + "".join(f"<li>{e(m)}</li>" for m in messages) + "</ul>")
    h.append("</body></html>")
    return "\n".join(h)
