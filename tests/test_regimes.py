"""The regime estimator of Baity-Jesi et al. (physics/analysis/regimes.py) on synthetic curves with
a known t1 and t2, the plateau rule (analysis.caging and its height), and the late msd exponent."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import erfc

from physics import analysis as A

T = np.geomspace(0.5, 1e5, 400)
TW = np.geomspace(1.0, 5e4, 10)
BIN = 10 ** 0.1 - 1       # t2_of bins the loss 10 a decade: its resolution in t


def msd_grid(t1: float, a: float = 0.7):
    """msd(tw, tw + lag) = lag x h(tw): no tw dependence for tw <= t1 (h = 1), aging beyond
    (h = (tw/t1)^-a)."""
    h = np.where(TW <= t1, 1.0, (TW / t1) ** -a)
    lag = T[None, :] - TW[:, None]
    return np.where(lag > 0, np.abs(lag) * h[:, None], np.nan)


def loss_curve(t_mid: float, width: float, L0: float = 1.0, L_end: float = 0.05):
    """A loss flat at L0, falling like erfc in ln t (ln L against ln t) around t_mid, flat again at
    L_end: its local exponent -d ln L/d ln t is a Gaussian in ln t of width `width`, so it falls
    below 0.1 of its maximum at ln t = ln t_mid + width sqrt(ln 10)."""
    x = (np.log(T) - math.log(t_mid)) / width
    return np.exp(math.log(L_end) + (math.log(L0) - math.log(L_end)) * 0.5 * erfc(x))


@pytest.mark.parametrize("k", [2, 4, 7])
def test_t1_lies_between_the_last_coinciding_and_the_first_aging_tw(k):
    """t1 midway (in ln) between two tw: the first aging tw then differs from the last coinciding
    one by a (ln of the tw ratio)/2 = 0.42 > tol (a t1 just below a tw is found one tw later)."""
    t1 = math.sqrt(TW[k] * TW[k + 1])
    est = A.t1_of(T, TW, msd_grid(t1))
    assert est.ok, est.note
    lo, hi = est.window
    assert lo < t1 <= hi
    k = int(np.searchsorted(TW, t1))           # first tw above t1
    assert hi == pytest.approx(TW[k]) and lo == pytest.approx(TW[k - 1])
    assert est.value == pytest.approx(math.sqrt(lo * hi))


def test_t1_bounds_when_every_or_no_curve_ages():
    early = A.t1_of(T, TW, msd_grid(0.1))       # aging from the first tw
    assert early.bound == "<" and early.value == pytest.approx(TW[0])
    late = A.t1_of(T, TW, msd_grid(1e9))        # never ages
    assert late.bound == ">" and late.value == pytest.approx(TW[-1])


def test_t1_tolerance_separates_noise_from_aging():
    rng = np.random.default_rng(0)
    t1 = math.sqrt(TW[4] * TW[5])
    noisy = msd_grid(t1) * np.exp(0.03 * rng.standard_normal((TW.size, T.size)))
    est = A.t1_of(T, TW, noisy)
    assert est.ok and est.window[0] < t1 <= est.window[1]
    spread = np.array(est.extra["spread"])
    assert np.all(spread[:est.extra["k"]] < 0.15) and spread[est.extra["k"]] > 0.15


@pytest.mark.parametrize("t_mid,width", [(100.0, 1.0), (2000.0, 0.5)])
def test_t2_where_the_loss_rate_falls_to_a_tenth(t_mid, width):
    L = loss_curve(t_mid, width)
    exact = math.exp(math.log(t_mid) + width * math.sqrt(math.log(10.0)))
    est = A.t2_of(T, L)
    assert est.ok, est.note
    # resolution: the loss is binned 10 a decade, a bin is 26 % wide in t
    assert est.value == pytest.approx(exact, rel=BIN)
    assert est.extra["t_steepest"] == pytest.approx(t_mid, rel=BIN)
    # the loss stops being flat as far before the steepest point as t2 is after it
    assert est.extra["t_flat_end"] == pytest.approx(t_mid ** 2 / exact, rel=BIN)


def test_t2_is_a_lower_bound_when_the_loss_still_falls():
    L = 20.0 - np.log(T) ** 2 / 10.0       # falling ever faster in ln t: never slows
    est = A.t2_of(T, L)
    assert est.bound == ">" and est.value == pytest.approx(T[-1])


def test_regimes_labels_every_tw():
    t1, t_mid, width = math.sqrt(TW[2] * TW[3]), 1000.0, 0.6
    r = A.regimes(T, loss_curve(t_mid, width), TW, msd_grid(t1))
    t2 = r["t2"].value
    assert r["t1"].window[0] < t1 <= r["t1"].window[1]
    assert t2 == pytest.approx(math.exp(math.log(t_mid) + width * math.sqrt(math.log(10))), rel=BIN)
    want = [1 if w <= r["t1"].window[0] else (3 if w >= t2 else 2) for w in TW]
    assert r["phase"] == want
    assert set(r["phase"]) == {1, 2, 3} and r["ordered"]


def test_msd_collapse_by_the_noise_strength():
    """Past t2 msd = 2 D(tw) lag: dividing by D(tw) collapses the curves exactly; raw they differ."""
    D = 1e-3 * (TW / TW[0]) ** -0.8
    lag = T[None, :] - TW[:, None]
    msd = np.where(lag > 0, 2 * D[:, None] * np.abs(lag), np.nan)
    est = A.msd_collapse(T, TW[5:], msd[5:], D[5:])
    assert est.ok and est.value < 1e-9
    assert est.extra["raw_spread"] > 0.5
    worse = A.msd_collapse(T, TW[5:], msd[5:], np.ones(5))
    assert worse.value == pytest.approx(est.extra["raw_spread"])


def test_plateau_rule_and_its_height():
    """msd = q (1 - exp(-lag/tau_c)) + 2 D lag: a plateau of height ~q between the rise and the
    escape when 2 D lag stays small across the cage; plain diffusion and a saturating curve
    (any bounded system: no rise after) have none."""
    lag = np.geomspace(1e-2, 1e6, 200)
    q, tau_c, D = 0.4, 1.0, 1e-5
    caged = q * (1 - np.exp(-lag / tau_c)) + 2 * D * lag
    est = A.caging(lag, caged)
    assert est.extra["plateau"] and est.value < 0.3
    assert est.extra["height"] == pytest.approx(q, rel=0.1)
    assert est.extra["height_error"] < 0.1 * q
    assert not A.caging(lag, 2 * D * lag).extra["plateau"]
    bounded = A.caging(lag, q * (1 - np.exp(-lag / tau_c)))    # late slope ~0, no escape
    assert not bounded.extra["plateau"]


def test_late_exponent_of_a_power_law_with_error():
    lag = np.geomspace(1.0, 1e4, 60)
    est = A.late_exponent(lag, 3.0 * lag ** 1.7)
    assert est.value == pytest.approx(1.7, abs=1e-9) and est.error < 1e-6
    assert 1e3 <= est.window[0] < 1.2e3 and est.window[1] == pytest.approx(1e4)


def test_regimes_out_of_order():
    """The loss slows (t2 ~ 30) before the msd curves part (t1 ~ 3000): not the paper's order."""
    t1 = math.sqrt(TW[7] * TW[8])
    r = A.regimes(T, loss_curve(10.0, 0.5), TW, msd_grid(t1))
    assert r["t2"].value < r["t1"].value and not r["ordered"]
    assert r["phase"][:8] == [1] * 8 and r["phase"][8:] == [3, 3]


def test_a_dip_is_no_plateau():
    """msd rising, then falling (slope -1: the weights come back), then rising: the minimum slope
    is below -0.3, a dip, not a plateau."""
    lag = np.geomspace(1e-2, 1e4, 120)
    msd = np.where(lag < 1, lag, np.where(lag < 10, 1 / lag, lag / 100))
    est = A.caging(lag, msd)
    assert est.value < -0.3 and not est.extra["plateau"] and "dip" in est.note
