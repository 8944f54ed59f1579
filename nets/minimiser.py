"""The T = 0 minimiser of the jamming protocol (nets.jamming, nets.paths): full-batch Adam on K
nets at once, with step lr / (1 + step / decay_steps), in the run's precision (float64 for
jamming), until each net is fitted, at a minimum to a gradient tolerance, stationary (the stall
stop, optional) or at max_steps.

Per step: one gradient of the K nets still running (Ensemble.gradient_and_outputs: the
hand-written backward pass of fully connected nets, nets.dynamics.fc_backprop), one fused Adam
kernel (AdamStep); every check_every steps the stopping tests. A net that stops leaves the batch.
benchmarks/nets.py times compare's default sweep beside the bare gradient passes it needs.
"""
from __future__ import annotations

import numpy as np
import torch

from nets.losses import n_dead, n_delta

STALL_RTOL = 1e-3
"""Default relative fall of the loss over the second half of a run below which a jammed net is
stationary (adam_minimise, Stall)."""


def adam_minimise(ens, W, X, Y, lr: float, decay_steps: float, max_steps: int,
                  delta_tol: float, check_every: int = 100, betas=(0.9, 0.999), eps=1e-12,
                  progress=None, grad_tol: float = 1e-10, observe=None, stall_from: int = 0,
                  stall_rtol: float = STALL_RTOL):
    """T = 0 minimisation of K nets at once with Adam, step lr / (1 + step / decay_steps), of the
    energy loss + l2 |w|^2 / 2 (ens.l2). Checked every `check_every` steps, a sample stops (its
    weights freeze) at a minimum:

    - without L2, once it is fitted, N_Delta = 0 (every margin Delta_mu <= delta_tol) among the
      live constraints (a dead one, f_mu = 0 exactly with zero gradient, can never be satisfied:
      nets.losses.n_dead), or once the rms gradient per weight is below `grad_tol` (a jammed
      minimum reached to that tolerance);
    - without L2 and with stall_from > 0, from step stall_from on, once it is jammed and
      stationary (Stall: over the second half of its run its loss fell by at most stall_rtol of
      its value and its live N_Delta > 0 did not fall beyond its flicker);
    - with l2 > 0 a fitted net is no minimum (the L2 term still shrinks it): once the rms gradient
      of its energy per weight is below `grad_tol` (stationary: in practice a collapse to the
      minimum w = 0, where the gradient l2 w shrinks geometrically, at a rate that Adam's step
      sets: tens of thousands of steps at lr 1e-3).

    All stop at max_steps. `observe(t, W)`, when given, is called at every check with all K nets
    (the convergence of a finding with the minimisation length). Returns (W, steps [K]).

    A stopped sample leaves the batch (the nets are independent: the others' steps are unchanged),
    so a sweep costs the steps of the nets still running; the gradient is the hand-written
    backward pass of Ensemble.gradient_and_outputs where the net allows it.
    """
    K = W.shape[0]
    out = W.clone()                             # every sample's weights; a stopped one's frozen
    run = np.arange(K)                          # the samples still running: the rows of Wa, m1, m2
    Wa, Xa, Ya = W.clone(), X, Y
    m1, m2 = torch.zeros_like(Wa), torch.zeros_like(Wa)
    steps = np.zeros(K, np.int64)
    adam = AdamStep(betas, eps, W)
    stall = Stall(K, max_steps, check_every, stall_from, stall_rtol) if stall_from and not ens.l2 else None

    def keep(stop: np.ndarray):
        nonlocal run, Wa, Xa, Ya, m1, m2
        if stop.any():
            out[torch.as_tensor(run[stop], device=W.device)] = Wa[torch.as_tensor(stop, device=W.device)]
            rows = torch.as_tensor(np.flatnonzero(~stop), device=W.device)
            run, Wa, m1, m2 = run[~stop], Wa[rows], m1[rows], m2[rows]
            Xa, Ya = Xa[rows], Ya[rows]

    with torch.no_grad():
        for t in range(1, max_steps + 1):
            if run.size:
                G, _ = ens.gradient_and_outputs(Wa, Xa, Ya)
                if t % check_every == 0:       # stationary to grad_tol: stops before this step
                    stop = (G.pow(2).mean(1).sqrt() < grad_tol).cpu().numpy()
                    if stop.any():
                        keep(stop)
                        G = G[torch.as_tensor(np.flatnonzero(~stop), device=W.device)]
            if run.size:
                adam(Wa, G, m1, m2, t, lr / (1.0 + t / decay_steps))
                steps[run] += 1
            if t % check_every == 0 or t == max_steps:
                out[torch.as_tensor(run, device=W.device)] = Wa
                if not ens.l2 and run.size:
                    f = ens.outputs(Wa, Xa)
                    live = (n_delta(f, Ya, delta_tol) - n_dead(f)).cpu().numpy()
                    stop = live == 0
                    if stall is not None:
                        stop |= stall.update(run, t, live, ens.lossf(f, Ya).cpu().numpy())
                    keep(stop)
                if progress is not None:
                    progress(t)
                if observe is not None:
                    observe(t, out)
                if not run.size:
                    break
    out[torch.as_tensor(run, device=W.device)] = Wa
    return out, torch.as_tensor(steps, device=W.device)


