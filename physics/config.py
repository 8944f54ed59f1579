"""Validation shared by every run function: one error type, and the memory guard.

Each system declares its parameters once, in its schema (physics.schema.Schema), whose
validate() raises ConfigError(key, "got X; allowed: ..."); the command line turns it into a one-line click.BadParameter (exit code 2), and `compare`
shows it as it is.
"""
from __future__ import annotations

import os


class ConfigError(ValueError):
    """A bad parameter: `param` is the config key (the CLI option is --param), `message`
    says what is wrong and what is allowed."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


def available_memory_bytes() -> int:
    """Memory the OS can give us now (MemAvailable), or the physical memory if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def memory_limit(fraction: float = 0.8) -> float:
    """Bytes a run may hold at once: `fraction` of the memory available now."""
    return fraction * available_memory_bytes()


def record_bytes(samples: int, nt: int, nw: int, per_time: int = 1) -> float:
    """Bytes of a record's arrays in memory: the two-time observables [S, nw, nt] (5 of them) and
    `per_time` per-time arrays [S, nt] (energy, ...), float64."""
    return 8.0 * samples * nt * (5 * nw + per_time)


def check_memory(nbytes: float, param: str, what: str, fraction: float = 0.8) -> None:
    """Refuse, before allocating, work whose arrays would not fit in memory. `what` names the
    parameter and its value (e.g. "N = 200000 (p=3 couplings)"): the message reads "got <what>,
    which needs ... GiB; allowed: ..."."""
    avail = available_memory_bytes()
    if nbytes > fraction * avail:
        raise ConfigError(
            param,
            f"got {what}, which needs {nbytes / 2**30:.1f} GiB; allowed: at most "
            f"{fraction * avail / 2**30:.1f} GiB ({fraction:.0%} of the {avail / 2**30:.1f} GiB "
            f"of memory available now): choose a smaller value",
        )


def require(cond: bool, param: str, message: str) -> None:
    """Raise ConfigError(param, message) unless cond holds."""
    if not cond:
        raise ConfigError(param, message)
