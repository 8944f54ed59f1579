"""The jamming minimiser of nets (nets.minimiser.adam_minimise): the hand-written backward pass of
fully connected nets against autograd, a stopped sample leaving the batch without changing the
others, the weights returned being those of the step it stopped at, and the stationarity stop
(Stall): it stops jammed nets, never a net that is still fitting, and is a late config key."""
import numpy as np
import pytest
import torch

from nets import default_config, run
from nets.config import validate
from nets.dynamics import Ensemble, LOSS_DERIVATIVES, fc_backprop
from nets.minimiser import AdamStep, Stall, adam_minimise
from nets.losses import hinge, n_dead, n_delta
from nets.models import Flat, build_model, init_flat
from nets.setup import load_data, sample_seeds
from physics.config import ConfigError
from physics.observables import Recording

torch.set_num_threads(1)   # a shared 2-core machine (commands/dnn.py --threads)


def nets_on_data(K=3, P=60, d=5, width=6, depth=2, seed=0, **kw):
    """(Ensemble, W0 [K, n], X, Y) of K fc nets on their own random data."""
    cfg = default_config(protocol="jamming", P=P, d=d, width=width, depth=depth, samples=K, seed=seed,
                         device="cpu", **kw)
    X, Y, _, _ = load_data(cfg, sample_seeds(seed, 0, K), torch.device("cpu"), torch.float64)
    model = build_model(cfg, (d,)).double()
    flat = Flat(model)
    W0 = torch.stack([init_flat(flat, cfg, torch.Generator().manual_seed(100 + k)) for k in range(K)])
    return Ensemble(model, flat, cfg["loss"], cfg["l2"]), W0, X, Y


# ----------------------------------------------------------------------------- the backward pass

@pytest.mark.parametrize("bias,act,depth,loss", [
    (False, "relu", 2, "hinge"), (True, "relu", 3, "hinge"), (True, "tanh", 1, "hinge"),
    (False, "relu", 2, "mse"), (True, "tanh", 2, "cross_entropy"), (True, "relu", 4, "mse")])
def test_backprop_equals_autograd(bias, act, depth, loss):
    """G and f of fc_backprop equal autograd through the vmapped module (Ensemble.gradient,
    Ensemble.outputs) to round-off, with biases, both activations, every scalar loss and L2."""
    ens, W, X, Y = nets_on_data(K=4, width=7, depth=depth, bias=bias, activation=act, loss=loss,
                                init="orthogonal" if bias else "default")
    W = W + 0.1 * torch.randn(W.shape, generator=torch.Generator().manual_seed(1), dtype=W.dtype)
    ens.l2 = 0.03
    G, f = ens.gradient_and_outputs(W, X, Y)
    ref = ens.autograd_gradient(W, X, Y)
    assert ens.backprop is not None
    torch.testing.assert_close(G, ref, rtol=1e-11, atol=1e-13 * float(ref.abs().max()))
    torch.testing.assert_close(f, ens.outputs(W, X), rtol=1e-12, atol=1e-13)


def test_loss_derivatives_are_those_of_the_losses():
    """-P dL/df of each loss of nets.losses against autograd, at margins on both sides of 0."""
    from nets.losses import LOSS_FUNCTIONS
    f = torch.linspace(-2, 2, 41, dtype=torch.float64).repeat(2, 1).requires_grad_(True)
    y = torch.where(torch.arange(41) % 2 == 0, 1.0, -1.0).to(torch.float64).repeat(2, 1)
    for name, dl in LOSS_DERIVATIVES.items():
        g, = torch.autograd.grad(LOSS_FUNCTIONS[name](f, y).sum(), f)
        torch.testing.assert_close(dl(f.detach(), y) * (-1.0 / 41), g, rtol=1e-13, atol=1e-16)


def test_other_models_fall_back_to_autograd():
    """Conv nets and multi-output nets have no hand-written backward pass: gradient_and_outputs
    is then Ensemble.gradient and Ensemble.outputs."""
    cfg = default_config(model="cnn", data="digits", width=3, depth=1, device="cpu")
    model = build_model(cfg, (1, 8, 8)).double()
    assert fc_backprop(model, Flat(model), "hinge") is None
    cfg = default_config(data="digits", outputs=10, loss="mse", width=3, device="cpu")
    model = build_model(cfg, (10,)).double()
    assert fc_backprop(model, Flat(model), "mse") is None
    ens, W, X, Y = nets_on_data(K=2)
    ens.backprop = None
    G, f = ens.gradient_and_outputs(W, X, Y)
    torch.testing.assert_close(G, ens.gradient(W, X, Y))
    torch.testing.assert_close(f, ens.outputs(W, X))


