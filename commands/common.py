"""What every command shares: the common options, the progress bar, running into a record with
Ctrl-C handling, bad input as one line with exit code 2, and the summary table."""
from __future__ import annotations

import math
import sys
import time

import click

from physics.config import ConfigError

COMMON_HELP = {
    "out": "Folder of the run records (HDF5) and quick-look PNGs.",
    "seed": "Random seed: disorder, initial state and noise all derive from it.",
    "samples": "Number of independent samples (disorder realisations or initial conditions).",
    "force": "Run again even if a complete record of this exact config exists.",
}


def common_options(default_samples: int = 1):
    """--out, --seed, --samples, --force, as every command has them."""
    def deco(f):
        f = click.option("--force", is_flag=True, help=COMMON_HELP["force"])(f)
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

    def __init__(self, desc: str, unit: str = "step"):
        self.desc, self.unit = desc, unit
        self.bar = None

    def __call__(self, done: float, total: float) -> None:
        from tqdm import tqdm
        if self.bar is None:
            tty = sys.stderr.isatty()
            self.bar = tqdm(total=total, desc=self.desc, unit=self.unit, delay=2.0,
                            dynamic_ncols=True, file=sys.stderr,
                            mininterval=0.5 if tty else 30.0, miniters=1)
        if self.bar.total != total:
            self.bar.total = total
        self.bar.n = done
        self.bar.refresh() if done >= total else self.bar.update(0)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def bad_parameter(err: ConfigError) -> click.BadParameter:
    return click.BadParameter(err.message, param_hint=f"'--{err.param.replace('_', '-')}'")


def run_into_record(system: str, config: dict, run_fn, out: str, force: bool, desc: str):
    """Run (or reuse) the record of `config`; ConfigError -> exit 2, Ctrl-C -> record kept, exit 130."""
    from compare.runs import cached_run, execute, run_path

    path = run_path(out, system, config)
    if not force and cached_run(out, system, config) is not None:
        click.echo(f"reusing the record of this config: {path} (--force to run again)")
    bar = ProgressBar(desc)
    t0 = time.time()
    try:
        run = execute(system, config, run_fn, out=out, force=force, progress=bar)
    except ConfigError as e:
        bar.close()
        raise bad_parameter(e) from None
    except KeyboardInterrupt:
        bar.close()
        where = f"saved as {path} (status 'interrupted')" if path.exists() else "nothing saved"
        click.echo(f"\ninterrupted after {time.time() - t0:.1f} s: what was measured is {where}", err=True)
        sys.exit(130)
    bar.close()
    return run


def fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, (int,)) and not isinstance(v, bool):
        return str(v)
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(v):
        return "nan"
    if v.is_integer() and abs(v) < 1e6:
        return str(int(v))
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.4e}"
    return f"{v:.4f}"


def print_summary(title: str, rows: list[tuple]) -> None:
    """Rows (quantity, measured[, expected[, note]]): the measured value beside the analytic one."""
    rows = [tuple(r) + ("",) * (4 - len(r)) for r in rows]
    cells = [("quantity", "measured", "expected", "")] + [
        (str(q), fmt(m), fmt(e) if e != "" else "", str(n)) for q, m, e, n in rows]
    w = [max(len(c[j]) for c in cells) for j in range(4)]
    click.echo(f"\n{title}")
    for j, c in enumerate(cells):
        click.echo("  " + "  ".join(c[i].ljust(w[i]) for i in range(4)).rstrip())
        if j == 0:
            click.echo("  " + "  ".join("-" * w[i] for i in range(3)))


def parse_floats(value: str | None, param: str) -> list[float] | None:
    """'1,10,100' -> [1.0, 10.0, 100.0] (for list options such as --tw)."""
    if value is None or value == "":
        return None
    try:
        return [float(v) for v in str(value).replace(" ", "").split(",") if v]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated numbers, got {value!r}",
                                 param_hint=f"'--{param}'") from None
