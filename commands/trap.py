"""`python cli.py trap --x 0.5`: Bouchaud's trap model (or Barrat & Mezard's), many walkers by exact
event-driven Monte Carlo; Pi(tw, t) laid beside the aging limit H_x(t/tw) and the exact finite-tw
Pi, the energy and the number of jumps beside their exact values.

The findings and the quick look live here until compare/findings and compare/quicklook take a
`trap` entry (trap_findings and quick_look are written to move there unchanged)."""
from __future__ import annotations

import click
import numpy as np

from commands.common import common_options, print_findings, run_into_record, schema_options
from physics.trap_config import SCHEMA

SOURCE = "Bouchaud & Dean 1995 (H_x); exact finite-tw by Laplace inversion (physics/trap_theory.py)"


@click.command("trap")
@schema_options(SCHEMA, ["x", "dynamics", "tmax", "tw", "walkers"])
@common_options(default_samples=4, schema=SCHEMA)
def command(x, dynamics, tmax, tw, walkers, out, seed, samples, force):
    """Trap model at x = T/T_g: walkers hop between traps of exponential depths; records
    C = Pi(tw, t), the probability of no jump between tw and t."""
    from physics import trap

    config = trap.default_config(x=x, dynamics=dynamics, tmax=tmax, tw=tw, walkers=walkers,
                                 samples=samples, seed=seed)
    run = run_into_record("trap", config, trap.run, out, force, "trap model")
    report(run)


def title(run) -> str:
    c = run.config
    return (f"trap model ({c['dynamics']}), x = T/T_g = {c['x']:g}, {c['samples']} x {c['walkers']} "
            f"walkers, tmax = {c['tmax']:g}")


def trap_findings(run) -> list:
    """The record's findings: |Pi - H_x| at the largest tw (claim trap_model_scaling), Pi against
    the exact finite-tw Pi, the energy and the jumps at tmax against their exact values (Bouchaud)
    or the equilibrium energy (x > 1)."""
    from compare.findings.base import Finding, analytic, mean_sem
    from physics import trap_theory as th
    from physics.analysis import Estimate

    c = run.config
    x, exact = float(c["x"]), c["dynamics"] == "bouchaud"
    t, found = run["t"], []
    n = int(c["walkers"]) * int(c["samples"])
    if exact and len(run["tw"]):
        rows = th.aging_check(x, t, run["tw"], run["C"], n)
        last = rows[-1]
        if x < 1.0:
            found.append(Finding(
                "trap_model_scaling", f"max |Pi - H_x(t/tw)|, tw = {last['tw']:g}",
                Estimate(last["max_dev_H"], last["err"]), last["correction"],
                f"max over t/tw <= {last['u_max']:.3g} (at t/tw = {last['u_at']:.3g}); expected: the "
                "exact finite-tw correction, 0 as tw -> infinity", SOURCE))
        worst = max(rows, key=lambda r: r["max_z"])
        found.append(Finding(
            "trap_exact_deviation", "max |Pi - Pi_exact(tw, t)| (all tw)",
            Estimate(max(r["max_dev_exact"] for r in rows)), 0.0,
            f"largest |z| = {worst['max_z']:.2f} standard errors (tw = {worst['tw']:g}); "
            f"{n} walkers", SOURCE))
    e = mean_sem(run["energy"][:, -1])
    expected, how = None, "mean over samples at tmax"
    if exact:
        expected, how = float(-th.mean_depth(x, t[-1])[0]), how + "; expected: exact -<E>(tmax)"
    elif x > 1.0:
        expected, how = -x / (x - 1.0), how + "; expected: equilibrium -x/(x - 1)"
    found.append(Finding("energy_final", "energy -<E> at tmax (T_g)", e, expected, how, SOURCE))
    j = mean_sem(run["trap/jumps"][:, -1])
    found.append(Finding("jumps_final", "jumps per walker by tmax", j,
                         float(th.mean_jumps(x, t[-1])[0]) if exact else None, "mean over samples", SOURCE))
    if x < 1.0:
        found.append(analytic("H_x_at_1", "H_x(1) (no jump between tw and 2 tw)",
                              float(th.scaling_function(x, 1.0)), "betainc", SOURCE))
    return found


def quick_look(run):
    """Pi against (t - tw)/tw with H_x and the exact finite-tw curves; energy and jumps against t."""
    from compare.plots import band, figure, save, tw_colors
    from physics import trap_theory as th

    c = run.config
    x, exact = float(c["x"]), c["dynamics"] == "bouchaud"
    t, tw = run["t"], run["tw"]
    fig, ax = figure(3, 1, width=4.2)
    colors = tw_colors(len(tw))
    for i, w in enumerate(tw):
        later = t > w
        u = (t[later] - w) / w
        band(ax[0, 0], u, run.mean("C")[i, later], run.sem("C")[i, later], color=colors[i],
             label=f"$t_w$ = {w:.3g}")
        if exact:
            ax[0, 0].plot(u, th.no_jump_probability(x, w, t[later] - w), color=colors[i], ls=":", lw=0.9)
    if x < 1.0 and len(tw):
        u = np.logspace(-3, np.log10(max((t[-1] - tw[0]) / tw[0], 1e-2)), 200)
        ax[0, 0].plot(u, th.scaling_function(x, u), "k--", lw=1.0, label=f"$H_{{{x:g}}}(t/t_w)$")
    ax[0, 0].set(xscale="log", xlabel=r"$(t - t_w)/t_w$", ylabel=r"$\Pi(t_w, t)$",
                 title="dotted: exact at finite $t_w$" if exact else "")
    ax[0, 0].legend(loc="best")
    band(ax[0, 1], t, run.mean("energy"), run.sem("energy"), label="Monte Carlo")
    band(ax[0, 2], t, run.mean("trap/jumps"), run.sem("trap/jumps"), label="Monte Carlo")
    if exact:
        ts = np.geomspace(t[0], t[-1], 60)
        ax[0, 1].plot(ts, -th.mean_depth(x, ts), "k--", lw=1.0, label="exact")
        ax[0, 2].plot(ts, th.mean_jumps(x, ts), "k--", lw=1.0, label="exact")
    ax[0, 1].set(xscale="log", xlabel="time $t$ ($\\tau_0$)", ylabel="energy $-\\langle E \\rangle$ ($T_g$)")
    ax[0, 2].set(xscale="log", yscale="log", xlabel="time $t$ ($\\tau_0$)", ylabel="jumps per walker")
    for a in (ax[0, 1], ax[0, 2]):
        a.legend(loc="best")
    fig.suptitle(title(run), fontsize=10)
    return save(fig, run.path.with_suffix(".png"))


def report(run) -> None:
    """The command's end, as commands.common.report prints it for the other systems."""
    print_findings(title(run), trap_findings(run))
    try:
        png = quick_look(run)
    except OSError as e:
        png = f"not written ({e})"
    click.echo(f"\nrecord: {run.path}\nquick look: {png}\n"
               f"run time: {float(run.attrs.get('elapsed_s', float('nan'))):.1f} s")
