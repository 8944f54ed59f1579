"""physics/analysis: each estimator on synthetic curves whose answer is known, and the CK
solution for the p-spin's plateau and FDT slope (analytic values of docs/science.md, section 2)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from physics import analysis as A
from physics import pspin_theory as theory


def _aging_C(lag, tw, q, x_tchi=False):
    """Fast decay to q, then an aging decay in lag/tw (the CK shape, schematically)."""
    return (1 - q) * np.exp(-lag) + q / (1 + (lag / tw) ** 1.5) ** 0.5


def test_plateau_finds_q_and_refuses_a_curve_without_one():
    lag = np.geomspace(0.01, 1e5, 141)
    q = 0.64
    est = A.plateau(lag, _aging_C(lag, 1e3, q))
    assert est.ok and est.value == pytest.approx(q, abs=0.02)
    assert est.window[0] < est.extra["lag"] < est.window[1]
    # a plain exponential has no interior flat point
    assert not A.plateau(lag, np.exp(-lag / 10)).ok
    # plateau_of picks the largest tw that has one
    tws = np.array([1.0, 10.0, 1e3])
    # the recorder's grid: log-spaced times plus log-spaced lags after every tw
    t = np.unique(np.concatenate([np.geomspace(0.01, 1e5, 141)] + [w + lag for w in tws]))
    C = np.array([np.where(t > w, _aging_C(np.maximum(t - w, 1e-12), w, q), np.nan) for w in tws])
    est = A.plateau_of(t, tws, C)
    assert est.extra["tw"] == 1e3 and abs(est.value - q) < 0.02


def test_fdt_slope_per_tw_pooled_and_twin_filter():
    q, x = 0.64, 0.56
    lag = np.geomspace(0.01, 1e4, 121)
    tws = [10.0, 100.0]
    D = np.array([1 - _aging_C(lag, w, q) for w in tws])
    Tchi = np.where(D < 1 - q, D, (1 - q) + x * (D - (1 - q)))
    est = A.fdt_slope(D, Tchi, q, tw=tws)
    assert est.value == pytest.approx(x, abs=1e-6)
    assert len(est.extra["per_tw"]) == 2
    assert est.extra["q_break"] == pytest.approx(q, abs=1e-4)
    # a twin that leaves the trajectory: T chi shoots above Delta/2 late; those points are dropped
    bad = Tchi.copy()
    late = D[0] > 0.9
    bad[0, late] = D[0, late] + 0.3
    est2 = A.fdt_slope(D, bad, q, tw=tws)
    assert est2.extra["dropped"] >= late.sum()
    assert est2.value == pytest.approx(x, abs=1e-6)
    # the old pooled regression with those points would be far off
    assert abs(A.fdt_slope(D[:1], bad[:1], q, over_tol=10.0).value - x) > 0.05
    assert not A.fdt_slope(D, Tchi, 1.5).ok


def test_relaxation_time_interpolates_and_bounds():
    lag = np.geomspace(0.1, 100, 61)
    est = A.relaxation_time(lag, np.exp(-lag / 7.0))
    assert est.value == pytest.approx(7.0, rel=0.02) and not est.bound
    est = A.relaxation_time(lag, np.exp(-lag / 7.0), fraction=0.9)
    # relative to the value at the shortest lag, exp(-0.1/7)
    assert est.value == pytest.approx(-7.0 * math.log(0.9 * math.exp(-0.1 / 7)), rel=0.01)
    slow = A.relaxation_time(lag, np.exp(-lag / 1e4))
    assert slow.bound == ">" and slow.value == pytest.approx(100) and not slow.ok


def test_power_law_fit_window_error_and_sensitivity():
    rng = np.random.default_rng(1)
    x = np.geomspace(1e-6, 1e-1, 26)
    y = 3 * x ** 0.5 * np.exp(0.01 * rng.normal(size=x.size))
    # a finite-size floor below 1e-4 ruins a fit over everything
    y_floor = np.maximum(y, 3 * 1e-2)
    est = A.power_law_fit(x, y_floor, window=A.jamming_window(100))
    assert est.window[0] >= 1e-2 and est.value == pytest.approx(0.5, abs=0.05)
    whole = A.power_law_fit(x, y_floor)
    clean = A.power_law_fit(x, y)
    assert whole.value < 0.4 and whole.extra["sensitivity"] > 5 * clean.extra["sensitivity"]
    assert clean.value == pytest.approx(0.5, abs=3 * clean.error + 0.01)
    assert clean.extra["amplitude"] == pytest.approx(3, rel=0.1)
    assert A.late_exponent(np.arange(1, 1001.0), 2e-3 * np.arange(1, 1001.0)).value == pytest.approx(1.0)


def test_power_law_approach_finds_the_asymptote_and_what_is_left():
    t = np.geomspace(1.0, 1e4, 81)
    rng = np.random.default_rng(2)
    y = -0.8867 + 0.33 * t ** -0.6 + 1e-6 * rng.normal(size=t.size)
    est = A.power_law_approach(t, y, window=(10.0, None))
    assert est.ok and est.window[0] >= 10.0
    assert est.value == pytest.approx(-0.8867, abs=1e-4)
    assert est.extra["exponent"] == pytest.approx(0.6, abs=0.02)
    # the decay still ahead after the last time is the power law's value there
    assert est.extra["remaining"] == pytest.approx(0.33 * 1e4 ** -0.6, rel=0.05)
    assert est.extra["sensitivity"] < 1e-4
    # an end not of a power law: the window sensitivity says so
    bent = np.where(t > 1e3, y[np.searchsorted(t, 1e3)], y)   # stops decreasing at t = 1e3
    worse = A.power_law_approach(t, bent, window=(10.0, None))
    assert not worse.ok or worse.extra["sensitivity"] > 10 * est.extra["sensitivity"]
    assert not A.power_law_approach(t[:4], y[:4]).ok


def test_distance_to_reference_bias_noise_and_bootstrap():
    rng = np.random.default_rng(3)
    ref = np.linspace(1.0, 0.2, 50)
    noise = 0.05 * rng.normal(size=(8, 50))
    biased = A.distance_to_reference(ref + 0.1 + noise, ref)
    assert biased.value == pytest.approx(0.1, abs=0.02)
    assert biased.extra["signed"] == pytest.approx(0.1, abs=0.02)
    assert biased.extra["floor"] == pytest.approx(0.05 / np.sqrt(8), rel=0.3)
    assert 0 < biased.error < 0.02
    unbiased = A.distance_to_reference(ref + noise, ref)
    assert unbiased.value < 2 * unbiased.extra["floor"]      # only sampling noise
    # NaN in the reference (points left out) and in samples (not measured) are skipped
    ref2 = ref.copy()
    ref2[:10] = np.nan
    X = ref + noise
    X[0, 20] = np.nan
    part = A.distance_to_reference(X, ref2)
    assert part.extra["points"] == 40
    # two-time arrays: reference [nw, nt] against samples [S, nw, nt]
    two = A.distance_to_reference(np.stack([np.ones((3, 4)) * 0.5] * 2), np.ones((3, 4)) * 0.4)
    assert two.value == pytest.approx(0.1) and two.extra["points"] == 12
    assert math.isnan(A.distance_to_reference(np.ones((1, 5)), np.zeros(5)).error)


def test_tail_exponent_recovers_a_power_law_density():
    rng = np.random.default_rng(2)
    a = 0.42                                   # P(v) ~ v^a on [0, 1]: v = u^(1/(a+1))
    v = rng.random(20000) ** (1 / (a + 1))
    est = A.tail_exponent(v, upper=0.5)
    assert est.value == pytest.approx(a, abs=3 * est.error)
    g = rng.random(20000) ** (1 / (1 - 0.41))  # P(h) ~ h^-0.41
    assert -A.tail_exponent(g, upper=0.1).value == pytest.approx(0.41, abs=0.05)
    assert not A.tail_exponent(v[:5], upper=0.5).ok
    c, d, e = A.log_histogram(v, bins=10)
    assert np.all(d > 0) and np.all(e > 0) and np.all(np.diff(c) > 0)


def test_n_star_one_definition():
    N = [10, 100, 1000]
    est = A.n_star(N, [0.5, 0.2, 0.0])
    # crossing of 0.1 between N = 100 (0.2) and 1000 (0.0): half way in ln N
    assert est.value == pytest.approx(math.sqrt(100 * 1000))
    assert est.window == (100.0, 1000.0)
    assert A.n_star(N, [0.5, 0.3, 0.0]).value == pytest.approx(math.exp(math.log(100) + 2 / 3 * math.log(10)))
    assert not A.n_star([10, 100], [0.0, 0.0]).ok
    assert not A.n_star([10, 100], [0.5, 0.5]).ok
    assert A.regime(11, 100) == "under-parametrised" and A.regime(10, 100) == "over-parametrised"


def test_verdict_follows_the_stated_tolerance():
    assert A.verdict(A.Estimate(0.62, 0.01), 0.639, tol=0.01)[0] == "reproduced"
    assert A.verdict(A.Estimate(0.70, 0.0), 0.639, tol=0.03)[0] == "partly"
    assert A.verdict(A.Estimate(-0.71, 0.05), 0.3, tol=0.1)[0] == "not reproduced"
    assert A.verdict(A.Estimate(0.33), (0.30, 0.36), tol=0.0)[0] == "reproduced"
    assert A.verdict(A.none("no data"), 1.0, tol=1.0)[0] == "not reproduced"


def test_estimators_on_the_ck_solution():
    """CK at p = 3, T = 0.5 to t = 2000: the plateau estimate lies just above q_EA (approached from
    above as tw grows) and the FDT slope is near x = 0.565 (docs/science.md 2)."""
    from physics import ck
    from physics.observables import Recording

    mix = {3: 1.0}
    q_th, x_th = theory.plateau_q(0.5, mix), theory.fdt_slope_x(0.5, mix)
    cfg = ck.default_config(T=0.5, tmax=2000.0, tw=[2.0, 8.0, 32.0, 128.0], n_grid=256)
    rec = Recording()
    ck.run(cfg, rec)
    t, tw = rec["t"], rec["tw"]
    q = A.plateau_of(t, tw, rec["C"][0])
    assert q.ok and q_th - 0.01 < q.value < q_th + 0.1
    x = A.fdt_slope(rec["msd"][0] / 2, 0.5 * rec["chi"][0], q.value, tw=tw)
    assert x.ok and x.value == pytest.approx(x_th, abs=0.08)


def test_plateau_is_not_the_slow_tail_nor_an_inflection():
    """The slow power-law tail of an aging decay (small C, small dC/dln lag) and the inflection of
    a curve with no plateau are not plateaus."""
    lag = np.geomspace(0.01, 1e5, 141)
    q, tw = 0.64, 10.0
    est = A.plateau(lag, _aging_C(lag, tw, q))
    assert not est.ok or est.value > 0.5       # never the tail near C ~ 0.05
    assert A.plateau(lag, _aging_C(lag, 1e4, q)).value == pytest.approx(q, abs=0.02)
    # a two-step decay without a flat part (no plateau yet): refused
    no_plateau = 1 / (1 + (lag / 0.5) ** 0.6)
    assert not A.plateau(lag, no_plateau).ok


def test_verdict_inconclusive_when_the_error_exceeds_the_tolerance():
    v, rule = A.verdict(A.Estimate(-0.006, 0.56), 0.0, tol=0.05)
    assert v == "partly" and "inconclusive" in rule
