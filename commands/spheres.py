"""`python cli.py spheres jam|age`: soft-sphere packings (shared/SCIENCE.md, section 3).

    python cli.py spheres jam --N 1024 --dim 2      phi_J, Z, isostaticity, gaps, forces, modes,
                                                   the compression series; PNG of the packing
    python cli.py spheres age --phi 0.86 --T 1e-5 --tmax 1000     Langevin aging at fixed phi
"""
from __future__ import annotations

import click
import numpy as np

from commands.common import common_options, parse_floats, print_summary, run_into_record

# published values (SCIENCE.md, section 3)
PHI_J_PUBLISHED = {2: (0.84, "2D bidisperse 1:1.4, ~0.84 (O'Hern et al. 2003)"),
                   3: (0.64, "3D, ~0.64 (O'Hern et al. 2003)")}
THETA, GAMMA = 0.42, 0.41


def packing_options(f):
    """Options shared by jam and age: the particles."""
    f = click.option("--alpha", type=click.FloatRange(2.0, 3.0), default=2.0, show_default=True,
                     help="Exponent of the pair energy (eps/alpha)(1 - r/sigma)^alpha: 2 harmonic, 2.5 Hertz.")(f)
    f = click.option("--radii", type=str, default=None,
                     help="Radii in small diameters, comma-separated, assigned to the particles "
                          "cyclically (e.g. 0.5,0.7 = the bidisperse mixture). Overrides --mixture.")(f)
    f = click.option("--polydispersity", type=click.FloatRange(0.0, 0.5, max_open=True), default=None,
                     help="Relative standard deviation of the diameters (uniform distribution, "
                          "mean 1); implies --mixture polydisperse.")(f)
    f = click.option("--mixture", type=click.Choice(["bidisperse", "monodisperse", "polydisperse"]),
                     default="bidisperse", show_default=True,
                     help="Diameters: bidisperse 1.0 and 1.4 (50:50), all 1.0, or polydisperse.")(f)
    f = click.option("--dim", type=int, default=2, show_default=True,
                     help="Space dimension: 2 or 3.")(f)
    f = click.option("--N", "N", type=int, default=1024, show_default=True,
                     help="Number of particles (>= 2; the box must exceed twice the largest diameter).")(f)
    return f


def _base_config(protocol, N, dim, mixture, polydispersity, radii, alpha, seed, samples):
    from physics.spheres import default_config
    radii_list = parse_floats(radii, "radii")
    if polydispersity is not None and polydispersity > 0:
        mixture = "polydisperse"
    return default_config(protocol=protocol, N=N, dim=dim, mixture=mixture,
                          polydispersity=float(polydispersity or 0.0), radii=radii_list,
                          alpha=float(alpha), seed=seed, samples=samples)


@click.group()
def command():
    """Soft-sphere packings: the jamming point (jam) and Langevin aging (age).

    Lengths in small diameters sigma, energies in eps, time in sigma^2/(mu eps) (unit friction).
    """


@command.command("jam")
@packing_options
@click.option("--tol", type=click.FloatRange(1e-12, 0.1), default=1e-6, show_default=True,
              help="Bracket on phi_J at which compress-and-bisect stops (in packing fraction).")
@click.option("--hessian-dphi", type=click.FloatRange(1e-6, 0.1), default=1e-3, show_default=True,
              help="Normal modes of the packing at phi_J + this.")
@common_options()
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
    phiJ = run["spheres/phi_J"]
    ref, note = PHI_J_PUBLISHED[dim]
    iso = run["spheres/isostatic"]
    rows = [
        ("phi_J (mean over samples)", float(phiJ.mean()), ref, note),
        ("phi_J bracket width", float(np.mean(run["spheres/phi_hi"] - run["spheres/phi_lo"])), f"< {tol:g}"),
        ("Z (non-rattlers, at phi_J)", float(run["spheres/Z"].mean()), 2 * dim, "Z_c = 2d (N -> inf)"),
        ("contacts", float(run["spheres/contacts"].mean()),
         float(np.mean(dim * (run["spheres/N_nonrattlers"] - 1) + 1)), "isostatic d (N_nr - 1) + 1"),
        ("isostatic packings", f"{int(iso.sum())} / {len(iso)}", f"{len(iso)} / {len(iso)}"),
        ("rattler fraction", float(1 - run["spheres/N_nonrattlers"].mean() / N), "", "a few %"),
        ("E/N at phi_J", float(run["spheres/energy_J"].mean()), "", "> e_tol 1e-16: jammed"),
        ("pressure at phi_J", float(run["spheres/pressure_J"].mean()), "", "eps / sigma^d"),
    ]
    fits = _scaling_fits(run, alpha)
    rows += [("E/N ~ dphi^a, fitted a", fits[0], alpha), ("p ~ dphi^b, fitted b", fits[1], alpha - 1),
             ("Z - Z_iso ~ dphi^c, fitted c", fits[2], 0.5),
             ("FIRE steps per sample", float(run["spheres/fire_steps"].mean())),
             ("seconds per sample", float(run["spheres/time_s"].mean()))]
    print_summary(f"spheres jam: N = {N}, d = {dim}, {cfg['mixture'] if not cfg['radii'] else 'user radii'}, "
                  f"alpha = {alpha:g}, {samples} sample(s)", rows)
    png = _plot_jam(run, run.path.with_suffix(".png"), dim, alpha)
    click.echo(f"\nrecord: {run.path}\nfigure: {png}")


