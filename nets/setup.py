"""What the Langevin run (nets/train.py) and the jamming sweep (nets/jamming.py) both need to set
up a run on a device: the device and dtype, per-sample seeds, the data, the input shape and the
overlap threshold. Imports go one way: train -> jamming -> setup -> config."""
from __future__ import annotations

import numpy as np
import torch

from physics.config import ConfigError

from nets import data as data_mod
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


def load_data(config, seeds, device, dtype):
    try:
        return data_mod.make_data(config, [s["data"] for s in seeds], device, dtype,
                                  image_shape=config["model"] == "cnn")
    except data_mod.DataError as e:
        raise ConfigError("data", f"got data = {config['data']!r}: {e}; allowed: files that are there "
                          "(nothing is downloaded: put them there or set --data-dir)") from None


def q_threshold(flat, config, device) -> float:
    """Overlap threshold a = std(w) / q_factor, with std(w) the standard deviation of the weights
    of a reference initialisation of this architecture (generator seed 0), so that a does not
    depend on the seed, on the number of samples or on which samples run together."""
    w = init_flat(flat, config, torch.Generator().manual_seed(0))   # CPU: the same a on any device
    return float(w.std()) / config["q_factor"]
