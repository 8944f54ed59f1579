"""Kerr Winter & Janssen (2024): one paper, three modules, imports one way.

    measure.py   the scales, the points to run and the curves read from records
    claims.py    the claims and their verdicts (imports measure)
    figures.py   the figures drawn with our records (imports measure, claims)
"""
from __future__ import annotations

from compare.reports.kerr_winter_2024.claims import claims  # noqa: F401 (the paper's interface)
from compare.reports.kerr_winter_2024.figures import draw_all
from compare.reports.kerr_winter_2024.measure import PAPER, SCALES, SOURCE, TITLE, stand_in  # noqa: F401


def figures(runs: dict, scale: str, folder) -> list:
    """[(png path, caption)] of the paper's figures, drawn with our records."""
    return draw_all(runs, scale, folder)


def points(scale: str):
    from compare.reports.kerr_winter_2024.measure import points as _points
    return _points(scale)
