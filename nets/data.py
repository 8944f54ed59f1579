"""Training data for the nets (docs/science.md, section 4), all drawn on the device.

Every data set is a binary task: inputs x, labels y = +-1.

- ``random``: x ~ Normal(0, I_d) rescaled to |x| = sqrt(d), y = +-1 at random (the jamming
  papers' random data; the test set is random too, so test accuracy is 1/2 by construction).
- ``teacher``: the same inputs, y = sign(f_T(x) - mean f_T) for a random fully connected
  teacher of width ``teacher_width`` (same depth and activation as the student).
- ``mnist``, ``cifar10``: read from the standard files in ``data_dir`` (never downloaded):
  MNIST idx files ``train-images-idx3-ubyte[.gz]`` etc.; CIFAR-10 python pickles
  ``cifar-10-batches-py/data_batch_1..5`` and ``test_batch``. Labels: parity of the class
  (even -> +1, odd -> -1); with outputs > 1 (a multi-class net) the class itself, 0..9, as a float.
- ``digits``: scikit-learn's 8x8 digits (shipped with scikit-learn, works offline), parity labels.

Real images go through PCA to d components (fitted on at most ``PCA_FIT_MAX`` training
images), each input rescaled to norm sqrt(d); for the conv net the centred images themselves
are used, rescaled to norm sqrt(pixels).
Each sample draws its own P training points (and P_test test points) with its own generator.
"""
from __future__ import annotations

import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np
import torch

from nets.config import DATASETS, IMAGE_DATASETS, setting  # noqa: F401 (the allowed values live in the schema)
PCA_FIT_MAX = 10000


class DataError(ValueError):
    """A data set that cannot be read (missing files, bad format)."""


# ----------------------------------------------------------------------------- file readers

def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """An idx file (the MNIST format: magic 0x00000800 | type << 8 | ndim, big-endian dims)."""
    path = Path(path)
    with _open(path) as f:
        head = f.read(4)
        if len(head) != 4 or head[0] != 0 or head[1] != 0:
            raise DataError(f"{path} is not an idx file")
        code, ndim = head[2], head[3]
        dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
        if code not in dtypes:
            raise DataError(f"{path}: unknown idx data type 0x{code:02x}")
        dims = struct.unpack(">" + "I" * ndim, f.read(4 * ndim))
        data = np.frombuffer(f.read(), dtype=dtypes[code])
    if data.size != int(np.prod(dims)):
        raise DataError(f"{path}: expected {int(np.prod(dims))} values, found {data.size}")
    return data.reshape(dims)


def _find(data_dir: Path, names: list[str]) -> Path:
    for sub in ("", "mnist", "MNIST/raw", "MNIST", "cifar-10-batches-py"):
        for name in names:
            for ext in ("", ".gz"):
                p = data_dir / sub / (name + ext)
                if p.exists():
                    return p
    raise DataError(f"none of {names} (optionally .gz) found in {data_dir}")


def load_mnist(data_dir: str | os.PathLike):
    """(train_images [N, 28, 28] uint8, train_labels [N], test_images, test_labels)."""
    d = Path(data_dir)
    out = []
    for split in ("train", "t10k"):
        img = read_idx(_find(d, [f"{split}-images-idx3-ubyte", f"{split}-images.idx3-ubyte"]))
        lab = read_idx(_find(d, [f"{split}-labels-idx1-ubyte", f"{split}-labels.idx1-ubyte"]))
        if img.ndim != 3 or lab.ndim != 1 or len(img) != len(lab):
            raise DataError(f"MNIST {split} files in {d} have shapes {img.shape} and {lab.shape}")
        out += [img, lab.astype(np.int64)]
    return tuple(out)


