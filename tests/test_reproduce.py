"""`reproduce`: the paper-report framework at a test scale (the Cugliandolo-Kurchan report with
N = 32, 64, 128 and CK to t = 100): report.md and report.json in the format of docs/design.md 5.2,
the figures, the records reused by a second call, bad input as one line with exit code 2."""
from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from compare.reports import PAPERS, load_paper, scales_of, validate_report
from compare.reports.base import Claim, claim_from
from physics import analysis as A

PAPER = "cugliandolo-kurchan-1993"
IDS = {"e_inf", "plateau_q", "fdt_slope_x", "finite_n_convergence"}


def _cli(args):
    from commands.reproduce import command
    return CliRunner().invoke(command, args, catch_exceptions=False)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    base = tmp_path_factory.mktemp("reproduce")
    out, records = base / "reports", base / "runs"
    t0 = time.time()
    res = _cli([PAPER, "--scale", "tiny", "--out", str(out), "--records", str(records)])
    return res, out / PAPER, records, time.time() - t0


def test_tiny_scale_writes_the_report(tiny):
    res, folder, records, elapsed = tiny
    assert res.exit_code == 0, res.output
    assert elapsed < 60
    report = json.loads((folder / "report.json").read_text())
    validate_report(report)                      # exactly the docs/design.md format
    assert set(report) == {"paper", "scale", "config", "elapsed_s", "claims"}
    assert report["paper"] == PAPER and report["scale"] == "tiny"
    assert {c["id"] for c in report["claims"]} >= IDS
    for c in report["claims"]:
        assert c["verdict"] in ("reproduced", "partly", "not reproduced")
        assert c["measured"] is not None or c["note"].startswith("Not measured")
        assert "Verdict rule" in c["note"] or c["id"] == "finite_n_convergence"
    md = (folder / "report.md").read_text()
    for cid in IDS:
        assert f"`{cid}`" in md
    for png in ("energy.png", "correlation.png", "fdt.png", "convergence.png"):
        assert (folder / png).stat().st_size > 10_000
        assert f"]({png})" in md
    # the records used are listed, and they are in --records
    points = report["config"]["points"]
    assert {"ck", "ck_half_grid", "pspin_N32", "pspin_N64", "pspin_N128"} <= set(points)
    for p in points.values():
        assert p["record"] and (records / p["record"].split("/")[-1]).exists()
    assert "reproduced" in res.output or "partly" in res.output


def test_second_call_reuses_the_records(tiny):
    _, folder, records, first = tiny
    mtimes = {p: p.stat().st_mtime for p in records.glob("*.h5")}
    t0 = time.time()
    res = _cli([PAPER, "--scale", "tiny", "--out", str(folder.parent), "--records", str(records)])
    assert res.exit_code == 0, res.output
    assert {p: p.stat().st_mtime for p in records.glob("*.h5")} == mtimes  # nothing rerun
    assert time.time() - t0 < 30


def test_bad_paper_and_scale_exit_2():
    res = CliRunner().invoke(__import__("commands.reproduce", fromlist=["command"]).command, ["no-such-paper"])
    assert res.exit_code == 2
    errors = [line for line in res.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and PAPER in errors[0]
    res = CliRunner().invoke(__import__("commands.reproduce", fromlist=["command"]).command, [PAPER, "--scale", "huge"])
    assert res.exit_code == 2 and "small" in res.output and "paper" in res.output


def test_help_lists_papers_and_scales_with_times():
    res = _cli(["--help"])
    assert res.exit_code == 0
    assert PAPER in res.output and "--scale small" in res.output and "--scale paper" in res.output
    assert "tiny" not in res.output            # the test scale is hidden
    assert set(scales_of(PAPER)) == {"small", "paper"}


def test_registry_and_cli_entry():
    import cli
    assert "reproduce" in cli.COMMANDS
    assert set(PAPERS) >= {PAPER}
    with pytest.raises(ValueError, match="known"):
        load_paper("nope")


def test_validate_report_rejects_what_design_forbids():
    claim = Claim("a", "text", 1.0, 0.1, "1 (source)", "reproduced", "note").as_dict()
    good = {"paper": "p", "scale": "small", "config": {}, "elapsed_s": 1.0, "claims": [claim]}
    validate_report(good)
    for bad in ({**good, "extra": 1},
                {**good, "claims": [{**claim, "verdict": "maybe"}]},
                {**good, "claims": [{**claim, "measured": float("nan")}]},
                {**good, "claims": [{**claim, "measured": None, "note": ""}]}):
        with pytest.raises(ValueError):
            validate_report(bad)


def test_claim_from_uses_analysis_verdict():
    c = claim_from("x", "x is 1", A.Estimate(1.05, 0.01), 1.0, "1 (paper)", tol=0.1, how="test")
    assert c.verdict == "reproduced" and "allowed" in c.note
    c = claim_from("x", "x is 1", A.Estimate(1.5, 0.01), 1.0, "1 (paper)", tol=0.1, how="test")
    assert c.verdict == "not reproduced"
    c = claim_from("x", "x is 1", A.none("no plateau"), 1.0, "1 (paper)", tol=0.1, how="test")
    assert c.measured is None and c.verdict == "not reproduced" and "no plateau" in c.note


KWJ_IDS = {"tau_finite_all_T", "q_power_law_exponent", "tts_collapse", "no_caging", "aging_low_T",
           "chi4_peak", "trivialisation_lambda", "pspin_tau_exponent", "spheres_tau_growth"}


def test_kerr_winter_tiny_scale_runs_through_the_sweep_engine(tmp_path):
    out, records = tmp_path / "reports", tmp_path / "runs"
    res = _cli(["kerr-winter-2024", "--scale", "tiny", "--out", str(out), "--records", str(records),
                "--workers", "2"])
    assert res.exit_code == 0, res.output
    folder = out / "kerr-winter-2024"
    report = json.loads((folder / "report.json").read_text())
    validate_report(report)
    assert {c["id"] for c in report["claims"]} == KWJ_IDS
    spheres = next(c for c in report["claims"] if c["id"] == "spheres_tau_growth")
    assert "init equilibrated" in spheres["note"] and "stationary" in spheres["note"]
    pspin = next(c for c in report["claims"] if c["id"] == "pspin_tau_exponent")
    assert "planted" in pspin["note"] and "stationary_tau" in pspin["note"]
    for png in ("tau.png", "tts.png", "dynamics.png", "trivialisation.png", "phase.png"):
        assert (folder / png).stat().st_size > 10_000
    assert len(list(records.glob("*.h5"))) == len(report["config"]["points"])
