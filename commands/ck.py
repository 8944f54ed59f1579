"""`python cli.py ck`: the exact N = infinity (Cugliandolo-Kurchan) dynamics of the spherical
p-spin after a quench from a random start, with the asymptotic values beside what it reached."""
from __future__ import annotations

import click

from commands.common import common_options, report, run_into_record, schema_options
from physics.ck import SCHEMA


@click.command("ck")
@schema_options(SCHEMA, ["p", "mix", "T", "tmax", "tw", "n_grid", "h0", "tol", "n_copy"])
@common_options(default_samples=1, schema=SCHEMA)
def command(p, mix, T, tmax, tw, n_grid, h0, tol, n_copy, out, seed, samples, force):
    """Exact N = infinity dynamics (Cugliandolo-Kurchan equations) after a quench to T."""
    from physics import ck

    config = ck.default_config(p=p, mix=mix, T=T, tmax=tmax, tw=tw, n_grid=n_grid, h0=h0, tol=tol,
                               n_copy=n_copy, samples=samples, seed=seed)
    run = run_into_record("ck", config, ck.run, out, force, "CK integration")
    report(run, [f"t reached: {float(run['t'][-1]):g} (tmax = {float(config['tmax']):g})"])
