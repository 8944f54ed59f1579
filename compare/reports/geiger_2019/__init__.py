"""Geiger et al. 2019 (with Spigler et al. 2019): one paper, three modules, imports one way.

    measure.py   the scales, the points (nets on random data over N/P and depth, the cusp on
                 PCA parity data, jammed soft disks and ellipses) and the curves read from records
    claims.py    the claims and their verdicts (imports measure)
    figures.py   the figures drawn with our records (imports measure, claims)
    packings.py  the soft disks' criticality at jamming: forces of bucklers and extended contacts,
                 gaps, D(omega) and omega* against phi - phi_J (point, claims, figure)
    hessian.py   the nets' Hessian at N* split as H = H0 + Hp beside the packings' spectra: its
                 claims and figure (imports measure; claims and figures call it)
"""
from __future__ import annotations

from compare.reports.geiger_2019 import packings
from compare.reports.geiger_2019.claims import claims  # noqa: F401 (the paper's interface)
from compare.reports.geiger_2019.figures import draw_all
from compare.reports.geiger_2019.measure import PAPER, SCALES, SOURCE, TITLE, points  # noqa: F401


def figures(runs: dict, scale: str, folder) -> list:
    """[(png path, caption)] of the paper's figures, drawn with our records."""
    return draw_all(runs, scale, folder)


def stand_in(scale: str) -> str:
    """What stood in for their data and protocol, at this scale."""
    s = SCALES[scale].params
    return (
        "Their protocol (mariogeiger/nn_jamming): random data with d = h, fully connected ReLU nets with "
        "biases and orthogonal initialisation, quadratic hinge, full-batch Adam in float64 (lr 1e-4 "
        "divided by 10 every 2.5e5 steps), N ~ 7.8k at L = 2, 3, 5, jammed when N_Delta > 0.1 N; the "
        "cusp on PCA-MNIST parity (d = 10, L = 5, P = 1e4-5e4). Ours: the same nets and data law at "
        f"N ~ {s['N_target']} (depths {', '.join(map(str, s['depths']))}), Adam with step "
        f"{s['min_lr']:g} / (1 + t / {s['decay_steps']:g}) for at most {s['max_steps']} steps, "
        f"{s['samples']} samples per N/P; dead constraints (f = 0 exactly) are counted apart and left "
        "out of N_Delta. No MNIST files are available offline, so scikit-learn's 8x8 digits stood in for "
        f"the cusp (parity labels, PCA to d = {s['cusp_d']}, P = {s['cusp_P']}, depth {s['cusp_depth']}). "
        f"Spheres: 2D 50:50 bidisperse soft disks, N = {s['spheres_N']} (their criticality: "
        f"{packings.SIZES[scale]['samples']} more packings of N = {packings.SIZES[scale]['N']}, "
        "with the normal modes along the compression above phi_J); ellipses: the same mixture "
        f"stretched to aspect ratios {', '.join(f'{a:g}' for a in s['ellipses_alpha'])}, N = "
        f"{s['ellipses_N']} (exact Perram-Wertheim contact, physics/ellipses). "
        + ("This is the small scale (a laptop)." if scale == "small" else
           "This is the paper scale (meant for a cluster)." if scale == "paper" else
           "This is a test scale: too small for any claim to mean anything."))
