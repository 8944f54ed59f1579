"""`ellipses age`: Langevin aging of soft ellipses through the spheres' recorder (physics/ellipses,
physics.observables: msd, C, Q of the positions; msd_theta and C2_theta of the angles).

Physics: free ellipses diffuse with msd = 2 T t per coordinate of the positions (2 d T t per
particle), and their angles with 2 T t / ell^2 (unit friction on ell theta), C2 = exp(-4 T t / ell^2);
equilibrium holds in every coordinate (the configurational temperature <F_i^2> / <d^2 U / dq_i^2>
is T for the positions and for ell theta alike); at alpha = 1 the ellipses are the spheres and
age like them at the same state point. Then the command, its bad inputs, and resume.
"""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from physics.ellipses import contact, default_config, geometry, run
from physics.observables import Recording


def test_orientation_observables_known_angles_and_snapshots_round_trip():
    """Turns by pi leave an ellipse as it was (C2 = 1), by pi/2 reverse it (C2 = -1); the
    recorder keeps the angles' snapshots in its state and restores them."""
    from physics.observables import Recorder, Schedule, orientation
    turn = np.array([[np.pi, np.pi / 2, -np.pi / 2, np.pi / 4]])
    out = orientation(np.zeros((1, 4)), turn)
    assert out["C2_theta"][0] == pytest.approx((1 - 1 - 1 + 0) / 4, abs=1e-15)
    assert out["msd_theta"][0] == pytest.approx(np.pi ** 2 * (1 + 1 / 4 + 1 / 4 + 1 / 16) / 4)
    sch = Schedule(1.0, 10.0, tw=[2.0])
    a, b = Recorder(sch, Recording()), Recorder(sch, Recording())
    a.sink.begin(sch.t, sch.tw, samples=1)
    for step in sch.steps[:3]:
        a.observe(step, np.full((1, 2), float(step)), 0.0, angles=np.full((1, 3), 0.1 * step))
    b.restore(a.state())
    assert np.array_equal(b.state()["angle_snapshots"], a.state()["angle_snapshots"])
    assert a.state()["angle_snapshots"][0, 0, 0] == pytest.approx(0.2)


def _free_se(n: int) -> float:
    """Relative standard error of the mean of n squared Gaussian displacements: sqrt(2 / n)."""
    return float(np.sqrt(2.0 / n))


def test_free_diffusion_of_positions_and_angles_through_the_recorder():
    """Dilute ellipses (phi = 1e-3): the recorder's msd is 2 T lag per coordinate, msd_theta is
    2 T <1/ell^2> lag and C2_theta is <exp(-4 T lag / ell^2)>, within 4 standard errors."""
    N, T, alpha = 4000, 0.05, 2.0
    cfg = default_config(protocol="age", N=N, alpha=alpha, phi=1e-3, T=T, dt=0.01, tmax=2.0, tw=[0.5])
    rec = Recording()
    run(cfg, rec)
    t, tw = rec["t"], float(rec["tw"][0])
    lag = t[-1] - tw
    ell2 = geometry.make_geom(N, alpha)[:, 2] ** 2
    msd, msd_th, c2 = (float(rec[k][0, 0, -1]) for k in ("msd", "msd_theta", "C2_theta"))
    assert msd == pytest.approx(2 * T * lag, rel=4 * _free_se(2 * N))               # 2 d T t per particle
    # per particle <dtheta^4> = 3 s_i^4: the mean over the mixture has the relative error below
    s2 = 2 * T * lag / ell2
    assert msd_th == pytest.approx(s2.mean(), rel=4 * np.sqrt(2 * np.mean(s2 ** 2) / N) / s2.mean())
    c2_free = np.exp(-2 * s2)
    c2_sd = np.sqrt(np.mean((1 + np.exp(-8 * s2)) / 2 - c2_free ** 2))
    assert 0.3 < c2_free.mean() < 0.8                                              # a decay, not 0 or 1
    assert c2 == pytest.approx(c2_free.mean(), abs=4 * c2_sd / np.sqrt(N))
    # at every lag too, well inside the errors of the last one
    later = t > tw
    lags = t[later] - tw
    assert np.allclose(rec["msd"][0, 0, later] / (2 * T * lags), 1.0, atol=0.15)
    assert np.allclose(rec["msd_theta"][0, 0, later] / (2 * T * lags * np.mean(1 / ell2)), 1.0, atol=0.15)


