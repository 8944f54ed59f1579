"""Analytic results for the spherical (mixed) p-spin glass (docs/science.md, section 2).

A model is its covariance f(q) = sum_p w_p q^p / 2 (E[H(s) H(s')] = N f(q), q = s.s'/N), given as
a mixture {p: w_p}; the pure p-spin is {p: 1.0}.

After a quench from a random start to T below T_d the dynamics goes to the marginal (threshold)
states (Cugliandolo & Kurchan 1993): the plateau q solves T^2 = f''(q) (1 - q)^2 (largest root
below 1), the slope of the aging part of the FDT plot is the 1RSB breakpoint at marginality,

    x = (1 - q) (q f''(q) - f'(q)) / (q f'(q))            [pure p: (p - 2)(1 - q)/q]

and the energy goes to e_inf = -(f(1) - (1 - x) f(q)) / T    [pure p: -(1/2T)(1 - (1 - x) q^p)].
T_d is the temperature where x = 1 (pure p: sqrt(p (p-2)^(p-2) / (2 (p-1)^(p-1)))). Above T_d
the equilibrium energy is -f(1)/T (pure: -1/(2T)). At T = 0 the threshold energy is
e_th = -f'(1)/sqrt(f''(1)) - f(1) (f''(1) - f'(1)) / (f'(1) sqrt(f''(1)))  [pure: -sqrt(2(p-1)/p)].
"""
from __future__ import annotations

import math

from scipy.optimize import brentq

Mixture = dict  # {p: w_p}


def as_mixture(p: int | None = None, mix: dict | None = None) -> dict:
    if mix:
        return {int(k): float(v) for k, v in mix.items() if float(v) != 0.0}
    return {int(p): 1.0}


def f(q: float, mix: dict) -> float:
    return sum(w * q**p for p, w in mix.items()) / 2.0


def f1(q: float, mix: dict) -> float:
    return sum(w * p * q ** (p - 1) for p, w in mix.items()) / 2.0


def f2(q: float, mix: dict) -> float:
    return sum(w * p * (p - 1) * q ** (p - 2) for p, w in mix.items() if p >= 2) / 2.0


def f3(q: float, mix: dict) -> float:
    return sum(w * p * (p - 1) * (p - 2) * q ** (p - 3) for p, w in mix.items() if p >= 3) / 2.0


def plateau_q(T: float, mix: dict) -> float:
    """q_EA of the marginal states: largest root in (0, 1) of f''(q) (1 - q)^2 = T^2 (NaN if none)."""
    if T <= 0:
        return 1.0
    g = lambda q: f2(q, mix) * (1.0 - q) ** 2 - T * T  # noqa: E731
    # g(1) = -T^2 < 0; scan down from 1 for the first sign change (largest root)
    qs = [1.0 - 10.0 ** (-k / 8.0) for k in range(1, 129)][::-1]
    qs = [i / 400.0 for i in range(1, 400)] + qs
    qs = sorted(set(qs))
    prev_q, prev_g = 1.0, g(1.0)
    for q in reversed(qs):
        gq = g(q)
        if gq == 0.0:
            return q
        if gq > 0 > prev_g or gq < 0 < prev_g:
            return brentq(g, q, prev_q, xtol=1e-14)
        prev_q, prev_g = q, gq
    return float("nan")


def fdt_slope_x(T: float, mix: dict) -> float:
    """Slope X of the aging part of the FDT plot after a quench to T < T_d."""
    q = plateau_q(T, mix)
    if not (0.0 < q < 1.0):
        return float("nan")
    return (1.0 - q) * (q * f2(q, mix) - f1(q, mix)) / (q * f1(q, mix))


