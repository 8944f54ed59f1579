"""`python cli.py dnn`: deep nets trained with Langevin dynamics (or SGD), measured like the
physics; `python cli.py dnn jamming`: the jamming transition of nets (T = 0 minimisation).

    python cli.py dnn --width 50
    python cli.py dnn jamming --P 200 --widths 2,3,4,6,8,12,16
    python cli.py dnn jamming --data digits --depth 6 --widths 30 --l2 0.04 --shared-data --samples 5
"""
from __future__ import annotations

import click

from commands.common import common_options, report, run_into_record, schema_options
from compare.findings import nets as nets_findings
from nets.config import SCHEMA

DATA_KEYS = ["P", "d", "data", "data_dir", "shared_data", "depth", "activation", "bias", "init", "loss",
             "device", "precision"]


def data_options(protocol: str):
    """The data, architecture and device options of both protocols (defaults of `protocol`)."""
    def deco(f):
        f = click.option("--threads", type=click.IntRange(min=1, max=1024), default=1, show_default=True,
                         help="CPU threads of torch (not part of the config). 1 is fastest for small "
                              "nets and on a shared machine, where more threads than free cores slow "
                              "torch down many times.")(f)
        return schema_options(SCHEMA, DATA_KEYS, protocol=protocol)(f)
    return deco


def _base(P, d, data, data_dir, shared_data, depth, activation, bias, init, loss, device, precision,
          seed, samples, threads) -> dict:
    import torch
    torch.set_num_threads(threads)
    cfg = dict(d=d, data=data, data_dir=data_dir, shared_data=shared_data, depth=depth,
               activation=activation, bias=bias, init=init, loss=loss, device=device, seed=seed,
               samples=samples)
    if P is not None:
        cfg["P"] = P
    if precision is not None:
        cfg["precision"] = precision
    return cfg


@click.group(invoke_without_command=True)
@schema_options(SCHEMA, ["width"])
@data_options("langevin")
@schema_options(SCHEMA, ["model", "outputs", "dynamics", "T", "lr", "tmax", "tw", "batch", "momentum", "h",
                         "l2", "hessian_k"])
@common_options(default_samples=2, schema=SCHEMA)
@click.pass_context
def command(ctx, width, P, d, data, data_dir, shared_data, depth, activation, bias, init, loss, device,
            precision, threads, model, outputs, dynamics, T, lr, tmax, tw, batch, momentum, h, l2, hessian_k, out,
            seed, samples, force):
    """Deep nets under Langevin dynamics, measured with the physics' observables.

    With no subcommand: train SAMPLES nets at once (vmapped) on P points with the given loss and
    dynamics, record loss, C, msd, chi, Q, alpha2, N_Delta, accuracies, final margins and the
    Hessian spectrum, and say whether the net is over- or under-parametrised.
    `dnn jamming`: the jamming sweep over widths.
    """
    if ctx.invoked_subcommand is not None:
        return
    from nets import default_config, run

    cfg = default_config(**_base(P, d, data, data_dir, shared_data, depth, activation, bias, init, loss,
                                 device, precision, seed, samples, threads),
                         protocol="langevin", width=width, model=model, outputs=outputs, dynamics=dynamics, T=T,
                         lr=lr, tmax=tmax, tw=tw, batch=batch,
                         momentum=momentum, h=h, l2=l2, hessian_k=hessian_k)
    rec = run_into_record("dnn", cfg, run, out, force, f"dnn width {width}")
    report(rec)


@command.command("jamming")
@schema_options(SCHEMA, ["widths"])
@data_options("jamming")
@schema_options(SCHEMA, ["min_lr", "decay_steps", "max_steps", "stall_from", "stall_rtol", "l2",
                         "hessian_at_end"])
@common_options(default_samples=2, schema=SCHEMA)
def jamming(widths, P, d, data, data_dir, shared_data, depth, activation, bias, init, loss, device,
            precision, threads, min_lr, decay_steps, max_steps, stall_from, stall_rtol, l2, hessian_at_end,
            out, seed, samples, force):
    """Jamming of nets: minimise the loss at T = 0 at several widths on the same data and locate
    N*, where N_Delta/N jumps (N_Delta > 0.1 N below N*). Records each sample's final loss, energy
    (with the L2 term) and the distances between the samples' minima; with --shared-data and
    --l2 these measure topology trivialisation (one minimum at w = 0 for a large l2)."""
    from nets import default_config, run
    base = _base(P, d, data, data_dir, shared_data, depth, activation, bias, init, loss,
                 device, precision, seed, samples, threads)
    cfg = default_config(protocol="jamming", widths=widths, min_lr=min_lr, decay_steps=decay_steps,
                         max_steps=max_steps, stall_from=stall_from, stall_rtol=stall_rtol, l2=l2,
                         hessian_at_end=hessian_at_end, **base)
    rec = run_into_record("dnn", cfg, run, out, force, "dnn jamming")
    report(rec, [f"N_Delta/N by width: {nets_findings.per_width_text(rec)}"])
