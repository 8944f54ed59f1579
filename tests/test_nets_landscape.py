"""The landscape of one data set (topology trivialisation, Kerr Winter & Janssen 2024,
docs/science.md section 7): shared_data gives every sample the same data and its own
initialisation; the jamming sweep records the distances between the samples' minima and their
energy; a large l2 leaves the single minimum w = 0 (loss 1/2, every Delta = 1). And the key is
late: configs that do not use it keep their JSON and hash, hence their records."""
import numpy as np
import pytest
import torch
from click.testing import CliRunner

from compare.records import config_hash, load_run
from nets import SCHEMA, default_config, run, validate
from nets.config import setting
from nets.setup import load_data, sample_seeds
from physics.observables import Recording

torch.set_num_threads(1)   # a shared 2-core machine

# default_config() before shared_data existed (taken from the code before the change)
OLD_LANGEVIN = {
    "protocol": "langevin", "data": "random", "data_dir": "data", "P": 1000, "P_test": 500, "d": 10,
    "teacher_width": 8, "model": "fc", "width": 50, "depth": 2, "activation": "relu", "bias": False,
    "init": "default", "loss": "hinge", "l2": 0.0, "delta_tol": 1e-06, "dynamics": "langevin",
    "T": 1e-06, "lr": 0.2, "tmax": 1000.0, "tw": None, "per_decade": 20, "batch": 32,
    "momentum": 0.5, "h": 1e-05, "q_factor": 10.0, "hessian_k": 20, "hessian_full_max": 1500,
    "widths": [2, 4, 8, 16, 32], "minimiser": "adam", "min_lr": 0.001, "decay_steps": 10000.0,
    "max_steps": 20000, "samples": 1, "first_sample": 0, "seed": 0, "device": "auto",
    "precision": "float32"}
OLD_JAMMING = dict(OLD_LANGEVIN, protocol="jamming", P=500, precision="float64")
OLD_HASHES = {"langevin": "de280a7bbf89", "jamming": "30e7816128a6"}

CPU = torch.device("cpu")


def jam(**kw):
    """A tiny jamming sweep on one digits data set (about a second)."""
    base = dict(protocol="jamming", data="digits", P=30, P_test=20, d=6, depth=3, widths=[6],
                samples=4, shared_data=True, max_steps=1000, min_lr=3e-2, decay_steps=200.0,
                device="cpu")
    base.update(kw)
    rec = Recording()
    return rec, run(default_config(**base), rec)


# ----------------------------------------------------------------------------- hashes unchanged

@pytest.mark.parametrize("protocol,old", [("langevin", OLD_LANGEVIN), ("jamming", OLD_JAMMING)])
def test_configs_without_shared_data_keep_their_json_and_hash(protocol, old):
    for cfg in (default_config(protocol=protocol), default_config(protocol=protocol, shared_data=False)):
        assert cfg == old and list(cfg) == list(old) == SCHEMA.keys
        assert config_hash("dnn", cfg) == OLD_HASHES[protocol]
        assert setting(cfg, "shared_data") is False
        validate(cfg)                                   # an old record's config still validates
    new = default_config(protocol=protocol, shared_data=True)
    assert new["shared_data"] is True and config_hash("dnn", new) != OLD_HASHES[protocol]
    assert "shared_data" in SCHEMA and SCHEMA["shared_data"].option == "--shared-data"


def test_unshared_data_is_each_samples_own_draw_as_before():
    from nets.data import make_data
    cfg = default_config(data="random", P=20, P_test=10, d=4, samples=3, precision="float64")
    seeds = sample_seeds(0, 0, 3)
    X, Y, Xt, Yt = load_data(cfg, seeds, CPU, torch.float64)
    ref = make_data(cfg, [s["data"] for s in seeds], CPU, torch.float64)
    for a, b in zip((X, Y, Xt, Yt), ref):
        assert torch.equal(a, b)
    assert not torch.equal(X[0], X[1])


# ----------------------------------------------------------------------------- (a) one data set

