"""`python cli.py dnn`: deep nets trained with Langevin dynamics (or SGD), measured like the
physics; `python cli.py dnn jamming`: the jamming transition of nets (T = 0 minimisation).

    python cli.py dnn --width 50
    python cli.py dnn jamming --P 200 --widths 2,3,4,6,8,12,16
"""
from __future__ import annotations

import click
import numpy as np

from commands.common import common_options, parse_floats, print_summary, run_into_record

DATA_HELP = ("Data set: random (Gaussian inputs, random +-1 labels), teacher (labels of a random "
             "teacher net), mnist / cifar10 (standard files in --data-dir, parity labels, PCA to d), "
             "digits (scikit-learn's 8x8 digits, parity labels, PCA to d; needs scikit-learn).")


def data_options(f):
    opts = [
        click.option("--P", "P", type=click.IntRange(min=1), default=None,
                     help="Number of training points P.  [default: 1000 (dnn), 500 (jamming)]"),
        click.option("--d", "d", type=click.IntRange(min=1), default=10, show_default=True,
                     help="Input dimension d (PCA components for image data); inputs have norm sqrt(d)."),
        click.option("--data", type=click.Choice(["random", "teacher", "mnist", "cifar10", "digits"]),
                     default="random", show_default=True, help=DATA_HELP),
        click.option("--data-dir", type=click.Path(file_okay=False), default="data", show_default=True,
                     help="Folder with the MNIST idx files or cifar-10-batches-py (nothing is downloaded)."),
        click.option("--depth", type=click.IntRange(min=1), default=2, show_default=True,
                     help="Number of hidden layers (conv layers for --model cnn)."),
        click.option("--activation", type=click.Choice(["relu", "tanh"]), default="relu",
                     show_default=True, help="Activation function."),
        click.option("--bias/--no-bias", default=False, show_default=True, help="Biases in every layer."),
        click.option("--init", type=click.Choice(["default", "orthogonal"]), default="default",
                     show_default=True,
                     help="default: U(+-1/sqrt(fan_in)) (PyTorch's rule); orthogonal: orthogonal weights, zero biases."),
        click.option("--loss", type=click.Choice(["hinge", "mse", "cross_entropy"]), default="hinge",
                     show_default=True, help="Quadratic hinge on margins 1 - y f, mean squared error, or "
                                             "binary cross-entropy of the logit f."),
        click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto",
                     show_default=True, help="auto: CUDA when available, else CPU."),
        click.option("--precision", type=click.Choice(["float32", "float64"]), default=None,
                     help="Floating-point precision.  [default: float32 (dnn), float64 (jamming)]"),
        click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
                     help="CPU threads of torch (not part of the config). 1 is fastest for small nets "
                          "and on a shared machine, where more threads than free cores slow torch "
                          "down many times."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _base(P, d, data, data_dir, depth, activation, bias, init, loss, device, precision, seed,
          samples, threads) -> dict:
    import torch
    torch.set_num_threads(threads)
    cfg = dict(d=d, data=data, data_dir=data_dir, depth=depth, activation=activation, bias=bias,
               init=init, loss=loss, device=device, seed=seed, samples=samples)
    if P is not None:
        cfg["P"] = P
    if precision is not None:
        cfg["precision"] = precision
    return cfg


@click.group(invoke_without_command=True)
@click.option("--width", type=click.IntRange(min=1), default=50, show_default=True,
              help="Width of the hidden layers (channels for --model cnn).")
@data_options
@click.option("--model", type=click.Choice(["fc", "cnn"]), default="fc", show_default=True,
              help="fc: fully connected; cnn: small conv net (image data only).")
@click.option("--dynamics", type=click.Choice(["langevin", "sgd"]), default="langevin",
              show_default=True, help="langevin: full batch, w <- w - lr grad L + sqrt(2 T lr) N(0,1); "
                                      "sgd: minibatch SGD with momentum (plus the same noise if T > 0).")
@click.option("--T", "T", type=click.FloatRange(min=0.0), default=1e-6, show_default=True,
              help="Temperature T of the Langevin noise (loss units).")
