"""The result of every estimator: a value with its error, the window it used and a note."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    """A finding: value +- error, measured over `window` (in the estimator's own variable).
    `bound` is "" for a measurement, ">" when only a lower bound was reached (value = the bound)."""
    value: float
    error: float = NAN
    window: tuple | None = None
    note: str = ""
    bound: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return math.isfinite(self.value) and not self.bound

    def as_dict(self) -> dict:
        d = asdict(self)
        d["window"] = list(self.window) if self.window is not None else None
        return d

    def __float__(self) -> float:
        return float(self.value)


def none(note: str) -> Estimate:
    """No estimate, with the reason."""
    return Estimate(NAN, note=note)


def _finite(*arrays):
    ok = np.ones(np.shape(arrays[0]), bool)
    for a in arrays:
        ok &= np.isfinite(a)
    return ok
