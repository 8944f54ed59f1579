"""Deep nets as glassy systems: Langevin/SGD training measured by the shared recorder, and
the jamming of nets (docs/science.md, sections 1, 4 and 5).

    from nets import run, default_config

The parameters (SCHEMA, default_config, validate) import without torch; `run` imports torch
when first asked for (nets/train.py).
"""
from nets.config import SCHEMA, default_config, validate

__all__ = ["run", "default_config", "validate", "SCHEMA"]


def __getattr__(name):
    if name == "run":
        from nets.train import run
        return run
    raise AttributeError(f"module 'nets' has no attribute {name!r}")
