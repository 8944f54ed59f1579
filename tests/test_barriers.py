"""Paths between minima (physics/paths.py, physics/pspin_paths.py, nets/paths.py, nets/barriers.py;
docs/science.md, section 10): the nudged elastic band against known saddles, the straight path
against an analytic barrier, the sphere kept, p-spin minima that are minima, and the command."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

import cli
from physics import analysis as A
from physics import paths as PT

# ----------------------------------------------------------------------------- 2D landscapes

# Mueller-Brown potential (Mueller & Brown, Theor. Chim. Acta 53, 75 (1979))
MB_A = np.array([-200.0, -100.0, -170.0, 15.0])
MB_a = np.array([-1.0, -1.0, -6.5, 0.7])
MB_b = np.array([0.0, 0.0, 11.0, 0.6])
MB_c = np.array([-10.0, -10.0, -6.5, 0.7])
MB_x0 = np.array([1.0, 0.0, -0.5, -1.0])
MB_y0 = np.array([0.0, 0.5, 1.5, 1.0])
# its deepest minima and the higher of the two saddles between them (the literature's values,
# e.g. Mueller & Brown 1979; Sheppard, Terrell & Henkelman, J. Chem. Phys. 128, 134106 (2008))
MB_MIN_A, MB_E_A = (-0.5582, 1.4417), -146.700
MB_MIN_B, MB_E_B = (0.6235, 0.0280), -108.167
MB_SADDLE, MB_E_SADDLE = (-0.8220, 0.6243), -40.665


def mueller_brown(X):
    X = np.atleast_2d(X)
    dx, dy = X[:, :1] - MB_x0, X[:, 1:2] - MB_y0
    t = MB_A * np.exp(MB_a * dx * dx + MB_b * dx * dy + MB_c * dy * dy)
    gx = (t * (2 * MB_a * dx + MB_b * dy)).sum(1)
    gy = (t * (MB_b * dx + 2 * MB_c * dy)).sum(1)
    return t.sum(1), np.stack([gx, gy], 1)


def test_mueller_brown_gradient_is_its_energy_derivative():
    x, h = np.array([[-0.3, 0.7]]), 1e-6
    _, g = mueller_brown(x)
    fd = [(mueller_brown(x + h * e)[0] - mueller_brown(x - h * e)[0])[0] / (2 * h) for e in np.eye(2)]
    assert np.allclose(g[0], fd, rtol=1e-6)


def test_neb_climbing_image_finds_the_mueller_brown_saddle():
    mb = dict(dt=1e-4, dt_max=1e-3)
    xa, ea, oa = PT.minimise(np.array([-0.5, 1.4]), mueller_brown, f_tol=1e-8, **mb)
    xb, eb, ob = PT.minimise(np.array([0.6, 0.1]), mueller_brown, f_tol=1e-8, **mb)
    assert oa.converged and ob.converged
    assert np.allclose(xa, MB_MIN_A, atol=2e-4) and abs(ea - MB_E_A) < 2e-3
    assert np.allclose(xb, MB_MIN_B, atol=2e-4) and abs(eb - MB_E_B) < 2e-3
    r = PT.neb(PT.linear_path(xa, xb, 15), mueller_brown, k=100.0, f_tol=1e-3, max_steps=20000,
               dt=1e-4, dt_max=2e-3)
    assert r.converged and 0 < r.climbing < 14
    assert r.climbing == int(np.argmax(r.energies))
    assert np.allclose(r.images[r.climbing], MB_SADDLE, atol=1e-3), r.images[r.climbing]
    assert abs(r.energies[r.climbing] - MB_E_SADDLE) < 0.01
    assert np.array_equal(r.images[0], xa) and np.array_equal(r.images[-1], xb)   # ends fixed
    # the barrier estimator on that path: saddle minus the higher minimum (B)
    assert abs(A.barrier(r.energies).value - (MB_E_SADDLE - MB_E_B)) < 0.02
    # without the climbing image the band misses the top (its images straddle it)
    plain = PT.neb(PT.linear_path(xa, xb, 15), mueller_brown, k=100.0, climb=False, f_tol=1e-3,
                   max_steps=20000, dt=1e-4, dt_max=2e-3)
    assert plain.climbing == -1 and plain.energies.max() < r.energies.max()


KAPPA, BEND = 2.0, 0.8


def curved_valley(X):
    """E = (x^2 - 1)^2 + KAPPA (y - BEND (1 - x^2))^2: minima (+-1, 0), the minimum-energy path
    along y = BEND (1 - x^2) with its saddle at (0, BEND), E = 1; along the straight line y = 0,
    E = (1 + KAPPA BEND^2) (1 - x^2)^2, top 1 + KAPPA BEND^2 at x = 0."""
    X = np.atleast_2d(X)
    x, y = X[:, 0], X[:, 1]
    u = y - BEND * (1 - x * x)
    E = (x * x - 1) ** 2 + KAPPA * u * u
    gx = 4 * x * (x * x - 1) + KAPPA * 2 * u * (2 * BEND * x)
    return E, np.stack([gx, 2 * KAPPA * u], 1)


def test_straight_path_barrier_and_neb_saddle_of_a_curved_valley():
    line = PT.linear_path([-1.0, 0.0], [1.0, 0.0], 21)
    assert np.allclose(np.diff(line, axis=0), [0.1, 0.0])
    e_line = PT.profile(lambda x: curved_valley(x)[0][0], line)
    b = A.barrier(e_line)
    assert b.value == pytest.approx(1 + KAPPA * BEND ** 2, rel=1e-12)
    assert b.extra["top_s"] == pytest.approx(0.5)
    r = PT.neb(line, curved_valley, k=5.0, f_tol=1e-6, max_steps=20000, dt=0.01, dt_max=0.05)
    assert r.converged
    assert np.allclose(r.images[r.climbing], [0.0, BEND], atol=1e-5)
    assert A.barrier(r.energies).value == pytest.approx(1.0, abs=1e-8)
    # the switching function leaves a small perpendicular spring force where the valley bends;
    # without it the band lies on the minimum-energy path to the tolerance
    assert r.max_perp_force < 1e-3
    plain = PT.neb(line, curved_valley, k=5.0, f_tol=1e-6, max_steps=20000, dt=0.01, dt_max=0.05,
                   kinks=False)
    assert plain.converged and plain.max_perp_force < 1e-6
    assert np.allclose(plain.images[plain.climbing], [0.0, BEND], atol=1e-5)


def test_barrier_heights_is_max_minus_the_higher_end():
    prof = np.array([[0.0, 2.0, 1.0], [1.0, 0.5, 0.0], [3.0, 1.0, 2.0], [0.0, np.nan, 0.0]])
    h = A.barrier_heights(prof)
    assert np.allclose(h[:3], [1.0, 0.0, 0.0]) and np.isnan(h[3])
    est = A.barrier(prof[:3], scale=10.0)
    assert est.value == pytest.approx(10.0 / 3) and est.extra["count"] == 3
    with pytest.raises(ValueError):
        A.barrier_heights(np.zeros((2, 1)))


# ----------------------------------------------------------------------------- the sphere, the p-spin

def _pspin(N=24, seed=1):
    from physics.pspin import Couplings
    from physics.pspin_paths import energy_grad
    rng = np.random.default_rng(seed)
    c = Couplings.generate(N, {3: 1.0}, rng, precision="float64")
    return c, energy_grad(c, 3), rng


def test_pspin_energy_and_gradient_of_the_paths_are_the_models():
    from physics.pspin import random_sphere
    c, eg, rng = _pspin()
    s = random_sphere(24, rng)
    H, G = eg(s)
    assert H[0] == pytest.approx(c.energy(s), rel=1e-12)
    d = rng.standard_normal(24)
    h = 1e-6
    fd = (eg(s + h * d)[0][0] - eg(s - h * d)[0][0]) / (2 * h)
    assert G[0] @ d == pytest.approx(fd, rel=1e-6)


def test_great_circle_and_neb_images_stay_on_the_sphere():
    from physics.pspin import random_sphere
    N = 24
    c, eg, rng = _pspin(N)
    a, b = random_sphere(N, rng), random_sphere(N, rng)
    gc = PT.great_circle_path(a, b, 11, math.sqrt(N))
    assert np.allclose((gc * gc).sum(1), N, rtol=1e-12)
    assert np.allclose(gc[0], a) and np.allclose(gc[-1], b)
    ang = np.arccos(np.clip((gc[:-1] * gc[1:]).sum(1) / N, -1, 1))
    assert np.allclose(ang, ang[0], rtol=1e-9)                    # evenly spaced in angle
    sphere = PT.Sphere(math.sqrt(N))
    r = PT.neb(gc, eg, k=5.0, max_steps=200, dt=0.05, dt_max=0.5, max_move=0.5, constraint=sphere)
    assert np.allclose((r.images ** 2).sum(1), N, rtol=1e-12)
    # the projected NEB force of every image is tangent to the sphere
    _, G = eg(r.images)
    assert np.allclose(np.einsum("ij,ij->i", sphere.tangent(r.images, G), r.images), 0, atol=1e-9)


def test_pspin_minima_are_minima_and_near_the_threshold():
    from nets.barriers_config import default_config
    from physics.pspin_paths import sample_paths
    from physics.pspin_theory import threshold_energy
    N = 64
    c = default_config(N=N, minima=2, neb_steps=0, seed=3)
    out = sample_paths(c, 0)
    assert (out["minima_converged"] == 1).all() and (out["minima_gradient"] < c["min_tol"]).all()
    e_th = threshold_energy({3: 1.0})
    # finite N: above the threshold (and the ground state -1.1717), well below a random state (0)
    assert (out["minima_energy"] > e_th).all() and (out["minima_energy"] < -0.85).all()
    # the minima are minima: every small move on the sphere raises H (second order)
    from physics.pspin import Couplings
    from physics.pspin_paths import energy_grad, find_minimum
    seq = np.random.SeedSequence(3).spawn(1)[0]
    rng = np.random.default_rng(seq)
    coup = Couplings.generate(N, {3: 1.0}, rng, precision="float64")
    from physics.pspin import random_sphere
    s, e, g, ok = find_minimum(coup, 3, random_sphere(N, rng), c, rng)
    assert e == pytest.approx(out["minima_energy"][0], abs=1e-12)   # the same draws, the same minimum
    eg = energy_grad(coup, 3)
    sphere = PT.Sphere(math.sqrt(N))
    H0 = eg(s)[0][0]
    for _ in range(20):
        d = sphere.tangent(s, rng.standard_normal(N))[0]
        y = sphere.restore(s + 1e-2 * d / np.linalg.norm(d))[0]
        assert eg(y)[0][0] > H0
    # along the great circle the paths join minima and the NEB lowers the barrier
    paths = sample_paths(default_config(N=32, minima=2, neb_steps=1500, seed=0), 0)
    lin, neb = A.barrier_heights(paths["linear_energy"]), A.barrier_heights(paths["neb_energy"])
    assert (lin > 0).all() and (neb < lin).all()


# ----------------------------------------------------------------------------- the command and record

def _lines(output):
    return [x for x in output.splitlines() if x.startswith("Error")]


@pytest.mark.parametrize("args,option", [
    (["pspin", "--N", "4"], "--N"),
    (["pspin", "--images", "2"], "--images"),
    (["pspin", "--neb-tol", "0"], "--neb-tol"),
    (["pspin", "--minima", "1"], "--minima"),
    (["pspin", "--descent-t", "0.01"], "--descent-t"),
    (["dnn", "--width", "0"], "--width"),
    (["dnn", "--loss", "nope"], "--loss"),
    (["dnn", "--data", "cifar10"], "--data"),
])
def test_bad_values_exit_2_with_one_line(args, option, tmp_path):
    res = CliRunner().invoke(cli.main, ["barriers"] + args + ["--out", str(tmp_path)])
    errors = _lines(res.output)
    assert res.exit_code == 2 and len(errors) == 1 and f"'{option}'" in errors[0], res.output
    assert "Traceback" not in res.output and not list(tmp_path.glob("*.h5"))


def test_pspin_command_writes_a_record_that_show_reads(tmp_path):
    args = ["barriers", "pspin", "--N", "24", "--minima", "2", "--images", "9", "--neb-steps", "400",
            "--out", str(tmp_path)]
    res = CliRunner().invoke(cli.main, args)
    assert res.exit_code == 0, res.output
    path = next(tmp_path.glob("barriers-*.h5"))
    assert path.with_suffix(".png").exists()
    from compare.records import load_run
    run = load_run(path)
    assert run.config["protocol"] == "pspin" and run.status == "complete"
    assert run["barriers/linear_energy"].shape == (1, 1, 9) == run["barriers/neb_energy"].shape
    assert np.allclose(run["barriers/linear_barrier"], A.barrier_heights(run["barriers/linear_energy"]))
    assert int(run["barriers/n_dof"]) == 24 and float(run["barriers/extensive"]) == 24
    shown = CliRunner().invoke(cli.main, ["show", "--json", str(path)])
    assert shown.exit_code == 0, shown.output
    js = json.loads(shown.output)
    js = js[0] if isinstance(js, list) else js
    text = json.dumps(js)
    for key in ("linear_barrier", "neb_barrier", "neb_barrier_per_dof", "neb_converged", "minima_energy"):
        assert key in text
    table = CliRunner().invoke(cli.main, ["show", str(path)])
    assert "barrier along the great circle" in table.output


def test_dnn_over_parametrised_minima_are_joined_without_barrier(tmp_path, monkeypatch):
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                       # small nets: one thread is fastest
    try:
        _dnn_over_parametrised(tmp_path)
    finally:
        torch.set_num_threads(threads)


def _dnn_over_parametrised(tmp_path):
    from compare.records import RunWriter, load_run
    from nets.barriers import default_config, run
    cfg = default_config(protocol="dnn", width=24, P=30, d=5, minima=2, images=9, max_steps=4000,
                         min_lr=3e-3, neb_steps=800, device="cpu")
    with RunWriter(tmp_path, "barriers", cfg) as rec:
        run(cfg, rec)
    r = load_run(rec.path)
    assert (r["barriers/minima_N_delta"] == 0).all()          # both fitted: over-parametrised
    lin, neb = float(r["barriers/linear_barrier"][0, 0]), float(r["barriers/neb_barrier"][0, 0])
    assert lin > 1e-2 and neb < 1e-3 * lin, (lin, neb)
    assert int(r["barriers/n_dof"]) == 5 * 24 + 24 * 24 + 24 and float(r["barriers/extensive"]) == 30


def test_an_interrupted_run_resumes_with_the_next_sample(tmp_path, monkeypatch):
    from compare.records import RunWriter, load_run
    from nets import barriers as NB
    cfg = NB.default_config(N=16, minima=2, images=7, neb_steps=100, samples=2, descent_t=10.0)
    with RunWriter(tmp_path / "clean", "barriers", cfg) as rec:
        NB.run(cfg, rec)
    clean = load_run(rec.path)
    real = NB.sample_function("pspin")

    def failing(c, s, tick=None):
        if s == 1:
            raise KeyboardInterrupt
        return real(c, s, tick)
    monkeypatch.setattr(NB, "sample_function", lambda protocol: failing)
    with pytest.raises(KeyboardInterrupt):
        with RunWriter(tmp_path, "barriers", cfg) as rec:
            NB.run(cfg, rec)
    assert load_run(rec.path).status == "interrupted"
    seen = []
    monkeypatch.setattr(NB, "sample_function", lambda protocol: lambda c, s, tick=None: (seen.append(s),
                                                                                         real(c, s, tick))[1])
    with RunWriter(tmp_path, "barriers", cfg) as rec:
        assert rec.resumed
        NB.run(cfg, rec)
    again = load_run(rec.path)
    assert seen == [1] and again.status == "complete"
    for name in clean.names:
        assert np.array_equal(clean[name], again[name], equal_nan=True), name
