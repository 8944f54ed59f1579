"""Kerr Winter & Janssen (2024): one paper, three modules, imports one way.

    measure.py   the scales, the nets' points and the curves read from records
    pspin.py     the p-spin's points and its tau in equilibrium
    spheres.py   the soft spheres' points, tau in equilibrium and their claim
    claims.py    the claims and their verdicts (imports measure)
    figures.py   the figures drawn with our records (imports measure, claims)
"""
from __future__ import annotations

from compare.reports.kerr_winter_2024.claims import claims  # noqa: F401 (the paper's interface)
from compare.reports.kerr_winter_2024.figures import draw_all
from compare.reports.kerr_winter_2024.measure import PAPER, SCALES, SOURCE, TITLE  # noqa: F401
from compare.reports.kerr_winter_2024 import measure, pspin, spheres


def stand_in(scale: str) -> str:
    """What stood in for their data and protocol, at this scale (the report's first section)."""
    return measure.stand_in(scale, spheres.spheres_stand_in(scale))


def figures(runs: dict, scale: str, folder) -> list:
    """[(png path, caption)] of the paper's figures, drawn with our records."""
    return draw_all(runs, scale, folder)


def points(scale: str):
    """Every run of the report: the nets' Langevin runs, the p-spin (CK and planted finite N), the
    soft spheres, the L2 trivialisation at one width, and the (N/P, lambda) phase diagram."""
    return (measure.nets_points(scale) + pspin.points(scale) + spheres.spheres_points(scale)
            + measure.trivialisation_points(scale) + measure.phase_points(scale))
