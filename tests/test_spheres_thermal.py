"""The thermal start of `spheres age` (physics/spheres/thermal.py): init "equilibrated" runs t_eq of
Langevin at T before the clock starts.

Physics: the equilibrated start is stationary in energy (a random start is not); a dilute gas
diffuses freely, msd = 2 T lag per coordinate (2 d T lag per particle) and Q = erf(a / sqrt(4 T
lag)) (docs/science.md, sections 1 and 6). Bookkeeping: the late keys init and t_eq leave the hash
of every existing config unchanged; an interruption during the equilibration resumes bit for bit;
bad values are refused with one line and exit code 2.
"""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from compare.records import config_hash, execute, load_checkpoint, run_path
from physics.config import ConfigError
from physics.observables import Recording
from physics.spheres import SCHEMA, default_config, run, validate
from physics.spheres.thermal import EquilibrationGrid
from tests.test_resume import assert_same_records, interrupted_then_resumed

pytestmark = pytest.mark.timeout(60)

AGE_DEFAULT_HASH = "7eecf15da373"
"""config_hash("spheres", default_config(protocol="age")) before init and t_eq existed."""


def _age(**kw):
    rec = Recording()
    run(default_config(protocol="age", **kw), rec)
    return rec


def test_equilibrated_start_is_stationary_in_energy():
    """N = 64 at phi = 0.82, T = 0.01 (tau ~ 60 there, t_eq ~ 3 tau): the energy right after t = 0
    equals its late-time mean within the sample noise; from random positions it is still ~10 T
    above it at t = dt (the overlaps of the random start), so the test tells the two apart."""
    kw = dict(N=64, phi=0.82, T=0.01, dt=0.02, tmax=100.0, tw=[1.0], samples=4, seed=3)
    eq = _age(init="equilibrated", t_eq=200.0, **kw)
    t, E = eq["t"], eq["energy"] / kw["T"]                      # [S, nt], in units of T
    early = E[:, t <= 2.0].mean(axis=1)
    late = E[:, t >= 30.0].mean(axis=1)
    d = early - late
    sem = d.std(ddof=1) / np.sqrt(d.size)
    assert abs(d.mean()) < 3.0 * sem + 0.02, (early, late)
    assert 0.5 < late.mean() < 1.5                             # the liquid's U/N ~ 0.9 T here
    rand = _age(**kw)["energy"][:, 0] / kw["T"]
    assert rand.mean() > 5.0 * late.mean()


def test_dilute_gas_diffuses_freely():
    """phi = 0.005: particles almost never touch, so each coordinate is a free Brownian walk with
    unit friction: msd = 2 T lag per coordinate (per particle 2 d T lag) and the overlap is
    Q = erf(a / sqrt(4 T lag)) (physics.analysis.free_diffusion_Q with D = T)."""
    from physics import analysis as A
    T, a = 0.1, 0.3
    rec = _age(N=64, phi=0.005, T=T, dt=0.01, tmax=20.0, tw=[2.0], samples=8, seed=1, Q_a=a,
               init="equilibrated", t_eq=1.0)
    lag = rec["t"] - rec["tw"][0]
    k = np.flatnonzero(lag > 0)
    ratio = rec["msd"][:, 0, k] / (2.0 * T * lag[k])           # per coordinate
    per_sample = ratio.mean(axis=1)
    sem = per_sample.std(ddof=1) / np.sqrt(per_sample.size)
    assert abs(per_sample.mean() - 1.0) < 3.0 * sem + 0.02, per_sample
    per_particle = 2 * rec["msd"][:, 0, k].mean(axis=0)        # d = 2 coordinates a particle
    assert np.allclose(per_particle / (2 * 2 * T * lag[k]), ratio.mean(axis=0))
    Q = rec["Q"][:, 0, k].mean(axis=0)
    Q_free = A.free_diffusion_Q(lag[k], a, T)
    assert np.max(np.abs(Q - Q_free)) < 0.06, np.c_[lag[k], Q, Q_free]


