"""`spheres jam` is interruptible and resumable: FIRE runs in chunks that give the bits of one long
call, the eigensolver runs off the main thread, a checkpoint follows every packing and a resumed
run writes the record an uninterrupted one writes, and SIGINT stops a big packing at once."""
import functools
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from compare.records import execute, load_checkpoint, load_run, run_path
from physics.observables import Recording
from physics.spheres import background, cells, default_config, fire, jamming, modes, packing, run
from test_resume import StopAt, assert_same_records

ROOT = Path(__file__).resolve().parent.parent


def _packing(N, dim, phi, seed=0):
    rng = np.random.default_rng(seed)
    diam = packing.make_diameters(N, "bidisperse", 0.0, None, rng)
    L = packing.box_side(diam, phi, dim)
    return packing.random_positions(N, dim, L, rng), diam, L


# ----------------------------------------------------------------------------- FIRE in chunks

@pytest.mark.parametrize("dim,phi", [(2, 0.90), (2, 0.70), (3, 0.70)],
                         ids=["2d-jammed", "2d-unjammed", "3d-jammed"])
def test_fire_in_chunks_gives_the_bits_of_one_call(dim, phi):
    pos, diam, L = _packing(300 if dim == 2 else 200, dim, phi, seed=dim)
    one = pos.copy()
    r1 = fire.minimize(one, diam, L, f_tol=1e-12, chunk_s=None)
    assert r1.converged
    cut = pos.copy()                                 # cut at random: 0 to 12 steps a call
    m = fire.Minimisation(cut, diam, L, f_tol=1e-12)
    sizes = np.random.default_rng(1).integers(0, 13, 10 ** 6)
    calls = 0
    while not m.done:
        m.advance(sizes[calls])
        calls += 1
    assert calls > 10 and m.result() == r1 and np.array_equal(cut, one)
    timed, seen = pos.copy(), []                     # by time: every call one step or more
    assert fire.minimize(timed, diam, L, f_tol=1e-12, callback=seen.append, chunk_s=1e-9) == r1
    assert np.array_equal(timed, one) and len(seen) >= r1.steps and seen == sorted(seen)


def test_fire_max_steps_and_a_list_that_overflows_within_a_step():
    pos, diam, L = _packing(300, 2, 0.90, seed=4)
    one = pos.copy()
    r1 = fire.minimize(one, diam, L, skin=0.3, chunk_s=None)
    nl = cells.NeighborList(300, 2, 0.3)
    nl.idx = np.zeros(nl.build(pos % L, diam, L), np.int64)     # just enough for the first build
    grown = []
    grow = nl.grow
    nl.grow = lambda n: (grown.append(m.iscal[3]), grow(n))
    m = fire.Minimisation(pos, diam, L, skin=0.3, nl=nl)
    while not m.done:
        m.advance(7)
    assert grown == [2], "the list overflowed while rebuilt within a step"
    assert m.result() == r1 and np.array_equal(pos, one)
    short = fire.minimize(_packing(300, 2, 0.90, seed=4)[0], diam, L, skin=0.3, max_steps=50,
                          chunk_s=1e-9)
    assert short.status == fire.MAX_STEPS and short.steps == 50


def test_jam_record_does_not_depend_on_the_chunks(monkeypatch):
    """One call per minimisation in the main thread, against calls of 1 ms with every Numba
    kernel in a thread (as for big packings)."""
    cfg = default_config(N=40, samples=2, seed=2, n_dphi=3)
    recs, calls = [], []
    for chunk_s, big_n in ((None, background.BIG_N), (1e-3, 0)):
        monkeypatch.setattr(jamming, "minimize", functools.partial(fire.minimize, chunk_s=chunk_s))
        monkeypatch.setattr(background, "BIG_N", big_n)
        rec, seen = Recording(), []
        run(cfg, rec, progress=lambda done, total: seen.append(done))
        recs.append(rec)
        calls.append(seen)
    a, b = recs
    assert a.data.keys() == b.data.keys()
    for name in a.data:
        assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f"), name
    assert len(calls[1]) > 2 * len(calls[0]), "progress between the chunks"   # chunk counts vary with speed
    assert all(0 <= x <= 2 for x in calls[1]) and calls[1][-1] == 2
    assert any(0 < x < 0.7 and x != round(x, 0) for x in calls[1]), "fractions within a packing"


# ----------------------------------------------------------------------------- the eigensolver

