"""Deep nets and glassy physics side by side: the command line.

    python cli.py pspin --N 1000        spherical p-spin glass, Langevin aging
    python cli.py ck --T 0.5            the exact N = infinity Cugliandolo-Kurchan dynamics
    python cli.py spheres jam|age       soft-sphere packings: jamming, Langevin aging
    python cli.py dnn --width 50        deep nets trained with Langevin dynamics; `dnn jamming`
    python cli.py compare               every system on shared axes
    python cli.py show RECORD [--json]  the findings of any record (what its command printed)
    python cli.py sweep SYSTEM --over T=0.4,0.8   a family of runs on Dask, one xarray Dataset

Each command loads only what it needs (so --help is fast and torch is imported only by dnn).
"""
from __future__ import annotations

import importlib

import click

from compare.registry import REGISTRY

# Commands that are not a system: name -> (module with `command`, one line of help).
# The systems' commands come from the registry (compare/registry.py).
TOOLS = {
    "compare": ("commands.compare", "Overlay every system's aging and jamming curves."),
    "show": ("commands.show", "Print the findings of run records (--json: one object per record)."),
    "reproduce": ("commands.reproduce", "Reproduce a paper's claims: report.md, report.json, figures."),
    "sweep": ("commands.sweep", "Run a family of runs on Dask (laptop or cluster): one Dataset."),
}

COMMANDS = {**{s.name: (s.command, s.help) for s in REGISTRY.values()}, **TOOLS}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[name][0])
        return module.command

    def format_commands(self, ctx, formatter):
        formatter.write_paragraph()
        with formatter.section("Commands"):
            formatter.write_dl([(n, h) for n, (_, h) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Deep nets and glassy physics side by side: one Langevin dynamics, one set of observables.

    Records go to runs/ (HDF5, one file per config); every command prints a summary with the
    analytic values beside the measured ones and writes a quick-look PNG.
    """


if __name__ == "__main__":
    main()
