"""The overlays of `compare` on shared axes (docs/science.md, sections 1 to 5): every system in
one figure. Each `fig_*` function takes the dict {role: Run} (compare.roles; missing roles absent
or None), draws what it can and returns a matplotlib Figure (None when nothing of it can be drawn);
`make_figures` saves them (PNG and PDF).

    dynamics.py   1. energy after the quench, 2. aging of the msd, 3. FDT plots
    jamming.py    4. jamming of nets beside soft spheres
    common.py     colours, legends, guides
"""
from __future__ import annotations

from pathlib import Path

from compare import plots
from compare.figures.dynamics import fig_aging, fig_energy, fig_fdt
from compare.figures.jamming import fig_jamming

FIGURES = {
    "energy": fig_energy,
    "aging": fig_aging,
    "fdt": fig_fdt,
    "jamming": fig_jamming,
}

NEEDS = {  # which roles each figure draws from (for the messages)
    "energy": ("pspin", "ck", "spheres_age", "ellipses_age", "dnn_over", "dnn_under"),
    "aging": ("pspin", "ck", "spheres_age", "ellipses_age", "dnn_over", "dnn_under", "trap"),
    "fdt": ("pspin", "ck", "dnn_over", "dnn_under"),
    "jamming": ("spheres_jam", "dnn_jam", "dnn_under"),
}

TITLES = {
    "energy": "1. Energy or loss against time after the quench",
    "aging": "2. Aging: msd (trap model: Pi) against the lag, and the t/tw collapse",
    "fdt": "3. Fluctuation-dissipation plots",
    "jamming": "4. Jamming: nets beside soft spheres",
}


def draw_figures(roles: dict) -> dict:
    """{name: Figure} for every figure that has something to draw."""
    out = {}
    for name, fn in FIGURES.items():
        fig = fn(roles)
        if fig is not None:
            out[name] = fig
    return out


def make_figures(roles: dict, out="figures", pdf: bool = True) -> dict:
    """Draw and save every figure: {name: PNG path}."""
    out = Path(out)
    return {name: plots.save(fig, out / f"{name}.png", pdf=pdf) for name, fig in draw_figures(roles).items()}
