"""`python cli.py pspin`: Langevin dynamics of the spherical p-spin glass (quench, aging, response)."""
from __future__ import annotations

import math

import click
import numpy as np

from commands.common import common_options, parse_floats, print_summary, run_into_record


def parse_mix(value: str | None):
    """'2:0.5,3:1' -> {'2': 0.5, '3': 1.0}."""
    if value is None or value == "":
        return None
    out = {}
    try:
        for part in value.replace(" ", "").split(","):
            if not part:
                continue
            p, w = part.split(":")
            out[str(int(p))] = float(w)
    except ValueError:
        raise click.BadParameter(f"expected p:weight pairs such as 2:0.5,3:1, got {value!r}",
                                 param_hint="'--mix'") from None
    return out


def fdt_slope(run, T: float, q: float) -> float:
    """Measured slope of T chi against 1 - C on the aging part (1 - C > 1 - q) at the earliest tw."""
    if "chi" not in run or not (0 < q < 1):
        return float("nan")
    x = run.mean("msd")[0] / 2.0
    y = T * run.mean("chi")[0]
    ok = np.isfinite(x) & np.isfinite(y) & (x > 1.0 - q + 0.05)
    if ok.sum() < 3:
        return float("nan")
    return float(np.polyfit(x[ok], y[ok], 1)[0])


def quick_look(run, T: float, th: dict) -> str:
    from compare.plots import figure, plot_energy, plot_fdt, plot_two_time, save
    fig, ax = figure(3, 1, width=4.2)
    plot_energy(ax[0, 0], run, asymptote=th["e_inf"], ylabel="energy per spin $e(t) = H/N$")
    ax[0, 0].legend(loc="best")
    plot_two_time(ax[0, 1], run, "C")
    below = 0 < T < th["T_d"]
    if below and th["q_EA"] > 0:
        ax[0, 1].axhline(th["q_EA"], color="k", ls=":", lw=0.8, label=f"$q_{{EA}}$ = {th['q_EA']:.3f}")
        ax[0, 1].legend(loc="best")
    if T > 0:
        aging = below and "chi" in run
        plot_fdt(ax[0, 2], run, T, legend=False, x_slope=th["x"] if aging else None,
                 q_EA=th["q_EA"] if aging else None)
        ax[0, 2].legend(loc="best")
    else:
        ax[0, 2].text(0.5, 0.5, "T = 0: no FDT plot", ha="center", va="center",
                      transform=ax[0, 2].transAxes)
    cfg = run.config
    model = (f"p = {cfg['p']}" if not cfg.get("mix") else
             "mix " + ", ".join(f"{w:g} q^{p}" for p, w in cfg["mix"].items()))
    fig.suptitle(f"spherical p-spin, {model}, N = {cfg['N']}, T = {T:g}, "
                 f"{cfg['samples']} sample(s), init {cfg['init']}", fontsize=10)
    return str(save(fig, run.path.with_suffix(".png")))


@click.command("pspin")
@click.option("--N", "N", type=click.IntRange(min=3), default=1000, show_default=True,
              help="Number of spins (must exceed p). Couplings take C(N, p) x 4 bytes.")
@click.option("--p", type=click.IntRange(min=1), default=3, show_default=True,
              help="Interaction order p: 2 (spherical SK), 3 or 4.")
@click.option("--mix", type=str, default=None,
              help="Mixed model instead of pure p: weights p:w_p, e.g. '2:0.5,3:1' "
                   "(f(q) = sum w_p q^p / 2; p in 2, 3, 4).")
@click.option("--T", "T", type=float, default=0.5, show_default=True,
              help="Temperature (>= 0; 0 = gradient descent). p = 3: T_d = 0.612.")
@click.option("--dt", type=float, default=0.05, show_default=True,
              help="Time step (0 < dt <= 0.5, time in units of the Langevin equation).")
@click.option("--integrator", type=click.Choice(["geodesic-lm", "euler"]), default="geodesic-lm",
              show_default=True,
              help="geodesic-lm: steps along great circles with Leimkuhler-Matthews noise (bias "
                   "< 0.01 in energy at dt <= 0.1); euler: Euler-Maruyama plus projection.")