class AdamStep:
    """One Adam step in place: m1 <- b1 m1 + (1 - b1) G, m2 <- b2 m2 + (1 - b2) G^2,
    W <- W - step (m1 / (1 - b1^t)) / (sqrt(m2 / (1 - b2^t)) + eps). One fused kernel
    (torch._fused_adam_, the kernel of torch.optim.Adam(fused=True)) where torch has it for this
    device and dtype, else the same formula in a few operations (equal to round-off: the fused
    kernel divides sqrt(m2) by sqrt(1 - b2^t)); on the narrow nets of a jamming sweep the ten
    small operations cost as much as a third of the gradient."""

    def __init__(self, betas, eps: float, like: torch.Tensor):
        self.b1, self.b2, self.eps = float(betas[0]), float(betas[1]), float(eps)
        self.t = torch.zeros((), dtype=torch.float32, device=like.device)   # as torch.optim.Adam(fused=True)
        self.fused = hasattr(torch, "_fused_adam_")

    def __call__(self, W, G, m1, m2, t: int, step: float) -> None:
        b1, b2 = self.b1, self.b2
        if self.fused:
            try:
                self.t.fill_(t)
                torch._fused_adam_([W], [G], [m1], [m2], [], [self.t], lr=step, beta1=b1, beta2=b2,
                                   weight_decay=0.0, eps=self.eps, amsgrad=False, maximize=False)
                return
            except (RuntimeError, NotImplementedError):      # no fused kernel here: the plain ops
                self.fused = False
        m1.mul_(b1).add_(G, alpha=1 - b1)
        m2.mul_(b2).addcmul_(G, G, value=1 - b2)
        upd = (m1 / (1 - b1 ** t)) / ((m2 / (1 - b2 ** t)).sqrt() + self.eps)
        W.sub_(upd, alpha=step)


class Stall:
    """The stationarity stop of adam_minimise for jammed nets. The live N_Delta and the loss L of
    each sample are kept at every check (every check_every steps); at a check t >= start a sample
    is stalled when, over the second half of its run (from the check at t/2, rounded down, to t):

    - it is jammed, N(t) > 0 live unsatisfied constraints;
    - its loss fell by at most rtol of its value, L(t/2) - L(t) <= rtol L(t);
    - its live N_Delta did not fall by more than its flicker (margins crossing delta_tol back and
      forth), N(t/2) - N(t) <= 2 sqrt(N(t/2)).

    The window grows with the run, so the rule is the same at 1e3 and 1e6 steps (a loss creeping
    as a power of t, L - L_inf ~ t^-a, stops once its fall over a doubling of t is below rtol). A
    net that is still fitting loses loss by factors (and constraints), and is not stalled: on
    compare's default sweep (P = 200, widths 2-8, 1e5 steps, measured) rtol = 1e-3 stops only
    nets whose loss is flat to 4-5 digits, and none of those that fit later."""

    def __init__(self, K: int, max_steps: int, check_every: int, start: int, rtol: float):
        self.every, self.start, self.rtol = int(check_every), int(start), float(rtol)
        n = int(max_steps) // self.every + 1
        self.live = np.full((K, n), -1, np.int64)
        self.loss = np.full((K, n), np.nan)

    def update(self, run: np.ndarray, t: int, live: np.ndarray, loss: np.ndarray) -> np.ndarray:
        """Record the samples `run` at check t (their live N_Delta and loss); [len(run)] bool:
        stalled (False at a step that is no multiple of the check interval)."""
        if t % self.every:
            return np.zeros(len(run), bool)
        i = t // self.every
        self.live[run, i], self.loss[run, i] = live, loss
        if t < self.start:
            return np.zeros(len(run), bool)
        j = (t // 2) // self.every
        n0, l0 = self.live[run, j], self.loss[run, j]
        return ((live > 0) & (n0 >= 0) & (l0 - loss <= self.rtol * loss)
                & (n0 - live <= 2.0 * np.sqrt(np.maximum(n0, 0))))
