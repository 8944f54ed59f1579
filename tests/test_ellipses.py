"""Soft ellipses (physics/ellipses): Perram-Wertheim contact, forces and torques, FIRE, jamming,
the quartic modes, Langevin aging, the command line."""
import numpy as np
import pytest
from click.testing import CliRunner

from physics.ellipses import contact, geometry
from physics.spheres import cells, forces, packing


def _random(N, alpha, phi, seed=0):
    rng = np.random.default_rng(seed)
    geom = geometry.make_geom(N, alpha)
    L = geometry.box_side(geom, phi)
    return geometry.random_state(geom, L, rng), geom, L


# ----------------------------------------------------------------------------- contact distance

@pytest.mark.parametrize("a,b", [(0.75, 0.5), (1.0, 0.5), (0.5, 0.5)])
def test_contact_distance_known_geometry(a, b):
    side = contact.contact_distance([0, 1], 0.0, 0.0, a, b, a, b)      # side by side
    tip = contact.contact_distance([1, 0], 0.0, 0.0, a, b, a, b)       # tip to tip
    tee = contact.contact_distance([1, 0], 0.0, np.pi / 2, a, b, a, b)  # at 90 degrees
    assert side == pytest.approx(2 * b, rel=1e-13)
    assert tip == pytest.approx(2 * a, rel=1e-13)
    assert tee == pytest.approx(a + b, rel=1e-13)
    # rotating the whole pair changes nothing
    for phi in (0.3, 2.0):
        u = [np.cos(phi), np.sin(phi)]
        assert contact.contact_distance(u, phi, phi, a, b, a, b) == pytest.approx(tip, rel=1e-13)


def _boundary(c, th, a, b, n=20000):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = a * np.cos(t)
    y = b * np.sin(t)
    return c + np.stack([x * np.cos(th) - y * np.sin(th), x * np.sin(th) + y * np.cos(th)], 1)


def _inside(pts, c, th, a, b):
    d = pts - c
    u = d @ np.array([np.cos(th), np.sin(th)])
    v = d @ np.array([-np.sin(th), np.cos(th)])
    return (u / a) ** 2 + (v / b) ** 2


@pytest.mark.parametrize("seed", range(4))
def test_contact_distance_touches_at_any_angle(seed):
    """At r = sigma_ij(r_hat) the two ellipses touch: ellipse i's boundary comes to ellipse j's
    boundary (min of j's quadratic form over i's boundary is 1) and does not cross it."""
    rng = np.random.default_rng(seed)
    ai, aj = rng.uniform(0.5, 1.2, 2)
    bi, bj = ai / rng.uniform(1, 2.5), aj / rng.uniform(1, 2.5)
    thi, thj, phi = rng.uniform(0, 2 * np.pi, 3)
    u = np.array([np.cos(phi), np.sin(phi)])
    s = contact.contact_distance(u, thi, thj, ai, bi, aj, bj)
    form = _inside(_boundary(s * u, thi, ai, bi), np.zeros(2), thj, aj, bj)
    assert form.min() == pytest.approx(1.0, abs=1e-6)
    for scale, sign in ((0.98, -1), (1.02, 1)):   # a little closer: overlap; farther: apart
        form = _inside(_boundary(scale * s * u, thi, ai, bi), np.zeros(2), thj, aj, bj)
        assert np.sign(form.min() - 1.0) == sign


# ----------------------------------------------------------------------------- forces and torques

@pytest.mark.parametrize("alpha", [1.0, 1.5, 2.0])
def test_forces_and_torques_match_finite_differences(alpha):
    q, geom, L = _random(40, alpha, 0.9, seed=int(10 * alpha))
    E, F = contact.energy_and_forces(q, geom, L)
    assert E > 0
    h = 1e-6
    rng = np.random.default_rng(1)
    for i in rng.choice(len(q), 10, replace=False):
        for a in range(3):
            q1, q2 = q.copy(), q.copy()
            q1[i, a] += h
            q2[i, a] -= h
            fd = -(contact.energy_and_forces(q1, geom, L)[0] - contact.energy_and_forces(q2, geom, L)[0]) / (2 * h)
            assert abs(fd - F[i, a]) < 1e-6 * max(1.0, abs(F[i, a]))
    assert np.abs(F[:, :2].sum(0)).max() < 1e-10           # no net force
    if alpha == 1.0:
        assert np.abs(F[:, 2]).max() == 0.0                # circles feel no torque
    else:
        assert np.abs(F[:, 2]).max() > 1e-3


