"""Bouchaud's trap model and Barrat & Mezard's variant: many independent walkers, exact event-driven
Monte Carlo (docs/science.md, section 10). Units: tau_0 = 1 (time), T_g = 1 (energy), x = T/T_g.

Traps have depth E >= 0 with density rho(E) = exp(-E); all traps are reachable from all (the
mean-field model, N -> infinity traps, so a trap is never visited twice). At t = 0 every walker
enters a fresh trap drawn from rho (a quench from infinite temperature).

* bouchaud: a walker leaves its trap at rate exp(-E/x), i.e. after an exponential time of mean
  tau = exp(E/x), whatever comes next, and lands in a new trap drawn from rho. The mean lifetimes
  are Pareto, P(tau > s) = s^-x, and for x < 1 their mean diverges: the model ages.
* barrat-mezard: the rate from depth E to depth E' is rho(E') min(1, exp(-(E - E')/x)) (Metropolis
  on the energies -E; Barrat & Mezard, J. Phys. I France 5, 941 (1995), whose own rates are
  Glauber's: Metropolis is taken for its closed forms below, and the choice changes some aging
  exponents, Sollich, arXiv:cond-mat/0601007). Its total,
  r(E) = exp(-E) (1 + f), f = (1 - exp(-a E))/a, a = 1/x - 1, is the escape rate; the walker goes
  deeper (E' = E + Exp(1)) with probability 1/(1 + f), else to a shallower trap, density
  exp(a E') on [0, E]. Below T_g the exits are entropic (r ~ exp(-E) for every x < 1).
  Both dynamics have the same equilibrium for x > 1, rho(E) exp(E/x) normalised.

Event-driven: a walker holds its depth and the time it leaves its trap (drawn on entering it);
advancing to a time t makes every jump before t, with no time step. Each walker draws from its own
random stream (SplitMix64 with a per-walker odd increment, as Java's SplittableRandom; seeds from
NumPy's SeedSequence of (seed, sample)), so a walker's path does not depend on how walkers are
split into chunks or threads: runs are identical bit for bit, and checkpoints resume exactly.

Observables on the shared grid (physics.observables.Schedule with dt = tau_0): `C` = Pi(tw, t),
the fraction of walkers that have not jumped between tw and t ([S, nw, nt], NaN where t <= tw),
from the exit time of the trap each walker occupies at tw; `energy` = -(mean depth) [S, nt]; and
`trap/jumps`, the mean number of jumps per walker by t [S, nt]. One sample is a group of
`walkers` walkers; the samples' spread gives the error bars.
"""
from __future__ import annotations

import math
import time

import numpy as np
from numba import njit, prange

from physics.observables import Schedule, checkpoint, resume_state
from physics.trap_config import (  # noqa: F401 (the interface: schema, config, validation)
    DYNAMICS, SCHEMA, SYSTEM, TIME, default_config, jumps_per_walker, validate)

CHUNK_S = 0.5
"""Seconds of advancing between two progress reports (and checkpoint offers)."""

_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


# ----------------------------------------------------------------------------- random streams

@njit(inline="always")
def _unit(s, g):
    """Next state of a SplitMix64 stream (state s, increment g) and a uniform in (0, 1)."""
    s = s + g
    z = s
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return s, ((z >> _S11) + 0.5) * 1.1102230246251565e-16


def walker_streams(seed: int, samples: int, walkers: int) -> tuple[np.ndarray, np.ndarray]:
    """(state, increment) of every walker's stream, samples first: sample s draws from
    SeedSequence(seed).spawn(samples)[s], so adding samples leaves the others unchanged. The
    increments are odd with many bit flips (SplittableRandom's mixGamma rule)."""
    state = np.empty(samples * walkers, np.uint64)
    gamma = np.empty(samples * walkers, np.uint64)
    for s, seq in enumerate(np.random.SeedSequence(int(seed)).spawn(samples)):
        words = seq.generate_state(2 * walkers, np.uint64)
        state[s * walkers:(s + 1) * walkers] = words[0::2]
        g = words[1::2] | np.uint64(1)
        few = np.bitwise_count(g ^ (g >> np.uint64(1))) < 24
        g[few] ^= np.uint64(0xAAAAAAAAAAAAAAAA)
        gamma[s * walkers:(s + 1) * walkers] = g
    return state, gamma


