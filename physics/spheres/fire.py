"""FIRE energy minimisation (Bitzek, Bitzek, Gumbsch, Moseler, Falk, PRL 97, 170201, 2006).

The whole loop is one Numba kernel: velocity-Verlet step (unit masses), FIRE velocity mixing and
time-step control, and the Verlet neighbour list rebuilt from cell lists inside the loop whenever a
particle has moved more than skin/2 since the last build. Python only allocates, calls, and grows
the list buffer if it overflows. A call does a bounded amount of work (`Minimisation`: about
CHUNK_S seconds; from background.BIG_N particles on in a thread, as one step may take seconds) and
the kernel keeps its whole state in its arguments, so that Ctrl-C and the progress bar are served
between calls and the result does not depend on the cuts. The update order is the one of JAX MD's
`minimize.fire_descent` (so step counts compare): x += dt v + dt^2 F/2; F(x);
v += dt (F_old + F)/2; then P = F.v; v <- (1 - a) v + a |v| F/|F|; if P > 0 for more than N_min
steps, dt <- min(f_inc dt, dt_max) and a <- f_alpha a; if P < 0: v <- 0, dt <- f_dec dt,
a <- a_start. (JAX MD 0.2.29 itself differs in two details: it keeps these parameters, dt and
a in float16 on CPU, and mixes with |F| = sqrt(F.F + 1e-6); ours are the textbook values in
float64, f_eps = 1e-300. Its 1e-6 in ours costs steps: 29,600 against 19,400 on average over 5
starts of benchmarks/spheres.py at N = 1024.)

Stops when E/N < e_tol (an unjammed packing: no overlaps left) or when the largest force component
is below f_tol (a jammed packing in mechanical equilibrium), or after max_steps.

variant="fire2" (an option; the default "fire" above is unchanged) is the FIRE 2.0 of Guenole,
Noehring, Vaid, Houlle, Xie, Prakash, Bitzek (Comp. Mat. Sci. 175, 109584, 2020) without its
initial delay: at the top of a step P = F.v; if P > 0 for more than N_min steps, dt <- min(f_inc dt,
dt_max) and a <- f_alpha a; if P <= 0: dt <- f_dec dt (not below dt_min), a <- a_start, the
positions step back by dt v/2 and v <- 0; then semi-implicit Euler with the mixing,
v += dt F; v <- (1 - a) v + a |v| F/|F|; x += dt v; F(x); and a_start = 0.25. On 2D bidisperse
disks at phi = 0.86 (N = 1024, 20 random starts, dt_start 0.05, dt_max 0.1) it took 14 % fewer
steps to max|F| < 1e-12 than the default (mean 17,600 against 20,400; the starts spread by about
4,000, so each mean is +-1,000), as many as the classic FIRE with alpha_start = 0.25 (17,400): the
gain is a_start's, not the integrator's or the backstep's. The paper's initial delay (20 steps, with N_min = 20 and dt_min) cost steps there
(23,300 over 10 starts) and is off by default (n_delay = 0, dt_min = 0).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from .background import maybe_in_thread
from .cells import NeighborList, build_neighbors
from .forces import particle_forces, wrap

# standard parameters (docs/science.md, section 3.2): N_min, f_inc, f_dec, alpha_start, f_alpha; dt_max = 10 dt_0
N_MIN, F_INC, F_DEC, ALPHA_START, F_ALPHA = 5, 1.1, 0.5, 0.1, 0.99
ALPHA_START_FIRE2 = 0.25
"""a_start of FIRE 2.0 (Guenole et al. 2020, table 1)."""
VARIANTS = ("fire", "fire2")

PAUSED, CONVERGED_ENERGY, CONVERGED_FORCE, MAX_STEPS, OVERFLOW = 0, 1, 2, 3, 4

CHUNK_S = 0.25
"""Seconds of one kernel call of a minimisation: Ctrl-C and the progress bar wait at most this."""
BUILD_WORK = 10.0
"""A call's work is counted in force evaluations; a neighbour-list build counts as this many
(measured on 2 cores in 2D: 10 at 1e6 particles in random order, 15 at 1e7)."""
STEP_S = 1e-6
"""Seconds per particle and force evaluation assumed for the first call (measured: ~0.2-0.3 us
in 2D on 2 cores with the list builds; pessimistic so that the first call does not overshoot).
From CHUNK_S / (STEP_S (BUILD_WORK + 1)) particles (about 23000) on, the first call only builds
the list and evaluates the forces."""


@njit(cache=True)
def _max_disp2(pos, ref):
    N, d = pos.shape
    m = 0.0
    for i in range(N):
        s = 0.0
        for a in range(d):
            v = pos[i, a] - ref[i, a]
            s += v * v
        if s > m:
            m = s
    return m


@njit(cache=True, fastmath=True)
def _drift(p, v, f, fo, dt):
    h = 0.5 * dt * dt
    for k in range(p.shape[0]):
        p[k] += dt * v[k] + h * f[k]
        fo[k] = f[k]


@njit(cache=True, fastmath=True)
def _kick(v, f, fo, dt):
    """Second half kick v += dt (F_old + F)/2; returns F.v, F.F, v.v, max |F_k|."""
    h = 0.5 * dt
    fv = 0.0
    ff = 0.0
    vv = 0.0
    fm = 0.0
    for k in range(v.shape[0]):
        vk = v[k] + h * (fo[k] + f[k])
        v[k] = vk
        fk = f[k]
        fv += fk * vk
        ff += fk * fk
        vv += vk * vk
        fm = max(fm, abs(fk))
    return fv, ff, vv, fm


@njit(cache=True, fastmath=True)
def _mix(v, f, a, c):
    for k in range(v.shape[0]):
        v[k] = a * v[k] + c * f[k]


@njit(cache=True, fastmath=True)
def _power_max(v, f):
    """F.v and max |F_k|."""
    fv = 0.0
    fm = 0.0
    for k in range(v.shape[0]):
        fv += f[k] * v[k]
        fm = max(fm, abs(f[k]))
    return fv, fm


@njit(cache=True, fastmath=True)
def _euler_mix_drift(p, v, f, dt, amix, f_eps):
    """FIRE 2.0's semi-implicit Euler step with the mixing: v += dt F; v <- (1 - a) v +
    a |v| F/|F|; p += dt v."""
    n = v.shape[0]
    vv = 0.0
    ff = 0.0
    for k in range(n):
        vk = v[k] + dt * f[k]
        v[k] = vk
        vv += vk * vk
        ff += f[k] * f[k]
    c = amix * np.sqrt(vv) / np.sqrt(ff + f_eps)
    a1 = 1.0 - amix
    for k in range(n):
        vk = a1 * v[k] + c * f[k]
        v[k] = vk
        p[k] += dt * vk


def fire_kernel(pos, vel, frc, fo, diam, L, alpha, skin, start, idx, ref, scal, iscal,
                dt_max, n_min, f_inc, f_dec, alpha_start, f_alpha, e_tol, f_tol, stop, budget,
                build_work, f_eps, fire2=False, dt_min=0.0, n_delay=0):
    """FIRE of soft spheres: fire_loop with the positions all the coordinates and the diameters
    both the particles (forces.particle_forces: the spheres' energy_forces_wrapped) and their
    list's bounds."""
    return fire_loop(pos, pos, diam, diam, vel, frc, fo, L, alpha, skin, start, idx, ref, scal,
                     iscal, dt_max, n_min, f_inc, f_dec, alpha_start, f_alpha, e_tol, f_tol, stop,
                     budget, build_work, f_eps, fire2, dt_min, n_delay)


@njit(cache=True, nogil=True)
def fire_loop(pos, xpos, bdiam, geom, vel, frc, fo, L, alpha, skin, start, idx, ref, scal,
              iscal, dt_max, n_min, f_inc, f_dec, alpha_start, f_alpha, e_tol, f_tol, stop,
              budget, build_work, f_eps, fire2, dt_min, n_delay):
    """Run FIRE in place until `stop` steps in all, convergence, or `budget` units of work in
    this call (a force evaluation is 1, a list build `build_work`). Generic over the particles:
    pos[N, k] holds every coordinate FIRE moves (spheres: the positions; ellipses: x, y and a
    length times the angle), xpos a view of its first columns holding the positions (wrapped into
    the box, listed by cells), bdiam[N] the diameters of the circles bounding the particles (the
    neighbour list), and geom the particles' shapes: forces.particle_forces(pos, geom, L, alpha,
    start, idx, frc) -> E, the energy with the generalised forces written into frc[N, k], is
    chosen by geom's type at compile time. The state lives in the
    arguments between calls, so calls of any length give the bits of one long call:
    scal = [dt, a_mix, E, work of the last call], iscal = [n_pos, steps, n_builds, phase] with
    phase 0 (fresh: wrap, build the list and evaluate the forces first), 1 (running) or 2 (the
    list overflowed while rebuilt within a step: rebuild it, then finish that step). Returns a
    status code (0 paused: `stop` or the budget reached, 1 energy, 2 force tolerance,
    4 neighbour buffer overflow: grow idx and call again). fire2: FIRE 2.0 (the module's
    docstring) with dt_min and an initial delay of n_delay steps (no dt decrease nor a reset
    before); else the classic FIRE in JAX MD's order."""
    N = pos.shape[0]
    half2 = 0.25 * skin * skin
    dt, amix = scal[0], scal[1]
    npos = iscal[0]
    steps = iscal[1]
    pending = iscal[3] == 2
    work = 0.0
    if iscal[3] == 0:                 # fresh: list and forces at entry
        wrap(xpos, L)
        if build_neighbors(xpos, bdiam, L, skin, start, idx) < 0:
            return OVERFLOW
        ref[:] = xpos
        iscal[2] += 1
        iscal[3] = 1
        E = particle_forces(pos, geom, L, alpha, start, idx, frc)
        scal[2] = E
        work = build_work + 1.0
        scal[3] = work
        if E < e_tol * N:
            return CONVERGED_ENERGY
        if np.abs(frc).max() < f_tol:
            return CONVERGED_FORCE
    n_dof = pos.size
    p = pos.reshape(n_dof)
    v = vel.reshape(n_dof)
    f = frc.reshape(n_dof)
    E = scal[2]
    status = PAUSED
    while steps < stop and work < budget:
        if pending:                   # the rebuild that overflowed: positions already wrapped
            rebuild = True
        else:
            if fire2:                 # FIRE 2.0: adapt from P = F.v, then semi-implicit Euler
                fv = _power_max(v, f)[0]
                if fv > 0.0:
                    npos += 1
                    if npos > n_min:
                        dt = min(dt * f_inc, dt_max)
                        amix = amix * f_alpha
                else:
                    npos = 0
                    if steps >= n_delay:
                        if dt * f_dec >= dt_min:
                            dt = dt * f_dec
                        amix = alpha_start
                    for k in range(n_dof):          # step back by half a step
                        p[k] -= 0.5 * dt * v[k]
                    v[:] = 0.0
                _euler_mix_drift(p, v, f, dt, amix, f_eps)
            else:
                _drift(p, v, f, fo, dt)
            rebuild = _max_disp2(xpos, ref) > half2
            if rebuild:
                wrap(xpos, L)
        if rebuild:
            work += build_work
            if build_neighbors(xpos, bdiam, L, skin, start, idx) < 0:
                iscal[3] = 2
                status = OVERFLOW
                break
            pending = False
            iscal[3] = 1
            ref[:] = xpos
            iscal[2] += 1
        E = particle_forces(pos, geom, L, alpha, start, idx, frc)
        work += 1.0
        steps += 1
        if fire2:
            fm = _power_max(v, f)[1]
        else:
            fv, ff, vv, fm = _kick(v, f, fo, dt)
        if E < e_tol * N:
            status = CONVERGED_ENERGY
            break
        if fm < f_tol:
            status = CONVERGED_FORCE
            break
        if fire2:
            continue
        c = amix * np.sqrt(vv) / np.sqrt(ff + f_eps)
        if fv >= 0.0:
            npos += 1
        else:
            npos = 0
        if fv < 0.0:
            dt = dt * f_dec
            amix = alpha_start
            v[:] = 0.0
        else:
            _mix(v, f, 1.0 - amix, c)
            if fv > 0.0 and npos > n_min:
                dt = min(dt * f_inc, dt_max)
                amix = amix * f_alpha
    scal[0], scal[1], scal[2], scal[3] = dt, amix, E, work
    iscal[0], iscal[1] = npos, steps
    return status


@dataclass
class FireResult:
    energy: float        # total energy at the end
    max_force: float     # largest force component
    steps: int
    status: int          # 1 energy tolerance, 2 force tolerance, 3 max_steps
    builds: int          # neighbour list builds

    @property
    def converged(self) -> bool:
        return self.status in (CONVERGED_ENERGY, CONVERGED_FORCE)


class Minimisation:
    """One FIRE minimisation of pos[N, d] (float64, changed in place) in the periodic box of side
    L, run in kernel calls of about `chunk_s` seconds: between calls Python sees Ctrl-C and draws
    progress. The whole state (velocities, forces, dt, a_mix, the counters, the neighbour list)
    lives here between calls, so the result is the same, bit for bit, however the run is cut.

    e_tol: stop when E/N < e_tol (use a negative value to disable); f_tol: stop when the largest
    force component is below f_tol. The skin of the neighbour list defaults to 0.3 times the
    mean diameter (capped so that sigma_max + skin < L/2).

    model: None for soft spheres; for other particles (physics.ellipses) a tuple (geom, n_pos):
    pos[N, k] then holds every coordinate, its first n_pos columns the positions, diam the
    diameters of the bounding circles, and geom the shapes that select the particles' energy
    (forces.particle_forces, fire_loop).

    variant: "fire" (the default, classic FIRE) or "fire2" (FIRE 2.0, the module's docstring);
    alpha_start: None for the variant's own (0.1, 0.25); dt_min, n_delay: FIRE 2.0's floor of dt
    and initial delay (0: none)."""

    def __init__(self, pos, diam, L, alpha=2.0, dt_start=0.05, dt_max=0.5, e_tol=1e-16,
                 f_tol=1e-13, max_steps=2_000_000, skin=None, nl: NeighborList | None = None,
                 f_eps=1e-300, model=None, variant="fire", alpha_start=None, dt_min=0.0,
                 n_delay=0):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
        fire2 = variant == "fire2"
        if alpha_start is None:
            alpha_start = ALPHA_START_FIRE2 if fire2 else ALPHA_START
        N, k = pos.shape
        geom, dim = (diam, k) if model is None else model
        self._model = (pos if model is None else pos[:, :dim], diam, geom)
        if skin is None:
            skin = 0.3 * float(np.mean(diam))
        skin = float(min(skin, 0.5 * L - float(diam.max())))
        if skin <= 0:
            raise ValueError("box too small: the largest diameter must be below L/2")
        if nl is None or nl.skin != skin or len(nl.start) != N + 1:
            nl = NeighborList(N, dim, skin)
        self.pos, self.diam, self.nl, self.max_steps = pos, diam, nl, int(max_steps)
        self.vel, self.frc = np.zeros_like(pos), np.zeros_like(pos)
        self.fo = np.zeros(N * k)
        self.scal = np.array([dt_start, float(alpha_start), 0.0, 0.0])
        self.iscal = np.zeros(4, np.int64)
        self.status = PAUSED
        self._const = (float(L), float(alpha), skin)
        self._params = (float(dt_max), N_MIN, F_INC, F_DEC, float(alpha_start), F_ALPHA,
                        float(e_tol), float(f_tol))
        self._f_eps = float(f_eps)
        self._variant = (fire2, float(dt_min), int(n_delay))

    @property
    def steps(self) -> int:
        return int(self.iscal[1])

    @property
    def done(self) -> bool:
        return self.status != PAUSED

    def advance(self, n: int | None = None, budget: float = math.inf, tick=None) -> int:
        """Run at most n more steps (n = 0: only the first evaluation of the forces; None: no
        bound) and at most about `budget` units of work (force evaluations, a list build counting
        BUILD_WORK); return the status (PAUSED: not finished). From background.BIG_N particles on,
        the kernel runs in a thread (one step or list build may then take seconds), the main
        thread calling tick() every background.WAIT_S while it waits."""
        if self.done:
            return self.status
        stop = self.max_steps if n is None else min(self.max_steps, self.steps + max(int(n), 0))
        nl = self.nl
        while True:
            xpos, bdiam, geom = self._model
            L, alpha, skin = self._const
            args = (self.pos, xpos, bdiam, geom, self.vel, self.frc, self.fo, L, alpha, skin,
                    nl.start, nl.idx, nl.ref, self.scal, self.iscal, *self._params, stop,
                    float(budget), BUILD_WORK, self._f_eps, *self._variant)
            status = maybe_in_thread(fire_loop, args, len(self.pos), tick)
            if status != OVERFLOW:
                break
            nl.grow(2 * len(nl.idx))
        if status == PAUSED and self.steps >= self.max_steps:
            status = MAX_STEPS
        self.status = status
        return status

    def run(self, callback=None, chunk_s: float | None = CHUNK_S) -> FireResult:
        """Minimise to the end in calls of about chunk_s seconds (None: one call), calling
        callback(steps) between them. The work of the first call is sized by STEP_S per particle
        and force evaluation, that of the later ones by the measured time per unit of work."""
        if chunk_s is None:
            self.advance()                  # one call (in a thread for big packings)
        budget = chunk_s / (STEP_S * len(self.pos)) if chunk_s is not None else 0.0
        tick = (lambda: callback(self.steps)) if callback is not None else None
        while not self.done:
            t0 = time.perf_counter()
            self.advance(budget=budget, tick=tick)
            if callback is not None:
                callback(self.steps)
            per_work = (time.perf_counter() - t0) / max(float(self.scal[3]), 1.0)
            budget = max(1.0, min(chunk_s / per_work, 4.0 * budget + 16.0))
        return self.result()

    def result(self) -> FireResult:
        return FireResult(float(self.scal[2]), float(np.abs(self.frc).max()), self.steps,
                          int(self.status), int(self.iscal[2]))


def minimize(pos, diam, L, alpha=2.0, callback=None, chunk_s: float | None = CHUNK_S,
             **kw) -> FireResult:
    """FIRE-minimise pos[N, d] (changed in place): Minimisation(pos, diam, L, alpha, **kw).run().
    callback(steps) is called between kernel calls of about chunk_s seconds (None: one call)."""
    return Minimisation(pos, diam, L, alpha, **kw).run(callback, chunk_s)
