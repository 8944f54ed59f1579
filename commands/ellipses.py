"""`python cli.py ellipses jam|age`: soft ellipses in 2D (docs/science.md, section 3.5).

    python cli.py ellipses jam --alpha 1.5 --N 256     phi_J, Z_J against 6, quartic modes
                                                      against the deficit; PNG of the packing
    python cli.py ellipses age --alpha 1.5 --phi 0.9 --T 1e-5 --tmax 1000     Langevin aging
"""
from __future__ import annotations

import click
import numpy as np

from commands.common import common_options, report, run_into_record, schema_options
from physics.ellipses import SCHEMA

particle_options = schema_options(SCHEMA, ["alpha", "N"])


@click.group()
def command():
    """Soft ellipses (2D, bidisperse, aspect ratio alpha): jamming (jam) and Langevin aging (age).

    Lengths in small minor axes, energies in eps, time in (small minor axis)^2/(mu eps).
    """


@command.command("jam")
@particle_options
@schema_options(SCHEMA, ["tol"])
@common_options(schema=SCHEMA)
def jam(alpha, N, tol, out, seed, samples, force):
    """Jamming point by compress-and-bisect, its contacts Z_J (hypostatic: below 2 d_f = 6) and
    the quartic modes (zero modes of the stiffness matrix) beside the contact deficit; writes
    the record and a PNG (the packing coloured by contact number, Z and phi_J, the spectra).
    """
    from physics.ellipses import default_config, run as run_fn
    cfg = default_config(protocol="jam", alpha=float(alpha), N=N, tol=tol, seed=seed, samples=samples)
    run = run_into_record("ellipses", cfg, run_fn, out, force, "compress-and-bisect (samples)")
    report(run, [f"per sample: {float(np.mean(run['ellipses/fire_steps'])):.0f} FIRE steps; phi_J "
                 f"bracket {float(np.mean(run['ellipses/phi_hi'] - run['ellipses/phi_lo'])):.2g} (tol {tol:g})"])


@command.command("age")
@particle_options
@schema_options(SCHEMA, ["phi", "T", "dt", "tmax", "tw", "Q_a", "init", "t_eq"])
@common_options(schema=SCHEMA)
def age(alpha, N, phi, T, dt, tmax, tw, Q_a, init, t_eq, out, seed, samples, force):
    """Langevin aging of positions and angles at temperature T and fixed phi from random
    positions and angles (or after --t-eq at T with --init equilibrated).

    Overdamped, unit friction mu on x, y and ell theta (ell the mean semi-axis): translational
    diffusion T, rotational T/ell^2 (rad^2 per unit time). Records, through the spheres'
    recorder, e(t) = U/N (eps per particle), C, msd, Q (threshold --Q-a) of the unwrapped
    positions (small minor axes^2 per coordinate), and of the unwrapped angles msd_theta (rad^2)
    and C2_theta = <cos 2(theta(t) - theta(tw))>. Time in (small minor axis)^2/(mu eps).
    """
    from physics.ellipses import default_config, run as run_fn
    cfg = default_config(protocol="age", alpha=float(alpha), N=N, phi=phi, T=T, dt=dt, tmax=tmax,
                         tw=tw, Q_a=Q_a, init=init, t_eq=t_eq, seed=seed, samples=samples)
    run = run_into_record("ellipses", cfg, run_fn, out, force, "Langevin")
    report(run)
