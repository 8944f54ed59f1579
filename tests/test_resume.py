"""Checkpoint and resume: an interrupted run continued from its record's checkpoint gives the
record an uninterrupted run gives, bit for bit; --restart starts afresh; SIGTERM saves like Ctrl-C;
SIGKILL never damages a complete record."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from compare.records import RunWriter, execute, load_checkpoint, load_run, run_path
from physics.observables import Recorder, Recording, Schedule, checkpoint, drive, resume_state

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def one_torch_thread():
    """torch with one thread (see commands/dnn.py --threads: on a shared 2-core machine more
    threads than free cores slow small nets down tens of times)."""
    import torch
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


class StopAt:
    """A progress callback that raises KeyboardInterrupt (Ctrl-C) once `done` reaches n."""

    def __init__(self, n):
        self.n, self.first = n, None

    def __call__(self, done, total):
        if self.first is None:
            self.first = done
        if done >= self.n:
            raise KeyboardInterrupt


def assert_same_records(a, b):
    assert a.status == b.status == "complete"
    assert a.names == b.names
    for name in a.names:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        assert x.shape == y.shape and x.dtype == y.dtype, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), name


def interrupted_then_resumed(tmp_path, system, config, run_fn, stops):
    """The uninterrupted record, and the record of the same run interrupted at every progress
    value in `stops` (each time resumed from the checkpoint) and then run to its end."""
    ref = execute(system, config, run_fn, out=tmp_path / "ref")
    out = tmp_path / "resumed"
    lines = []
    for n in stops:
        with pytest.raises(KeyboardInterrupt):
            execute(system, config, run_fn, out=out, progress=StopAt(n), flush_every=0, echo=lines.append)
        path = run_path(out, system, config)
        assert load_run(path).status == "interrupted"
        assert load_checkpoint(path) is not None
    run = execute(system, config, run_fn, out=out, echo=lines.append)
    assert len(lines) == len(stops) and all(line.startswith(f"resuming {path} from ") for line in lines)
    with h5py.File(run.path) as f:          # a complete record drops the checkpoint
        assert "checkpoint" not in f and "checkpoint_k" not in f.attrs
    return ref, run


# ----------------------------------------------------------------------------- bit for bit

def test_pspin_resume_is_bit_identical(tmp_path):
    from physics import pspin
    cfg = pspin.default_config(N=40, tmax=20.0, samples=2, seed=3)    # 400 steps a sample
    ref, run = interrupted_then_resumed(tmp_path, "pspin", cfg, pspin.run, [150, 330, 520])
    assert_same_records(ref, run)


def test_pspin_resume_with_the_euler_integrator_and_planted_start(tmp_path):
    from physics import pspin
    cfg = pspin.default_config(N=30, tmax=10.0, integrator="euler", init="equilibrium", T=0.8, seed=1)
    ref, run = interrupted_then_resumed(tmp_path, "pspin", cfg, pspin.run, [77])
    assert_same_records(ref, run)


@pytest.mark.parametrize("kw", [dict(), dict(dynamics="sgd", batch=16, momentum=0.5)],
                         ids=["langevin", "sgd-momentum"])
def test_dnn_langevin_resume_is_bit_identical(tmp_path, kw, one_torch_thread):
    from nets import default_config, run
    cfg = default_config(width=8, P=40, d=5, tmax=16.0, lr=0.1, T=1e-3, samples=2, device="cpu",
                         hessian_k=0, **kw)                          # 160 steps, 5 twins
    ref, resumed = interrupted_then_resumed(tmp_path, "dnn", cfg, run, [7, 60, 120])
    assert_same_records(ref, resumed)


@pytest.fixture
def pause_every_step(monkeypatch):
    """drive offers a checkpoint after every step between measurements."""
    import physics.schedule as obs
    monkeypatch.setattr(obs, "PAUSE_EVERY_S", 0.0)


def _mid_interval(path, schedule):
    """The step of the record's checkpoint, asserted to lie strictly between measurements."""
    state = load_checkpoint(path)[1]
    step = int(state["step"] if "step" in state else state["dynamics"]["steps"])
    assert step not in set(int(s) for s in schedule.steps)
    return step


