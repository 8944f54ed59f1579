"""Nets: Langevin noise strength, the shared recorder, hinge/N_Delta by hand, jamming (wide fits,
narrow does not), determinism, vmapped samples = nets trained one by one, bad input, loaders."""
import gzip
import pickle
import struct

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn

import nets
import nets.train as nrun
from nets import default_config, run
from nets.data import load_cifar10, load_mnist, make_data, read_idx
from nets.dynamics import Dynamics, Ensemble
from nets.hessian import full_hessian, hessian_eigenvalues
from nets.losses import hinge, margins, n_delta
from nets.models import Flat
from nets.setup import sample_seeds
from physics.config import ConfigError
from physics.observables import Recorder, Recording, TWO_TIME

torch.set_num_threads(1)   # see commands/dnn.py --threads: a shared 2-core machine


def tiny(**kw):
    base = dict(P=40, P_test=40, d=5, width=8, depth=2, lr=0.1, tmax=20.0, T=1e-4, h=1e-4,
                tw=[1.0, 4.0], per_decade=10, hessian_k=5, samples=2, precision="float64",
                device="cpu")
    base.update(kw)
    return default_config(**base)


def recorded(cfg):
    rec = Recording()
    summary = run(cfg, rec)
    return rec, summary


# ----------------------------------------------------------------------------- physics of the noise

class Linear(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        return x @ self.w


def test_langevin_stationary_variance_is_T_over_k():
    """Linear model f = w.x, mse loss with y = 0 and X = sqrt(k P) I: L = k |w|^2 / 2, so each
    weight is an Ornstein-Uhlenbeck process with variance T/k (T / (k (1 - lr k / 2)) per step)."""
    d, K, k, T, lr = 64, 16, 2.0, 0.05, 0.05
    model = Linear(d).double()
    flat = Flat(model)
    X = (np.sqrt(k * d) * torch.eye(d, dtype=torch.float64))[None].expand(K, d, d)
    Y = torch.zeros(K, d, dtype=torch.float64)
    ens = Ensemble(model, flat, "mse")
    cfg = dict(default_config(), lr=lr, T=T, h=0.0)
    dyn = Dynamics(ens, torch.zeros(K, d, dtype=torch.float64), X, Y, cfg, list(range(K)))
    dyn.advance(int(5 / (lr * k)))                      # 5 relaxation times
    acc = []
    for _ in range(200):
        dyn.advance(int(0.5 / (lr * k)))
        acc.append(dyn.x.clone())
    var = torch.stack(acc).var().item()
    expected = T / (k * (1 - lr * k / 2))
    # 200 x 16 x 64 values, correlated over ~1 relaxation time: error ~ 1.5 %
    assert var == pytest.approx(expected, rel=0.05)
    assert var != pytest.approx(T / (2 * k), rel=0.2)   # not half (or twice) the noise


def test_free_diffusion_msd_is_2Tt():
    """Zero loss (y on the margin side, hinge inactive for a zero net is not zero... use mse with
    f = 0 exactly: a linear model with X = 0): msd = 2 T t per coordinate."""
    d, K, T, lr = 32, 32, 0.1, 0.05
    model = Linear(d).double()
    ens = Ensemble(model, Flat(model), "mse")
    X = torch.zeros(K, 4, d, dtype=torch.float64)
    Y = torch.zeros(K, 4, dtype=torch.float64)
    cfg = dict(default_config(), lr=lr, T=T, h=0.0)
    dyn = Dynamics(ens, torch.zeros(K, d, dtype=torch.float64), X, Y, cfg, list(range(K)))
    dyn.advance(200)
    msd = (dyn.x ** 2).mean().item()
    assert msd == pytest.approx(2 * T * 200 * lr, rel=0.1)


# ----------------------------------------------------------------------------- losses by hand

def test_hinge_and_n_delta_by_hand():
    f = torch.tensor([2.0, 0.5, -1.0, 1.0, 0.9999999], dtype=torch.float64)
    y = torch.tensor([1.0, 1.0, 1.0, -1.0, 1.0], dtype=torch.float64)
    # Delta = 1 - y f = [-1, 0.5, 2, 2, 1e-7]
    np.testing.assert_allclose(margins(f, y).numpy(), [-1.0, 0.5, 2.0, 2.0, 1e-7], atol=1e-15)
    expected = (0.5 ** 2 + 2 ** 2 + 2 ** 2 + 1e-14) / 2 / 5
    assert hinge(f, y).item() == pytest.approx(expected, rel=1e-12)
    assert n_delta(f, y, 0.0).item() == 4          # Delta > 0
    assert n_delta(f, y, 1e-6).item() == 3         # the 1e-7 margin counts as satisfied


# ----------------------------------------------------------------------------- the shared recorder

def test_observables_equal_the_recorder_on_numpy_copies(monkeypatch):
    """The run's torch path through the recorder equals the recorder fed NumPy copies."""
    twin_rec = Recording()
    made = []

    class Both(Recorder):
        def __init__(self, schedule, sink, samples=slice(None), a=0.3, van_hove=False):
            super().__init__(schedule, sink, samples, a, van_hove=van_hove)
            twin_rec.begin(schedule.t, schedule.tw, samples=sink.n_samples)
            self.np = Recorder(schedule, twin_rec, samples, a, van_hove=van_hove)
            made.append(self)

        def observe(self, step, x, energy, twins=None, eps=None, h=None, extra=None):
            assert torch.is_tensor(x)
            tn = lambda a: None if a is None else a.detach().cpu().numpy().copy()
            self.np.observe(step, tn(x), tn(energy), twins=tn(twins), eps=tn(eps), h=h)
            return super().observe(step, x, energy, twins, eps, h, extra)

    monkeypatch.setattr(nrun, "Recorder", Both)
    rec, summary = recorded(tiny())
    assert made
    for name in ("energy",) + TWO_TIME + ("vanhove",):
        a, b = rec[name], twin_rec[name]
        assert np.isfinite(a).any(), name
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True, err_msg=name)
    # Q threshold a = std(w(0)) / q_factor as stated
    assert summary["Q_threshold_a"] > 0
    # FDT at the first lag: the response twins measure T chi ~ msd/2 at short lags
    k = np.nonzero(np.isfinite(rec["chi"][0, 0]))[0][0]
    ratio = 1e-4 * rec["chi"][:, 0, k] / (rec["msd"][:, 0, k] / 2)
    assert np.all((ratio > 0.5) & (ratio < 1.5))