def test_late_keys_leave_existing_hashes_unchanged():
    """init and t_eq appear in a config only when they differ from their defaults."""
    old = default_config(protocol="age")
    assert "init" not in old and "t_eq" not in old
    assert config_hash("spheres", old) == AGE_DEFAULT_HASH
    same = default_config(protocol="age", init="random", t_eq=0.0)
    assert config_hash("spheres", same) == AGE_DEFAULT_HASH
    jam = default_config(protocol="jam")
    assert "init" not in jam and "t_eq" not in jam
    new = default_config(protocol="age", init="equilibrated", t_eq=10.0)
    assert new["init"] == "equilibrated" and new["t_eq"] == 10.0
    assert config_hash("spheres", new) != AGE_DEFAULT_HASH
    validate(old)                                   # an old record's config reads as the default
    assert SCHEMA.setting(old, "init") == "random" and SCHEMA.setting(old, "t_eq") == 0.0


def test_equilibration_is_the_start_of_the_random_run():
    """The equilibration continues the random run's noise stream: an equilibrated run is the
    random run of t_eq + tmax seen from t_eq on (same energies at the same total time)."""
    kw = dict(N=32, phi=0.8, T=1e-2, dt=0.01, tw=[0.5], seed=2)
    long = _age(tmax=4.0, **kw)
    eq = _age(init="equilibrated", t_eq=2.0, tmax=2.0, **kw)
    t_long = np.round(long["t"] / 0.01).astype(int)
    for k, step in enumerate(np.round(eq["t"] / 0.01).astype(int)):
        j = np.flatnonzero(t_long == step + 200)
        if j.size:
            assert eq["energy"][0, k] == long["energy"][0, j[0]]


@pytest.mark.parametrize("kw,stops", [
    (dict(samples=1), [77, 333, 700]),                # twice in the equilibration, once after
    (dict(samples=2, tmax=2.0, t_eq=2.0), [150, 500, 700]),   # the second sample's equilibration too
], ids=["one-sample", "two-samples"])
def test_resume_during_equilibration_is_bit_identical(tmp_path, kw, stops):
    """dt = 0.01: progress counts the equilibration's steps (t_eq / dt), then the run's."""
    kw = {"tmax": 5.0, "t_eq": 5.0, **kw}
    cfg = default_config(protocol="age", N=32, T=1e-3, init="equilibrated", **kw)
    ref, resumed = interrupted_then_resumed(tmp_path, "spheres", cfg, run, stops)
    assert_same_records(ref, resumed)


def test_resume_between_stops_of_the_equilibration(tmp_path, monkeypatch):
    """Ctrl-C from inside the dynamics, between two stops of the equilibration grid: the state
    saved there (a checkpoint offered every step) continues bit for bit."""
    import physics.schedule as obs
    from physics.spheres.langevin import LangevinState
    monkeypatch.setattr(obs, "PAUSE_EVERY_S", 0.0)
    cfg = default_config(protocol="age", N=32, T=1e-3, tmax=2.0, init="equilibrated", t_eq=3.0)
    ref = execute("spheres", cfg, run, out=tmp_path / "ref")
    out, calls, original = tmp_path / "resumed", [], LangevinState.advance

    def advance(self, n):
        calls.append(n)
        if sum(calls) > 121:
            raise KeyboardInterrupt
        original(self, n)
    monkeypatch.setattr(LangevinState, "advance", advance)
    with pytest.raises(KeyboardInterrupt):
        execute("spheres", cfg, run, out=out, flush_every=0)
    monkeypatch.setattr(LangevinState, "advance", original)
    k, state = load_checkpoint(run_path(out, "spheres", cfg))
    assert k == -1 and int(state["step"]) == 0 and int(state["eq_step"]) == 121
    assert 121 not in set(EquilibrationGrid(300).steps.tolist())
    assert state["where"].startswith("equilibration t = 1.21 of t_eq = 3")
    assert_same_records(ref, execute("spheres", cfg, run, out=out))


def test_progress_covers_the_equilibration():
    seen = []
    cfg = default_config(protocol="age", N=16, phi=0.5, T=1e-2, tmax=1.0, init="equilibrated",
                         t_eq=3.0, samples=2)
    run(cfg, Recording(), progress=lambda done, total: seen.append((done, total)))
    done = [d for d, _ in seen]
    assert {t for _, t in seen} == {800} and done == sorted(done) and done[-1] == 800
    assert sum(d <= 300 for d in done) >= 50           # the equilibration's stops are reported


