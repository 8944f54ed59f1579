"""One schema per system: the single place where each parameter's name (the config key), default,
kind, unit, allowed range and help text live.

    SCHEMA = Schema("pspin", [Param("N", 1000, "int", lo=3, unit="spins", help="Number of spins."),
                              Param("T", 0.5, "float", lo=0.0, unit="J", help="Temperature."), ...],
                    check=cross_checks)
    config = SCHEMA.config(N=400)       # defaults + overrides, normalised (default_config)
    SCHEMA.validate(config)             # every parameter, then the cross-field checks

The schema drives the config (whose JSON is hashed to name the record, compare.records), the
validation (physics.config.ConfigError(key, "got X; allowed: ..."), one message style) and the
command-line options (commands.common.schema_options). It knows nothing of click or files.

Kinds: "int", "float", "str" (with `choices`: a choice), "bool", "floats" and "ints" (lists;
from the command line comma-separated), "mix" (a p-spin mixture {p: weight}, normalised to
{str(p): float(weight)}; from the command line 'p:w,p:w'). Ranges: lo/hi with open or closed
ends (for lists, each element; for "mix", each weight, and `choices` the allowed p); `choices` for
any kind; `nullable` lets None through (None then means "automatic", said in `default_help`);
`min_len` is the shortest list allowed. Integers must fit in 64 bits (numpy, torch and Numba take
no more), whatever their range says.

Beyond the parameters, a schema may know what a run will cost before it runs: `memory(config)` the
bytes it will hold at once, `seconds(config)` a rough run time; `check_memory` refuses a config
whose memory would not fit, naming the parameter the user made big (blame).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from physics.config import ConfigError

KINDS = ("int", "float", "str", "bool", "floats", "ints", "mix")
INT64 = 2**63
"""Integers are refused from this magnitude on (they would not fit numpy's, torch's or Numba's int64)."""


def _num(v) -> str:
    """A number as a person writes it: 3, 0.5, 1e-06."""
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v)).lower()
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    return str(v)