def test_record_layout_and_names():
    rec, s = recorded(tiny())
    S, nt, nw = 2, len(rec["t"]), len(rec["tw"])
    assert rec["energy"].shape == (S, nt)
    for name in TWO_TIME:
        assert rec[name].shape == (S, nw, nt)
    for name in ("dnn/N_delta", "dnn/train_acc", "dnn/test_acc"):
        assert rec[name].shape == (S, nt)
    assert rec["dnn/margins"].shape == (S, 40)
    assert int(rec["dnn/N"]) == s["N"] == 5 * 8 + 8 * 8 + 8
    assert int(rec["dnn/P"]) == 40
    assert rec["dnn/hessian_eigs"].shape == (S, s["N"])    # full spectrum: N <= hessian_full_max
    np.testing.assert_allclose(rec["t"], np.unique(rec["t"]))
    # recorded loss at the end = hinge loss of the recorded final margins
    m = rec["dnn/margins"]
    np.testing.assert_allclose(rec["energy"][:, -1], 0.5 * np.mean(np.maximum(m, 0) ** 2, 1), rtol=1e-10)
    np.testing.assert_array_equal(rec["dnn/N_delta"][:, -1], np.sum(m > 1e-6, 1))


# ----------------------------------------------------------------------------- jamming

def test_wide_net_fits_and_narrow_does_not_on_the_same_data():
    cfg = default_config(protocol="jamming", P=60, d=5, depth=2, widths=[1, 32], samples=2,
                         max_steps=4000, min_lr=1e-2, decay_steps=2000.0, device="cpu")
    rec = Recording()
    s = run(cfg, rec)
    nd, loss, N = rec["dnn/N_delta_final"], rec["dnn/loss_final"], rec["dnn/N"]
    assert np.all(nd[:, 1] == 0) and np.all(loss[:, 1] < 1e-10)       # wide: fitted
    assert np.all(nd[:, 0] > 0.1 * N[0]) and np.all(loss[:, 0] > 1e-3)  # narrow: stuck
    assert rec["dnn/margins"].shape == (2, 2, 60)
    assert N[0] < s["N_star"] < N[1]