@pytest.mark.parametrize("data", ["random", "digits"])
def test_shared_data_is_one_set_for_all_samples(data):
    cfg = default_config(data=data, P=20, P_test=10, d=4, samples=3, shared_data=True,
                         precision="float64")
    X, Y, Xt, Yt = load_data(cfg, sample_seeds(0, 0, 3), CPU, torch.float64)
    for a in (X, Y, Xt, Yt):
        assert a.shape[0] == 3 and all(torch.equal(a[0], a[k]) for k in (1, 2))
    # the draw of sample 0 without sharing, whatever first_sample and samples are
    own = load_data(dict(cfg, shared_data=False, samples=1), sample_seeds(0, 0, 1), CPU, torch.float64)
    later = load_data(dict(cfg, first_sample=5, samples=2), sample_seeds(0, 5, 2), CPU, torch.float64)
    for a, b, c in zip((X, Y, Xt, Yt), own, later):
        assert torch.equal(a[0], b[0]) and torch.equal(a[0], c[1])
    other = load_data(dict(cfg, seed=1), sample_seeds(1, 0, 3), CPU, torch.float64)
    assert not torch.equal(X[0], other[0][0])


def test_shared_data_keeps_each_samples_init_and_noise():
    tiny = dict(P=20, P_test=10, d=4, width=6, depth=2, lr=0.1, tmax=5.0, T=1e-3, h=0.0,
                tw=[1.0], per_decade=5, hessian_k=0, samples=2, precision="float64", device="cpu")
    shared, own = Recording(), Recording()
    run(default_config(shared_data=True, **tiny), shared)
    run(default_config(**tiny), own)
    # sample 0 sees the same data, init and noise either way; sample 1 has other data
    np.testing.assert_allclose(shared["energy"][0], own["energy"][0], rtol=1e-12)
    assert not np.allclose(shared["energy"][1], own["energy"][1])
    assert not np.allclose(shared["energy"][0], shared["energy"][1])     # own init and noise
    _, s = jam(max_steps=1)
    assert s["minima_distance"][0] > 1.0                                 # different inits


# ----------------------------------------------------------------------------- (b) the minima

def test_large_l2_leaves_one_minimum_at_zero():
    rec, s = jam(l2=0.2)
    D = rec["dnn/minima_distances"]
    assert D.shape == (4, 1, 4) and np.allclose(D, D.transpose(2, 1, 0))
    assert D.max() < 1e-3
    np.testing.assert_allclose(rec["dnn/loss_final"], 0.5, atol=1e-6)
    np.testing.assert_allclose(rec["dnn/energy_final"], 0.5, atol=1e-6)
    np.testing.assert_allclose(rec["dnn/margins"], 1.0, atol=1e-4)      # every Delta = 1
    assert np.all(rec["dnn/steps"] < 1000)           # stopped once stationary (grad < grad_tol)


def test_without_l2_the_minima_differ():
    rec, s = jam(l2=0.0)
    D = rec["dnn/minima_distances"][:, 0, :]
    off = D[~np.eye(4, dtype=bool)]
    assert np.all(np.diag(D) == 0) and off.min() > 1.0
    assert np.all(rec["dnn/loss_final"] < 0.5)
    np.testing.assert_array_equal(rec["dnn/energy_final"], rec["dnn/loss_final"])
    assert s["minima_distance"][0] == pytest.approx(off.mean())


def test_energy_final_holds_the_l2_term():
    rec, _ = jam(l2=0.01, max_steps=300)
    loss, energy = rec["dnn/loss_final"], rec["dnn/energy_final"]
    assert np.all(energy > loss) and np.all(energy - loss < 0.5)


# ----------------------------------------------------------------------------- command and findings

def test_cli_jamming_shared_data_and_l2(tmp_path):
    from commands.dnn import command
    from compare.findings import findings
    res = CliRunner().invoke(command, ["jamming", "--data", "digits", "--P", "30", "--d", "6",
                                       "--depth", "3", "--widths", "6", "--samples", "3",
                                       "--shared-data", "--l2", "0.2", "--lr", "0.03",
                                       "--decay-steps", "200", "--max-steps", "300",
                                       "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    rec = load_run(next(tmp_path.glob("dnn-*.h5")))
    assert rec.config["shared_data"] is True and rec.config["l2"] == 0.2
    assert rec["dnn/minima_distances"].shape == (3, 1, 3)
    found = {f.key: f for f in findings(rec)}
    assert found["minima_distance"].value < 1e-3
    assert found["energy_final"].value == pytest.approx(0.5, abs=1e-6)
