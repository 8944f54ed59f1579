"""What `physics.ck.run` needs of a CK solver, shared by its two (the Kim-Latz grid, physics/ck.py,
and the grid in t'/t, physics/ck_ratio.py): the solver itself in `s`, its checkpoint, and when to
write ck/R. Each adds step(guard, tw_pending), measure(t, tws), grid(), summary(done), rows_to,
t, mono_tol and `_mark()` (a counter that moves when ck/R is due)."""
from __future__ import annotations


class Driven:
    """A CK solver as `physics.ck.run` drives it (see the module docstring)."""

    last_put = 0

    def _mark(self) -> int:
        raise NotImplementedError

    def put_due(self) -> bool:
        """Whether to write ck/R now (when `_mark()` has moved since the last time)."""
        mark = self._mark()
        due = mark != self.last_put
        self.last_put = mark
        return due

    def state(self) -> dict:
        return self.s.state()

    def restore(self, st: dict, last_put: int) -> None:
        self.s.restore(st)
        self.last_put = last_put
