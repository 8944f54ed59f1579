"""Losses on the outputs f of a net with labels y = +-1 (docs/science.md, section 4).

Margins Delta_mu = 1 - y_mu f(x_mu). N_Delta counts the unsatisfied constraints,
Delta_mu > delta_tol.

Multi-class nets (config outputs = C > 1, Baity-Jesi et al.'s protocol): f [..., P, C], labels y
[..., P] the class index (as a float). Every function here tells them apart by f having one
dimension more than y. Then `mse` is the square loss on one-hot labels,
L = (1/P) sum_mu |f(x_mu) - e_(y_mu)|^2 / 2 (summed over the C outputs: the scalar mse's
convention), the margin is Delta_mu = max_(c != y_mu) f_c - f_(y_mu) (> 0: misclassified), so
N_Delta counts the misclassified points, and the accuracy is that of argmax f.

The "fitted" criterion (docs/science.md, section 4.3): plain gradient descent leaves many margins at
Delta = +1e-9 with a loss of ~1e-18, while Adam overshoots to Delta < 0. We count a constraint as
unsatisfied only when Delta_mu > delta_tol (default 1e-6, a config key), so a net is "fitted"
(N_Delta = 0) when every margin is below 1e-6; its hinge loss is then below 5e-13.
"""
from __future__ import annotations

import torch

from nets.config import LOSSES  # noqa: F401 (the allowed values live in the schema)


def _multiclass(f, y) -> bool:
    return f.dim() == y.dim() + 1


def one_hot(y, C: int, like):
    """[..., P, C]: 1 at the class y_mu (a float index), else 0 (vmap-friendly, no integer cast)."""
    classes = torch.arange(C, dtype=like.dtype, device=like.device)
    return (classes == y.unsqueeze(-1)).to(like.dtype)


def margins(f: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Delta_mu = 1 - y_mu f_mu; multi-class: max_(c != y) f_c - f_y."""
    if _multiclass(f, y):
        hot = one_hot(y, f.shape[-1], f)
        f_y = (f * hot).sum(-1)
        others = torch.where(hot > 0, torch.full_like(f, -torch.inf), f).amax(-1)
        return others - f_y
    return 1.0 - y * f


def hinge(f, y):
    """Quadratic hinge L = (1/P) sum_mu theta(Delta_mu) Delta_mu^2 / 2."""
    delta = torch.relu(margins(f, y))
    return 0.5 * (delta * delta).mean(-1)


def mse(f, y):
    """L = (1/P) sum_mu (f_mu - y_mu)^2 / 2; multi-class: (1/P) sum_mu |f_mu - e_(y_mu)|^2 / 2."""
    if _multiclass(f, y):
        r = f - one_hot(y, f.shape[-1], f)
        return 0.5 * (r * r).sum(-1).mean(-1)
    r = f - y
    return 0.5 * (r * r).mean(-1)


def cross_entropy(f, y):
    """Binary cross-entropy of the logit f: L = (1/P) sum_mu log(1 + exp(-y_mu f_mu))."""
    return torch.nn.functional.softplus(-y * f).mean(-1)


LOSS_FUNCTIONS = {"hinge": hinge, "mse": mse, "cross_entropy": cross_entropy}


def n_delta(f, y, delta_tol: float = 1e-6):
    """N_Delta = number of mu with Delta_mu > delta_tol (over the last axis)."""
    return (margins(f, y) > delta_tol).sum(-1)


def n_dead(f):
    """Dead constraints: the number of mu with f_mu = 0 exactly (over the last axis). A bias-free
    ReLU net whose last hidden layer is silent at x_mu outputs exactly 0 there with zero gradient:
    Delta_mu = 1, unsatisfiable nearby and exerting no force, so not a contact (Geiger et al. 2019
    count only constraints that can act)."""
    return (f == 0).sum(-1)


def accuracy(f, y):
    """Fraction of mu with sign(f_mu) = y_mu (f = 0 counts as wrong); multi-class: argmax f = y
    (a tie counts as wrong)."""
    if _multiclass(f, y):
        return (margins(f, y) < 0).to(f.dtype).mean(-1)
    return ((y * f) > 0).to(f.dtype).mean(-1)
