"""Spherical p-spin: couplings, forces, dynamics, physics against docs/science.md section 2, command."""
import itertools
import math

import numpy as np
import pytest
from click.testing import CliRunner

from physics import pspin
from physics import pspin_kernels as K
from physics import pspin_theory as theory
from physics.config import ConfigError
from physics.observables import Recording


def dense_tensor(J, N, p):
    D = np.zeros((N,) * p)
    for a, idx in enumerate(itertools.combinations(range(N), p)):
        D[idx] = J[a]
    return D


def dense_force(D, s):
    """-grad of H = -sum_{i1<..<ip} D s..s by einsum on the symmetrised dense tensor."""
    p = D.ndim
    sym = sum(np.transpose(D, perm) for perm in itertools.permutations(range(p)))
    letters = "abcd"[:p]
    ops = [s] * (p - 1)
    return np.einsum(f"{letters}," + ",".join(letters[1:]) + "->a", sym, *ops) / math.factorial(p - 1)


def run_rec(**kw):
    rec = Recording()
    out = pspin.run(pspin.default_config(**kw), rec)
    return rec, out


@pytest.mark.parametrize("mix", [{2: 1.0}, {3: 1.0}, {4: 1.0}, {2: 0.5, 3: 1.0}, {3: 1.0, 4: 0.7}])
@pytest.mark.parametrize("precision", ["float64", "float32", "float16"])
def test_force_matches_dense_einsum_and_finite_differences(mix, precision):
    N = 11
    rng = np.random.default_rng(1)
    c = pspin.Couplings.generate(N, mix, rng, precision)
    s = pspin.random_sphere(N, rng, R=3)
    F = c.force(s)
    tol = 1e-10 if precision == "float64" else 2e-5
    for r in range(3):
        Fd = sum(dense_force(dense_tensor(c.J[p].astype(float), N, p), s[r]) for p in mix)
        np.testing.assert_allclose(F[r], Fd, atol=tol * np.abs(Fd).max())
    if precision == "float64":
        # central finite differences of the directly computed energy
        h = 1e-6
        fd = np.array([-(c.energy(s[0] + h * e) - c.energy(s[0] - h * e)) / (2 * h) for e in np.eye(N)])
        np.testing.assert_allclose(F[0], fd, atol=1e-6)
        # Euler: s . grad H = sum_p p H_p (= p H for a pure model)
        Hp = {p: float(K.ENERGY[p](c.J[p], s[0])) for p in mix}
        assert np.dot(s[0], F[0]) == pytest.approx(-sum(p * H for p, H in Hp.items()), rel=1e-10)


def test_replicas_share_one_pass_and_threads_do_not_change_results():
    N = 300                                    # above K.SERIAL_BELOW: the threaded kernel
    rng = np.random.default_rng(2)
    c = pspin.Couplings.generate(N, {3: 1.0}, rng)
    s = pspin.random_sphere(N, rng, R=5)
    F = c.force(s)
    assert c.J[3].size >= K.SERIAL_BELOW
    assert K.BLOCK_FROM_R == 2
    for r in range(5):
        # a replica's force does not depend on its batch (R >= 2 all go four rows at a time) ...
        np.testing.assert_array_equal(F[r], c.force(s[[r, (r + 1) % 5]])[0])
        # ... and one replica alone (single rows) differs only by round-off
        np.testing.assert_allclose(c.force(s[r:r + 1])[0], F[r], rtol=0, atol=1e-5 * np.abs(F[r]).max())
    import numba
    n = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        np.testing.assert_array_equal(F, c.force(s))
    finally:
        numba.set_num_threads(n)
    serial = K.force3_serial(c.J[3], s.astype(np.float32), c.offs[3], np.float32(0))
    np.testing.assert_allclose(F, serial, atol=1e-4)


