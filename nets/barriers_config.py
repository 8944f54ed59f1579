"""The parameters of a barriers run (docs/science.md, section 10): the schema, its rules, the memory
and time it will take. Two landscapes, the config key `protocol`: "pspin" (the spherical p-spin,
physics/pspin_paths.py) and "dnn" (a net's training loss, nets/paths.py).

The landscape's own parameters are the p-spin's and the nets' (the same Param objects, with the
defaults of this protocol), so that an option means the same in `pspin`, `dnn` and `barriers`.
This module lives in nets (not physics) because it takes the nets' parameters; it imports no torch.
"""
from __future__ import annotations

from dataclasses import replace

from physics import pspin_config as PC
from physics.schema import Param, Schema, require, show

from nets import config as NC

SYSTEM = "barriers"
PROTOCOLS = ("pspin", "dnn")
FORCE = "energy / length (p-spin: J per unit of s; nets: loss per unit of w)"

_NETS_KEYS = ("data", "data_dir", "P", "d", "width", "depth", "activation", "init", "loss",
              "min_lr", "decay_steps", "max_steps", "device")

SCHEMA = Schema(SYSTEM, [
    Param("protocol", "pspin", "str", choices=PROTOCOLS, cli=False,
          help="pspin: minima of the spherical p-spin; dnn: minima of a net's training loss."),
    # p-spin landscape
    replace(PC.SCHEMA["N"], default=64, lo=8, help="Number of spins (pspin)."),
    replace(PC.SCHEMA["p"], help="Order p of the pure p-spin (pspin)."),
    Param("descent_t", 100.0, "float", lo=0.0, lo_open=True, hi=1e6, unit=PC.TIME,
          help="Time of the T = 0 gradient descent on the sphere from a random start (pspin; "
               "docs/science.md section 2 quotes t = 100), before FIRE takes the minimum to --min-tol."),
    replace(PC.SCHEMA["dt"], help="Step of the gradient descent (pspin)."),
    # net landscape: the nets' parameters (jamming protocol's minimiser: Adam, then FIRE)
    *[NC.SCHEMA[k] for k in _NETS_KEYS],
    # minima, paths, NEB
    Param("minima", 3, "int", lo=2, hi=64,
          help="Minima per landscape (from independent random starts); paths join every pair."),
    Param("images", 17, "int", lo=3, hi=1001, help="Images on each path, the two minima included."),
    Param("neb_steps", 3000, "int", lo=0, hi=10**7, unit="FIRE steps",
          help="Most steps of the nudged elastic band (0: straight paths only)."),
    Param("neb_tol", 1e-3, "float", lo=0.0, lo_open=True, hi=1e3, unit=FORCE,
          help="The band has converged when the largest component of its force is below this."),
    Param("spring", 5.0, "float", lo=0.0, lo_open=True, hi=1e6, unit="energy / length^2",
          help="Spring constant k between neighbouring images."),
    Param("neb_dt", 0.05, "float", lo=0.0, lo_open=True, hi=10.0,
          help="First FIRE step of the band (it grows up to 10 times this)."),
    Param("climb", True, "bool", help="Climbing image (the highest image climbs to the saddle)."),
    Param("kinks", True, "bool",
          help="Perpendicular spring force where the band bends (switching function of Jonsson, "
               "Mills & Jacobsen 1998): keeps the images of a rough landscape (p-spin) from leaving "
               "the band sideways; off for nets, where it pulls a band out of a flat zero-loss valley."),
    Param("min_tol", 1e-6, "float", lo=0.0, lo_open=True, hi=1e3, unit=FORCE,
          help="A minimum is taken when the largest component of the (projected) gradient is below this."),
    Param("min_steps", 20000, "int", lo=0, hi=10**8, unit="FIRE steps",
          help="Most FIRE steps to bring a minimum to --min-tol."),
    Param("samples", 1, "int", lo=1, hi=10**4,
          help="Landscapes: disorder realisations (pspin) or training sets (dnn), each with its own minima."),
    Param("seed", 0, "int", lo=0,
          help="Random seed: couplings or data, and the random starts derive from it."),
], check=lambda c: _cross_checks(c), memory=lambda c: _memory(c), seconds=lambda c: _seconds(c),
    blame=("N", "width", "P", "images", "minima"),
    protocol_defaults={"dnn": {"kinks": False, "spring": 1.0, "neb_tol": 1e-4, "neb_dt": 0.02,
                               "min_tol": 1e-7, "P": 200, "width": 16, "max_steps": 20000}})


def default_config(**overrides) -> dict:
    """Every parameter of a barriers run: SCHEMA's defaults (those of the protocol) with `overrides`."""
    return SCHEMA.config(**overrides)


def validate(config: dict) -> None:
    SCHEMA.validate(config)


def pairs(minima: int) -> list[tuple[int, int]]:
    """The pairs (a, b), a < b, of `minima` minima, in the record's order."""
    return [(a, b) for a in range(minima) for b in range(a + 1, minima)]


def nets_config(c: dict) -> dict:
    """The nets config of the landscape of a dnn barriers run: the jamming protocol (float64, Adam
    to N_Delta = 0) with this run's data, architecture and minimiser, one training set shared by
    the `minima` nets (samples), no biases, no L2."""
    return NC.default_config(protocol="jamming", samples=c["minima"], seed=c["seed"], shared_data=True,
                             precision="float64", widths=[c["width"]],
                             **{k: c[k] for k in _NETS_KEYS})


def n_dof(c: dict) -> int:
    """Degrees of freedom: N spins, or the weights of the net."""
    return int(c["N"]) if c["protocol"] == "pspin" else NC.n_weights(nets_config(c))


def _cross_checks(c: dict) -> None:
    if c["protocol"] == "pspin":
        require(c["descent_t"] >= c["dt"], "descent_t", show(c["descent_t"]),
                f"descent_t >= dt = {c['dt']:g}")
    else:
        require(c["data"] != "cifar10", "data", show(c["data"]),
                "random, teacher, mnist, digits (vector data for the fully connected net)")


def _memory(c: dict) -> tuple[float, str]:
    n = n_dof(c)
    paths = c["samples"] * len(pairs(c["minima"])) * c["images"] * 4 * 8.0
    band = 8.0 * 8 * n * c["images"]                 # images, velocities, forces, tangents, ...
    if c["protocol"] == "pspin":
        held = PC.coupling_bytes(int(c["N"]), {int(c["p"]): 1.0}, "float64")
        return held + band + paths, f"N = {c['N']}: couplings and {c['images']} images"
    data = 8.0 * c["P"] * c["d"]
    act = 8.0 * c["images"] * c["P"] * c["width"] * c["depth"] * 6
    return band + data + act + paths, f"{n} weights, {c['images']} images"


def _seconds(c: dict) -> float:
    n = n_dof(c)
    npairs = len(pairs(c["minima"]))
    if c["protocol"] == "pspin":
        per_force = 3e-9 * int(c["N"]) ** c["p"] / 6 + 2e-5   # p = 3 packed couplings, measured
        descents = c["minima"] * (c["descent_t"] / c["dt"] + 2000)
        return c["samples"] * per_force * (descents + npairs * c["neb_steps"] * (c["images"] - 2))
    per_force = 2e-8 * n * c["P"] / max(c["width"], 1) + 1e-4
    return c["samples"] * (per_force * c["minima"] * (c["max_steps"] + c["min_steps"])
                           + per_force * npairs * c["neb_steps"] * c["images"])