# ----------------------------------------------------------------------------- the kernel

@njit(inline="always")
def _bm_rate(d, a):
    """Barrat-Mezard escape rate from depth d, and f (the odds of going shallower)."""
    f = d if abs(a) < 1e-12 else -math.expm1(-a * d) / a
    return math.exp(-d) * (1.0 + f), f


@njit(inline="always")
def _walk(w, depth, leave, state, gamma, jumps, target, x, dynamics):
    """Every jump of walker w before `target` (afterwards leave[w] > target). A walker with
    depth < 0 has no trap yet: it enters a fresh one drawn from rho (not a jump)."""
    inv_x, a = 1.0 / x, 1.0 / x - 1.0
    d, e, s, g, n = depth[w], leave[w], state[w], gamma[w], jumps[w]
    while e <= target:
        if dynamics == 0 or d < 0.0:
            s, u = _unit(s, g)
            if d >= 0.0:
                n += 1
            d = -math.log(u)
        else:
            s, u = _unit(s, g)
            r, f = _bm_rate(d, a)
            s, v = _unit(s, g)
            if u * (1.0 + f) < 1.0:              # deeper
                d = d - math.log(v)
            elif abs(a) < 1e-12:
                d = v * d
            else:                                # shallower, density exp(a E') on [0, d]
                d = d + math.log(v + (1.0 - v) * math.exp(-a * d)) / a
            n += 1
        s, u = _unit(s, g)
        if dynamics == 0:
            e += -math.log(u) * math.exp(d * inv_x)
        else:
            e += -math.log(u) / _bm_rate(d, a)[0]
    depth[w], leave[w], state[w], jumps[w] = d, e, s, n


@njit(cache=True)
def advance_serial(depth, leave, state, gamma, jumps, target, x, dynamics, lo, hi):
    """Every jump of walkers lo..hi-1 before `target`, one thread."""
    for w in range(lo, hi):
        _walk(w, depth, leave, state, gamma, jumps, target, x, dynamics)


@njit(parallel=True, cache=True)
def advance_parallel(depth, leave, state, gamma, jumps, target, x, dynamics, lo, hi):
    """The same with Numba threads (a walker's path does not depend on the thread)."""
    for w in prange(lo, hi):
        _walk(w, depth, leave, state, gamma, jumps, target, x, dynamics)


