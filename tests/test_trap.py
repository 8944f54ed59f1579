"""The trap model (physics/trap.py, physics/trap_theory.py, `python cli.py trap`): the exact
results against each other, the Monte Carlo against them, and the command.

Statistics. A walker either jumps between tw and t or not, independently of the others, so the
Monte Carlo Pi of n walkers has the binomial standard error sqrt(Pi (1 - Pi) / n). The curves are
compared at every point of the grid after tw (~60 correlated points per tw): a bound of 4
standard errors on the largest deviation fails by chance with probability below ~1 %, where
3 would fail ~10 % of seeds. Each Monte Carlo check is shown able to fail: the same data miss the
curve of a slightly different x.

The record's findings (compare/findings/trap.py) in `show`, and the trap model in `compare` (its
role, its panel of the aging figure) are checked at the end.

    python -m pytest -q tests/test_trap.py          # ~40 s on 2 shared cores
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import special, stats

import cli
from compare.records import execute, load_run, run_path
from physics import trap
from physics import trap_theory as th
from physics.observables import Recording

Z = 4.0
"""Standard errors allowed on the largest deviation over a curve (module docstring)."""


def mc(**kw):
    """A Monte Carlo run in memory: (config, t, tw, Pi averaged over samples, Recording)."""
    cfg = trap.default_config(**kw)
    rec = Recording()
    trap.run(cfg, rec)
    return cfg, rec["t"], rec["tw"], rec["C"].mean(axis=0), rec


# ----------------------------------------------------------------------------- exact results

def test_scaling_function_betainc_is_the_bouchaud_dean_integral():
    for x in (0.1, 0.3, 0.5, 0.7, 0.9):
        u = np.logspace(-4, 4, 17)
        quad = np.array([th.scaling_function_quadrature(x, v) for v in u])
        assert np.max(np.abs(th.scaling_function(x, u) - quad)) < 1e-9, x
        assert th.scaling_function(x, 0.0) == 1.0
        tail = math.sin(math.pi * x) / (math.pi * x) * 1e4 ** -x          # H_x(u) ~ u^-x for u >> 1
        assert th.scaling_function(x, 1e4) == pytest.approx(tail, rel=2e-4 / x)
    assert th.scaling_function(0.5, 1.0) == pytest.approx(0.5)           # I_{1/2}(1/2, 1/2)
    with pytest.raises(ValueError):
        th.scaling_function(1.0, 1.0)


def test_exact_pi_limits_short_tw_equilibrium_and_aging():
    """The Laplace inversion: tw -> 0 gives the survival of a fresh trap, x > 1 the stationary
    Pi_eq(t) = (x - 1) t^(1 - x) gamma(x - 1, t), and for x < 1 |Pi - H_x| falls as tw^-(1 - x)."""
    t = np.logspace(-1, 3, 9)
    assert np.allclose(th.no_jump_probability(0.5, 1e-6, t), th.survival(0.5, t), atol=1e-5)
    x = 2.0
    eq = (x - 1) * t ** (1 - x) * special.gamma(x - 1) * special.gammainc(x - 1, t)
    assert np.allclose(th.no_jump_probability(x, 1e7, t), eq, atol=1e-5)
    assert th.mean_depth(x, [1e7])[0] == pytest.approx(x / (x - 1), abs=1e-5)
    u = np.array([0.1, 1.0, 10.0])
    for x in (0.3, 0.7):
        c4, c8 = (np.abs(th.finite_tw_correction(x, w, u)) for w in (1e4, 1e8))
        assert np.all(c8 < 3e-3)
        assert np.allclose(c4 / c8, 1e4 ** (1 - x), rtol=0.1), (x, c4 / c8)


@pytest.mark.parametrize("dynamics,x", [("bouchaud", 0.5), ("barrat-mezard", 0.5),
                                         ("barrat-mezard", 1.0), ("barrat-mezard", 2.0)])
def test_one_jump_follows_the_rates(dynamics, x):
    """20000 walkers make exactly one jump from depth 3: the new depth and the time spent in the new
    trap have the laws of physics/trap.py's docstring (Kolmogorov-Smirnov, p > 1e-3)."""
    d0, n = 3.0, 20000
    w = trap.Walkers(x, dynamics, 1, n, seed=5)
    w.depth[:], w.leave[:] = d0, 0.0
    w.advance(0.0)
    assert np.all(w.jumps == 1)
    if dynamics == "bouchaud":
        cdf = stats.expon.cdf
        rate = np.exp(-w.depth / x)
    else:
        a = 1.0 / x - 1.0
        f = d0 if a == 0 else -math.expm1(-a * d0) / a
        deep = 1.0 / (1.0 + f)

        def cdf(d):
            low = np.minimum(d, d0) / d0 if a == 0 else np.expm1(a * np.minimum(d, d0)) / math.expm1(a * d0)
            return (1 - deep) * low + deep * np.where(d > d0, -np.expm1(-(d - d0)), 0.0)
        fd = w.depth if a == 0 else -np.expm1(-a * w.depth) / a
        rate = np.exp(-w.depth) * (1.0 + fd)
    assert stats.kstest(w.depth, cdf).pvalue > 1e-3
    assert stats.kstest(w.leave * rate, stats.expon.cdf).pvalue > 1e-3


