"""`python cli.py reproduce PAPER [--scale small|paper] [--out DIR] [--records DIR] [--force]`:
run what one paper's claims need (cached records, so a second call resumes or reuses), draw its
figures with our data and write <out>/<paper>/report.md and report.json (compare/reports)."""
from __future__ import annotations

import sys
import time

import click

PAPER_HELP = {
    # id -> one line for --help (kept here so that --help imports no physics)
    "cugliandolo-kurchan-1993": "p = 3 spherical p-spin quenched to T = 0.5: e_inf, q_EA, x from the "
                                "CK equations, and the finite-N p-spin converging to them",
    "kerr-winter-2024": "nets under Langevin dynamics beside the p-spin: tau(T), the power law of Q, "
                        "time-temperature superposition, caging, aging, chi_4, trivialisation by L2",
    "geiger-2019": "jamming of nets beside soft spheres and ellipses: N* against P and depth, the "
                   "critical margins at N*, hypostatic ellipses, the generalisation cusp",
    "baity-jesi-2018": "SGD on Freeman & Bruna's one-hidden-layer net: the three regimes (t1, t2), "
                       "the late msd exponent, the under-parametrised plateau, beside the trap model "
                       "and the p-spin's plateau",
}


def _papers() -> dict:
    from compare.reports import PAPERS
    return PAPERS


def _help_text() -> str:
    import textwrap

    from compare.reports import PAPERS, scales_of
    lines = ["Run what the claims of PAPER need, judge each claim against the published value and "
             "write <out>/<paper>/report.md, report.json and the figures.", "", "\b", "Papers and scales:"]
    for pid in PAPERS:
        lines += textwrap.wrap(f"{pid}: {PAPER_HELP.get(pid, '')}", 78, initial_indent="  ",
                               subsequent_indent="      ")
        try:
            for name, s in scales_of(pid).items():
                lines += textwrap.wrap(f"--scale {name}: {s.expected}", 78, initial_indent="    ",
                                       subsequent_indent="        ")
        except Exception as e:  # a paper module that does not import: say so, keep --help working
            lines.append(f"    (scales unavailable: {type(e).__name__})")
    lines += ["", "Records go to --records through the record cache: a second call reuses every finished "
              "record (that is how an interrupted reproduction resumes; Ctrl-C keeps what is finished, "
              "exit 130)."]
    return "\n".join(lines)


def _check_paper(ctx, param, value):
    papers = _papers()
    if value not in papers:
        raise click.BadParameter(f"unknown paper {value!r}; known papers: {', '.join(papers)}",
                                 param_hint="'PAPER'")
    return value


class _Command(click.Command):
    def get_help(self, ctx):
        self.help = _help_text()
        return super().get_help(ctx)


@click.command("reproduce", cls=_Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paper", callback=_check_paper)
@click.option("--scale", default="small", show_default=True, metavar="small|paper",
              help="Sizes: small fits a laptop (2 cores), paper is the paper's sizes (a cluster).")
@click.option("--out", type=click.Path(file_okay=False), default="reports", show_default=True,
              help="Folder of the reports: <out>/<paper>/report.md, report.json, figures.")
@click.option("--records", type=click.Path(file_okay=False), default="runs", show_default=True,
              help="Folder of the run records (HDF5), shared with every other command.")
@click.option("--force", is_flag=True, help="Run every point again even if its record exists.")
@click.option("--workers", type=click.IntRange(min=1, max=4096), default=None,
              help="Run the points on a local Dask cluster of this many worker processes (README, "
                   "Sweeps); 1 runs them one after the other in this process.  "
                   "[default: cores // threads-per-worker]")
@click.option("--threads-per-worker", "threads", type=click.IntRange(min=1, max=1024), default=1,
              show_default=True, help="Threads of Numba, torch and BLAS inside each worker.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run the points on an existing Dask scheduler (tcp://host:8786); its workers "
                   "must see --records.")
def command(paper, scale, out, records, force, workers, threads, scheduler):
    from commands.common import ProgressBar, Refused, writable_folder
    from compare.sweeps import SweepRefused
    from compare.table import text_table
    from compare.reports import load_paper, reproduce
    from physics.config import ConfigError

    module = load_paper(paper)
    if scale not in module.SCALES:
        shown = [k for k, s in module.SCALES.items() if not s.hidden]
        raise click.BadParameter(f"got {scale!r}; allowed: {', '.join(shown)}", param_hint="'--scale'")
    writable_folder(out, "--out")            # before anything runs: no run lost at its end
    writable_folder(records, "--records")
    t0 = time.time()
    if scheduler is None:        # workers x threads <= cores, checked whether or not a point runs
        from compare.sweeps.engine import cores, plan_workers
        try:
            plan_workers(workers, threads, 1)
        except SweepRefused as e:
            raise Refused(str(e)) from None
        if workers is None:
            workers = max(1, cores() // threads)
    try:
        result = reproduce(paper, scale=scale, out=out, records=records, force=force,
                           progress=lambda point: ProgressBar(point.name, "step") if point is not None
                           else ProgressBar("points", "point", fractions=False),
                           workers=workers, threads=threads, scheduler=scheduler, echo=click.echo)
    except SweepRefused as e:
        raise Refused(str(e)) from None
    except RuntimeError as e:        # a point failed on Dask: the others finished
        raise click.ClickException(str(e)) from None
    except ConfigError as e:   # a config of this scale does not fit here (memory): before any run
        raise click.BadParameter(f"{scale} scale, {e.param}: {e.message}", param_hint="'--scale'") from None
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted after {time.time() - t0:.1f} s: every finished record is kept in "
                   f"{records}/ (those running are marked 'interrupted'); run the same command again "
                   "to resume", err=True)
        sys.exit(130)
    rows = [(c.id, "not measured" if c.measured is None else f"{c.measured:.5g}" + (
             f" ± {c.error:.2g}" if c.error is not None else ""),
             c.published.split(" (")[0], c.verdict) for c in result.claims]
    click.echo(f"\n{module.TITLE}: {scale} scale, {result.elapsed_s:.1f} s")
    for line in text_table(("claim", "measured", "published", "verdict"), rows):
        click.echo(line)
    click.echo(f"\nreport: {result.markdown}\n        {result.json}")
    for path, _ in result.figures:
        click.echo(f"figure: {path}")
