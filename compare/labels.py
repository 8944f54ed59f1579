"""Labels of the run record: which axis of which dataset is what, and in what unit.

The one home of the record's dimension names and units (docs/design.md, section 3.1). The writer
(compare.records.RunWriter) stores them as HDF5 dimension scales and `units` attributes, the
netCDF-4 way, in its last write (complete, or interrupted on leaving), so that
`xarray.open_dataset(record, engine="h5netcdf")` (and any netCDF tool) reads a record labelled;
`run_dataset` builds the same labelled view from any loaded record, old ones (without scales) and
mid-run ones included.

    from compare.labels import dims_of, units_of, run_dataset
    dims_of("C", (4, 5, 81), S=4, nw=5, nt=81)      # ("sample", "tw", "t")
    units_of("spheres", config, "msd")              # "sigma^2"
    run_dataset(load_run(path))                     # xarray.Dataset; also Run.to_xarray()

Dimension names (`dims_of`). Data are stored samples first (physics.observables.Recording).
Names are in the flat namespace of `run_dataset`: a dataset 'system/name' is the variable
'system.name' (netCDF forbids '/'), and a dimension named 'system.x' is the HDF5 dataset
'system/x' (its coordinate when that holds data, else a netCDF dimension without a variable).
The rule, first match wins:

1. `t`, `tw` and `sample` are the coordinates of themselves.
2. By name (NAMED): the layouts of the per-time and system data, tried in order, the first
   whose rank fits and whose sample, tw and t axes have the lengths S, nw and nt. A name rule
   settles what the shape cannot where lengths coincide (nw == nt, S == nt, S == 1 beside a
   global array of one entry).
3. By shape, for names without a rule (a new observable): [S, nw, nt, ...] -> (sample, tw, t, ...)
   (only this for the TWO_TIME names), else [S, nt, ...] -> (sample, t, ...), else
   [S, ...] -> (sample, ...). When nw == nt the two-time reading wins.
4. Every other axis i is `<flat name>_dim<i>`, a dimension of its own.

`record_dims` applies this to a whole record and keeps it consistent: a named axis that would
mean two lengths, or whose HDF5 path holds data of other dimensions, falls back to rule 4.

Units (`units_of`), docs/science.md sections 1-5: one table UNITS of templates filled with the
system's base units (SYSTEM_UNITS) and its config. Time t, tw: the Langevin time with unit
friction (p-spin, CK: J = 1; spheres: sigma^2 / (mu eps); nets: t = steps x lr). energy: per
degree of freedom (H/N, U/N_particles, the training loss). C and msd: the system's length^2 per
coordinate (1 for spins and weights); Q, alpha2 and counts: "1"; chi: length^2 / energy
(1/T units). A name without an entry has no unit (None).
"""
from __future__ import annotations

import json

import h5py
import numpy as np

from physics.observables import TWO_TIME

SAMPLE, TW, T = "sample", "tw", "t"
NOT_A_VARIABLE = "This is a netCDF dimension but not a netCDF variable."
"""The NAME of an HDF5 dimension scale that is a netCDF dimension only (netCDF-4 convention)."""

