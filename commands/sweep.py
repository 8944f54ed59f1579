"""`python cli.py sweep SYSTEM [PROTOCOL] --set KEY=VALUE --over KEY=V1,V2 ...`: a family of runs on
Dask (compare/sweeps), resumable, gathered into one xarray Dataset (netCDF)."""
from __future__ import annotations

import sys

import click

from commands.common import COMMON_HELP, ProgressBar, Refused, _TermAsInterrupt, writable_folder


@click.command("sweep")
@click.argument("system", required=False)
@click.argument("protocol", required=False)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Fix a config key for every point (repeatable). KEY is a parameter of the system "
                   "as its command's --help lists it, with _ for - (tw, min_lr); VALUE as on that "
                   "command line (units there).")
@click.option("--over", "overs", multiple=True, metavar="KEY=V1,V2,...",
              help="Sweep a config key over these values (repeatable: the grid is the product, "
                   "its dimensions in this order). Keys whose value is a list (tw, widths, mix) "
                   "separate the grid values with ';', e.g. widths='2,4;8,16'.")
@click.option("--spec", "spec_file", type=click.Path(dir_okay=False),
              help="A TOML or YAML file with system, protocol, [set] and [over] (README, Sweeps); "
                   "--set and --over on the command line add to it.")
@click.option("--workers", type=click.IntRange(min=1, max=4096), default=None,
              help="Worker processes of the local Dask cluster, each running one point at a time. "
                   "[default: cores // threads-per-worker]")
@click.option("--threads-per-worker", "threads", type=click.IntRange(min=1, max=1024), default=1,
              show_default=True,
              help="Threads of Numba, torch and BLAS inside each worker; workers x threads must not "
                   "exceed the cores.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Submit to an existing Dask scheduler (tcp://host:8786) instead of starting a "
                   "local cluster; its workers must see --out (a shared file system).")
@click.option("--out", type=click.Path(file_okay=False), default="runs", show_default=True,
              help=COMMON_HELP["out"] + " The sweep's Dataset is <out>/sweep-<hash>.nc.")
@click.option("--force", is_flag=True, help="Run every point again, even those with a complete record.")
@click.option("--restart", is_flag=True, help=COMMON_HELP["restart"])
@click.option("--dry-run", is_flag=True, help="List the points and which are done; run nothing.")
def command(system, protocol, sets, overs, spec_file, workers, threads, scheduler, out, force,
            restart, dry_run):
    """Run a family of runs of one system on Dask; one record per point, one Dataset per sweep.

    \b
      python cli.py sweep pspin --set N=64 --set tmax=5 --over T=0.4,0.8 --over seed=0,1
      python cli.py sweep spheres age --set N=64 --over T=1e-4,1e-3 --workers 2
      python cli.py sweep dnn jamming --over depth=1,2,3 --scheduler tcp://head:8786

    Each point is an ordinary cached run: the same command again runs only the missing or
    interrupted points (continuing them from their checkpoints), so it is also how a sweep
    resumes. The result is <out>/sweep-<hash>.nc (xarray: compare.sweeps.load_sweep), with the
    swept keys as dimensions, then sample, tw, t. Exit 1 when a point failed, 130 on Ctrl-C.
    """
    from compare.records import cached_run
    from compare.sweeps import SpecError, SweepRefused, parse_spec, sweep

    try:
        spec = parse_spec(system, protocol, sets, overs, spec_file)
        points = spec.points()
    except SpecError as e:
        raise click.BadParameter(e.message, param_hint=f"'{e.option}'") from None
    writable_folder(out, "--out")
    if scheduler is None:        # workers x threads <= cores, checked whether or not a point runs
        from compare.sweeps.engine import plan_workers
        try:
            plan_workers(workers, threads, 1)
        except SweepRefused as e:
            raise Refused(str(e)) from None
    n = len(points)
    grid = " x ".join(f"{k} ({len(v)})" for k, v in spec.over) or "one point"
    click.echo(f"sweep {spec.hash}: {spec.system}{' ' + spec.protocol if spec.protocol else ''}, "
               f"{n} point(s): {grid}")
    if dry_run:
        for p in points:
            done = not force and cached_run(out, spec.system, p.config) is not None
            click.echo(f"  {'done' if done else 'to run'}  {p.label()}")
        return
    bar = ProgressBar("sweep", unit="point", fractions=False)
    term = _TermAsInterrupt()
    try:
        with term:
            result = sweep(spec, out, workers=workers, threads=threads, scheduler=scheduler,
                           force=force, restart=restart, echo=click.echo, bar=bar)
    except SweepRefused as e:
        bar.close()
        raise Refused(str(e)) from None
    except KeyboardInterrupt as stop:
        bar.close()
        result = getattr(stop, "result", None)
        click.echo("interrupted: every finished point is kept; running points saved their "
                   "records as 'interrupted'; the same command continues the sweep", err=True)
        if result is not None:
            _say_dataset(result)
        sys.exit(143 if term.terminated else 130)
    bar.close()
    o = result.outcome
    click.echo(f"points: {o.count('reused')} reused, {o.count('ran')} run, {o.count('failed')} failed"
               + (f", {o.count('interrupted')} interrupted" if o.count("interrupted") else ""))
    _say_dataset(result)
    if o.count("failed"):
        sys.exit(1)


def _say_dataset(result) -> None:
    if result.path is None:
        click.echo("no point has a complete record yet: no Dataset written")
        return
    text = f"dataset: {result.path}"
    if result.missing:
        text += f" (partial: {result.missing} of {len(result.points)} point(s) missing, NaN there)"
    click.echo(text)
