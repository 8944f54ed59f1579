"""The CK solver on the grid in t'/t (physics/ck_ratio.py, `method = ratio`) against the Kim-Latz
solver at short times, against the analytic equilibrium above T_d, and through `ck.run`."""
from __future__ import annotations

import numpy as np
import pytest

from physics import ck
from physics import pspin_theory as theory
from physics.ck_ratio import RatioSolver, grid_range, grid_steps, nodes_for, ratio_grid, row_coords
from physics.ck_ratio_kernels import _u
from physics.config import ConfigError
from physics.observables import Recording
from tests.test_ck import solve

@pytest.mark.parametrize("grade", [1.0, 8.0], ids=["uniform", "graded"])
def test_grid_and_quadrature(grade):
    """The nodes are dense in log lag at both ends and the weights integrate smooth functions of
    theta and of log theta (to the range's e^-A) exactly enough; the grid coordinate of a node is
    its index (the interpolation's inverse map); a graded grid's step is `grade` times finer in the
    middle than at the ends."""
    L = nodes_for(20.0, grade)
    th, om, w, g = ratio_grid(L, 20.0, grade)
    assert np.all(np.diff(th) > 0) and abs(th[0] - np.exp(-20.0)) < 1e-12 and abs(om[-1] - np.exp(-20.0)) < 1e-12
    assert abs(w.sum() - 1.0) < 1e-8
    assert abs(np.sum(w * th ** 2) - 1.0 / 3.0) < 1e-8
    assert abs(np.sum(w * np.exp(-50.0 * om)) - (1 - np.exp(-50.0)) / 50.0) < 1e-8   # a feature at theta -> 1
    assert grid_range(1e7) > grid_range(1e3) >= 12.0
    assert np.allclose([_u(a, b, g) for a, b in zip(th, om)], np.arange(L), atol=1e-6)
    uA, uB = row_coords(th, om, g)
    m = L // 2
    assert uA[m, m] == _u(th[m] * th[m], om[m] + th[m] * om[m], g)
    mid, end = grid_steps(g)
    assert abs(end / mid - grade) < 1e-9
    y = np.log(th / om)
    assert abs(np.diff(y)[L // 2] - mid) < 1e-3 * mid and abs(np.diff(y)[0] - end) < 0.05 * end
    if grade > 1.0:
        assert 0.59 < end <= 0.6 and L < 2 * nodes_for(20.0)     # END_STEP at the ends


@pytest.mark.parametrize("mix, grade, t", [({3: 1.0}, 1.0, 3.0), ({3: 1.0}, 8.0, 60.0),
                                           ({2: 0.5, 3: 1.0}, 1.0, 40.0)], ids=["rk4", "bdf2-graded", "mix23"])
def test_jacobian_matches_finite_differences(mix, grade, t):
    """The one-pass Jacobian of the right-hand side equals its finite differences (each column one
    more right-hand side with a node moved by 1e-7) to 1e-6 of its largest entry, in all four blocks,
    while t' < t rows are read cubically (RK4 start) and linearly with the memory table (BDF2)."""
    s = RatioSolver(mix, 0.6, L=41, A=grid_range(1e3), grade=grade)
    while s.t < t:
        s.step()
    n, L = s.M - 1, s.L
    x = np.concatenate([s.Hc[n], s.Hr[n]])
    f0 = s._f(n, s.t, x)
    J = s._jacobian()
    fd = np.empty_like(J)
    for k in range(2 * L):
        d = 1e-7 * max(1.0, abs(x[k]))
        xp = x.copy()
        xp[k] += d
        fd[:, k] = (s._f(n, s.t, xp) - f0) / d
    scale = np.abs(fd).max()
    for rows in (slice(0, L), slice(L, 2 * L)):
        for cols in (slice(0, L), slice(L, 2 * L)):
            assert np.abs(J[rows, cols] - fd[rows, cols]).max() < 1e-6 * scale
            assert np.abs(fd[rows, cols]).max() > 1e-3 * scale      # every block matters


def test_matches_kim_latz_at_short_times():
    """p = 3, T = 0.5 to t = 30: the energy agrees with the Kim-Latz grid at n = 1024 (converged to
    ~1e-5 there) within 3e-5; C(t, tw) and chi(t, tw), which the Kim-Latz grid resolves only to
    first order in 1/n, within 1.5 x its own change from n = 512 to 1024 (up to 4e-4 at tw = 10);
    and more nodes (201 against 121) change e by < 1e-6, C and chi by < 2e-5."""
    kw = dict(T=0.5, tmax=30.0, tw=[1.0, 10.0])
    rec_r, summ = solve(method="ratio", **kw)
    rec_k, _ = solve(n_grid=1024, **kw)
    rec_h, _ = solve(n_grid=512, **kw)
    rec_f, _ = solve(method="ratio", nodes=201, **kw)
    t = rec_r["t"]
    ok = t >= 0.05
    d = np.abs(rec_r["energy"][0][ok] - rec_k["energy"][0][ok])
    assert d.max() < 3e-5, d.max()
    assert np.abs(rec_r["energy"][0] - rec_f["energy"][0]).max() < 1e-6
    for key in ("C", "chi"):
        for i in range(2):
            r, k, h = rec_r[key][0, i], rec_k[key][0, i], rec_h[key][0, i]
            both = np.isfinite(k) & np.isfinite(r) & np.isfinite(h)
            assert both.sum() > 20
            band = 1.5 * np.abs(k - h)[both].max() + 1e-5
            assert np.abs(r - k)[both].max() < band, (key, i, np.abs(r - k)[both].max(), band)
            assert np.nanmax(np.abs(r - rec_f[key][0, i])) < 2e-5
    assert summ["diverged_at"] is None and summ["nodes"] == nodes_for(grid_range(30.0))


@pytest.mark.parametrize("mix, T", [({3: 1.0}, 1.0), ({2: 0.5, 3: 1.0}, 1.5)], ids=["p3", "mix23"])
def test_equilibrium_above_Td(mix, T):
    """Above T_d the dynamics equilibrates: e -> -f(1)/T, T chi(t, tw) = 1 - C(t, tw) (FDT) and
    C(tw + tau, tw) does not depend on tw (time-translation invariance)."""
    s = RatioSolver(mix, T, L=101, A=grid_range(40.0))
    while s.t < 40.0:
        s.step()
    f1 = sum(w / 2.0 for w in mix.values())
    assert abs(s.e - (-f1 / T)) < 2e-5, s.e
    assert abs(theory.asymptotic_energy(T, mix) - (-f1 / T)) < 1e-12
    for tw in (15.0, 25.0):
        c, r, chi = s.values(40.0, tw)
        assert abs(T * chi - (1.0 - c)) < 1e-4, (tw, T * chi, 1 - c)
    for tau in (0.5, 2.0, 8.0):
        c1, r1, _ = s.values(20.0 + tau, 20.0)
        c2, r2, _ = s.values(30.0 + tau, 30.0)
        assert abs(c1 - c2) < 1e-5 and abs(r1 - r2) < 1e-5, (tau, c1, c2)


def test_zero_temperature_descends_towards_threshold():
    """T = 0, p = 3: e(t) decreases towards e_th = -2/sqrt(3) from above (no noise, no FDT)."""
    s = RatioSolver({3: 1.0}, 0.0, L=101, A=grid_range(100.0))
    es = []
    while s.t < 100.0:
        s.step()
        es.append(s.e)
    es = np.array(es)
    assert np.all(np.diff(es) < 1e-12)
    assert theory.threshold_energy({3: 1.0}) < es[-1] < -1.1


def test_run_records_and_guard(monkeypatch):
    """ck.run with method = ratio writes the same record layout; a row with a NaN stops the run
    there, and the record says so."""
    rec, summ = solve(method="ratio", T=0.5, tmax=20.0, tw=[2.0])
    for key in ("energy", "C", "chi", "msd", "ck/mu", "ck/R", "ck/grid_t", "ck/grid_C", "ck/grid_R"):
        assert key in rec
    assert np.isfinite(rec["energy"][0]).all()
    C = rec["C"][0, 0]
    assert np.isnan(C[rec["t"] <= 2.0]).all() and np.isfinite(C[rec["t"] > 2.0]).all()
    assert np.all(np.diff(C[rec["t"] > 2.0]) < 0)
    real = RatioSolver.step

    def poisoned(self):
        real(self)
        if self.t > 5.0:
            self.Hc[self.M - 1, 3] = np.nan
    monkeypatch.setattr(RatioSolver, "step", poisoned)
    bad = Recording()
    out = ck.run(ck.default_config(method="ratio", T=0.5, tmax=20.0, nodes=64), bad)
    assert out["diverged_at"] is not None and 5.0 < out["diverged_at"] < 5.2
    assert "non-finite" in str(bad["ck/diverged"])
    e = bad["energy"][0]
    assert np.isfinite(e[bad["t"] <= 5.0]).all() and np.isnan(e[bad["t"] > 5.2]).all()


def test_config_checks():
    ck.validate(ck.default_config(method="ratio", nodes=64))
    with pytest.raises(ConfigError, match="nodes"):
        ck.validate(ck.default_config(method="ratio", nodes=10))
    with pytest.raises(ConfigError, match="method"):
        ck.validate(ck.default_config(method="dynamite"))
    with pytest.raises(ConfigError, match="grade"):
        ck.validate(ck.default_config(method="ratio", grade=0.5))
    assert "grade" not in ck.default_config(method="ratio") and ck.default_config(grade=8.0)["grade"] == 8.0
    # the run-time estimate follows the solver: the 1e7 benchmark took 339 s, Kim-Latz n = 512 to 1e5 ~35 s
    assert 250 < ck.SCHEMA.estimate_seconds(ck.default_config(method="ratio", grade=10.0, tmax=1e7)) < 450
    assert 20 < ck.SCHEMA.estimate_seconds(ck.default_config(tmax=1e5)) < 60
    # the late keys leave the Kim-Latz configs (and so the names of their records) as they were
    assert "method" not in ck.default_config() and "method" in ck.default_config(method="ratio")


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_long_time_energy_to_1e5():
    """p = 3, T = 0.5 to t = 1e5 (about 3 minutes on 2 cores): e(t) decreases smoothly (the guard's
    bound on a rise is 1e-6 for this solver) to 3.0e-4 above e_inf, measured 2026-11-29 with 151
    and 201 nodes at 2.90e-4 and 3.00e-4; the Kim-Latz grid gives 7.4e-4 (n = 512) and 5.8e-4
    (n = 1024) there (docs/performance.md, sec. 3)."""
    th = theory.summary(0.5, {3: 1.0})
    rec, summ = solve(method="ratio", T=0.5, tmax=1e5, tw=[1e2, 1e4])
    assert summ["diverged_at"] is None
    t, e = rec["t"], rec["energy"][0]
    assert np.max(np.diff(e)) < 1e-9
    d = [np.interp(tt, t, e) - th["e_inf"] for tt in (1e3, 1e4, 1e5)]
    assert 0 < d[2] < d[1] < d[0]
    assert abs(d[0] - 5.09e-3) < 3e-5 and abs(d[1] - 1.245e-3) < 3e-5 and abs(d[2] - 2.95e-4) < 3e-5, d


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_graded_grid_reaches_1e7():
    """p = 3, T = 0.5, grade 10 (303 nodes) to t = 1e7, issue 15's target (about 6 minutes on 2
    cores): the guard never stops it, e(t) decreases, e - e_inf is 3.12e-4 at 1e5 (where 101, 151,
    201 uniform nodes converge from below towards ~3.1e-4) and 2.6e-5 at 1e7 (measured 2026-11-29;
    211 nodes, grade 8, differ by < 1.5e-6 up to 3e6), within the target's 1e-4."""
    e_inf = theory.summary(0.5, {3: 1.0})["e_inf"]
    rec, summ = solve(method="ratio", grade=10.0, T=0.5, tmax=1e7, tw=[1e3, 1e5])
    assert summ["diverged_at"] is None and summ["nodes"] == 303
    t, e = rec["t"], rec["energy"][0]
    assert np.isfinite(e).all() and np.max(np.diff(e)) < 1e-9
    d = [np.interp(tt, t, e) - e_inf for tt in (1e5, 1e7)]
    assert abs(d[0] - 3.12e-4) < 5e-6 and abs(d[1] - 2.59e-5) < 3e-6 and 0 < d[1] < 1e-4, d