_PER_TIME = ((SAMPLE, T),)
NAMED: dict[str, tuple[tuple[str, ...], ...]] = {
    "energy": _PER_TIME, "pspin/mu": _PER_TIME, "ck/mu": _PER_TIME,
    "dnn/N_delta": _PER_TIME, "dnn/train_acc": _PER_TIME, "dnn/test_acc": _PER_TIME,
    "ck/R": ((SAMPLE, TW, T),),
    "ck/grid_t": (("ck.grid_t",),),
    "ck/grid_C": (("ck.grid_t", "ck.grid_s"),), "ck/grid_R": (("ck.grid_t", "ck.grid_s"),),
    "spheres/dphi": (("spheres.dphi",),),
    "spheres/energy_dphi": ((SAMPLE, "spheres.dphi"),),
    "spheres/pressure": ((SAMPLE, "spheres.dphi"),), "spheres/Z_excess": ((SAMPLE, "spheres.dphi"),),
    "spheres/gaps": (("spheres.gap",),), "spheres/forces": (("spheres.contact",),),
    "spheres/eigenvalues": ((SAMPLE, "spheres.mode"),),
    "spheres/eigenvalues_series": ((SAMPLE, "spheres.dphi", "spheres.mode"),),
    "spheres/positions": ((SAMPLE, "spheres.particle", "spheres.axis"),),
    "spheres/diameters": ((SAMPLE, "spheres.particle"),),
    "spheres/nonrattler": ((SAMPLE, "spheres.particle"),),
    "dnn/widths": (("dnn.widths",),), "dnn/N": ((), ("dnn.widths",)),
    "dnn/N_delta_final": ((SAMPLE, "dnn.widths"),), "dnn/loss_final": ((SAMPLE, "dnn.widths"),),
    "dnn/N_dead_final": ((SAMPLE, "dnn.widths"),), "dnn/test_error_final": ((SAMPLE, "dnn.widths"),),
    "dnn/ensemble_test_error": (("dnn.widths",),), "dnn/N_delta_steps": (("dnn.minimiser_step",),),
    "dnn/N_live_at": ((SAMPLE, "dnn.widths", "dnn.minimiser_step"),),
    "dnn/steps": ((SAMPLE, "dnn.widths"),), "dnn/energy_final": ((SAMPLE, "dnn.widths"),),
    "dnn/minima_distances": ((SAMPLE, "dnn.widths", "dnn.other_sample"),),
    "dnn/margins": ((SAMPLE, "dnn.point"), (SAMPLE, "dnn.widths", "dnn.point")),
    "dnn/hessian_eigs": ((SAMPLE, "dnn.mode"),),
    "trap/jumps": _PER_TIME,
    "barriers/s_linear": (("barriers.image",),), "barriers/pairs": (("barriers.pair", "barriers.end"),),
    **{f"barriers/{k}": ((SAMPLE, "barriers.pair", "barriers.image"),)
       for k in ("linear_energy", "neb_energy", "neb_s")},
    **{f"barriers/{k}": ((SAMPLE, "barriers.pair"),)
       for k in ("linear_barrier", "neb_barrier", "neb_converged", "neb_iterations", "neb_climbing",
                 "neb_max_force", "neb_max_perp_force", "overlap", "distance")},
    **{f"barriers/{k}": ((SAMPLE, "barriers.minimum"),)
       for k in ("minima_energy", "minima_gradient", "minima_converged", "minima_N_delta",
                 "minima_adam_steps")},
    "vanhove": ((SAMPLE, TW, T, "vanhove_u"),), "vanhove_u": (("vanhove_u",),),
}
"""Layouts by dataset name (rule 2); the per-sample scalars of the systems ([S]) need none."""

SYSTEM_UNITS = {   # docs/science.md: 1 (time, energy), 2.2 (p-spin), 3.1 (spheres), 5 (nets)
    "pspin": {"time": "1 (Langevin time, friction = J = 1)", "energy": "J", "e": "J per spin",
              "length2": "1"},
    "spheres": {"time": "sigma^2 / (mu eps)", "energy": "eps", "e": "eps per particle",
                "length2": "sigma^2"},
    "dnn": {"time": "steps x lr", "energy": "loss", "e": "loss", "length2": "1"},
}
SYSTEM_UNITS["ck"] = SYSTEM_UNITS["pspin"]   # the N = infinity p-spin
SYSTEM_UNITS["trap"] = {"time": "tau_0", "energy": "T_g", "e": "T_g (minus the mean trap depth)",
                        "length2": "1"}      # docs/science.md 10: C = Pi, a probability
SYSTEM_UNITS["ellipses"] = {"time": "b^2 / (mu eps) (b: the small minor axis)", "energy": "eps",
                            "e": "eps per particle", "length2": "b^2"}   # docs/science.md 3.5
