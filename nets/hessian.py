"""Hessian spectra of the training loss at the end of a run (docs/science.md, section 4).

Hessian-vector products by forward-over-reverse differentiation (torch.func.jvp of
torch.func.grad). Small nets (n <= full_max): the full Hessian, built from n products in chunks,
and every eigenvalue (eigvalsh). Large nets: the k largest eigenvalues by Lanczos,
scipy.sparse.linalg.eigsh on a LinearOperator of Hessian-vector products, started from a
seeded vector (so the record is reproducible).

At the end of a jamming minimisation (config hessian_at_end): the split H = H0 + Hp of the hinge
loss's Hessian (hinge_hessian_split; Geiger et al. 2019), H0 from the Jacobian of the unsatisfied
margins, Hp weighted by the margins, every eigenvalue of the three (HessianAtEnd, N <= full_max).
"""
from __future__ import annotations

import numpy as np
import torch
from torch.func import grad, jvp, vmap


def hvp_function(loss_of_w):
    g = grad(loss_of_w)

    def hvp(w, v):
        return jvp(g, (w,), (v,))[1]
    return hvp


def full_hessian(loss_of_w, w: torch.Tensor, chunk: int = 128) -> torch.Tensor:
    """The symmetrised Hessian [n, n] of loss_of_w at w (float64)."""
    hvp = hvp_function(loss_of_w)
    n = w.numel()
    eye = torch.eye(n, device=w.device, dtype=w.dtype)
    H = vmap(lambda v: hvp(w, v), chunk_size=chunk)(eye)
    H = H.to(torch.float64)
    return 0.5 * (H + H.T)


def hessian_eigenvalues(loss_of_w, w: torch.Tensor, k: int, full_max: int, seed: int = 0,
                        tol: float = 1e-6) -> np.ndarray:
    """All eigenvalues (ascending) when n <= full_max, else the k largest (ascending)."""
    n = w.numel()
    if n <= full_max:
        return torch.linalg.eigvalsh(full_hessian(loss_of_w, w)).cpu().numpy()
    from scipy.sparse.linalg import LinearOperator, eigsh
    hvp = hvp_function(loss_of_w)

    def matvec(v):
        v = torch.as_tensor(np.asarray(v).reshape(-1), device=w.device, dtype=w.dtype)
        with torch.no_grad():
            return hvp(w, v).to(torch.float64).cpu().numpy()

    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    v0 = np.random.default_rng(seed).standard_normal(n)
    vals = eigsh(op, k=min(k, n - 1), which="LA", v0=v0, tol=tol, return_eigenvectors=False)
    return np.sort(vals)



def top_eigenvalues(losses, W: torch.Tensor, iters: int = 30, seed: int = 0) -> torch.Tensor:
    """lambda_max, the largest Hessian eigenvalue, of each of K independent nets at once by power
    iteration: `losses(W)` maps the weights W [K, n] to the K energies [K] (net k depending on
    row k only, as Ensemble.loss), so one Hessian-vector product of their sum gives every net's
    own. A first pass finds the eigenvalue of largest magnitude mu; where mu < 0 a second pass on
    H - mu I finds lambda_max - mu. Returns [K] float64 Rayleigh quotients after `iters` products
    a pass (lower bounds that converge to lambda_max): a cheap estimate of the stability limit
    lr lambda_max < 2 of a gradient step."""
    g = grad(lambda w: losses(w).sum())
    W = W.detach()
    gen = torch.Generator(device=W.device).manual_seed(seed)
    v0 = torch.randn(W.shape, generator=gen, device=W.device, dtype=W.dtype)

    def power(shift):
        v = v0 / v0.norm(dim=1, keepdim=True)
        lam = torch.zeros(W.shape[0], device=W.device, dtype=W.dtype)
        for _ in range(iters):
            hv = jvp(g, (W,), (v,))[1] - shift[:, None] * v
            lam = (hv * v).sum(1)
            v = hv / hv.norm(dim=1, keepdim=True).clamp_min(torch.finfo(W.dtype).tiny)
        return lam + shift

    mu = power(torch.zeros(W.shape[0], device=W.device, dtype=W.dtype))
    if bool((mu < 0).any()):
        mu = torch.where(mu < 0, power(mu.clamp(max=0)), mu)
    return mu.to(torch.float64)


# ----------------------------------------------------------------------------- H = H0 + Hp at jamming

