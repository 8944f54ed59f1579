"""A table of bad or hostile inputs for every command (issue 10): each is refused before anything
runs, with exit code 2, exactly one line starting with "Error:", no traceback, and nothing written
to --out.

The classes: NaN, inf, -inf, negative, zero (where zero is not allowed) and huge values of every
numeric option; waiting times outside (0, tmax); unsupported p and bad mixtures; wrong choices;
malformed lists; runs that would not fit in memory (refused before allocating, naming the option
typed); an --out that cannot be written; unreadable, foreign, empty or broken HDF5 files given to
`show` and `compare --runs`; `compare` with nothing to draw.

The memory cases are judged as on a machine with MEMORY bytes available (the guard's reading of
the host is pinned), so that the table does not depend on the machine it runs on: `spheres age
--N 10000000` (about 4 GB) is refused there, while on a larger machine it runs after saying how
long it will take (test_a_long_run_says_so_before_it_starts).

Besides the table: show with good and bad files together, a cached record shown from a folder that
cannot be written, a folder that takes no files (as a read-only one is for a user who is not
root), and the runaway guard.

    python -m pytest tests/test_bad_inputs.py -q      # < 1 minute
"""
from __future__ import annotations

import os
from pathlib import Path

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

import cli
from compare.registry import REGISTRY

pytestmark = pytest.mark.timeout(60)     # a case that runs instead of being refused fails fast

MEMORY = 2 * 2**30
"""Bytes of memory the table's machine has available (physics.config.available_memory_bytes)."""

# Cheap runs: a case that is not refused runs briefly instead of for minutes.
BASE = {
    "pspin": ["pspin", "--N", "20", "--tmax", "1", "--out", "{out}"],
    "ck": ["ck", "--tmax", "1", "--n-grid", "64", "--out", "{out}"],
    "spheres jam": ["spheres", "jam", "--N", "16", "--out", "{out}"],
    "spheres age": ["spheres", "age", "--N", "16", "--tmax", "1", "--out", "{out}"],
    "dnn": ["dnn", "--width", "4", "--P", "20", "--tmax", "1", "--samples", "1", "--hessian-k", "0",
            "--out", "{out}"],
    "dnn jamming": ["dnn", "jamming", "--widths", "2", "--P", "20", "--max-steps", "10", "--samples", "1",
                    "--out", "{out}"],
    "trap": ["trap", "--tmax", "1e3", "--walkers", "100", "--out", "{out}"],
    "barriers pspin": ["barriers", "pspin", "--N", "12", "--minima", "2", "--images", "5", "--neb-steps",
                       "20", "--descent-t", "1", "--min-steps", "20", "--out", "{out}"],
    "barriers dnn": ["barriers", "dnn", "--width", "2", "--P", "10", "--minima", "2", "--images", "5",
                     "--neb-steps", "20", "--max-steps", "20", "--min-steps", "20", "--device", "cpu",
                     "--out", "{out}"],
    "compare": ["compare", "--records", "{records}", "--out", "{out}", "--no-make"],
    "show": ["show"],
    "reproduce paper": ["reproduce"],
    "reproduce": ["reproduce", "cugliandolo-kurchan-1993", "--scale", "tiny", "--out", "{out}",
                  "--records", "{records}"],
}
RUN_COMMANDS = ("pspin", "ck", "spheres jam", "spheres age", "dnn", "dnn jamming", "trap", "barriers pspin",
                "barriers dnn")
SCHEMA_OF = {"pspin": "pspin", "ck": "ck", "spheres jam": "spheres", "spheres age": "spheres",
             "dnn": "dnn", "dnn jamming": "dnn", "trap": "trap", "barriers pspin": "barriers",
             "barriers dnn": "barriers"}
PROTOCOL = {"spheres jam": "jam", "spheres age": "age", "dnn": "langevin", "dnn jamming": "jamming",
            "barriers pspin": "pspin", "barriers dnn": "dnn"}

HUGE_FLOAT, HUGE_INT = "1e300", str(10**30)
HUGE_IS_VALID = {"--decay-steps": "an Adam step that never decays"}
"""Options whose huge value means something (left out of the huge class)."""


def _options(command: str) -> dict:
    """{option: Param} of the schema parameters that `command` offers as options."""
    import importlib
    words = command.split()
    cmd = importlib.import_module(REGISTRY[SCHEMA_OF[command]].command).command
    if len(words) > 1:
        cmd = cmd.commands[words[1]]
    schema = REGISTRY[SCHEMA_OF[command]].schema
    return {schema[o.name].option: schema[o.name] for o in cmd.params if o.name in schema}


