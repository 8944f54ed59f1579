"""The Hessian of the quadratic hinge split as H = H0 + Hp (nets.hessian.hinge_hessian_split;
Geiger et al. 2019, docs/science.md section 4), against finite differences of the gradient and of
the margins on tiny nets, and recorded by the jamming protocol (config hessian_at_end, a late key:
configs that leave it off keep their JSON and hash)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nets.config import default_config, validate
from physics.config import ConfigError
from nets.hessian import SPLIT_COUNTS, SPLIT_SPECTRA, hinge_hessian_split
from nets.models import FC, Flat

torch.set_default_dtype(torch.float64)


def tiny(act="relu", bias=True, d=3, width=4, depth=2, P=30, seed=0, zero_input=False):
    """A net f(w; x) on P Gaussian points with +-1 labels and random weights w (float64)."""
    g = torch.Generator().manual_seed(seed)
    model = FC(d, width, depth, act, bias).to(torch.float64)
    flat = Flat(model)
    X = torch.randn(P, d, generator=g)
    if zero_input:
        X[0] = 0.0           # a bias-free ReLU net outputs exactly 0 there: a dead constraint
    y = torch.randint(0, 2, (P,), generator=g).to(torch.float64) * 2 - 1
    w = torch.randn(flat.n, generator=g) * 0.8

    def f(v, X):
        return torch.func.functional_call(model, flat.unflatten(v), (X,))
    return f, w, y, X


def hinge(f, X, y):
    def loss(v):
        d = torch.relu(1.0 - y * f(v, X))
        return 0.5 * (d * d).mean()
    return loss


def fd_hessian(loss, w, h=1e-6):
    """Central differences of the autograd gradient, column by column."""
    def g(v):
        v = v.detach().requires_grad_(True)
        return torch.autograd.grad(loss(v), v)[0]
    cols = []
    for i in range(w.numel()):
        e = torch.zeros_like(w)
        e[i] = h
        cols.append((g(w + e) - g(w - e)) / (2 * h))
    H = torch.stack(cols, 1)
    return 0.5 * (H + H.T)


def fd_jacobian(fun, w, h=1e-6):
    cols = []
    for i in range(w.numel()):
        e = torch.zeros_like(w)
        e[i] = h
        cols.append((fun(w + e) - fun(w - e)) / (2 * h))
    return torch.stack(cols, 1)


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_split_matches_finite_differences_and_sums_to_h(act):
    f, w, y, X = tiny(act)
    s = hinge_hessian_split(f, w, X, y)
    H, H0, Hp = s["H"], s["H0"], s["Hp"]
    scale = float(H.abs().max())
    # H0 + Hp = H to round-off (Hp is computed on its own, not as H - H0)
    assert s["split_error"] < 1e-12
    assert float((H0 + Hp - H).abs().max()) < 1e-12 * scale
    # H against finite differences of the gradient (no ReLU or hinge kink within h)
    Hfd = fd_hessian(hinge(f, X, y), w)
    assert float((H - Hfd).abs().max()) < 1e-6 * scale
    # H0 = (1/P) sum over Delta > 0 of grad Delta grad Delta^T, with the finite-difference Jacobian
    delta = lambda v: 1.0 - y * f(v, X)
    on = delta(w) > 0
    J = fd_jacobian(delta, w)[on]
    H0fd = J.T @ J / y.numel()
    assert float((H0 - H0fd).abs().max()) < 1e-7 * float(H0.abs().max())
    # Hp = H - H0 is then the margin-weighted curvature; it is not zero (depth 2: cross-layer terms)
    assert float((Hp - (Hfd - H0fd)).abs().max()) < 1e-6 * scale
    assert float(Hp.abs().max()) > 1e-3 * scale


def test_h0_is_psd_with_rank_the_unsatisfied_constraints():
    f, w, y, X = tiny(P=30)
    n = w.numel()
    s = hinge_hessian_split(f, w, X, y)
    n_on = int(((1.0 - y * f(w, X)) > 0).sum())
    assert 0 < n_on < n                                      # hypostatic here: fewer constraints than weights
    ev0 = torch.linalg.eigvalsh(s["H0"])
    assert float(ev0.min()) > -1e-12 * float(ev0.max())     # positive semidefinite
    assert s["rank"] == s["constraints"] == n_on
    nonzero = int((ev0 > 1e-10 * float(ev0.max())).sum())  # H0's spectrum: n_on modes, n - n_on zeros
    assert nonzero == n_on
    # Hp is traceless up to the diagonal blocks of a ReLU net (zero): a bulk of both signs
    evp = torch.linalg.eigvalsh(s["Hp"])
    assert float(evp.min()) < 0 < float(evp.max())
    # more constraints than weights: H0 has full rank for tanh units, ...
    f, w, y, X = tiny("tanh", P=200, seed=1)
    s = hinge_hessian_split(f, w, X, y)
    assert s["constraints"] > n and s["rank"] == n


def hidden_activity(w, X, width=4, depth=2, d=3):
    """[P, L h] activations of the hidden ReLU units of tiny()'s net (biases on)."""
    model = FC(d, width, depth, "relu", True).to(torch.float64)
    p = Flat(model).unflatten(w)
    a, out = X, []
    for i in range(depth):
        a = torch.relu(a @ p[f"hidden.{i}.weight"].T + p[f"hidden.{i}.bias"])
        out.append(a)
    return torch.cat(out, 1)


