"""The Geiger et al. 2019 report (compare/reports/geiger_2019): its estimators on synthetic
curves, and the whole report at a test scale (claim ids, format, figures)."""
from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from compare.reports import validate_report
from compare.reports.geiger_2019 import measure as M
from physics import analysis as A

IDS = {"n_star_over_p", "n_star_depth_independence", "theta", "gamma", "c0", "ellipses_hypostatic",
       "quartic_modes_match_deficit", "spheres_isostatic", "test_error_cusp", "ensemble_removes_cusp",
       "hessian_h0_rank", "hessian_h0_dominates"}
IDS |= {"spheres_theta_extended", "spheres_theta_bucklers", "spheres_gamma", "omega_star_exponent"}  # packings.py


def test_width_for_matches_the_weight_count_of_the_net_with_d_equal_h():
    # L = 1, d = h, biases: N = h^2 + h + h + 1 = (h + 1)^2
    assert M.weights(1, 16) == 17 ** 2
    assert M.weights(3, 9) == 9 * 9 + 2 * (81 + 9) + 9 + 1 + 9    # d h + h, 2 (h^2 + h), h + 1
    for L in (1, 2, 3, 5):
        h = M.width_for(L, 300)
        assert abs(M.weights(L, h) - 300) <= abs(M.weights(L, h + 1) - 300)
        assert abs(M.weights(L, h) - 300) <= abs(M.weights(L, h - 1) - 300)


def test_cusp_ratio_finds_a_peak_at_n_star_and_none_in_a_monotone_curve():
    N = np.array([10, 20, 40, 80, 160, 320.0])
    peaked = np.array([0.40, 0.35, 0.30, 0.45, 0.30, 0.25])       # N* = 80: above 0.30 and 0.25
    r, i, k = M.cusp_ratio(N, peaked, 80.0)
    assert (i, k) == (3, 2) and np.isclose(r, 0.45 / 0.30)         # the binding side: below N*
    monotone = np.array([0.40, 0.35, 0.30, 0.28, 0.26, 0.25])
    r, i, k = M.cusp_ratio(N, monotone, 80.0)
    assert np.isclose(r, 0.28 / 0.30) and r < 1                     # a decreasing curve: no cusp
    assert np.isnan(M.cusp_ratio(N, peaked, float("nan"))[0])
    assert np.isnan(M.cusp_ratio(N, peaked, 1000.0)[0])              # nothing beyond N*
    assert np.isnan(M.cusp_ratio(N, peaked, 5.0)[0])                 # nothing below N*


def test_n_star_over_p_from_a_sweep_over_p_names_its_variable():
    x = np.array([0.2, 0.25, 0.3, 0.4, 0.5])
    ratio = np.array([0.6, 0.5, 0.3, 0.0, 0.0])                      # crosses 0.1 between 0.3 and 0.4
    est = A.n_star(x, ratio, label="N/P")
    assert 0.3 < est.value < 0.4 and est.window == (0.3, 0.4) and "N/P = 0.3 and 0.4" in est.note


def test_tiny_scale_report(tmp_path):
    from commands.reproduce import command
    out, records = tmp_path / "reports", tmp_path / "runs"
    res = CliRunner().invoke(command, ["geiger-2019", "--scale", "tiny", "--out", str(out),
                                       "--records", str(records)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    folder = out / "geiger-2019"
    report = json.loads((folder / "report.json").read_text())
    validate_report(report)
    assert {c["id"] for c in report["claims"]} == IDS
    for png in ("jamming.png", "margins.png", "cusp.png", "constraints.png", "hessian.png", "packings.png"):
        assert (folder / png).stat().st_size > 10_000
    spheres = next(c for c in report["claims"] if c["id"] == "spheres_isostatic")
    assert 0.9 < spheres["measured"] <= 1.0                          # Z/2d of jammed disks
    assert "digits" in (folder / "report.md").read_text()            # the stand-in is named