@click.option("--lr", type=click.FloatRange(min=0.0, min_open=True), default=0.2, show_default=True,
              help="Learning rate = time step: time t = steps * lr.")
@click.option("--tmax", type=click.FloatRange(min=0.0, min_open=True), default=1000.0,
              show_default=True, help="Duration in time units t = steps * lr.")
@click.option("--tw", default=None,
              help="Waiting times, comma-separated, in time units (0 < tw < tmax).  "
                   "[default: 5 log-spaced from tmax/1000 to tmax/10]")
@click.option("--batch", type=click.IntRange(min=1), default=32, show_default=True,
              help="Minibatch size (sgd only).")
@click.option("--momentum", type=click.FloatRange(0.0, 0.999), default=0.5, show_default=True,
              help="Momentum (sgd only).")
@click.option("--h", "h", type=click.FloatRange(min=0.0), default=1e-5, show_default=True,
              help="Field of the response twins (energy -h eps.w); 0: chi not measured.")
@click.option("--l2", type=click.FloatRange(min=0.0), default=0.0, show_default=True,
              help="L2 penalty l2 |w|^2 / 2 added to the energy (not to the recorded loss).")
@click.option("--hessian-k", type=click.IntRange(min=0), default=20, show_default=True,
              help="Hessian eigenvalues at the end: all of them for N <= 1500, else the k largest "
                   "(Lanczos); 0: none.")
@common_options(default_samples=2)
@click.pass_context
def command(ctx, width, P, d, data, data_dir, depth, activation, bias, init, loss, device, precision,
            threads, model, dynamics, T, lr, tmax, tw, batch, momentum, h, l2, hessian_k, out, seed, samples,
            force):
    """Deep nets under Langevin dynamics, measured with the physics' observables.

    With no subcommand: train SAMPLES nets at once (vmapped) on P points with the given loss and
    dynamics, record loss, C, msd, chi, Q, alpha2, N_Delta, accuracies, final margins and the
    Hessian spectrum, and say whether the net is over- or under-parametrised.
    `dnn jamming`: the jamming sweep over widths.
    """
    if ctx.invoked_subcommand is not None:
        return
    from nets import default_config, run

    cfg = default_config(**_base(P, d, data, data_dir, depth, activation, bias, init, loss, device,
                                 precision, seed, samples, threads),
                         protocol="langevin", width=width, model=model, dynamics=dynamics, T=T,
                         lr=lr, tmax=tmax, tw=parse_floats(tw, "tw"), batch=batch,
                         momentum=momentum, h=h, l2=l2, hessian_k=hessian_k)
    rec = run_into_record("dnn", cfg, run, out, force, f"dnn width {width}")
    _langevin_summary(rec, cfg)
    png = _langevin_png(rec, cfg)
    click.echo(f"record: {rec.path}\nfigure: {png}")


def _langevin_summary(rec, cfg):
    from nets.train import regime
    N, P = int(rec["dnn/N"]), int(rec["dnn/P"])
    loss = rec["energy"][:, -1]
    nd = rec["dnn/N_delta"][:, -1]
    ratio = float(np.mean(nd)) / N
    rows = [
        ("N (weights) / P", f"{N} / {P} = {N / P:.3g}"),
        ("training loss at tmax", float(np.mean(loss))),
        ("N_Delta (Delta > %g)" % cfg["delta_tol"], float(np.mean(nd))),
        ("N_Delta / N", ratio, "", f"{regime(ratio)} at tmax (under if N_Delta > 0.1 N)"),
        ("train accuracy", float(np.mean(rec["dnn/train_acc"][:, -1]))),
        ("test accuracy", float(np.mean(rec["dnn/test_acc"][:, -1])),
         0.5 if cfg["data"] == "random" else "", "chance: random labels" if cfg["data"] == "random" else ""),
    ]
    if "chi" in rec and cfg["T"] > 0:
        # FDT at the shortest lag of the first waiting time: T chi = Delta / 2 in equilibrium
        msd, chi = rec.mean("msd")[0], rec.mean("chi")[0]
        k = np.nonzero(np.isfinite(msd) & np.isfinite(chi))[0]
        if len(k):
            rows.append(("T chi / (Delta/2), first lag after tw[0]",
                         float(cfg["T"] * chi[k[0]] / (msd[k[0]] / 2)), 1.0,
                         "FDT; 1 only where the noise dominates the drift"))
    rows.append(("Q threshold a = std(w_init)/%g" % cfg["q_factor"],
                 _q_threshold(cfg)))
    if "dnn/hessian_eigs" in rec:
        rows.append(("largest Hessian eigenvalue", float(np.max(rec["dnn/hessian_eigs"])),
                     2.0 / cfg["lr"], "stability limit 2/lr"))
    print_summary(f"dnn: width {cfg['width']}, depth {cfg['depth']}, {cfg['data']} data, "
                  f"{cfg['loss']} loss, {cfg['dynamics']} at T = {cfg['T']:g}", rows)