def test_dead_constraints_are_counted_apart_and_do_not_keep_the_minimiser_running():
    """A bias-free ReLU net of width 1 is silent (f = 0 exactly, zero gradient) on about half of
    the inputs: those constraints are dead. They are exactly the margins Delta = 1 with f = 0, they
    are recorded in dnn/N_dead_final, N* uses the live ones, and a net whose only unsatisfied
    constraints are dead stops before max_steps."""
    import torch
    from nets.losses import n_dead
    f = torch.tensor([[0.0, 0.5, -0.0, 2.0]])
    assert int(n_dead(f)[0]) == 2
    cfg = default_config(protocol="jamming", P=30, d=3, depth=2, widths=[1, 48], samples=2,
                         max_steps=2000, min_lr=1e-2, decay_steps=2000.0, device="cpu", precision="float64")
    rec = Recording()
    s = run(cfg, rec)
    dead, nd, mar = rec["dnn/N_dead_final"], rec["dnn/N_delta_final"], rec["dnn/margins"]
    assert dead.shape == nd.shape == (2, 2)
    assert np.all(dead[:, 0] > 0)                        # width 1: silent on some inputs
    np.testing.assert_array_equal(dead, np.sum(mar == 1.0, axis=2))
    assert np.all(dead <= nd)
    live = (nd - dead).mean(0) / rec["dnn/N"]
    np.testing.assert_allclose(s["N_dead_over_N"], dead.mean(0) / rec["dnn/N"])
    assert (s["N_star"] != s["N_star"]) or rec["dnn/N"][0] < s["N_star"] < rec["dnn/N"][1]
    assert live[1] == 0 and np.all(rec["dnn/steps"][:, 1] < 2000)
    # the live N_Delta against the minimisation length: non-increasing for the net that fits,
    # its last entry the final count, steps log-spaced up to max_steps
    at, live_at = rec["dnn/N_delta_steps"], rec["dnn/N_live_at"]
    assert at[-1] == 2000 and np.all(np.diff(at) > 0) and live_at.shape == (2, 2, at.size)
    np.testing.assert_array_equal(live_at[:, :, -1], nd - dead)
    assert np.all(live_at[:, 1, -1] == 0) and np.all(live_at[:, 1, 0] >= live_at[:, 1, -1])
    err = rec["dnn/test_error_final"]
    assert err.shape == (2, 2) and np.all((err >= 0) & (err <= 1))
    assert np.all(np.isnan(rec["dnn/ensemble_test_error"]))      # own data per sample: no ensemble


def test_ensemble_test_error_is_the_error_of_the_mean_output_on_one_test_set():
    """shared_data: the K nets see one training and one test set, so the ensemble average of their
    outputs has a test error (teacher data: better than chance, like each net's)."""
    import torch
    from nets.setup import load_data, sample_seeds
    cfg = default_config(protocol="jamming", P=40, P_test=200, d=4, depth=2, widths=[16], samples=3,
                         max_steps=300, min_lr=1e-2, device="cpu", precision="float64",
                         data="teacher", shared_data=True)
    rec = Recording()
    run(cfg, rec)
    err, ens = rec["dnn/test_error_final"][:, 0], rec["dnn/ensemble_test_error"][0]
    assert np.all((err >= 0) & (err < 0.5)) and 0 <= ens < 0.5     # teacher data: better than chance
    _, _, Xt, Yt = load_data(cfg, sample_seeds(0, 0, 3), torch.device("cpu"), torch.float64)
    assert torch.equal(Xt[0], Xt[2])                                 # one test set


