"""`python cli.py spheres jam|age`: soft-sphere packings (docs/science.md, section 3).

    python cli.py spheres jam --N 1024 --dim 2      phi_J, Z, isostaticity, gaps, forces, modes,
                                                   the compression series; PNG of the packing
    python cli.py spheres age --phi 0.86 --T 1e-5 --tmax 1000     Langevin aging at fixed phi
"""
from __future__ import annotations

import click
import numpy as np

from commands.common import common_options, report, run_into_record, schema_options
from physics.spheres import SCHEMA

packing_options = schema_options(SCHEMA, ["N", "dim", "mixture", "polydispersity", "radii", "alpha"])
"""Options shared by jam and age: the particles."""


def _base_config(protocol, N, dim, mixture, polydispersity, radii, alpha, seed, samples):
    from physics.spheres import default_config
    if polydispersity > 0:
        mixture = "polydisperse"
    return default_config(protocol=protocol, N=N, dim=dim, mixture=mixture,
                          polydispersity=float(polydispersity), radii=radii,
                          alpha=float(alpha), seed=seed, samples=samples)


@click.group()
def command():
    """Soft-sphere packings: the jamming point (jam) and Langevin aging (age).

    Lengths in small diameters sigma, energies in eps, time in sigma^2/(mu eps) (unit friction).
    """


@command.command("jam")
@packing_options
@schema_options(SCHEMA, ["tol", "hessian_dphi"])
@common_options(schema=SCHEMA)
def jam(N, dim, mixture, polydispersity, radii, alpha, tol, hessian_dphi, out, seed, samples, force):
    """Jamming point by compress-and-bisect, then its structure and the compression series.

    Prints phi_J beside the published value, Z beside 2d, and the isostaticity check
    contacts = d (N_nr - 1) + 1; writes the record and a PNG (packing with its contact network,
    P(h), P(f), D(omega), E/N, pressure and Z - Z_iso against phi - phi_J).
    """
    from physics.spheres import run as run_fn
    cfg = _base_config("jam", N, dim, mixture, polydispersity, radii, alpha, seed, samples)
    cfg.update(tol=tol, hessian_dphi=hessian_dphi)
    run = run_into_record("spheres", cfg, run_fn, out, force, "compress-and-bisect (samples)")
    report(run, [f"per sample: {float(np.mean(run['spheres/fire_steps'])):.0f} FIRE steps, "
                 f"{_seconds_per_packing(run):.1f} s; phi_J bracket "
                 f"{float(np.mean(run['spheres/phi_hi'] - run['spheres/phi_lo'])):.2g} (tol {tol:g})"])


def _seconds_per_packing(run) -> float:
    """Mean wall-clock seconds per packing: a record attribute (a dataset in older records)."""
    v = run.attrs.get("spheres/time_s")
    if v is None and "spheres/time_s" in run:
        v = run["spheres/time_s"]
    return float(np.mean(v)) if v is not None and np.size(v) else float("nan")


@command.command("age")
@packing_options
@schema_options(SCHEMA, ["phi", "T", "dt", "tmax", "tw", "Q_a", "init", "t_eq"])
@common_options(schema=SCHEMA)
def age(N, dim, mixture, polydispersity, radii, alpha, phi, T, dt, tmax, tw, Q_a, init, t_eq, out, seed,
        samples, force):
    """Langevin aging at temperature T and fixed phi from a random (infinite-temperature) start,
    or (--init equilibrated --t-eq T_EQ) from the liquid after T_EQ of Langevin at T.

    Records e(t) = U/N, C, msd, Q (threshold --Q-a) and alpha2 of the unwrapped positions.
    """
    from physics.spheres import default_config, run as run_fn
    cfg = _base_config("age", N, dim, mixture, polydispersity, radii, alpha, seed, samples)
    cfg.update(phi=phi, T=T, dt=dt, tmax=tmax, tw=tw, Q_a=Q_a, init=init, t_eq=t_eq)
    cfg = default_config(**cfg)          # late keys at their defaults leave the config (its hash)
    run = run_into_record("spheres", cfg, run_fn, out, force, "Langevin")
    report(run)
