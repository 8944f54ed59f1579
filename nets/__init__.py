"""Deep nets as glassy systems: Langevin/SGD training measured by the shared recorder, and
the jamming of nets (shared/SCIENCE.md, sections 1, 4 and 5).

    from nets import run, default_config
"""
from nets.train import default_config, run, validate

__all__ = ["run", "default_config", "validate"]
