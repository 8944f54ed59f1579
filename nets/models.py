"""Models: fully connected nets and a small conv net, with scalar output f(x) (or one output per
class, f(x) [outputs], when the config's `outputs` > 1).

The weights live in ONE flat vector w [n] per net (the state x handed to the recorder);
`Flat.unflatten(w)` gives views of it shaped as the module's parameters, for
torch.func.functional_call. The same code then runs batched over samples (and response twins)
under torch.func.vmap, with no copy of the weights.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from nets.config import ACTIVATIONS, INITS, MODELS, setting  # noqa: F401 (the allowed values live in the schema)


class FC(nn.Module):
    """depth hidden layers of `width` units, activation act, linear output: a scalar
    (outputs = 1) or a vector of `outputs` units (one per class)."""

    def __init__(self, d_in: int, width: int, depth: int, act: str = "relu", bias: bool = False,
                 outputs: int = 1):
        super().__init__()
        dims = [d_in] + [width] * depth
        self.hidden = nn.ModuleList(nn.Linear(a, b, bias=bias) for a, b in zip(dims[:-1], dims[1:]))
        self.out = nn.Linear(dims[-1], outputs, bias=bias)
        self.n_out = outputs
        self.act = torch.relu if act == "relu" else torch.tanh

    def forward(self, x):
        for layer in self.hidden:
            x = self.act(layer(x))
        f = self.out(x)
        return f.squeeze(-1) if self.n_out == 1 else f


class CNN(nn.Module):
    """A small conv net for images [C, H, W]: `depth` 3x3 conv layers of `width` channels
    (2x2 average pooling after the first), global average pooling, scalar linear output."""

    def __init__(self, channels: int, width: int, depth: int, act: str = "relu", bias: bool = False,
                 outputs: int = 1):
        super().__init__()
        chans = [channels] + [width] * depth
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1, bias=bias)
                                   for a, b in zip(chans[:-1], chans[1:]))
        self.out = nn.Linear(width, outputs, bias=bias)
        self.n_out = outputs
        self.act = torch.relu if act == "relu" else torch.tanh

    def forward(self, x):
        single = x.dim() == 3
        if single:
            x = x.unsqueeze(0)
        for i, conv in enumerate(self.convs):
            x = self.act(conv(x))
            if i == 0 and x.shape[-1] >= 4:
                x = nn.functional.avg_pool2d(x, 2)
        f = self.out(x.mean(dim=(-2, -1)))
        if self.n_out == 1:
            f = f.squeeze(-1)
        return f[0] if single else f


def build_model(config: dict, in_shape: tuple) -> nn.Module:
    """in_shape: (d,) for the fully connected net, (C, H, W) for the conv net."""
    if config["model"] == "fc":
        return FC(int(math.prod(in_shape)), config["width"], config["depth"], config["activation"],
                  config["bias"], setting(config, "outputs"))
    return CNN(in_shape[0], config["width"], config["depth"], config["activation"], config["bias"],
               setting(config, "outputs"))


class Flat:
    """Names, shapes and offsets of a module's parameters in the flat weight vector."""

    def __init__(self, module: nn.Module):
        self.module = module
        self.names, self.shapes, self.offsets = [], [], []
        n = 0
        for name, p in module.named_parameters():
            self.names.append(name)
            self.shapes.append(tuple(p.shape))
            self.offsets.append(n)
            n += p.numel()
        self.n = n

    def unflatten(self, w: torch.Tensor) -> dict:
        """{name: view of w[..., a:b] shaped like the parameter} (w [n], or batched by vmap)."""
        out = {}
        for name, shape, a in zip(self.names, self.shapes, self.offsets):
            b = a + math.prod(shape)
            out[name] = w[..., a:b].reshape(w.shape[:-1] + shape)
        return out

    def fan_in(self, name: str) -> int:
        """Fan-in of the layer owning parameter `name`."""
        layer = name.rsplit(".", 1)[0]
        wshape = self.shapes[self.names.index(layer + ".weight")]
        return int(math.prod(wshape[1:]))


def init_flat(flat: Flat, config: dict, gen: torch.Generator) -> torch.Tensor:
    """One net's initial weights [n] drawn with `gen` (on gen's device), float64.

    default: PyTorch's rule, weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in));
    orthogonal: (semi-)orthogonal weight matrices with the activation's gain, zero biases.
    """
    dev = gen.device
    parts = []
    for name, shape in zip(flat.names, flat.shapes):
        t = torch.empty(shape, device=dev, dtype=torch.float64)
        bound = 1.0 / math.sqrt(flat.fan_in(name))
        if config["init"] == "orthogonal":
            if name.endswith("weight"):
                gain = nn.init.calculate_gain(config["activation"]) if "out" not in name else 1.0
                nn.init.orthogonal_(t, gain=gain, generator=gen)
            else:
                t.zero_()
        else:
            t.uniform_(-bound, bound, generator=gen)
        parts.append(t.reshape(-1))
    return torch.cat(parts)