def load_cifar10(data_dir: str | os.PathLike):
    """(train_images [N, 3, 32, 32] uint8, train_labels [N], test_images, test_labels)."""
    d = Path(data_dir)
    if (d / "cifar-10-batches-py").is_dir():
        d = d / "cifar-10-batches-py"

    def batch(name):
        p = d / name
        if not p.exists():
            raise DataError(f"CIFAR-10 batch {p} not found")
        with open(p, "rb") as f:
            b = pickle.load(f, encoding="bytes")
        x = np.asarray(b[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        return x, np.asarray(b[b"labels"], dtype=np.int64)

    train = [batch(f"data_batch_{i}") for i in range(1, 6) if (d / f"data_batch_{i}").exists()]
    if not train:
        raise DataError(f"no CIFAR-10 data_batch_* files in {d}")
    xt, yt = batch("test_batch")
    return (np.concatenate([a for a, _ in train]), np.concatenate([b for _, b in train]), xt, yt)


def load_digits_split():
    """scikit-learn's 8x8 digits: first 1297 for training, last 500 for testing."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # optional extra
        raise DataError("the digits data set needs scikit-learn (pip install scikit-learn)") from None
    b = load_digits()
    x = b.images.astype(np.float64)[:, None]  # [1797, 1, 8, 8]
    y = b.target.astype(np.int64)
    return x[:1297], y[:1297], x[1297:], y[1297:]


def load_images(name: str, data_dir: str):
    if name == "mnist":
        xtr, ytr, xte, yte = load_mnist(data_dir)
        xtr, xte = xtr[:, None], xte[:, None]
    elif name == "cifar10":
        xtr, ytr, xte, yte = load_cifar10(data_dir)
    elif name == "digits":
        xtr, ytr, xte, yte = load_digits_split()
    else:
        raise DataError(f"unknown image data set {name!r}")
    return xtr, ytr, xte, yte


# ----------------------------------------------------------------------------- features

def pca_features(xtr: np.ndarray, xte: np.ndarray, d: int):
    """Project flattened images on the top d principal components of the training images
    (fitted on at most PCA_FIT_MAX of them) and rescale every input to norm sqrt(d)."""
    a = xtr.reshape(len(xtr), -1).astype(np.float64)
    b = xte.reshape(len(xte), -1).astype(np.float64)
    if d > a.shape[1]:
        raise DataError(f"d = {d} is more than the {a.shape[1]} pixels of the images")
    fit = a[:PCA_FIT_MAX]
    mean = fit.mean(0)
    z = fit - mean
    if len(z) < z.shape[1]:   # fewer images than pixels: SVD of the data matrix is cheaper
        _, _, vt = np.linalg.svd(z, full_matrices=False)
        vec = vt[:d].T
        if vec.shape[1] < d:
            raise DataError(f"PCA to d = {d} needs at least d training images")
    else:
        from scipy.linalg import eigh
        cov = z.T @ z / max(len(z) - 1, 1)
        _, vec = eigh(cov, subset_by_index=[cov.shape[0] - d, cov.shape[0] - 1])
        vec = vec[:, ::-1]
    return normalise((a - mean) @ vec), normalise((b - mean) @ vec)


def normalise(x: np.ndarray) -> np.ndarray:
    """Rescale each row (flattened) to norm sqrt(dimension)."""
    flat = x.reshape(len(x), -1)
    nrm = np.linalg.norm(flat, axis=1).reshape((-1,) + (1,) * (x.ndim - 1))
    return x * np.sqrt(flat.shape[1]) / np.maximum(nrm, 1e-12)


def parity(labels) -> np.ndarray:
    return np.where(np.asarray(labels) % 2 == 0, 1.0, -1.0)


# ----------------------------------------------------------------------------- the data of a run

def _gaussian_inputs(n: int, d: int, gen: torch.Generator, device, dtype) -> torch.Tensor:
    x = torch.randn(n, d, generator=gen, device=device, dtype=torch.float64)
    x = x * (d ** 0.5) / x.norm(dim=1, keepdim=True)
    return x.to(dtype)


def make_data(config: dict, data_seeds: list[int], device, dtype, image_shape: bool = False):
    """Training and test sets of every sample: X [K, P, ...], Y [K, P], Xt [K, P_test, ...],
    Yt [K, P_test], all on the device. image_shape: keep images as [C, H, W] (conv net)."""
    name, P, Pt, d = config["data"], config["P"], config["P_test"], config["d"]
    K = len(data_seeds)
    gens = [torch.Generator(device=device).manual_seed(s) for s in data_seeds]
    if name in ("random", "teacher"):
        X = torch.stack([_gaussian_inputs(P, d, g, device, dtype) for g in gens])
        Xt = torch.stack([_gaussian_inputs(Pt, d, g, device, dtype) for g in gens])
        if name == "random":
            Y = torch.stack([_signs(P, g, device, dtype) for g in gens])
            Yt = torch.stack([_signs(Pt, g, device, dtype) for g in gens])
        else:
            Y, Yt = _teacher_labels(config, X, Xt, gens)
        return X, Y, Xt, Yt
    xtr, ytr, xte, yte = load_images(name, config["data_dir"])
    if P > len(xtr) or Pt > len(xte):
        raise DataError(f"{name} has {len(xtr)} training and {len(xte)} test images; "
                        f"asked for P = {P} and P_test = {Pt}")
    if image_shape:
        mean = xtr[:PCA_FIT_MAX].astype(np.float64).mean(0)
        ftr, fte = normalise(xtr - mean), normalise(xte - mean)
    else:
        ftr, fte = pca_features(xtr, xte, d)
    ftr = torch.as_tensor(ftr, device=device, dtype=dtype)
    fte = torch.as_tensor(fte, device=device, dtype=dtype)
    labels = parity if setting(config, "outputs") == 1 else (lambda v: np.asarray(v, np.float64))
    ltr = torch.as_tensor(labels(ytr), device=device, dtype=dtype)
    lte = torch.as_tensor(labels(yte), device=device, dtype=dtype)
    X, Y, Xt, Yt = [], [], [], []
    for g in gens:
        i = torch.randperm(len(ftr), generator=g, device=device)[:P]
        j = torch.randperm(len(fte), generator=g, device=device)[:Pt]
        X.append(ftr[i]); Y.append(ltr[i]); Xt.append(fte[j]); Yt.append(lte[j])
    return torch.stack(X), torch.stack(Y), torch.stack(Xt), torch.stack(Yt)


def _signs(n, gen, device, dtype):
    return (torch.randint(0, 2, (n,), generator=gen, device=device) * 2 - 1).to(dtype)


def _teacher_labels(config, X, Xt, gens):
    from nets.models import build_model, init_flat, Flat
    from torch.func import functional_call
    teacher = build_model(dict(config, model="fc", width=config["teacher_width"], bias=True),
                          in_shape=(config["d"],)).to(device=X.device, dtype=X.dtype)
    flat = Flat(teacher)
    Y, Yt = [], []
    for k, g in enumerate(gens):
        w = init_flat(flat, config, g).to(X.dtype)
        params = flat.unflatten(w)
        f = functional_call(teacher, params, (X[k],))
        ft = functional_call(teacher, params, (Xt[k],))
        c = torch.cat([f, ft]).mean()
        Y.append(torch.where(f >= c, 1.0, -1.0).to(X.dtype))
        Yt.append(torch.where(ft >= c, 1.0, -1.0).to(X.dtype))
    return torch.stack(Y), torch.stack(Yt)