def _fit(x, y):
    ok = np.isfinite(y) & (y > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0])


def _scaling_fits(run, alpha):
    """Exponents fitted over 1e-5 <= dphi <= 1e-2 (mean over samples)."""
    d = run["spheres/dphi"]
    sel = (d >= 0.99e-5) & (d <= 1.01e-2)
    return (_fit(d[sel], run.mean("spheres/energy_dphi")[sel]),
            _fit(d[sel], run.mean("spheres/pressure")[sel]),
            _fit(d[sel], run.mean("spheres/Z_excess")[sel]))


def _log_hist(v, lo, hi, bins=30):
    v = v[(v > lo) & (v < hi)]
    edges = np.logspace(np.log10(lo), np.log10(hi), bins + 1)
    h, _ = np.histogram(v, edges)
    dens = h / (np.diff(edges) * max(len(v), 1))
    c = np.sqrt(edges[1:] * edges[:-1])
    return c[h > 0], dens[h > 0]


def _plot_jam(run, path, dim, alpha):
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Circle

    from compare.plots import band, figure, save
    from physics.spheres.forces import pair_table
    from physics.spheres.modes import density_of_states
    fig, ax = figure(2, 3, width=4.6, height=3.8)
    # (a) the packing and its contact network (first sample; 3D: projection)
    a = ax[0, 0]
    pos, diam, L = run["spheres/positions"][0], run["spheres/diameters"][0], float(run["spheres/box"][0])
    nr = run["spheres/nonrattler"][0].astype(bool)
    c = pair_table(pos, diam, L, alpha, 0.0)
    keep = nr[c["i"]] & nr[c["j"]]
    i, j, f = c["i"][keep], c["j"][keep], c["f"][keep]
    p = np.mod(pos[:, :2], L)
    dx = p[j] - p[i]
    dx -= L * np.round(dx / L)
    segs = np.stack([p[i], p[i] + dx], axis=1)
    for k in range(len(p)):
        a.add_patch(Circle(p[k], diam[k] / 2, fc="0.85" if nr[k] else "#f4a582", ec="0.5", lw=0.3))
    lw = 0.4 + 2.0 * f / f.max() if len(f) else 1.0
    a.add_collection(LineCollection(segs, colors="k", linewidths=lw))
    a.set_xlim(0, L), a.set_ylim(0, L), a.set_aspect("equal")
    a.set_xlabel(r"$x / \sigma$"), a.set_ylabel(r"$y / \sigma$")
    a.set_title(f"packing at $\\phi_J$ = {run['spheres/phi_J'][0]:.5f}: contacts (width ~ force), "
                "rattlers orange" + (" (xy projection)" if dim == 3 else ""), fontsize=8)
    # (b) P(h)
    a = ax[0, 1]
    g = run["spheres/gaps"]
    x, y = _log_hist(g, max(g.min(), 1e-9) if len(g) else 1e-9, 0.5)
    a.loglog(x, y, "o", ms=3, label="measured")
    if len(x):
        k0 = len(x) // 3
        a.loglog(x, y[k0] * (x / x[k0]) ** (-GAMMA), "k--", lw=0.8, label=rf"$h^{{-\gamma}}$, $\gamma$ = {GAMMA}")
    a.set_xlabel(r"gap $h = r/\sigma_{ij} - 1$"), a.set_ylabel(r"$P(h)$"), a.legend()
    # (c) P(f)
    a = ax[1, 0]
    fr = run["spheres/forces"]
    x, y = _log_hist(fr, max(fr.min(), 1e-6) if len(fr) else 1e-6, fr.max() * 1.01 if len(fr) else 10)
    a.loglog(x, y, "o", ms=3, label="measured")
    if len(x):
        k0 = len(x) // 3
        a.loglog(x, y[k0] * (x / x[k0]) ** THETA, "k--", lw=0.8, label=rf"$f^{{\theta}}$, $\theta$ = {THETA}")
    a.set_xlabel(r"contact force $f / \langle f \rangle$"), a.set_ylabel(r"$P(f)$"), a.legend()
    # (d) D(omega)
    a = ax[1, 1]
    ev = run["spheres/eigenvalues"]
    w, D = density_of_states(ev[np.isfinite(ev)], bins=50)
    a.plot(w, D, "-", label=f"$\\phi - \\phi_J$ = {run.config['hessian_dphi']:g}")
    a.set_xlabel(r"$\omega$ ($\sqrt{\epsilon/m\sigma^2}$)"), a.set_ylabel(r"$D(\omega)$"), a.legend()
    # (e) E/N and p against dphi
    a = ax[2, 0]
    d = run["spheres/dphi"]
    band(a, d, run.mean("spheres/energy_dphi"), run.sem("spheres/energy_dphi"), label="$E/N$", marker="o")
    band(a, d, run.mean("spheres/pressure"), run.sem("spheres/pressure"), label="pressure $p$", marker="s")
    a.loglog(d, 0.3 * run.mean("spheres/energy_dphi")[-3] * (d / d[-3]) ** alpha, "k--", lw=0.8,
             label=rf"$\propto \Delta\phi^{{{alpha:g}}}$")
    a.loglog(d, 0.3 * run.mean("spheres/pressure")[-3] * (d / d[-3]) ** (alpha - 1), "k:", lw=0.8,
             label=rf"$\propto \Delta\phi^{{{alpha - 1:g}}}$")
    a.set_xscale("log"), a.set_yscale("log")
    a.set_xlabel(r"$\phi - \phi_J$"), a.set_ylabel(r"$E/N$ ($\epsilon$), $p$ ($\epsilon/\sigma^d$)"), a.legend()
    # (f) Z - Z_iso
    a = ax[2, 1]
    band(a, d, run.mean("spheres/Z_excess"), run.sem("spheres/Z_excess"), marker="o", label="measured")
    a.loglog(d, run.mean("spheres/Z_excess")[-3] * (d / d[-3]) ** 0.5, "k--", lw=0.8,
             label=r"$\propto \Delta\phi^{1/2}$")
    a.set_xscale("log"), a.set_yscale("log")
    a.set_xlabel(r"$\phi - \phi_J$"), a.set_ylabel(r"$Z - Z_{iso}$ (non-rattlers)"), a.legend()
    return save(fig, path)


