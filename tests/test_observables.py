"""The recorder: exact values on hand-made states, NumPy and torch agree, the schedule."""
import numpy as np
import pytest

from physics.observables import (Recorder, Recording, Schedule, drive, log_steps, two_time,
                                 response, TWO_TIME)


def test_log_steps_span_and_density():
    s = log_steps(10**4, per_decade=20)
    assert s[0] == 1 and s[-1] == 10**4
    assert np.all(np.diff(s) > 0)
    # about 20 a decade once steps are no longer crowded at small integers
    assert 15 <= np.sum((s > 1000) & (s <= 10**4)) <= 21


def test_schedule_contains_waiting_times():
    sch = Schedule(dt=0.01, t_max=100.0, tw=[1.0, 10.0])
    assert set(sch.tw_steps) <= set(sch.steps)
    np.testing.assert_allclose(sch.tw, [1.0, 10.0])
    assert sch.t[-1] == pytest.approx(100.0)


def test_two_time_values_by_hand():
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(3, 1000))
    dx = rng.normal(scale=0.1, size=(3, 1000))
    x1 = x0 + dx
    out = two_time(x0, x1, a=0.1)
    np.testing.assert_allclose(out["C"], np.sum(x0 * x1, 1) / 1000)
    np.testing.assert_allclose(out["msd"], np.mean(dx**2, 1))
    np.testing.assert_allclose(out["Q"], np.mean(np.abs(dx) < 0.1, 1))
    np.testing.assert_allclose(out["alpha2"], np.mean(dx**4, 1) / (3 * np.mean(dx**2, 1)**2) - 1)
    # Gaussian displacements: alpha2 ~ 0 within sampling error; Q = erf(1/sqrt2) ~ 0.683
    assert np.all(np.abs(out["alpha2"]) < 0.15)
    assert np.all(np.abs(out["Q"] - 0.6827) < 0.05)
    eps = rng.choice([-1.0, 1.0], size=(3, 1000))
    np.testing.assert_allclose(response(x1 + 0.01 * eps * 2.0, x1, eps, 0.01), 2.0)


def _record(xp_convert):
    sch = Schedule(dt=1.0, t_max=50.0, tw=[2.0, 10.0])
    rec = Recording()
    rec.begin(sch.t, sch.tw, samples=2)
    r = Recorder(sch, rec, a=0.5)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 64))
    eps = np.sign(rng.normal(size=(2, sch.nw, 64)))
    twins = np.repeat(x[:, None], sch.nw, axis=1)

    def advance(n):
        nonlocal x, twins
        for _ in range(n):
            noise = rng.normal(scale=0.1, size=x.shape)
            x = x + noise
            twins = twins + noise[:, None] + 0.01 * eps   # field h=0.01 acting for one unit of time

    def measure(k, step):
        nonlocal twins
        started = r.observe(step, xp_convert(x), xp_convert(0.5 * np.sum(x**2, 1) / 64),
                            twins=xp_convert(twins), eps=xp_convert(eps), h=0.01)
        for i in started:
            twins[:, i] = x

    drive(sch, advance, measure)
    return sch, rec


def test_recorder_grid_and_response():
    sch, rec = _record(lambda a: a)
    for name in TWO_TIME:
        assert rec[name].shape == (2, sch.nw, sch.nt)
    assert rec["energy"].shape == (2, sch.nt)
    for i, s in enumerate(sch.tw_steps):
        assert np.all(np.isnan(rec["C"][:, i, sch.steps <= s]))
        assert np.all(np.isfinite(rec["C"][:, i, sch.steps > s]))
        # chi of a constant unit field on a free particle = elapsed time
        lag = (sch.steps[sch.steps > s] - s) * sch.dt
        np.testing.assert_allclose(rec["chi"][0, i, sch.steps > s], lag, rtol=1e-9)


def test_recorder_torch_matches_numpy():
    torch = pytest.importorskip("torch")
    _, a = _record(lambda v: v)
    _, b = _record(lambda v: torch.as_tensor(v, dtype=torch.float64))
    for name in TWO_TIME + ("energy",):
        np.testing.assert_allclose(a[name], b[name], rtol=1e-10, atol=1e-14, equal_nan=True)


def test_schedule_resolves_short_lags_after_every_tw():
    sch = Schedule(dt=0.05, t_max=50.0, tw=[0.5, 5.0])
    for w in sch.tw_steps:
        lags = sch.steps[sch.steps > w] - w
        assert lags[0] == 1                      # the first step after tw is measured
        # log-spaced lags: at least ~8 a decade between 1 and 100 steps
        assert np.sum((lags >= 10) & (lags < 100)) >= 8


def test_van_hove_of_gaussian_and_of_jumping_coordinates():
    """Gaussian displacements give the standard normal density of u = dx / rms (alpha2 = 0);
    a few large jumps among small moves give a sharp centre and far tails, and the recorder
    stores the distribution [S, nw, nt, bins] with its bin centres."""
    from physics.observables import VAN_HOVE_EDGES, van_hove
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(2, 200_000))
    dens = van_hove(x0, x0 + 0.3 * rng.normal(size=x0.shape))
    u = 0.5 * (VAN_HOVE_EDGES[1:] + VAN_HOVE_EDGES[:-1])
    gauss = np.exp(-u * u / 2) / np.sqrt(2 * np.pi)
    assert dens.shape == (2, len(u)) and np.max(np.abs(dens - gauss)) < 0.01
    jumps = np.where(rng.random(x0.shape) < 0.01, 3.0, 0.1) * rng.normal(size=x0.shape)
    heavy = van_hove(x0, x0 + jumps)         # rms 0.316: the small moves peak at u = 0 ...
    centre = np.argmin(np.abs(u))
    assert (heavy[:, centre] > 2.5 * gauss[centre]).all()
    width = np.diff(VAN_HOVE_EDGES)          # ... and the jumps reach beyond |u| = 6 (mass lost)
    assert (heavy @ width < 0.995).all() and abs(dens @ width - 1).max() < 1e-3
    assert np.isnan(van_hove(x0, x0)).all()                 # no motion: no distribution
    sch = Schedule(dt=0.1, t_max=10.0, tw=[1.0])
    sink = Recording()
    sink.begin(sch.t, sch.tw, samples=2)
    rec = Recorder(sch, sink, van_hove=True)
    x = x0[:, :1000].copy()
    for k, step in enumerate(sch.steps):
        x = x + 0.1 * rng.normal(size=x.shape)
        rec.observe(int(step), x, 0.0)
    assert sink["vanhove"].shape == (2, 1, len(sch.t), len(u))
    assert np.allclose(sink["vanhove_u"], u)
    later = sch.t > sch.tw[0]
    assert np.isfinite(sink["vanhove"][:, 0, later]).all() and np.isnan(sink["vanhove"][:, 0, ~later]).all()
