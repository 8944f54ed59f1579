"""Baity-Jesi et al.'s protocol in nets/: the multi-class toy model of Freeman & Bruna (outputs = 10,
square loss on one-hot labels), the strength D of the SGD noise from the variance of the minibatch
gradient, recorded at every tw (dnn/D), the default waiting times, and the old configs' hashes."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from compare.records import config_hash
from nets import default_config
from nets.config import count_weights, validate, waiting_times
from nets.losses import accuracy, margins, mse, n_delta
from physics.config import ConfigError

pytest.importorskip("sklearn")


def toy(**kw):
    base = dict(data="digits", d=16, P=40, P_test=20, width=5, depth=1, bias=True, outputs=10, loss="mse",
                dynamics="sgd", batch=8, momentum=0.5, lr=0.05, T=0.0, tmax=2.0, h=0.0, hessian_k=0,
                samples=2, seed=3, device="cpu", precision="float64")
    base.update(kw)
    return default_config(**base)


def test_one_hot_square_loss_by_hand():
    f = torch.tensor([[0.2, 0.9, -0.1], [1.0, 0.0, 0.5]], dtype=torch.float64)   # P = 2, C = 3
    y = torch.tensor([1.0, 2.0], dtype=torch.float64)
    # (1/P) sum_mu |f_mu - e_y|^2 / 2 = ((0.04 + 0.01 + 0.01) + (1 + 0 + 0.25)) / 2 / 2
    assert float(mse(f, y)) == pytest.approx((0.06 + 1.25) / 4)
    # margins: max_(c != y) f_c - f_y: 0.2 - 0.9 (right), 1.0 - 0.5 (wrong)
    assert margins(f, y).tolist() == pytest.approx([-0.7, 0.5])
    assert float(accuracy(f, y)) == 0.5 and int(n_delta(f, y)) == 1
    # the scalar losses are unchanged: f [P], y = +-1
    fs, ys = torch.tensor([0.5, -2.0]), torch.tensor([1.0, -1.0])
    assert float(mse(fs, ys)) == pytest.approx((0.25 + 1.0) / 4)
    assert float(accuracy(fs, ys)) == 1.0


def test_old_configs_keep_their_hash():
    assert "outputs" not in default_config()
    assert config_hash("dnn", default_config()) == "de280a7bbf89"      # tests/test_schema.py
    assert "outputs" not in default_config(outputs=1, dynamics="sgd")
    assert "outputs" in toy()


@pytest.mark.parametrize("kw,key", [
    (dict(outputs=3), "outputs"), (dict(data="random"), "outputs"), (dict(loss="hinge"), "outputs"),
    (dict(outputs=11), "outputs")])
def test_bad_multiclass_configs_are_refused(kw, key):
    with pytest.raises(ConfigError) as e:
        validate(toy(**kw))
    assert e.value.param == key


def test_weights_and_default_waiting_times():
    c = toy(width=7, d=16)
    assert count_weights(c, (16,)) == 16 * 7 + 7 + 10 * 7 + 10
    tw = waiting_times(c)
    assert len(tw) == 10 and tw[0] == pytest.approx(10 * c["lr"]) and tw[-1] == pytest.approx(c["tmax"] / 2)
    assert np.allclose(np.diff(np.log(tw)), np.log(tw[1] / tw[0]))
    assert waiting_times(toy(tw=[0.5])) == [0.5]
    assert waiting_times(default_config()) is None               # scalar nets: Schedule's default


def _dynamics(c):
    from nets.dynamics import Dynamics, Ensemble
    from nets.models import Flat, build_model, init_flat
    from nets.setup import in_shape, load_data, sample_seeds
    seeds = sample_seeds(c["seed"], 0, c["samples"])
    X, Y, Xt, Yt = load_data(c, seeds, torch.device("cpu"), torch.float64)
    model = build_model(c, in_shape(c, X)).to(torch.float64)
    flat = Flat(model)
    W0 = torch.stack([init_flat(flat, c, torch.Generator().manual_seed(s["init"])) for s in seeds])
    ens = Ensemble(model, flat, c["loss"])
    return Dynamics(ens, W0, X, Y, c, [s["noise"] for s in seeds]), model, flat, X, Y


def test_labels_are_classes_and_the_model_has_ten_outputs():
    dyn, model, flat, X, Y = _dynamics(toy())
    assert set(np.unique(Y.numpy())) <= set(range(10)) and len(np.unique(Y.numpy())) > 3
    f = dyn.ens.outputs(dyn.x, X)
    assert f.shape == (2, 40, 10)
    assert flat.n == count_weights(toy(), (16,))


def test_noise_strength_against_a_hand_computed_minibatch_variance():
    """D = lr <Var(minibatch gradient)> / (2 (1 - beta)^2): the variance over EVERY minibatch of
    B = 2 of P = 5 points (all 10 of them, drawn without replacement), by brute force."""
    from itertools import combinations
    c = toy(P=5, batch=2, samples=1, lr=0.1, momentum=0.5)
    dyn, model, flat, X, Y = _dynamics(c)
    w = dyn.x[0].clone()
    grads = []
    for idx in combinations(range(5), 2):
        wr = w.clone().requires_grad_(True)
        loss = dyn.ens.loss_one(wr, X[0, list(idx)], Y[0, list(idx)])
        grads.append(torch.autograd.grad(loss, wr)[0])
    G = torch.stack(grads)
    var = G.var(dim=0, unbiased=False).mean().item()          # per weight, over minibatches
    expected = 0.1 * var / (2 * (1 - 0.5) ** 2)
    assert dyn.noise_strength()[0] == pytest.approx(expected, rel=1e-9)
    assert dyn.noise_strength(chunk=2)[0] == pytest.approx(expected, rel=1e-9)


def test_full_batch_has_no_minibatch_noise():
    dyn, *_ = _dynamics(toy(dynamics="langevin"))
    assert np.all(dyn.noise_strength() == 0.0)


def test_record_holds_D_at_every_tw(tmp_path):
    from compare.records import execute
    from compare.registry import system
    c = toy(tmax=4.0)                 # 80 steps: tw at 10 .. 40 steps, 10 distinct ones
    run = execute("dnn", c, system("dnn").run, out=tmp_path)
    tw = np.asarray(run["tw"])
    assert len(tw) == 10 and tw[0] == pytest.approx(0.5) and tw[-1] == pytest.approx(2.0)
    D = np.asarray(run["dnn/D"])
    assert D.shape == (2, 10) and np.all(np.isfinite(D)) and np.all(D > 0)
    for key in ("msd", "energy", "dnn/N_delta", "dnn/train_acc", "dnn/margins"):
        assert key in run
    assert np.asarray(run["msd"]).shape[:2] == (2, 10)
    assert np.asarray(run["dnn/margins"]).shape == (2, 40)
    e = np.asarray(run["energy"])
    assert np.all(e[:, -1] < e[:, 0])                          # it trains
    # the energy is the one-hot square loss: about (|f|^2 + 1)/2 ~ 1/2 at the start
    assert 0.3 < e[:, 0].mean() < 3.0
    assert math.isfinite(float(run.mean("dnn/N_delta")[-1]))


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_multiclass_sgd_resumes_bit_for_bit(tmp_path, one_thread):
    """Interrupted between waiting times and resumed: the same record, dnn/D included."""
    from test_resume import assert_same_records, interrupted_then_resumed

    from nets import run
    c = toy(tmax=4.0, samples=1, P=20)
    ref, resumed = interrupted_then_resumed(tmp_path, "dnn", c, run, [15, 30])
    assert "dnn/D" in ref.names
    assert_same_records(ref, resumed)
