"""Exact results of Bouchaud's trap model (docs/science.md, section 10), in units tau_0 = 1, T_g = 1.

Traps have depth E >= 0 with density rho(E) = exp(-E); a walker leaves a trap of depth E after an
exponential time of mean tau = exp(E/x), x = T/T_g, and lands in a new trap drawn from rho. The
mean lifetimes are Pareto distributed, P(tau > s) = s^(-x) for s >= 1, so that a walker is a renewal
process whose waiting times have the survival function Psi(s) = x s^(-x) gamma(x, s) (lower
incomplete gamma function; `survival`).

* The aging limit (Bouchaud & Dean, J. Phys. I France 5, 265 (1995)): for x < 1 the probability
  Pi(tw, tw + t) of no jump between tw and tw + t tends, as tw -> infinity at fixed u = t/tw, to

      H_x(u) = (sin(pi x)/pi) int_{u/(1+u)}^{1} dv (1 - v)^(x-1) v^(-x) = I_{1/(1+u)}(x, 1 - x),

  the regularised incomplete Beta function (B(1 - x, x) = pi / sin(pi x)); `scaling_function`,
  with `scaling_function_quadrature` the integral as written, for checks.

* Finite times, exactly. The trap a walker occupies at time tw has lifetime tau with a law P_tw(tau)
  whose Laplace transform in tw is  rho(tau) tau / (1 + p tau) / (p D(p)),
  D(p) = int rho(tau) tau / (1 + p tau) dtau  (the renewal equation: 1 - psi(p) = p D(p)). Every
  observable of the occupied trap, <g(tau)>(tw), is then the inverse Laplace transform of
  G(p) / (p D(p)) with G(p) = int rho(tau) g(tau) tau / (1 + p tau) dtau, in particular

      Pi(tw, tw + t) = < exp(-t / tau) >(tw)        (`no_jump_probability`)
      <E>(tw)        = < x ln tau >(tw)             (`mean_depth`; the energy is -<E>)

  and the mean number of jumps by tw inverts (1 - p D(p)) / (p^2 D(p)) (`mean_jumps`). The
  transforms are integrals over y = ln tau (Gauss-Legendre panels of width 1, to the depth where
  the integrand is below 1e-15 of its peak); the inversion is the fixed Talbot contour
  (Abate & Valko, Int. J. Numer. Meth. Eng. 60, 979 (2004)) with M = 32 nodes: about 1e-10
  relative. This holds for every x > 0 and tw > 0, so it is the reference of the Monte Carlo at
  finite tw, and the distance |Pi - H_x| it gives at finite tw is the known correction to aging
  (it falls as tw^-(1 - x)).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

TALBOT_M = 32
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(20)


# ----------------------------------------------------------------------------- the aging limit

def scaling_function(x: float, u):
    """H_x(u) = lim Pi(tw, tw + u tw) as tw -> infinity, for 0 < x < 1 (betainc form)."""
    if not 0.0 < x < 1.0:
        raise ValueError(f"H_x is the aging limit for 0 < x < 1; got x = {x}")
    u = np.asarray(u, dtype=float)
    return special.betainc(x, 1.0 - x, 1.0 / (1.0 + u))


def scaling_function_quadrature(x: float, u: float) -> float:
    """H_x(u) by quadrature of the integral as Bouchaud & Dean write it (for checks): QUADPACK's
    algebraic-weight rule takes the end-point singularities (1 - v)^(x-1) and v^(-x) exactly."""
    from scipy.integrate import quad
    lo = u / (1.0 + u)
    mid = 0.5 * (lo + 1.0)
    if lo > 0:
        a = quad(lambda v: (1.0 - v) ** (x - 1.0) * v ** (-x), lo, mid, epsabs=1e-13, limit=200)[0]
    else:
        a = quad(lambda v: (1.0 - v) ** (x - 1.0), 0.0, mid, weight="alg", wvar=(-x, 0.0), epsabs=1e-13)[0]
    b = quad(lambda v: v ** (-x), mid, 1.0, weight="alg", wvar=(0.0, x - 1.0), epsabs=1e-13)[0]
    return math.sin(math.pi * x) / math.pi * (a + b)


def survival(x: float, s):
    """Psi(s): probability that a walker entering a fresh trap has not left it after time s."""
    s = np.asarray(s, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * s ** (-x) * special.gamma(x) * special.gammainc(x, s)
    return np.where(s > 0, out, 1.0)


def typical_jumps(x: float, t: float) -> float:
    """A rough mean number of jumps of one walker by time t (t over the mean lifetime of the traps
    visited, truncated at t): a cost estimate: within 10 % of `mean_jumps` for x >= 0.7, up to 3 times it at small x."""
    t = max(float(t), 1.0)
    mean_tau = x * math.log(t) if abs(x - 1.0) < 1e-9 else x * (t ** (1.0 - x) - 1.0) / (1.0 - x)
    return t / (1.0 + mean_tau)


# ----------------------------------------------------------------------------- finite times, exactly

def _transforms(x: float, p: np.ndarray, gs) -> tuple[np.ndarray, list]:
    """D(p) and G_g(p) for each g in gs (functions of y = ln tau, broadcast against y[:, None])."""
    pmin = float(np.min(np.abs(p)))
    depth = max(0.0, math.log(1.0 / pmin)) + 36.0 / x + 8.0
    edges = np.arange(0.0, depth + 1.0, 1.0)
    y = ((edges[:-1, None] + edges[1:, None]) / 2 + (edges[1:, None] - edges[:-1, None]) / 2 * _GL_NODES).ravel()
    w = np.tile(_GL_WEIGHTS / 2, len(edges) - 1)
    # rho(tau) tau / (1 + p tau) dtau = x e^{-x y} / (e^{-y} + p) dy   (stable for large y)
    kernel = (x * np.exp(-x * y) * w)[:, None] / (np.exp(-y)[:, None] + p[None, :])
    D = kernel.sum(axis=0)
    return D, [np.einsum("yp,y...->p...", kernel, g(y)) for g in gs]


def _talbot(transform, T: float, M: int = TALBOT_M):
    """f(T) from its Laplace transform by the fixed Talbot contour; transform(p) -> F[p, ...]."""
    r = 2.0 * M / (5.0 * T)
    theta = np.pi * np.arange(1, M) / M
    cot = 1.0 / np.tan(theta)
    p = np.concatenate([[r + 0j], r * theta * (cot + 1j)])
    sigma = theta + (theta * cot - 1.0) * cot
    F = transform(p)
    w = np.concatenate([[0.5 * np.exp(r * T) + 0j], np.exp(T * p[1:]) * (1.0 + 1j * sigma)])
    w = w.reshape((M,) + (1,) * (F.ndim - 1))
    return (r / M) * np.real(w * F).sum(axis=0)


def _occupied_mean(x: float, tw: float, g):
    """<g(y)>(tw), y = ln tau of the trap occupied at tw (g(y) broadcasts to y[:, None, ...])."""
    def transform(p):
        D, (G,) = _transforms(x, p, [g])
        return G / (p * D).reshape((-1,) + (1,) * (G.ndim - 1))
    return _talbot(transform, float(tw))


def no_jump_probability(x: float, tw: float, t):
    """Exact Pi(tw, tw + t) of Bouchaud's model (a walker that enters a fresh trap at time 0)."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    out = _occupied_mean(x, tw, lambda y: np.exp(-np.exp(-y)[:, None] * t[None, :]))
    return np.clip(out, 0.0, 1.0)