def test_both_dynamics_equilibrate_above_T_g():
    """x = 2: the mean depth tends to x/(x - 1) = 2 (the Boltzmann weight rho(E) exp(E/T))."""
    for dynamics in ("bouchaud", "barrat-mezard"):
        cfg, t, tw, P, rec = mc(x=2.0, dynamics=dynamics, tmax=2000.0, walkers=2000, samples=2, seed=1)
        depth = -rec["energy"][:, -1].mean()
        assert abs(depth - 2.0) < Z * 2.0 / math.sqrt(4000), (dynamics, depth)


# ----------------------------------------------------------------------------- Monte Carlo against them

CASES = {0.3: dict(tmax=1e6, tw=[1e3, 1e5], walkers=25000),     # ~60 jumps a walker
         0.7: dict(tmax=1e5, tw=[1e2, 1e3, 1e4], walkers=10000)}  # ~1300 jumps a walker


@pytest.fixture(scope="module", params=sorted(CASES))
def aging(request):
    x = request.param
    cfg, t, tw, P, rec = mc(x=x, samples=4, seed=11, **CASES[x])
    return x, cfg, t, tw, P, rec


def _tolerance(exact, n):
    return Z * np.sqrt(np.maximum(exact * (1 - exact), 1e-12) / n)


def test_monte_carlo_pi_is_the_exact_finite_tw_pi(aging):
    x, cfg, t, tw, P, rec = aging
    n = cfg["walkers"] * cfg["samples"]
    for i, w in enumerate(tw):
        later = t > w
        exact = th.no_jump_probability(x, w, t[later] - w)
        assert np.all(np.abs(P[i, later] - exact) <= _tolerance(exact, n)), (x, w)
        wrong = th.no_jump_probability(x + 0.03, w, t[later] - w)      # able to fail
        assert np.any(np.abs(P[i, later] - wrong) > _tolerance(wrong, n)), (x, w)
    assert np.all(np.isnan(rec["C"][:, 0, t <= tw[0]]))