def hinge_hessian_split(f, w: torch.Tensor, X: torch.Tensor, y: torch.Tensor, chunk: int | None = None) -> dict:
    """The Hessian of the quadratic hinge L(w) = (1/P) sum_mu theta(Delta_mu) Delta_mu^2 / 2,
    Delta_mu = 1 - y_mu f_mu(w) (nets.losses.hinge), and its split (docs/science.md, section 4)

        H = H0 + Hp,   H0 = (1/P) sum_mu theta(Delta_mu) grad Delta_mu grad Delta_mu^T,
                       Hp = (1/P) sum_mu theta(Delta_mu) Delta_mu Hess Delta_mu.

    f(w, X): the outputs [P] of one net of weights w [n] on the points X [P, ...]; y [P] = +-1.
    H: full_hessian of L. H0 = J^T J / P from the Jacobian J [P, n] of the margins (rows with
    Delta_mu > 0: the unsatisfied constraints, theta as the derivative of torch.relu, 0 at 0),
    one gradient per point (vmap: memory P n, not the P^2 of reverse mode over the P outputs).
    Hp: the Hessian of w -> (1/P) sum_mu c_mu Delta_mu(w) with c_mu = theta(Delta_mu) Delta_mu held
    at its value at w, computed on its own (not as H - H0), so that H0 + Hp = H is a check.
    Returns float64 tensors H, H0, Hp [n, n], `rank` (rank of H0 = rank of the rows of J with
    Delta > 0, torch.linalg.matrix_rank's tolerance), `constraints` (rows with Delta > 0 and a
    nonzero gradient: dead constraints, f = 0 with zero gradient, left out) and `split_error`
    (max |H0 + Hp - H| / max |H|). chunk: Hessian-vector products at once (default: as many as
    keep their activations near 200 MB, at most 128)."""
    w = w.detach()
    y = y.detach().to(w.dtype)
    P, n = y.shape[-1], w.numel()
    chunk = chunk or max(1, min(128, int(2e8 / (8 * P * n ** 0.5))))

    def delta(v):
        return 1.0 - y * f(v, X)

    def loss(v):
        d = torch.relu(delta(v))
        return 0.5 * (d * d).mean()

    H = full_hessian(loss, w, chunk)
    with torch.no_grad():
        d0 = delta(w)
    on = d0 > 0
    X_on, y_on = X[on], y[on]
    one = grad(lambda v, x, t: -t * f(v, x.unsqueeze(0)).squeeze(0))    # grad Delta_mu = -y_mu grad f_mu
    J = (vmap(one, in_dims=(None, 0, 0), chunk_size=max(chunk, 16))(w, X_on, y_on).to(torch.float64)
         if X_on.shape[0] else torch.zeros((0, n), dtype=torch.float64, device=w.device))   # [N_Delta, n]
    H0 = J.T @ J / P
    c = torch.where(on, d0, torch.zeros_like(d0)) / P

    def weighted(v):
        return (c * delta(v)).sum()

    Hp = full_hessian(weighted, w, chunk)
    rank = int(torch.linalg.matrix_rank(J)) if J.shape[0] else 0
    live = int((J.abs().amax(1) > 0).sum()) if J.shape[0] else 0
    scale = float(H.abs().max())
    err = float((H0 + Hp - H).abs().max()) / scale if scale > 0 else 0.0
    return {"H": H, "H0": 0.5 * (H0 + H0.T), "Hp": Hp, "rank": rank, "constraints": live,
            "split_error": err}


SPLIT_SPECTRA = ("jam_hessian_eigs", "jam_hessian0_eigs", "jam_hessianp_eigs")
"""dnn/<name> [S, m, n_max]: the eigenvalues (ascending, NaN-padded to the largest N recorded) of
H, H0 and Hp of each sample's net at the end of each width's minimisation."""
SPLIT_COUNTS = ("jam_hessian0_rank", "jam_hessian0_constraints", "jam_hessian_split_error")
"""dnn/<name> [S, m]: rank of H0, the live unsatisfied constraints (Delta > 0, nonzero gradient)
it is built from, and max |H0 + Hp - H| / max |H| (round-off)."""


class HessianAtEnd:
    """The jamming protocol's Hessian split at the end of each width (config hessian_at_end):
    full spectra of H, H0 and Hp (hinge_hessian_split) for the widths whose N <= full_max (the
    others stay NaN: the full Hessian of N weights holds N^2 numbers and costs N^3 to diagonalise).
    The Hessian is that of the data loss; an L2 term would add l2 to every eigenvalue of H."""

    def __init__(self, Ns: list[int], samples: int, full_max: int):
        self.Ns, self.full_max = [int(n) for n in Ns], int(full_max)
        m = len(self.Ns)
        self.n_max = max([n for n in self.Ns if n <= self.full_max], default=0)
        self.spectra = {k: np.full((samples, m, self.n_max), np.nan) for k in SPLIT_SPECTRA}
        self.counts = {k: np.full((samples, m), np.nan) for k in SPLIT_COUNTS}

    def measure(self, j: int, ens, W: torch.Tensor, X: torch.Tensor, Y: torch.Tensor) -> None:
        """Width j: every sample k's split at its final weights W[k] on its data X[k], Y[k]."""
        N = self.Ns[j]
        if N > self.full_max:
            return
        for k in range(W.shape[0]):
            w = W[k].to(torch.float64)
            if not bool(torch.isfinite(w).all()):
                continue
            s = hinge_hessian_split(ens.f_one, w, X[k].to(torch.float64), Y[k])
            for key, name in zip(SPLIT_SPECTRA, ("H", "H0", "Hp")):
                self.spectra[key][k, j, :N] = torch.linalg.eigvalsh(s[name]).cpu().numpy()
            for key, name in zip(SPLIT_COUNTS, ("rank", "constraints", "split_error")):
                self.counts[key][k, j] = s[name]

    def put(self, sink) -> None:
        if self.n_max:
            for k, v in self.spectra.items():
                sink.put(f"dnn/{k}", v)
        for k, v in self.counts.items():
            sink.put(f"dnn/{k}", v)

    def state(self) -> dict:
        """Its part of the jamming checkpoint."""
        return {k: v.copy() for k, v in {**self.spectra, **self.counts}.items()}

    def restore(self, saved: dict) -> None:
        for k, v in {**self.spectra, **self.counts}.items():
            if k in saved:
                v[:] = saved[k]