@command.command("age")
@packing_options
@click.option("--phi", type=float, default=0.86, show_default=True,
              help="Packing fraction, in (0, 1) (2D bidisperse jams near 0.84).")
@click.option("--T", "T", type=click.FloatRange(min=0.0), default=1e-5, show_default=True,
              help="Temperature, in units of eps (k_B = 1).")
@click.option("--dt", type=click.FloatRange(min=0.0, min_open=True), default=0.01, show_default=True,
              help="Time step, in sigma^2 / (mu eps) (unit friction mu); <= 0.1.")
@click.option("--tmax", type=click.FloatRange(min=0.0, min_open=True), default=1000.0, show_default=True,
              help="Duration of the run, same time unit.")
@click.option("--tw", type=str, default=None,
              help="Waiting times, comma-separated (default: 5 log-spaced from tmax/1000 to tmax/10).")
@click.option("--Q-a", "Q_a", type=click.FloatRange(min=0.0, min_open=True), default=0.3, show_default=True,
              help="Overlap threshold a of Q: a coordinate counts as not moved if |dx| < a "
                   "(in small diameters; 0.3 = about a third of a particle).")
@common_options()
def age(N, dim, mixture, polydispersity, radii, alpha, phi, T, dt, tmax, tw, Q_a, out, seed, samples,
        force):
    """Langevin aging at temperature T and fixed phi from a random (infinite-temperature) start.

    Records e(t) = U/N, C, msd, Q (threshold --Q-a) and alpha2 of the unwrapped positions.
    """
    from compare.plots import figure, plot_energy, plot_two_time, save
    from physics.spheres import run as run_fn
    cfg = _base_config("age", N, dim, mixture, polydispersity, radii, alpha, seed, samples)
    cfg.update(phi=phi, T=T, dt=dt, tmax=tmax, tw=parse_floats(tw, "tw"), Q_a=Q_a)
    run = run_into_record("spheres", cfg, run_fn, out, force, "Langevin")
    e = run.mean("energy")
    msd = run.mean("msd")
    rows = [("E/N at t = tmax", float(e[-1]), "", "eps; 0 below phi_J at T = 0"),
            ("msd(tw_min, tmax)", float(msd[0, -1]), "", "sigma^2 per coordinate"),
            ("thermal part 2 T (tmax - tw_min)", 2 * T * (tmax - float(run["tw"][0])), "",
             "free diffusion; the force-driven relaxation after the quench adds to it"),
            ("Q(tw_min, tmax)", float(run.mean("Q")[0, -1]), "", f"a = {Q_a:g}")]
    print_summary(f"spheres age: N = {N}, d = {dim}, phi = {phi:g}, T = {T:g}, {samples} sample(s)", rows)
    fig, ax = figure(2, 2, width=4.2, height=3.3)
    plot_energy(ax[0, 0], run, ylabel=r"energy per particle $U/N$ ($\epsilon$)")
    ax[0, 0].set_yscale("log")
    plot_two_time(ax[0, 1], run, "msd")
    plot_two_time(ax[1, 0], run, "Q", legend=False)
    plot_two_time(ax[1, 1], run, "msd", scaled=True, legend=False)
    ax[0, 0].set_title(f"$\\phi$ = {phi:g}, T = {T:g}, N = {N}", fontsize=9)
    png = save(fig, run.path.with_suffix(".png"))
    click.echo(f"\nrecord: {run.path}\nfigure: {png}")