def _configurational(q, geom, L, h=1e-6):
    """(<F^2>, <d^2 U/dq^2>) summed over the positions and over the angle coordinates ell theta:
    the forces of the Perram-Wertheim energy and the diagonal of its Hessian by central
    differences of those forces."""
    q = np.array(q, float)
    nl = contact.neighbor_list(q, geom, L, skin=0.3)
    g = np.ascontiguousarray(geom, float)
    frc = np.zeros_like(q)

    def force(c):
        contact.energy_forces_wrapped(q, g, float(L), 2.0, nl.start, nl.idx, frc)
        return frc.reshape(-1)[c]

    F = np.array(frc)
    contact.energy_forces_wrapped(q, g, float(L), 2.0, nl.start, nl.idx, F)
    lap = np.zeros(q.size)
    flat = q.reshape(-1)
    for c in range(q.size):
        v = flat[c]
        flat[c] = v + h
        fp = force(c)
        flat[c] = v - h
        fm = force(c)
        flat[c] = v
        lap[c] = -(fp - fm) / (2 * h)
    lap = lap.reshape(q.shape)
    return (np.array([np.sum(F[:, :2] ** 2), np.sum(F[:, 2] ** 2)]),
            np.array([lap[:, :2].sum(), lap[:, 2].sum()]))


def test_equipartition_in_positions_and_angles():
    """Jammed ellipses (phi = 0.95 > phi_J ~ 0.89) minimised, then Langevin at T = 1e-4: the
    configurational temperature <|F|^2> / <Laplacian U> is T in the positions and in the angle
    coordinates ell theta separately (equilibrium in the basin; a wrong friction or noise on the
    angle would give T_rot != T). Measured 1.00 +- 0.02 and 0.99 +- 0.05 per packing."""
    from physics.ellipses import _langevin_state
    from physics.ellipses.jamming import minimize_ellipses
    N, T, dt = 64, 1e-4, 0.002
    geom = geometry.make_geom(N, 1.5)
    num, den = np.zeros(2), np.zeros(2)
    for seed in (0, 1):
        cfg = default_config(protocol="age", N=N, alpha=1.5, phi=0.95, T=T, dt=dt)
        st = _langevin_state(cfg, np.random.default_rng(seed))
        minimize_ellipses(st.pos, geom, st.L)
        st.energy = st._refresh(True)
        st.advance(int(5.0 / dt))
        for _ in range(100):
            st.advance(int(0.2 / dt))
            f2, lap = _configurational(st.pos, geom, st.L)
            num += f2
            den += lap
    t_trans, t_rot = num / den / T
    assert t_trans == pytest.approx(1.0, abs=0.08)
    assert t_rot == pytest.approx(1.0, abs=0.15)


def test_alpha_one_ages_like_the_spheres():
    """At alpha = 1 the ellipses are the spheres' disks (the same start, other noise): the late
    energy, the msd and Q agree with the spheres' within 4 standard errors over 6 samples each."""
    from physics import spheres
    kw = dict(protocol="age", N=64, phi=0.86, T=1e-3, dt=0.01, tmax=20.0, tw=[1.0, 2.0], samples=6, seed=3)
    ell, sph = Recording(), Recording()
    run(default_config(alpha=1.0, **kw), ell)
    spheres.run(spheres.default_config(dim=2, **kw), sph)
    assert np.array_equal(ell["t"], sph["t"]) and np.array_equal(ell["tw"], sph["tw"])
    late = ell["t"] > 10.0

    def z(a, b):
        return (a.mean() - b.mean()) / np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    for a, b in ((ell["energy"][:, late].mean(1), sph["energy"][:, late].mean(1)),
                 (ell["msd"][:, 1, -1], sph["msd"][:, 1, -1]), (ell["Q"][:, 0, -1], sph["Q"][:, 0, -1])):
        assert abs(z(a, b)) < 4, (a, b)
    # the same start: at the first measurement (one step of noise) the energies nearly agree
    assert np.allclose(ell["energy"][:, 0], sph["energy"][:, 0], rtol=0.05)
    # and the angles of disks turn freely: msd_theta = 2 T <1/ell^2> lag whatever the packing
    ell2 = geometry.make_geom(64, 1.0)[:, 2] ** 2
    lag = ell["t"][-1] - ell["tw"][0]
    assert ell["msd_theta"][:, 0, -1].mean() == pytest.approx(2 * 1e-3 * np.mean(1 / ell2) * lag, rel=0.1)


