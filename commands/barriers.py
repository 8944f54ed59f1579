"""`python cli.py barriers pspin|dnn`: paths between minima (docs/science.md, section 10).

    python cli.py barriers pspin --N 64 --minima 3          great circle and NEB between p-spin minima
    python cli.py barriers dnn --width 32 --P 200           straight line and NEB between net minima

The findings are compare/findings/barriers.py's, the quick look compare/quicklook.py's `barriers`
(energy along s for both paths, per pair); the run function is nets.barriers.run.
"""
from __future__ import annotations

import click

from commands.common import common_options, report, run_into_record, schema_options
from nets.barriers_config import SCHEMA

PATH_KEYS = ["minima", "images", "neb_steps", "neb_tol", "spring", "neb_dt", "climb", "kinks", "min_tol",
             "min_steps"]


@click.group()
def command():
    """Barriers between minima found from different random starts: the energy along the straight
    path (the great circle of the sphere for the p-spin) and along the minimum-energy path of a
    nudged elastic band with a climbing image; barrier = max over the path minus the larger end.
    """


def _run(protocol: str, out, force, **keys):
    from nets.barriers import default_config, run as run_fn
    cfg = default_config(protocol=protocol, **keys)
    rec = run_into_record("barriers", cfg, run_fn, out, force, f"barriers {protocol} (minima and pairs)")
    report(rec)


@command.command("pspin")
@schema_options(SCHEMA, ["N", "p", "descent_t", "dt"], protocol="pspin")
@schema_options(SCHEMA, PATH_KEYS, protocol="pspin")
@common_options(default_samples=1, schema=SCHEMA)
def pspin(out, force, **keys):
    """Minima of the spherical p-spin (T = 0 descent from random starts, then FIRE on the sphere),
    the energy per spin along the great circle between every pair and along its NEB path on the
    sphere. Samples are disorder realisations."""
    _run("pspin", out, force, **keys)


@command.command("dnn")
@schema_options(SCHEMA, ["width", "depth", "P", "d", "data", "data_dir", "activation", "init", "loss",
                         "min_lr", "decay_steps", "max_steps", "device"], protocol="dnn")
@schema_options(SCHEMA, PATH_KEYS, protocol="dnn")
@click.option("--threads", type=click.IntRange(min=1, max=1024), default=1, show_default=True,
              help="CPU threads of torch (not part of the config).")
@common_options(default_samples=1, schema=SCHEMA)
def dnn(out, force, threads, **keys):
    """Minima of a net's training loss from different initialisations on the SAME data (Adam, then
    FIRE), the loss along the straight line in weight space between every pair and along its NEB
    path. Samples are training sets."""
    import torch
    torch.set_num_threads(threads)
    _run("dnn", out, force, **keys)