def rescaling_modes(w, width=4, depth=2, d=3):
    """[L h, n]: the ReLU symmetry of each hidden unit, (its weights and bias in) x a and (its
    weights out) / a, as directions in weight space at a = 1."""
    model = FC(d, width, depth, "relu", True).to(torch.float64)
    flat = Flat(model)
    modes = []
    for i in range(depth):
        nxt = f"hidden.{i + 1}.weight" if i + 1 < depth else "out.weight"
        for u in range(width):
            r = torch.zeros_like(w)
            view = flat.unflatten(r)
            wv = flat.unflatten(w)
            view[f"hidden.{i}.weight"][u] = wv[f"hidden.{i}.weight"][u]
            view[f"hidden.{i}.bias"][u] = wv[f"hidden.{i}.bias"][u]
            view[nxt][:, u] = -wv[nxt][:, u]
            modes.append(r)
    return torch.stack(modes)


def test_relu_rescaling_symmetries_are_zero_modes_of_h0():
    # ReLU(a z) = a ReLU(z) for a > 0: every hidden unit gives one direction along which f does not
    # change, so rank(H0) <= N - L h however many constraints; a unit silent on every constrained
    # point (no gradient through it) takes more rank away
    for seed in range(3):
        f, w, y, X = tiny(P=200, seed=seed)
        s = hinge_hessian_split(f, w, X, y)
        R = rescaling_modes(w)
        assert float((s["H0"] @ R.T).abs().max()) < 1e-12 * float(s["H0"].abs().max())
        assert s["constraints"] > w.numel() and s["rank"] <= w.numel() - R.shape[0]
        on = (1.0 - y * f(w, X)) > 0
        silent = int(((hidden_activity(w, X)[on] > 0).sum(0) == 0).sum())
        if silent:
            assert s["rank"] < w.numel() - R.shape[0]


def test_dead_constraints_add_no_rank_and_no_curvature():
    # bias-free ReLU net, x_0 = 0: f(x_0) = 0 exactly, Delta_0 = 1 > 0 with zero gradient
    f, w, y, X = tiny(bias=False, zero_input=True, P=20, width=8, seed=2)
    s = hinge_hessian_split(f, w, X, y)
    d = 1.0 - y * f(w, X)
    dead = f(w, X) == 0            # x_0, and any point where the last hidden layer is silent
    assert float(d[0]) == 1.0 and bool(dead[0])
    assert s["constraints"] == int((d > 0).sum()) - int(dead.sum()) and s["rank"] == s["constraints"]
    # the same split without the dead point
    keep = torch.arange(1, X.shape[0])
    t = hinge_hessian_split(f, w, X[keep], y[keep])
    P, Pk = X.shape[0], keep.numel()
    for k in ("H", "H0", "Hp"):    # the dead point only changes the 1/P normalisation
        assert torch.allclose(s[k] * P, t[k] * Pk, atol=1e-12, rtol=1e-10)


def test_hessian_at_end_is_a_late_key_checked_against_protocol_and_loss():
    plain = default_config(protocol="jamming")
    assert "hessian_at_end" not in plain                    # old records keep their hash
    assert default_config(protocol="jamming", hessian_at_end=True)["hessian_at_end"] is True
    validate(default_config(protocol="jamming", hessian_at_end=True))
    for bad in ({"protocol": "jamming", "loss": "mse"}, {"protocol": "langevin"}):
        with pytest.raises(ConfigError, match="hessian_at_end"):
            validate(default_config(hessian_at_end=True, **bad))


