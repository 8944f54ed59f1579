"""`python cli.py ck`: the exact N = infinity (Cugliandolo-Kurchan) dynamics of the spherical
p-spin after a quench from a random start, with the asymptotic values beside what it reached.

A solution that breaks a physical bound (physics.ck.Guard: C outside [-1, 1], R < 0, e below its
asymptote, e rising below T_d, a non-finite value) stops there; the record keeps what came before
and says so (`ck/diverged_at`), the table is printed, and the command ends with one line and exit
code 1."""
from __future__ import annotations

import click
import numpy as np

from commands.common import common_options, report, run_into_record, schema_options
from physics.ck import SCHEMA


@click.command("ck")
@schema_options(SCHEMA, ["p", "mix", "T", "tmax", "tw", "method", "nodes", "grade", "step", "n_grid",
                         "h0", "tol", "n_copy", "strip"])
@common_options(default_samples=1, schema=SCHEMA)
def command(p, mix, T, tmax, tw, method, nodes, grade, step, n_grid, h0, tol, n_copy, strip, out, seed,
            samples, force):
    """Exact N = infinity dynamics (Cugliandolo-Kurchan equations) after a quench to T.

    A solution that diverges stops where it breaks a physical bound: the record keeps the times
    before, and the command exits with code 1."""
    from compare.findings.pspin import diverged
    from physics import ck

    config = ck.default_config(p=p, mix=mix, T=T, tmax=tmax, tw=tw, method=method, nodes=nodes,
                               grade=grade, step=step, n_grid=n_grid, h0=h0, tol=tol, n_copy=n_copy,
                               strip=strip, samples=samples, seed=seed)
    run = run_into_record("ck", config, ck.run, out, force, "CK integration")
    t, e = np.asarray(run["t"], float), np.asarray(run["energy"], float)[0]
    done = np.flatnonzero(np.isfinite(e))
    reached = float(t[done[-1]]) if done.size else 0.0
    report(run, [f"t reached: {reached:g} (tmax = {float(config['tmax']):g})"])
    bad = diverged(run)
    if bad:
        from physics.ck import setting, strip_drifts
        if setting(config, "method") == "ratio":
            hint = "a larger --grade or --nodes"
        else:
            hint = "--method ratio" if strip_drifts(config) else "--strip drift, or --method ratio"
        raise click.ClickException(f"{bad} (try {hint})")
