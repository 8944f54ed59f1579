"""What a sweep is: one system, the keys it fixes (`--set`), the keys it varies (`--over`, the grid
is their product, in the order given), and the configs of its points, each checked by the
system's schema before anything runs.

    spec = parse_spec("pspin", None, ["N=64", "tmax=5"], ["T=0.4,0.8", "seed=0,1"])
    spec.points()          # [Point(coords={'T': 0.4, 'seed': 0}, config={...}), ...] (validated)
    spec.hash              # 12 hex digits: the name of the sweep's Dataset, sweep-<hash>.nc

Values are those of the command line (the schema parses them: "1e-3", "none", "3:1,4:0.5"). A
key whose values are lists (tw, widths) or mixtures (mix) separates its grid values with ';':
`--over widths=2,4;8,16`. A spec file (TOML or YAML) says the same:

    system = "spheres"          # the system
    protocol = "age"            # spheres: jam | age; dnn: langevin | jamming (optional)
    [set]
    N = 64
    [over]                      # in this order: the Dataset's dimensions
    T = [1e-4, 1e-3]
    seed = [0, 1, 2]
"""
from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

from compare.registry import REGISTRY, SYSTEMS
from physics.config import ConfigError
from physics.schema import Schema, show

LIST_KINDS = ("floats", "ints", "mix")
"""Kinds of schema parameters whose single value is itself a list: their grid values are
separated by ';' on the command line."""


class SpecError(ValueError):
    """A sweep that cannot be: `option` names where it was given (--set N, --over T, --spec)."""

    def __init__(self, option: str, message: str):
        super().__init__(f"{option}: {message}")
        self.option, self.message = option, message


@dataclass(frozen=True)
class Point:
    """One grid point: its coordinates {swept key: value} and its full, validated config."""
    coords: dict
    config: dict

    def label(self) -> str:
        return ", ".join(f"{k}={show(v)}" for k, v in self.coords.items()) or "(the one point)"


