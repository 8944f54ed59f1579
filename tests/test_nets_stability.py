"""The nets' divergence guard: a sample whose weights turn non-finite is frozen (NaN from then on,
dnn/diverged_at records when) without touching the other samples; a dead net (every training
output 0) is flagged in dnn/dead_at; a stable run records NaN for both; the summary says which;
a run with a diverged sample resumes bit for bit."""
import math

import numpy as np
import pytest
import torch

import nets.dynamics as nd
import nets.train as nrun
from nets import default_config, run
from nets.dynamics import CHECK_EVERY
from nets.hessian import full_hessian, top_eigenvalues
from physics.observables import TWO_TIME, Recording, Schedule

PER_TIME = ("energy",) + TWO_TIME + ("dnn/N_delta", "dnn/train_acc", "dnn/test_acc")


@pytest.fixture(autouse=True)
def one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def tiny(**kw):
    base = dict(P=40, P_test=20, d=5, width=6, depth=2, lr=0.1, tmax=10.0, T=1e-4, h=1e-4,
                tw=[1.0, 4.0], per_decade=10, hessian_k=3, samples=3, device="cpu")
    base.update(kw)
    return default_config(**base)


def recorded(cfg):
    rec = Recording()
    return rec, run(cfg, rec)


def blow_up_sample_1(monkeypatch, at: int = 30):
    """Sample 1's net gets an infinite weight right after step `at` (as a blow-up leaves it)."""
    original = nd.Dynamics.step

    def step(self):
        original(self)
        if self.steps == at:
            self.W[0, 1, 3] = math.inf
    monkeypatch.setattr(nd.Dynamics, "step", step)


def first_look(cfg, at: int = 30) -> float:
    """The time the guard sees a blow-up at step `at`: the first check or measurement after it."""
    steps = Schedule(cfg["lr"], cfg["tmax"], cfg["tw"], per_decade=cfg["per_decade"]).steps
    check = math.ceil(at / CHECK_EVERY) * CHECK_EVERY
    return min(check, min(int(s) for s in steps if s >= at)) * cfg["lr"]


def test_a_diverged_sample_is_frozen_and_the_others_are_untouched(monkeypatch, capsys):
    cfg = tiny()
    ref, _ = recorded(cfg)
    blow_up_sample_1(monkeypatch)
    rec, summary = recorded(cfg)
    t, found = rec["t"], first_look(cfg)
    np.testing.assert_allclose(rec["dnn/diverged_at"], [np.nan, found, np.nan])
    assert np.all(np.isnan(ref["dnn/diverged_at"])) and np.all(np.isnan(rec["dnn/dead_at"]))
    for name in PER_TIME:
        v = rec[name][1]
        assert np.all(np.isnan(v[..., t >= found])), name     # sample 1 from then on: NaN
        for s in (0, 2):                          # the other samples: bit for bit the reference
            assert np.array_equal(rec[name][s], ref[name][s], equal_nan=True), name
    assert np.array_equal(rec["energy"][1, t < 3.0], ref["energy"][1, t < 3.0])
    assert np.all(np.isfinite(rec["energy"][[0, 2]]))
    assert np.all(np.isnan(rec["dnn/hessian_eigs"][1]))
    assert np.all(np.isfinite(rec["dnn/hessian_eigs"][[0, 2]]))
    assert np.all(np.isnan(rec["dnn/margins"][1]))
    assert summary["diverged"] == 1 and summary["diverged_first_t"] == pytest.approx(found)
    assert summary["stability"] == f"1 of 3 samples diverged, first at t = {found:g}"
    assert summary["loss_final"] == pytest.approx(np.mean(rec["energy"][[0, 2], -1]))
    err = capsys.readouterr().err
    assert err.count("warning: sample 1 of 3 diverged at t = ") == 1