def dynamical_temperature(mix: dict) -> float:
    """T_d: where the marginal solution has x = 1 (pure p: sqrt(p (p-2)^(p-2) / (2 (p-1)^(p-1))))."""
    if set(mix) == {2}:
        return math.sqrt(mix[2])  # spherical SK: T_c = sqrt(w_2) (= 1)
    if len(mix) == 1:
        p = next(iter(mix))
        w = mix[p]
        return math.sqrt(w * p * (p - 2) ** (p - 2) / (2.0 * (p - 1) ** (p - 1)))
    g = lambda T: fdt_slope_x(T, mix) - 1.0  # noqa: E731
    lo, hi = 1e-3, 3.0 * math.sqrt(f2(1.0, mix))
    Ts = [lo + (hi - lo) * i / 300 for i in range(301)]
    vals = [g(T) for T in Ts]
    best = float("nan")
    for a, b, va, vb in zip(Ts, Ts[1:], vals, vals[1:]):
        if math.isfinite(va) and math.isfinite(vb) and va * vb <= 0:
            best = brentq(g, a, b, xtol=1e-12)
    return best


def equilibrium_energy(T: float, mix: dict) -> float:
    """Paramagnetic equilibrium energy per spin, -f(1)/T (valid for T > T_d)."""
    return -f(1.0, mix) / T


def threshold_energy(mix: dict) -> float:
    """e_th at T = 0: the energy of the marginal minima a quench from a random start reaches."""
    a, b, c = f(1.0, mix), f1(1.0, mix), f2(1.0, mix)
    return -b / math.sqrt(c) - a * (c - b) / (b * math.sqrt(c))


def asymptotic_energy(T: float, mix: dict) -> float:
    """e_inf(T) after a quench from a random start: -f(1)/T above T_d, the threshold below."""
    if T <= 0:
        return threshold_energy(mix)
    Td = dynamical_temperature(mix)
    if T >= Td:
        return equilibrium_energy(T, mix)
    q, x = plateau_q(T, mix), fdt_slope_x(T, mix)
    return -(f(1.0, mix) - (1.0 - x) * f(q, mix)) / T


def summary(T: float, mix: dict) -> dict:
    """The asymptotic values for a quench to T: T_d, e_inf, q_EA, x (NaN where not defined)."""
    Td = dynamical_temperature(mix)
    below = T < Td
    return {
        "T_d": Td,
        "e_inf": asymptotic_energy(T, mix),
        "q_EA": plateau_q(T, mix) if below else 0.0,
        "x": fdt_slope_x(T, mix) if (below and T > 0) else (1.0 if not below else 0.0),
        "e_th": threshold_energy(mix),
    }


def mct_exponents(p: int) -> dict:
    """Mode-coupling exponents of the pure spherical p-spin above T_d (docs/science.md, section 6).

    q_d = (p-2)/(p-1) is the dynamical plateau, lambda = (p-2)(1-q_d)/(2 q_d) the exponent
    parameter (= 1/2 for every pure p >= 3), a in (0, 1/2) solves Gamma(1-a)^2/Gamma(1-2a) = lambda
    (critical decay onto the plateau), b in (0, 1] solves Gamma(1+b)^2/Gamma(1+2b) = lambda (von
    Schweidler decay from it), and tau ~ (T - T_d)^-gamma with gamma = 1/(2a) + 1/(2b).
    For p = 3: lambda = 1/2, b = 1, a = 0.3953, gamma = 1.765. Returns {q_d, lambda, a, b, gamma}."""
    from scipy.special import gammaln

    p = int(p)
    if p < 3:
        raise ValueError(f"p = {p}: the mode-coupling exponents need a pure p-spin with p >= 3")
    q_d = (p - 2) / (p - 1)
    lam = (p - 2) * (1 - q_d) / (2 * q_d)
    # both sides fall monotonically from 1 (a = 0, b = 0) to 0 (a = 1/2) and to 1/2 (b = 1)
    ga = lambda a: 2 * gammaln(1 - a) - gammaln(1 - 2 * a) - math.log(lam)  # noqa: E731
    gb = lambda b: 2 * gammaln(1 + b) - gammaln(1 + 2 * b) - math.log(lam)  # noqa: E731
    a = brentq(ga, 1e-12, 0.5 - 1e-12, xtol=1e-14)
    b = 1.0 if abs(gb(1.0)) < 1e-12 else brentq(gb, 1e-12, 1.0, xtol=1e-14)
    return {"q_d": q_d, "lambda": lam, "a": a, "b": b, "gamma": 1 / (2 * a) + 1 / (2 * b)}