def test_alpha_one_is_the_spheres():
    """At alpha = 1 the energy and forces are the harmonic soft spheres' (physics/spheres/forces)."""
    q, geom, L = _random(64, 1.0, 0.88, seed=5)
    E, F = contact.energy_and_forces(q, geom, L)
    pos, diam = q[:, :2].copy(), 2.0 * geom[:, 1]
    nl = cells.NeighborList(len(pos), 2, 0.3)
    Es, Fs = forces.energy_and_forces(pos, diam, L, 2.0, nl)
    assert diam.tolist() == packing.make_diameters(64).tolist()
    assert E == pytest.approx(Es, rel=1e-12)
    assert np.abs(F[:, :2] - Fs).max() < 1e-12


# ----------------------------------------------------------------------------- FIRE and jamming

from physics.ellipses import jamming as ejam, modes  # noqa: E402
from physics.spheres import jamming as sjam  # noqa: E402


def _jam(N, alpha, seed, tol=1e-4):
    geom = geometry.make_geom(N, alpha)
    L = geometry.box_side(geom, 0.80)
    q = geometry.random_state(geom, L, np.random.default_rng(seed))
    jr = ejam.jam(q, geom, L, tol=tol)
    return jr, geom, ejam.structure(jr.pos, geom, jr.L)


def test_fire_minimises_positions_and_angles():
    q, geom, L = _random(48, 1.5, 0.95, seed=2)
    E0 = contact.energy_and_forces(q.copy(), geom, L)[0]
    r = ejam.minimize_ellipses(q, geom, L, f_tol=1e-11, e_tol=-1.0)
    E, F = contact.energy_and_forces(q.copy(), geom, L)
    assert r.converged and E < E0 and E == pytest.approx(r.energy, rel=1e-10)
    assert np.abs(F).max() < 1e-11          # forces and torques (over ell) both vanish


def test_alpha_one_jams_as_the_spheres():
    """Same seed, same start: the disks jam at the spheres' phi_J, isostatic (Z = 4), and every
    disk's angle is a zero mode of the stiffness matrix (quartic modes = N_nr = the deficit)."""
    N, tol = 32, 1e-4
    jr, geom, st = _jam(N, 1.0, seed=3, tol=tol)
    diam = packing.make_diameters(N)
    L = packing.box_side(diam, 0.80, 2)
    pos = packing.random_positions(N, 2, L, np.random.default_rng(3))
    sr = sjam.find_phi_J(pos, diam, L, tol=tol)
    ss = sjam.structure(sr.pos, diam, sr.L, 2.0)
    assert abs(jr.phi_J - sr.phi_J) <= tol
    assert st.contacts == ss.contacts == 2 * (st.n_nonrattlers - 1) + 1      # isostatic disks
    assert st.Z == pytest.approx(ss.Z) and 3.8 < st.Z < 4.0
    m = modes.quartic_modes(jr.pos, geom, jr.L, st)
    assert m["quartic_modes"] == m["deficit"] == st.n_nonrattlers and m["self_stresses"] == 1


@pytest.mark.parametrize("seed", [0, 1])
def test_alpha_15_is_hypostatic_with_quartic_modes_equal_to_the_deficit(seed):
    jr, geom, st = _jam(32, 1.5, seed)
    assert 4.0 < st.Z < st.Z_iso < 6.0                              # hypostatic
    assert st.contacts < st.isostatic_contacts
    assert jr.phi_J > 0.86                                          # ellipses pack denser than disks
    m = modes.quartic_modes(jr.pos, geom, jr.L, st)
    assert m["self_stresses"] == 1
    assert m["quartic_modes"] == m["deficit"] > 0
    assert m["hessian_low_modes"] == m["quartic_modes"]             # the full Hessian agrees
    ev = m["hessian_eigenvalues"]
    assert abs(ev[:2]).max() < 1e-10 and ev[2:].min() > 0          # translations, then stable


def test_hessian_fd_matches_the_stiffness_matrix_without_stress():
    """With every contact just touching (mu = 1) the stress term vanishes and H = K = J^T J."""
    jr, geom, st = _jam(32, 1.5, 0)
    pairs = dict(st.pairs)
    J = modes.compatibility(jr.pos, geom, jr.L, pairs, st.nonrattler)
    H = modes.hessian_fd(jr.pos, geom, jr.L, pairs, st.nonrattler)
    K = J.T @ J
    # H - K is the stress term, of the order of the overlaps 1 - mu
    assert np.abs(H - K).max() < 50 * (1.0 - pairs["mu"]).max() + 1e-6
    assert np.abs(K).max() > 0.1


# ----------------------------------------------------------------------------- Langevin