@pytest.mark.parametrize("mix", [{2: 1.0}, {3: 1.0}, {4: 1.0}, {2: 0.5, 4: 0.5}])
def test_half_precision_couplings_are_the_rounded_float32_ones(mix, monkeypatch):
    """float16 storage: the float32 couplings of the same seed, planted in float32, rounded once
    (drawn in several chunks of leading indices here); its forces are the float32 kernels' on the
    rounded couplings, bit for bit, for one replica and for a batch, serial and threaded."""
    monkeypatch.setattr(pspin, "DRAW_CHUNK", 500)
    N = 40 if 4 not in mix else 24
    s0 = pspin.random_sphere(N, np.random.default_rng(5))
    for plant in (None, (s0, 0.7)):
        c16 = pspin.Couplings.generate(N, mix, np.random.default_rng(4), "float16", plant=plant)
        c32 = pspin.Couplings.generate(N, mix, np.random.default_rng(4), "float32", plant=plant)
        assert c16.nbytes * 2 == c32.nbytes
        rounded = pspin.Couplings(N, {p: a.astype(np.float32) for p, a in c16.J.items()})
        for p in mix:
            assert c16.J[p].dtype == np.float16
            np.testing.assert_array_equal(c16.J[p], c32.J[p].astype(np.float16))
            assert np.abs(c16.J[p].astype(np.float32) - c32.J[p]).max() <= 2.0 ** -11 * np.abs(c32.J[p]).max()
        s = pspin.random_sphere(N, np.random.default_rng(6), R=3)
        for batch in (s[:1], s):
            np.testing.assert_array_equal(c16.force(batch), rounded.force(batch))
        p = max(mix)
        offs, bounds = c16.offs[p], K.balanced_blocks(N, p, 3)
        threaded = [K.FORCE[p](K.kernel_view(J), s.astype(np.float32), offs, bounds,
                               np.empty((3, 3, N), np.float32), np.float32(0))
                    for J in (c16.J[p], rounded.J[p])]
        np.testing.assert_array_equal(*threaded)
    if 4 not in mix:
        # the planted shift (~ sigma^2 / T0 per coupling, below half-precision resolution) survives
        e16, e32 = c16.energy(s0) / N, c32.energy(s0) / N
        assert e16 == pytest.approx(e32, abs=2e-3)
        assert e16 < -0.3


def test_half_precision_same_physics():
    """float16 couplings against float32 from the same seed (the same disorder to 5e-4 relative):
    the aging curves agree, and the planted equilibrium energy above T_d is the analytic one."""
    common = dict(N=300, p=3, T=0.5, dt=0.05, tmax=10.0, tw=[2.0], samples=2, seed=9, response=False)
    a, _ = run_rec(precision="float32", **common)
    b, _ = run_rec(precision="float16", **common)
    np.testing.assert_allclose(b["energy"], a["energy"], atol=1e-3)  # measured 6e-5; another seed: 0.1
    ok = np.isfinite(a["C"])
    assert ok.sum() > 50
    np.testing.assert_allclose(b["C"][ok], a["C"][ok], atol=1e-3)  # measured 1e-4; another seed: 0.17
    N, T, S = 300, 1.0, 4
    rec, _ = run_rec(N=N, p=3, T=T, dt=0.02, tmax=4.0, tw=[], samples=S, init="equilibrium",
                     response=False, precision="float16", seed=11)
    late = rec["energy"][:, rec["t"] > 1.0].mean(axis=1)
    e_N = pspin.finite_size_equilibrium_energy(T, {3: 1.0}, N)
    assert abs(late.mean() - e_N) < 3 * late.std(ddof=1) / math.sqrt(S) + 0.01


def test_coupling_variance():
    N = 80
    rng = np.random.default_rng(3)
    for p in (2, 3):
        J = pspin.Couplings.generate(N, {p: 1.0}, rng, "float64").J[p]
        assert J.size == math.comb(N, p)
        var = pspin.variance(N, p)
        # sample variance of n Gaussians: relative error sqrt(2/n)
        assert abs(J.var() / var - 1) < 5 * math.sqrt(2 / J.size)
        assert abs(J.mean()) < 5 * math.sqrt(var / J.size)
    w = pspin.Couplings.generate(N, {2: 0.25, 3: 1.0}, rng, "float64").J[2]
    assert abs(w.var() / pspin.variance(N, 2, 0.25) - 1) < 5 * math.sqrt(2 / w.size)
    assert pspin.Couplings.generate(10, {3: 1.0}, rng).J[3].dtype == np.float32


