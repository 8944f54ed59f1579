"""The recorder: one way to measure every system (docs/science.md, section 1).

A system hands the recorder a flat view x[s, n] of its degrees of freedom (s = samples in the
batch, n = degrees of freedom) at the measurement steps of a `Schedule`. The recorder keeps one
snapshot per waiting time tw (never the trajectory) and computes, for every tw < t,

    C      = x(tw) . x(t) / n
    msd    = |x(t) - x(tw)|^2 / n
    Q      = fraction of coordinates with |x_i(t) - x_i(tw)| < a
    alpha2 = <dx^4> / (3 <dx^2>^2) - 1          (per coordinate)
    vanhove = density of dx_i / sqrt(msd)       (on request: the displacement distribution)
    chi    = eps . (x_h(t) - x(t)) / (n h)      (twins x_h started at tw with the field h eps)

and of the angles theta[s, m] of bodies with an orientation (ellipses: observe(angles=...))

    msd_theta = <(theta(t) - theta(tw))^2>,    C2_theta = <cos 2 (theta(t) - theta(tw))>

with the same code for NumPy arrays and torch tensors on any device (array-api-compat); the
reductions run on the device in float64 and only the [s, nw] results go to the host.

Results go to a sink: any object with `begin(t, tw, samples)`, `add(k, values, samples)`,
`put(name, value)` and `finish(status)`. `Recording` is the in-memory sink; the run record
(compare.records.RunWriter) extends it to write HDF5. Run functions only see the sink.

The time grid, the driver loop and the checkpoint protocol are in physics/schedule.py (re-exported
here).
"""
from __future__ import annotations

import numpy as np
from array_api_compat import array_namespace

from physics.schedule import (  # noqa: F401 (their home is physics.schedule; imported here by many)
    Schedule, checkpoint, default_waiting_times, drive, log_steps, resume_state,
    rng_state, set_rng_state)

TWO_TIME = ("C", "msd", "chi", "Q", "alpha2")
"""Two-time observables, stored [samples, tw, t] with NaN where t <= tw."""

ORIENTATION = ("msd_theta", "C2_theta")
"""Two-time observables of angles (Recorder.observe(angles=...)), stored as TWO_TIME's; C2_theta is
the orientational correlation of a body that is the same turned by pi (an ellipse). Free rotational
diffusion D_r: msd_theta = 2 D_r (t - tw), C2_theta = exp(-4 D_r (t - tw))."""

VAN_HOVE, VAN_HOVE_EDGES = "vanhove", np.linspace(-6.0, 6.0, 49)
"""The displacement distribution (van Hove self part) on request (Recorder(van_hove=True)):
[samples, tw, t, bin], the density of u = dx_i / sqrt(msd) on these edges, centres in "vanhove_u"."""


# ----------------------------------------------------------------------------- the recorder

def to_numpy(a) -> np.ndarray:
    """Host NumPy copy of a NumPy array, torch tensor (any device) or scalar."""
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def _copy(x):
    return x.clone() if hasattr(x, "clone") else np.array(x, copy=True)


def _like(a: np.ndarray, like):
    """The host array `a` as an array of the kind, dtype and device of `like` (None: NumPy)."""
    if like is None or isinstance(like, np.ndarray):
        return a if like is None else a.astype(like.dtype, copy=False)
    from array_api_compat import device
    xp = array_namespace(like)
    return xp.asarray(a, dtype=like.dtype, device=device(like))


def two_time(x_tw, x, a: float | None = None):
    """C, msd, Q, alpha2 between snapshots x_tw[s, n] and x[s, n] (float64 reductions).

    The single implementation of the two-time observables; Q is returned only when a is given.
    """
    xp = array_namespace(x)
    x64 = xp.astype(x, xp.float64)
    w64 = xp.astype(x_tw, xp.float64)
    n = x.shape[-1]
    dx = x64 - w64
    dx2 = dx * dx
    m2 = xp.sum(dx2, axis=-1) / n
    m4 = xp.sum(dx2 * dx2, axis=-1) / n
    out = {
        "C": xp.sum(w64 * x64, axis=-1) / n,
        "msd": m2,
        "alpha2": m4 / (3.0 * m2 * m2) - 1.0,
    }
    if a is not None:
        out["Q"] = xp.sum(xp.astype(xp.abs(dx) < a, xp.float64), axis=-1) / n
    return out


def orientation(th_tw, th):
    """msd_theta and C2_theta (ORIENTATION) between angle snapshots th_tw[s, m] and th[s, m]
    (radians, unwrapped), float64 reductions on the arrays' device."""
    xp = array_namespace(th)
    d = xp.astype(th, xp.float64) - xp.astype(th_tw, xp.float64)
    m = th.shape[-1]
    return {"msd_theta": xp.sum(d * d, axis=-1) / m, "C2_theta": xp.sum(xp.cos(2.0 * d), axis=-1) / m}


