"""The same record gives the same findings everywhere: in its command's printed summary, in
`show` (table and --json) and in `compare`'s summary.json. Also: `show`'s errors, the JSON shape,
the verdicts and the one number formatter.

The commands run on their real option parsing and config building, with the run function replaced
by one that fills the record with the synthetic data of tests/test_compare.py (fast)."""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from click.testing import CliRunner

from compare.records import load_run
from test_compare import make_ck, make_dnn_jam, make_pspin, make_spheres_jam


def _faker(make, **kw):
    """A run function that writes the synthetic record of `make` (its arrays) into the sink."""
    def run(config, sink, progress=None):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            src = load_run(make(d, **kw))
        sink.begin(src["t"] if "t" in src else [], src["tw"] if "tw" in src else [],
                   samples=next(np.shape(src[k])[0] for k in ("energy", "spheres/phi_J", "dnn/N_delta_final")
                                if k in src))
        for k in src.names:
            if k not in ("t", "tw"):
                sink.put(k, src[k])
        if "spheres/phi_J" in src and "spheres/positions" not in src:   # what the quick look draws
            rng = np.random.default_rng(0)
            S, N, L = np.size(src["spheres/phi_J"]), 64, 7.0
            sink.put("spheres/positions", rng.uniform(0, L, size=(S, N, 2)))
            sink.put("spheres/diameters", np.tile(np.r_[np.ones(N // 2), 1.4 * np.ones(N // 2)], (S, 1)))
            sink.put("spheres/box", np.full(S, L))
            sink.put("spheres/nonrattler", np.ones((S, N), np.int8))
            for k, v in (("fire_steps", 1e4), ("time_s", 1.0), ("phi_lo", 0.84), ("phi_hi", 0.84 + 1e-6)):
                sink.put(f"spheres/{k}", np.full(S, v))
        if progress:
            progress(1, 1)
    return run


CASES = {
    # role: (command module, arguments, module whose `run` is replaced, synthetic record, keys)
    "pspin": ("commands.pspin", ["--N", "64", "--T", "0.5"], "physics.pspin", make_pspin,
              ("plateau_q", "fdt_slope_x")),
    "ck": ("commands.ck", ["--T", "0.5", "--tmax", "1000"], "physics.ck", make_ck, ("plateau_q", "fdt_slope_x")),
    "spheres_jam": ("commands.spheres", ["jam", "--N", "256"], "physics.spheres", make_spheres_jam, ("phi_J",)),
    "dnn_jam": ("commands.dnn", ["jamming", "--P", "400"], "nets", make_dnn_jam, ("N_star_over_P",)),
}


def _table(output: str, title_start: str) -> list[str]:
    """The lines of the findings table whose title starts with `title_start`."""
    lines = output.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith(title_start))
    out = []
    for ln in lines[i + 1:]:
        if not ln.startswith("  "):
            break
        out.append(ln)
    return out


@pytest.fixture(scope="module")
def commanded(tmp_path_factory):
    """Each case run through its command: {role: (record path, command output)}."""
    import importlib
    mp = pytest.MonkeyPatch()
    out = tmp_path_factory.mktemp("cmd")
    done = {}
    try:
        for role, (cmd, args, runmod, make, _) in CASES.items():
            mp.setattr(importlib.import_module(runmod), "run", _faker(make))
            res = CliRunner().invoke(importlib.import_module(cmd).command, args + ["--out", str(out)])
            assert res.exit_code == 0, (role, res.output, res.exception)
            path = re.search(r"^record: (\S+)$", res.output, re.M).group(1)
            done[role] = (path, res.output)
    finally:
        mp.undo()
    return done


def test_same_numbers_in_command_show_and_compare(commanded, tmp_path):
    from commands.compare import command as compare
    from commands.show import command as show
    from compare.findings import findings
    from compare.table import fmt

    res = CliRunner().invoke(show, ["--json"] + [p for p, _ in commanded.values()])
    assert res.exit_code == 0, res.output
    shown = [json.loads(ln) for ln in res.output.splitlines()]
    assert [s["path"] for s in shown] == [p for p, _ in commanded.values()]
    res = CliRunner().invoke(compare, sum((["--runs", p] for p, _ in commanded.values()), [])
                             + ["--out", str(tmp_path), "--no-make", "--no-pdf", "--no-html"])
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    for (role, (path, output)), js in zip(commanded.items(), shown):
        assert js["status"] == "complete" and js["system"] == load_run(path).system
        found = {f.key: f for f in findings(load_run(path))}
        for key in CASES[role][4]:
            v = js["findings"][key]
            assert v is not None and math.isfinite(v), (role, key)
            assert summary[role][key] == v, (role, key)              # compare's summary.json
            assert found[key].value == v
            line = next(ln for ln in output.splitlines() if found[key].quantity in ln)
            assert fmt(v, found[key].error) in line, (role, key, line)  # the command's table
    # N*/P recomputed from N_Delta/N (analysis.n_star), never the stored dnn/N_star
    assert "dnn/N_star" not in load_run(commanded["dnn_jam"][0])


def test_show_prints_the_table_its_command_printed(commanded):
    from commands.show import command as show
    from compare.findings import title

    for role, (path, output) in commanded.items():
        res = CliRunner().invoke(show, [path])
        assert res.exit_code == 0, res.output
        head = title(load_run(path))
        table = _table(output, head)
        assert table and _table(res.output, head) == table, role
        assert "verdict" in table[0] and "how" in table[0]


def test_show_errors_are_one_line_exit_2(tmp_path, commanded):
    from commands.show import command as show

    text = tmp_path / "notes.h5"
    text.write_text("not a record")
    import h5py
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    good = commanded["ck"][0]
    for args, word in (([str(tmp_path / "missing.h5")], "no such file"), ([str(text)], "not a readable HDF5 file"),
                       ([str(foreign)], "not a run record"), ([good, str(foreign)], "foreign.h5")):
        res = CliRunner().invoke(show, args)
        assert res.exit_code == 2, res.output
        err = [ln for ln in res.output.splitlines() if ln.startswith("Error")]
        assert len(err) == 1 and word in err[0], res.output
        assert "Traceback" not in res.output
    res = CliRunner().invoke(show, [])
    assert res.exit_code == 2


def test_show_is_a_cli_command():
    from cli import main
    res = CliRunner().invoke(main, ["show", "--help"])
    assert res.exit_code == 0 and "--json" in res.output


# ----------------------------------------------------------------------------- pieces

def test_verdicts_follow_the_stated_tolerances():
    from compare.findings import TOLERANCES, Finding, analytic, judge
    from physics import analysis as A

    f = Finding("phi_J", "phi_J", A.Estimate(0.845, 0.001), 0.84)
    assert judge(f)[0] == "reproduced"
    assert judge(Finding("phi_J", "phi_J", A.Estimate(0.80, 0.001), 0.84))[0] == "not reproduced"
    # the wrong sign is never passed silently
    assert judge(Finding("theta_nets", "theta", A.Estimate(-0.71, 0.05), 0.3))[0] == "not reproduced"
    assert judge(Finding("N_star_over_P", "N*/P", A.Estimate(0.33, 0.01), (0.30, 0.36)))[0] == "reproduced"
    assert judge(analytic("T_d", "T_d", 0.61)) is None            # computed, not measured
    assert judge(Finding("msd_late_exponent", "a", A.Estimate(0.3), "< 1")) is None   # a text
    # every tolerance positive but trap_model_scaling's: its slack, the exact finite-tw correction,
    # is the upper end of its expected range [0, correction] (compare/findings/trap.py)
    assert all(t > 0 for k, (t, _) in TOLERANCES.items() if k != "trap_model_scaling")
    assert TOLERANCES["trap_model_scaling"] == (0.0, False)


def test_as_json_and_fmt():
    from compare.findings import Finding, as_json
    from compare.table import fmt
    from physics import analysis as A

    js = as_json([Finding("a", "a", A.Estimate(1.5, 0.1)), Finding("b", "b", A.none("no data")),
                  Finding("c", "c", A.Estimate(1e3, bound=">")), Finding("regime", "r", A.none("w"), text="over-parametrised")])
    assert js == {"a": 1.5, "a_error": 0.1, "b": None, "c": 1000.0, "c_bound": ">", "regime": "over-parametrised"}
    assert fmt(0.63312, 0.0041) == "0.6331 ± 0.0041"
    assert fmt(float("nan")) == "-" and fmt(None) == "" and fmt(4.0) == "4" and fmt(2e-5) == "2.000e-05"
    assert fmt((0.3, 0.36)) == "[0.3, 0.36]"


def test_scaling_fit_stays_above_the_finite_size_floor(tmp_path):
    """The Z - Z_c exponent is fitted only where N^2 (phi - phi_J) > 100: a floor below (one
    contact more) does not pull it."""
    from compare.findings import findings
    path = make_spheres_jam(tmp_path)
    run = load_run(path)
    d = np.asarray(run["spheres/dphi"])
    run.data["spheres/Z_excess"] = np.where(d < 1e-4, 2 / 256, 3.5 * np.sqrt(d))[None].repeat(2, 0)
    f = {x.key: x for x in findings(run)}["scaling_Z"]
    assert f.value == pytest.approx(0.5, abs=1e-6)
    assert f.estimate.window[0] >= 100 / 256 ** 2


def test_analytic_values_are_expected_not_measured(tmp_path):
    """A value computed from theory (T_d, the annealed energy at this N) is in the expected column
    of every table, with the measured cell empty; measured values keep theirs."""
    from compare.findings import analytic, findings
    from compare.table import finding_rows
    assert finding_rows([analytic("T_d", "T_d", 0.6124)]) == [("T_d", "", "0.6124", "", "analytic")]
    rows = {r[0]: r for r in finding_rows(findings(load_run(make_pspin(tmp_path))))}
    td = rows["T_d (dynamical temperature)"]
    assert td[1] == "" and td[2] == "0.6124"
    assert rows["energy per spin e(t_max)"][1] not in ("", "-")

