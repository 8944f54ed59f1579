"""Sweeps (compare/sweeps, `python cli.py sweep`): the grid and its validation, the Dask engine
(a failing point, a killed worker, Ctrl-C and resume) and the Dataset against the single records."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli import main
from compare.records import find_runs, load_run, run_path
from compare.sweeps import SpecError, SweepRefused, build_spec, load_sweep, parse_spec, sweep
from compare.sweeps import engine
from physics import pspin

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["N=32", "tmax=5", "dt=0.05"]


# ----------------------------------------------------------------------------- the grid

def test_grid_is_the_product_in_the_order_given():
    spec = parse_spec("pspin", None, SMALL, ["T=0.4,0.8", "seed=0,1,2"])
    points = spec.points()
    assert spec.dims == ("T", "seed") and spec.shape == (2, 3)
    assert [p.coords for p in points][:4] == [{"T": 0.4, "seed": 0}, {"T": 0.4, "seed": 1},
                                              {"T": 0.4, "seed": 2}, {"T": 0.8, "seed": 0}]
    assert points[4].config == pspin.default_config(N=32, tmax=5.0, dt=0.05, T=0.8, seed=1)
    assert len({p.config["T"] for p in points}) == 2


def test_list_valued_keys_take_semicolons_and_spec_files_mean_the_same(tmp_path):
    cli = parse_spec("spheres", "age", ["N=16", "tmax=10"], ["tw=1,2;3", "T=1e-4,1e-3"])
    assert cli.over[0] == ("tw", ([1.0, 2.0], [3.0]))
    toml = tmp_path / "s.toml"
    toml.write_text('system = "spheres"\nprotocol = "age"\n[set]\nN = 16\ntmax = 10\n'
                    '[over]\ntw = [[1, 2], [3]]\nT = [1e-4, 1e-3]\n')
    yaml = tmp_path / "s.yaml"
    yaml.write_text("system: spheres\nprotocol: age\nset: {N: 16, tmax: 10}\n"
                    "over:\n  tw: [[1, 2], [3]]\n  T: [1.0e-4, 1.0e-3]\n")
    assert parse_spec(None, None, spec_file=toml).hash == cli.hash
    assert parse_spec(None, None, spec_file=yaml).hash == cli.hash
    # the command line adds to the file and overrides its --set
    assert parse_spec(None, None, ["N=32"], spec_file=toml).set["N"] == 32


@pytest.mark.parametrize("sets, overs, option, words", [
    (["N=2"], ["T=1"], "--set N", "got 2"),
    ([], ["Q=1,2"], "--over Q", "not a parameter of pspin"),
    ([], ["T=0.4,abc"], "--over T", "got 'abc'"),
    ([], ["T=0.4,0.4"], "--over T", "twice"),
    (["T=0.5"], ["T=0.4"], "--over T", "both set and swept"),
    ([], ["T=0.4", "T=0.5"], "--over T", "swept twice"),
    (["tmax=5"], ["tw=1;2,10"], "--over tw", "at the point tw=2,10"),
    (["N"], [], "--set", "KEY=VALUE"),
    ([], ["protocol=jam"], "--over protocol", "argument after SYSTEM"),
])
def test_a_wrong_key_or_value_names_the_option_and_the_point(sets, overs, option, words):
    with pytest.raises(SpecError) as e:
        parse_spec("pspin", None, sets, overs).points()
    assert e.value.option == option and words in e.value.message, e.value


def test_wrong_system_protocol_and_spec_files(tmp_path):
    for args, option in [(("nope", None), "SYSTEM"), (("pspin", "age"), "PROTOCOL"),
                         (("spheres", "walk"), "PROTOCOL"), ((None, None), "SYSTEM")]:
        with pytest.raises(SpecError) as e:
            parse_spec(*args, [], ["T=1"])
        assert e.value.option == option
    bad = {"a.toml": "system = [", "b.txt": "system = 'pspin'", "c.yaml": "- 1\n- 2\n",
           "d.toml": 'system = "pspin"\nsweep = 1\n', "e.toml": 'system = "pspin"\nover = 3\n'}
    for name, text in bad.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(SpecError) as e:
            parse_spec(None, None, spec_file=tmp_path / name)
        assert e.value.option == "--spec"
    with pytest.raises(SpecError):
        parse_spec(None, None, spec_file=tmp_path / "missing.toml")


def test_bad_input_on_the_command_line_exits_2_and_starts_nothing(tmp_path):
    out = tmp_path / "never"
    for args in (["pspin", "--over", "T=0.4,x"], ["pspin", "--set", "N=64", "--over", "beta=1"],
                 ["nope", "--over", "T=1"], ["pspin", "--over", "T=1", "--workers", "0"],
                 ["pspin", "--over", "T=1", "--threads-per-worker", "4096"],
                 ["pspin", "--set", "N=1000000", "--over", "T=1"]):
        r = CliRunner().invoke(main, ["sweep", *args, "--out", str(out)])
        assert r.exit_code == 2, (args, r.output)
        assert "Error:" in r.output and "Traceback" not in r.output
        assert not out.exists()


def test_workers_times_threads_never_exceed_the_cores(monkeypatch):
    monkeypatch.setattr(engine, "cores", lambda: 4)
    assert engine.plan_workers(None, 1, 100) == 4
    assert engine.plan_workers(None, 2, 100) == 2
    assert engine.plan_workers(None, 1, 3) == 3          # never more workers than points
    with pytest.raises(SweepRefused, match="6 threads on 4 cores"):
        engine.plan_workers(3, 2, 10)
    with pytest.raises(SweepRefused):
        engine.plan_workers(None, 8, 10)


def test_a_point_too_big_for_a_worker_is_refused_before_anything_runs():
    spec = parse_spec("pspin", None, ["N=300"], ["T=0.4,0.8"])
    points = spec.points()
    need = spec.schema.memory(points[0].config)[0]
    jobs = engine.jobs_of(spec, points)
    engine.check_fits(jobs, 2 * need)
    with pytest.raises(SweepRefused, match="the point T=0.4 needs .* fewer --workers"):
        engine.check_fits(jobs, need)


def test_the_slurm_recipe_builds_a_job_script(tmp_path, monkeypatch):
    pytest.importorskip("dask_jobqueue")
    monkeypatch.chdir(tmp_path)                     # its log folder
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        from sweep_on_slurm import make_cluster
    finally:
        sys.path.remove(str(ROOT / "examples"))
    cluster = make_cluster(cores=8, memory="32GB", account="myproject", queue="normal")
    script = cluster.job_script()
    cluster.close()
    assert "#SBATCH -A myproject" in script and "#SBATCH --cpus-per-task=8" in script
    assert "distributed.cli.dask_worker" in script and "--nworkers 8" in script
    assert "--nthreads 1" in script and "NUMBA_NUM_THREADS=1" in script


# ----------------------------------------------------------------------------- running

@pytest.fixture
def in_process(monkeypatch):
    """A LocalCluster of threads in this process (monkeypatches reach the points)."""
    from distributed import Client, LocalCluster

    def start(workers, threads, scheduler):
        cluster = LocalCluster(n_workers=1, threads_per_worker=workers, processes=False,
                               dashboard_address=None)
        return Client(cluster), cluster
    monkeypatch.setattr(engine, "start_client", start)


def test_a_failing_point_is_reported_and_the_others_finish(tmp_path, in_process, monkeypatch):
    real = pspin.run

    def run(config, sink, progress=None):
        if config["T"] == 0.8:
            raise RuntimeError("first line\nthe last line of the error")
        return real(config, sink, progress=progress)
    monkeypatch.setattr(pspin, "run", run)
    spec = parse_spec("pspin", None, SMALL, ["T=0.4,0.8,1.2"])
    lines = []
    result = sweep(spec, tmp_path, workers=2, echo=lines.append)
    assert result.outcome.status == ["ran", "failed", "ran"]
    assert any("failed: T=0.8: " in ln and "the last line of the error" in ln for ln in lines)
    ds = load_sweep(result.path)
    assert ds.attrs["points_missing"] == 1 and ds["status"].values.tolist() == ["complete", "missing", "complete"]
    assert np.isnan(ds["energy"].sel(T=0.8)).all() and np.isfinite(ds["energy"].sel(T=0.4)).any()


def _sweep_cli(out, *args):
    return [sys.executable, str(ROOT / "cli.py"), "sweep", "pspin", *args, "--out", str(out)]


def test_the_done_when_sweep_writes_four_records_and_one_dataset_then_reruns_in_seconds(tmp_path):
    import xarray as xr
    cmd = _sweep_cli(tmp_path, "--set", "N=64", "--set", "tmax=5", "--over", "T=0.4,0.8",
                     "--over", "seed=0,1", "--workers", "2")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    runs = find_runs(tmp_path, "pspin")
    assert len(runs) == 4 and all(x.status == "complete" for x in runs)
    [nc] = tmp_path.glob("sweep-*.nc")
    with xr.open_dataset(nc, engine="h5netcdf") as ds:
        assert dict(ds.sizes)["T"] == 2 and dict(ds.sizes)["seed"] == 2
        assert list(ds.dims)[:2] == ["T", "seed"]
        for x in runs:
            sel = ds.sel(T=x.config["T"], seed=x.config["seed"])
            np.testing.assert_array_equal(sel["energy"].values, x["energy"])
            np.testing.assert_array_equal(sel["C"].values, x["C"])
            np.testing.assert_array_equal(sel["t"].values, x["t"])
            assert str(sel["record"].values) == str(x.path)
        assert json.loads(ds.attrs["sweep"])["over"] == [["T", [0.4, 0.8]], ["seed", [0, 1]]]
        assert "finding.e_final" in ds and ds["finding.e_final"].dims == ("T", "seed")
    stamps = {x.path: x.path.stat().st_mtime_ns for x in runs}
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0 and "4 reused, 0 run" in r.stdout, r.stdout + r.stderr
    assert time.time() - t0 < 30
    assert stamps == {x.path: x.path.stat().st_mtime_ns for x in find_runs(tmp_path, "pspin")}


def _workers_of(pid):
    import psutil
    return [c for c in psutil.Process(pid).children(recursive=True)
            if "multiprocessing.spawn" in " ".join(c.cmdline()) or "spawn_main" in " ".join(c.cmdline())]


def _wait_for(cond, timeout=120.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if cond():
            return True
        time.sleep(0.2)
    return False


LONG = ["--set", "N=200", "--set", "tmax=150", "--set", "dt=0.05", "--over", "seed=0,1"]


def test_a_killed_worker_has_its_point_run_again_and_nothing_is_lost(tmp_path):
    proc = subprocess.Popen(_sweep_cli(tmp_path, *LONG, "--workers", "2"), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait_for(lambda: len(list(tmp_path.glob("pspin-*.h5"))) >= 1 and len(_workers_of(proc.pid)) >= 2)
        _workers_of(proc.pid)[0].kill()
        out, _ = proc.communicate(timeout=400)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    runs = find_runs(tmp_path, "pspin")
    assert len(runs) == 2 and all(x.status == "complete" for x in runs), out
    assert "2 run, 0 failed" in out


def test_ctrl_c_keeps_the_running_points_records_and_the_same_command_continues(tmp_path):
    cmd = _sweep_cli(tmp_path, *LONG, "--workers", "2")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        assert _wait_for(lambda: len(list(tmp_path.glob("pspin-*.h5"))) >= 2)
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGINT)          # as a terminal's Ctrl-C: the whole group
        out, _ = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, out
    assert "Traceback" not in out
    runs = find_runs(tmp_path, "pspin", complete_only=False)
    assert len(runs) == 2 and {x.status for x in runs} == {"interrupted"}, out
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=400, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert all(x.status == "complete" for x in find_runs(tmp_path, "pspin"))
    assert "0 reused, 2 run" in r.stdout


def test_an_existing_scheduler_runs_the_points_and_a_swept_tw_gets_its_own_dimension(tmp_path):
    from distributed import LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        spec = parse_spec("spheres", "age", ["N=16", "tmax=5"], ["tw=0.1,1;0.5"])
        result = sweep(spec, tmp_path, scheduler=cluster.scheduler_address, echo=lambda *_: None)
    assert result.outcome.status == ["ran", "ran"] and result.missing == 0
    ds = load_sweep(result.path)
    assert ds["sweep.tw"].values.tolist() == ["0.1,1", "0.5"]
    assert ds["tw"].values.tolist() == [0.1, 0.5, 1.0]          # the records' tw, aligned
    first = load_run(run_path(tmp_path, "spheres", result.points[0].config))
    c = ds["C"].isel({"sweep.tw": 0}).sel(tw=[0.1, 1.0], t=first["t"]).values   # t: the union of grids
    np.testing.assert_array_equal(c, first["C"])
    assert np.isnan(ds["C"].isel({"sweep.tw": 1}).sel(tw=0.1)).all()
    assert ds["t"].attrs["units"] == "sigma^2 / (mu eps)" and ds["C"].attrs["units"] == "sigma^2"


def test_too_many_threads_are_refused_even_when_every_point_is_done(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "cores", lambda: 1)
    for cmd in (["sweep", "pspin", "--over", "T=1", "--workers", "2"],
                ["reproduce", "kerr-winter-2024", "--scale", "tiny", "--threads-per-worker", "2"]):
        r = CliRunner().invoke(main, cmd + ["--out", str(tmp_path / "out")])
        assert r.exit_code == 2 and "cores" in r.output and "Traceback" not in r.output, r.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.h5"))


def test_a_local_cluster_leaves_this_process_environment_and_numba_as_they_were(tmp_path):
    """CI regression: the nanny wrote NUMBA_NUM_THREADS=1 into the test process, and every Numba
    compile after it (a cold cache) failed once Numba's own threads had been launched. Run in a
    fresh interpreter with an empty Numba cache, so that the compile really happens."""
    script = tmp_path / "env_check.py"
    script.write_text(
        "import os, numpy as np, numba\n"
        "@numba.njit(parallel=True)\n"
        "def total(x):\n"
        "    s = 0.0\n"
        "    for i in numba.prange(x.size):\n"
        "        s += x[i]\n"
        "    return s\n"
        "if __name__ == '__main__':\n"
        "    total(np.ones(8))                      # launches Numba's thread pool\n"
        "    before = dict(os.environ)\n"
        "    from compare.sweeps.engine import start_client\n"
        "    client, cluster = start_client(1, 1, None)\n"
        "    during = dict(os.environ)\n"
        "    client.close(); cluster.close()\n"
        "    assert during == before, set(during.items()) ^ set(before.items())\n"
        "    @numba.njit\n"
        "    def plus_one(x):\n"
        "        return x + 1\n"
        "    assert plus_one(1) == 2                # a compile after the cluster\n"
        "    print('ok')\n")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr[-2000:]