def show(v) -> str:
    """How a value is quoted in a message ("got X")."""
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, (list, tuple)) and not v:
        return "[] (an empty list)"
    if isinstance(v, (list, tuple)):
        return ",".join(_num(u) for u in v) if all(isinstance(u, (int, float, np.number)) and
                                                   not isinstance(u, bool) for u in v) else repr(v)
    if isinstance(v, dict):
        return ",".join(f"{k}:{_num(w)}" for k, w in v.items())
    return _num(v)


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _is_real(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


@dataclass(frozen=True)
class Param:
    """One parameter. `name` is the config key (and, with _ -> -, the CLI option unless `flag`
    says otherwise); `cli` False keeps it out of the command line (set in Python only)."""

    name: str
    default: Any
    kind: str = "float"
    unit: str = ""
    help: str = ""
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False
    hi_open: bool = False
    choices: tuple | None = None
    nullable: bool = False
    flag: str | None = None
    cli: bool = True
    default_help: str | None = None
    min_len: int = 0

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r} is not one of {KINDS}")

    # ------------------------------------------------------------------ names
    @property
    def option(self) -> str:
        """The command-line option, e.g. '--n-grid', '--Q-a', '--N'."""
        return "--" + (self.flag or self.name.replace("_", "-"))

    # ------------------------------------------------------------------ the allowed values, in words
    def range_text(self, var: str = "x") -> str:
        """'x >= 3', '0 < x <= 0.5', '' when unbounded."""
        lo = None if self.lo is None else f"{_num(self.lo)} {'<' if self.lo_open else '<='} "
        hi = None if self.hi is None else f" {'<' if self.hi_open else '<='} {_num(self.hi)}"
        if lo and hi:
            return f"{lo}{var}{hi}"
        if lo:
            return f"{var} {'>' if self.lo_open else '>='} {_num(self.lo)}"
        if hi:
            return f"{var}{hi}"
        return ""

    def allowed(self, with_none: bool = True) -> str:
        """What is allowed, in words (the part after 'allowed:' of every message)."""
        k = self.kind
        if k == "bool":
            text = "true or false"
        elif k == "mix":
            ps = ("p in " + ", ".join(_num(c) for c in self.choices)) if self.choices else "integer p >= 2"
            w = self.range_text("w") or "any w"
            text = f"terms p:w separated by commas (e.g. 2:0.5,3:1), {ps}, weights {w}, at least one w > 0"
        elif self.choices is not None and k in ("int", "float", "str"):
            text = ", ".join(_num(c) for c in self.choices)
        else:
            what = {"int": "an integer", "float": "a finite number", "str": "a string",
                    "floats": "comma-separated numbers", "ints": "comma-separated integers"}[k]
            r = self.range_text()
            if k in ("floats", "ints"):
                text = what + (f", each {r}" if r else "")
                if self.choices is not None:
                    text = what + ", each one of " + ", ".join(_num(c) for c in self.choices)
                if self.min_len:
                    text += f", at least {self.min_len}"
            else:
                text = what + (f" {r}" if r else "")
        if self.nullable and with_none:
            text += " (or none: " + (self.default_help or "automatic") + ")"
        return text

    def fail(self, value, allowed: str | None = None):
        raise ConfigError(self.name, f"got {show(value)}; allowed: {allowed or self.allowed()}")

    # ------------------------------------------------------------------ parsing (command line) and checking
    def parse(self, text: str):
        """A command-line string -> the value of this kind (ConfigError when it does not parse)."""
        s = str(text).strip()
        if self.nullable and s.lower() in ("", "none"):
            return None
        try:
            if self.kind == "int":
                return int(s)
            if self.kind == "float":
                return float(s)
            if self.kind == "bool":
                low = s.lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off"):
                    return False
                raise ValueError(s)
            if self.kind == "floats":
                return [float(v) for v in s.replace(" ", "").split(",") if v]
            if self.kind == "ints":
                return [int(v) for v in s.replace(" ", "").split(",") if v]
            if self.kind == "mix":
                out = {}
                for term in s.replace(" ", "").split(","):
                    if not term:
                        continue
                    p, w = term.split(":")
                    if str(int(p)) in out:      # the same p twice: which weight was meant?
                        raise ValueError(term)
                    out[str(int(p))] = float(w)
                return out
        except ValueError:
            self.fail(s)
        if self.choices is not None and s not in {str(c) for c in self.choices}:
            self.fail(s)
        return s

    def normalise(self, v):
        """The stored form: lists of floats / ints, {str(p): float(w)}; anything else as given
        (so that configs hash as they always did)."""
        if v is None:
            return None
        try:
            if self.kind == "floats":
                return [float(u) for u in v]
            if self.kind == "ints":
                return [int(u) for u in v]
            if self.kind == "mix":
                return {str(int(k)): float(w) for k, w in dict(v).items()}
        except (TypeError, ValueError, AttributeError):
            return v     # left for check() to refuse, naming the key
        return v

    def _in_range(self, x: float) -> bool:
        if self.lo is not None and (x <= self.lo if self.lo_open else x < self.lo):
            return False
        if self.hi is not None and (x >= self.hi if self.hi_open else x > self.hi):
            return False
        return True

    def check(self, v) -> None:
        """Type and range of one value; ConfigError(name, 'got X; allowed: ...') when wrong."""
        if v is None:
            if not self.nullable:
                self.fail(v)
            return
        k = self.kind
        if k == "bool":
            if not isinstance(v, (bool, np.bool_)):
                self.fail(v)
            return
        if k == "str":
            if not isinstance(v, str) or (self.choices is not None and v not in self.choices):
                self.fail(v)
            return
        if k in ("int", "ints") and any(_is_int(u) and not -INT64 < int(u) < INT64
                                        for u in (v if isinstance(v, (list, tuple)) else [v])):
            self.fail(v, self.allowed() + (", each below 2^63" if k == "ints" else ", below 2^63"))
        if k in ("int", "float"):
            ok = _is_int(v) if k == "int" else (_is_real(v) and math.isfinite(float(v)))
            if not ok or not self._in_range(float(v)):
                self.fail(v)
            if self.choices is not None and v not in self.choices:
                self.fail(v)
            return
        if k in ("floats", "ints"):
            good = _is_int if k == "ints" else (lambda u: _is_real(u) and math.isfinite(float(u)))
            if (not isinstance(v, (list, tuple)) or len(v) < self.min_len
                    or not all(good(u) and self._in_range(float(u)) for u in v)
                    or (self.choices is not None and not all(u in self.choices for u in v))):
                self.fail(v)
            return
        # mix
        if not isinstance(v, dict) or not v:
            self.fail(v)
        total = 0.0
        for p, w in v.items():
            try:
                pf, wf = float(p), float(w)
            except (TypeError, ValueError):
                self.fail(v)
            if not (pf == int(pf) and (pf in self.choices if self.choices else pf >= 2)):
                self.fail(v)
            if not (math.isfinite(wf) and self._in_range(wf)):
                self.fail(v)
            total += wf
        if total <= 0:
            self.fail(v)


