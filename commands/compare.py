"""`python cli.py compare`: every system's aging and jamming curves on shared axes.

With no arguments it looks in runs/ for the record that fits each role (compare.roles.ROLES):
a p-spin aging quench, the CK run at the same p and T, a spheres jam and a spheres age run,
an over- and an under-parametrised net under Langevin dynamics, a jamming sweep of nets, and
Bouchaud's trap model below T_g.
What is missing it makes with the systems' own run functions and small default configs
(`DEFAULTS` below; about 10 minutes on 2 cores the first time, seconds afterwards since the
records are cached by config). `--runs` uses exactly the records named; `--no-make` never runs
anything. The figures (PNG and PDF) and summary.md / summary.html go to --out.

Files it passes over (not readable records, records of unknown systems, records whose data cannot
give their findings; in --records also interrupted ones) are listed with the reason. A record
given with --runs that did not complete is drawn, marked "interrupted" in the legends, the tables
and the summary. Nothing to draw is an error (exit code 2), as is an --out (or, when it makes
records, a --records) that cannot be written: checked before anything runs.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import click

from commands.common import ProgressBar, Refused, print_findings, writable_folder
from physics.config import ConfigError

# Role -> (system, module, overrides of the module's default_config, what it is). The overrides are
# applied only for keys the module's default_config knows (the systems name their own parameters).
# Sizes chosen so that everything together takes about 10 minutes on 2 cores (timed: see README).
DEFAULTS = {
    "pspin": ("pspin", "physics.pspin",
              dict(N=400, p=3, T=0.5, samples=4, tmax=100.0, response=True, seed=0)),
    "ck": ("ck", "physics.ck", dict(p=3, T=0.5, tmax=1e5)),
    "spheres_jam": ("spheres", "physics.spheres",
                    dict(protocol="jam", N=256, dim=2, samples=8, seed=0)),
    "spheres_age": ("spheres", "physics.spheres",
                    dict(protocol="age", N=256, dim=2, samples=4, seed=0)),
    # The two nets of figure 2 (Baity-Jesi et al. 2018), same data (random, d = 10, P = 200) and the
    # same waiting times. Over-parametrised (N = 1376, N/P = 6.9): full-batch Langevin at T = 2e-6,
    # lr = 0.5; it fits by t ~ 150 (loss ~1e-5, the thermal floor of the hinge walls), after which
    # msd = 2 T (t - tw) within 5 % (late-lag slope 1.00 for tw >= 100) and T chi = msd/2 (FDT holds):
    # free diffusion in the flat zero-loss region. T is kept small because diffusion grows the
    # weights (msd 0.04 at t = 1e4 against an initial variance ~0.01-0.03) and with them the
    # sharpness: at T = 1e-5, lr = 1 the run blew up after t ~ 1000.
    "dnn_over": ("dnn", "nets", dict(protocol="langevin", width=32, P=200, d=10, T=2e-6, lr=0.5,
                                     l2=0.0, tmax=1e4, tw=[10.0, 100.0, 1000.0, 3000.0],
                                     samples=2, seed=0)),
    # Under-parametrised (width 4, N = 60, N/P = 0.3): stays at loss ~0.30 with N_Delta ~ 170 of 200.
    # Without L2 its weights grow without bound (|w|^2/n from 0.06 to 1.3 by t = 1000; the hinge
    # loss of a homogeneous ReLU net falls as the norm grows) and the msd is that radial drift
    # (slope > 1, edge of stability at lr >= 0.1). An L2 term (as in Kerr Winter & Janssen 2024)
    # bounds the landscape like the p-spin's sphere; T = 1e-4 makes the vibrations visible.
    # Then the msd rises, bends to a slow sub-diffusive growth (late-lag slope ~0.1-0.4) that sits
    # lower the older the net (aging), and T chi leaves the FDT line. lr = 0.2 (top Hessian
    # eigenvalue ~4-7 < 2/lr). Cheap per step (N = 60), so 4 samples cost the same as 2.
    "dnn_under": ("dnn", "nets", dict(protocol="langevin", width=4, P=200, d=10, T=1e-4, lr=0.2,
                                      l2=1e-2, tmax=1e4, tw=[10.0, 100.0, 1000.0, 3000.0],
                                      samples=4, seed=0)),
    "dnn_jam": ("dnn", "nets", dict(protocol="jamming", P=200, samples=3, seed=0,
                                    widths=[2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32])),
    # `python cli.py trap --x 0.5`: 4 x 10000 walkers to t = 1e6, about 3 s
    "trap": ("trap", "physics.trap", dict(x=0.5)),
    # soft ellipses at aspect ratio 1.5, 2 packings of N = 64: hypostatic (Z_J ~ 5.6 < 6), with as
    # many quartic modes as missing contacts; 15-40 s a packing here
    "ellipses_jam": ("ellipses", "physics.ellipses", dict(protocol="jam", alpha=1.5, N=64, samples=2, seed=0)),
    # aging ellipses beside the spheres' (same T, tmax and waiting times; phi = 0.9 just above the
    # phi_J ~ 0.89 of alpha = 1.5): 2 x 64 ellipses to t = 1000, about 20 s on 2 loaded cores
    "ellipses_age": ("ellipses", "physics.ellipses",
                     dict(protocol="age", alpha=1.5, N=64, phi=0.9, T=1e-5, tmax=1000.0, samples=2, seed=0)),
}
CK_TMAX_MIN = 1e5
"""The CK run goes at least this far (about 15-35 s), beyond the p-spin run's t_max, so that the
plateau q_EA and the FDT slope x are measured where they are (at t = 1e3 the plateau reads 0.678
against 0.633 at 1e5); its waiting times are the p-spin's plus longer ones."""