# ----------------------------------------------------------------------------- command line

import cli  # noqa: E402
from compare.records import load_run, run_path  # noqa: E402


def test_cli_age_records_orientations_findings_and_quick_look(tmp_path):
    args = ["ellipses", "age", "--alpha", "1.5", "--N", "32", "--phi", "0.9", "--T", "1e-4", "--tmax", "5",
            "--samples", "2", "--out", str(tmp_path)]
    res = CliRunner().invoke(cli.main, args)
    assert res.exit_code == 0, res.output
    for words in ("msd(tw_min, t_max)", "angular msd", "C2 = <cos 2 dtheta>", "tau_90 of C2_theta", "quick look"):
        assert words in res.output, words
    cfg = default_config(protocol="age", alpha=1.5, N=32, phi=0.9, T=1e-4, tmax=5.0, samples=2)
    r = load_run(run_path(tmp_path, "ellipses", cfg))
    assert r.status == "complete" and r.path.with_suffix(".png").stat().st_size > 20_000
    S, nw, nt = 2, len(r["tw"]), len(r["t"])
    for name in ("msd", "C", "Q", "msd_theta", "C2_theta"):
        assert r[name].shape == (S, nw, nt), name
    c2 = r["C2_theta"]
    assert np.all(np.abs(c2[np.isfinite(c2)]) <= 1.0) and np.nanmax(c2) > 0.9
    assert np.all(r["msd_theta"][np.isfinite(r["msd_theta"])] >= 0)
    from compare.labels import units_of
    assert units_of("ellipses", r.config, "msd_theta") == "rad^2"


@pytest.mark.parametrize("args,option", [
    (["--init", "equilibrated", "--t-eq", "0"], "--t-eq"), (["--t-eq", "5"], "--t-eq"),
    (["--init", "equilibrated", "--t-eq", "10", "--T", "0"], "--T"), (["--Q-a", "0"], "--Q-a"),
    (["--tmax", "0"], "--tmax"), (["--N", "8", "--alpha", "4"], "--N"), (["--tw", "0.5,abc"], "--tw"),
])
def test_bad_age_values_exit_2_with_one_line(args, option, tmp_path):
    res = CliRunner().invoke(cli.main, ["ellipses", "age"] + args + ["--out", str(tmp_path)])
    errors = [ln for ln in res.output.splitlines() if ln.startswith("Error")]
    assert res.exit_code == 2 and len(errors) == 1 and f"'{option}'" in errors[0], res.output
    assert "Traceback" not in res.output and not list(tmp_path.iterdir())


def test_resume_during_equilibration_and_aging_is_bit_identical(tmp_path):
    """Interrupted inside the equilibration of the first sample, then after its waiting times
    (the angle snapshots in the checkpoint), then in the second sample: the record equals the
    uninterrupted one, orientations included."""
    from test_resume import assert_same_records, interrupted_then_resumed
    cfg = default_config(protocol="age", alpha=1.5, N=32, phi=0.9, T=1e-4, tmax=2.0, samples=2, seed=5,
                         init="equilibrated", t_eq=1.0)
    ref, resumed = interrupted_then_resumed(tmp_path, "ellipses", cfg, run, [50, 250, 420])
    assert "C2_theta" in ref.names and "msd_theta" in ref.names
    assert_same_records(ref, resumed)