def test_monte_carlo_pi_ages_as_H_x(aging):
    """In the aging regime Pi(tw, t) -> H_x(t/tw): at the largest tw the Monte Carlo is within Z
    standard errors plus the known finite-tw correction (exact) of H_x, that correction is small,
    and the distance to H_x shrinks as tw grows, as the correction does."""
    x, cfg, t, tw, P, rec = aging
    n = cfg["walkers"] * cfg["samples"]
    dev = []
    for i, w in enumerate(tw):
        later = t > w
        u = (t[later] - w) / w
        H = th.scaling_function(x, u)
        correction = np.abs(th.finite_tw_correction(x, w, u))
        assert np.all(np.abs(P[i, later] - H) <= _tolerance(H, n) + correction), (x, w)
        dev.append(np.max(np.abs(P[i, later] - H)))
    assert np.max(correction) < (1e-3 if x < 0.5 else 0.05)     # tw = 1e4 is near the aging limit
    if x > 0.5:
        assert dev[0] > dev[1] > dev[2]
    u = (t[t > tw[-1]] - tw[-1]) / tw[-1]
    wrong = th.scaling_function(x + 0.03, u)                            # able to fail
    tol = _tolerance(wrong, n) + np.abs(th.finite_tw_correction(x, tw[-1], u))
    assert np.any(np.abs(P[-1, t > tw[-1]] - wrong) > tol)
    rows = th.aging_check(x, t, tw, rec["C"], n)                       # the estimator of the summary
    assert rows[-1]["max_dev_H"] == pytest.approx(dev[-1]) and rows[-1]["max_z"] < Z


def test_energy_and_jumps_are_the_exact_ones(aging):
    x, cfg, t, tw, P, rec = aging
    e, j = rec["energy"][:, -1], rec["trap/jumps"][:, -1]
    assert abs(e.mean() + th.mean_depth(x, t[-1])[0]) < Z * e.std(ddof=1) / 2 + 2e-3
    assert abs(j.mean() - th.mean_jumps(x, t[-1])[0]) < Z * j.std(ddof=1) / 2 + 1e-2 * j.mean()


# ----------------------------------------------------------------------------- runs, records, command

def test_same_seed_same_data_whatever_the_chunks_and_threads():
    base = dict(x=0.6, tmax=3e3, walkers=500, samples=2)
    a, b, c = mc(seed=7, **base)[4], mc(seed=7, **base)[4], mc(seed=8, **base)[4]
    for name in ("C", "energy", "trap/jumps"):
        assert np.array_equal(a[name], b[name], equal_nan=True), name
    assert not np.array_equal(a["energy"], c["energy"])
    w1, w2 = (trap.Walkers(0.6, "barrat-mezard", 2, 500, seed=7) for _ in range(2))
    w1.advance(0.0), w2.advance(0.0)
    w1.advance(3e3)
    w2.chunk, w2.threads = 37, True
    w2.advance(1e3), w2.advance(3e3)
    for name in trap.Walkers.ARRAYS:
        assert np.array_equal(getattr(w1, name), getattr(w2, name)), name


def test_resume_is_bit_identical(tmp_path):
    from test_resume import assert_same_records, interrupted_then_resumed
    cfg = trap.default_config(x=0.5, tmax=1e4, walkers=1000, samples=2, seed=3)
    ref, run = interrupted_then_resumed(tmp_path, "trap", cfg, trap.run, [2e4, 6e4, 1e5])
    assert_same_records(ref, run)


def test_cli_writes_a_record_and_a_quick_look(tmp_path):
    args = ["trap", "--x", "0.5", "--tmax", "1e4", "--walkers", "1000", "--samples", "2",
            "--out", str(tmp_path)]
    res = CliRunner().invoke(cli.main, args)
    assert res.exit_code == 0, res.output
    assert "max |Pi - H_x(t/tw)|" in res.output and "energy -<E> at tmax" in res.output
    path = run_path(tmp_path, "trap", trap.default_config(x=0.5, tmax=1e4, walkers=1000, samples=2))
    run = load_run(path)
    assert run.system == "trap" and run.status == "complete" and path.with_suffix(".png").exists()
    nt, nw = len(run["t"]), len(run["tw"])
    assert run["C"].shape == (2, nw, nt) and run["energy"].shape == (2, nt) == run["trap/jumps"].shape
    assert run.to_xarray()["C"].dims == ("sample", "tw", "t")
    again = CliRunner().invoke(cli.main, args)
    assert again.exit_code == 0 and "reusing the record" in again.output