def test_pspin_resume_between_measurements(tmp_path, pause_every_step):
    """Late log-spaced intervals are long: the state is also saved between measurements."""
    from physics import pspin
    cfg = pspin.default_config(N=30, tmax=20.0, seed=2)           # measurements ~ 40 steps apart
    sch = Schedule(cfg["dt"], cfg["tmax"], cfg["tw"])
    ref = execute("pspin", cfg, pspin.run, out=tmp_path / "ref")
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        execute("pspin", cfg, pspin.run, out=out, progress=StopAt(371), flush_every=0)
    assert _mid_interval(run_path(out, "pspin", cfg), sch) == 370
    assert_same_records(ref, execute("pspin", cfg, pspin.run, out=out))


def test_dnn_resume_between_measurements(tmp_path, pause_every_step, one_torch_thread):
    from nets import default_config, run
    cfg = default_config(width=8, P=40, d=5, tmax=40.0, lr=0.1, T=1e-3, samples=2, device="cpu",
                         hessian_k=0)
    sch = Schedule(cfg["lr"], cfg["tmax"], cfg["tw"], per_decade=cfg["per_decade"])
    ref = execute("dnn", cfg, run, out=tmp_path / "ref")
    out = tmp_path / "resumed"
    calls = []

    def stop_late(step):          # Ctrl-C from inside a step, late in the run
        calls.append(step)
        if len(calls) == 371:
            raise KeyboardInterrupt
    import nets.dynamics as nd
    original = nd.Dynamics.step

    def step(self):
        stop_late(self.steps)
        original(self)
    nd.Dynamics.step = step
    try:
        with pytest.raises(KeyboardInterrupt):
            execute("dnn", cfg, run, out=out, flush_every=0)
    finally:
        nd.Dynamics.step = original
    assert _mid_interval(run_path(out, "dnn", cfg), sch) == 370
    assert_same_records(ref, execute("dnn", cfg, run, out=out))


def test_spheres_age_resume_between_measurements(tmp_path, pause_every_step):
    from physics.spheres import default_config, run
    cfg = default_config(protocol="age", N=32, dim=2, tmax=5.0, T=1e-3)
    sch = Schedule(cfg["dt"], cfg["tmax"], cfg["tw"])
    ref = execute("spheres", cfg, run, out=tmp_path / "ref")
    out = tmp_path / "resumed"
    from physics.spheres.langevin import LangevinState
    original, calls = LangevinState.advance, []

    def advance(self, n):         # Ctrl-C from inside the dynamics, late in the run
        calls.append(n)
        if sum(calls) > 420:
            raise KeyboardInterrupt
        original(self, n)
    LangevinState.advance = advance
    try:
        with pytest.raises(KeyboardInterrupt):
            execute("spheres", cfg, run, out=out, flush_every=0)
    finally:
        LangevinState.advance = original
    assert _mid_interval(run_path(out, "spheres", cfg), sch) == 420
    assert_same_records(ref, execute("spheres", cfg, run, out=out))


def test_ck_resume_is_bit_identical(tmp_path):
    from physics import ck
    cfg = ck.default_config(tmax=20.0, n_grid=64, tw=[0.5, 2.0])    # grid doublings, probes detach
    ref, run = interrupted_then_resumed(tmp_path, "ck", cfg, ck.run, [48, 200])
    assert_same_records(ref, run)


def test_ck_ratio_resume_is_bit_identical(tmp_path):
    """The grid in t'/t (physics/ck_ratio.py): its rows and Jacobian are the checkpoint."""
    from physics import ck
    cfg = ck.default_config(method="ratio", nodes=32, tmax=20.0, tw=[0.5, 2.0])
    ref, run = interrupted_then_resumed(tmp_path, "ck", cfg, ck.run, [100, 400])
    assert_same_records(ref, run)


