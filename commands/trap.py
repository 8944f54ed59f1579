"""`python cli.py trap --x 0.5`: Bouchaud's trap model (or Barrat & Mezard's), many walkers by exact
event-driven Monte Carlo; Pi(tw, t) laid beside the aging limit H_x(t/tw) and the exact finite-tw
Pi, the energy and the number of jumps beside their exact values.

The findings are compare/findings/trap.py's, the quick look compare/quicklook.py's `trap`: the
command ends as every command does (commands.common.report), so `show` prints the same table."""
from __future__ import annotations

import click

from commands.common import common_options, report, run_into_record, schema_options
from physics.trap_config import SCHEMA


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
