"""What every command shares: options built from a system's schema, the common options, the
progress bar, running into a record with Ctrl-C handling, bad input as one line with exit code 2,
and the summary table."""
from __future__ import annotations

import functools
import signal
import sys
import threading
import time

import click

from physics.config import ConfigError
from physics.schema import Param, Schema

COMMON_HELP = {
    "out": "Folder of the run records (HDF5) and quick-look PNGs.",
    "seed": "Random seed: disorder, initial state and noise all derive from it.",
    "samples": "Number of independent samples (disorder realisations or initial conditions).",
    "force": "Run again even if a complete record of this exact config exists.",
    "restart": "Start from t = 0 even if an interrupted record of this config has a checkpoint "
               "(by default a rerun of an interrupted command continues from it).",
}
RESTART = "glassbench.restart"
"""Key of --restart in the click context's meta (commands need not pass it on)."""


def _restart_to_context(f):
    """The command function without its `restart` keyword: the flag goes to the click context,
    where run_into_record reads it."""
    @functools.wraps(f)
    def wrapper(*args, restart=False, **kwargs):
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.meta[RESTART] = bool(restart)
        return f(*args, **kwargs)
    return wrapper


# ----------------------------------------------------------------------------- options from a schema

class _Checked:
    """A click type that converts through a schema Param: the command line gets the same
    "got X; allowed: ..." message as a config checked in Python (NaN and inf refused too)."""

    def __init__(self, p: Param, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.p = p

    def convert(self, value, param, ctx):
        try:
            v = self.p.parse(value) if isinstance(value, str) else self.p.normalise(value)
            self.p.check(v)
        except ConfigError as e:
            self.fail(e.message, param, ctx)
        return v


class IntOption(_Checked, click.IntRange):
    pass


class FloatOption(_Checked, click.FloatRange):
    pass


class ChoiceOption(_Checked, click.Choice):
    pass


class ListOption(_Checked, click.ParamType):
    name = "list"

    def get_metavar(self, param, ctx=None):
        return "X,Y,..." if self.p.kind == "floats" else "N,M,..."


class MixOption(_Checked, click.ParamType):
    name = "mix"

    def get_metavar(self, param, ctx=None):
        return "P:W,..."


def click_type(p: Param) -> click.ParamType:
    """The click type of a schema parameter (its range or choices shown by --help)."""
    if p.choices is not None and p.kind in ("int", "float", "str"):
        return ChoiceOption(p, [str(c) for c in p.choices])
    if p.kind == "int":
        return IntOption(p, min=p.lo, max=p.hi, min_open=p.lo_open, max_open=p.hi_open)
    if p.kind == "float":
        return FloatOption(p, min=p.lo, max=p.hi, min_open=p.lo_open, max_open=p.hi_open)
    if p.kind in ("floats", "ints"):
        return ListOption(p)
    if p.kind == "mix":
        return MixOption(p)
    return click.STRING


def option_help(p: Param) -> str:
    """The help text: what it is, its unit, and what is allowed where the type does not show it."""
    parts = [p.help.rstrip()]
    if p.unit:
        parts.append(f"Unit: {p.unit}.")
    if p.kind in ("floats", "ints", "mix"):
        parts.append(f"Allowed: {p.allowed(with_none=False)}.")
    return " ".join(x for x in parts if x)


def schema_option(p: Param, default=None, has_default: bool = False):
    """One click option for schema parameter `p` (default: the schema's, or `default`)."""
    value = default if has_default else p.default
    names = [p.option, p.name]
    if p.kind == "bool":
        flag = p.flag or p.name.replace("_", "-")
        return click.option(f"--{flag}/--no-{flag}", p.name, default=bool(value), show_default=True,
                            help=option_help(p))
    if value is None:
        show = p.default_help or False
    else:
        show = True
        if p.kind in ("floats", "ints", "mix"):
            value = ",".join(str(v) for v in value) if p.kind != "mix" else \
                ",".join(f"{k}:{w:g}" for k, w in value.items())
    return click.option(*names, type=click_type(p), default=value, show_default=show,
                        help=option_help(p))


def schema_options(schema: Schema, keys, defaults: dict | None = None, protocol: str | None = None):
    """Decorator: the click options of `keys` (config keys of `schema`, in this order), with the
    schema's type, range, default, unit and help; each option's value reaches the command under
    its config key. `protocol` takes that protocol's defaults; `defaults` overrides some."""
    defaults = defaults or {}
    hidden = [k for k in keys if not schema[k].cli]
    if hidden:
        raise ValueError(f"{schema.system}: {hidden} are not command-line parameters (cli=False)")

    def deco(f):
        for key in reversed(list(keys)):
            if key in defaults:
                f = schema_option(schema[key], defaults[key], True)(f)
            else:
                f = schema_option(schema[key], schema.default(key, protocol), True)(f)
        return f
    return deco


def common_options(default_samples: int = 1, schema: Schema | None = None):
    """--out, --seed, --samples, --force, --restart, as every command has them (--seed and
    --samples with the range and help of `schema` when given)."""
    def deco(f):
        f = _restart_to_context(f)
        f = click.option("--restart", is_flag=True, help=COMMON_HELP["restart"])(f)
        f = click.option("--force", is_flag=True, help=COMMON_HELP["force"])(f)
        if schema is not None:
            f = schema_options(schema, ["seed", "samples"], defaults={"samples": default_samples})(f)
        else:
            f = click.option("--samples", type=click.IntRange(min=1), default=default_samples,
                             show_default=True, help=COMMON_HELP["samples"])(f)
            f = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                             help=COMMON_HELP["seed"])(f)
        f = click.option("--out", type=click.Path(file_okay=False), default="runs",
                         show_default=True, help=COMMON_HELP["out"])(f)
        return f
    return deco


