"""What the Langevin run (nets/train.py) and the jamming sweep (nets/jamming.py) both need to set
up a run on a device: the device and dtype, per-sample seeds, the data (each sample's own, or one
set for all with shared_data), the input shape and the overlap threshold. Imports go one way:
train -> jamming -> setup -> config."""
from __future__ import annotations

import numpy as np
import torch

from physics.config import ConfigError

from nets import data as data_mod
from nets.config import setting
from nets.models import init_flat


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def dtype_of(config) -> torch.dtype:
    return torch.float64 if config["precision"] == "float64" else torch.float32


def sample_seeds(seed: int, first: int, count: int) -> list[dict]:
    """Per sample s (first <= s < first + count): independent seeds for its data, init and noise
    (numpy SeedSequence children, so sample s gets the same seeds whatever count is)."""
    kids = np.random.SeedSequence(seed).spawn(first + count)[first:]
    out = []
    for kid in kids:
        dat, ini, noi = kid.spawn(3)
        out.append({"data": int(dat.generate_state(1, np.uint64)[0] >> 1),
                    "init": int(ini.generate_state(1, np.uint64)[0] >> 1),
                    "noise": int(noi.generate_state(1, np.uint64)[0] >> 1),
                    "init_seq": ini})
    return out


def in_shape(config, X) -> tuple:
    return tuple(X.shape[2:])


def shared_data_seed(seed: int) -> int:
    """The data seed of a run with shared_data: that of sample 0 (whatever first_sample and
    samples are), so every part of a run split over first_sample sees the same data."""
    return sample_seeds(seed, 0, 1)[0]["data"]


def load_data(config, seeds, device, dtype):
    """(X, Y, Xt, Yt) [K, P, ...] etc. for the K samples of `seeds`: each sample's own draw, or with
    shared_data one draw (shared_data_seed) that every sample sees (an expanded view, not K copies)."""
    shared = setting(config, "shared_data")
    data_seeds = [shared_data_seed(config["seed"])] if shared else [s["data"] for s in seeds]
    try:
        out = data_mod.make_data(config, data_seeds, device, dtype, image_shape=config["model"] == "cnn")
    except data_mod.DataError as e:
        raise ConfigError("data", f"got data = {config['data']!r}: {e}; allowed: files that are there "
                          "(nothing is downloaded: put them there or set --data-dir)") from None
    if shared:
        out = tuple(a.expand(len(seeds), *a.shape[1:]) for a in out)
    return out


def q_threshold(flat, config, device) -> float:
    """Overlap threshold a = std(w) / q_factor, with std(w) the standard deviation of the weights
    of a reference initialisation of this architecture (generator seed 0), so that a does not
    depend on the seed, on the number of samples or on which samples run together."""
    w = init_flat(flat, config, torch.Generator().manual_seed(0))   # CPU: the same a on any device
    return float(w.std()) / config["q_factor"]