def van_hove(x_tw, x, edges=VAN_HOVE_EDGES) -> np.ndarray:
    """Density of u = dx_i / sqrt(<dx^2>) over the n coordinates of each sample, [s, bins], on the
    host (a histogram is not an array-API reduction): counts / (n x bin width), so the mass
    outside the edges is missing from its integral. Gaussian displacements give the standard
    normal density; heavy tails are the jumps that alpha2 also sees. No motion: NaN."""
    dx = to_numpy(x).astype(np.float64) - to_numpy(x_tw).astype(np.float64)
    dx = dx.reshape(-1, dx.shape[-1])
    n, nb = dx.shape[-1], len(edges) - 1
    rms = np.sqrt(np.mean(dx * dx, axis=-1))
    out = np.full((dx.shape[0], nb), np.nan)
    for i in np.flatnonzero(rms > 0):
        counts, _ = np.histogram(dx[i] / rms[i], bins=edges)
        out[i] = counts / (n * np.diff(edges))
    return out


def response(x_h, x, eps, h: float):
    """Integrated response chi = eps . (x_h - x) / (n h) (float64 reduction)."""
    xp = array_namespace(x)
    d = xp.astype(x_h, xp.float64) - xp.astype(x, xp.float64)
    return xp.sum(xp.astype(eps, xp.float64) * d, axis=-1) / (x.shape[-1] * h)


class Recorder:
    """Measures a batch of samples at the steps of a schedule and hands the results to a sink.

    `samples` is where this batch sits among all samples of the run (a slice): a system that runs
    its samples one after the other makes one Recorder per sample; one that batches them (vmap)
    makes one with slice(None). `a` is the overlap threshold of Q (None: Q not measured).
    """

    def __init__(self, schedule: Schedule, sink, samples: slice = slice(None),
                 a: float | None = 0.3, van_hove: bool = False):
        self.schedule = schedule
        self.sink = sink
        self.samples = samples
        self.a = a
        self.van_hove, self._bins_put = bool(van_hove), False   # also the displacement distribution
        self._snap = None  # [nw] list of x(tw) snapshots, each [s, n]
        self._snap_th = None  # the same of the angles (observe(angles=...)), each [s, m]

    @staticmethod
    def _pack(snaps, nw):
        """(taken [nw] bool, [nw, s, n] host array with zeros where not taken, or None)."""
        snaps = snaps or [None] * nw
        taken = np.array([v is not None for v in snaps], dtype=bool)
        if not taken.any():
            return taken, None
        host = [to_numpy(v) if v is not None else None for v in snaps]
        ref = host[int(np.flatnonzero(taken)[0])]
        out = np.zeros((len(host),) + ref.shape, dtype=ref.dtype)
        for i, v in enumerate(host):
            if v is not None:
                out[i] = v
        return taken, out

    def _unpack(self, taken, arr, like):
        snaps = [None] * self.schedule.nw
        taken = np.asarray(taken, dtype=bool)
        for i in np.flatnonzero(taken):
            snaps[i] = _like(np.array(np.asarray(arr)[i], copy=True), like)
        return snaps

    def state(self) -> dict:
        """The x(tw) snapshots taken so far, as host arrays: {"taken": [nw] bool,
        "snapshots": [nw, s, n] (zeros where not taken)}, and those of the angles when observed
        ("angles_taken", "angle_snapshots"); see restore."""
        taken, out = self._pack(self._snap, self.schedule.nw)
        st = {"taken": taken} if out is None else {"taken": taken, "snapshots": out}
        if self._snap_th is not None:
            th_taken, th_out = self._pack(self._snap_th, self.schedule.nw)
            st["angles_taken"] = th_taken
            if th_out is not None:
                st["angle_snapshots"] = th_out
        return st

    def restore(self, state: dict, like=None) -> None:
        """Set the snapshots from state(); `like` is an array of the state's kind (a torch tensor
        on its device, or a NumPy array) that the snapshots are converted to."""
        self._snap = self._unpack(state["taken"], state.get("snapshots"), like)
        if "angles_taken" in state:
            self._snap_th = self._unpack(state["angles_taken"], state.get("angle_snapshots"), like)

    def observe(self, step: int, x, energy, twins=None, eps=None, h: float | None = None,
                extra: dict | None = None, angles=None) -> list[int]:
        """Record at measurement step `step`.

        x[s, n] the state; energy[s] (or a scalar) the energy per degree of freedom (the loss for
        nets); twins[s, nw, n] the response twins (twin i started at tw_i with the field h eps_i,
        eps broadcastable to twins); extra: per-time system data {name: [s, ...]}; angles[s, m]:
        the unwrapped angles of bodies with an orientation (their ORIENTATION observables).
        Returns the tw indices that start at this step: the caller starts those twins from x now.
        """
        sch = self.schedule
        k = sch.index[int(step)]
        nw = sch.nw
        if self._snap is None:
            self._snap = [None] * nw
        started = []
        if angles is not None and self._snap_th is None:
            self._snap_th = [None] * nw
        i_tw = sch.tw_index.get(int(step))
        if i_tw is not None:
            self._snap[i_tw] = _copy(x)
            if angles is not None:
                self._snap_th[i_tw] = _copy(angles)
            started.append(i_tw)
        s = x.shape[0]
        values = {"energy": to_numpy(energy).reshape(-1) * np.ones(s)}
        active = [i for i in range(nw) if sch.tw_steps[i] < step]
        if nw:
            names = ["C", "msd", "alpha2"] + (["Q"] if self.a is not None else [])
            if twins is not None:
                names.append("chi")
            if angles is not None:
                names += list(ORIENTATION)
            arrs = {nm: np.full((s, nw), np.nan) for nm in names}
            if self.van_hove:
                arrs[VAN_HOVE] = np.full((s, nw, len(VAN_HOVE_EDGES) - 1), np.nan)
                if not self._bins_put:   # the bin centres, once (a sink has only put for that)
                    self.sink.put(VAN_HOVE + "_u", 0.5 * (VAN_HOVE_EDGES[1:] + VAN_HOVE_EDGES[:-1]))
                    self._bins_put = True
            for i in active:
                for nm, v in two_time(self._snap[i], x, self.a).items():
                    arrs[nm][:, i] = to_numpy(v)
                if angles is not None:
                    for nm, v in orientation(self._snap_th[i], angles).items():
                        arrs[nm][:, i] = to_numpy(v)
                if self.van_hove:
                    arrs[VAN_HOVE][:, i] = van_hove(self._snap[i], x)
                if twins is not None:
                    e_i = eps[:, i] if (eps.ndim == 3) else eps
                    arrs["chi"][:, i] = to_numpy(response(twins[:, i], x, e_i, h))
            values.update(arrs)
        for name, v in (extra or {}).items():
            values[name] = to_numpy(v)
        self.sink.add(k, values, samples=self.samples)
        return started