@pytest.mark.parametrize("kw", [dict(N=32, dim=2, samples=2), dict(N=31, dim=3, phi=0.6)],
                         ids=["2d-two-samples", "3d-odd-N"])
def test_spheres_age_resume_is_bit_identical(tmp_path, kw):
    """3D with odd N draws an odd number of Gaussians a step: Numba's cached second Gaussian is
    part of the checkpoint."""
    from physics.spheres import default_config, run
    cfg = default_config(protocol="age", tmax=10.0, T=1e-3, **kw)          # 1000 steps a sample
    stops = [77, 600, 1300] if cfg["samples"] > 1 else [77, 333, 601]
    ref, resumed = interrupted_then_resumed(tmp_path, "spheres", cfg, run, stops)
    assert_same_records(ref, resumed)


def test_nets_jamming_resume_skips_finished_widths(tmp_path, one_torch_thread):
    from nets import default_config, run
    cfg = default_config(protocol="jamming", widths=[2, 4, 8], P=30, d=5, max_steps=300, samples=2,
                         device="cpu")
    ref = execute("dnn", cfg, run, out=tmp_path / "ref")
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):      # during the second width
        execute("dnn", cfg, run, out=out, progress=StopAt(450), flush_every=0)
    assert load_checkpoint(run_path(out, "dnn", cfg))[0] == 0       # the first width is done
    prog = StopAt(10 ** 9)
    resumed = execute("dnn", cfg, run, out=out, progress=prog)
    assert prog.first > 300, "the finished width is not run again"
    assert_same_records(ref, resumed)


# ----------------------------------------------------------------------------- the protocol

def counting_run(config, sink, progress=None):
    """A toy run with the checkpoint protocol; counts the state_fn calls in config['calls']."""
    sch = Schedule(dt=1.0, t_max=config["tmax"], tw=[2.0])
    sink.begin(sch.t, sch.tw, samples=1)
    rec = Recorder(sch, sink)
    x = np.zeros((1, 4))
    start = 0
    resume = resume_state(sink)
    if resume is not None:
        start = resume[0] + 1
        x[:] = resume[1]["x"]
        rec.restore(resume[1]["recorder"])

    def advance(n):
        x[:] += n

    def state():
        config["calls"].append(1)
        return {"x": x.copy(), "recorder": rec.state()}

    def measure(k, step):
        rec.observe(step, x, np.zeros(1))
        checkpoint(sink, k, state)

    drive(sch, advance, measure, progress, start=start)


def test_state_is_taken_only_when_a_checkpoint_is_due(tmp_path):
    calls = []
    cfg = {"tmax": 50.0, "calls": calls}
    counting_run(cfg, Recording())
    assert calls == [], "the in-memory sink never asks for the state"
    with RunWriter(tmp_path, "pspin", {"tmax": 50.0}, flush_every=3600) as rec:
        counting_run(cfg, rec)
    assert len(calls) == 1, "the first checkpoint at once, then one per flush interval"
    with RunWriter(tmp_path / "b", "pspin", {"tmax": 50.0}, flush_every=0) as rec:
        counting_run(dict(cfg, calls=calls), rec)
    assert len(calls) == 1 + Schedule(1.0, 50.0, [2.0]).nt


def test_checkpoint_round_trip_and_load_run_leaves_it_out(tmp_path):
    state = {"x": np.arange(5.0), "rng": np.random.default_rng(1).bit_generator.state,
             "nested": {"empty": {}, "list": [1.5, float("nan")], "flag": True,
                        "u8": np.arange(3, dtype=np.uint8)},
             "where": "t = 3"}
    w = RunWriter(tmp_path, "pspin", {"a": 1})
    w.begin([1.0, 2.0], [], samples=1)
    w.checkpoint(0, lambda: state)
    w.finish("interrupted")
    k, back = load_checkpoint(w.path)
    assert k == 0 and back["where"] == "t = 3" and back["nested"]["empty"] == {}
    np.testing.assert_array_equal(back["x"], state["x"])
    assert back["rng"] == state["rng"] and back["nested"]["flag"] is True
    assert np.isnan(back["nested"]["list"][1]) and back["nested"]["u8"].dtype == np.uint8
    run = load_run(w.path)
    assert not any(n.startswith("checkpoint") for n in run.names)


