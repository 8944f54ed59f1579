"""The time grid of every run and the one driver loop: log-spaced measurement steps with waiting
times on them (`Schedule`), `drive` (advance, measure, offer checkpoints), and the checkpoint
protocol between run functions and sinks. The observables measured at those steps are in
physics/observables.py.

Checkpoint and resume. After each measurement k a run function offers its full dynamical state,
`checkpoint(sink, k, state_fn)`: state_fn() returns a dict of NumPy arrays and JSON-able small
values (nested dicts allowed) from which the run continues bit for bit. The sink calls it only
when a checkpoint is due (Recording never; the run record every few seconds, writing the state in
the same atomic write as the data). `resume_state(sink)` is None for a fresh run, or (k, state)
of an interrupted run being continued: the run function restores the state and continues with
`drive(..., start=k + 1)`.
"""
from __future__ import annotations

import math
import time
from typing import Callable, Iterable

import numpy as np


# ----------------------------------------------------------------------------- time schedule

def log_steps(n_steps: int, per_decade: int = 20) -> np.ndarray:
    """Integer steps log-spaced from 1 to n_steps (both included), about `per_decade` a decade."""
    if n_steps < 1:
        raise ValueError("n_steps must be >= 1")
    n = max(2, int(math.ceil(per_decade * math.log10(n_steps))) + 1)
    steps = np.unique(np.round(np.logspace(0.0, math.log10(n_steps), n)).astype(np.int64))
    return steps[(steps >= 1) & (steps <= n_steps)]


def default_waiting_times(t_max: float, dt: float, n: int = 5) -> np.ndarray:
    """n waiting times log-spaced from t_max/1000 to t_max/10 (at least one step each)."""
    lo, hi = max(t_max / 1000.0, dt), max(t_max / 10.0, dt)
    return np.unique(np.logspace(math.log10(lo), math.log10(hi), n))


class Schedule:
    """Measurement steps and waiting times of one run.

    Physical time is t = step * dt (dt = the learning rate for nets). `steps` are the measurement
    steps, `t` their times: log-spaced from the first step to t_max (`per_decade` a decade), and
    after every waiting time tw the lags t - tw log-spaced from one step to tw (`lags_per_decade` a
    decade), so that two-time curves are resolved at short lags for every tw (at lags beyond tw
    the main grid has ~10 points a decade in the lag already). `tw_steps`, `tw` are
    the waiting times, each also a measurement step.
    """

    def __init__(self, dt: float, t_max: float, tw: Iterable[float] | None = None,
                 per_decade: int = 20, lags_per_decade: int = 10):
        if not dt > 0:
            raise ValueError("dt must be > 0")
        if not t_max >= dt:
            raise ValueError("t_max must be >= dt")
        self.dt = float(dt)
        self.n_steps = int(round(t_max / dt))
        tw = default_waiting_times(t_max, dt) if tw is None else np.asarray(list(tw), float)
        tw_steps = np.unique(np.clip(np.round(np.asarray(tw, float) / dt), 1, None).astype(np.int64))
        self.tw_steps = tw_steps[tw_steps < self.n_steps]
        steps = [log_steps(self.n_steps, per_decade), self.tw_steps]
        if lags_per_decade > 0:
            for w in self.tw_steps:   # lags up to tw; beyond, the main grid resolves the lag
                steps.append(w + log_steps(min(self.n_steps - int(w), int(w)), lags_per_decade))
        self.steps = np.unique(np.concatenate(steps))
        self.t = self.steps * self.dt
        self.tw = self.tw_steps * self.dt
        self.index = {int(s): k for k, s in enumerate(self.steps)}
        self.tw_index = {int(s): i for i, s in enumerate(self.tw_steps)}

    @property
    def nt(self) -> int:
        return len(self.steps)

    @property
    def nw(self) -> int:
        return len(self.tw_steps)

    def __repr__(self):
        return (f"Schedule(dt={self.dt}, n_steps={self.n_steps}, nt={self.nt}, "
                f"tw={np.array2string(self.tw, precision=3)})")


PAUSE_EVERY_S = 1.0
"""Seconds of advancing between two calls of drive's `pause` (a checkpoint offer) within one
interval between measurements; late log-spaced intervals can last hours."""


def drive(schedule: Schedule, advance: Callable[[int], None], measure: Callable[[int, int], None],
          progress: Callable[[int, int], None] | None = None, start: int = 0,
          step: int | None = None, pause: Callable[[int, int], None] | None = None) -> None:
    """The one driver loop: advance(n) moves the state n steps, measure(k, step) records at
    each measurement step k; progress(done_steps, total_steps) after each.

    pause(k, step), when given, is called within the intervals between measurements, about every
    PAUSE_EVERY_S seconds of advancing, with the index k of the last measurement done (-1: none)
    and the step the state is at: a run offers a checkpoint there. advance is then called in
    chunks, the same steps one after the other, so the trajectory is the same.

    start > 0 continues a resumed run with measurement `start`; the state is at `step` (default:
    schedule.steps[start - 1], right after the measurement before; a pause's step otherwise)."""
    start = int(start)
    if step is None:
        step = int(schedule.steps[start - 1]) if start > 0 else 0
    step = int(step)
    chunk = 1
    for k in range(start, schedule.nt):
        s = int(schedule.steps[k])
        while step < s:
            n = s - step if pause is None else min(s - step, chunk)
            t0 = time.perf_counter()
            advance(n)
            step += n
            if pause is not None:
                spent = time.perf_counter() - t0
                chunk = max(1, min(4 * n, int(n * PAUSE_EVERY_S / max(spent, 1e-9))))
                if step < s:
                    pause(k - 1, step)
        measure(k, s)
        if progress is not None:
            progress(step, schedule.n_steps)


# ----------------------------------------------------------------------------- checkpoints

def checkpoint(sink, k: int, state_fn: Callable[[], dict]) -> None:
    """Offer the sink the state right after measurement k; state_fn runs only when the sink
    takes a checkpoint (sinks without the method ignore it)."""
    method = getattr(sink, "checkpoint", None)
    if method is not None:
        method(k, state_fn)


def resume_state(sink):
    """(k, state) when the sink continues an interrupted run from its checkpoint, else None."""
    method = getattr(sink, "resume_state", None)
    return method() if method is not None else None


def rng_state(rng: np.random.Generator) -> dict:
    """The JSON-able state of a NumPy Generator (restore with set_rng_state)."""
    return rng.bit_generator.state


def set_rng_state(rng: np.random.Generator, state: dict) -> None:
    rng.bit_generator.state = state