def default_config(role: str, roles: dict) -> tuple[str, object, dict]:
    """(system, run function, config) of the default record for `role`; ImportError when the
    system's module is not there. The CK run follows the chosen p-spin run's p, T and t_max."""
    from compare import roles as R
    from compare.registry import system as registered

    system, _, over = DEFAULTS[role]
    entry = registered(system)
    run_fn, dc = entry.run, entry.default_config
    over = dict(over)
    if role == "ck" and roles.get("pspin") is not None:
        ps = roles["pspin"]
        tmax = max(float(ps["t"][-1]), CK_TMAX_MIN)
        tw = [float(w) for w in ps["tw"]]
        while tw and tw[-1] * math.sqrt(10.0) < tmax / 5:
            tw.append(tw[-1] * math.sqrt(10.0))
        over.update(p=int(ps.config.get("p", 3)), T=R.temperature(ps), tmax=tmax, tw=tw)
        mix = ps.config.get("mix")
        if mix:
            over["mix"] = mix
    base = dc(**{k: v for k, v in over.items() if k == "protocol"})
    known = {k: v for k, v in over.items() if k in base}
    config = dc(**known)
    return system, run_fn, config


def command_for(role: str, roles: dict) -> str:
    """The command line that makes a record for `role`."""
    from compare import roles as R

    if role == "ck" and roles.get("pspin") is not None:
        ps = roles["pspin"]
        return R.ck_command(int(ps.config.get("p", 3)), R.temperature(ps), max(float(ps["t"][-1]), CK_TMAX_MIN))
    return R.ROLES[role].command


