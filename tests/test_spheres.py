"""Soft spheres (physics/spheres): forces, cell lists, FIRE, jamming, Langevin, CLI input checks."""
import numpy as np
import pytest
from click.testing import CliRunner

from physics.observables import Recording
from physics.spheres import default_config, run
from physics.spheres import cells, fire, forces, jamming, modes, packing


def _random_packing(N, dim, phi, seed=0, mixture="bidisperse"):
    rng = np.random.default_rng(seed)
    diam = packing.make_diameters(N, mixture, 0.1, None, rng)
    L = packing.box_side(diam, phi, dim)
    return packing.random_positions(N, dim, L, rng), diam, L


def _energy(pos, diam, L, alpha):
    nl = cells.NeighborList(len(pos), pos.shape[1], 0.3)
    return forces.energy_and_forces(pos, diam, L, alpha, nl)


@pytest.mark.parametrize("dim,alpha", [(2, 2.0), (2, 2.5), (3, 2.0), (3, 2.5)])
def test_forces_match_finite_differences(dim, alpha):
    pos, diam, L = _random_packing(40, dim, 0.9 if dim == 2 else 0.7, seed=dim)
    E, F = _energy(pos, diam, L, alpha)
    assert E > 0
    h = 1e-6
    rng = np.random.default_rng(1)
    for i in rng.choice(len(pos), 8, replace=False):
        for a in range(dim):
            p1, p2 = pos.copy(), pos.copy()
            p1[i, a] += h
            p2[i, a] -= h
            fd = -(_energy(p1, diam, L, alpha)[0] - _energy(p2, diam, L, alpha)[0]) / (2 * h)
            assert abs(fd - F[i, a]) < 1e-6 * max(1.0, abs(F[i, a]))
    # the fast kernel on wrapped positions agrees with the general one
    frc = np.zeros_like(pos)
    nl = cells.NeighborList(len(pos), dim, 0.3)
    nl.build(pos, diam, L)
    E2 = forces.energy_forces_wrapped(pos, diam, L, alpha, nl.start, nl.idx, frc)
    assert E2 == pytest.approx(E, rel=1e-12) and np.allclose(frc, F, atol=1e-12)
    # Newton's third law: no net force
    assert np.abs(F.sum(0)).max() < 1e-10


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("N,phi,skin", [(6, 0.3, 0.3), (30, 0.5, 0.2), (300, 0.8, 0.3), (500, 0.3, 0.5)])
def test_cell_lists_miss_no_pair(dim, N, phi, skin):
    phi = phi if dim == 2 else 0.6 * phi
    pos, diam, L = _random_packing(N, dim, phi, seed=N)
    if diam.max() + skin >= L / 2:
        pytest.skip("box too small for the minimum image")
    pos = pos + L * np.random.default_rng(2).integers(-3, 4, pos.shape)  # unwrapped positions
    nl = cells.NeighborList(N, dim, skin)
    nl.build(pos, diam, L)
    i, j = nl.pairs()
    got = set(zip(i.tolist(), j.tolist()))
    bi, bj = cells.all_pairs_within(pos, diam, L, skin)
    assert got == set(zip(bi.tolist(), bj.tolist()))
    assert np.all(i < j)


def test_neighbor_list_grows_when_full():
    pos, diam, L = _random_packing(200, 2, 0.85)
    nl = cells.NeighborList(200, 2, 0.3)
    nl.idx = np.zeros(3, np.int64)
    n = nl.build(pos, diam, L)
    assert n > 3 and len(nl.idx) >= n


@pytest.mark.parametrize("dim,phi", [(2, 0.90), (3, 0.70)])
def test_fire_reaches_force_tolerance_when_jammed(dim, phi):
    pos, diam, L = _random_packing(128, dim, phi)
    r = fire.minimize(pos, diam, L, f_tol=1e-13)
    assert r.converged and r.status == fire.CONVERGED_FORCE
    E, F = _energy(pos, diam, L, 2.0)
    assert np.abs(F).max() < 1e-13 and E / 128 > 1e-16


def test_fire_unjams_below_phi_J():
    pos, diam, L = _random_packing(128, 2, 0.70)
    r = fire.minimize(pos, diam, L)
    assert r.status == fire.CONVERGED_ENERGY
    assert _energy(pos, diam, L, 2.0)[0] / 128 < 1e-16


def test_hessian_matches_force_derivatives():
    pos, diam, L = _random_packing(32, 2, 0.9)
    fire.minimize(pos, diam, L, f_tol=1e-8)
    H = modes.hessian(pos, diam, L, 2.5).toarray()
    assert np.allclose(H, H.T, atol=1e-12)
    h = 1e-6
    for k in (0, 7, 33):
        p1, p2 = pos.copy(), pos.copy()
        p1.reshape(-1)[k] += h
        p2.reshape(-1)[k] -= h
        col = -(_energy(p1, diam, L, 2.5)[1] - _energy(p2, diam, L, 2.5)[1]).reshape(-1) / (2 * h)
        assert np.allclose(col, H[:, k], atol=1e-5)
    ev = modes.eigenvalues(modes.hessian(pos, diam, L, 2.5))
    assert ev.min() > -1e-8  # a minimum: no negative modes (beyond round-off)
    assert np.sum(np.abs(ev) < 1e-8) >= 2  # the two translations


def test_rattlers_removed_repeatedly():
    # a chain 0-1-2-3 in 2D: nobody has d + 1 = 3 contacts -> all rattlers
    i, j = np.array([0, 1, 2]), np.array([1, 2, 3])
    assert not jamming.nonrattlers(i, j, 4, 2).any()
    # a K4 (every particle 3 contacts) plus a dangling 4 attached to 0 by one contact
    i, j = np.array([0, 0, 0, 1, 1, 2, 0]), np.array([1, 2, 3, 2, 3, 3, 4])
    assert list(jamming.nonrattlers(i, j, 5, 2)) == [True] * 4 + [False]


