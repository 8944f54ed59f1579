"""The thermal start of the age protocol: an equilibrated liquid at the run's T (docs/science.md,
sections 3 and 6).

With init = "equilibrated" each sample is first run for t_eq (Langevin at the run's T, from
its random positions, with the same noise stream that then goes on) before the aging clock starts
at t = 0. If t_eq is much longer than the relaxation time tau at T, the run from t = 0 on is
stationary: e(t) is flat and two-time observables depend on the lag t - tw only, not on tw. That
is the test of equilibrium every analysis of such a run must show (tau at two waiting times
agreeing within errors); t_eq shorter than tau leaves an aging glass, and the same test says so.

The equilibration is walked by the recorder's own driver loop (physics.observables.drive) on a
grid of evenly spaced stops: after each stop progress is reported, and at the stops and between
them (about every physics.schedule.PAUSE_EVERY_S seconds) a checkpoint is offered, so that an interruption during
the equilibration resumes bit for bit.
"""
from __future__ import annotations

import numpy as np

from physics.observables import drive

INITS = ("random", "equilibrated")
STOPS = 100
"""Progress reports (and checkpoint offers) during one equilibration."""


class EquilibrationGrid:
    """The steps drive() stops at during an equilibration of n_steps steps: STOPS evenly spaced,
    the last one n_steps (the same attributes drive reads of a Schedule)."""

    def __init__(self, n_steps: int, stops: int = STOPS):
        self.n_steps = int(n_steps)
        grid = np.round(np.linspace(0.0, self.n_steps, stops + 1)[1:]).astype(np.int64)
        self.steps = np.unique(grid[grid >= 1])

    @property
    def nt(self) -> int:
        return len(self.steps)


def equilibration_steps(cfg: dict, t_eq: float) -> int:
    """Langevin steps of the equilibration (0 for a random start)."""
    return int(round(t_eq / cfg["dt"]))


def equilibrate(advance, n_steps: int, done: int, offer, progress=None) -> None:
    """Advance from step `done` to step n_steps of the equilibration: advance(n) moves the state,
    offer(step) offers a checkpoint with the state at that step of the equilibration,
    progress(done, n_steps) after each stop. Nothing happens when done >= n_steps."""
    if done >= n_steps:
        return
    grid = EquilibrationGrid(n_steps)
    start = int(np.searchsorted(grid.steps, done, side="right"))

    def at_stop(k, step):
        offer(step)

    drive(grid, advance, at_stop, progress, start=start, step=done, pause=at_stop)
