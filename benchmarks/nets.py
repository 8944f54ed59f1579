"""Benchmark of the nets (issue 5): run from the repository root,

    python benchmarks/nets.py [--steps 400] [--threads 1]

1. Langevin steps per second of our training (nets.run: vmapped dynamics + the shared recorder at
   log-spaced times) beside (a) our dynamics alone, without the recorder, and (b) a bare torch
   loop doing the same updates on an nn.Module (loss.backward, w -= lr g + sqrt(2 T lr) xi).
   The recorder's cost is (a) against our run; target < 10 %.
2. K = 16 samples vmapped in one batch against 16 nets trained one after the other (our code with
   K = 1, and the bare torch loop); target >= 4x faster on CPU.
3. The same on CUDA when a GPU is available.
4. The jamming sweep of `compare`'s default record (role dnn_jam: P = 200, 3 samples, widths 2-32,
   float64, up to 2e4 Adam steps per width): its time and its time per batched step, beside the
   floor of any minimiser measured in the same run: the same number of bare gradient passes
   (forward and backward of the K nets, our hand-written backward pass, no Adam, no checks), and
   beside the autograd-through-vmap gradient it replaced and a plain nn.Module loop (one net per
   loss.backward); with --stall-from S also the sweep with the stall stop (nets.minimiser.Stall).
All figures are measured in this run, on this machine, in CPU time of the process on the CPU
(wall time on a GPU), best of 3 (shared: compare ratios, not
absolutes).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from nets import default_config, run  # noqa: E402
from nets.dynamics import Dynamics, Ensemble  # noqa: E402
from nets.models import FC, Flat, build_model, init_flat  # noqa: E402
from nets.setup import load_data, sample_seeds  # noqa: E402
from physics.observables import Recording  # noqa: E402


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def clock(device):
    """CPU time of this process on the CPU (robust on a shared machine: one torch thread, so CPU
    seconds = seconds we actually ran); wall time on a GPU."""
    return time.process_time() if device.type == "cpu" else time.perf_counter()


def ours_run(cfg, device):
    """Steps per second of the whole nets.run call (setup, recorder and final margins included),
    and the share of the driver loop's time spent measuring (the recorder and the per-time
    N_Delta / accuracies), timed inside the same run by wrapping advance and measure."""
    import nets.train as nt
    from physics.observables import drive
    spent = {"advance": 0.0, "measure": 0.0}

    def timed(name, fn):
        def wrapper(*a):
            sync(device)
            t = clock(device)
            fn(*a)
            sync(device)
            spent[name] += clock(device) - t
        return wrapper

    def timed_drive(schedule, advance, measure, progress=None, **kw):
        drive(schedule, timed("advance", advance), timed("measure", measure), progress, **kw)

    steps = round(cfg["tmax"] / cfg["lr"])
    nt.drive = timed_drive
    try:
        sync(device)
        t = clock(device)
        run(cfg, Recording())
        sync(device)
        total = clock(device) - t
    finally:
        nt.drive = drive
    return steps / total, spent["measure"] / spent["advance"]


def ours_dynamics(cfg, device, steps):
    """Steps per second of our vmapped dynamics alone (no recorder)."""
    K = cfg["samples"]
    dtype = torch.float64 if cfg["precision"] == "float64" else torch.float32
    seeds = sample_seeds(cfg["seed"], 0, K)
    X, Y, _, _ = load_data(cfg, seeds, device, dtype)
    model = build_model(cfg, (cfg["d"],)).to(device=device, dtype=dtype)
    flat = Flat(model)
    W0 = torch.stack([init_flat(flat, cfg, torch.Generator(device=device).manual_seed(s["init"]))
                      for s in seeds]).to(dtype)
    dyn = Dynamics(Ensemble(model, flat, cfg["loss"]), W0, X, Y, cfg, [s["noise"] for s in seeds])
    dyn.advance(5)
    sync(device)
    t = clock(device)
    dyn.advance(steps)
    sync(device)
    return steps / (clock(device) - t)


def bare_loop(cfg, device, steps, seed=0):
    """A bare torch loop on one nn.Module: the same full-batch Langevin update on the hinge loss."""
    dtype = torch.float64 if cfg["precision"] == "float64" else torch.float32
    g = torch.Generator(device=device).manual_seed(seed)
    P, d = cfg["P"], cfg["d"]
    X = torch.randn(P, d, generator=g, device=device, dtype=dtype)
    X = X * math.sqrt(d) / X.norm(dim=1, keepdim=True)
    Y = (torch.randint(0, 2, (P,), generator=g, device=device) * 2 - 1).to(dtype)
    torch.manual_seed(seed)
    net = FC(d, cfg["width"], cfg["depth"]).to(device=device, dtype=dtype)
    params = list(net.parameters())
    lr, T = cfg["lr"], cfg["T"]
    c = math.sqrt(2 * T * lr)

    def step():
        f = net(X)
        loss = 0.5 * torch.relu(1 - Y * f).pow(2).mean()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, gr in zip(params, grads):
                p.sub_(gr, alpha=lr)
                p.add_(torch.randn(p.shape, generator=g, device=device, dtype=dtype), alpha=c)

    for _ in range(5):
        step()
    sync(device)
    t = clock(device)
    for _ in range(steps):
        step()
    sync(device)
    return steps / (clock(device) - t)


def best(fn, repeat):
    """Best of `repeat` timings (steps/s): the machine is shared, the best is the least disturbed."""
    return max(fn() for _ in range(repeat))


def section(device, steps, sizes, repeat=3):
    print(f"\n== device {device} ==")
    for width, P in sizes:
        cfg = default_config(width=width, P=P, d=10, depth=2, samples=1, h=0.0, hessian_k=0,
                             lr=0.05, T=1e-5, tmax=0.05 * steps, device=device.type)
        n = Flat(build_model(cfg, (10,))).n
        print(f"\n-- width {width}, depth 2, d = 10, P = {P}: N = {n} weights, float32 --")
        runs = [ours_run(cfg, device) for _ in range(repeat)]
        r = max(v for v, _ in runs)
        share = min(sh for _, sh in runs)
        a = best(lambda: ours_dynamics(cfg, device, steps), repeat)
        b = best(lambda: bare_loop(cfg, device, steps), repeat)
        print(f"  1 net, Langevin steps/s: nets.run (with recorder) {r:9.1f} | our dynamics alone "
              f"{a:9.1f} | bare torch loop {b:9.1f}")
        print(f"  recorder cost inside the run (measure / advance time): {100 * share:.1f} %  "
              f"(target < 10 %); whole run call vs dynamics alone: {100 * (a / r - 1):+.1f} %")
        print(f"  our dynamics vs bare loop: {a / b:.2f}x")
        K = 16
        cfgK = dict(cfg, samples=K)
        vm = best(lambda: ours_dynamics(cfgK, device, max(steps // 4, 20)), repeat)  # K nets a step
        one = a                                                                     # 1 net a step
        t_vmap = 1.0 / vm                                            # s per step of all 16
        t_seq_ours = K / one
        t_seq_bare = K / b
        print(f"  K = {K}: vmapped {K * vm:9.1f} net-steps/s | one after the other: ours "
              f"{one:9.1f}, bare loop {b:9.1f} net-steps/s")
        print(f"  vmap speed-up: {t_seq_ours / t_vmap:.2f}x over our K = 1 code, "
              f"{t_seq_bare / t_vmap:.2f}x over the bare loop  (target >= 4x on CPU)")


JAM_SWEEP = dict(protocol="jamming", P=200, samples=3, seed=0, widths=[2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32])
"""compare's default jamming record (commands/compare.py, DEFAULTS["dnn_jam"]; benchmarks do not
import commands): depth 2, d = 10, float64, min_lr 1e-3, decay 1e4, max_steps 2e4."""


def gradient_pass(grad, W, X, Y, device, reps):
    """Seconds of one call of grad(W, X, Y) (best of 3 blocks of reps calls)."""
    best_t = float("inf")
    for _ in range(3):
        sync(device)
        t = clock(device)
        for _ in range(reps):
            grad(W, X, Y)
        sync(device)
        best_t = min(best_t, (clock(device) - t) / reps)
    return best_t


def jamming_sweep(device, stall_from: int = 0, reps: int = 200):
    """The sweep's time and steps (nets.run), then per width the time of one gradient pass of its
    K nets three ways: the floor (fc_backprop), autograd through vmap (Ensemble.gradient) and a
    plain nn.Module loop; each pass count weighted by the batched steps the sweep made there."""
    from nets.setup import in_shape
    cfg = default_config(device=device.type, **JAM_SWEEP)
    if stall_from:
        cfg = dict(cfg, stall_from=stall_from)
    sync(device)
    t0, c0 = time.perf_counter(), clock(device)
    rec = Recording()
    out = run(cfg, rec)
    sync(device)
    wall, cpu = time.perf_counter() - t0, clock(device) - c0
    steps = rec["dnn/steps"]                                   # [S, m]: each net's Adam steps
    batched = steps.max(0)                                      # steps of the batch at each width
    K = cfg["samples"]
    seeds = sample_seeds(cfg["seed"], 0, K)
    X, Y, _, _ = load_data(cfg, seeds, device, torch.float64)
    floor = vm = plain = 0.0
    for j, w in enumerate(out["widths"]):
        cw = dict(cfg, width=w)
        model = build_model(cw, in_shape(cw, X)).to(device=device, dtype=torch.float64)
        flat = Flat(model)
        W = torch.stack([init_flat(flat, cw, torch.Generator(device=device).manual_seed(k)) for k in range(K)])
        ens = Ensemble(model, flat, cfg["loss"])
        floor += batched[j] * gradient_pass(ens.backprop, W, X, Y, device, reps)
        vm += batched[j] * gradient_pass(ens.gradient, W, X, Y, device, reps // 4)
        params = list(model.parameters())

        def one_by_one(W, X, Y):
            for k in range(K):
                loss = 0.5 * torch.relu(1 - Y[k] * model(X[k])).pow(2).mean()
                torch.autograd.grad(loss, params)
        plain += batched[j] * gradient_pass(one_by_one, W, X, Y, device, reps // 4)
    nb, nn_ = int(batched.sum()), int(steps.sum())
    what = f"stall_from = {stall_from}" if stall_from else "as compare runs it (no stall stop)"
    print(f"\n-- jamming sweep of compare's default record, {what}: {len(out['widths'])} widths, "
          f"K = {K}, P = {cfg['P']}, float64 --")
    print(f"  N*/P = {out['N_star_over_P']:.3f}; {nb} batched Adam steps ({nn_} net-steps)")
    print(f"  sweep: {wall:7.1f} s wall, {cpu:7.1f} s {'CPU' if device.type == 'cpu' else 'GPU wall'}; "
          f"{1e6 * cpu / nb:7.1f} us per batched step")
    print(f"  floor, the same passes of our gradient alone (no Adam, no checks): {floor:7.1f} s, "
          f"{1e6 * floor / nb:7.1f} us a pass: the sweep takes {cpu / floor:.2f}x the floor")
    print(f"  the same passes by autograd through vmap (the gradient before 2026-11-29): {vm:7.1f} s "
          f"({vm / floor:.1f}x the floor); a plain nn.Module loop, one net per backward: {plain:7.1f} s "
          f"({plain / floor:.1f}x)")
    return cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", choices=("all", "langevin", "jamming"), default="all",
                    help="Run only the Langevin sections (1-3) or only the jamming sweep (4).")
    ap.add_argument("--stall-from", type=int, default=0,
                    help="Also time the jamming sweep with the stall stop from this step (0: not).")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} CPU thread(s), os.cpu_count() = {os.cpu_count()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    sizes = [(20, 200), (50, 1000)]
    if args.only in ("all", "langevin"):
        section(torch.device("cpu"), args.steps, sizes)
        if torch.cuda.is_available():
            section(torch.device("cuda"), args.steps * 4, sizes + [(256, 10000)])
        else:
            print("\n(no CUDA device here: GPU section skipped)")
    if args.only in ("all", "jamming"):
        print("\n== jamming sweep, cpu ==")
        jamming_sweep(torch.device("cpu"))
        if args.stall_from:
            jamming_sweep(torch.device("cpu"), args.stall_from)


if __name__ == "__main__":
    main()
