"""Dynamics of K nets at once, batched with torch.func (functional_call + vmap), on one device.

The state is one tensor W [1 + nw, K, n]: slot 0 holds the K nets (samples), slot 1 + i the
response twins started at waiting time tw_i (docs/science.md, section 1: the twin feels the
extra energy -h eps_i . w and then the SAME noise, the same minibatches, as its net). Only the
slots already started are stepped. Everything, the noise included, is drawn on the device.

- Langevin (full batch):  w <- w - lr grad L(w) + sqrt(2 T lr) xi,   xi ~ Normal(0, 1);
- SGD with momentum:      v <- momentum v + grad L_B(w);  w <- w - lr v  (+ the same Langevin
  noise when T > 0), minibatches of size B drawn without replacement, a new permutation every
  epoch;
- Adam with a decaying step (the T = 0 minimiser of the jamming protocol): nets.minimiser.

The strength of the SGD noise (`Dynamics.noise_strength`, recorded at every tw as dnn/D):
with per-example gradients g_mu(w) over the P training points and sigma_i^2 their variance per
weight i, a minibatch mean of B points drawn without replacement has variance
sigma_i^2 (P - B) / (B (P - 1)); momentum beta sums the kicks to 1/(1 - beta) of their size, so over
many steps the weights diffuse with msd = 2 D lag per weight (lag in time units t = steps x lr),

    D = lr <sigma_i^2 (P - B) / (B (P - 1))>_i / (2 (1 - beta)^2),

the temperature of the Langevin dynamics whose noise would displace the weights as fast
(docs/science.md, section 5). The L2 term is deterministic and adds nothing.

Each sample has its own torch.Generator for its noise and minibatches, so a sample's trajectory
does not depend on how many other samples run beside it (tests compare vmapped samples with the
same nets trained one by one).

Divergence guard: a fixed step lr is unstable where lr lambda_max > 2 (lambda_max the largest
Hessian eigenvalue); a net that blows up gets non-finite weights. Every CHECK_EVERY steps (at
multiples of the step count, so the checks do not depend on how `advance` is chunked and a resumed
run stays bit for bit) the weights are checked; a sample whose net or twins are non-finite is
frozen: all its slots set to NaN (NaN stays NaN under the update, and the nets are independent,
so nothing leaks into the other samples) and the step recorded in `diverged_step`.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch.func import functional_call, grad, vmap

from nets.losses import LOSS_FUNCTIONS

CHECK_EVERY = 16
"""Steps between two checks for non-finite weights (Dynamics.check)."""


class Ensemble:
    """The functions of one architecture and loss, batched over samples (and twins)."""

    def __init__(self, model, flat, loss: str, l2: float = 0.0):
        self.model, self.flat, self.l2 = model, flat, float(l2)
        lossf = LOSS_FUNCTIONS[loss]

        def f(w, x):
            return functional_call(model, flat.unflatten(w), (x,))

        def loss_w(w, x, y):
            return lossf(f(w, x), y)

        self.f_one = f
        self.loss_one = loss_w
        self.lossf = lossf
        self.outputs = vmap(f)                              # W [B, n], X [B, P, ...] -> [B, P]
        self.loss = vmap(loss_w)                            # -> [B]
        # reference: [m, K, n] states, data [K, P, ...] shared by the m slots (slower on CPU)
        self.grad = vmap(vmap(grad(loss_w)), in_dims=(0, None, None))
        self.backprop = fc_backprop(model, flat, loss)      # None: not a scalar fc net

    def gradient_and_outputs(self, W, X, Y):
        """(grad of (L + l2 |w|^2 / 2) [B, n], outputs f [B, P]) of the nets W [B, n]: by the
        hand-written backward pass of a scalar fully connected net (fc_backprop: 3-6x faster on
        CPU than autograd through vmap at widths 32-2, P = 200, 3 nets; equal to round-off), else
        by autograd (`autograd_gradient`) and `outputs`."""
        if self.backprop is None:
            G = self.autograd_gradient(W, X, Y)
            with torch.no_grad():
                return G, self.outputs(W, X)
        G, f = self.backprop(W, X, Y)
        if self.l2:
            G.add_(W, alpha=self.l2)
        return G, f

    def gradient(self, W, X, Y):
        """grad of (L + l2 |w|^2 / 2) for the nets W [B, n] on their data X [B, P, ...], Y [B, P]:
        the hand-written backward pass where the net allows it (gradient_and_outputs), else
        autograd. Every dynamics (Langevin, SGD, the minimisers) takes its gradient here."""
        if self.backprop is None:
            return self.autograd_gradient(W, X, Y)
        return self.gradient_and_outputs(W, X, Y)[0]

    def autograd_gradient(self, W, X, Y):
        """grad of (L + l2 |w|^2 / 2) by autograd, for any model and loss (the reference).

        The nets are independent, so the gradient of the SUM of their losses with respect to W
        is every net's own gradient: one vmapped forward, one backward. (Equal to vmap(grad(loss))
        and about twice faster on CPU than vmap(vmap(grad)) over slots and samples.)"""
        with torch.enable_grad():
            Wr = W.detach().requires_grad_(True)
            if W.shape[0] == 1:   # one net: functional_call without vmap (half the overhead)
                total = self.lossf(self.f_one(Wr[0], X[0]), Y[0])
            else:
                total = self.lossf(self.outputs(Wr, X), Y).sum()
            G, = torch.autograd.grad(total, Wr)
        if self.l2:
            G.add_(W, alpha=self.l2)
        return G


LOSS_DERIVATIVES = {
    "hinge": lambda f, y: torch.relu(1.0 - y * f).mul_(y),        # L = mean theta(D) D^2 / 2
    "mse": lambda f, y: (y - f),                                    # L = mean (f - y)^2 / 2
    "cross_entropy": lambda f, y: torch.sigmoid(-y * f).mul_(y),    # L = mean log(1 + e^(-y f))
}
"""-P dL/df_mu of each scalar loss of nets.losses (f, y [B, P]); the gradient is its -1/P."""


def fc_backprop(model, flat, loss: str):
    """The gradient of a scalar fully connected net's loss (summed over the nets, each the mean
    over its P points) with respect to its weights W [B, n], by a hand-written backward pass:
    (W, X [B, P, d], Y [B, P]) -> (G [B, n], f [B, P]). Layer by layer with the points last
    (h [B, width, P], batched matrix products), keeping each layer's activation for the backward
    pass: the chain rule of nets.models.FC, relu' = 1 where relu > 0 (autograd's convention, 0 at
    0), tanh' = 1 - tanh^2. About twenty kernels a step and no autograd graph: the per-step
    overhead of a minimiser on narrow nets, where the arithmetic is negligible. None for another
    model (conv nets, several outputs) or loss: those use autograd (Ensemble.gradient)."""
    from nets.models import FC
    if not isinstance(model, FC) or model.n_out != 1 or loss not in LOSS_DERIVATIVES:
        return None
    names = [f"hidden.{i}" for i in range(len(model.hidden))] + ["out"]

    def slot(p):
        return flat.offsets[flat.names.index(p)] if p in flat.names else None
    layers = [(slot(nm + ".weight"), flat.shapes[flat.names.index(nm + ".weight")], slot(nm + ".bias"))
              for nm in names]
    relu = model.act is torch.relu
    act = torch.relu if relu else torch.tanh
    dloss = LOSS_DERIVATIVES[loss]
    last = len(layers) - 1

    # the flat vector's pieces in order: (layer, 0) its weights, (layer, 1) its biases
    order = [kb for _, kb in sorted([(a, (k, 0)) for k, (a, _, b) in enumerate(layers)]
                                    + [(b, (k, 1)) for k, (_, _, b) in enumerate(layers) if b is not None])]
    cache = {}

    def views(W, X):
        """Each layer's weights [B, r, c], their transposes and biases [B, r, 1] as views of W, and
        X [B, d, P]: kept while W and X are the same tensors (a minimiser updates W in place)."""
        key = (W.data_ptr(), W.shape, W.stride(), X.data_ptr(), X.shape, X.stride())
        if cache.get("key") != key:
            B = W.shape[0]
            mats = [W[:, a:a + r * c].reshape(B, r, c) for a, (r, c), _ in layers]
            cache.clear()
            cache.update(key=key, X=X.transpose(1, 2), mats=mats, mats_t=[m.transpose(1, 2) for m in mats],
                         biases=[None if b is None else W[:, b:b + r].unsqueeze(-1) for _, (r, _), b in layers])
        return cache

    def backprop(W, X, Y):
        B = W.shape[0]
        v = views(W, X)
        hs = [v["X"]]                               # the input of every layer, [B, fan_in, P]
        for k, (Wk, bk) in enumerate(zip(v["mats"], v["biases"])):
            z = torch.bmm(Wk, hs[-1]) if bk is None else torch.baddbmm(bk, Wk, hs[-1])
            if k < last:
                hs.append(act(z))
        f = z[:, 0, :]
        d = dloss(f, Y).mul_(-1.0 / f.shape[-1]).unsqueeze(1)        # dL/dz of the output, [B, 1, P]
        parts = {}
        for k in range(last, -1, -1):
            parts[k, 0] = torch.bmm(d, hs[k].transpose(1, 2)).reshape(B, -1)
            if layers[k][2] is not None:
                parts[k, 1] = d.sum(-1)
            if k:
                dh = torch.bmm(v["mats_t"][k], d)
                d = (torch.ops.aten.threshold_backward(dh, hs[k], 0) if relu
                     else torch.ops.aten.tanh_backward(dh, hs[k]))
        return torch.cat([parts[kb] for kb in order], 1), f
    return backprop


class Dynamics:
    """Langevin or SGD on W [1 + nw, K, n]; `advance(n)` makes n steps of size lr."""

    def __init__(self, ens: Ensemble, W0, X, Y, config: dict, noise_seeds: list[int], nw: int = 0):
        self.ens, self.X, self.Y = ens, X, Y
        K, n = W0.shape
        dev, dt = W0.device, W0.dtype
        self.K, self.n, self.nw = K, n, nw
        self.lr, self.T, self.h = float(config["lr"]), float(config["T"]), float(config["h"])
        self.sgd = config["dynamics"] == "sgd"
        self.momentum = float(config["momentum"]) if self.sgd else 0.0
        self.batch = int(config["batch"]) if self.sgd else 0
        self.W = torch.empty((1 + nw, K, n), device=dev, dtype=dt)
        self.W[0] = W0
        self.m = 1                                        # slots in use
        self.V = torch.zeros_like(self.W) if self.momentum else None
        self.gens = [torch.Generator(device=dev).manual_seed(s) for s in noise_seeds]
        # the field directions eps_i = +-1, one per twin and sample
        self.eps = torch.empty((nw, K, n), device=dev, dtype=dt)
        for k, g in enumerate(self.gens):
            for i in range(nw):
                self.eps[i, k] = torch.randint(0, 2, (n,), generator=g, device=dev).to(dt) * 2 - 1
        self.xi = torch.empty((K, n), device=dev, dtype=dt)
        self.noise_scale = math.sqrt(2.0 * self.T * self.lr)
        self._perm, self._pos = None, 0
        self._cache_key, self._cache = None, None
        self.steps = 0
        self.diverged_step = np.full(K, -1, dtype=np.int64)   # step it was frozen at; -1: never

    # -- the nets (slot 0) and the twins as the recorder wants them
    @property
    def x(self):
        return self.W[0]

    @property
    def twins(self):
        return self.W[1:].transpose(0, 1)                 # [K, nw, n]

    @property
    def eps_by_sample(self):
        return self.eps.transpose(0, 1)                   # [K, nw, n]

    @property
    def diverged(self) -> np.ndarray:
        """[K] bool: the samples frozen after their weights turned non-finite."""
        return self.diverged_step >= 0

    def freeze(self, bad) -> np.ndarray:
        """Freeze the samples where `bad` [K] (bool, host or device) holds and that are not frozen
        yet: every slot of theirs (and its momentum) becomes NaN, their step is recorded. Returns
        the indices newly frozen."""
        bad = np.asarray(bad.cpu() if hasattr(bad, "cpu") else bad, dtype=bool)
        new = np.flatnonzero(bad & ~self.diverged)
        if new.size:
            idx = torch.as_tensor(new, device=self.W.device)
            self.W[:, idx] = float("nan")
            if self.V is not None:
                self.V[:, idx] = float("nan")
            self.diverged_step[new] = self.steps
        return new

    def check(self) -> np.ndarray:
        """Freeze the samples with a non-finite weight in any slot in use (one reduction and one
        host sync); returns the indices newly frozen."""
        bad = ~torch.isfinite(self.W[:self.m].sum(-1)).all(0)
        if not bool(bad.any()):
            return np.zeros(0, dtype=np.int64)
        return self.freeze(bad)

    def start_twin(self, i: int) -> None:
        """Twin i starts now as a copy of its net (and its momentum)."""
        self.W[1 + i].copy_(self.W[0])
        if self.V is not None:
            self.V[1 + i].copy_(self.V[0])
        self.m = max(self.m, 2 + i)

    # -- checkpoint: everything later steps depend on (data, eps and the nets' functions are
    # rebuilt from the seeds); host NumPy arrays, the generators' states as uint8
    def state(self) -> dict:
        m = self.m
        st = {"W": self.W[:m].detach().cpu().numpy().copy(), "m": m, "steps": self.steps,
              "generators": np.stack([g.get_state().numpy() for g in self.gens]),
              "pos": self._pos, "diverged_step": self.diverged_step.copy()}
        if self.V is not None:
            st["V"] = self.V[:m].detach().cpu().numpy().copy()
        if self._perm is not None:
            st["perm"] = self._perm.detach().cpu().numpy().copy()
        return st

    def restore(self, st: dict) -> None:
        m = int(st["m"])
        dev = self.W.device
        self.W[:m].copy_(torch.as_tensor(np.asarray(st["W"]), device=dev))
        if self.V is not None:
            self.V[:m].copy_(torch.as_tensor(np.asarray(st["V"]), device=dev))
        self.m, self.steps, self._pos = m, int(st["steps"]), int(st["pos"])
        for g, gs in zip(self.gens, np.asarray(st["generators"], dtype=np.uint8)):
            g.set_state(torch.from_numpy(np.array(gs, copy=True)))
        self._perm = (torch.as_tensor(np.asarray(st["perm"]), device=self.X.device)
                      if "perm" in st else None)
        self._cache_key, self._cache = None, None
        if "diverged_step" in st:
            self.diverged_step = np.array(st["diverged_step"], dtype=np.int64)
        else:                       # a checkpoint from before the guard
            self.diverged_step[:] = -1
            self.check()

    @torch.no_grad()
    def noise_strength(self, chunk: int = 256) -> np.ndarray:
        """[K] D of every net (slot 0) at its present weights (module docstring), from the
        per-example gradients over its whole training set, `chunk` examples at a time; NaN for a
        frozen sample and for full-batch Langevin (no minibatch noise: D = 0 there, T is the
        noise)."""
        out = np.full(self.K, np.nan)
        if not self.sgd:
            out[:] = 0.0
            return out
        P, B = self.X.shape[1], self.batch
        loss_one = self.ens.loss_one

        def example_loss(w, x, y):
            return loss_one(w, x.unsqueeze(0), y.unsqueeze(0))
        per_example = vmap(grad(example_loss), in_dims=(None, 0, 0))
        for k in np.flatnonzero(~self.diverged):
            w, X, Y = self.W[0, k], self.X[k], self.Y[k]       # the run's precision,
            s1 = torch.zeros(self.n, dtype=torch.float64, device=w.device)   # sums in float64
            s2 = torch.zeros_like(s1)
            for a in range(0, P, chunk):
                with torch.enable_grad():
                    g = per_example(w, X[a:a + chunk], Y[a:a + chunk]).to(torch.float64)
                s1 += g.sum(0)
                s2 += (g * g).sum(0)
            var = (s2 / P - (s1 / P) ** 2).clamp_min(0.0)
            finite = (P - B) / (B * (P - 1)) if P > 1 else 0.0
            out[k] = self.lr * float(var.mean()) * finite / (2.0 * (1.0 - self.momentum) ** 2)
        return out

    def _minibatch(self):
        P = self.X.shape[1]
        B = self.batch
        if self._perm is None or self._pos + B > P:
            self._perm = torch.stack([torch.randperm(P, generator=g, device=self.X.device)
                                      for g in self.gens])
            self._pos = 0
        idx = self._perm[:, self._pos:self._pos + B]
        self._pos += B
        rows = torch.arange(self.K, device=idx.device)[:, None]
        return self.X[rows, idx], self.Y[rows, idx]

    def _slot_data(self, m, X, Y):
        """The data of the m slots flattened with the samples: [m * K, P, ...] (nets and twins
        see the same data). Cached for full-batch dynamics, where X does not change."""
        if m == 1:
            return X, Y
        key = (m, X.data_ptr())
        if not self.sgd and self._cache_key == key:
            return self._cache
        Xm = X.unsqueeze(0).expand(m, *X.shape).reshape(m * X.shape[0], *X.shape[1:])
        Ym = Y.unsqueeze(0).expand(m, *Y.shape).reshape(m * Y.shape[0], *Y.shape[1:])
        if not self.sgd:
            self._cache_key, self._cache = key, (Xm, Ym)
        return Xm, Ym

    @torch.no_grad()
    def step(self) -> None:
        m = self.m
        W = self.W[:m]
        X, Y = self._minibatch() if self.sgd else (self.X, self.Y)
        Xm, Ym = self._slot_data(m, X, Y)
        G = self.ens.gradient(W.reshape(m * self.K, self.n), Xm, Ym).reshape(m, self.K, self.n)
        if m > 1 and self.h:
            G[1:].sub_(self.eps[:m - 1], alpha=self.h)    # energy -h eps . w
        if self.V is not None:
            V = self.V[:m]
            V.mul_(self.momentum).add_(G)
            G = V
        W.sub_(G, alpha=self.lr)
        if self.T > 0:
            for k, g in enumerate(self.gens):
                torch.randn(self.n, generator=g, device=self.xi.device, dtype=self.xi.dtype,
                            out=self.xi[k])
            W.add_(self.xi, alpha=self.noise_scale)       # the same noise for net and twins
        self.steps += 1

    def advance(self, nsteps: int) -> None:
        for _ in range(nsteps):
            self.step()
            if self.steps % CHECK_EVERY == 0:
                self.check()


# the T = 0 minimiser of the jamming protocol lives in nets.minimiser; imported here for the
# modules that import it from nets.dynamics (nets.paths)
from nets.minimiser import adam_minimise  # noqa: E402,F401
