"""compare: role choice, every figure drawn with labelled axes, the summary, and the command.

Built on small synthetic records written here with compare.records.RunWriter, holding data with the
contract's names and shapes (docs/design.md, section 3), so these tests do not depend on the other systems.
"""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from compare import figures as F
from compare import roles as R
from compare.records import RunWriter, find_runs, load_run
from physics import pspin_theory as theory

T_PS, P_PS = 0.5, 3


def _grid(t_max=1000.0, tws=(3.0, 10.0, 30.0, 100.0, 300.0)):
    """A log grid plus, as the recorders' Schedule has them, log-spaced lags after each tw (up to
    lag = tw), so that the fast decay and the plateau are resolved at every tw."""
    lags = [w + np.geomspace(0.01, w, 1 + int(5 * np.log10(w / 0.01))) for w in tws]
    t = np.unique(np.concatenate([np.geomspace(0.01, t_max, 1 + int(20 * np.log10(t_max / 0.01))), tws] + lags))
    return t, np.asarray(tws, float)


def _pspin_like_C(t, tw, q, rng=None, S=1, noise=0.0):
    """C(tw, t): fast decay to the plateau q, then aging decay in (t - tw)/tw; NaN where t <= tw."""
    lag = t[None, :] - tw[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        C = (1 - q) * np.exp(-lag) + q / (1 + (lag / tw[:, None]) ** 1.5) ** 0.5
    C = np.where(lag > 0, C, np.nan)
    C = np.repeat(C[None], S, axis=0)
    if noise and rng is not None:
        C = C + noise * rng.normal(size=C.shape) * np.isfinite(C)
    return C


def _write(folder, system, config, data, t=None, tw=None, S=1):
    with RunWriter(folder, system, config) as rec:
        rec.begin(t if t is not None else [], tw if tw is not None else [], samples=S)
        for k, v in data.items():
            rec.put(k, v)
    return rec.path


def make_pspin(folder, S=3, T=T_PS, N=64, seed=0):
    rng = np.random.default_rng(seed)
    mix = {P_PS: 1.0}
    q, x, e_inf = theory.plateau_q(T, mix), theory.fdt_slope_x(T, mix), theory.asymptotic_energy(T, mix)
    t, tw = _grid()
    C = _pspin_like_C(t, tw, q, rng, S, noise=0.002)  # a clear plateau at q for tw >> 1
    one_minus = 1 - C
    # T chi: FDT (= 1 - C) down to the plateau, then slope x
    Tchi = np.where(one_minus < 1 - q, one_minus, (1 - q) + x * (one_minus - (1 - q)))
    energy = e_inf + 0.4 * (t + 0.1) ** (-2 / 3) * (1 + 0.01 * rng.normal(size=(S, len(t))))
    return _write(folder, "pspin", {"N": N, "p": P_PS, "T": T, "seed": seed, "samples": S},
                  {"energy": energy, "C": C, "msd": 2 * one_minus, "chi": Tchi / T,
                   "pspin/mu": T - P_PS * energy}, t, tw, S)


def make_ck(folder, T=T_PS):
    mix = {P_PS: 1.0}
    q, x, e_inf = theory.plateau_q(T, mix), theory.fdt_slope_x(T, mix), theory.asymptotic_energy(T, mix)
    t, tw = _grid()
    C = _pspin_like_C(t, tw, q)
    one_minus = 1 - C
    Tchi = np.where(one_minus < 1 - q, one_minus, (1 - q) + x * (one_minus - (1 - q)))
    energy = (e_inf + 0.4 * (t + 0.1) ** (-2 / 3))[None]
    return _write(folder, "ck", {"p": P_PS, "T": T, "tmax": 100.0},
                  {"energy": energy, "C": C, "msd": 2 * one_minus, "chi": Tchi / T,
                   "ck/mu": T - P_PS * energy, "ck/R": np.exp(-np.nan_to_num(t[None] - tw[:, None]))[None]},
                  t, tw, 1)


def make_spheres_jam(folder, S=2, seed=0, d=2):
    rng = np.random.default_rng(seed)
    M = 3000
    dphi = np.geomspace(1e-6, 1e-1, 11)
    # N = 256: the scaling fits use phi - phi_J >= 100 / N^2 = 1.5e-3 (analysis.jamming_window)
    return _write(folder, "spheres", {"protocol": "jam", "N": 256, "dim": d, "seed": seed, "samples": S}, {
        "spheres/phi_J": 0.84 + 0.005 * rng.normal(size=S),
        "spheres/Z": 2 * d + 0.01 * rng.normal(size=S),
        "spheres/contacts": np.full(S, 2 * 244 + 1),
        "spheres/N_nonrattlers": np.full(S, 245),
        "spheres/gaps": rng.uniform(size=M) ** (1 / (1 - 0.41)) * 0.5,
        "spheres/forces": 2.0 * rng.uniform(size=50_000) ** (1 / 1.42),  # P(f) ~ f^0.42
        "spheres/eigenvalues": np.sort(rng.gamma(0.8, 1.0, size=(S, 120)), axis=1),
        "spheres/dphi": dphi,
        "spheres/energy_dphi": np.repeat(dphi[None] ** 2, S, 0),
        "spheres/pressure": np.repeat(dphi[None], S, 0),
        "spheres/Z_excess": 3.5 * np.sqrt(dphi)[None] * (1 + 0.05 * rng.normal(size=(S, len(dphi)))),
    }, None, None, S)


def make_spheres_age(folder, S=2, T=1e-4, seed=0):
    rng = np.random.default_rng(seed)
    t, tw = _grid(1000.0, (3.0, 10.0, 30.0, 100.0))
    lag = t[None, :] - tw[:, None]
    with np.errstate(invalid="ignore"):
        msd = 2 * T * np.minimum(lag, 1.0) + 1e-4 * (lag / tw[:, None]) ** 0.5
    msd = np.where(lag > 0, msd, np.nan)
    msd = np.repeat(msd[None], S, 0) * (1 + 0.02 * rng.normal(size=(S,) + msd.shape))
    energy = 1e-4 + 1e-2 * (t + 1) ** -0.5 * np.ones((S, 1))
    return _write(folder, "spheres", {"protocol": "age", "N": 64, "dim": 2, "phi": 0.86, "T": T,
                                      "seed": seed, "samples": S},
                  {"energy": energy, "msd": msd, "C": 1 - msd}, t, tw, S)


def make_dnn_langevin(folder, width, over, S=2, T=1e-3, seed=0):
    rng = np.random.default_rng(seed)
    t, tw = _grid(1000.0, (3.0, 10.0, 30.0, 100.0))
    lag = t[None, :] - tw[:, None]
    P = 100
    N = width * width + 12 * width
    with np.errstate(invalid="ignore"):
        if over:
            msd = 2 * T * lag * (1 + 0 * tw[:, None])
        else:
            msd = 2 * T * np.minimum(lag, 0.5) + 0.01 * (lag / tw[:, None]) ** 0.3
    msd = np.where(lag > 0, msd, np.nan)
    msd = np.repeat(msd[None], S, 0) * (1 + 0.02 * rng.normal(size=(S,) + msd.shape))
    loss = (1e-9 + 0.5 * (t + 1) ** -3) if over else (0.05 + 0.5 * (t + 1) ** -1)
    energy = loss * (1 + 0.01 * rng.normal(size=(S, len(t))))
    chi = msd / (2 * T) * (1 if over else 0.7)
    return _write(folder, "dnn", {"protocol": "langevin", "width": width, "depth": 2, "P": P, "T": T,
                                  "seed": seed, "samples": S}, {
        "energy": energy, "msd": msd, "C": 1 - msd / 2, "chi": chi,
        "dnn/N_delta": np.zeros((S, len(t))) if over else np.full((S, len(t)), 0.6 * N),
        "dnn/train_acc": np.ones((S, len(t))), "dnn/test_acc": np.full((S, len(t)), 0.5),
        "dnn/margins": rng.normal(-0.5 if over else 0.0, 0.5, size=(S, P)),
        "dnn/hessian_eigs": rng.gamma(0.5, 1.0, size=(S, 80)), "dnn/N": N, "dnn/P": P,
    }, t, tw, S)


def make_dnn_jam(folder, S=2, seed=0):
    rng = np.random.default_rng(seed)
    P = 400
    widths = np.array([2, 4, 8, 16, 32])
    N = widths * widths + 12 * widths
    nd = np.where(N[None] < 0.8 * P, 0.55 * N[None], 0.0) * (1 + 0.05 * rng.normal(size=(S, len(N))))
    margins = np.concatenate([rng.uniform(size=(S, len(N), P // 2)) ** (1 / 1.3),
                              -rng.uniform(size=(S, len(N), P // 2)) ** (1 / 0.8)], axis=2)
    return _write(folder, "dnn", {"protocol": "jamming", "widths": widths.tolist(), "P": P, "depth": 2,
                                  "seed": seed, "samples": S}, {
        "dnn/widths": widths, "dnn/N": N, "dnn/P": P, "dnn/N_delta_final": nd,
        "dnn/loss_final": nd / P * 0.01, "dnn/margins": margins,
    }, None, None, S)


def make_trap(folder, S=2, x=0.5, walkers=2000, seed=0):
    """Bouchaud's trap model: the exact Pi(tw, t), energy and jumps (physics.trap_theory) plus
    binomial noise of S x walkers walkers."""
    from physics import trap_theory as th
    rng = np.random.default_rng(seed)
    t, tw = _grid(1e4, (10.0, 100.0, 1000.0))
    t = t[t >= 1.0]
    C = np.full((S, len(tw), len(t)), np.nan)
    for i, w in enumerate(tw):
        later = t > w
        P = th.no_jump_probability(x, w, t[later] - w)
        C[:, i, later] = rng.binomial(walkers, np.repeat(P[None], S, 0)) / walkers
    energy = -th.mean_depth(x, t)[None] * (1 + 0.002 * rng.normal(size=(S, len(t))))
    jumps = th.mean_jumps(x, t)[None] * (1 + 0.002 * rng.normal(size=(S, len(t))))
    return _write(folder, "trap", {"x": x, "dynamics": "bouchaud", "tmax": 1e4, "tw": tw.tolist(),
                                   "walkers": walkers, "samples": S, "seed": seed},
                  {"energy": energy, "C": C, "trap/jumps": jumps}, t, tw, S)


def make_ellipses_jam(folder, S=2, alpha=1.5):
    """Jammed ellipses: hypostatic Z_J ~ 5.6 < 6, as many quartic modes as missing contacts."""
    Z = np.array([5.6, 5.65])[:S]
    return _write(folder, "ellipses", {"protocol": "jam", "alpha": alpha, "N": 64, "samples": S, "seed": 0},
                  {"ellipses/Z": Z, "ellipses/phi_J": np.full(S, 0.89), "ellipses/quartic_modes": 3 * 60 - Z * 30,
                   "ellipses/deficit": 3 * 60 - Z * 30}, None, None, S)


def make_ellipses_age(folder, S=2, T=1e-4, seed=0):
    """Aging ellipses: the positions' msd as the spheres' (larger plateau), and the orientations:
    msd_theta and C2_theta = exp(-2 msd_theta) (Gaussian angles)."""
    rng = np.random.default_rng(seed)
    t, tw = _grid(1000.0, (3.0, 10.0, 30.0, 100.0))
    lag = t[None, :] - tw[:, None]
    with np.errstate(invalid="ignore"):
        msd = 2 * T * np.minimum(lag, 1.0) + 3e-4 * (lag / tw[:, None]) ** 0.5
        msd_th = 4 * T * np.minimum(lag, 1.0) + 1e-2 * (lag / tw[:, None]) ** 0.7
    msd, msd_th = (np.repeat(np.where(lag > 0, m, np.nan)[None], S, 0) * (1 + 0.02 * rng.normal(size=(S,) + m.shape))
                   for m in (msd, msd_th))
    energy = 2e-4 + 1e-2 * (t + 1) ** -0.5 * np.ones((S, 1))
    return _write(folder, "ellipses", {"protocol": "age", "alpha": 1.5, "N": 64, "phi": 0.9, "T": T,
                                       "seed": seed, "samples": S},
                  {"energy": energy, "msd": msd, "C": 1 - msd, "msd_theta": msd_th,
                   "C2_theta": np.exp(-2 * msd_th)}, t, tw, S)


def make_all(folder):
    return [make_pspin(folder), make_ck(folder), make_spheres_jam(folder), make_spheres_age(folder),
            make_dnn_langevin(folder, 32, over=True), make_dnn_langevin(folder, 3, over=False),
            make_dnn_jam(folder), make_trap(folder), make_ellipses_jam(folder), make_ellipses_age(folder)]


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs")
    make_all(folder)
    return folder


def _labels(fig):
    return [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes if ax.get_visible()]


# ----------------------------------------------------------------------------- roles

def test_roles_are_chosen_by_what_the_records_hold(records, tmp_path):
    roles = R.choose_roles(find_runs(records))
    assert set(roles) == set(R.ROLES)
    assert all(roles[r] is not None for r in R.ROLES), {k: v for k, v in roles.items() if v is None}
    assert roles["spheres_jam"].config["protocol"] == "jam" and roles["spheres_age"].config["protocol"] == "age"
    assert roles["dnn_over"].config["width"] == 32 and roles["dnn_under"].config["width"] == 3
    # a p-spin above T_d is no aging record; a CK run at another T does not match
    make_pspin(tmp_path, T=1.0)
    make_ck(tmp_path, T=0.4)
    roles2 = R.choose_roles(find_runs(tmp_path))
    assert roles2["pspin"] is None
    assert roles2["ck"] is not None and R.temperature(roles2["ck"]) == 0.4  # no p-spin to match
    make_pspin(tmp_path, T=0.5)
    roles3 = R.choose_roles(find_runs(tmp_path))
    assert roles3["pspin"] is not None and roles3["ck"] is None  # CK at 0.4 does not match T = 0.5


# ----------------------------------------------------------------------------- figures

def test_every_figure_is_drawn_with_labelled_axes(records):
    roles = R.choose_roles(find_runs(records))
    figs = F.draw_figures(roles)
    assert set(figs) == {"energy", "aging", "fdt", "jamming"}
    for name, fig in figs.items():
        for xl, yl in _labels(fig):
            assert xl and yl, f"{name}: an axis without a label"
        for ax in fig.axes:
            if ax.get_visible():
                assert ax.lines or ax.collections, f"{name}: an empty panel"
    e = figs["energy"].axes
    assert len(e) == 3
    assert e[0].get_yscale() == "log" and e[0].get_xscale() == "log"
    assert "e_\\infty" in e[0].get_ylabel()
    assert "loss" in e[2].get_ylabel()
    # the p-spin energy panel holds the simulation and the CK curve
    assert {ln.get_label() for ln in e[0].lines} >= {"CK, N = $\\infty$"}
    a = figs["aging"].axes
    assert len(a) == 12  # p-spin+CK, spheres, ellipses, over, under, trap; lag and t/tw
    assert all("msd" in ax.get_ylabel() for ax in a[:5] + a[6:11])
    assert all(r"\Pi(t_w, t)" in ax.get_ylabel() for ax in (a[5], a[11]))  # the trap model: C = Pi
    assert all(ax.get_xlabel().startswith(r"lag $t - t_w$") for ax in a[:6])
    assert all(ax.get_xlabel() == r"$(t - t_w)/t_w$" for ax in a[6:])
    assert "ellipses" in a[2].get_title() and "positions" in a[2].get_ylabel()
    # each system in its own units: its own y-range (the p-spin's plateau 2(1 - q) shows)
    assert len({ax.get_ylim() for ax in a[:5]}) == 5
    q = theory.plateau_q(T_PS, {P_PS: 1.0})
    assert any(np.allclose(ln.get_ydata(), 2 * (1 - q)) for ln in a[0].lines)
    assert a[0].get_ylim()[0] < 2 * (1 - q) < a[0].get_ylim()[1]
    # CK drawn dashed on the p-spin panel
    assert any(ln.get_linestyle() == "--" for ln in a[0].lines)
    fd = figs["fdt"].axes
    # Delta/2 on every panel; = 1 - C only on the p-spin's sphere, and said so there alone
    assert all(ax.get_xlabel().startswith(r"$\Delta(t_w,t)/2$") for ax in fd)
    assert "sphere" in fd[0].get_xlabel() and not any("sphere" in ax.get_xlabel() for ax in fd[1:])
    # the under-parametrised net (third panel: p-spin, over, under) is on linear axes: T chi < 0 stays
    assert fd[2].get_xscale() == "linear" and fd[2].get_yscale() == "linear"
    # the spheres' energy panel has no d T / 2 line
    assert not any("dT/2" in ln.get_label() for ln in e[1].lines)
    # spheres and ellipses share that panel (eps per particle, the same mixture of sizes)
    assert {ln.get_label().split(",")[0].split(" ")[0] for ln in e[1].lines} >= {"spheres", "ellipses"}
    assert all(r"T\,\chi" in ax.get_ylabel() for ax in fd)
    j = [ax for ax in figs["jamming"].axes if ax.get_visible()]
    xl = [ax.get_xlabel() for ax in j]
    assert any("N/P" in s for s in xl) and any("varphi - \\varphi_J" in s for s in xl)
    assert any("gap" in s for s in xl) and any("force" in s for s in xl) and any("Delta" in s for s in xl)
    assert any("lambda" in s for s in xl)
    bars = next(ax for ax in j if ax.get_ylabel() == "constraints per degree of freedom")
    heights = [p.get_height() for p in bars.patches]          # spheres Z/2d, ellipses Z/6, nets C0
    assert np.isclose(heights[0], 1.0, atol=0.01) and np.isclose(heights[1], 5.625 / 6)
    for ax in j:
        if "gap" in ax.get_xlabel() or "force" in ax.get_xlabel():
            assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
            assert any("theta" in ln.get_label() or "gamma" in ln.get_label() for ln in ax.lines)
    import matplotlib.pyplot as plt
    for fig in figs.values():
        plt.close(fig)


def test_figures_written_as_png_and_pdf(records, tmp_path):
    roles = R.choose_roles(find_runs(records))
    paths = F.make_figures(roles, tmp_path / "figs", pdf=True)
    assert set(paths) == {"energy", "aging", "fdt", "jamming"}
    for p in paths.values():
        assert p.stat().st_size > 10_000
        assert p.with_suffix(".pdf").stat().st_size > 5_000


def test_figures_with_some_records_missing(records, tmp_path):
    roles = R.choose_roles([load_run(p) for p in [make_spheres_jam(tmp_path)]])
    figs = F.draw_figures(roles)
    assert set(figs) == {"jamming"}
    assert F.draw_figures({}) == {}


def test_measured_exponents_recover_the_synthetic_ones(records):
    """The findings of each role find the values the synthetic records were drawn with."""
    from compare.summary import role_findings
    by_role = role_findings(R.choose_roles(find_runs(records)))
    f = {role: {x.key: x for x in found} for role, found in by_role.items()}
    sj = f["spheres_jam"]
    assert sj["theta_spheres"].value == pytest.approx(0.42, abs=0.12)
    assert sj["gamma_spheres"].value == pytest.approx(0.41, abs=0.12)
    assert sj["phi_J"].value == pytest.approx(0.84, abs=0.02)
    assert sj["Z_c"].value == pytest.approx(4.0, abs=0.05)
    assert sj["isostatic_excess"].value == 0
    assert sj["scaling_Z"].value == pytest.approx(0.5, abs=0.1)
    assert sj["scaling_energy"].value == pytest.approx(2.0, abs=1e-6)
    assert sj["scaling_Z"].estimate.window[0] >= 100 / 256 ** 2  # never into the finite-size floor
    assert "sensitivity" in sj["scaling_Z"].how
    ps = f["pspin"]
    assert ps["e_final"].expected == pytest.approx(-0.8867, abs=1e-3)
    assert ps["plateau_q"].value == pytest.approx(theory.plateau_q(0.5, {3: 1.0}), abs=0.06)
    assert ps["fdt_slope_x"].value == pytest.approx(theory.fdt_slope_x(0.5, {3: 1.0}), abs=0.05)
    # the p-spin beside CK at the same time
    assert np.isfinite(ps["e_ck_at_tmax"].value) and "e_finite_n" in ps
    assert abs(ps["e_finite_n"].value) < 0.02
    nj = f["dnn_jam"]
    assert np.isfinite(nj["N_star_over_P"].value) and nj["C0"].value == pytest.approx(0.55, abs=0.05)
    assert f["dnn_over"]["regime"].text == "over-parametrised"
    assert f["dnn_under"]["regime"].text == "under-parametrised"
    assert f["dnn_over"]["msd_late_exponent"].value == pytest.approx(1.0, abs=0.05)


def test_summary_page(records, tmp_path):
    from compare.summary import write_summary
    roles = R.choose_roles(find_runs(records))
    paths = F.make_figures(roles, tmp_path, pdf=False)
    md = write_summary(roles, paths, tmp_path, messages=["no thing: make one with `x`"], html=True)
    text = md.read_text()
    for word in ("T_d", "e_inf", "q_EA", "phi_J", "Z_c", "N*/P", "theta", "gamma", "energy.png",
                 "e(t_max) of CK at the p-spin's t_max", "reproduced", "verdict"):
        assert word in text, word
    import json
    js = json.loads((tmp_path / "summary.json").read_text())
    assert set(js) == set(R.ROLES)
    assert js["spheres_jam"]["phi_J"] == pytest.approx(0.84, abs=0.02)
    assert js["dnn_over"]["regime"] == "over-parametrised"
    assert "make one with" in text
    assert (tmp_path / "summary.html").exists()


# ----------------------------------------------------------------------------- missing records

def test_missing_record_message_names_the_command(tmp_path):
    from commands.compare import gather
    roles, messages = gather(records_dir=tmp_path, paths=(), make=False, echo=lambda *a, **k: None)
    assert all(v is None for v in roles.values())
    text = "\n".join(messages)
    assert "no p-spin aging record" in text and "python cli.py pspin" in text
    assert "python cli.py spheres jam" in text and "python cli.py dnn jamming" in text


def test_cli_no_make_on_empty_folder(tmp_path):
    """Nothing to draw is an error: exit code 2, one Error line, what is missing said above it."""
    from commands.compare import command
    res = CliRunner().invoke(command, ["--records", str(tmp_path / "runs"), "--out", str(tmp_path / "figs"),
                                       "--no-make"])
    assert res.exit_code == 2, res.output
    assert "make one with `python cli.py pspin" in res.output
    assert [ln for ln in res.output.splitlines() if ln.startswith("Error:")] == [
        f"Error: nothing to draw: no usable record in {tmp_path / 'runs'}/ fits any role; --make makes them"]
    assert "Traceback" not in res.output
    assert not (tmp_path / "figs").exists()


def test_cli_with_records_and_runs_option(records, tmp_path):
    from commands.compare import command
    res = CliRunner().invoke(command, ["--records", str(records), "--out", str(tmp_path), "--no-make"])
    assert res.exit_code == 0, res.output
    for name in ("energy", "aging", "fdt", "jamming"):
        assert (tmp_path / f"{name}.png").exists() and (tmp_path / f"{name}.pdf").exists()
    assert (tmp_path / "summary.md").exists()
    # --runs: only the records named
    jam = next(p for p in records.glob("spheres-*.h5") if load_run(p).config["protocol"] == "jam")
    out2 = tmp_path / "only"
    res = CliRunner().invoke(command, ["--runs", str(jam), "--out", str(out2), "--no-make"])
    assert res.exit_code == 0, res.output
    assert (out2 / "jamming.png").exists() and not (out2 / "aging.png").exists()
    assert "no p-spin aging record" in res.output
    res = CliRunner().invoke(command, ["--runs", str(tmp_path / "nope.h5"), "--out", str(out2), "--no-make"])
    assert res.exit_code == 2 and "nope.h5" in res.output


def test_missing_records_are_made_through_the_run_functions(tmp_path, monkeypatch):
    """With --make, a missing role is made by its run function into the records folder (and the
    second time found there); a ConfigError becomes a one-line message, not a traceback."""
    import commands.compare as C
    from physics.config import ConfigError

    calls = []

    def fake_spheres_jam(config, sink, progress=None):
        calls.append(config["N"])
        src = load_run(make_spheres_jam(tmp_path / "src"))
        sink.begin([], [], samples=2)
        for k in src.names:
            if k.startswith("spheres/"):
                sink.put(k, src[k])
        if progress:
            progress(1, 1)

    def refuse(config, sink, progress=None):
        raise ConfigError("N", "must be >= 3; got 1")

    def fake_default(role, roles):
        if role == "spheres_jam":
            return "spheres", fake_spheres_jam, {"protocol": "jam", "N": 32, "dim": 2}
        if role == "pspin":
            return "pspin", refuse, {"N": 1}
        raise ImportError(f"no module for {role} in this test")

    monkeypatch.setattr(C, "default_config", fake_default)
    out = tmp_path / "runs"
    roles, msgs = C.gather(out, (), make=True, echo=lambda *a, **k: None)
    assert roles["spheres_jam"] is not None and calls == [32]
    assert any("refused: --N: must be >= 3" in m and "python cli.py pspin" in m for m in msgs)
    assert any("python cli.py dnn jamming" in m for m in msgs)
    roles, _ = C.gather(out, (), make=True, echo=lambda *a, **k: None)
    assert roles["spheres_jam"] is not None and calls == [32]  # found, not made again


def test_default_ck_runs_far_enough_for_the_plateau(records):
    """compare's default CK record goes to t = 1e5 (the plateau and x are measured there), with the
    p-spin's waiting times when a p-spin record is chosen."""
    from commands.compare import default_config
    _, _, cfg = default_config("ck", {})
    assert cfg["tmax"] >= 1e5
    roles = R.choose_roles(find_runs(records))
    _, _, cfg = default_config("ck", {"pspin": roles["pspin"]})
    assert cfg["tmax"] >= 1e5 and set(np.round(roles["pspin"]["tw"], 6)) <= set(np.round(cfg["tw"], 6))


# ----------------------------------------------------------------------------- interrupted and broken records

def test_an_interrupted_record_is_drawn_and_flagged(tmp_path):
    """A record given with --runs that did not complete is drawn, and says so: "interrupted" in the
    figure legends, the printed tables and the summary."""
    import h5py

    from commands.compare import command
    path = make_spheres_age(tmp_path / "runs")
    with h5py.File(path, "r+") as f:
        f.attrs["status"] = "interrupted"
    res = CliRunner().invoke(command, ["--runs", str(path), "--out", str(tmp_path / "figs"), "--no-make"])
    assert res.exit_code == 0, res.output
    assert "(interrupted record)" in res.output
    assert "(interrupted record)" in (tmp_path / "figs" / "summary.md").read_text()
    figs = F.draw_figures({"spheres_age": load_run(path)})
    legends = [t.get_text() for fig in figs.values() for ax in fig.axes if ax.get_legend() is not None
               for t in ax.get_legend().get_texts()]
    assert any("(interrupted)" in t for t in legends), legends
    complete = F.draw_figures({"spheres_age": load_run(make_spheres_age(tmp_path / "other", seed=1))})
    assert not any("interrupted" in t.get_text() for fig in complete.values() for ax in fig.axes
                   if ax.get_legend() is not None for t in ax.get_legend().get_texts())


def test_broken_records_are_skipped_and_named(records, tmp_path):
    """Files in --records that are not usable records are passed over, each named with the reason;
    what is usable is drawn."""
    import shutil

    from commands.compare import command
    folder = tmp_path / "runs"
    shutil.copytree(records, folder)
    (folder / "pspin-000000000000.h5").write_bytes(b"")
    (folder / "dnn-000000000000.h5").write_text("not HDF5")
    res = CliRunner().invoke(command, ["--records", str(folder), "--out", str(tmp_path / "figs"), "--no-make"])
    assert res.exit_code == 0, res.output
    skipped = [ln for ln in res.output.splitlines() if ln.startswith("skipped ")]
    assert len(skipped) == 2 and "pspin-000000000000.h5" in res.output and "dnn-000000000000.h5" in res.output
    assert "not a readable HDF5 file" in skipped[0]
    assert (tmp_path / "figs" / "energy.png").exists()