def _reason(path, text: str) -> str:
    """A message about the file at `path` without its leading name ("... is not a run record: x"
    -> "not a run record: x"), for the line "skipped <path>: <reason>"."""
    for prefix in (f"{path}: ", f"{path} is ", f"{path} "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def usable(run) -> str:
    """"" when compare can use the record, else why not (its system is unknown, or its data
    cannot give its findings)."""
    from compare.findings import FINDERS, findings_or_reason
    if run.system not in FINDERS:
        return f"{run.path}: a record of system {run.system!r}, which compare does not know"
    return findings_or_reason(run)[1]


def _choose(runs, skipped: list) -> dict:
    """choose_roles over the usable records: a chosen record that cannot give its findings is
    passed over (into `skipped`) and the roles are chosen again."""
    from compare import roles as F
    runs = list(runs)
    while True:
        try:
            roles = F.choose_roles(runs)
        except (KeyError, IndexError, ValueError, TypeError, AttributeError):
            bad = [r for r in runs if usable(r)]     # some record's data is not what it should be
            roles = None
        else:
            bad = [r for r in roles.values() if r is not None and usable(r)]
        if not bad:
            return roles
        for r in bad:
            skipped.append((r.path, _reason(r.path, usable(r))))
        runs = [r for r in runs if r not in bad]


def gather(records_dir="runs", paths=(), make=True, echo=click.echo, skipped: list | None = None):
    """The record of every role: ({role: Run or None}, [messages about what is missing]).
    `skipped` (a list) receives (path, why) of every file passed over."""
    from compare import roles as F
    from compare.records import execute, find_runs, load_run

    records_dir = Path(records_dir)
    skipped = [] if skipped is None else skipped
    messages = []
    if paths:
        runs = []
        for p in paths:
            try:
                runs.append(load_run(p))
            except FileNotFoundError:
                skipped.append((p, "no such file"))
            except OSError as e:      # RecordError: not a readable record (its message says why)
                skipped.append((p, _reason(p, str(e))))
        roles = _choose(runs, skipped)
        make = False
        where = "the records given with --runs"
    else:
        found = []
        if records_dir.is_dir():
            passed = []
            found = find_runs(records_dir, skipped=passed)
            skipped += [(p, _reason(p, why) + (" (its command continues it, or give it with --runs)"
                                               if why.startswith("status") else ""))
                        for p, why in passed]
        roles = _choose(found, skipped)
        where = f"{records_dir}/"
    for role in F.ORDER:
        if roles.get(role) is not None:
            continue
        cmd = command_for(role, roles)
        if not make:
            messages.append(F.missing_message(role, where, cmd))
            continue
        try:
            system, run_fn, config = default_config(role, roles)
        except ImportError as e:
            messages.append(F.missing_message(role, where, cmd)
                            + f" (cannot make it here: {e})")
            continue
        bar = ProgressBar(f"compare: {F.ROLES[role].what}")
        t0 = time.time()
        try:
            run = execute(system, config, run_fn, out=records_dir, progress=bar)
        except ConfigError as e:
            bar.close()
            messages.append(f"the default {F.ROLES[role].what} was refused: --{e.param.replace('_', '-')}: "
                            f"{e.message}; make one with `{cmd}`")
            continue
        bar.close()
        echo(f"made {run.path} ({F.ROLES[role].what}) in {time.time() - t0:.1f} s")
        if role in ("dnn_over", "dnn_under") and (F.regime_of(run) == "over-parametrised") != (role == "dnn_over"):
            echo(f"note: the default {F.ROLES[role].what} did not end "
                 f"{'fitted' if role == 'dnn_over' else 'unfitted'}; drawn as it is")
        roles[role] = run
    return roles, messages


@click.command("compare", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--records", type=click.Path(file_okay=False), default="runs", show_default=True,
              help="Folder of run records to search (and to put the default runs made here).")
@click.option("--runs", "paths", multiple=True, type=click.Path(dir_okay=False),
              help="Use exactly these records (repeat the option for several); nothing is made.")
@click.option("--out", type=click.Path(file_okay=False), default="figures", show_default=True,
              help="Folder of the figures (PNG and PDF) and of summary.md / summary.html.")
@click.option("--make/--no-make", default=True, show_default=True,
              help="Make the missing records with small default configs (about 10 min on 2 cores "
                   "the first time), or only use what exists.")
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Also write each figure as PDF.")
@click.option("--html/--no-html", default=True, show_default=True, help="Also write summary.html.")
def command(records, paths, out, make, pdf, html):
    """Overlay every system's aging and jamming curves on shared axes.

    Figures: 1. energy (or loss) against t, each against its asymptote; 2. aging, msd against
    t - tw and against (t - tw)/tw; 3. FDT, T chi against Delta/2 (= C(t,t) - C(tw,t) on the
    p-spin's sphere); 4. jamming of nets beside soft spheres. A summary page (summary.md, .html,
    .json) puts each record's findings beside published values, with a verdict.
    """
    from compare import figures as F
    from compare.findings import title
    from compare.summary import role_findings, write_summary

    from compare.summary import interrupted

    t0 = time.time()
    writable_folder(out, "--out")                 # before anything is made
    if make and not paths:
        writable_folder(records, "--records")
    skipped = []
    roles, messages = gather(records, paths, make, skipped=skipped)
    for p, why in skipped:
        click.echo(f"skipped {p}: {why}")
    for m in messages:
        click.echo(m, err=False)
    if all(r is None for r in roles.values()):
        where = "the records given with --runs" if paths else f"{records}/"
        raise Refused(f"nothing to draw: no usable record in {where} fits any role"
                      + (f" ({len(skipped)} file(s) skipped, listed above)" if skipped else "")
                      + ("" if paths or make else "; --make makes them"))
    paths_out = F.make_figures(roles, out, pdf=pdf)
    md = write_summary(roles, paths_out, out, messages=messages + [f"skipped {p}: {why}" for p, why in skipped],
                       html=html)
    for role, found in role_findings(roles).items():
        print_findings(f"{role}: {title(roles[role])}{interrupted(roles[role])}", found)
    click.echo("")
    for role, r in roles.items():
        if r is not None:
            click.echo(f"{role:12s} {r.path}")
    for name, p in paths_out.items():
        click.echo(f"figure {name}: {p}" + (f" and {Path(p).with_suffix('.pdf').name}" if pdf else ""))
    click.echo(f"summary: {md}, {md.with_suffix('.json').name}" + (f" and {md.with_suffix('.html').name}" if html else ""))
    click.echo(f"done in {time.time() - t0:.1f} s")