def test_eigenvalues_are_the_same_in_a_child_process_and_from_run_to_run(monkeypatch):
    pos, diam, L = _packing(200, 2, 0.86, seed=3)
    fire.minimize(pos, diam, L, f_tol=1e-4)
    H = modes.hessian(pos, diam, L, 2.0)
    here = modes.eigenvalues(H, dense_max=0, n_modes=20)
    assert np.array_equal(here, modes.eigenvalues(H, dense_max=0, n_modes=20)), "fixed start vector"
    monkeypatch.setattr(modes, "CHILD_MIN_DOF", 0)
    assert np.array_equal(here, modes.eigenvalues(H, dense_max=0, n_modes=20, tick=lambda: None))
    dense = modes.eigenvalues(H, dense_max=10 ** 6, tick=lambda: None)
    assert np.allclose(dense[:20], here, atol=1e-9)


@pytest.mark.parametrize("where", ["thread", "child"])
def test_ctrl_c_stops_the_wait_for_a_thread_or_a_child_at_once(where):
    """A 5 s call (sleep releases the GIL, as LAPACK and the nogil kernels do), stopped after
    0.2 s by an exception from tick, as Ctrl-C would: the thread is abandoned, the child killed."""
    call = background.in_thread if where == "thread" else background.in_child
    t0 = time.perf_counter()

    def tick():
        if time.perf_counter() - t0 > 0.2:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        call(time.sleep, (5.0,), tick)
    assert time.perf_counter() - t0 < 0.2 + 2 * background.WAIT_S + 0.5
    assert multiprocessing.active_children() == [], "the child is killed"
    assert call(divmod, (7, 3)) == (2, 1)
    with pytest.raises(ZeroDivisionError):          # the call's exception, in the caller
        call(divmod, (7, 0))


# ----------------------------------------------------------------------------- resume per packing

def test_resume_continues_with_the_next_packing(tmp_path):
    cfg = default_config(N=32, samples=3, seed=1, n_dphi=3)
    ref = execute("spheres", cfg, run, out=tmp_path / "ref")
    out, lines = tmp_path / "resumed", []
    path = run_path(out, "spheres", cfg)
    with pytest.raises(KeyboardInterrupt):                  # right after the first packing
        execute("spheres", cfg, run, out=out, progress=StopAt(1), flush_every=0)
    assert load_run(path).status == "interrupted" and load_checkpoint(path)[0] == 0
    with pytest.raises(KeyboardInterrupt):                  # in the middle of the third
        execute("spheres", cfg, run, out=out, progress=StopAt(2.5), flush_every=0, echo=lines.append)
    assert load_checkpoint(path)[0] == 1
    prog = StopAt(10 ** 9)
    resumed = execute("spheres", cfg, run, out=out, progress=prog, echo=lines.append)
    assert lines == [f"resuming {path} from packing 2 of 3 (1 done)",
                     f"resuming {path} from packing 3 of 3 (2 done)"]
    assert prog.first >= 2, "the finished packings are not made again"
    assert_same_records(ref, resumed)


def test_resume_from_a_checkpoint_older_than_the_data(tmp_path):
    """Checkpoints are taken when a flush is due; the interrupted record may hold packings
    measured after its checkpoint (gaps and forces included): they are measured again."""
    cfg = default_config(N=32, samples=3, seed=4, n_dphi=2)
    ref = execute("spheres", cfg, run, out=tmp_path / "ref")
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        execute("spheres", cfg, run, out=out, progress=StopAt(2.5), flush_every=3600)
    path = run_path(out, "spheres", cfg)
    assert load_checkpoint(path)[0] == 0 and np.isfinite(load_run(path)["spheres/phi_J"][1])
    prog = StopAt(10 ** 9)
    resumed = execute("spheres", cfg, run, out=out, progress=prog)
    assert 1 <= prog.first < 2
    assert_same_records(ref, resumed)


# ----------------------------------------------------------------------------- SIGINT

def test_sigint_stops_a_big_packing_at_once(tmp_path):
    """N = 1e5: the first minimisation alone takes ~8 s in one call; SIGINT is served between
    chunks, the record is saved as interrupted, exit code 130."""
    cmd = [sys.executable, "cli.py", "spheres", "jam", "--N", "100000", "--out", str(tmp_path)]
    path = run_path(tmp_path, "spheres", default_config(N=100000))
    proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ, MPLBACKEND="Agg"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        t0 = time.time()
        while not path.exists() and proc.poll() is None and time.time() - t0 < 120:
            time.sleep(0.05)                 # the record exists once the packing is begun
        time.sleep(1.5)                      # within the first minimisation
        assert proc.poll() is None, proc.communicate()
        sent = time.time()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        took = time.time() - sent
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert took < 5.0, f"exit {took:.1f} s after SIGINT"
    assert "estimated run time" in out and "interrupted after" in err and "Traceback" not in err
    assert load_run(path).status == "interrupted"
