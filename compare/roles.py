"""`compare` works on *roles*: the one record that plays each part in the figures and the summary.

    pspin        a p-spin aging run (a quench to T < T_d)
    ck           the N = infinity CK run at the same p and T
    spheres_jam  a soft-sphere jamming run (protocol "jam")
    spheres_age  a soft-sphere Langevin aging run (protocol "age")
    dnn_over     an over-parametrised net under Langevin dynamics (protocol "langevin")
    dnn_under    an under-parametrised net under Langevin dynamics
    dnn_jam      a jamming sweep of nets (protocol "jamming")
    trap         Bouchaud's trap model below T_g (x < 1: it ages, Pi(tw, t) -> H_x(t/tw))
    ellipses_jam a soft-ellipse jamming run (hypostatic: Z_J < 2 d_f = 6)
    ellipses_age a soft-ellipse Langevin aging run (protocol "age": positions and orientations)

`choose_roles(runs)` picks the most fitting record for each role. Every system names a parameter
by one config key (T, p, mix, protocol, dim, N, width, ...), read here as it is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from compare.findings import mixture_of
from compare.findings.nets import regime_of
from physics import pspin_theory as theory


@dataclass(frozen=True)
class Role:
    name: str
    system: str
    what: str       # in words, for messages
    command: str    # the command that makes such a record


ROLES = {
    "pspin": Role("pspin", "pspin", "p-spin aging record (a quench to T < T_d)",
                  "python cli.py pspin --N 1000"),
    "ck": Role("ck", "ck", "CK (N = infinity) record at the p-spin's p and T",
               "python cli.py ck --p 3 --T 0.5 --tmax 1e5"),
    "spheres_jam": Role("spheres_jam", "spheres", "soft-sphere jamming record",
                        "python cli.py spheres jam --N 256 --dim 2"),
    "spheres_age": Role("spheres_age", "spheres", "soft-sphere aging record",
                        "python cli.py spheres age --N 256 --dim 2"),
    "dnn_over": Role("dnn_over", "dnn", "over-parametrised net (Langevin) record",
                     "python cli.py dnn --width 64"),
    "dnn_under": Role("dnn_under", "dnn", "under-parametrised net (Langevin) record",
                      "python cli.py dnn --width 4"),
    "dnn_jam": Role("dnn_jam", "dnn", "net jamming sweep record", "python cli.py dnn jamming"),
    "trap": Role("trap", "trap", "trap-model aging record (Bouchaud's dynamics, x < 1)",
                 "python cli.py trap --x 0.5"),
    "ellipses_jam": Role("ellipses_jam", "ellipses", "soft-ellipse jamming record",
                         "python cli.py ellipses jam --alpha 1.5 --N 64"),
    "ellipses_age": Role("ellipses_age", "ellipses", "soft-ellipse aging record",
                         "python cli.py ellipses age --alpha 1.5 --N 64"),
}
ORDER = tuple(ROLES)
"""The roles in the order compare makes, lists and tabulates them."""


def temperature(run) -> float:
    return float(run.config["T"])


def scalar(run, name, default=float("nan")) -> float:
    if run is None or name not in run:
        return default
    a = np.asarray(run[name], float).ravel()
    return float(a[0]) if a.size == 1 else float(np.nanmean(a))


def n_over_p(run) -> float:
    """N / P of a Langevin net."""
    return scalar(run, "dnn/N") / scalar(run, "dnn/P")


def ck_command(p: int, T: float, tmax: float) -> str:
    return f"python cli.py ck --p {p} --T {T:g} --tmax {tmax:g}"


def missing_message(role: str, where: str = "runs/", command: str | None = None) -> str:
    r = ROLES[role]
    return f"no {r.what} in {where}: make one with `{command or r.command}`"


def _tmax(run) -> float:
    t = np.asarray(run["t"], float) if "t" in run else np.array([])
    return float(t[-1]) if t.size else 0.0


def _tws(run) -> set:
    return set(np.round(np.asarray(run["tw"], float), 6))


def choose_roles(runs) -> dict:
    """The most fitting record for each role among `runs` (Run objects), {role: Run}."""
    runs = [r for r in runs if r is not None]
    roles: dict = {}

    def best(cands, key):
        return max(cands, key=key) if cands else None

    # p-spin: an aging quench below T_d with two-time data; prefer response, then size, samples
    ps = [r for r in runs if r.system == "pspin" and "tw" in r and len(r["tw"]) and "C" in r
          and temperature(r) < theory.dynamical_temperature(mixture_of(r))]
    roles["pspin"] = best(ps, lambda r: ("chi" in r, r.config.get("N", 0) * r["energy"].shape[0], _tmax(r)))
    # CK: same p (mixture) and T as the chosen p-spin (or any aging CK run if there is no p-spin)
    cks = [r for r in runs if r.system == "ck" and "C" in r]
    ref = roles["pspin"]
    if ref is not None:
        cks = [r for r in cks if mixture_of(r) == mixture_of(ref) and abs(temperature(r) - temperature(ref)) < 1e-9]
        # the longest (the plateau and the aging show better), sharing the p-spin's waiting times
        roles["ck"] = best(cks, lambda r: (_tmax(r) >= _tmax(ref), len(_tws(ref) & _tws(r)), _tmax(r)))
    else:
        cks = [r for r in cks if temperature(r) < theory.dynamical_temperature(mixture_of(r))]
        roles["ck"] = best(cks, _tmax)
    # spheres
    spheres = [r for r in runs if r.system == "spheres"]
    jams = [r for r in spheres if r.config.get("protocol") == "jam" and "spheres/phi_J" in r]
    roles["spheres_jam"] = best(jams, lambda r: (np.size(r["spheres/phi_J"]), r.config.get("N", 0)))
    ages = [r for r in spheres if r.config.get("protocol") == "age" and "tw" in r and len(r["tw"])]
    roles["spheres_age"] = best(ages, lambda r: ("msd" in r, _tmax(r), r.config.get("N", 0)))
    # nets under Langevin: the over-parametrised one with the largest N/P, the under- with the smallest
    nets = [r for r in runs if r.system == "dnn"]
    lang = [r for r in nets if r.config.get("protocol", "langevin") == "langevin"
            and "tw" in r and len(r["tw"]) and "energy" in r and "dnn/N_delta" in r]
    over = [r for r in lang if regime_of(r) == "over-parametrised"]     # analysis.regime, as the findings
    under = [r for r in lang if regime_of(r) != "over-parametrised"]

    def np_key(sign):
        return lambda r: (sign * n_over_p(r) if math.isfinite(n_over_p(r)) else 0, _tmax(r))
    roles["dnn_over"] = best(over, np_key(1))
    roles["dnn_under"] = best(under, np_key(-1))
    jn = [r for r in nets if r.config.get("protocol") == "jamming" and "dnn/N_delta_final" in r]
    roles["dnn_jam"] = best(jn, lambda r: np.size(r["dnn/N"]))
    # trap model: Bouchaud's dynamics below T_g (H_x exists); the most walkers, then the longest
    traps = [r for r in runs if r.system == "trap" and r.config.get("dynamics") == "bouchaud"
             and float(r.config.get("x", 1.0)) < 1.0 and "C" in r and "tw" in r and len(r["tw"])]
    roles["trap"] = best(traps, lambda r: (int(r.config.get("walkers", 0)) * int(r.config.get("samples", 0)),
                                           _tmax(r)))
    # ellipses: a jammed packing (aspect ratio > 1 preferred), the most packings, then the largest N
    ell = [r for r in runs if r.system == "ellipses" and r.config.get("protocol") == "jam" and "ellipses/Z" in r]
    roles["ellipses_jam"] = best(ell, lambda r: (float(r.config.get("alpha", 1.0)) > 1.0,
                                                 np.size(r["ellipses/Z"]), r.config.get("N", 0)))
    # ellipses aging: two-time data (with the orientations preferred), alpha > 1, the longest, the largest N
    ell_age = [r for r in runs if r.system == "ellipses" and r.config.get("protocol") == "age"
               and "tw" in r and len(r["tw"]) and "msd" in r]
    roles["ellipses_age"] = best(ell_age, lambda r: ("C2_theta" in r, float(r.config.get("alpha", 1.0)) > 1.0,
                                                     _tmax(r), r.config.get("N", 0)))
    return roles
