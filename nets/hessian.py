"""Hessian spectra of the training loss at the end of a run (docs/science.md, section 4).

Hessian-vector products by forward-over-reverse differentiation (torch.func.jvp of
torch.func.grad). Small nets (n <= full_max): the full Hessian, built from n products in chunks,
and every eigenvalue (eigvalsh). Large nets: the k largest eigenvalues by Lanczos,
scipy.sparse.linalg.eigsh on a LinearOperator of Hessian-vector products, started from a
seeded vector (so the record is reproducible).
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
