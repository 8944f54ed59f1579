"""The relaxation estimators on synthetic data with known answers (docs/science.md, sections 6-7)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from physics import analysis as A
from physics import pspin_theory as theory


def _bisect(g, lo, hi, n=80):
    """Root of a monotone g on [lo, hi] by plain bisection (independent of scipy's brentq)."""
    glo = g(lo)
    for _ in range(n):
        mid = 0.5 * (lo + hi)
        if (g(mid) > 0) == (glo > 0):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def test_mct_exponents_p3_against_the_literature():
    m = theory.mct_exponents(3)
    assert m["q_d"] == pytest.approx(0.5) and m["lambda"] == pytest.approx(0.5)
    # b = 1 solves Gamma(1+b)^2 / Gamma(1+2b) = lambda exactly: Gamma(2)^2 / Gamma(3) = 1/2
    assert math.gamma(2) ** 2 / math.gamma(3) == 0.5 and m["b"] == 1.0
    a = _bisect(lambda a: math.gamma(1 - a) ** 2 / math.gamma(1 - 2 * a) - 0.5, 0.01, 0.49)
    assert m["a"] == pytest.approx(a, abs=1e-9) and round(a, 3) == 0.395
    # the published p = 3 exponent: gamma = 1.765 (Kirkpatrick & Thirumalai; Crisanti et al.)
    assert round(m["gamma"], 3) == 1.765
    assert m["gamma"] == pytest.approx(1 / (2 * a) + 0.5, abs=1e-9)
    # lambda = 1/2 for every pure p, so the exponents do not depend on p
    assert theory.mct_exponents(5)["gamma"] == pytest.approx(m["gamma"], abs=1e-9)
    with pytest.raises(ValueError):
        theory.mct_exponents(2)


def test_normalised_and_tau_e_tau_90_of_a_stretched_exponential():
    lag = np.geomspace(1e-3, 1e3, 121)
    q = 0.8 * np.exp(-(lag / 5.0) ** 0.6)
    Q = np.stack([np.r_[np.nan, q[1:]], 2 * q])
    N = A.normalised(Q, lag)
    assert np.isnan(N[0, 0]) and N[0, 1] == 1.0 and N[1, 0] == 1.0
    assert np.all(np.isnan(A.normalised(np.full((2, 4), np.nan))))
    # relative to the shortest lag, exp(-(1e-3/5)^0.6) ~ 0.994, so tau_e is a bit below 5
    q0 = math.exp(-(1e-3 / 5.0) ** 0.6)
    est = A.tau_of(lag, N[1], "tau_e")
    assert est.value == pytest.approx(5.0 * (-math.log(q0 / math.e)) ** (1 / 0.6), rel=0.01)
    est90 = A.tau_of(lag, N[1], "tau_90")
    assert est90.value == pytest.approx(5.0 * (-math.log(0.9 * q0)) ** (1 / 0.6), rel=0.01)
    assert A.tau_of(lag, np.exp(-lag / 1e6)).bound == ">"


def test_divergence_exponent_recovers_gamma_and_leaves_bounds_out():
    rng = np.random.default_rng(0)
    Tc, g = 0.6124, 1.765
    T = Tc + np.geomspace(0.01, 0.5, 8)
    tau = 3.0 * (T - Tc) ** -g * np.exp(0.02 * rng.standard_normal(T.size))
    est = A.divergence_exponent(T, tau, Tc)
    assert est.value == pytest.approx(g, abs=3 * est.error + 0.01) and est.error < 0.05
    assert est.window[0] == pytest.approx(0.01)
    taus = [A.Estimate(v) for v in tau]
    taus[0] = A.Estimate(100.0, bound=">")  # the coldest run ended first
    T2 = np.r_[T, Tc - 0.01]
    est = A.divergence_exponent(T2, taus + [5.0], Tc)
    assert est.value == pytest.approx(g, abs=0.05) and est.extra["points"] == 7
    assert "1 lower bound" in est.note and "1 at T <= T_c" in est.note
    assert not A.divergence_exponent(T[:2], tau[:2], Tc).ok


def test_tts_collapse_tells_a_collapse_from_a_change_of_shape():
    lag = np.geomspace(1e-2, 1e5, 141)
    taus = [1.0, 30.0, 900.0]
    same = [(lag, np.exp(-(lag / t) ** 0.5)) for t in taus]
    good = A.tts_collapse(same, taus)
    assert good.value < 1e-3 and good.extra["curves"] == 3
    shapes = [(lag, np.exp(-(lag / t) ** b)) for t, b in zip(taus, (0.3, 0.6, 1.0))]
    bad = A.tts_collapse(shapes, taus)
    assert bad.value > 0.05 and bad.value > 50 * good.value
    assert bad.window == pytest.approx((0.1, 10.0))
    # a tau that is only a bound is left out and said; one curve alone is no collapse
    est = A.tts_collapse(same, [1.0, 30.0, A.Estimate(1e5, bound=">")])
    assert est.extra["curves"] == 2 and "left out" in est.note
    assert not A.tts_collapse(same[:1], taus[:1]).ok
    # curves that do not reach the window share no points
    assert not A.tts_collapse([(lag[:5], np.ones(5))] * 2, [1e6, 1e6]).ok


def test_scaled_power_law_exponent_in_the_scaled_window():
    rng = np.random.default_rng(2)
    tau = 40.0
    lag = np.geomspace(1.0, 1e6, 121)
    corr = (lag / tau) ** -0.5 * np.exp(0.01 * rng.standard_normal(lag.size))
    est = A.scaled_power_law(lag, corr, tau)
    assert est.value == pytest.approx(-0.5, abs=3 * est.error + 0.005)
    assert est.window[0] >= 1.0 and est.window[1] <= 1e3 + 1e-6
    assert not A.scaled_power_law(lag, corr, A.Estimate(1e6, bound=">")).ok
    assert not A.scaled_power_law(lag[:3], corr[:3], 1e6).ok


def test_free_diffusion_Q_matches_brownian_coordinates():
    rng = np.random.default_rng(3)
    D, a, dt, n = 0.5, 0.3, 0.01, 20000
    steps = rng.normal(0.0, math.sqrt(2 * D * dt), size=(400, n))
    x = np.cumsum(steps, axis=0)
    k = np.array([1, 4, 16, 64, 256, 400]) - 1
    lag = (k + 1) * dt
    Q_mc = np.mean(np.abs(x[k]) < a, axis=1)
    Q = A.free_diffusion_Q(lag, a, D)
    assert np.allclose(Q_mc, Q, atol=4 * 0.5 / math.sqrt(n))
    assert A.free_diffusion_Q(0.0, a, D) == 1.0


def test_caging_plateau_or_free_diffusion():
    lag = np.geomspace(1e-2, 1e6, 161)
    free = A.caging(lag, 6 * 0.1 * lag)
    assert free.value == pytest.approx(1.0, abs=1e-6) and not free.extra["plateau"]
    a2, t1, D = 0.01, 1.0, 1e-6
    caged = A.caging(lag, a2 * (1 - np.exp(-lag / t1)) + 6 * D * lag)
    assert caged.value < 0.05 and caged.extra["plateau"]
    assert 1.0 < caged.extra["lag"] < 1e3 and caged.extra["before"] > 0.9 and caged.extra["after"] > 0.9
    # a run that ends in the cage has no escape: a low slope but no plateau between steeper parts
    short = A.caging(lag[:90], (a2 * (1 - np.exp(-lag / t1)) + 6 * D * lag)[:90])
    assert short.value < 0.05 and not short.extra["plateau"] and "after" in short.note
    # sub-diffusion with slope 0.5 is no cage
    assert not A.caging(lag, lag ** 0.5).extra["plateau"]
    msd = 6 * 0.1 * lag
    msd[::7] = np.nan
    assert A.caging(lag, msd).value == pytest.approx(1.0, abs=1e-6)
    assert not A.caging(lag[:4], lag[:4]).ok


def test_chi4_of_independent_coordinates_is_p_one_minus_p():
    rng = np.random.default_rng(4)
    S, n = 400, 500
    p = np.array([0.9, 0.5, 0.2])
    Q = rng.binomial(n, p, size=(S, 3)) / n  # each coordinate stays with probability p
    mean, chi = A.chi4(Q, n)
    assert np.allclose(mean, p, atol=0.01)
    # unbiased variance: E[chi4] = p(1-p); its relative standard error is about sqrt(2/(S-1))
    assert np.allclose(chi, p * (1 - p), rtol=4 * math.sqrt(2 / (S - 1)))
    Qn = Q.copy()
    Qn[:399, 0] = np.nan
    _, chi_n = A.chi4(Qn, n)
    assert np.isnan(chi_n[0]) and np.isfinite(chi_n[1:]).all()


def test_chi4_peak_of_a_bump_and_at_an_edge():
    lag = np.geomspace(1e-1, 1e4, 51)
    bump = 3.0 * np.exp(-np.log(lag / 37.0) ** 2 / (2 * 1.2 ** 2))
    est = A.chi4_peak(lag, bump, samples=101)
    assert est.value == pytest.approx(3.0, rel=1e-6) and est.extra["lag"] == pytest.approx(37.0, rel=1e-6)
    assert est.window[0] < 37.0 < est.window[1]
    assert est.error == pytest.approx(3.0 * math.sqrt(2 / 100), rel=0.01)
    rising = A.chi4_peak(lag, lag ** 0.3)
    assert rising.bound == ">" and rising.extra["edge"] == "longest" and not rising.ok
    assert rising.value == pytest.approx(lag[-1] ** 0.3)
    b2 = bump.copy()
    b2[[3, 20]] = np.nan
    assert A.chi4_peak(lag, b2).extra["lag"] == pytest.approx(37.0, rel=0.05)
    assert not A.chi4_peak(lag[:2], bump[:2]).ok


def test_aging_exponent_simple_aging_and_stationary():
    tw = np.geomspace(1e2, 1e5, 5)
    est = A.aging_exponent(tw, 0.3 * tw)
    assert est.value == pytest.approx(1.0) and est.extra["ratio"] == pytest.approx(1e3)
    assert A.aging_exponent(tw, np.full(5, 7.0)).value == pytest.approx(0.0, abs=1e-12)
    taus = [A.Estimate(v) for v in 0.3 * tw[:4]] + [A.Estimate(1e4, bound=">")]
    est = A.aging_exponent(tw, taus)
    assert est.value == pytest.approx(1.0) and "1 lower bound" in est.note
    two = A.aging_exponent(tw[:2], 0.3 * tw[:2] ** 0.5)
    assert two.value == pytest.approx(0.5) and math.isnan(two.error)
    assert not A.aging_exponent(tw[:1], [1.0]).ok


def test_jump_location_interpolates_and_bounds():
    lam = np.linspace(0.0, 0.052, 14)
    loss = np.where(lam < 0.025, 1e-3, 0.5)
    est = A.jump_location(lam, loss, 0.0, 0.5)
    k = int(np.searchsorted(lam, 0.025))
    assert lam[k - 1] <= est.value <= lam[k] and est.error == pytest.approx(0.5 * (lam[k] - lam[k - 1]))
    smooth = 0.5 / (1 + np.exp(-(lam - 0.03) / 0.002))
    assert A.jump_location(lam, smooth, 0.0, 0.5).value == pytest.approx(0.03, abs=0.002)
    # log interpolation on a log grid
    x = np.geomspace(1e-3, 1e-1, 8)  # 1e-2 is not a grid point
    y = np.log(x / 1e-3) / np.log(100.0)  # linear in ln x, crosses 1/2 at x = 1e-2
    assert A.jump_location(x, y, 0.0, 1.0).value == pytest.approx(1e-2, rel=1e-9)
    assert A.jump_location(x, y, 0.0, 1.0, log=False).value > 1.05e-2
    never = A.jump_location(lam, np.full(lam.size, 1e-3), 0.0, 0.5)
    assert never.bound == ">" and never.value == pytest.approx(0.052)
    always = A.jump_location(lam, np.full(lam.size, 0.5), 0.0, 0.5)
    assert always.bound == "<" and always.value == 0.0
    noisy = loss.copy()
    noisy[-1] = 0.0
    noisy[2] = np.nan
    est = A.jump_location(lam, noisy, 0.0, 0.5)
    assert est.extra["crossings"] == 2 and "crosses back" in est.note
    assert not A.jump_location([0.1], [0.2], 0.0, 0.5).ok


def test_stationary_tau_waits_for_the_transient_and_skips_unresolved_waiting_times():
    """A relaxation whose tau approaches tau_eq = 10 as tau(tw) = tau_eq (1 - exp(-tw / 30)):
    the estimate is the first pair of waiting times within 10 %; a waiting time whose curve
    starts below 0.9 (no short lags stored) is skipped; a tau that keeps growing gives none."""
    lag = np.geomspace(0.01, 1e3, 400)
    tws = np.array([3.0, 10.0, 30.0, 100.0, 300.0])
    tau_tw = 10.0 * (1 - np.exp(-tws / 30.0))
    curves = [(lag, np.exp(-lag / t)) for t in tau_tw]
    est = A.stationary_tau(tws, curves)
    assert est.ok and est.window == (100.0, 300.0)
    assert abs(est.value - 10.0) < 0.05 and est.error < 0.5
    # tw = 100 stored only from lag 5 on (a coarse grid): it cannot serve, so the pair moves on
    coarse = [(lag[lag > 5] if i == 3 else lag, c[lag > 5] if i == 3 else c)
              for i, (l, c) in enumerate(curves)]
    tws5 = np.append(tws, 1000.0)
    coarse.append((lag, np.exp(-lag / 10.0)))
    est = A.stationary_tau(tws5, coarse)
    assert est.ok and est.window == (300.0, 1000.0) and math.isnan(est.extra["taus"][3])
    # simple aging, tau = tw: never stationary
    est = A.stationary_tau(tws, [(lag, np.exp(-lag / w)) for w in tws])
    assert not est.ok and "no two consecutive" in est.note


def test_stationary_tau_with_the_exact_zero_lag_value_reads_a_two_step_curve_from_its_plateau():
    """C = (1 - q) e^-lag + q e^-(lag/tau_a), q = 0.5, tau_a = 50, stored only from lag 5 (on the
    plateau): with c0 = 1, tau_e is where C falls below 1/e (about 50 ln(e/2) = 15.3, read off a
    fine curve), not 1/e of the plateau value; a curve that starts below 1/e is unresolved."""
    fine = np.geomspace(1e-3, 1e4, 4000)

    def C(l):
        return 0.5 * np.exp(-l) + 0.5 * np.exp(-l / 50.0)
    exact = A.tau_of(fine, C(fine)).value
    coarse = fine[fine > 5]
    est = A.stationary_tau([100.0, 300.0], [(coarse, C(coarse))] * 2, c0=1.0)
    assert est.ok and abs(est.value - exact) < 0.01 * exact
    wrong = A.stationary_tau([100.0, 300.0], [(coarse, C(coarse))] * 2)   # normalised by the plateau
    assert not wrong.ok                                                    # 0.5 < resolved = 0.9
    late = fine[fine > 60]
    est = A.stationary_tau([100.0, 300.0], [(late, C(late))] * 2, c0=1.0)
    assert not est.ok and "tw = 100: unresolved" in est.note
