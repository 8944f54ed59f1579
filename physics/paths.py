"""Paths between minima (docs/science.md, section 10): the straight line, the great circle of a
sphere, and the minimum-energy path by a nudged elastic band with a climbing image.

Everything takes the landscape as callables on flat float64 vectors, so the same code serves the
p-spin (NumPy/Numba forces) and nets (torch gradients wrapped into NumPy by nets/paths.py):

    eg = pointwise(energy, grad)              # or any f(X[R, n]) -> (E[R], G[R, n])
    images = linear_path(xa, xb, 17)          # great_circle_path(xa, xb, 17) on |x|^2 = N
    e = profile(energy, images)
    res = neb(images, eg, k=1.0, constraint=Sphere(np.sqrt(N)))
    res.images, res.energies, res.converged, res.iterations, res.climbing, res.s

Nudged elastic band (Henkelman & Jonsson, J. Chem. Phys. 113, 9978 (2000): the improved
tangent; Henkelman, Uberuaga & Jonsson, J. Chem. Phys. 113, 9901 (2000): the climbing image).
M images, the two ends fixed. On an interior image i with tangent tau_i:

    F_i = -grad E(x_i) + (grad E . tau_i) tau_i + k (|x_{i+1} - x_i| - |x_i - x_{i-1}|) tau_i,

the true force perpendicular to the path plus the spring force along it. tau_i is the improved
tangent: x_{i+1} - x_i (x_i - x_{i-1}) when the energy rises (falls) monotonically through i, else
both, weighted by the larger and smaller energy differences so that the tangent turns smoothly
at extrema. The climbing image, the highest interior image, feels no spring and the parallel
true force inverted, F_c = -grad E + 2 (grad E . tau) tau: it climbs to the saddle along the path
while relaxing perpendicular to it. It switches on once the band has roughly relaxed (largest
force below `climb_tol`) or after a third of `max_steps`, whichever comes first.

A constraint (Sphere for the p-spin, |x|^2 = N) projects gradients, tangents and forces onto the
tangent space of each image, and puts each image back on the manifold after every step (and the
velocities into the new tangent space).

The minimiser is FIRE (Bitzek et al., PRL 97, 170201 (2006), the parameters of
physics/spheres/fire.py) with semi-implicit Euler steps (as ASE's FIRE) and a cap `max_move` on
the step of each image. Convergence: the largest component of the NEB force over all images
(the climbing image's included) below `f_tol`; `converged` is False when `max_steps` ran out
first (with climbing on, never before the climbing image has been on). Unit masses: forces and
tolerances are in the units of the energy per unit of the coordinates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from physics.spheres.fire import ALPHA_START, F_ALPHA, F_DEC, F_INC, N_MIN


# ----------------------------------------------------------------------------- paths

def linear_path(xa, xb, n: int) -> np.ndarray:
    """n images [n, dim] evenly spaced on the straight line from xa (s = 0) to xb (s = 1)."""
    xa, xb = np.asarray(xa, float), np.asarray(xb, float)
    s = np.linspace(0.0, 1.0, int(n))[:, None]
    return (1.0 - s) * xa + s * xb


def great_circle_path(xa, xb, n: int, radius: float | None = None) -> np.ndarray:
    """n images [n, dim] evenly spaced in angle on the great circle from xa to xb of the sphere of
    `radius` (default |xa|; p-spin: sqrt(N)); the ends are xa and xb put on that sphere."""
    xa, xb = np.asarray(xa, float), np.asarray(xb, float)
    r = float(np.linalg.norm(xa)) if radius is None else float(radius)
    a, b = xa / np.linalg.norm(xa), xb / np.linalg.norm(xb)
    theta = math.acos(float(np.clip(a @ b, -1.0, 1.0)))
    s = np.linspace(0.0, 1.0, int(n))[:, None]
    if theta < 1e-12:
        return np.repeat(r * a[None], int(n), axis=0)
    return r * (np.sin((1.0 - s) * theta) * a + np.sin(s * theta) * b) / math.sin(theta)


def profile(energy, images) -> np.ndarray:
    """The energy of every image [M]: energy(x) for each row."""
    return np.array([float(energy(np.asarray(x, float))) for x in images])


def arc_coordinate(images) -> np.ndarray:
    """s in [0, 1] of every image [M]: the cumulative length of the polygon through the images
    (chords), over its total length."""
    X = np.asarray(images, float)
    d = np.linalg.norm(np.diff(X, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(d)])
    return s / s[-1] if s[-1] > 0 else np.linspace(0.0, 1.0, len(X))


def pointwise(energy, grad):
    """The batch callable X [R, n] -> (E [R], G [R, n]) of per-point callables energy(x), grad(x)."""
    def energy_grad(X):
        X = np.atleast_2d(X)
        return (np.array([float(energy(x)) for x in X]),
                np.array([np.asarray(grad(x), float) for x in X]).reshape(X.shape))
    return energy_grad


@dataclass(frozen=True)
class Sphere:
    """The constraint |x| = radius (for the p-spin, radius = sqrt(N)), row by row."""
    radius: float

    def tangent(self, X, V):
        """V [R, n] with its component along each row of X [R, n] removed."""
        X, V = np.atleast_2d(X), np.atleast_2d(V)
        return V - (np.einsum("ij,ij->i", X, V) / np.einsum("ij,ij->i", X, X))[:, None] * X

    def restore(self, X):
        """Every row of X [R, n] scaled back onto the sphere."""
        X = np.atleast_2d(X)
        return X * (self.radius / np.linalg.norm(X, axis=1))[:, None]


# ----------------------------------------------------------------------------- FIRE

@dataclass
class FireOutcome:
    converged: bool
    steps: int
    fmax: float


def fire(X: np.ndarray, force, f_tol: float, max_steps: int, dt: float = 0.05, dt_max: float = 0.5,
         max_move: float = math.inf, constraint=None, callback=None) -> FireOutcome:
    """FIRE on the rows of X [R, n] (changed in place). force(X) -> (F [R, n], fmax): the force and
    the number compared with f_tol; after every step the constraint (if any) restores X and
    projects the velocities. A row's step is capped at length max_move. callback(steps, fmax)
    may return "reset" (the force field changed: velocities to zero)."""
    V = np.zeros_like(X)
    F, fmax = force(X)
    a, npos, steps = ALPHA_START, 0, 0
    while fmax >= f_tol and steps < max_steps:
        P = float(np.vdot(F, V))
        if P > 0.0:
            npos += 1
            fn, vn = float(np.linalg.norm(F)), float(np.linalg.norm(V))
            V = (1.0 - a) * V + a * vn * F / max(fn, 1e-300)
            if npos > N_MIN:
                dt, a = min(dt * F_INC, dt_max), a * F_ALPHA
        else:
            npos, a, dt = 0, ALPHA_START, dt * F_DEC
            V[...] = 0.0
        V += dt * F
        step = dt * V
        length = np.linalg.norm(step, axis=1)
        big = length > max_move
        if big.any():
            step[big] *= (max_move / length[big])[:, None]
        X += step
        if constraint is not None:
            X[...] = constraint.restore(X)
            V = constraint.tangent(X, V)
        steps += 1
        F, fmax = force(X)
        if callback is not None and callback(steps, fmax) == "reset":
            V[...] = 0.0
            npos, a = 0, ALPHA_START
    return FireOutcome(bool(fmax < f_tol), steps, float(fmax))


def minimise(x, energy_grad, f_tol: float = 1e-6, max_steps: int = 10000, dt: float = 0.05,
             dt_max: float = 0.5, max_move: float = math.inf, constraint=None):
    """A local minimum near x by FIRE: returns (x_min, E, outcome); fmax is the largest component
    of the (projected) gradient."""
    X = np.array(x, float).reshape(1, -1)
    if constraint is not None:
        X = constraint.restore(X)

    def force(Y):
        _, G = energy_grad(Y)
        G = np.asarray(G, float).reshape(Y.shape)
        if constraint is not None:
            G = constraint.tangent(Y, G)
        return -G, float(np.abs(G).max())
    out = fire(X, force, f_tol, max_steps, dt, dt_max, max_move, constraint)
    E, _ = energy_grad(X)
    return X[0], float(np.ravel(E)[0]), out


# ----------------------------------------------------------------------------- nudged elastic band

def improved_tangents(X, E) -> np.ndarray:
    """Unit tangents [M - 2, n] of the interior images (Henkelman & Jonsson 2000, eqs. 8-11)."""
    X, E = np.asarray(X, float), np.asarray(E, float)
    tp, tm = X[2:] - X[1:-1], X[1:-1] - X[:-2]
    ep, e0, em = E[2:], E[1:-1], E[:-2]
    dmax = np.maximum(np.abs(ep - e0), np.abs(em - e0))[:, None]
    dmin = np.minimum(np.abs(ep - e0), np.abs(em - e0))[:, None]
    mixed = np.where((ep > em)[:, None], tp * dmax + tm * dmin, tp * dmin + tm * dmax)
    up, down = (ep > e0) & (e0 > em), (ep < e0) & (e0 < em)
    tau = np.where(up[:, None], tp, np.where(down[:, None], tm, mixed))
    norm = np.linalg.norm(tau, axis=1)
    bad = norm == 0.0                        # flat and coincident: fall back to the chord
    if bad.any():
        tau[bad] = (X[2:] - X[:-2])[bad]
        norm[bad] = np.linalg.norm(tau[bad], axis=1)
    return tau / np.maximum(norm, 1e-300)[:, None]


@dataclass
class NEBResult:
    images: np.ndarray        # [M, n]
    energies: np.ndarray      # [M]
    converged: bool
    iterations: int
    climbing: int             # index of the climbing image (-1: none)
    max_force: float          # largest component of the NEB force at the end
    max_perp_force: float     # largest component of the true force perpendicular to the path
    s: np.ndarray = field(default_factory=lambda: np.zeros(0))   # arc coordinate of the images


def neb(images, energy_grad, k: float = 1.0, climb: bool = True, f_tol: float = 1e-3,
        max_steps: int = 2000, dt: float = 0.05, dt_max: float = 0.5, max_move: float = math.inf,
        constraint=None, climb_tol: float | None = None, kinks: bool = True,
        progress=None) -> NEBResult:
    """The minimum-energy path through `images` [M, n] (M >= 3; the ends stay fixed) by a nudged
    elastic band (the module's docstring). energy_grad(X [R, n]) -> (E [R], G [R, n]) is called on
    the interior images once per step. k: spring constant (energy / length^2). climb_tol: the
    force below which the climbing image starts (default 10 f_tol). kinks: add the
    perpendicular spring force where the band bends, weighted by the switching function
    f(phi) = (1 + cos(pi cos phi))/2 (1 for phi > 90 degrees) of the angle phi between the
    neighbouring segments (Jonsson, Mills & Jacobsen 1998): 0 on a straight band, it keeps images
    from leaving the band sideways into other minima of a rough landscape. progress(steps, fmax)
    is called after every step."""
    X = np.array(images, float)
    if X.ndim != 2 or X.shape[0] < 3:
        raise ValueError(f"neb needs at least 3 images [M, n]; got shape {X.shape}")
    if constraint is not None:
        X = constraint.restore(X)
    M = X.shape[0]
    ends_E, _ = energy_grad(X[[0, -1]])
    E = np.empty(M)
    E[0], E[-1] = np.ravel(ends_E)
    climb_tol = 10.0 * f_tol if climb_tol is None else float(climb_tol)
    state = {"climbing": -1, "perp": math.inf, "fmax": math.inf}
    inner = X[1:-1]

    def force(Y):
        X[1:-1] = Y
        Ei, G = energy_grad(Y)
        E[1:-1] = np.ravel(Ei)
        G = np.asarray(G, float).reshape(Y.shape)
        if constraint is not None:
            G = constraint.tangent(Y, G)
        tau = improved_tangents(X, E)
        if constraint is not None:
            tau = constraint.tangent(Y, tau)
            tau /= np.maximum(np.linalg.norm(tau, axis=1), 1e-300)[:, None]
        g_par = np.einsum("ij,ij->i", G, tau)
        F_perp = -G + g_par[:, None] * tau
        D = np.diff(X, axis=0)
        d = np.linalg.norm(D, axis=1)
        F = F_perp + (k * (d[1:] - d[:-1]))[:, None] * tau
        if kinks:                      # the perpendicular spring force where the band bends
            cos = np.einsum("ij,ij->i", D[1:], D[:-1]) / np.maximum(d[1:] * d[:-1], 1e-300)
            sw = np.where(cos > 0.0, 0.5 * (1.0 + np.cos(np.pi * cos)), 1.0)
            Fs = k * (D[1:] - D[:-1])
            Fs -= np.einsum("ij,ij->i", Fs, tau)[:, None] * tau
            F += sw[:, None] * Fs
        c = state["climbing"]
        if c >= 1:
            c = state["climbing"] = 1 + int(np.argmax(E[1:-1]))
            F[c - 1] = -G[c - 1] + 2.0 * g_par[c - 1] * tau[c - 1]
        if constraint is not None:
            F = constraint.tangent(Y, F)
        state["perp"] = float(np.abs(F_perp).max())
        fmax = float(np.abs(F).max())
        # without the climbing image on (yet), the band is not done even below f_tol
        state["fmax"] = fmax
        if climb and c < 1:
            fmax = max(fmax, f_tol)
        return F, fmax

    def callback(steps, fmax):
        if progress is not None:
            progress(steps, state["fmax"])
        if climb and state["climbing"] < 1 and (state["fmax"] < climb_tol or steps >= max_steps // 3):
            state["climbing"] = 1 + int(np.argmax(E[1:-1]))
            return "reset"
        return None

    # a climbing band that is already relaxed at the start: switch climbing on at once
    if climb and M > 2:
        F0, _ = force(inner.copy())
        if state["fmax"] < climb_tol:
            state["climbing"] = 1 + int(np.argmax(E[1:-1]))
    out = fire(inner, force, f_tol, max_steps, dt, dt_max, max_move, constraint, callback)
    X[1:-1] = inner
    force(inner.copy())                       # energies, forces and the climbing image at the end
    converged = state["fmax"] < f_tol and (not climb or state["climbing"] >= 1)
    return NEBResult(X.copy(), E.copy(), bool(converged), out.steps, int(state["climbing"]),
                     state["fmax"], state["perp"], arc_coordinate(X))


# ----------------------------------------------------------------------------- every pair of minima

def pair_list(count: int) -> list[tuple[int, int]]:
    """The pairs (a, b), a < b, of `count` minima, in the order join_minima returns them."""
    return [(a, b) for a in range(count) for b in range(a + 1, count)]


def join_minima(minima, energy_grad, images: int, path=linear_path, scale: float = 1.0,
                neb_steps: int = 1000, tick=None, **neb_kw) -> dict:
    """Paths between every pair of `minima` [K, n] (pair_list order): the energy along
    path(xa, xb, images) (linear_path, or a great circle) and, with neb_steps > 0, the NEB path
    started from it (neb(..., max_steps=neb_steps, **neb_kw)). Energies are divided by `scale`
    (N: energies per spin). tick() is called after each pair. Returns arrays, pairs first:
    linear_energy, neb_energy, neb_s [pairs, images]; overlap (xa . xb / n), distance |xa - xb|,
    neb_max_force, neb_max_perp_force, neb_converged, neb_iterations, neb_climbing [pairs]
    (NaN or -1 where no NEB ran)."""
    mins = np.asarray(minima, float)
    P = pair_list(len(mins))
    M = int(images)
    out = {k: np.full((len(P), M), np.nan) for k in ("linear_energy", "neb_energy", "neb_s")}
    out.update({k: np.full(len(P), np.nan) for k in ("overlap", "distance", "neb_max_force",
                                                     "neb_max_perp_force")})
    out.update({k: np.full(len(P), -1, np.int64) for k in ("neb_converged", "neb_iterations",
                                                           "neb_climbing")})
    for j, (a, b) in enumerate(P):
        start = path(mins[a], mins[b], M)
        out["linear_energy"][j] = np.ravel(energy_grad(start)[0]) / scale
        out["overlap"][j] = float(mins[a] @ mins[b]) / mins.shape[1]
        out["distance"][j] = float(np.linalg.norm(mins[a] - mins[b]))
        if neb_steps > 0:
            r = neb(start, energy_grad, max_steps=neb_steps, **neb_kw)
            out["neb_energy"][j] = r.energies / scale
            out["neb_s"][j] = r.s
            out["neb_converged"][j] = int(r.converged)
            out["neb_iterations"][j] = r.iterations
            out["neb_climbing"][j] = r.climbing
            out["neb_max_force"][j] = r.max_force
            out["neb_max_perp_force"][j] = r.max_perp_force
        if tick is not None:
            tick()
    return out


def band_options(config: dict) -> dict:
    """join_minima's keywords from a barriers config (nets/barriers_config.py): neb_steps, and
    neb's spring constant, climbing image, kink term, tolerance and FIRE steps (dt_max = 10 dt)."""
    c = config
    return dict(neb_steps=int(c["neb_steps"]), k=c["spring"], climb=c["climb"], kinks=c["kinks"],
                f_tol=c["neb_tol"], dt=c["neb_dt"], dt_max=10 * c["neb_dt"])