def _numeric_cases() -> list:
    """NaN, inf, -inf, -1, zero (where the schema excludes it), and huge, for every numeric option."""
    cases = []
    for command in RUN_COMMANDS:
        for option, p in _options(command).items():
            if p.kind == "int" and p.choices is None:
                values = ["nan", "inf", "-1", "1.5", HUGE_INT]
                if p.lo is not None and (p.lo > 0 or p.lo_open):
                    values.append("0")
            elif p.kind == "float":
                values = ["nan", "inf", "-inf", "-1", HUGE_FLOAT]
                if p.lo is not None and (p.lo > 0 or p.lo_open):
                    values.append("0")
            elif p.kind in ("floats", "ints"):
                values = ["nan", "1,inf", "-1", "0", HUGE_FLOAT if p.kind == "floats" else HUGE_INT,
                          "a,b", "1;2", "[1,2]"]
            else:
                continue
            for v in values:
                if v in (HUGE_FLOAT, HUGE_INT) and option in HUGE_IS_VALID:
                    continue
                cases.append((command, [option, v], option))
    return cases


OTHER_CASES = [
    # waiting times outside (0, tmax)
    ("pspin", ["--tw", "2"], "--tw"), ("pspin", ["--tw", "1"], "--tw"), ("pspin", ["--tw", "-1"], "--tw"),
    ("ck", ["--tw", "5"], "--tw"), ("ck", ["--tw", "-1"], "--tw"),
    ("spheres age", ["--tw", "2000"], "--tw"), ("spheres age", ["--tw", "-1"], "--tw"),
    ("spheres age", ["--tw", "1"], "--tw"), ("spheres age", ["--tw", "0.5,0"], "--tw"),
    ("dnn", ["--tw", "5"], "--tw"), ("dnn", ["--tw", "-1"], "--tw"),
    # p and mixtures
    ("pspin", ["--p", "5"], "--p"), ("pspin", ["--p", "1"], "--p"), ("ck", ["--p", "5"], "--p"),
    ("ck", ["--p", "1"], "--p"),
    *[(c, ["--mix", m], "--mix") for c in ("pspin", "ck") for m in (
        "5:1", "1:1", "0:1", "-3:1", "3.5:1", "2:-1", "3:0", "2:0,3:0", "3:nan", "3:inf", "3",
        "3:a", "a:1", "3:1:2", "3:1,3:2", ",")],
    # wrong choices
    ("pspin", ["--integrator", "leapfrog"], "--integrator"), ("pspin", ["--precision", "bfloat16"], "--precision"),
    ("pspin", ["--init", "hot"], "--init"), ("ck", ["--samples", "2"], "--samples"),
    ("spheres jam", ["--dim", "4"], "--dim"), ("spheres jam", ["--mixture", "tridisperse"], "--mixture"),
    ("spheres age", ["--dim", "1"], "--dim"),
    ("dnn", ["--data", "imagenet"], "--data"), ("dnn", ["--model", "transformer"], "--model"),
    ("dnn", ["--activation", "gelu"], "--activation"), ("dnn", ["--loss", "l1"], "--loss"),
    ("dnn", ["--dynamics", "adam"], "--dynamics"), ("dnn", ["--device", "tpu"], "--device"),
    ("dnn", ["--precision", "float16"], "--precision"), ("dnn", ["--init", "zeros"], "--init"),
    ("dnn jamming", ["--loss", "l1"], "--loss"),
    # relations
    ("pspin", ["--N", "3"], "--N"), ("pspin", ["--tmax", "0.01"], "--tmax"),
    ("pspin", ["--init", "equilibrium", "--T", "0.5"], "--T0"), ("pspin", ["--T0", "1"], "--T0"),
    ("ck", ["--n-grid", "66"], "--n-grid"), ("ck", ["--tmax", "0.05"], "--tmax"),
    ("ck", ["--method", "dynamite"], "--method"), ("ck", ["--method", "ratio", "--nodes", "10"], "--nodes"),
    ("ck", ["--step", "0"], "--step"), ("ck", ["--step", "0.5"], "--step"),
    ("ck", ["--grade", "0.5"], "--grade"),
    ("spheres age", ["--N", "2"], "--N"), ("spheres age", ["--tmax", "0.001"], "--tmax"),
    ("spheres jam", ["--N", "2"], "--N"),
    ("dnn", ["--dynamics", "sgd", "--batch", "100"], "--batch"), ("dnn", ["--model", "cnn"], "--model"),
    ("dnn", ["--data", "digits", "--d", "100"], "--d"), ("dnn", ["--tmax", "0.1"], "--tmax"),
    ("dnn", ["--data", "mnist", "--data-dir", "{tmp}/no-such-folder"], "--data"),
    ("dnn", ["--data", "cifar10", "--data-dir", "{a_file}"], "--data"),
    ("dnn", ["--threads", "0"], "--threads"), ("dnn", ["--threads", HUGE_INT], "--threads"),
    ("dnn", ["--threads", "nan"], "--threads"),
    # what does not fit in memory: refused before allocating, naming the option typed
    ("dnn", ["--d", "1000000"], "--d"), ("dnn", ["--width", "10000000"], "--width"),
    ("dnn", ["--P", "100000000"], "--P"), ("dnn", ["--depth", "100000"], "--depth"),
    ("dnn", ["--samples", "100000000"], "--samples"),
    ("dnn jamming", ["--widths", "2,100000000"], "--widths"), ("dnn jamming", ["--P", "100000000"], "--P"),
    ("dnn jamming", ["--d", "100000000"], "--d"), ("dnn jamming", ["--samples", "100000000"], "--samples"),
    ("spheres jam", ["--N", "10000000"], "--N"), ("spheres age", ["--N", "10000000"], "--N"),
    ("spheres jam", ["--N", "10000000", "--dim", "3"], "--N"),
    ("spheres age", ["--samples", "1000000000"], "--samples"),
    ("pspin", ["--N", "100000"], "--N"), ("pspin", ["--samples", "1000000000"], "--samples"),
    ("pspin", ["--tmax", "1e8", "--dt", "0.01"], "--tmax"),
    ("spheres age", ["--tmax", "1e12"], "--tmax"),
    # the lr of the jamming sweep is --lr (config key min_lr)
    ("dnn jamming", ["--lr", "nan"], "--lr"), ("dnn jamming", ["--lr", "0"], "--lr"),
    # unknown options and stray arguments
    ("pspin", ["--nonsense", "1"], None), ("spheres age", ["extra"], None),
]

