"""Baity-Jesi et al. (2018): one paper, three modules, imports one way.

    measure.py    the scales, the points, the curves read from records, the claims
    barriers.py   the two barrier claims and their points (the `barriers` system)
    figures.py    the figures drawn with our records (imports measure)
"""
from __future__ import annotations

from compare.reports.baity_jesi_2018.figures import draw_all
from compare.reports.baity_jesi_2018.measure import (  # noqa: F401 (the paper's interface)
    PAPER, SCALES, SOURCE, TITLE, claims, points, stand_in)


def figures(runs: dict, scale: str, folder) -> list:
    """[(png path, caption)] of the paper's figures, drawn with our records."""
    return draw_all(runs, scale, folder)