def _q_threshold(cfg):
    import torch
    from nets.models import Flat, build_model
    from nets.train import q_threshold
    shape = (cfg["d"],) if cfg["model"] == "fc" else ((1, 8, 8) if cfg["data"] == "digits" else
                                                       (1, 28, 28) if cfg["data"] == "mnist" else (3, 32, 32))
    return q_threshold(Flat(build_model(cfg, shape)), cfg, torch.device("cpu"))


def _langevin_png(rec, cfg):
    from compare.plots import figure, plot_energy, plot_fdt, plot_two_time, save, band
    fig, ax = figure(3, 2, width=4.2, height=3.3)
    plot_energy(ax[0, 0], rec, ylabel=f"training loss ({cfg['loss']})")
    ax[0, 0].set_yscale("log")
    ax[0, 0].set_title("loss")
    a = ax[0, 1]
    N = int(rec["dnn/N"])
    band(a, rec["t"], rec.mean("dnn/N_delta") / N, rec.sem("dnn/N_delta") / N,
         label=r"$N_\Delta / N$")
    band(a, rec["t"], rec.mean("dnn/train_acc"), rec.sem("dnn/train_acc"), label="train accuracy")
    band(a, rec["t"], rec.mean("dnn/test_acc"), rec.sem("dnn/test_acc"), label="test accuracy")
    a.axhline(0.1, color="k", ls=":", lw=0.8, label=r"$N_\Delta = 0.1 N$")
    a.set_xscale("log"); a.set_xlabel("time $t$ = steps x lr"); a.legend(); a.set_title("constraints")
    plot_two_time(ax[0, 2], rec, "msd")
    ax[0, 2].set_title("mean squared displacement of the weights")
    plot_two_time(ax[1, 0], rec, "Q", legend=False)
    ax[1, 0].set_title("overlap Q, a = std(w$_{init}$)/%g" % cfg["q_factor"])
    plot_fdt(ax[1, 1], rec, cfg["T"])
    ax[1, 1].set_xscale("log"); ax[1, 1].set_yscale("log")
    ax[1, 1].set_title("fluctuation-dissipation (log-log)")
    m = np.asarray(rec["dnn/margins"]).ravel()
    a = ax[1, 2]
    a.hist(m[np.isfinite(m)], bins=60, color="0.4")
    a.axvline(0, color="k", ls="--", lw=0.8)
    a.set_xlabel(r"final margin $\Delta_\mu = 1 - y_\mu f(x_\mu)$"); a.set_ylabel("count")
    a.set_title(r"margins ($\Delta > 0$: unsatisfied)")
    fig.suptitle(f"dnn width {cfg['width']} depth {cfg['depth']}, N = {N}, P = {int(rec['dnn/P'])}, "
                 f"T = {cfg['T']:g}, lr = {cfg['lr']:g}, {rec['energy'].shape[0]} samples")
    return save(fig, rec.path.with_suffix(".png"))


@command.command("jamming")
@click.option("--widths", default="2,4,8,16,32", show_default=True,
              help="Widths to minimise at, comma-separated integers >= 1.")
@data_options
@click.option("--lr", type=click.FloatRange(min=0.0, min_open=True), default=1e-3, show_default=True,
              help="Adam step at the start; it decays as lr / (1 + step / decay-steps).")
