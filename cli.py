"""Deep nets and glassy physics side by side: the command line.

    python cli.py pspin --N 1000        spherical p-spin glass, Langevin aging
    python cli.py ck --T 0.5            the exact N = infinity Cugliandolo-Kurchan dynamics
    python cli.py spheres jam|age       soft-sphere packings: jamming, Langevin aging
    python cli.py dnn --width 50        deep nets trained with Langevin dynamics; `dnn jamming`
    python cli.py compare               every system on shared axes

Each command loads only what it needs (so --help is fast and torch is imported only by dnn).
"""
from __future__ import annotations

import importlib

import click

COMMANDS = {
    "pspin": ("commands.pspin", "Spherical p-spin glass: Langevin quench, aging, response."),
    "ck": ("commands.ck", "Exact N = infinity Cugliandolo-Kurchan dynamics of the p-spin."),
    "spheres": ("commands.spheres", "Soft-sphere packings: jamming point and Langevin aging."),
    "dnn": ("commands.dnn", "Deep nets under Langevin dynamics and SGD; jamming of nets."),
    "compare": ("commands.compare", "Overlay every system's aging and jamming curves."),
}


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