# ----------------------------------------------------------------------------- the in-memory sink

class Recording:
    """In-memory sink: arrays on the shared grid, samples first.

    Per-time data `name` is stored [S, nt, ...]; the two-time ones (TWO_TIME, ORIENTATION) [S, nw, nt] (and
    VAN_HOVE [S, nw, nt, bins]), NaN
    where not measured. `put` stores anything else (final margins, phi_J, ...) under its name;
    names of system data are 'system/name'.
    """

    def __init__(self):
        self.data: dict[str, np.ndarray] = {}
        self.status = "new"
        self.n_samples = 0
        self._resume = None   # (k, state) of an interrupted run to continue (compare.records)
        self.attrs: dict = {}  # metadata (wall-clock time, ...): see meta

    def begin(self, t, tw, samples: int) -> None:
        self.data["t"] = np.asarray(t, dtype=np.float64)
        self.data["tw"] = np.asarray(tw, dtype=np.float64)
        self.n_samples = int(samples)
        self.status = "running"
        self._changed()

    def add(self, k: int, values: dict, samples: slice = slice(None)) -> None:
        nt, nw, S = len(self.data["t"]), len(self.data["tw"]), self.n_samples
        for name, v in values.items():
            v = np.asarray(v, dtype=np.float64)
            arr = self.data.get(name)
            two = name in TWO_TIME or name in ORIENTATION or name == VAN_HOVE
            if arr is None:
                shape = (S, nw, nt) + v.shape[2:] if two else (S, nt) + v.shape[1:]
                arr = self.data[name] = np.full(shape, np.nan)
            if two:
                arr[samples, :, k] = v
            else:
                arr[samples, k] = v
        self._changed()

    def put(self, name: str, value) -> None:
        self.data[name] = np.asarray(value)
        self._changed()

    def finish(self, status: str = "complete") -> None:
        self.status = status
        self._changed()

    def meta(self, name: str, value) -> None:
        """Metadata of the run (wall-clock time, host), kept apart from the data: the run record
        writes it as an attribute, so that two runs of one config hold the same datasets."""
        self.attrs[name] = value

    def checkpoint(self, k: int, state_fn) -> None:
        """The state after measurement k is on offer; in memory nothing is kept (state_fn is not
        called). The run record (compare.records.RunWriter) saves it every few seconds."""

    def resume_state(self):
        """(k, state) to continue from, or None for a fresh run."""
        return self._resume

    def _changed(self) -> None:
        """Hook for sinks that persist (compare.records.RunWriter)."""

    def __getitem__(self, name: str) -> np.ndarray:
        return self.data[name]

    def __contains__(self, name: str) -> bool:
        return name in self.data