@pytest.mark.parametrize("sets,key", [
    (["t_eq=-1"], "t_eq"), (["t_eq=nan"], "t_eq"), (["init=equilibrated"], "t_eq"),
    (["t_eq=5"], "t_eq"), (["init=warm"], "init"), (["init=equilibrated", "t_eq=5", "T=0"], "T"),
])
def test_bad_values_exit_2_with_one_line(tmp_path, sets, key):
    import cli
    args = ["sweep", "spheres", "age", "--set", "N=16", "--set", "tmax=1", "--dry-run",
            "--out", str(tmp_path)]
    for s in sets:
        args += ["--set", s]
    res = CliRunner().invoke(cli.main, args)
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert res.exit_code == 2 and len(errors) == 1 and f"'--set {key}'" in errors[0], res.output
    assert "Traceback" not in res.output and not any(tmp_path.iterdir())


def test_spheres_age_offers_the_thermal_start(tmp_path):
    """`spheres age --init/--t-eq` (commands/spheres.py takes its options from the schema)."""
    import cli
    runner = CliRunner()
    if "--t-eq" not in runner.invoke(cli.main, ["spheres", "age", "--help"]).output:
        pytest.skip("commands/spheres.py does not offer --init and --t-eq yet")
    res = runner.invoke(cli.main, ["spheres", "age", "--N", "16", "--tmax", "1", "--t-eq", "-1",
                                   "--out", str(tmp_path)])
    errors = [line for line in res.output.splitlines() if line.startswith("Error:")]
    assert res.exit_code == 2 and len(errors) == 1 and "t-eq" in errors[0], res.output


def test_config_errors_name_the_key():
    for kw, key in [(dict(t_eq=1.0), "t_eq"), (dict(init="equilibrated"), "t_eq"),
                    (dict(init="equilibrated", t_eq=1.0, protocol="jam"), "init"),
                    (dict(init="equilibrated", t_eq=1e12), "t_eq")]:
        cfg = default_config(**{"protocol": "age", "N": 16, "tmax": 1.0, **kw})
        with pytest.raises(ConfigError) as e:
            validate(cfg)
        assert e.value.param == key and "\n" not in str(e.value)


def test_report_module_at_the_tiny_scale(tmp_path):
    """compare/reports/kerr_winter_2024/spheres.py end to end on seconds of runs: equilibrated
    points, tau at two waiting times, the claim (a verdict and a note that states the rule) and
    the figure data."""
    from compare.reports.base import VERDICTS, run_points
    from compare.reports.kerr_winter_2024 import spheres as SP
    points = SP.spheres_points("tiny")
    assert [p.config["init"] for p in points] == ["equilibrated"] * len(SP.SPHERES["tiny"]["T"])
    runs = run_points(points, tmp_path)
    rows = SP.spheres_taus(runs, "tiny")
    assert [r["T"] for r in rows] == SP.SPHERES["tiny"]["T"]
    assert all(r["tau"].ok and r["tau_early"].ok and r["tw"][0] < r["tw"][1] for r in rows)
    claim = SP.spheres_tau_growth(runs, "tiny")
    assert claim.id == "spheres_tau_growth" and claim.verdict in VERDICTS
    assert "Verdict rule" in claim.note and "tolerance 0" in claim.note
    tts = SP.spheres_tts(runs, "tiny")
    assert tts["tau"].shape == tts["T"].shape == tts["stationary"].shape
    assert all(c is None or len(c[0]) == len(c[1]) for c in tts["curves"])
    R, dR, lo, hi = SP.activation_ratio([1.0, 0.5, 0.25], np.exp([1.0, 2.0, 4.0]), [0.0, 0.0, 0.0])
    assert np.isclose(lo, 2.0 / 2.0) and np.isclose(hi, 1.0 / 1.0) and dR == 0    # Arrhenius: R = 1
    assert np.isclose(R, 1.0)