# --out that cannot be written (checked before the run starts)
OUT_CASES = [(c, ["--out", where], "--out") for c in RUN_COMMANDS for where in ("{a_file}", "{under_file}")] + [
    ("compare", ["--out", "{under_file}"], "--out"), ("compare", ["--out", "{a_file}"], "--out"),
    ("compare", ["--records", "{a_file}"], "--records"),
    ("compare", ["--records", "{under_file}", "--make"], "--records"),
    ("reproduce", ["--out", "{under_file}"], "--out"), ("reproduce", ["--records", "{under_file}"], "--records"),
    ("reproduce", ["--out", "{a_file}"], "--out"),
]

# broken files for show and compare --runs (made by _files)
BROKEN = ("missing.h5", "empty.h5", "text.h5", "foreign.h5", "truncated.h5", "no_status.h5",
          "config_not_json.h5", "config_a_list.h5", "complete_without_t.h5", "complete_without_energy.h5",
          "unknown_system.h5", "energy_a_string.h5", "a_folder.h5")
FILE_CASES = ([("show", ["{%s}" % b[:-3]], None) for b in BROKEN]
              + [("show", ["--json", "{%s}" % b], None) for b in ("foreign", "complete_without_energy")]
              + [("compare", ["--runs", "{%s}" % b[:-3]], None) for b in BROKEN]
              + [("compare", [], "nothing to draw"),                  # an empty --records folder
                 ("compare", ["--records", "{broken_folder}"], "nothing to draw")])

MISC_CASES = [
    ("reproduce", ["--scale", "huge"], "--scale"), ("show", [], None),
    ("reproduce paper", ["no-such-paper"], "PAPER"),
]

CASES = _numeric_cases() + OTHER_CASES + OUT_CASES + FILE_CASES + MISC_CASES


def _id(case) -> str:
    command, args, _ = case
    return (command + " " + " ".join(args)).replace("{", "").replace("}", "")


# ----------------------------------------------------------------------------- the files

def _record(path: Path, attrs: dict, data: dict) -> None:
    with h5py.File(path, "w") as f:
        for k, v in attrs.items():
            f.attrs[k] = v
        for k, v in data.items():
            f.create_dataset(k, data=v)