ELLIPSES_NAMED = {
    **{f"ellipses/{k}": ((SAMPLE, "ellipses.mode"),) for k in ("hessian_eigenvalues", "stiffness_eigenvalues")},
    "ellipses/positions": ((SAMPLE, "ellipses.particle", "ellipses.coordinate"),),
    "ellipses/axes": ((SAMPLE, "ellipses.particle", "ellipses.semi_axis"),),
    **{f"ellipses/{k}": ((SAMPLE, "ellipses.particle"),) for k in ("nonrattler", "z")},
}
NAMED.update(ELLIPSES_NAMED)
SYSTEM_UNITS["barriers"] = {"time": "", "energy": "J (p-spin) or loss (nets)",   # docs/science.md 10
                            "e": "H/N in J per spin (p-spin) or the loss (nets)", "length2": "1"}

_ONE = ("spheres/phi_J", "spheres/phi_lo", "spheres/phi_hi", "spheres/dphi", "spheres/Z",
        "spheres/Z_excess", "spheres/contacts", "spheres/N_nonrattlers", "spheres/isostatic",
        "spheres/nonrattler", "spheres/fire_steps", "spheres/gaps", "dnn/N_delta", "dnn/train_acc",
        "dnn/test_acc", "dnn/margins", "dnn/N", "dnn/P", "dnn/widths", "dnn/N_delta_final", "dnn/N_dead_final",
        "dnn/test_error_final", "dnn/ensemble_test_error", "dnn/N_delta_steps", "dnn/N_live_at",
        "dnn/steps", "dnn/N_star", "Q", "alpha2")
UNITS: dict[str, str] = {
    "t": "{time}", "tw": "{time}", "energy": "{e}",
    "C": "{length2}", "msd": "{length2}", "chi": "{length2} / {energy}",
    "pspin/mu": "{energy}", "ck/mu": "{energy}", "ck/R": "{length2} / {energy} per unit time",
    "ck/grid_t": "{time}", "ck/grid_C": "{length2}", "ck/grid_R": "{length2} / {energy} per unit time",
    "spheres/energy_J": "{e}", "spheres/energy_dphi": "{e}",
    "spheres/pressure_J": "eps / sigma^{d}", "spheres/pressure": "eps / sigma^{d}",
    "spheres/eigenvalues": "eps / sigma^2", "spheres/eigenvalues_series": "eps / sigma^2",
    "spheres/forces": "eps / sigma",
    "spheres/positions": "sigma", "spheres/diameters": "sigma", "spheres/box": "sigma",
    "dnn/loss_final": "{energy}", "dnn/hessian_eigs": "{energy}", "dnn/energy_final": "{energy}",
    "dnn/minima_distances": "1",     # a distance in weight space
    "dnn/diverged_at": "{time}", "dnn/dead_at": "{time}",
    "trap/jumps": "1",               # mean number of jumps per walker
    **{f"barriers/{k}": "{e}" for k in ("linear_energy", "neb_energy", "linear_barrier",
                                        "neb_barrier", "minima_energy")},
    **{f"barriers/{k}": "1" for k in ("s_linear", "neb_s", "overlap", "distance", "neb_converged",
                                      "minima_converged", "extensive", "n_dof")},
    "vanhove": "1", "vanhove_u": "1",   # density of u = dx / rms(dx), and u itself
    **{f"ellipses/{k}": "1" for k in ("phi_J", "phi_lo", "phi_hi", "Z", "Z_iso", "contacts",
                                      "N_nonrattlers", "quartic_modes", "deficit", "self_stresses",
                                      "hessian_low_modes", "fire_steps", "nonrattler", "z")},
    "ellipses/energy_J": "{e}", "ellipses/box": "b", "ellipses/axes": "b",
    "ellipses/positions": "b (x, y), rad (theta)",
    "ellipses/hessian_eigenvalues": "eps / b^2", "ellipses/stiffness_eigenvalues": "eps / b^2",
    "msd_theta": "rad^2", "C2_theta": "1",     # physics.observables.ORIENTATION (the ellipses' angles)
    **{name: "1" for name in _ONE},
}
"""Unit templates by dataset name, filled by units_of."""