class Walkers:
    """The state of all walkers (samples first): depth, exit time, random stream, jump count."""

    ARRAYS = ("depth", "leave", "state", "gamma", "jumps")

    def __init__(self, x: float, dynamics: str, samples: int, walkers: int, seed: int):
        self.x, self.dyn = float(x), DYNAMICS.index(dynamics)
        self.S, self.W = int(samples), int(walkers)
        n = self.S * self.W
        self.state, self.gamma = walker_streams(seed, self.S, self.W)
        self.depth = np.full(n, -1.0)
        self.leave = np.zeros(n)
        self.jumps = np.zeros(n, np.int64)
        self.chunk = n
        self.threads = False

    @property
    def n(self) -> int:
        return self.S * self.W

    def advance(self, target: float, pause=None) -> None:
        """Every jump before `target`, in chunks of walkers of about CHUNK_S seconds; pause() is
        called between chunks (the state is then valid for a checkpoint)."""
        lo = 0
        while lo < self.n:
            hi = min(self.n, lo + self.chunk)
            t0 = time.perf_counter()
            kernel = advance_parallel if self.threads else advance_serial
            kernel(self.depth, self.leave, self.state, self.gamma, self.jumps, float(target),
                   self.x, self.dyn, lo, hi)
            spent = time.perf_counter() - t0
            # threads only for work well above their start-up cost (~10 ms on a loaded machine)
            self.threads = spent > (0.02 if self.threads else 0.05)
            self.chunk = int(min(self.n, max(256, (hi - lo) * CHUNK_S / max(spent, 1e-6))))
            lo = hi
            if pause is not None and lo < self.n:
                pause()

    def per_sample(self, a: np.ndarray) -> np.ndarray:
        return a.reshape(self.S, self.W).mean(axis=1)

    def no_jump(self, t: np.ndarray, k: int) -> np.ndarray:
        """[S, nt]: fraction of walkers of each sample whose current trap (occupied at t[k]) they
        still occupy at t[k'], NaN for k' <= k."""
        nt = len(t)
        idx = np.searchsorted(t, self.leave, side="left").reshape(self.S, self.W)   # #{t' < exit}
        idx += (nt + 1) * np.arange(self.S)[:, None]
        counts = np.bincount(idx.ravel(), minlength=self.S * (nt + 1)).reshape(self.S, nt + 1)
        out = (self.W - np.cumsum(counts, axis=1)[:, :nt]) / self.W
        out[:, : k + 1] = np.nan
        return out

    def state_dict(self) -> dict:
        return {name: getattr(self, name).copy() for name in self.ARRAYS}

    def restore(self, st: dict) -> None:
        for name in self.ARRAYS:
            getattr(self, name)[...] = st[name]


# ----------------------------------------------------------------------------- the run

def schedule_for(config: dict) -> Schedule:
    """The shared grid with dt = tau_0: log-spaced t up to tmax, the waiting times and their lags."""
    return Schedule(1.0, float(config["tmax"]), config["tw"])


def run(config: dict, sink, progress=None) -> dict:
    """All walkers from t = 0 to tmax into `sink`; returns a summary. Offers a checkpoint after
    every measurement and between chunks of walkers; continues from the sink's resume state."""
    validate(config)
    c = config
    x, S, W = float(c["x"]), int(c["samples"]), int(c["walkers"])
    sch = schedule_for(c)
    t, nt, nw = sch.t, sch.nt, sch.nw
    sink.begin(t, sch.tw, samples=S)
    walkers = Walkers(x, c["dynamics"], S, W, int(c["seed"]))
    C = np.full((S, nw, nt), np.nan)
    start = 0
    resume = resume_state(sink)
    if resume is not None:
        k_done, saved = resume
        walkers.restore(saved["walkers"])
        C[...] = saved["C"]
        start = int(k_done) + 1
    else:
        walkers.advance(0.0)                      # everyone enters a fresh trap at t = 0
    total = max(1.0, jumps_per_walker(c) * walkers.n)
    t0 = time.time()

    def state(k):
        return {"walkers": walkers.state_dict(), "C": C.copy(), "where": f"t = {t[max(k, 0)]:g}"}

    def report():
        if progress is not None:
            done = float(walkers.jumps.sum())
            progress(done, max(total, done))

    for k in range(start, nt):
        def pause(k=k):
            report()
            checkpoint(sink, k - 1, lambda: state(k - 1))
        walkers.advance(t[k], pause)
        i = sch.tw_index.get(int(sch.steps[k]))
        if i is not None:
            C[:, i, :] = walkers.no_jump(t, k)
        sink.add(k, {"energy": -walkers.per_sample(walkers.depth), "C": C[:, :, k],
                     "trap/jumps": walkers.per_sample(walkers.jumps.astype(float))})
        report()
        checkpoint(sink, k, lambda: state(k))
    events = int(walkers.jumps.sum())
    elapsed = time.time() - t0
    if progress is not None:
        progress(float(events), float(events))
    return {"events": events, "seconds": elapsed, "events_per_s": events / max(elapsed, 1e-9),
            "mean_depth": float(walkers.depth.mean())}