@click.option("--tmax", type=float, default=None,
              help="Final time (units of the Langevin time). Default: 50.")
@click.option("--tw", type=str, default=None,
              help="Waiting times, comma-separated (default: 5 log-spaced from tmax/1000 to tmax/10).")
@click.option("--response/--no-response", default=True, show_default=True,
              help="Measure the integrated response chi with a twin per waiting time.")
@click.option("--h", type=float, default=0.01, show_default=True,
              help="Field of the response twins (> 0; 0.01 is in the linear regime).")
@click.option("--precision", type=click.Choice(["float32", "float64"]), default="float32",
              show_default=True, help="Precision of the couplings and force kernels.")
@click.option("--init", type=click.Choice(["random", "equilibrium"]), default="random",
              show_default=True, help="Initial state: random on the sphere (a quench from "
              "T = infinity) or equilibrium at T0 (quiet planting; needs T0 > T_d).")
@click.option("--T0", "T0", type=float, default=None,
              help="Temperature of the equilibrium start (default: T). Only with --init equilibrium.")
@common_options()
def command(N, p, mix, T, dt, integrator, tmax, tw, response, h, precision, init, T0, out, seed, samples, force):
    """Spherical p-spin glass: Langevin dynamics on the sphere |s|^2 = N, aging and response.

    With no option: a quench of N = 1000 spins of the p = 3 model from a random start to T = 0.5
    (below T_d = 0.612), a few minutes on 2 cores. Prints the final energy beside the
    Cugliandolo-Kurchan value e_inf(T) (or -1/(2T) above T_d) and writes a quick-look PNG.
    """
    from physics import pspin
    from physics import pspin_theory as theory

    tws = parse_floats(tw, "tw")
    config = pspin.default_config(
        N=N, p=p, mix=parse_mix(mix), T=T, dt=dt, integrator=integrator,
        tmax=pspin.default_config()["tmax"] if tmax is None else tmax,
        tw=tws, samples=samples, seed=seed, response=response, h=h, precision=precision,
        init=init, T0=T0)
    run = run_into_record("pspin", config, pspin.run, out, force, desc=f"p-spin N={N}")
    mixd = pspin.mixture(config)
    th = theory.summary(T, mixd)
    e = run["energy"][:, -1]
    sem = float(np.std(e, ddof=1) / math.sqrt(len(e))) if len(e) > 1 else float("nan")
    below = T < th["T_d"]
    rows = [("T_d", th["T_d"], "", "dynamical temperature")]
    if T == 0:
        rows.append(("energy e(t_max)", float(e.mean()), th["e_th"],
                     "threshold e_th (N = infinity; finite N stops above it)"))
    elif below:
        rows.append(("energy e(t_max)", float(e.mean()), th["e_inf"], "e_inf(T), aging (approached as t -> inf)"))
    else:
        rows.append(("energy e(t_max)", float(e.mean()), th["e_inf"], "equilibrium -f(1)/T"))
        rows.append(("  same, finite N", "", pspin.finite_size_equilibrium_energy(T, mixd, N),
                     "annealed value at this N"))
    if len(e) > 1:
        rows.append(("  standard error", sem, ""))
    rows.append(("mu(t_max)", float(np.nanmean(run["pspin/mu"][:, -1])), "", "T - sum_p p e_p"))
    if below and T > 0:
        rows.append(("q_EA (plateau)", "", th["q_EA"], "C(tw, t) plateau"))
        rows.append(("FDT slope x", fdt_slope(run, T, th["q_EA"]), th["x"],
                     "fit at the earliest tw, 1 - C > 1 - q_EA"))
    rows.append(("run time (s)", float(run.attrs.get("elapsed_s", float("nan"))), ""))
    print_summary(f"spherical p-spin, N = {N}, T = {T}, {samples} sample(s)", rows)
    png = quick_look(run, T, th)
    click.echo(f"\nrecord: {run.path}\nquick look: {png}")