def test_jamming_protocol_records_the_split_per_sample_and_width():
    from nets import run
    from physics.observables import Recording
    cfg = default_config(protocol="jamming", data="random", d=4, P=40, P_test=10, widths=[3, 6],
                         depth=2, bias=True, init="orthogonal", max_steps=100, min_lr=1e-2,
                         decay_steps=1e3, samples=2, seed=0, device="cpu", hessian_at_end=True,
                         hessian_full_max=60)
    validate(cfg)
    sink = Recording()
    run(cfg, sink)
    N = list(np.asarray(sink["dnn/N"]))                     # widths 3 and 6: 31 and 73 weights
    assert N[0] <= 60 < N[1]
    for k in SPLIT_SPECTRA:
        a = np.asarray(sink[f"dnn/{k}"])
        assert a.shape == (2, 2, N[0])
        assert np.isfinite(a[:, 0]).all() and np.isnan(a[:, 1]).all()   # above hessian_full_max: none
    rank, cons, err = (np.asarray(sink[f"dnn/{k}"]) for k in SPLIT_COUNTS)
    # at most one rank per constraint, and none along the L h ReLU rescalings
    assert (err[:, 0] < 1e-10).all() and (rank[:, 0] <= np.minimum(cons[:, 0], N[0] - 2 * 3)).all()
    live = np.asarray(sink["dnn/N_delta_final"]) - np.asarray(sink["dnn/N_dead_final"])
    assert (cons[:, 0] >= live[:, 0]).all()                 # Delta > 0 counts at least Delta > delta_tol
    ev0 = np.asarray(sink["dnn/jam_hessian0_eigs"])[:, 0]
    assert (ev0.min(1) > -1e-10 * ev0.max(1)).all()
    # the trace splits too: tr H = tr H0 + tr Hp
    tr = [np.asarray(sink[f"dnn/{k}"])[:, 0].sum(1) for k in SPLIT_SPECTRA]
    assert np.allclose(tr[0], tr[1] + tr[2], rtol=1e-8, atol=1e-12)


def test_jamming_with_the_split_resumes_bit_for_bit(tmp_path):
    # interrupted during the second width: the first width's spectra come back from the checkpoint
    from compare.records import execute, load_checkpoint, run_path
    from nets import run
    from test_resume import StopAt, assert_same_records
    torch.set_num_threads(1)
    cfg = default_config(protocol="jamming", widths=[2, 3], P=30, d=4, max_steps=60, samples=2,
                         bias=True, device="cpu", hessian_at_end=True)
    ref = execute("dnn", cfg, run, out=tmp_path / "ref")
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        execute("dnn", cfg, run, out=out, progress=StopAt(90), flush_every=0)
    assert load_checkpoint(run_path(out, "dnn", cfg))[0] == 0
    prog = StopAt(10 ** 9)
    resumed = execute("dnn", cfg, run, out=out, progress=prog)
    assert prog.first > 60, "the finished width is not run again"
    assert_same_records(ref, resumed)
    ev, N = np.asarray(resumed["dnn/jam_hessian0_eigs"]), np.asarray(resumed["dnn/N"])
    for j, n in enumerate(N):            # each width's N eigenvalues, NaN-padded to the widest
        assert np.isfinite(ev[:, j, :n]).all() and np.isnan(ev[:, j, n:]).all()


class FakeRun(dict):
    config = {"hessian_at_end": True, "hessian_full_max": 1500}


def test_report_claims_read_rank_and_hp_reach_from_the_record():
    from compare.reports.geiger_2019.hessian import hessian_claims, spectral_numbers, split_at
    from physics import analysis as A
    S, N, r = 3, 40, 12                               # H0: r modes at 1..r, N - r zeros; Hp: +-0.01
    e0 = np.concatenate([np.zeros(N - r), np.arange(1.0, r + 1)])
    ep = np.linspace(-0.01, 0.01, N)
    run = FakeRun({"dnn/N": np.array([N]), "dnn/jam_hessian_eigs": np.tile(np.sort(e0 + ep), (S, 1, 1)),
                   "dnn/jam_hessian0_eigs": np.tile(e0, (S, 1, 1)), "dnn/jam_hessianp_eigs": np.tile(ep, (S, 1, 1)),
                   "dnn/jam_hessian0_rank": np.full((S, 1), float(r)),
                   "dnn/jam_hessian0_constraints": np.full((S, 1), float(r)),
                   "dnn/jam_hessian_split_error": np.zeros((S, 1))})
    curve = {"runs": [run], "near": 0, "ratio": np.full((S, 1), r / N), "x": np.array([0.4]), "L": 1, "h": 5,
             "N": N, "n_star": A.Estimate(0.5)}
    s = split_at(curve)
    n = spectral_numbers(s)
    assert np.allclose(n["gap0"], 1.0) and np.allclose(n["reach"], 0.01 / r) and np.allclose(n["edges"], 1.0)
    one, two = hessian_claims(curve)
    assert one.id == "hessian_h0_rank" and np.isclose(one.measured, r / N)
    assert two.id == "hessian_h0_dominates" and np.isclose(two.measured, 0.01 / r) and two.verdict == "reproduced"
    bare = {k: v for k, v in run.items() if "eigs" not in k}          # above hessian_full_max: no spectra
    one, two = hessian_claims(dict(curve, runs=[FakeRun(bare)]))
    assert one.measured is None and two.measured is None and "hessian_full_max = 1500" in one.note