# ----------------------------------------------------------------------------- the minimiser

@pytest.mark.parametrize("fused", [True, False])
def test_adam_step_is_adams_formula(fused):
    """AdamStep (the fused kernel, and the plain operations it falls back to) against Adam's
    update written out, over 50 steps of a decaying step on a made-up gradient."""
    W = torch.randn(3, 17, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    W_ref, m, v = W.clone(), torch.zeros_like(W), torch.zeros_like(W)
    m1, m2 = torch.zeros_like(W), torch.zeros_like(W)
    adam = AdamStep((0.9, 0.999), 1e-12, W)
    adam.fused = fused and adam.fused
    for t in range(1, 51):
        G, G_ref = torch.sin(3 * W + t), torch.sin(3 * W_ref + t)
        lr = 1e-2 / (1 + t / 20)
        adam(W, G, m1, m2, t, lr)
        m = 0.9 * m + 0.1 * G_ref
        v = 0.999 * v + 0.001 * G_ref ** 2
        W_ref = W_ref - lr * (m / (1 - 0.9 ** t)) / (torch.sqrt(v / (1 - 0.999 ** t)) + 1e-12)
    assert adam.fused == (fused and hasattr(torch, "_fused_adam_"))     # no silent fallback on CPU
    torch.testing.assert_close(W, W_ref, rtol=1e-13, atol=1e-14)


def test_a_stopped_sample_leaves_the_others_unchanged():
    """The nets are independent: each sample's weights and steps are those it gets when minimised
    alone, although the batch shrinks as samples stop (near N*: two fit at different steps, one
    runs to max_steps)."""
    ens, W0, X, Y = nets_on_data(K=3, width=4)
    W, steps = adam_minimise(ens, W0, X, Y, 1e-2, 1e3, 1500, 1e-6)
    assert steps.min() < steps.max()                 # some stopped before the others
    for k in range(3):
        Wk, sk = adam_minimise(ens, W0[k:k + 1], X[k:k + 1], Y[k:k + 1], 1e-2, 1e3, 1500, 1e-6)
        assert int(sk[0]) == int(steps[k])
        torch.testing.assert_close(Wk[0], W[k], rtol=1e-10, atol=1e-12)


def test_the_weights_returned_are_those_of_the_stopping_step():
    """A net that fits between two checks has a zero hinge gradient at the next one, where the
    gradient test stops it: the weights returned must be its last ones (fitted: N_Delta = 0,
    loss ~ 0), the same as a run of exactly `steps` steps."""
    ens, W0, X, Y = nets_on_data(K=2, width=16, bias=True, init="orthogonal")   # no dead constraint
    W, steps = adam_minimise(ens, W0, X, Y, 1e-2, 1e3, 3000, 1e-6)
    f = ens.outputs(W, X)
    assert np.all(steps.numpy() < 3000)
    assert np.all((n_delta(f, Y, 1e-6) - n_dead(f)).numpy() == 0)
    assert float(hinge(f, Y).max()) < 1e-10
    for k in range(2):
        Wk, _ = adam_minimise(ens, W0[k:k + 1], X[k:k + 1], Y[k:k + 1], 1e-2, 1e3, int(steps[k]), 0.0,
                              grad_tol=0.0)
        torch.testing.assert_close(Wk[0], W[k], rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- the stall stop

def test_stall_rule_on_made_up_histories():
    """From step `start` on, stalled when over the second half of the run the loss fell by at most
    rtol of its value and the live N_Delta > 0 fell by at most its flicker 2 sqrt(N); never a net
    whose loss falls faster, whose N_Delta falls steadily, or that is fitted (N_Delta = 0: the
    other stop); nothing recorded or stopped between checks."""
    s = Stall(5, max_steps=2000, check_every=100, start=800, rtol=1e-3)
    run = np.arange(5)
    got = {}
    for t in range(100, 2001, 100):
        c = t / 100
        loss = np.array([0.2 + 1e-6 / c,           # flat: stalls at the start
                         0.2 + 0.1 / c,            # power-law creep, fall >> rtol L
                         0.2 + 1e-6 / c,           # flat loss, N_Delta falling by one a check
                         0.0,                      # fitted
                         0.2 + 1e-6 / c])          # flat, N_Delta flickering by +-3 around 40
        live = np.array([30, 30, 60 - 5 * int(c), 0, 40 + (3 if int(c) % 2 else -3)])
        got[t] = s.update(run, t, live, loss)
    assert not any(v.any() for t, v in got.items() if t < 800)
    np.testing.assert_array_equal(got[800], [True, False, False, False, True])
    assert not s.update(run, 1950, np.full(5, 30), np.full(5, 0.2)).any()     # not a check
    # samples that stopped leave `run`: the others' histories go on where they were
    s2 = Stall(3, 1000, 100, 200, 1e-3)
    for t in (100, 200):
        got = s2.update(np.array([0, 2]), t, np.array([5, 5]), np.array([1.0, 1.0]))
    assert got.tolist() == [True, True] and s2.live[1].max() == -1


def test_stall_stops_jammed_nets_early_with_the_same_contacts():
    """Narrow nets that cannot fit and creep on to max_steps: with the stall stop they end far
    earlier, with their live N_Delta and loss near those of the full run."""
    ens, W0, X, Y = nets_on_data(K=3, width=2)
    W, steps = adam_minimise(ens, W0, X, Y, 1e-2, 1e3, 4000, 1e-6)
    Ws, ss = adam_minimise(ens, W0, X, Y, 1e-2, 1e3, 4000, 1e-6, stall_from=500, stall_rtol=1e-3)
    f, fs = ens.outputs(W, X), ens.outputs(Ws, X)
    live, lives = (n_delta(f, Y, 1e-6) - n_dead(f)).numpy(), (n_delta(fs, Y, 1e-6) - n_dead(fs)).numpy()
    creep = steps.numpy() == 4000           # the others stopped at an exact minimum (rms gradient < 1e-10)
    assert creep.sum() >= 2 and np.all(live[creep] > 0)
    assert np.all(ss.numpy()[creep] < 2000) and np.all(lives[creep] > 0)
    assert np.all(np.abs(lives - live)[creep] <= 0.1 * live[creep])
    np.testing.assert_allclose(hinge(fs, Y).numpy()[creep], hinge(f, Y).numpy()[creep], rtol=0.01)
    assert np.all(ss.numpy() <= steps.numpy())


def test_stall_never_stops_a_net_that_is_still_fitting():
    """Nets at N* with a small step: two fit slowly (thousands of steps, with N_Delta near 25 for
    long stretches), one stays jammed. The stall stop leaves the fitters' runs exactly as they
    were (same steps, same weights, fitted) and may only stop the jammed one."""
    ens, W0, X, Y = nets_on_data(K=3, width=5, seed=3)
    W, steps = adam_minimise(ens, W0, X, Y, 2e-3, 1e3, 8000, 1e-6)
    f = ens.outputs(W, X)
    fitted = (n_delta(f, Y, 1e-6) - n_dead(f)).numpy() == 0
    assert fitted.sum() == 2 and np.all(steps.numpy()[fitted] > 5000)        # slow fitters
    Ws, ss = adam_minimise(ens, W0, X, Y, 2e-3, 1e3, 8000, 1e-6, stall_from=500, stall_rtol=1e-3)
    np.testing.assert_array_equal(ss.numpy()[fitted], steps.numpy()[fitted])
    torch.testing.assert_close(Ws[fitted], W[fitted], rtol=0, atol=0)


def test_stall_is_a_late_key_of_the_jamming_sweep():
    """stall_from = 0 (the default) keeps every config's JSON (and record name); a sweep with it
    records fewer steps at the jammed width and the same at the fitted one; bad values are
    refused with the key named."""
    assert "stall_from" not in default_config(protocol="jamming")
    assert "stall_rtol" not in default_config(protocol="jamming")
    for bad in (dict(stall_from=-100), dict(stall_from=500, l2=1e-2), dict(stall_rtol=0.0)):
        with pytest.raises(ConfigError) as e:
            validate(default_config(protocol="jamming", **bad))
        assert next(iter(bad)) in str(e.value)
    base = dict(protocol="jamming", P=60, d=5, widths=[2, 16], samples=2, max_steps=4000, min_lr=1e-2,
                decay_steps=1e3, device="cpu")
    rec, rec_s = Recording(), Recording()
    run(default_config(**base), rec)
    run(default_config(stall_from=500, **base), rec_s)
    st, st_s = rec["dnn/steps"], rec_s["dnn/steps"]
    assert np.all(st_s[:, 0] <= st[:, 0]) and np.any(st_s[:, 0] < 4000)
    np.testing.assert_array_equal(st_s[:, 1], st[:, 1])
    assert np.all(rec_s["dnn/N_delta_final"][:, 0] > 0)