def flat(name: str) -> str:
    """The variable (or dimension) name of a record dataset: '/' -> '.' (netCDF forbids '/')."""
    return name.replace("/", ".")


def path_of(dim: str) -> str:
    """The HDF5 path of a dimension's scale: 'spheres.dphi' -> 'spheres/dphi'."""
    return dim.replace(".", "/")


def _fits(layout: tuple, shape: tuple, sizes: dict) -> bool:
    return len(layout) == len(shape) and all(
        d not in sizes or (sizes[d] is not None and sizes[d] == n) for d, n in zip(layout, shape))


def dims_of(name: str, shape, S: int | None, nw: int | None, nt: int | None) -> tuple[str, ...]:
    """The dimension names of the record dataset `name` of `shape` (the module's rule)."""
    shape = tuple(int(n) for n in shape)
    sizes = {SAMPLE: S, TW: nw, T: nt}
    if name in sizes and len(shape) == 1:
        return (name,)
    leads = [layout for layout in NAMED.get(name, ()) if _fits(layout, shape, sizes)]
    if leads:
        return leads[0]
    tries = ((SAMPLE, TW, T),) if name in TWO_TIME else ((SAMPLE, TW, T), (SAMPLE, T), (SAMPLE,))
    lead = next((lt for lt in tries if _fits(lt, shape[:len(lt)], sizes)), ())
    return lead + tuple(f"{flat(name)}_dim{i}" for i in range(len(lead), len(shape)))


def record_dims(shapes: dict, S: int | None, nw: int | None, nt: int | None) -> dict:
    """{name: dims} for all datasets of a record ({name: shape}), consistent across datasets:
    a named axis with two lengths, or whose path holds data of other dims, becomes `_dim<i>`."""
    dims = {name: dims_of(name, shape, S, nw, nt) for name, shape in shapes.items()}
    lengths: dict[str, set] = {}
    for name, ds in dims.items():
        for d, n in zip(ds, shapes[name]):
            lengths.setdefault(d, set()).add(int(n))
    bad = {d for d, ns in lengths.items() if d not in (SAMPLE, TW, T) and (
        len(ns) > 1 or (path_of(d) in dims and dims[path_of(d)] != (d,)))}
    for name, ds in dims.items():
        if bad.intersection(ds):
            dims[name] = tuple(f"{flat(name)}_dim{i}" if d in bad else d for i, d in enumerate(ds))
    return dims


def units_of(system: str, config: dict, name: str) -> str | None:
    """The unit of the record dataset (or coordinate) `name` of a run of `system` with
    `config`; None for an index (sample) or a name without an entry in UNITS."""
    template, base = UNITS.get(name), SYSTEM_UNITS.get(system)
    if template is None or (base is None and "{" in template):
        return None
    return template.format(**(base or {}), d=(config or {}).get("dim", "d"))


def n_samples(config: dict, data: dict) -> int | None:
    """S: the config's `samples`, else the leading axis of energy or a two-time dataset."""
    S = (config or {}).get("samples")
    if isinstance(S, (int, np.integer)) and not isinstance(S, bool):
        return int(S)
    for name in ("energy",) + TWO_TIME:
        if np.ndim(data.get(name)) >= 2:
            return int(np.shape(data[name])[0])
    return None


def is_label(name: str, obj) -> bool:
    """Whether the HDF5 dataset `obj` at `name` is a label the writer added, not record data:
    the root `sample` coordinate or a netCDF dimension without a variable."""
    if not h5py.h5ds.is_scale(obj.id):
        return False
    if name == SAMPLE:
        return True
    label = obj.attrs.get("NAME", b"")
    return NOT_A_VARIABLE in (label.decode() if isinstance(label, bytes) else str(label))