def mean_depth(x: float, tw):
    """Exact mean depth <E>(tw) of the occupied trap (E in units of T_g; the energy is -<E>)."""
    return np.array([_occupied_mean(x, w, lambda y: x * y) for w in np.atleast_1d(tw)])


def mean_jumps(x: float, tw):
    """Exact mean number of jumps of one walker by time tw."""
    def one(w):
        def transform(p):
            D, _ = _transforms(x, p, [])
            return (1.0 - p * D) / (p * p * D)
        return _talbot(transform, float(w))
    return np.array([one(w) for w in np.atleast_1d(tw)])


def finite_tw_correction(x: float, tw: float, u) -> np.ndarray:
    """Pi(tw, tw + u tw) - H_x(u): how far tw is from the aging limit, exactly."""
    u = np.asarray(u, dtype=float)
    return no_jump_probability(x, tw, u * tw) - scaling_function(x, u)


# ----------------------------------------------------------------------------- the Monte Carlo beside them

def aging_check(x: float, t, tw, C, walkers_total: int) -> list[dict]:
    """For each waiting time: the Monte Carlo Pi (C [samples, nw, nt], equal samples, so the mean
    over samples is the fraction of all `walkers_total` walkers) beside the exact finite-tw Pi and,
    for x < 1, H_x. Per tw: `max_dev_H` = max over t > tw of |Pi - H_x(t/tw)|, its binomial
    standard error `err` sqrt(Pi (1 - Pi) / walkers) there, `correction` = max |Pi_exact - H_x|
    (what |Pi - H_x| tends to with infinitely many walkers at this tw), `max_dev_exact` =
    max |Pi - Pi_exact|, and `max_z` = max |Pi - Pi_exact| / standard error."""
    t, tw = np.asarray(t, float), np.asarray(tw, float)
    P_all = np.asarray(C, float).mean(axis=0)           # NaN where t <= tw, in every sample
    out = []
    for i, w in enumerate(tw):
        later = t > w
        P, lag = P_all[i, later], t[later] - w
        exact = no_jump_probability(x, w, lag)
        se = np.sqrt(np.maximum(exact * (1.0 - exact), 1e-12) / walkers_total)
        row = {"tw": float(w), "max_dev_exact": float(np.max(np.abs(P - exact))),
               "max_z": float(np.max(np.abs(P - exact) / se)), "u_max": float(lag[-1] / w)}
        if x < 1.0:
            H = scaling_function(x, lag / w)
            j = int(np.argmax(np.abs(P - H)))
            row.update(max_dev_H=float(abs(P[j] - H[j])), err=float(se[j]), u_at=float(lag[j] / w),
                       correction=float(np.max(np.abs(exact - H))))
        out.append(row)
    return out
