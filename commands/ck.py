"""`python cli.py ck`: the exact N = infinity (Cugliandolo-Kurchan) dynamics of the spherical
p-spin after a quench from a random start, with the asymptotic values beside what it reached."""
from __future__ import annotations

import click
import numpy as np

from commands.common import common_options, parse_floats, print_summary, run_into_record


def parse_mix(value: str | None):
    """'2:0.5,3:1' -> {2: 0.5, 3: 1.0}."""
    if value is None or value == "":
        return None
    out = {}
    try:
        for term in str(value).replace(" ", "").split(","):
            if not term:
                continue
            p, w = term.split(":")
            out[int(p)] = float(w)
    except ValueError:
        raise click.BadParameter(f"expected terms p:w separated by commas (e.g. '2:0.5,3:1'), got {value!r}",
                                 param_hint="'--mix'") from None
    return out


def fdt_measure(run, T: float):
    """(x, q_break, tw): slope and break point of the FDT plot's long-time part (C < 0.5) for the
    largest tw that has at least 3 such points."""
    from physics.ck import fdt_line
    for i in range(len(run["tw"]) - 1, -1, -1):
        x, q = fdt_line(run["C"][0, i], run["chi"][0, i], T)
        if np.isfinite(x):
            return x, q, float(run["tw"][i])
    return float("nan"), float("nan"), float("nan")


@click.command("ck")
@click.option("--p", "p", type=click.IntRange(min=2), default=3, show_default=True,
              help="Order p of the pure p-spin (ignored with --mix).")
@click.option("--mix", type=str, default=None,
              help="Mixed model f(q) = sum_p w_p q^p / 2 as 'p:w,...', e.g. '2:0.5,3:1' (weights >= 0).")
@click.option("--T", "T", type=click.FloatRange(min=0.0), default=0.5, show_default=True,
              help="Temperature of the quench (energy units; p = 3: T_d = 0.612).")
@click.option("--tmax", type=click.FloatRange(min=0.1, max=1e8), default=1e3, show_default=True,
              help="Final time (Langevin time units).")
@click.option("--tw", type=str, default=None,
              help="Waiting times 'a,b,...' (time units, < tmax; snapped by <= 4/n-grid relative to "
                   "grid points); default 5 log-spaced from tmax/1000 to tmax/10.")
@click.option("--n-grid", type=click.IntRange(64, 8192), default=512, show_default=True,
              help="Grid intervals (multiple of 4); cost ~ n^3 per doubling of the step.")
@click.option("--h0", type=click.FloatRange(min=1e-6, max=0.05), default=0.00125, show_default=True,
              help="Initial time step (time units); the measurement grid unit is 8 h0.")
@click.option("--tol", type=click.FloatRange(min=1e-15, max=1e-3), default=1e-9, show_default=True,
              help="Fixed-point tolerance per row on C and chi (dimensionless).")
@click.option("--n-copy", type=click.IntRange(2, 6), default=4, show_default=True,
              help="Grid entries next to the diagonal copied from the previous row (time-translation "
                   "invariance at lags <= n_copy steps).")
@common_options(default_samples=1)
def command(p, mix, T, tmax, tw, n_grid, h0, tol, n_copy, out, seed, samples, force):
    """Exact N = infinity dynamics (Cugliandolo-Kurchan equations) after a quench to T."""
    from physics import ck
    from physics import pspin_theory as theory

    config = ck.default_config(p=p, mix=parse_mix(mix), T=T, tmax=tmax, tw=parse_floats(tw, "tw"),
                               n_grid=n_grid, h0=h0, tol=tol, n_copy=n_copy, samples=samples, seed=seed)
    run = run_into_record("ck", config, ck.run, out, force, "CK integration")
    m = ck.mixture(config)
    th = theory.summary(T, m)
    below = T < th["T_d"]
    e_final = float(run["energy"][0, -1])
    x_meas, q_meas, x_tw = fdt_measure(run, T) if T > 0 else (float("nan"),) * 3
    model = " + ".join(f"{w:g} q^{k}" for k, w in sorted(m.items()))
    rows = [
        ("model f(q) = (1/2) x", model, "", ""),
        ("T_d", th["T_d"], "", "analytic"),
        ("t reached", float(run["t"][-1]), float(config["tmax"])),
        ("e(t_max)", e_final, th["e_inf"],
         "e_inf (threshold, approached from above)" if below else "equilibrium -f(1)/T"),
        ("e(t_max) - e_inf", e_final - th["e_inf"], 0.0, ""),
    ]
    if below and T > 0:
        rows.append((f"FDT break point (tw={x_tw:.3g})", q_meas, th["q_EA"], "q_EA"))
    if T > 0:
        rows.append((f"FDT slope, C < 0.5 (tw={x_tw:.3g})", x_meas, th["x"] if below else 1.0,
                     "x (aging)" if below else "1 (equilibrium)"))
    print_summary(f"CK dynamics, T = {T:g}, tmax = {config['tmax']:g} ({run.path.name})", rows)
    png = quick_look(run, T, th, below)
    click.echo(f"\nrecord: {run.path}\nquick look: {png}")


def quick_look(run, T, th, below):
    from compare.plots import figure, plot_energy, plot_fdt, plot_two_time, save

    fig, ax = figure(4, 1, width=4.0)
    plot_energy(ax[0, 0], run, label="CK", asymptote=th["e_inf"])
    ax[0, 0].legend(loc="best")
    e = run["energy"][0]
    if np.all(e[len(e) // 2:] > th["e_inf"]):
        plot_energy(ax[0, 1], run, label="CK", asymptote=th["e_inf"], subtract=True)
        ax[0, 1].set_xscale("log")
        ax[0, 1].set_title("approach to $e_\\infty$ (log-log)")
    else:
        ax[0, 1].text(0.5, 0.5, "e(t) below e_inf", ha="center", va="center", transform=ax[0, 1].transAxes)
    plot_two_time(ax[0, 2], run, "C")
    if below and T > 0:
        ax[0, 2].axhline(th["q_EA"], color="k", ls=":", lw=0.8)
        ax[0, 2].text(ax[0, 2].get_xlim()[0] * 1.5, th["q_EA"] + 0.02, "$q_{EA}$", fontsize=8)
    if T > 0:
        plot_fdt(ax[0, 3], run, T, legend=False)
        if below:
            q, x = th["q_EA"], th["x"]
            d = np.linspace(1.0 - q, 1.0, 20)
            ax[0, 3].plot(d, (1.0 - q) + x * (d - (1.0 - q)), "k:", lw=1.0,
                          label=f"aging line, slope x = {x:.3f}")
        ax[0, 3].legend(loc="upper left")
    else:
        ax[0, 3].text(0.5, 0.5, "T = 0: no FDT plot", ha="center", va="center",
                      transform=ax[0, 3].transAxes)
    fig.suptitle(f"Cugliandolo-Kurchan dynamics (N = infinity), T = {T:g}", fontsize=10)
    return save(fig, run.path.with_suffix(".png"))
