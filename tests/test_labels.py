"""Labelled records (compare.labels): every system's record opens in xarray (engine h5netcdf) with
dims sample, tw, t, coordinates and units, holding what load_run holds; Run.to_xarray gives the
same; records without scales (written before) still load and convert; load_run's names are the
writer's."""
import json

import h5py
import numpy as np
import pytest
import xarray as xr

from compare.labels import SAMPLE, dims_of, flat, record_dims, units_of
from compare.records import RunWriter, load_run
from compare.registry import system

KINDS = {   # (system, config overrides): small runs, seconds in all
    "pspin": ("pspin", dict(N=32, tmax=5.0, samples=2, tw=[0.5, 1.0])),       # S == nw
    "ck": ("ck", dict(tmax=5.0, n_grid=64)),
    "spheres-jam": ("spheres", dict(protocol="jam", N=16)),
    "spheres-age": ("spheres", dict(protocol="age", N=16, tmax=5.0)),
    "dnn": ("dnn", dict(width=4, P=20, d=5, tmax=5.0, samples=2, hessian_k=3, device="cpu")),
    "dnn-jamming": ("dnn", dict(protocol="jamming", P=20, d=5, widths=[2, 4], max_steps=200,
                                samples=2, device="cpu")),                      # S == widths
}


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """{kind: (path, the data the writer held)} for one small run of each kind."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("labels")
    made = {}
    try:
        for kind, (name, kw) in KINDS.items():
            entry = system(name)
            config = entry.default_config(**kw)
            with RunWriter(out, name, config) as rec:
                entry.run(config, rec)
            made[kind] = (rec.path, dict(rec.data))
    finally:
        torch.set_num_threads(threads)
    return made


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def groups_of(path):
    with h5py.File(path, "r") as f:
        return [k for k in f if isinstance(f[k], h5py.Group)]


@pytest.mark.parametrize("kind", KINDS)
def test_load_run_names_are_the_writers(records, kind):
    path, written = records[kind]
    run = load_run(path)
    assert sorted(run.data) == sorted(written) and SAMPLE not in run.data
    for name, value in written.items():
        assert same(run[name], value), name


@pytest.mark.parametrize("kind", KINDS)
def test_record_opens_labelled_in_xarray(records, kind):
    path, _ = records[kind]
    run = load_run(path)
    S, nw, nt = run.config["samples"], len(run["tw"]), len(run["t"])
    shapes = {name: np.shape(v) for name, v in run.data.items()}
    dims = record_dims(dict(shapes, sample=(S,)), S, nw, nt)
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        bins = {"vanhove_u": len(run["vanhove_u"])} if "vanhove_u" in run else {}   # its own axis
        assert dict(ds.sizes) == {"sample": S, "tw": nw, "t": nt, **bins}
        assert same(ds["sample"], np.arange(S)) and same(ds["t"], run["t"]) and same(ds["tw"], run["tw"])
        assert {"sample", "tw", "t"} <= set(ds.coords)
        for c in ("t", "tw"):
            assert ds[c].attrs["units"] == units_of(run.system, run.config, c)
        root = [n for n in run.data if "/" not in n]
        assert set(ds.variables) == set(root) | {SAMPLE}
        for name in root:
            assert ds[name].dims == dims[name] and same(ds[name], run[name]), name
            assert ds[name].attrs.get("units") == units_of(run.system, run.config, name), name
        assert ds.attrs["system"] == run.system and json.loads(ds.attrs["config"]) == run.config
    for group in groups_of(path):
        with xr.open_dataset(path, engine="h5netcdf", group=group) as g:
            assert not [d for d in g.dims if str(d).startswith("phony_dim")]
            inside = [n for n in run.data if n.startswith(group + "/")]
            assert set(g.variables) == {n.split("/", 1)[1] for n in inside}
            for name in inside:
                v = g[name.split("/", 1)[1]]
                assert v.dims == tuple(d.rsplit(".", 1)[-1] for d in dims[name]), name
                assert same(v, run[name]), name
                assert v.attrs.get("units") == units_of(run.system, run.config, name), name


@pytest.mark.parametrize("kind", KINDS)
def test_to_xarray_equals_the_record(records, kind):
    path, _ = records[kind]
    run = load_run(path)
    ds = run.to_xarray()
    S = run.config["samples"]
    assert ds.sizes["sample"] == S and same(ds["sample"], np.arange(S))
    assert {"sample", "tw", "t"} <= set(ds.coords) and ds.sizes["t"] == len(run["t"])
    assert set(ds.variables) == {flat(n) for n in run.data} | {SAMPLE}
    for name, value in run.data.items():
        v = ds[flat(name)]
        assert v.dims == dims_of(name, np.shape(value), S, len(run["tw"]), len(run["t"])), name
        assert same(v, value), name
        assert units_of(run.system, run.config, name) is not None, f"{name}: no unit"
        assert v.attrs["units"] == units_of(run.system, run.config, name)
    assert ds.attrs["system"] == run.system and ds.attrs["status"] == "complete"
    assert json.loads(ds.attrs["config"]) == run.config and ds.attrs["record"] == str(path)
    assert {"version", "elapsed_s"} <= set(ds.attrs)
    with xr.open_dataset(path, engine="h5netcdf") as disk:      # the file's view is the same
        for name in disk.variables:
            assert disk[name].dims == ds[name].dims and same(disk[name], ds[name])


def test_an_old_record_without_scales_loads_and_converts(tmp_path):
    path = tmp_path / "pspin-000000000000.h5"
    S, t, tw = 3, np.arange(1.0, 6.0), np.array([1.0, 2.0])
    C = np.random.default_rng(0).normal(size=(S, 2, 5))
    with h5py.File(path, "w") as f:
        f.attrs.update(system="pspin", config=json.dumps({"samples": S, "N": 10}), status="complete",
                       version="0.1.0", created="2026-01-01T00:00:00+00:00", elapsed_s=1.0)
        f["t"], f["tw"], f["C"] = t, tw, C
        f["energy"], f["pspin/mu"] = np.zeros((S, 5)), np.ones((S, 5))
    run = load_run(path)
    assert sorted(run.data) == ["C", "energy", "pspin/mu", "t", "tw"]
    ds = run.to_xarray()
    assert dict(ds.sizes) == {"sample": S, "tw": 2, "t": 5}
    assert ds["C"].dims == ("sample", "tw", "t") and same(ds["C"], C)
    assert ds["pspin.mu"].dims == ("sample", "t") and ds["t"].attrs["units"] == units_of("pspin", {}, "t")
    with xr.open_dataset(path, engine="h5netcdf", phony_dims="access") as disk:   # unlabelled
        assert same(disk["C"], C)


def test_an_interrupted_record_is_labelled_and_loads_as_before(tmp_path):
    config = {"samples": 2, "seed": 0}
    with pytest.raises(KeyboardInterrupt):
        with RunWriter(tmp_path, "spheres", config) as rec:
            rec.begin([1.0, 2.0, 3.0], [1.0], samples=2)
            rec.add(0, {"energy": [1.0, 2.0], "msd": [[0.5], [0.7]]})
            rec.put("spheres/gaps", np.arange(4.0))
            rec.checkpoint(0, lambda: {"x": np.zeros(3)})
            raise KeyboardInterrupt
    run = load_run(rec.path)
    assert run.status == "interrupted" and sorted(run.data) == sorted(rec.data)
    with xr.open_dataset(rec.path, engine="h5netcdf") as ds:
        assert ds["msd"].dims == ("sample", "tw", "t") and ds["msd"].attrs["units"] == "sigma^2"
    with xr.open_dataset(rec.path, engine="h5netcdf", group="spheres") as g:
        assert g["gaps"].dims == ("gap",) and same(g["gaps"], np.arange(4.0))


def test_dims_by_name_before_shape():
    assert dims_of("C", (2, 3, 3), 2, 3, 3) == ("sample", "tw", "t")            # nw == nt
    assert dims_of("energy", (3, 3), 3, 3, 3) == ("sample", "t")                # S == nt
    assert dims_of("dnn/margins", (2, 18), 2, 2, 18) == ("sample", "dnn.point")  # P == nt
    assert dims_of("dnn/margins", (2, 2, 20), 2, 2, 18) == ("sample", "dnn.widths", "dnn.point")
    assert dims_of("dnn/N", (), 2, 0, 0) == () and dims_of("dnn/N", (2,), 2, 0, 0) == ("dnn.widths",)
    assert dims_of("spheres/gaps", (1,), 1, 0, 0) == ("spheres.gap",)           # not the sample
    assert dims_of("ck/R", (1, 4, 9), 1, 4, 9) == ("sample", "tw", "t")
    # by shape, for names without a rule: samples first, then tw and t, then axes of their own
    assert dims_of("new/x", (2, 4, 9, 5), 2, 4, 9) == ("sample", "tw", "t", "new.x_dim3")
    assert dims_of("new/y", (2, 9, 5), 2, 4, 9) == ("sample", "t", "new.y_dim2")
    assert dims_of("new/z", (2, 7), 2, 4, 9) == ("sample", "new.z_dim1")
    assert dims_of("new/w", (7,), 2, 4, 9) == ("new.w_dim0",)
    assert dims_of("pspin/mu", (3,), 3, 1, 5) == ("sample",)      # a layout that does not fit
    # a named axis with two lengths in one record falls back to axes of their own
    d = record_dims({"spheres/dphi": (3,), "spheres/pressure": (1, 4)}, 1, 0, 0)
    assert d == {"spheres/dphi": ("spheres.dphi_dim0",),
                 "spheres/pressure": ("sample", "spheres.pressure_dim1")}


def test_units():
    assert units_of("pspin", {}, "C") == "1" and units_of("spheres", {}, "msd") == "sigma^2"
    assert units_of("pspin", {}, "chi") == "1 / J" and units_of("spheres", {}, "chi") == "sigma^2 / eps"
    assert units_of("ck", {}, "t") == units_of("pspin", {}, "tw") and units_of("dnn", {}, "t") == "steps x lr"
    assert units_of("spheres", {}, "t") == "sigma^2 / (mu eps)"
    assert units_of("spheres", {}, "energy") == "eps per particle"
    assert units_of("spheres", {"dim": 3}, "spheres/pressure") == "eps / sigma^3"
    assert units_of("pspin", {}, "sample") is None and units_of("pspin", {}, "no/such") is None
    assert units_of("no_such_system", {}, "C") is None and units_of("no_such_system", {}, "Q") == "1"
    assert units_of("ellipses", {}, "C") == "b^2" and units_of("ellipses", {}, "ellipses/Z") == "1"