@pytest.mark.parametrize("seed", [0, 1])
def test_isostatic_at_phi_J(seed):
    pos, diam, L = _random_packing(64, 2, 0.80, seed=seed)
    jr = jamming.find_phi_J(pos, diam, L, tol=1e-6)
    assert jr.phi_hi - jr.phi_lo < 1e-6 and jr.unconverged == 0
    st = jamming.structure(jr.pos, diam, jr.L, 2.0)
    assert st.energy_per_particle > 1e-16
    assert st.contacts == 2 * (st.n_nonrattlers - 1) + 1


def test_phi_J_2d_bidisperse_N256_in_published_range():
    rec = Recording()
    out = run(default_config(N=256, samples=2, seed=3, n_dphi=2, dense_max=0), rec)
    phiJ = rec["spheres/phi_J"]
    # O'Hern et al. 2003: ~0.84 as N -> inf; at N = 256 the spread is about +-0.01
    assert np.all((phiJ > 0.825) & (phiJ < 0.855)), phiJ
    assert np.all(rec["spheres/isostatic"] == 1)
    assert out["Z"] == pytest.approx(4.0, abs=0.05)
    assert len(rec["spheres/gaps"]) > 0 and np.all(rec["spheres/gaps"] > 0)
    assert rec["spheres/forces"].mean() == pytest.approx(1.0)


@pytest.mark.parametrize("alpha", [2.0, pytest.param(2.5, marks=pytest.mark.slow)])
def test_energy_and_pressure_exponents_above_phi_J(alpha):
    pos, diam, L = _random_packing(64, 2, 0.80, seed=5)
    jr = jamming.find_phi_J(pos, diam, L, alpha=alpha, tol=1e-7)
    dphis = np.logspace(-5, -2, 7)
    e, p, dz, _ = jamming.compression_series(jr.pos, jr.L, diam, jr.phi_J, dphis, alpha)
    a = np.polyfit(np.log(dphis), np.log(e), 1)[0]
    b = np.polyfit(np.log(dphis), np.log(p), 1)[0]
    assert a == pytest.approx(alpha, abs=0.15)
    assert b == pytest.approx(alpha - 1, abs=0.15)


def test_free_particle_langevin_msd_is_2Tt():
    T = 0.05
    rec = Recording()
    run(default_config(protocol="age", N=300, phi=1e-3, T=T, dt=0.01, tmax=20.0, samples=3,
                       tw=[1.0, 5.0]), rec)
    t, tw, msd = rec["t"], rec["tw"], rec["msd"].mean(0)
    for i, w in enumerate(tw):
        later = t > w + 0.5
        ratio = msd[i, later] / (2 * T * (t[later] - w))
        assert np.all(np.abs(ratio - 1) < 0.1), ratio
    assert np.all(rec["energy"][:, -1] < 1e-3)  # (almost) no overlaps left at phi = 1e-3


def test_age_is_deterministic_and_records_unwrapped_positions():
    cfg = default_config(protocol="age", N=64, phi=0.5, T=1e-2, dt=0.01, tmax=5.0, seed=7)
    r1, r2 = Recording(), Recording()
    run(cfg, r1)
    run(cfg, r2)
    for name in ("energy", "msd", "Q", "C"):
        assert np.array_equal(r1[name], r2[name], equal_nan=True)
    assert np.all(np.isfinite(r1["energy"]))


@pytest.mark.parametrize("args,word", [
    (["jam", "--N", "1"], "--N"), (["age", "--phi", "0"], "--phi"), (["age", "--phi", "1"], "--phi"),
    (["age", "--phi", "1.5"], "--phi"), (["jam", "--dim", "4"], "--dim"), (["age", "--N", "0"], "--N"),
])
def test_cli_bad_input_exits_2_with_one_line(args, word, tmp_path):
    from commands.spheres import command
    r = CliRunner().invoke(command, args + ["--out", str(tmp_path)])
    assert r.exit_code == 2
    err = [ln for ln in r.output.splitlines() if ln.startswith("Error")]
    assert len(err) == 1 and word in err[0]
    assert "Traceback" not in r.output


def test_cli_jam_small(tmp_path):
    from commands.spheres import command
    r = CliRunner().invoke(command, ["jam", "--N", "48", "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "isostatic" in r.output and list(tmp_path.glob("spheres-*.png"))


def test_wall_clock_time_is_an_attribute_not_data(tmp_path):
    """The seconds per packing go to the record's attributes (sink.meta), so that two runs of one
    config hold the same datasets, bit for bit."""
    import h5py

    from compare.records import RunWriter
    cfg = default_config(protocol="jam", N=16, samples=1, n_dphi=2, tol=1e-3)
    data = []
    for k in range(2):
        with RunWriter(tmp_path / str(k), "spheres", cfg) as rec:
            run(cfg, rec)
        assert "spheres/time_s" not in rec.data and rec.attrs["spheres/time_s"].shape == (1,)
        with h5py.File(rec.path) as f:
            assert "spheres/time_s" not in f and f.attrs["spheres/time_s"][0] > 0
            data.append({name: obj[()] for name, obj in f.items() if isinstance(obj, h5py.Dataset)}
                        | {f"spheres/{name}": obj[()] for name, obj in f["spheres"].items()})
    assert data[0].keys() == data[1].keys()
    for name in data[0]:
        np.testing.assert_array_equal(data[0][name], data[1][name], err_msg=name)