def test_ctrl_c_saves_an_interrupted_record_and_the_rerun_resumes(tmp_path, monkeypatch):
    from commands import common
    calls = []

    def stop(self, done, total):
        calls.append(done)
        if len(calls) == 40:
            raise KeyboardInterrupt
    monkeypatch.setattr(common.ProgressBar, "__call__", stop)
    args = ["trap", "--tmax", "1e4", "--walkers", "500", "--out", str(tmp_path)]
    res = CliRunner().invoke(cli.main, args)
    assert res.exit_code == 130 and "Traceback" not in res.output, res.output
    assert "status 'interrupted'" in res.output
    path = next(tmp_path.glob("trap-*.h5"))
    assert load_run(path).status == "interrupted"
    monkeypatch.undo()
    res = CliRunner().invoke(cli.main, args)
    assert res.exit_code == 0 and "resuming" in res.output, res.output
    ref = execute("trap", load_run(path).config, trap.run, out=tmp_path / "ref")
    assert np.array_equal(load_run(path)["C"], ref["C"], equal_nan=True)


@pytest.mark.parametrize("args,option", [
    (["--x", "0"], "--x"), (["--x", "nan"], "--x"), (["--x", "11"], "--x"), (["--x", "-1"], "--x"),
    (["--tmax", "5"], "--tmax"), (["--tmax", "inf"], "--tmax"), (["--tw", "2e4"], "--tw"),
    (["--tw", "0.5"], "--tw"), (["--tw", "a,b"], "--tw"), (["--walkers", "0"], "--walkers"),
    (["--walkers", "1.5"], "--walkers"), (["--samples", "0"], "--samples"),
    (["--dynamics", "glauber"], "--dynamics"), (["--seed", "-1"], "--seed"),
    (["--walkers", "100000000"], "--walkers"),             # 25 GB of walkers: the memory guard
])
def test_bad_values_exit_2_with_one_line(args, option, tmp_path, monkeypatch):
    import physics.config
    monkeypatch.setattr(physics.config, "available_memory_bytes", lambda: 2 * 2**30)
    res = CliRunner().invoke(cli.main, ["trap", "--tmax", "1e4"] + args + ["--out", str(tmp_path)])
    errors = [ln for ln in res.output.splitlines() if ln.startswith("Error")]
    assert res.exit_code == 2 and len(errors) == 1 and f"'{option}'" in errors[0], res.output
    assert "allowed" in errors[0] and "Traceback" not in res.output and not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- show and compare

TRAP_ARGS = ["trap", "--x", "0.5", "--tmax", "1e4", "--walkers", "2000", "--samples", "2"]


@pytest.fixture(scope="module")
def trap_record(tmp_path_factory):
    """A small record made by the command: (path, the command's output)."""
    out = tmp_path_factory.mktemp("trap")
    res = CliRunner().invoke(cli.main, TRAP_ARGS + ["--out", str(out)])
    assert res.exit_code == 0, res.output
    return next(out.glob("trap-*.h5")), res.output


def _table(output: str, title: str) -> list[str]:
    """The lines of the findings table under `title`."""
    lines = output.splitlines()
    i = lines.index(title)
    return [ln for ln in lines[i + 1:i + 12] if ln.startswith("  ")]