def test_langevin_free_diffusion_of_positions_and_angles():
    """Dilute (no contacts): each coordinate of q diffuses with 2 T t, so theta with 2 T t / ell^2
    (the rotational mobility 1/ell^2)."""
    from physics.ellipses import _langevin_state, default_config
    N, T, n = 1000, 0.5, 200
    cfg = default_config(protocol="age", N=N, alpha=2.0, phi=0.001, T=T, dt=0.01)
    st = _langevin_state(cfg, np.random.default_rng(0))
    q0, x0 = st.pos.copy(), st.unwrapped().copy()
    st.advance(n)
    t = n * cfg["dt"]
    dx = st.unwrapped() - x0
    geom = geometry.make_geom(N, 2.0)
    dth = (st.pos[:, 2] - q0[:, 2]) / geom[:, 2]
    # (a few pairs overlap at the random start and push apart: a negligible share of the msd)
    assert np.mean(dx ** 2) == pytest.approx(2 * T * t, rel=0.1)                  # 1 sigma: 3 %
    assert np.mean(dth ** 2 * geom[:, 2] ** 2) == pytest.approx(2 * T * t, rel=0.15)   # 1 sigma: 4.5 %


def test_age_protocol_records_on_the_spheres_axes():
    from physics.ellipses import default_config, run
    from physics.observables import Recording
    rec = Recording()
    cfg = default_config(protocol="age", N=32, alpha=1.5, phi=0.9, T=1e-4, dt=0.01, tmax=2.0, samples=2)
    out = run(cfg, rec)
    assert rec["C"].shape[0] == 2 and rec["energy"].shape[0] == 2
    assert np.all(np.isfinite(rec["energy"])) and out["energy_final"] >= 0
    assert rec["msd"][:, :, -1].min() > 0


# ----------------------------------------------------------------------------- command line

import cli  # noqa: E402
from compare.records import load_run, run_path  # noqa: E402


def test_cli_jam_writes_record_findings_and_quick_look(tmp_path):
    from physics.ellipses import default_config
    args = ["ellipses", "jam", "--alpha", "1.5", "--N", "32", "--tol", "1e-3", "--out", str(tmp_path)]
    res = CliRunner().invoke(cli.main, args)
    assert res.exit_code == 0, res.output
    assert "quartic modes" in res.output and "Z_J" in res.output
    path = run_path(tmp_path, "ellipses", default_config(protocol="jam", alpha=1.5, N=32, tol=1e-3))
    run = load_run(path)
    assert run.status == "complete" and path.with_suffix(".png").exists()
    assert run["ellipses/positions"].shape == (1, 32, 3)
    assert run["ellipses/quartic_modes"][0] == run["ellipses/deficit"][0]
    assert run["ellipses/Z"][0] < 6


@pytest.mark.parametrize("args,option", [
    (["jam", "--alpha", "0.5"], "--alpha"), (["jam", "--alpha", "5"], "--alpha"),
    (["jam", "--alpha", "nan"], "--alpha"), (["jam", "--N", "4"], "--N"),
    (["jam", "--N", "8", "--alpha", "4"], "--N"),           # the box below twice the major axis
    (["jam", "--tol", "0"], "--tol"), (["jam", "--samples", "0"], "--samples"),
    (["age", "--phi", "1.5"], "--phi"), (["age", "--T", "-1"], "--T"), (["age", "--dt", "1"], "--dt"),
    (["age", "--tw", "2000"], "--tw"), (["age", "--init", "hot"], "--init"),
])
def test_bad_values_exit_2_with_one_line(args, option, tmp_path):
    res = CliRunner().invoke(cli.main, ["ellipses"] + args + ["--out", str(tmp_path)])
    errors = [ln for ln in res.output.splitlines() if ln.startswith("Error")]
    assert res.exit_code == 2 and len(errors) == 1 and f"'{option}'" in errors[0], res.output
    assert "Traceback" not in res.output and not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- checkpoints

@pytest.mark.parametrize("protocol,extra,stops", [
    ("jam", dict(alpha=1.5, N=32, tol=1e-3), [1.5]),                    # inside the second packing
    ("age", dict(alpha=1.5, N=32, phi=0.9, T=1e-4, tmax=2.0), [150, 330]),
])
def test_resume_is_bit_identical(tmp_path, protocol, extra, stops):
    from test_resume import assert_same_records, interrupted_then_resumed
    from physics.ellipses import default_config, run
    cfg = default_config(protocol=protocol, samples=2, seed=4, **extra)
    ref, resumed = interrupted_then_resumed(tmp_path, "ellipses", cfg, run, stops)
    assert_same_records(ref, resumed)