def _files(tmp: Path) -> dict:
    """Every placeholder of the table -> a path under tmp (the files made)."""
    b = tmp / "files"
    b.mkdir()
    p = {name: b / name for name in BROKEN}
    p["empty.h5"].write_bytes(b"")
    p["text.h5"].write_text("this is not HDF5\n")
    with h5py.File(p["foreign.h5"], "w") as f:
        f.create_dataset("x", data=np.arange(10))
    cfg = '{"N": 20, "p": 3, "T": 0.5, "tmax": 1.0, "samples": 1}'
    ok = {"system": "pspin", "config": cfg, "status": "complete"}
    t, tw = np.array([0.5, 1.0]), np.array([0.5])
    _record(p["truncated.h5"], ok, {"t": t, "tw": tw, "energy": np.zeros((1, 2)), "pad": np.zeros(20000)})
    raw = p["truncated.h5"].read_bytes()
    p["truncated.h5"].write_bytes(raw[: len(raw) // 3])
    _record(p["no_status.h5"], {"system": "pspin", "config": cfg}, {"t": t, "tw": tw})
    _record(p["config_not_json.h5"], dict(ok, config="{N: 20"), {"t": t, "tw": tw})
    _record(p["config_a_list.h5"], dict(ok, config="[1, 2]"), {"t": t, "tw": tw})
    _record(p["complete_without_t.h5"], ok, {"tw": tw})
    _record(p["complete_without_energy.h5"], ok, {"t": t, "tw": tw})
    _record(p["unknown_system.h5"], dict(ok, system="no_such_system"), {"t": t, "tw": tw})
    _record(p["energy_a_string.h5"], ok, {"t": t, "tw": tw, "energy": np.bytes_("high")})
    p["a_folder.h5"].mkdir()
    out = {k[:-3]: str(v) for k, v in p.items()}
    out["a_file"] = str(tmp / "a-file")
    Path(out["a_file"]).write_text("a regular file\n")
    out["under_file"] = out["a_file"] + "/sub"
    out["broken_folder"] = str(tmp / "broken-folder")
    Path(out["broken_folder"]).mkdir()
    for i, name in enumerate(("empty.h5", "text.h5", "foreign.h5", "complete_without_energy.h5")):
        (Path(out["broken_folder"]) / f"pspin-{i:012x}.h5").write_bytes(p[name].read_bytes())
    out["out"] = str(tmp / "out")
    out["records"] = str(tmp / "records")
    out["tmp"] = str(tmp)
    return out


def _fill(args, paths) -> list:
    return [a.format(**paths) for a in args]


@pytest.fixture(autouse=True)
def _machine(monkeypatch):
    """The memory guard sees MEMORY bytes available, whatever the host has."""
    import physics.config
    monkeypatch.setattr(physics.config, "available_memory_bytes", lambda: MEMORY)


def invoke(args):
    return CliRunner().invoke(cli.main, args, catch_exceptions=False)


def _written(folder: Path) -> list:
    return sorted(str(p) for p in folder.rglob("*")) if folder.is_dir() else []


def problems(case, tmp_path: Path) -> list[str]:
    """What is wrong with the answer to one case ([] when it is refused as it should be)."""
    command, args, expect = case
    paths = _files(tmp_path)
    argv = _fill(BASE[command] + args, paths)
    res = invoke(argv)
    errors = [ln for ln in res.output.splitlines() if ln.startswith("Error:")]
    found = []
    if "Traceback" in res.output:
        found.append("traceback")
    if res.exit_code != 2:
        found.append(f"exit code {res.exit_code}")
    if len(errors) != 1:
        found.append(f"{len(errors)} Error lines")
    elif expect is not None:
        want = f"'{expect}'" if expect.startswith("-") or expect.isupper() else expect
        if want not in errors[0]:
            found.append(f"the Error line does not say {want}")
    for folder in ("out", "records"):
        if _written(Path(paths[folder])):
            found.append(f"wrote into --{folder}")
    return [f"{p}: {res.output[-1500:]}" for p in found[:1]] + found[1:]


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_bad_input_is_one_error_line_and_exit_2(case, tmp_path):
    assert problems(case, tmp_path) == []


def test_the_base_commands_are_valid():
    """The bases of the table are accepted (so each case is refused for its own value)."""
    for command in RUN_COMMANDS:
        entry = REGISTRY[SCHEMA_OF[command]]
        words = BASE[command][len(command.split()):]
        opts, cfg = _options(command), {}
        for i in range(0, len(words), 2):
            if words[i] in opts:
                p = opts[words[i]]
                cfg[p.name] = p.parse(words[i + 1])
        if command in PROTOCOL:
            cfg["protocol"] = PROTOCOL[command]
        entry.validate(entry.default_config(**cfg))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
@pytest.mark.parametrize("command", RUN_COMMANDS)
def test_read_only_out_is_refused(command, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        res = invoke(_fill(BASE[command], {"out": str(ro)}))
        assert res.exit_code == 2 and "'--out'" in res.output and "Traceback" not in res.output, res.output
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o700)


@pytest.mark.parametrize("command", RUN_COMMANDS)
def test_a_folder_that_takes_no_files_is_refused(command, tmp_path, monkeypatch):
    """As a read-only folder is for a user who is not root: the probe file cannot be made."""
    import tempfile
    ro = tmp_path / "ro"
    ro.mkdir()
    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == ro:
            raise PermissionError(13, "Permission denied")
        return real(*args, dir=dir, **kwargs)
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    for out in (ro, ro / "sub"):
        res = invoke(_fill(BASE[command], {"out": str(out)}))
        errors = [ln for ln in res.output.splitlines() if ln.startswith("Error:")]
        assert res.exit_code == 2 and len(errors) == 1 and "'--out'" in errors[0], res.output
        assert "Permission denied" in errors[0] and "Traceback" not in res.output
    assert list(ro.iterdir()) == []


def test_a_long_run_says_so_before_it_starts(monkeypatch, tmp_path):
    """The runaway guard: a run estimated to take long prints the estimate before it starts (it is
    not refused). The run itself is replaced by one that stops at once."""
    import physics.spheres

    def stop(config, sink, progress=None):
        raise KeyboardInterrupt
    monkeypatch.setattr(physics.config, "available_memory_bytes", lambda: 1 << 40)
    monkeypatch.setattr(physics.spheres, "run", stop)
    res = invoke(["spheres", "age", "--N", "10000000", "--out", str(tmp_path)])
    assert "estimated run time" in res.output, res.output
    assert res.exit_code == 130 and "Traceback" not in res.output


def test_show_prints_the_good_records_and_names_the_bad(tmp_path):
    """show with readable and unreadable files: the findings of the good ones, each bad one named
    with the reason, one Error line, exit code 2."""
    from test_compare import make_spheres_age
    good = make_spheres_age(tmp_path / "runs")
    paths = _files(tmp_path)
    res = invoke(["show", str(good), paths["empty"]])
    errors = [ln for ln in res.output.splitlines() if ln.startswith("Error:")]
    assert res.exit_code == 2 and len(errors) == 1 and "empty.h5" in errors[0], res.output
    assert "spheres age: N = 64" in res.output and str(good) in res.output
    res = invoke(["show", str(good), paths["empty"], paths["foreign"], paths["missing"]])
    errors = [ln for ln in res.output.splitlines() if ln.startswith("Error:")]
    assert res.exit_code == 2 and errors == ["Error: 3 of 4 files are not readable records (above)"], res.output
    assert len([ln for ln in res.output.splitlines() if ln.startswith("skipped ")]) == 3


def test_a_cached_record_in_a_read_only_place_is_still_shown(tmp_path, monkeypatch):
    """The --out check is for runs to come: a finished record is shown even where nothing can be
    written (its quick look is then reported as not written)."""
    from commands import common
    from compare.records import run_path
    from physics.spheres import default_config
    from test_compare import make_spheres_age
    cfg = default_config(protocol="age", N=16, tmax=1.0)          # what the command below asks for
    Path(make_spheres_age(tmp_path / "runs")).rename(run_path(tmp_path / "runs", "spheres", cfg))

    def refuse(folder, option="--out"):
        raise AssertionError("a cached record needs no writable --out")
    monkeypatch.setattr(common, "writable_folder", refuse)
    res = invoke(["spheres", "age", "--N", "16", "--tmax", "1", "--out", str(tmp_path / "runs")])
    assert res.exit_code == 0 and "reusing the record" in res.output, res.output


def test_count(capsys):
    """How many cases the table holds (printed with -s)."""
    with capsys.disabled():
        print(f"\n{len(CASES)} bad-input cases")
    assert len(CASES) >= 150