class ProgressBar:
    """progress(done, total) callable for run functions, drawn with tqdm (ETA included).
    Shown only for work longer than about two seconds."""

    def __init__(self, desc: str, unit: str = "step", fractions: bool = True):
        self.desc, self.unit, self.fractions = desc, unit, fractions
        self.bar = None

    def __call__(self, done: float, total: float) -> None:
        from tqdm import tqdm
        if self.bar is None:
            tty = sys.stderr.isatty()
            # fractions of a few units (one jamming sample: 0.35/1) with two decimals
            fmt = ("{l_bar}{bar}| {n:.2f}/{total_fmt} [{elapsed}<{remaining}]"
                   if total <= 100 and self.fractions else None)
            # miniters=0: every call may redraw (time permitting), also for fractional progress
            self.bar = tqdm(total=total, desc=self.desc, unit=self.unit, delay=2.0,
                            dynamic_ncols=True, file=sys.stderr, bar_format=fmt,
                            mininterval=0.5 if tty else 30.0, miniters=0)
        if self.bar.total != total:
            self.bar.total = total
        # sums of fractional units may pass the total by a rounding error (tqdm warns "clamping frac")
        self.bar.n = done = min(done, total)
        self.bar.refresh() if done >= total else self.bar.update(0)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def bad_parameter(err: ConfigError, schema: Schema | None = None) -> click.BadParameter:
    """ConfigError -> "Error: Invalid value for '--option': got X; allowed: ..." (exit 2), naming
    the option the user types for that config key (the schema knows it: --lr for min_lr)."""
    option = schema.option_of(err.param) if schema is not None else "--" + err.param.replace("_", "-")
    return click.BadParameter(err.message, param_hint=f"'{option}'")


def schema_of(system: str) -> Schema | None:
    """The schema of a registered system (None for an unknown name)."""
    from compare.registry import REGISTRY
    entry = REGISTRY.get(system)
    return entry.schema if entry is not None else None


class _TermAsInterrupt:
    """While inside: SIGTERM (a cluster's wall-time limit, `kill`) raises KeyboardInterrupt, as
    Ctrl-C does, so that the record is saved as interrupted; later SIGTERMs are ignored while it
    is saved. `terminated` says whether it came."""

    def __enter__(self):
        self.terminated, self._old = False, None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGTERM, self._handle)
        return self

    def _handle(self, signum, frame):
        self.terminated = True
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)
        return False


def _saved_where(path, force: bool) -> str:
    """Where an interrupted run left its record, and whether the same command continues it."""
    from compare.records import load_checkpoint
    side = path.with_name(path.stem + ".rerun.h5")
    saved = side if force and side.exists() else path
    if not saved.exists():
        return "nothing saved"
    text = f"what was measured is saved as {saved} (status 'interrupted')"
    if saved != path:
        text += f"; the complete {path.name} is untouched"
    try:
        resumable = load_checkpoint(saved) is not None
    except OSError:
        resumable = False
    if resumable:
        text += "; the same command continues it (--restart: from t = 0)"
    return text