def test_sphere_constraint_held_every_step():
    N = 100
    rng = np.random.default_rng(4)
    c = pspin.Couplings.generate(N, {3: 1.0}, rng)
    fields = np.zeros((3, N))
    fields[1:] = 0.3 * np.sign(rng.standard_normal((2, N)))
    dyn = pspin.Langevin(c, pspin.random_sphere(N, rng, R=3), T=0.7, dt=0.1, rng=rng, fields=fields)
    dyn.start_twin(1)
    dyn.start_twin(2)
    worst = 0.0
    for _ in range(300):
        dyn.step()
        worst = max(worst, np.abs(np.sum(dyn.X**2, axis=1) / N - 1).max())
    assert worst < 1e-6


def test_equilibrium_above_Td():
    """p = 3, T = 1 > T_d, planted equilibrium start: e = -1/(2T) (finite-N value), C stationary,
    FDT T chi = 1 - C, all within errors."""
    N, T, S = 300, 1.0, 6
    rec, out = run_rec(N=N, p=3, T=T, dt=0.02, tmax=8.0, tw=[1.0, 3.0], samples=S,
                       init="equilibrium", h=0.02, seed=11)
    t, e = rec["t"], rec["energy"]
    late = e[:, t > 1.0].mean(axis=1)
    e_N = pspin.finite_size_equilibrium_energy(T, {3: 1.0}, N)
    sem = late.std(ddof=1) / math.sqrt(S)
    assert abs(late.mean() - e_N) < 3 * sem + 0.01            # 0.01: dt = 0.02 bias
    assert abs(e_N - (-1 / (2 * T))) < 10 / N                  # -1/(2T) (1 - 9/N)
    assert abs(e[:, 0].mean() - e_N) < 0.05                    # already in equilibrium at t = 0
    # time-translation invariance: C(tw, tw + tau) the same for both tw
    C = rec["C"].mean(0)
    lags = np.array([0.2, 0.5, 1.0, 2.0, 4.0])
    curves = []
    for i, w in enumerate(rec["tw"]):
        later = t > w
        curves.append(np.interp(lags, t[later] - w, C[i, later]))
    np.testing.assert_allclose(curves[0], curves[1], atol=0.05)
    # FDT: T chi = 1 - C at every lag while C > 0.2 (beyond, the twin's chi is noise ~ 1/(h sqrt N))
    chi = rec["chi"].mean(0)
    chi_sem = rec["chi"].std(0, ddof=1) / math.sqrt(S)
    for i, w in enumerate(rec["tw"]):
        use = (t > w) & (C[i] > 0.2)
        assert use.sum() > 5
        dev = np.abs(T * chi[i, use] - (1 - C[i, use]))
        # + 0.15 (1 - C): sample-to-sample noise of chi at C ~ 0.2-0.4 (measured 0.12-0.18 (1 - C) with
        # 6 samples, the same for both integrators); + 0.03: the first steps after tw, where the
        # Leimkuhler-Matthews noise (correlated over one step) shifts time by ~ dt/2
        assert np.all(dev < 3 * T * chi_sem[i, use] + 0.03 + 0.15 * (1 - C[i, use])), (dev, chi_sem[i, use])


def test_response_linear_in_h():
    common = dict(N=400, p=3, T=0.5, dt=0.05, tmax=6.0, tw=[1.0], seed=5)
    a, _ = run_rec(h=0.01, **common)
    b, _ = run_rec(h=0.005, **common)
    ok = np.isfinite(a["chi"])
    assert ok.sum() > 10
    np.testing.assert_allclose(a["chi"][ok], b["chi"][ok], atol=0.03)
    assert np.nanmax(a["chi"]) > 0.5                              # a real signal, not zero


def test_p2_gradient_descent_goes_to_minus_one():
    rec, _ = run_rec(N=300, p=2, T=0.0, dt=0.1, tmax=100.0, tw=[], samples=2, response=False, seed=3)
    e = rec["energy"].mean(0)
    assert np.all(np.diff(e) <= 1e-9)                              # gradient descent
    assert -1.0 - 0.02 < e[-1] < -0.95                             # ground state -1 (slow coarsening)


