"""`python cli.py pspin`: Langevin dynamics of the spherical p-spin glass (quench, aging, response)."""
from __future__ import annotations

import click

from commands.common import common_options, report, run_into_record, schema_options
from physics.pspin import SCHEMA


@click.command("pspin")
@schema_options(SCHEMA, ["N", "p", "mix", "T", "dt", "integrator", "tmax", "tw", "response", "h",
                         "precision", "init", "T0"])
@common_options(schema=SCHEMA)
def command(N, p, mix, T, dt, integrator, tmax, tw, response, h, precision, init, T0, out, seed, samples, force):
    """Spherical p-spin glass: Langevin dynamics on the sphere |s|^2 = N, aging and response.

    With no option: a quench of N = 1000 spins of the p = 3 model from a random start to T = 0.5
    (below T_d = 0.612), a few minutes on 2 cores. Prints the final energy beside the
    Cugliandolo-Kurchan value e_inf(T) (or -1/(2T) above T_d) and writes a quick-look PNG.
    """
    from physics import pspin

    config = pspin.default_config(
        N=N, p=p, mix=mix, T=T, dt=dt, integrator=integrator, tmax=tmax, tw=tw, samples=samples,
        seed=seed, response=response, h=h, precision=precision, init=init, T0=T0)
    run = run_into_record("pspin", config, pspin.run, out, force, desc=f"p-spin N={N}")
    report(run)