def test_a_huge_step_diverges_every_sample_and_the_run_still_finishes():
    """lr = 10 on tanh units (they never go silent) with the mean squared error: the output layer
    overshoots by a factor ~ lr lambda_max each step until the weights overflow."""
    rec, summary = recorded(tiny(lr=10.0, tmax=300.0, T=0.0, h=0.0, tw=[100.0], activation="tanh",
                                 loss="mse"))
    at = rec["dnn/diverged_at"]
    assert np.all(np.isfinite(at)) and summary["diverged"] == 3
    for s in range(3):
        after = rec["t"] >= at[s]
        assert np.all(np.isnan(rec["energy"][s, after])) and np.all(np.isnan(rec["Q"][s][:, after]))
    assert summary["stability"].startswith("3 of 3 samples diverged, first at t = ")
    assert np.isnan(summary["loss_final"])


def test_a_stable_run_records_no_divergence_and_no_death():
    rec, summary = recorded(tiny())
    for name in ("dnn/diverged_at", "dnn/dead_at"):
        assert rec[name].shape == (3,) and np.all(np.isnan(rec[name])), name
    assert summary["diverged"] == summary["dead"] == 0
    assert summary["diverged_first_t"] is None and summary["stability"] == "all 3 samples stable"


def test_a_net_with_a_zeroed_layer_is_dead(monkeypatch):
    """A zero hidden layer silences every unit after it: f = 0 on every point, loss 1/2, and (at
    T = 0) no gradient to revive it."""
    made = []

    def init_flat(flat, config, gen):
        w = ORIGINAL_INIT(flat, config, gen)
        if len(made) == 1:                        # sample 1
            i = flat.names.index("hidden.1.weight")
            w[flat.offsets[i]:flat.offsets[i] + math.prod(flat.shapes[i])] = 0.0
        made.append(w)
        return w
    monkeypatch.setattr(nrun, "init_flat", init_flat)
    rec, summary = recorded(tiny(T=0.0))
    dead = rec["dnn/dead_at"]
    assert dead[1] == pytest.approx(rec["t"][0]) and np.isnan(dead[[0, 2]]).all()
    np.testing.assert_allclose(rec["energy"][1], 0.5)
    assert np.all(np.isnan(rec["dnn/diverged_at"]))
    assert summary["dead"] == summary["dead_final"] == 1
    assert summary["stability"] == ("1 of 3 samples died (every training output 0), first at "
                                    f"t = {rec['t'][0]:g} (1 dead at the end)")


ORIGINAL_INIT = nrun.init_flat


def test_resume_after_a_divergence_is_bit_identical(tmp_path, monkeypatch):
    from test_resume import assert_same_records, interrupted_then_resumed
    blow_up_sample_1(monkeypatch)
    cfg = tiny(samples=2, tmax=8.0)
    ref, resumed = interrupted_then_resumed(tmp_path, "dnn", cfg, run, [20, 50])
    assert np.isfinite(ref["dnn/diverged_at"][1])
    assert_same_records(ref, resumed)


def test_top_eigenvalues_equal_the_full_hessian():
    """Power iteration on K nets at once: lambda_max of each, a negative extreme eigenvalue
    included (the shifted second pass)."""
    torch.manual_seed(0)
    A = torch.randn(3, 6, 6, dtype=torch.float64)
    H = A + A.transpose(1, 2)
    H[1] -= 3 * torch.eye(6, dtype=torch.float64)              # its most negative one dominates
    W = 0.1 * torch.randn(3, 6, dtype=torch.float64)
    lam = top_eigenvalues(lambda W: 0.5 * torch.einsum("ki,kij,kj->k", W, H, W) + W.pow(3).sum(1),
                          W, iters=300)
    negative_first = 0
    for k in range(3):
        ev = torch.linalg.eigvalsh(full_hessian(lambda w: 0.5 * w @ H[k] @ w + w.pow(3).sum(), W[k]))
        assert float(lam[k]) == pytest.approx(float(ev[-1]), rel=1e-6)
        negative_first += bool(-ev[0] > ev[-1])
    assert negative_first >= 1


def test_the_regime_of_a_run_whose_samples_all_diverged_is_unknown():
    """N_Delta of no sample left: the regime is not guessed from a NaN mean."""
    from physics.analysis import regime
    assert regime(float("nan"), 100.0) == "unknown"
    assert regime(50.0, 100.0) == "under-parametrised" and regime(0.0, 100.0) == "over-parametrised"