def test_show_prints_the_trap_findings_with_a_verdict(trap_record):
    """`show` on a trap record: the table its command printed, with trap_model_scaling judged by
    its stated tolerance: at most the exact finite-tw correction plus 2 standard errors."""
    from compare.findings import TOLERANCES, findings, judge, title
    from compare.findings.base import Finding
    from compare.table import fmt
    from physics.analysis import Estimate
    path, output = trap_record
    run = load_run(path)
    res = CliRunner().invoke(cli.main, ["show", str(path)])
    assert res.exit_code == 0, res.output
    table = _table(res.output, title(run))
    assert table and table == _table(output, title(run))         # the command's table, the same
    assert "verdict" in table[0]
    f = {g.key: g for g in findings(run)}["trap_model_scaling"]
    t, tw = run["t"], run["tw"][-1]
    lag = t[t > tw] - tw
    correction = np.max(np.abs(th.no_jump_probability(0.5, tw, lag) - th.scaling_function(0.5, lag / tw)))
    assert f.expected == (0.0, pytest.approx(correction)) and f.error > 0
    verdict = judge(f)[0]
    row = next(ln for ln in table if f.quantity in ln)
    assert verdict in ("reproduced", "partly") and f"  {verdict}  " in row and fmt(f.expected) in row
    # the tolerance: beyond the correction, only 2 errors of the Monte Carlo
    assert TOLERANCES["trap_model_scaling"] == (0.0, False)
    for z, want in ((1.9, "reproduced"), (2.1, "partly")):
        g = Finding(f.key, f.quantity, Estimate(correction + z * 0.01, 0.01), f.expected)
        assert judge(g)[0] == want, z
    js = json.loads(CliRunner().invoke(cli.main, ["show", "--json", str(path)]).output)
    assert js["system"] == "trap" and js["findings"]["trap_model_scaling"] == pytest.approx(f.value)


def test_compare_draws_the_trap_panel(trap_record, tmp_path):
    """compare finds the trap role, draws Pi(tw, t) against the lag and against (t - tw)/tw with
    H_x dashed, writes aging.png and puts the trap's findings in summary.json."""
    import matplotlib.pyplot as plt

    from compare import figures as F
    from compare import roles as R
    path, _ = trap_record
    run = load_run(path)
    assert R.choose_roles([run])["trap"].path == run.path
    res = CliRunner().invoke(cli.main, ["compare", "--runs", str(path), "--out", str(tmp_path), "--no-make",
                                        "--no-pdf", "--no-html"])
    assert res.exit_code == 0, res.output
    assert f"trap         {path}" in res.output and (tmp_path / "aging.png").stat().st_size > 10_000
    assert "trap_model_scaling" in json.loads((tmp_path / "summary.json").read_text())["trap"]
    figs = F.draw_figures({"trap": run})
    assert set(figs) == {"aging"}
    top, bottom = figs["aging"].axes
    assert all(r"\Pi(t_w, t)" in ax.get_ylabel() for ax in (top, bottom))
    assert top.get_xlabel() == r"lag $t - t_w$ ($\tau_0$)" and bottom.get_xlabel() == r"$(t - t_w)/t_w$"
    assert top.get_xscale() == bottom.get_xscale() == "log" and top.get_yscale() == "linear"
    H = [ln for ln in bottom.lines if ln.get_linestyle() == "--"]
    assert len(H) == 1 and np.allclose(H[0].get_ydata(), th.scaling_function(0.5, H[0].get_xdata()))
    assert any("H_{0.5}" in t.get_text() for t in bottom.get_legend().get_texts())
    plt.close(figs["aging"])


def test_trap_role_and_its_default(tmp_path):
    """The role: Bouchaud's dynamics below T_g (H_x exists), most walkers; not Barrat-Mezard's,
    not x > 1. Missing, it is named with its command, whose config is the --make default."""
    from commands.compare import default_config, gather
    from compare import roles as R
    small = dict(tmax=1e3, samples=1)
    runs = [execute("trap", trap.default_config(**small, **kw), trap.run, out=tmp_path / "runs")
            for kw in (dict(x=0.5, walkers=300), dict(x=0.5, walkers=600),
                       dict(x=0.5, walkers=5000, dynamics="barrat-mezard"), dict(x=2.0, walkers=5000))]
    chosen = R.choose_roles(runs)["trap"]
    assert chosen.config["walkers"] == 600 and chosen.config["dynamics"] == "bouchaud"
    assert R.choose_roles(runs[2:])["trap"] is None
    _, messages = gather(records_dir=tmp_path / "empty", paths=(), make=False, echo=lambda *a, **k: None)
    assert any("trap-model" in m and "`python cli.py trap --x 0.5`" in m for m in messages), messages
    system, run_fn, cfg = default_config("trap", {})
    assert system == "trap" and run_fn is trap.run and cfg == trap.default_config(x=0.5)
