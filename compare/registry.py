"""The one list of systems. Adding a system (soft ellipses, the trap model) is one entry here:
the command line, the record store and `compare` read it.

Each entry names its modules by import string, so that reading the registry imports nothing
heavy: `module` holds the physics (`run`, `default_config`, `validate`, `SCHEMA`), `command`
the click command (commands/<name>.py, with a `command` attribute).

    from compare.registry import SYSTEMS, system
    system("pspin").schema["N"].default        # 1000
    system("dnn").run                           # nets.run (imports torch)
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class System:
    name: str               # the record's `system` attribute and the command's name
    help: str               # one line, for `python cli.py --help`
    module: str             # import string of the module with run, default_config, validate, SCHEMA
    command: str            # import string of the command module (its `command`)
    protocols: tuple = ()   # values of the config key "protocol" (subcommands), if any
    subcommands: tuple = () # subcommand names of the command, if any

    def load(self):
        """The system's module (imported on first use)."""
        return importlib.import_module(self.module)

    @property
    def schema(self):
        return self.load().SCHEMA

    @property
    def run(self):
        return self.load().run

    def default_config(self, **overrides) -> dict:
        return self.load().default_config(**overrides)

    def validate(self, config: dict):
        return self.load().validate(config)


_ENTRIES = (
    System("pspin", "Spherical p-spin glass: Langevin quench, aging, response.",
           "physics.pspin", "commands.pspin"),
    System("ck", "Exact N = infinity Cugliandolo-Kurchan dynamics of the p-spin.",
           "physics.ck", "commands.ck"),
    System("spheres", "Soft-sphere packings: jamming point and Langevin aging.",
           "physics.spheres", "commands.spheres", protocols=("jam", "age"), subcommands=("jam", "age")),
    System("dnn", "Deep nets under Langevin dynamics and SGD; jamming of nets.",
           "nets", "commands.dnn", protocols=("langevin", "jamming"), subcommands=("jamming",)),
    System("trap", "Bouchaud's trap model: event-driven walkers, Pi(tw, t) against H_x(t/tw).",
           "physics.trap", "commands.trap"),
    System("ellipses", "Soft ellipses (2D): hypostatic jamming, quartic modes, Langevin aging.",
           "physics.ellipses", "commands.ellipses", protocols=("jam", "age"), subcommands=("jam", "age")),
    System("barriers", "Paths between minima (p-spin, nets): straight line and nudged elastic band.",
           "nets.barriers", "commands.barriers", protocols=("pspin", "dnn"), subcommands=("pspin", "dnn")),
)

REGISTRY: dict[str, System] = {s.name: s for s in _ENTRIES}
SYSTEMS: tuple[str, ...] = tuple(REGISTRY)
"""The names of the systems, in the order the command line lists them."""


def system(name: str) -> System:
    """The entry of system `name` (ValueError naming the known ones)."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown system {name!r}; one of {', '.join(SYSTEMS)}") from None