def test_p3_gradient_descent_above_threshold_and_lower_with_N():
    e_th = theory.threshold_energy({3: 1.0})
    assert e_th == pytest.approx(-2 / math.sqrt(3))
    finals = {}
    for N in (60, 200):
        rec, _ = run_rec(N=N, p=3, T=0.0, dt=0.1, tmax=100.0, tw=[], samples=4, response=False, seed=7)
        e = rec["energy"]
        assert np.all(np.diff(e, axis=1) <= 1e-6)
        finals[N] = e[:, -1].mean()
        assert np.all(e[:, -1] > e_th)
    assert finals[200] < finals[60]
    assert -1.12 < finals[200] < -1.04                             # docs/science.md 2.5: N = 200 -> -1.08


def test_same_seed_same_record_bit_for_bit():
    kw = dict(N=60, p=3, T=0.5, tmax=5.0, samples=2, seed=9)
    a, _ = run_rec(**kw)
    b, _ = run_rec(**kw)
    assert set(a.data) == set(b.data)
    for name in a.data:
        np.testing.assert_array_equal(a[name], b[name])
    c, _ = run_rec(**{**kw, "seed": 10})
    assert not np.array_equal(a["energy"], c["energy"])


@pytest.mark.parametrize("kw,param", [
    (dict(N=3, p=3), "N"), (dict(T=-0.1), "T"), (dict(dt=0.0), "dt"), (dict(p=5), "p"),
    (dict(mix={3: 1.0, 6: 1.0}), "mix"), (dict(init="equilibrium", T=0.5), "T0"),
])
def test_bad_config_names_the_parameter(kw, param):
    with pytest.raises(ConfigError) as e:
        pspin.run(pspin.default_config(**kw), Recording())
    assert e.value.param == param


def test_too_big_refused_before_allocation(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("allocated")
    monkeypatch.setattr(pspin.Couplings, "generate", boom)
    rec = Recording()
    with pytest.raises(ConfigError) as e:
        pspin.run(pspin.default_config(N=200_000), rec)
    assert e.value.param == "N" and "GiB" in e.value.message
    assert rec.status == "new"                                    # nothing begun


@pytest.mark.parametrize("args,hint", [
    (["--N", "3", "--p", "3"], "--N"), (["--T", "-1"], "--T"), (["--dt", "0"], "--dt"),
    (["--p", "7"], "--p"), (["--N", "300000"], "--N"), (["--mix", "3"], "--mix"),
])
def test_cli_bad_input_exit_2(tmp_path, args, hint):
    from commands.pspin import command
    res = CliRunner().invoke(command, args + ["--out", str(tmp_path)])
    assert res.exit_code == 2, res.output
    err = [l for l in res.output.splitlines() if l.startswith("Error")]
    assert len(err) == 1 and hint in err[0]
    assert not list(tmp_path.glob("*.h5"))


def test_cli_small_run(tmp_path):
    from commands.pspin import command
    from compare.records import load_run
    res = CliRunner().invoke(command, ["--N", "40", "--tmax", "2", "--samples", "2",
                                       "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "e_inf" in res.output and "record:" in res.output
    run = load_run(next(tmp_path.glob("pspin-*.h5")))
    assert run.status == "complete"
    assert run["pspin/mu"].shape == run["energy"].shape == (2, len(run["t"]))
    np.testing.assert_allclose(run["pspin/mu"], 0.5 - 3 * run["energy"], rtol=1e-6)
    assert next(tmp_path.glob("pspin-*.png")).stat().st_size > 0


@pytest.mark.slow
def test_p3_gradient_descent_N300_matches_science_md():
    """docs/science.md 2.5: N = 300 -> -1.10 at t = 100 (plain Euler plus projection)."""
    rec, _ = run_rec(N=300, p=3, T=0.0, dt=0.1, tmax=100.0, tw=[], samples=4, response=False, seed=13)
    e = rec["energy"][:, -1]
    assert np.all(e > theory.threshold_energy({3: 1.0}))
    assert -1.13 < e.mean() < -1.07
