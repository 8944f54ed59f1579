"""Keys added to a schema after records of it existed ("late" keys), without renaming any record.

A record's name is the hash of its config's JSON (compare.records.config_hash). A new parameter
that every config carried would change the hash of every old config, so that no existing record
would be found again. A late key is held by a config only when it differs from its default:

    SCHEMA = LateSchema("spheres", [..., Param("t_eq", 0.0, ...)], late=("init", "t_eq"))
    SCHEMA.config(N=64)                     # no "t_eq": the same JSON, the same hash as before
    SCHEMA.config(N=64, t_eq=100.0)         # holds t_eq (a new run, a new record)
    SCHEMA.setting(old_config, "t_eq")      # 0.0: an older record's config reads as the default

Used by nets (shared_data, outputs, hessian_at_end) and the soft spheres (init, t_eq).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from physics.schema import Schema


def _same(value, default) -> bool:
    """value is the default: equal and of its type (True is not 1), an integer for a float
    default counting as that float (t_eq = 0 is t_eq = 0.0)."""
    if type(value) is type(default):
        return value == default
    return (isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool)
            and value == default)


@dataclass
class LateSchema(Schema):
    """A schema with keys added after records of it existed (`late`). A config holds a late key
    only when it differs from its default: the config JSON, hence the hash that names a record
    (compare.records.config_hash), of every run that does not use it stays what it was, and an
    older record's config, without the key, reads as the default (see `setting`). `keys` are the
    keys every config has; validate() fills the late ones in before checking."""

    late: tuple = ()

    @property
    def keys(self) -> list[str]:
        return [k for k in super().keys if k not in self.late]

    def config(self, **overrides) -> dict:
        cfg = super().config(**overrides)
        for k in self.late:
            if _same(cfg[k], self.default(k, cfg.get("protocol"))):
                del cfg[k]
        return cfg

    def filled(self, config: dict) -> dict:
        """`config` with every late key it leaves out at its default."""
        protocol = config.get("protocol")
        missing = {k: copy.copy(self.default(k, protocol)) for k in self.late if k not in config}
        return {**missing, **config}

    def setting(self, config: dict, key: str):
        """config[key]; for a late key that the config leaves out, its default."""
        return config[key] if key in config else self.default(key, config.get("protocol"))

    def validate(self, config: dict):
        return super().validate(self.filled(config))