@click.option("--decay-steps", type=click.FloatRange(min=0.0, min_open=True), default=1e4,
              show_default=True, help="Decay scale of the Adam step, in steps.")
@click.option("--max-steps", type=click.IntRange(min=1), default=20000, show_default=True,
              help="Most Adam steps per width (a net stops earlier once N_Delta = 0).")
@common_options(default_samples=2)
def jamming(widths, P, d, data, data_dir, depth, activation, bias, init, loss, device, precision,
            threads, lr, decay_steps, max_steps, out, seed, samples, force):
    """Jamming of nets: minimise the loss at T = 0 at several widths on the same data and locate
    N*, where N_Delta/N jumps (N_Delta > 0.1 N below N*)."""
    from nets import default_config, run
    try:
        ws = [int(v) for v in widths.replace(" ", "").split(",") if v]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {widths!r}",
                                 param_hint="'--widths'") from None
    base = _base(P, d, data, data_dir, depth, activation, bias, init, loss,
                 device, precision, seed, samples, threads)
    cfg = default_config(protocol="jamming", widths=ws, min_lr=lr, decay_steps=decay_steps,
                         max_steps=max_steps, **base)
    rec = run_into_record("dnn", cfg, run, out, force, "dnn jamming")
    N = np.asarray(rec["dnn/N"], float)
    P_ = int(rec["dnn/P"])
    nd = rec["dnn/N_delta_final"]
    rows = []
    for j, w in enumerate(rec["dnn/widths"]):
        r = float(np.mean(nd[:, j])) / N[j]
        rows.append((f"width {int(w)}: N/P = {N[j] / P_:.3g}",
                     f"N_Delta/N = {r:.3g}, loss = {np.mean(rec['dnn/loss_final'][:, j]):.3g}",
                     "", "under" if r > 0.1 else "over"))
    n_star = float(rec["dnn/N_star"])
    rows.append(("N* (N_Delta > 0.1 N below)", n_star, "", "nan: not bracketed by the widths"
                 if not np.isfinite(n_star) else ""))
    rows.append(("N*/P", n_star / P_))
    print_summary(f"dnn jamming: P = {P_}, d = {cfg['d']}, depth {cfg['depth']}, {cfg['data']} data", rows)
    png = _jamming_png(rec, cfg)
    click.echo(f"record: {rec.path}\nfigure: {png}")


def _jamming_png(rec, cfg):
    from compare.plots import figure, save, band
    fig, ax = figure(2, 1, width=4.2, height=3.3)
    N = np.asarray(rec["dnn/N"], float)
    P = int(rec["dnn/P"])
    x = N / P
    nd = rec["dnn/N_delta_final"] / N[None, :]
    S = nd.shape[0]
    sem = nd.std(0, ddof=1) / np.sqrt(S) if S > 1 else None
    band(ax[0, 0], x, nd.mean(0), sem, marker="o", label=r"$N_\Delta / N$")
    ax[0, 0].axhline(0.1, color="k", ls=":", lw=0.8, label=r"$0.1$ (papers' criterion)")
    loss = rec["dnn/loss_final"]
    floor = 1e-16
    lm = np.maximum(loss.mean(0), floor)
    band(ax[0, 1], x, lm, None, marker="o", label="final loss (floored at 1e-16)")
    ax[0, 1].set_yscale("log")
    n_star = float(rec["dnn/N_star"])
    for a in ax[0]:
        a.set_xscale("log")
        a.set_xlabel("N / P (weights per training point)")
        if np.isfinite(n_star):
            a.axvline(n_star / P, color="C3", ls="--", lw=0.8, label=f"$N^*/P$ = {n_star / P:.3g}")
        a.legend(loc="best", frameon=True, framealpha=0.95, edgecolor="none")
    ax[0, 0].set_ylabel(r"unsatisfied constraints $N_\Delta / N$")
    ax[0, 1].set_ylabel("final training loss")
    fig.suptitle(f"jamming of nets: P = {P}, d = {cfg['d']}, depth {cfg['depth']}, {S} samples")
    return save(fig, rec.path.with_suffix(".png"))