@dataclass(frozen=True)
class SweepSpec:
    system: str
    protocol: str | None = None
    set: dict = field(default_factory=dict)          # key -> value (normalised)
    over: tuple = ()                                 # ((key, (v1, v2, ...)), ...), in order

    @property
    def schema(self) -> Schema:
        return REGISTRY[self.system].schema

    @property
    def dims(self) -> tuple:
        return tuple(k for k, _ in self.over)

    @property
    def shape(self) -> tuple:
        return tuple(len(v) for _, v in self.over)

    def as_dict(self) -> dict:
        return {"system": self.system, "protocol": self.protocol, "set": dict(self.set),
                "over": [[k, list(v)] for k, v in self.over]}

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))

    @property
    def hash(self) -> str:
        """12 hex digits of the spec: the same sweep always writes the same Dataset file."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:12]

    def dataset_path(self, out) -> Path:
        return Path(out) / f"sweep-{self.hash}.nc"

    def points(self) -> list[Point]:
        """Every grid point's config, validated by the schema (SpecError naming the point and the
        option, before anything runs); in C order of the grid."""
        module = REGISTRY[self.system].load()
        base = dict(self.set)
        if self.protocol is not None:
            base["protocol"] = self.protocol
        keys = self.dims
        points = []
        for values in itertools.product(*(v for _, v in self.over)):
            coords = dict(zip(keys, values))
            try:
                config = module.default_config(**base, **coords)
                module.validate(config)
            except ConfigError as e:
                where = f" (at the point {Point(coords, {}).label()})" if coords else ""
                raise SpecError(self.option_of(e.param), e.message + where) from None
            points.append(Point(coords, config))
        return points

    def option_of(self, key: str) -> str:
        """Where `key` was given: '--over T', '--set N', or '--set KEY' for a key left at its default
        that a cross-field rule refuses."""
        if key in self.dims:
            return f"--over {key}"
        return f"--set {key}"


# ----------------------------------------------------------------------------- parsing

def _system(system: str, protocol: str | None) -> tuple[str, str | None]:
    if system not in REGISTRY:
        raise SpecError("SYSTEM", f"got {system!r}; allowed: {', '.join(SYSTEMS)}")
    protocols = REGISTRY[system].protocols
    if protocol is not None and protocol not in protocols:
        allowed = ", ".join(protocols) if protocols else f"none ({system} has one protocol)"
        raise SpecError("PROTOCOL", f"got {protocol!r} for {system}; allowed: {allowed}")
    return system, protocol


def _param(schema: Schema, key: str, option: str):
    if key == "protocol":
        raise SpecError(option, "the protocol is the argument after SYSTEM (sweep spheres age ...)")
    if key not in schema:
        raise SpecError(option, f"got {key!r}, not a parameter of {schema.system}; "
                        f"allowed: {', '.join(p.name for p in schema if p.name != 'protocol')}")
    return schema[key]


def _value(p, v, option: str):
    """A value from the command line (a string: the schema parses it) or a spec file (typed),
    normalised and range-checked."""
    try:
        v = p.parse(v) if isinstance(v, str) else p.normalise(v)
        if p.kind == "float" and isinstance(v, int) and not isinstance(v, bool):
            v = float(v)        # as the command line gives it: 10 and 10.0 are one config
        p.check(v)
    except ConfigError as e:
        raise SpecError(option, e.message) from None
    return v


def _split(text: str, option: str) -> tuple[str, str]:
    key, sep, value = str(text).partition("=")
    if not sep or not key.strip():
        raise SpecError(option, f"got {text!r}; allowed: KEY=VALUE")
    return key.strip(), value.strip()


def _grid_values(p, raw, option: str) -> tuple:
    if isinstance(raw, str):
        sep = ";" if p.kind in LIST_KINDS else ","
        raw = [v for v in raw.split(sep) if v.strip()]
    elif not isinstance(raw, (list, tuple)):
        raw = [raw]
    values = [_value(p, v, option) for v in raw]
    if not values:
        raise SpecError(option, "got no value; allowed: one value or more, e.g. T=0.4,0.8")
    seen = []
    for v in values:
        if v in seen:
            raise SpecError(option, f"got {show(v)} twice; allowed: distinct values")
        seen.append(v)
    return tuple(values)


def build_spec(system: str, protocol: str | None = None, set_items=(), over_items=()) -> SweepSpec:
    """The spec from (key, value) pairs: values are command-line strings or typed values (a spec
    file); `over_items` values are a string "v1,v2" or a list."""
    system, protocol = _system(system, protocol)
    schema = REGISTRY[system].schema
    fixed, over = {}, []
    for key, raw in set_items:
        option = f"--set {key}"
        p = _param(schema, key, option)
        fixed[key] = _value(p, raw, option)
    for key, raw in over_items:
        option = f"--over {key}"
        p = _param(schema, key, option)
        if any(k == key for k, _ in over):
            raise SpecError(option, f"{key} is swept twice; allowed: each key once")
        if key in fixed:
            raise SpecError(option, f"{key} is both set and swept; allowed: one of --set, --over")
        over.append((key, _grid_values(p, raw, option)))
    return SweepSpec(system, protocol, fixed, tuple(over))


def parse_spec(system: str | None, protocol: str | None, sets=(), overs=(), spec_file=None) -> SweepSpec:
    """The spec of the command line: SYSTEM [PROTOCOL], `--set KEY=VALUE`..., `--over KEY=V1,V2`...,
    and optionally a spec file whose entries come first (the command line adds to them and its
    --set overrides the file's)."""
    set_items, over_items = [], []
    if spec_file is not None:
        doc = read_spec_file(spec_file)
        file_system = doc.get("system")
        if system is not None and file_system is not None and system != file_system:
            raise SpecError("--spec", f"the file sweeps {file_system!r}, the command line {system!r}")
        system = system or file_system
        protocol = protocol or doc.get("protocol")
        set_items += list((doc.get("set") or {}).items())
        over_items += list((doc.get("over") or {}).items())
    if system is None:
        raise SpecError("SYSTEM", f"missing; allowed: {', '.join(SYSTEMS)} (or `system = ...` in --spec)")
    cli_set = [_split(s, "--set") for s in sets]
    cli_keys = {k for k, _ in cli_set}
    set_items = [(k, v) for k, v in set_items if k not in cli_keys] + cli_set
    over_items += [_split(s, "--over") for s in overs]
    return build_spec(system, protocol, set_items, over_items)


def read_spec_file(path) -> dict:
    """A TOML (.toml) or YAML (.yaml, .yml) sweep spec: system, protocol, set {}, over {}."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise SpecError("--spec", f"cannot read {path}: {e.strerror or e}") from None
    try:
        if path.suffix.lower() == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:      # Python 3.10
                import tomli as tomllib
            doc = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            import yaml
            doc = yaml.safe_load(text)
        else:
            raise SpecError("--spec", f"got {path.name}; allowed: a .toml, .yaml or .yml file")
    except SpecError:
        raise
    except Exception as e:          # the parsers' own error classes
        raise SpecError("--spec", f"{path} does not parse: {str(e).splitlines()[0]}") from None
    if not isinstance(doc, dict):
        raise SpecError("--spec", f"{path}: allowed: a table with system, protocol, set, over")
    unknown = sorted(set(doc) - {"system", "protocol", "set", "over"})
    if unknown:
        raise SpecError("--spec", f"{path}: unknown entry {unknown[0]!r}; allowed: system, protocol, set, over")
    for k in ("set", "over"):
        if doc.get(k) is not None and not isinstance(doc[k], dict):
            raise SpecError("--spec", f"{path}: {k} must be a table of key = value")
    return doc
