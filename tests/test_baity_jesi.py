"""`reproduce baity-jesi-2018` at its test scale (2 x 100 SGD steps of tiny nets, a small trap-model
run, CK to t = 100): the report in the format of docs/design.md 5.2 with every claim id, the
barrier placeholder's two claims, the four figures, and a second call that reuses the records."""
from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from compare.reports import PAPERS, validate_report

pytest.importorskip("sklearn")

PAPER = "baity-jesi-2018"
IDS = ["three_regimes", "late_msd_exponent", "under_plateau", "trap_model_scaling", "p_spin_plateau",
       "no_barrier_nets", "pspin_barrier_grows"]


def _cli(args):
    from commands.reproduce import command
    return CliRunner().invoke(command, args, catch_exceptions=False)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base = tmp_path_factory.mktemp("bj")
    out, records = base / "reports", base / "runs"
    args = [PAPER, "--scale", "tiny", "--out", str(out), "--records", str(records), "--workers", "1"]
    t0 = time.time()
    res = _cli(args)
    return res, out / PAPER, records, time.time() - t0, args


def test_registered():
    assert PAPER in PAPERS


def test_tiny_report(tiny):
    res, folder, records, elapsed, _ = tiny
    assert res.exit_code == 0, res.output
    report = json.loads((folder / "report.json").read_text())
    validate_report(report)
    assert [c["id"] for c in report["claims"]] == IDS
    by = {c["id"]: c for c in report["claims"]}
    for cid in ("no_barrier_nets", "pspin_barrier_grows"):       # from the barriers records
        assert "NEB" in by[cid]["note"] and "Verdict rule" in by[cid]["note"]
    assert by["pspin_barrier_grows"]["measured"] is not None     # an exponent over N = 8, 12, 16
    for cid in ("three_regimes", "late_msd_exponent", "trap_model_scaling"):
        assert by[cid]["measured"] is not None, by[cid]["note"]
    assert "t1" in by["three_regimes"]["note"] and "t2" in by["three_regimes"]["note"]
    md = (folder / "report.md").read_text()
    for png in ("msd.png", "collapse.png", "loss.png", "trap.png"):
        assert (folder / png).stat().st_size > 10_000 and f"]({png})" in md
    assert "digits" in md                                # the stand-in data is named
    points = report["config"]["points"]
    assert {"net_over", "net_under", "trap", "ck", "ck_half_grid", "barriers_pspin_N8",
            "barriers_dnn_w16"} <= set(points)
    assert points["net_over"]["config"]["outputs"] == 10 and points["net_over"]["config"]["dynamics"] == "sgd"


def test_second_call_reuses_the_records(tiny):
    res, folder, records, elapsed, args = tiny
    before = sorted(p.name for p in records.iterdir())
    t0 = time.time()
    again = _cli(args)
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in records.iterdir()) == before
    assert time.time() - t0 < max(0.6 * elapsed, 15.0)
