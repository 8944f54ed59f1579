"""`python cli.py show RECORD... [--json]`: the findings of any run record, the same table its
command printed at its end (compare.findings), or one JSON object per record and line:

    {"path": ..., "system": ..., "status": ..., "findings": {"plateau_q": 0.63, "plateau_q_error": ...}}
"""
from __future__ import annotations

import json
import sys

import click


def _load(path: str):
    """The record at `path`, or a one-line reason why it is not one."""
    from compare.findings import FINDERS
    from compare.records import RecordError, load_run
    try:
        run = load_run(path)
    except FileNotFoundError:
        return None, f"no such file: {path}"
    except RecordError as e:  # not HDF5, or HDF5 without a record's attributes: its message says so
        return None, str(e)
    except Exception as e:  # anything else a foreign file can raise
        what = e.args[0] if isinstance(e, KeyError) and e.args else e
        return None, f"{path} is not a run record ({type(e).__name__}: {what})"
    if run.system not in FINDERS:
        return None, f"{path} is a record of system {run.system!r}, which has no findings (known: {', '.join(FINDERS)})"
    return run, ""


@click.command("show", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("records", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json_", is_flag=True,
              help="One JSON object per record and line: path, system, status and findings "
                   "({key: value, key_error: error}).")
def command(records, as_json_):
    """Print the findings of run records (HDF5): each measured value with its error, the published
    or analytic value beside it, the verdict and how it was measured.

    A file that is not a readable record is skipped with the reason; the exit code is then 2."""
    from commands.common import print_findings
    from compare.findings import as_json, findings_or_reason, title

    shown, skipped = [], []
    for path in records:
        run, why = _load(path)
        found = None
        if run is not None:
            found, why = findings_or_reason(run)
        if found is None:
            skipped.append(why)
            continue
        shown.append((run, found))
    for run, found in shown:
        if as_json_:
            click.echo(json.dumps({"path": str(run.path), "system": run.system, "status": run.status,
                                   "findings": as_json(found)}))
            continue
        status = "" if run.status == "complete" else f" [status: {run.status}]"
        print_findings(title(run) + status, found)
        click.echo(f"record: {run.path}")
    if len(skipped) == 1:
        click.echo(f"Error: {skipped[0]}", err=True)
    elif skipped:
        for why in skipped:
            click.echo(f"skipped {why}", err=True)
        click.echo(f"Error: {len(skipped)} of {len(records)} files are not readable records (above)", err=True)
    if skipped:
        sys.exit(2)