# ----------------------------------------------------------------------------- determinism, vmap

def test_same_seed_same_record_and_other_seed_differs():
    a, _ = recorded(tiny(precision="float32"))
    b, _ = recorded(tiny(precision="float32"))
    for name in a.data:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    c, _ = recorded(tiny(precision="float32", seed=1))
    assert not np.allclose(a["energy"], c["energy"])


def test_vmapped_samples_equal_nets_trained_one_by_one():
    batched, _ = recorded(tiny(samples=3, T=1e-3))
    for s in range(3):
        one, _ = recorded(tiny(samples=1, first_sample=s, T=1e-3))
        for name in ("energy", "msd", "chi", "Q", "dnn/N_delta", "dnn/margins", "dnn/hessian_eigs"):
            np.testing.assert_allclose(batched[name][s], one[name][0], rtol=1e-9, atol=1e-12,
                                       equal_nan=True, err_msg=f"{name}, sample {s}")


# ----------------------------------------------------------------------------- other dynamics, models

def test_sgd_with_momentum_runs_and_learns():
    rec, s = recorded(tiny(dynamics="sgd", batch=10, momentum=0.5, T=0.0, lr=0.1, tmax=50.0,
                           width=32, data="teacher"))
    assert np.all(np.isfinite(rec["energy"]))
    assert rec["energy"][:, -1].mean() < 0.5 * rec["energy"][:, 0].mean()
    assert np.isfinite(rec["chi"]).any()


def test_hessian_full_and_lanczos_agree():
    cfg = tiny()
    seeds = sample_seeds(0, 0, 1)
    X, Y, _, _ = make_data(cfg, [seeds[0]["data"]], torch.device("cpu"), torch.float64)
    from nets.models import build_model, init_flat
    model = build_model(cfg, (5,)).double()
    flat = Flat(model)
    w = init_flat(flat, cfg, torch.Generator().manual_seed(3))
    ens = Ensemble(model, flat, "mse")
    loss = lambda v: ens.loss_one(v, X[0], Y[0])
    H = full_hessian(loss, w)
    assert torch.allclose(H, H.T)
    full = hessian_eigenvalues(loss, w, k=4, full_max=10**6)
    lanczos = hessian_eigenvalues(loss, w, k=4, full_max=0, tol=1e-10)
    np.testing.assert_allclose(lanczos, full[-4:], rtol=1e-6)


def test_orthogonal_init_and_tanh_and_bias():
    rec, s = recorded(tiny(init="orthogonal", activation="tanh", bias=True, samples=1))
    assert s["N"] == 5 * 8 + 8 + 8 * 8 + 8 + 8 + 1
    assert np.all(np.isfinite(rec["energy"]))


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("key,value", [("width", 0), ("T", -1.0), ("data", "imagenet"),
                                       ("tw", [5000.0]), ("lr", 0.0), ("model", "cnn")])
def test_validate_rejects(key, value):
    with pytest.raises(ConfigError) as e:
        nets.validate(dict(default_config(), **{key: value}))
    assert e.value.param == key or (key == "model" and e.value.param == "model")


@pytest.mark.parametrize("model,data,shape", [("fc", "random", (7,)), ("cnn", "digits", (1, 8, 8)),
                                              ("cnn", "cifar10", (3, 32, 32))])
@pytest.mark.parametrize("bias", [False, True])
def test_count_weights_matches_the_module(model, data, shape, bias):
    from nets.config import count_weights
    from nets.models import build_model
    cfg = default_config(model=model, data=data, width=6, depth=3, bias=bias)
    assert count_weights(cfg, shape) == Flat(build_model(cfg, shape)).n


def test_too_big_is_refused_before_allocating():
    with pytest.raises(ConfigError) as e:
        run(default_config(width=10**6, samples=4, device="cpu"), Recording())
    assert "GiB" in e.value.message
    with pytest.raises(ConfigError):
        run(default_config(protocol="jamming", widths=[2, 10**6], device="cpu"), Recording())