def _text_attr(obj, name: str, value: str) -> None:
    """A scalar string attribute, written with the low-level API (a flush writes many)."""
    b = value.encode()
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(max(len(b), 1))
    tid.set_cset(h5py.h5t.CSET_UTF8)
    h5py.h5a.create(obj.id, name.encode(), tid, h5py.h5s.create(h5py.h5s.SCALAR)).write(
        np.array(b, dtype=f"S{max(len(b), 1)}"), mtype=tid)


def write_labels(f: h5py.File, datasets: dict, system: str, config: dict, S: int | None) -> None:
    """Attach dimension scales and `units` to the record's datasets ({name: h5py.Dataset}, just
    written in `f`): `t`, `tw` and a new root dataset `sample` (0..S-1) become scales, a named axis
    gets its dataset as coordinate when there is one (spheres/dphi), a netCDF dimension otherwise.
    Low-level h5py calls on the open datasets (half the time of the high-level ones); even so they
    add about half to a flush of a p-spin record, so the writer labels only its last write."""
    datasets = dict(datasets)
    if S is not None and SAMPLE not in datasets:
        datasets[SAMPLE] = f.create_dataset(SAMPLE, data=np.arange(S))
    shapes = {name: ds.shape for name, ds in datasets.items()}
    nw, nt = (shapes[k][0] if len(shapes.get(k, ())) == 1 else None for k in (TW, T))
    dims = record_dims(shapes, S, nw, nt)
    sizes = {d: n for name, ds in dims.items() for d, n in zip(ds, shapes[name])}
    scales = {}
    for d, n in sizes.items():
        path = path_of(d)
        if dims.get(path) == (d,):           # a dataset of its own dimension: the coordinate
            scales[d], label = datasets[path], path.rsplit("/", 1)[-1]
        else:
            scales[d], label = f.create_dataset(path, shape=(n,), dtype="f4"), NOT_A_VARIABLE
        h5py.h5ds.set_scale(scales[d].id, label.encode())
    for name, ds in dims.items():
        obj = datasets[name]
        if ds != (flat(name),):
            for i, d in enumerate(ds):
                h5py.h5ds.attach_scale(obj.id, scales[d].id, i)
        unit = units_of(system, config, name)
        if unit is not None:
            _text_attr(obj, "units", unit)


def _value(v):
    """A record value as an xarray variable's data, or a str for an attribute."""
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, str):
        return v
    return np.asarray(v)


def run_dataset(run):
    """The loaded record `run` (compare.records.Run) as an xarray.Dataset: coordinates sample
    (0..S-1), tw and t with their units, every dataset a variable ('system/name' ->
    'system.name') with its dims and units, string scalars as attributes; attrs: the record's
    (system, config as JSON, status, version, created, elapsed_s, ...) and record (the path)."""
    import xarray as xr

    data = run.data
    S = n_samples(run.config, data)
    nw, nt = (np.shape(data[k])[0] if np.ndim(data.get(k)) == 1 else None for k in (TW, T))
    values = {name: _value(v) for name, v in data.items()}
    arrays = {name: v for name, v in values.items() if not isinstance(v, str)}
    shapes = {name: v.shape for name, v in arrays.items()}
    if S is not None and SAMPLE not in arrays:
        arrays[SAMPLE] = np.arange(S)
        shapes[SAMPLE] = (S,)
    dims = record_dims(shapes, S, nw, nt)
    coords, variables = {}, {}
    for name, v in arrays.items():
        unit = units_of(run.system, run.config, name)
        var = xr.Variable(dims[name], v, attrs={"units": unit} if unit is not None else {})
        (coords if dims[name] == (flat(name),) else variables)[flat(name)] = var
    attrs = {flat(k): (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in run.attrs.items()}
    attrs.update({flat(name): v for name, v in values.items() if isinstance(v, str)})
    attrs["record"] = str(run.path)
    return xr.Dataset(variables, coords=coords, attrs=attrs)
