"""The run record: round trip, config hash cache, atomic write, interruption keeps the data."""
import h5py
import numpy as np
import pytest

from compare.records import RunWriter, cached_run, config_hash, execute, load_run, run_path
from physics.config import ConfigError
from physics.observables import Recorder, Schedule


def fake_run(config, sink, progress=None, stop_at=None):
    sch = Schedule(dt=1.0, t_max=config["tmax"], tw=[2.0])
    sink.begin(sch.t, sch.tw, samples=config["samples"])
    rng = np.random.default_rng(config["seed"])
    rec = Recorder(sch, sink)
    x = rng.normal(size=(config["samples"], 10))
    for k, s in enumerate(sch.steps):
        if stop_at is not None and k == stop_at:
            raise KeyboardInterrupt
        x = x + 0.1
        rec.observe(s, x, np.zeros(config["samples"]))
    sink.put("pspin/mu", np.arange(3.0))


def test_round_trip_and_cache(tmp_path):
    cfg = {"tmax": 20.0, "samples": 3, "seed": 1}
    run = execute("pspin", cfg, fake_run, out=tmp_path)
    assert run.status == "complete" and run.system == "pspin" and run.config == cfg
    assert run.path == run_path(tmp_path, "pspin", cfg)
    assert run.path.name == f"pspin-{config_hash('pspin', cfg)}.h5"
    assert run["C"].shape[0] == 3 and run.mean("C").shape == run["C"].shape[1:]
    np.testing.assert_array_equal(run["pspin/mu"], np.arange(3.0))
    assert np.all(run.sem("energy") == 0)
    assert cached_run(tmp_path, "pspin", cfg) is not None
    assert cached_run(tmp_path, "pspin", dict(cfg, seed=2)) is None
    with h5py.File(run.path) as f:
        assert set(f.attrs) >= {"system", "config", "version", "status", "created", "elapsed_s"}


def test_interrupted_run_keeps_measurements(tmp_path):
    cfg = {"tmax": 20.0, "samples": 1, "seed": 0}
    with pytest.raises(KeyboardInterrupt):
        with RunWriter(tmp_path, "pspin", cfg) as rec:
            fake_run(cfg, rec, stop_at=8)
    run = load_run(run_path(tmp_path, "pspin", cfg))
    assert run.status == "interrupted"
    assert np.isfinite(run["energy"][0, :8]).all() and np.isnan(run["energy"][0, 8:]).all()
    assert not list(tmp_path.glob(".*.tmp"))
    assert cached_run(tmp_path, "pspin", cfg) is None  # an interrupted record is not a cache hit


def test_config_error_writes_nothing(tmp_path):
    def bad(config, sink, progress=None):
        raise ConfigError("N", "must be >= p")
    with pytest.raises(ConfigError):
        execute("pspin", {"N": 1}, bad, out=tmp_path)
    assert not list(tmp_path.iterdir())


def test_force_rerun_interrupted_keeps_the_complete_record(tmp_path):
    """--force on a complete record, then Ctrl-C: the complete record is untouched and the
    interrupted rerun lies beside it, clearly named; a completed rerun replaces it."""
    cfg = {"tmax": 20.0, "samples": 2, "seed": 1}
    first = execute("pspin", cfg, fake_run, out=tmp_path)
    before = first.path.read_bytes()
    with pytest.raises(KeyboardInterrupt):
        execute("pspin", cfg, lambda c, s, progress=None: fake_run(c, s, stop_at=5), out=tmp_path, force=True)
    assert first.path.read_bytes() == before and load_run(first.path).status == "complete"
    side = first.path.with_name(first.path.stem + ".rerun.h5")
    assert load_run(side).status == "interrupted"
    again = execute("pspin", cfg, fake_run, out=tmp_path, force=True)
    assert again.path == first.path and again.status == "complete"


@pytest.mark.parametrize("content", ["empty", "foreign", "no_attrs", "complete_no_data"])
def test_broken_file_at_the_record_name_is_set_aside(tmp_path, content, capsys):
    from compare.records import RecordError, find_runs
    cfg = {"tmax": 20.0, "samples": 1, "seed": 2}
    p = run_path(tmp_path, "pspin", cfg)
    p.parent.mkdir(parents=True, exist_ok=True)
    if content == "empty":
        p.write_bytes(b"")
    elif content == "foreign":
        p.write_text("not hdf5 at all")
    else:
        with h5py.File(p, "w") as f:
            if content == "complete_no_data":
                f.attrs.update(system="pspin", config="{}", status="complete")
            f.create_dataset("x", data=np.arange(3))
    with pytest.raises(RecordError, match=p.name):
        load_run(p)
    skipped = []
    assert find_runs(tmp_path, skipped=skipped) == [] and skipped and skipped[0][0] == p
    run = execute("pspin", cfg, fake_run, out=tmp_path)
    assert run.status == "complete"
    assert list(tmp_path.glob(p.name + ".corrupt-*")), "the broken file is kept aside"
    assert "moved aside" in capsys.readouterr().err
