"""Cugliandolo & Kurchan (1993): one paper, two modules, imports one way.

    measure.py   the points to run, the claims and their verdicts
    figures.py   the paper's figures drawn with our records (imports measure)
"""
from __future__ import annotations

from compare.reports.cugliandolo_kurchan_1993.figures import draw_all
from compare.reports.cugliandolo_kurchan_1993.measure import (  # noqa: F401 (the paper's interface)
    PAPER, SCALES, SOURCE, TITLE, claims, points, stand_in)


def figures(runs: dict, scale: str, folder) -> list:
    """[(png path, caption)] of the paper's figures, drawn with our records."""
    return draw_all(runs, scale, folder)