def run_into_record(system: str, config: dict, run_fn, out: str, force: bool, desc: str,
                    restart: bool | None = None):
    """Run (or reuse) the record of `config`; an interrupted record with a checkpoint is continued
    ("resuming ...") unless --restart (`restart`; None: the command's flag). ConfigError -> exit 2;
    Ctrl-C -> record kept, exit 130; SIGTERM -> the same, exit 143."""
    from compare.records import cached_run, execute, run_path

    if restart is None:
        ctx = click.get_current_context(silent=True)
        restart = bool(ctx.meta.get(RESTART, False)) if ctx is not None else False
    schema = schema_of(system)
    if schema is not None:              # everything checked before anything runs or is written
        try:
            schema.validate(config)
        except ConfigError as e:
            raise bad_parameter(e, schema) from None
    path = run_path(out, system, config)
    try:
        cached = None if force else cached_run(out, system, config)
    except OSError:                     # a broken file that cannot be moved aside: said below
        cached = None
    if cached is not None:
        click.echo(f"reusing the record of this config: {path} (--force to run again)")
    else:
        writable_folder(out, "--out")
        say_estimate(schema, config)
    bar = ProgressBar(desc)
    t0 = time.time()
    term = _TermAsInterrupt()
    try:
        with term:
            run = execute(system, config, run_fn, out=out, force=force, progress=bar,
                          restart=restart, echo=click.echo)
    except ConfigError as e:
        bar.close()
        raise bad_parameter(e, schema_of(system)) from None
    except OSError as e:                # the disk filled up, the folder went away, ...
        bar.close()
        raise click.ClickException(f"writing the record {path} failed: {e}") from None
    except KeyboardInterrupt:
        bar.close()
        click.echo(f"\ninterrupted after {time.time() - t0:.1f} s: {_saved_where(path, force)}",
                   err=True)
        sys.exit(143 if term.terminated else 130)
    bar.close()
    return run


class Refused(click.ClickException):
    """A one-line refusal ("Error: ...") with exit code 2, like bad input: nothing to do."""
    exit_code = 2


def writable_folder(folder, option: str = "--out") -> None:
    """Refuse (exit 2, naming `option`) a folder that cannot be written to, or made: a file in
    its place or above it, or a folder that does not take files. Nothing is created. Checked
    before a run starts, so that no run is lost to it at its end."""
    import os
    import tempfile
    from pathlib import Path
    p = Path(folder).absolute()
    above = next(q for q in [p, *p.parents] if q.exists())
    if not above.is_dir():
        what = "is a file" if above == p else f"cannot be made: {above} is a file"
        raise click.BadParameter(f"{folder} {what}; allowed: a folder that can be written to",
                                 param_hint=f"'{option}'")
    try:
        fd, probe = tempfile.mkstemp(dir=above, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        where = "" if above == p else f" (in {above}, where it would be made)"
        raise click.BadParameter(f"cannot write to {folder}{where}: {e.strerror or e}; allowed: a "
                                 "folder that can be written to", param_hint=f"'{option}'") from None


LONG_RUN_S = 600.0
"""Runs estimated to take longer than this say so before they start."""


def duration(seconds: float) -> str:
    """12 s, 4.5 min, 2.6 h, 3.1 days."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def say_estimate(schema: Schema | None, config: dict) -> None:
    """The runaway guard: a run estimated (roughly, from the schema) to take longer than
    LONG_RUN_S says so, with the estimate, before it starts; it is not refused."""
    try:
        seconds = schema.estimate_seconds(config) if schema is not None else None
    except (ArithmeticError, ValueError, TypeError):
        return
    if seconds is not None and seconds > LONG_RUN_S:
        click.echo(f"estimated run time: about {duration(seconds)} (a rough figure for 2 cores); "
                   "Ctrl-C keeps what is measured so far")


def print_findings(title: str, found) -> None:
    """The findings table of a record (compare.findings): quantity, measured ± error, expected,
    verdict (from the tolerance stated for that finding), how it was measured. The one printer of
    the commands' summaries, `show` and `compare`."""
    from compare.table import HEAD, finding_rows, text_table
    click.echo(f"\n{title}")
    for line in text_table(HEAD, finding_rows(found)):
        click.echo(line)


def report(run, lines=()) -> None:
    """The end of every command: the record's findings table (the same as `show` prints), the
    run-specific `lines`, the quick-look PNG, and the record's path and run time."""
    from compare.findings import findings, title
    from compare.quicklook import quick_look
    print_findings(title(run), findings(run))
    for line in lines:
        click.echo(line)
    try:
        png = quick_look(run)
    except OSError as e:        # a read-only folder holding a finished record: still report it
        png = f"not written ({e})"
    click.echo(f"\nrecord: {run.path}\nquick look: {png}\nrun time: {float(run.attrs.get('elapsed_s', float('nan'))):.1f} s")