@dataclass
class Schema:
    """Ordered parameters of one system, plus its cross-field checks.

    `check(config)` raises ConfigError for rules that tie parameters together (tw < tmax, ...)
    and may return a value that validate() hands back (the p-spin's mixture).
    `protocol_defaults` {protocol: {key: default}}: defaults that differ by protocol (nets: P and
    precision of the jamming sweep), applied unless the caller sets the key.
    `memory(config)` -> (bytes the run holds at once, what holds them): validate() refuses a config
    that would not fit (physics.config.check_memory), blaming the parameter of `blame` whose
    default value would shrink it most (blame_for). `seconds(config)`: a rough run time, said
    before a long run starts."""

    system: str
    params: list[Param]
    check: Callable[[dict], Any] | None = None
    protocol_defaults: dict = field(default_factory=dict)
    memory: Callable[[dict], tuple] | None = None
    blame: tuple = ()
    seconds: Callable[[dict], float] | None = None

    def __post_init__(self):
        self.by_name = {p.name: p for p in self.params}
        if len(self.by_name) != len(self.params):
            raise ValueError(f"{self.system}: a parameter is defined twice")

    def __getitem__(self, key: str) -> Param:
        return self.by_name[key]

    def __contains__(self, key: str) -> bool:
        return key in self.by_name

    def __iter__(self):
        return iter(self.params)

    @property
    def keys(self) -> list[str]:
        return [p.name for p in self.params]

    def option_of(self, key: str) -> str:
        """The command-line option of a config key ('--' + key with - for _ when unknown)."""
        p = self.by_name.get(key)
        return p.option if p is not None else "--" + key.replace("_", "-")

    def default(self, key: str, protocol: str | None = None):
        d = self.protocol_defaults.get(protocol, {})
        return d[key] if key in d else self.by_name[key].default

    def _unknown(self, keys: Iterable[str]) -> None:
        unknown = sorted(set(keys) - set(self.by_name))
        if unknown:
            raise ConfigError(unknown[0], f"unknown parameter of {self.system}; known: {', '.join(self.keys)}")

    def config(self, **overrides) -> dict:
        """Every parameter: the defaults (those of the protocol, when it has its own), then the
        overrides (unknown key -> ConfigError naming it), normalised."""
        self._unknown(overrides)
        cfg = {p.name: _copy(p.default) for p in self.params}
        cfg.update(_copy(self.protocol_defaults.get(overrides.get("protocol"), {})))
        cfg.update(overrides)
        return {k: self.by_name[k].normalise(v) for k, v in cfg.items()}

    def validate(self, config: dict):
        """Every parameter's type and range, then the cross-field checks; returns what `check`
        returns. Missing or unknown keys are refused too."""
        missing = [k for k in self.keys if k not in config]
        if missing:
            raise ConfigError(missing[0], f"missing from the config of {self.system} "
                              "(start from its default_config)")
        self._unknown(config)
        for p in self.params:
            p.check(config[p.name])
        out = self.check(config) if self.check is not None else None
        if self.memory is not None:
            self.check_memory(config)
        return out

    # ------------------------------------------------------------------ what a run costs
    def _reduced(self, config: dict, key: str) -> dict:
        """`config` with `key` brought down to its default (the protocol's) where it is above it."""
        v, d = config[key], self.default(key, config.get("protocol"))
        if d is None or v is None:
            return config
        if isinstance(v, (list, tuple)):
            return dict(config, **{key: d}) if v and d and max(v) > max(d) else config
        return dict(config, **{key: min(v, d)})

    def blame_for(self, config: dict, need: Callable[[dict], float]) -> str:
        """The parameter that makes need(config) big: of `blame`, the one whose default value would
        shrink it most (the first of `blame` when none would)."""
        total, best, key = need(config), 0.0, self.blame[0]
        for k in self.blame:
            gain = total - need(self._reduced(config, k))
            if gain > best:
                best, key = gain, k
        return key

    def check_memory(self, config: dict) -> None:
        """Refuse, before anything is allocated, a run whose arrays would not fit in memory:
        ConfigError naming the parameter to make smaller, with the figure and the limit."""
        from physics.config import check_memory, memory_limit
        nbytes, what = self.memory(config)
        if nbytes <= memory_limit():
            return
        key = self.blame_for(config, lambda c: float(self.memory(c)[0]))
        check_memory(nbytes, key, f"{key} = {show(config[key])}" + (f" ({what})" if what else ""))

    def estimate_seconds(self, config: dict) -> float | None:
        """A rough run time in seconds (None when the system gives none)."""
        return float(self.seconds(config)) if self.seconds is not None else None


def _copy(v):
    if isinstance(v, list):
        return list(v)
    if isinstance(v, dict):
        return dict(v)
    return v


def require(cond: bool, key: str, got: str, allowed: str) -> None:
    """A cross-field rule in the schema's words: ConfigError(key, 'got <got>; allowed: <allowed>')
    (`got` is written by the caller, e.g. show(value) or 'tw = 5000')."""
    if not cond:
        raise ConfigError(key, f"got {got}; allowed: {allowed}")


MAX_STEPS = 1e9
"""The most time steps one run may take (a guard against a tmax typed with too many zeros)."""


def require_time_grid(c: dict, step_key: str = "dt") -> None:
    """The rules of every Langevin time grid: tmax >= one step, at most MAX_STEPS steps, and the
    waiting times inside (0, tmax)."""
    dt, tmax = c[step_key], c["tmax"]
    require(tmax >= dt, "tmax", show(tmax), f"tmax >= {step_key} = {dt:g}")
    require(tmax / dt <= MAX_STEPS, "tmax", show(tmax),
            f"at most {MAX_STEPS:.0e} steps: tmax <= {MAX_STEPS:.0e} {step_key} = {MAX_STEPS * dt:g}")
    if c["tw"] is not None:
        require(all(w < tmax for w in c["tw"]), "tw", show(c["tw"]), f"waiting times in (0, tmax = {tmax:g})")