def test_restart_ignores_the_checkpoint(tmp_path):
    calls = []
    cfg = {"tmax": 50.0}
    lines = []
    with pytest.raises(KeyboardInterrupt):
        execute("pspin", cfg, lambda c, s, progress=None: counting_run(dict(c, calls=calls), s, progress),
                out=tmp_path, progress=StopAt(20), flush_every=0)
    prog = StopAt(10 ** 9)
    run = execute("pspin", cfg, lambda c, s, progress=None: counting_run(dict(c, calls=calls), s, progress),
                  out=tmp_path, progress=prog, restart=True, echo=lines.append)
    assert run.status == "complete" and lines == [] and prog.first == 1


def test_a_checkpoint_of_another_version_is_not_resumed(tmp_path, monkeypatch):
    import compare.records as records
    calls, lines = [], []
    run_fn = lambda c, s, progress=None: counting_run(dict(c, calls=calls), s, progress)  # noqa: E731
    with pytest.raises(KeyboardInterrupt):
        execute("pspin", {"tmax": 50.0}, run_fn, out=tmp_path, progress=StopAt(20), flush_every=0)
    monkeypatch.setattr(records, "version_string", lambda: "9.9 (another)")
    prog = StopAt(10 ** 9)
    run = execute("pspin", {"tmax": 50.0}, run_fn, out=tmp_path, progress=prog, echo=lines.append)
    assert run.status == "complete" and prog.first == 1
    assert len(lines) == 1 and lines[0].startswith("not resuming") and "9.9 (another)" in lines[0]


def test_force_rerun_resumes_beside_the_complete_record(tmp_path):
    """--force on a complete record, interrupted: the rerun beside it has a checkpoint, and the
    next --force continues it; the complete record is untouched until the rerun completes."""
    from physics import pspin
    cfg = pspin.default_config(N=20, tmax=10.0, seed=5)
    first = execute("pspin", cfg, pspin.run, out=tmp_path)
    before = first.path.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        execute("pspin", cfg, pspin.run, out=tmp_path, force=True, progress=StopAt(100), flush_every=0)
    side = first.path.with_name(first.path.stem + ".rerun.h5")
    assert first.path.read_bytes() == before and load_checkpoint(side) is not None
    lines = []
    again = execute("pspin", cfg, pspin.run, out=tmp_path, force=True, echo=lines.append)
    assert lines and str(side) in lines[0]
    assert again.path == first.path and not side.exists()
    assert_same_records(first, again)


# ----------------------------------------------------------------------------- signals

def _wait_for(cond, timeout=90.0, proc=None):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if cond():
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


def _has_checkpoint(path):
    try:
        return path.exists() and load_checkpoint(path) is not None
    except OSError:
        return False


def test_sigterm_saves_and_a_rerun_resumes_then_sigkill_spares_the_complete_record(tmp_path):
    cmd = [sys.executable, "cli.py", "pspin", "--N", "64", "--tmax", "500", "--out", str(tmp_path)]
    env = dict(os.environ, MPLBACKEND="Agg")
    from physics import pspin
    path = run_path(tmp_path, "pspin", pspin.default_config(N=64, tmax=500.0))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: _has_checkpoint(path), proc=proc), "no checkpoint was written"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 143, err
    assert "interrupted after" in err and "Traceback" not in err
    assert load_run(path).status == "interrupted" and load_checkpoint(path) is not None

    res = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"resuming {path} from t = " in res.stdout
    assert load_run(path).status == "complete"

    before = path.read_bytes()
    proc = subprocess.Popen(cmd + ["--force"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    side = path.with_name(path.stem + ".rerun.h5")
    try:
        assert _wait_for(side.exists, proc=proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert path.read_bytes() == before and load_run(path).status == "complete"