def test_cli_bad_input_one_line_exit_2(tmp_path):
    from commands.dnn import command
    r = CliRunner()
    for args in (["--width", "0"], ["--tw", "5000", "--out", str(tmp_path)],
                 ["--data", "mnist", "--data-dir", str(tmp_path), "--out", str(tmp_path)],
                 ["jamming", "--widths", "a,b", "--out", str(tmp_path)]):
        res = r.invoke(command, args)
        assert res.exit_code == 2, (args, res.output)
        err = [ln for ln in res.output.splitlines() if ln.startswith("Error")]
        assert len(err) == 1, res.output
        assert "Traceback" not in res.output
    assert "tmax" in r.invoke(command, ["--tw", "5000", "--out", str(tmp_path)]).output


def test_cli_trains_and_writes_record_and_png(tmp_path):
    from commands.dnn import command
    res = CliRunner().invoke(command, ["--width", "8", "--P", "30", "--d", "5", "--tmax", "10",
                                       "--samples", "2", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "N_Delta / N" in res.output
    assert "parametrised" in res.output
    assert list(tmp_path.glob("dnn-*.h5")) and list(tmp_path.glob("dnn-*.png"))


# ----------------------------------------------------------------------------- loaders

def _write_idx(path, arr, gz):
    codes = {np.uint8: 0x08}
    head = bytes([0, 0, codes[np.uint8], arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    data = head + arr.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_loader_on_tiny_idx_files(tmp_path, gz):
    rng = np.random.default_rng(0)
    sfx = ".gz" if gz else ""
    tr, te = rng.integers(0, 256, (50, 28, 28)), rng.integers(0, 256, (20, 28, 28))
    ltr, lte = rng.integers(0, 10, 50), rng.integers(0, 10, 20)
    _write_idx(tmp_path / f"train-images-idx3-ubyte{sfx}", tr, gz)
    _write_idx(tmp_path / f"train-labels-idx1-ubyte{sfx}", ltr, gz)
    _write_idx(tmp_path / f"t10k-images-idx3-ubyte{sfx}", te, gz)
    _write_idx(tmp_path / f"t10k-labels-idx1-ubyte{sfx}", lte, gz)
    a, b, c, d = load_mnist(tmp_path)
    np.testing.assert_array_equal(a, tr)
    np.testing.assert_array_equal(d, lte)
    np.testing.assert_array_equal(read_idx(tmp_path / f"train-labels-idx1-ubyte{sfx}"), ltr)
    cfg = default_config(data="mnist", data_dir=str(tmp_path), P=30, P_test=10, d=6)
    X, Y, Xt, Yt = make_data(cfg, [1, 2], torch.device("cpu"), torch.float64)
    assert X.shape == (2, 30, 6) and Xt.shape == (2, 10, 6)
    np.testing.assert_allclose(X.norm(dim=-1).numpy(), np.sqrt(6))
    assert set(np.unique(Y.numpy())) <= {-1.0, 1.0}
    # parity labels: every training label matches the parity of some digit of that image
    parity_tr = np.where(ltr % 2 == 0, 1.0, -1.0)
    assert np.isin(Y.numpy(), parity_tr).all()
    # and a full run on it
    rec, s = recorded(tiny(data="mnist", data_dir=str(tmp_path), P=30, P_test=10, d=6, samples=1))
    assert np.isfinite(rec["energy"]).all()


def test_cifar10_loader_on_tiny_pickles(tmp_path):
    rng = np.random.default_rng(1)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batches = {}
    for name, n in (("data_batch_1", 12), ("data_batch_2", 8), ("test_batch", 10)):
        x = rng.integers(0, 256, (n, 3072)).astype(np.uint8)
        y = list(rng.integers(0, 10, n))
        batches[name] = (x, y)
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": x, b"labels": y}, f)
    a, b, c, d = load_cifar10(tmp_path)
    assert a.shape == (20, 3, 32, 32) and c.shape == (10, 3, 32, 32)
    np.testing.assert_array_equal(a[12:].reshape(8, -1), batches["data_batch_2"][0])
    np.testing.assert_array_equal(d, batches["test_batch"][1])
    cfg = default_config(data="cifar10", data_dir=str(tmp_path), P=15, P_test=5, d=4)
    X, Y, Xt, Yt = make_data(cfg, [3], torch.device("cpu"), torch.float32)
    assert X.shape == (1, 15, 4)
    np.testing.assert_allclose(X.norm(dim=-1).numpy(), 2.0, rtol=1e-5)


def test_digits_offline_with_the_conv_net():
    pytest.importorskip("sklearn")
    rec, s = recorded(tiny(data="digits", model="cnn", width=4, depth=2, P=50, P_test=50,
                           samples=1, tmax=5.0, hessian_k=3, tw=[1.0]))
    assert np.isfinite(rec["energy"]).all()
    assert rec["dnn/margins"].shape == (1, 50)
    rec2, _ = recorded(tiny(data="digits", d=10, P=100, samples=1, tmax=5.0, tw=[1.0]))
    assert np.isfinite(rec2["energy"]).all()


def test_batched_gradient_equals_vmap_of_grad_and_single_nets():
    """Ensemble.gradient (one backward through the vmapped forward) = vmap(vmap(grad)) = grad of
    each net on its own."""
    cfg = tiny(samples=3)
    seeds = sample_seeds(0, 0, 3)
    X, Y, _, _ = make_data(cfg, [s["data"] for s in seeds], torch.device("cpu"), torch.float64)
    from nets.models import build_model, init_flat
    model = build_model(cfg, (5,)).double()
    flat = Flat(model)
    W = torch.stack([torch.stack([init_flat(flat, cfg, torch.Generator().manual_seed(10 * m + k))
                                  for k in range(3)]) for m in range(2)])   # [2 slots, 3 samples, n]
    ens = Ensemble(model, flat, "hinge")
    G = ens.gradient(W.reshape(6, -1), X.repeat(2, 1, 1), Y.repeat(2, 1)).reshape(W.shape)
    torch.testing.assert_close(G, ens.grad(W, X, Y), rtol=1e-12, atol=1e-14)
    for m in range(2):
        for k in range(3):
            w = W[m, k].clone().requires_grad_(True)
            g, = torch.autograd.grad(ens.loss_one(w, X[k], Y[k]), w)
            torch.testing.assert_close(G[m, k], g, rtol=1e-12, atol=1e-14)


@pytest.mark.slow
def test_jamming_transition_of_nets_random_data():
    """docs/science.md section 4: below N* the net cannot fit and N_Delta >= C0 N with C0 ~ 0.5 (a jump,
    hypostatic); above N* it fits (N_Delta = 0, loss -> 0). Random data, P = 200, d = 10, depth 2."""
    cfg = default_config(protocol="jamming", P=200, d=10, depth=2, widths=[3, 4, 24, 32],
                         samples=2, max_steps=20000, device="cpu")
    rec = Recording()
    s = run(cfg, rec)
    ratio = rec["dnn/N_delta_final"].mean(0) / rec["dnn/N"]
    assert np.all(ratio[:2] > 0.5)
    assert np.all(ratio[2:] == 0) and np.all(rec["dnn/loss_final"][:, 2:] < 1e-10)
    # N* (analysis.n_star: log-interpolated crossing of 0.1) lies inside the bracket of widths 4 and 24
    N = rec["dnn/N"]
    assert N[1] / 200 < s["N_star_over_P"] < N[2] / 200


@pytest.mark.parametrize("loss", ["mse", "cross_entropy", "hinge"])
def test_every_loss_trains_on_teacher_data_and_generalises(loss):
    """Teacher-student data: the loss goes down and the test accuracy beats chance (random-label
    data cannot, by construction)."""
    rec, s = recorded(tiny(loss=loss, data="teacher", P=200, P_test=200, d=5, width=32, lr=0.2,
                           tmax=60.0, T=0.0, samples=2, hessian_k=0))
    assert rec["energy"][:, -1].mean() < 0.7 * rec["energy"][:, 0].mean()
    assert s["test_acc"] > 0.65
