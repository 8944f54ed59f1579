"""How the p-spin couplings are stored and loaded: the packed order (one number per index set
i1 < ... < ip), the ranges of leading indices the threads take, and the Numba intrinsics the
kernels load them with (float16 widening, prefetch). The kernels are in physics/pspin_kernels.py,
which re-exports these names."""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic


# ----------------------------------------------------------------------------- half precision
# Numba has no float16 type on the CPU, so half-precision couplings reach the kernels as their
# IEEE binary16 bits (a uint16 view of the float16 array) and every coupling load goes through
# `widen`: a bit cast to LLVM's half and an exact extension to float32, which LLVM vectorises
# (vcvtph2ps with F16C). For float32 and float64 couplings `widen` is the identity, so those kernels
# compile to what they were. Half-precision couplings are drawn and planted in float32 and rounded
# once (physics.pspin.Couplings.generate): a planted shift is far below their resolution.

@intrinsic
def widen(typingctx, x):
    """A coupling as the number the kernels compute with: uint16 (binary16 bits) -> float32, else x."""
    if x == types.uint16:
        def codegen(context, builder, sig, args):
            return builder.fpext(builder.bitcast(args[0], ir.HalfType()), ir.FloatType())
        return types.float32(x), codegen
    if isinstance(x, types.Float):
        return x(x), lambda context, builder, sig, args: args[0]
    return None


@intrinsic
def prefetch(typingctx, arr, idx):
    """A hint to bring the cache line of arr[idx] towards the core (llvm.prefetch: read, locality 2,
    prefetcht1 on x86: into L2); no effect on results."""
    if not isinstance(arr, types.Array) or not isinstance(idx, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
                                            "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(builder.gep(ary.data, [args[1]]), i8p), i32(0), i32(2), i32(1)])
        return context.get_dummy_value()
    return types.void(arr, idx), codegen


def kernel_view(a: np.ndarray) -> np.ndarray:
    """The couplings as the kernels take them: float16 as its uint16 bits, other floats as they are."""
    return a.view(np.uint16) if a.dtype == np.float16 else a


def compute_dtype(storage) -> np.dtype:
    """The dtype of the spins, forces and arithmetic for couplings stored as `storage`
    (float16 couplings are computed in float32)."""
    return np.dtype(np.float32) if np.dtype(storage) == np.float16 else np.dtype(storage)


# ----------------------------------------------------------------------------- packing

def n_couplings(N: int, p: int) -> int:
    """Number of independent couplings, C(N, p)."""
    from math import comb
    return comb(N, p)


def leading_offsets(N: int, p: int) -> np.ndarray:
    """offs[i] = position in the packed array of the first coupling with leading index i
    (length N + 1, offs[N] = C(N, p))."""
    from math import comb
    counts = np.array([comb(N - 1 - i, p - 1) for i in range(N)], dtype=np.int64)
    offs = np.zeros(N + 1, dtype=np.int64)
    np.cumsum(counts, out=offs[1:])
    return offs


def balanced_blocks(N: int, p: int, blocks: int) -> np.ndarray:
    """Boundaries [blocks + 1] of contiguous ranges of the leading index with equal coupling counts."""
    offs = leading_offsets(N, p)
    targets = offs[-1] * np.arange(blocks + 1) / blocks
    b = np.searchsorted(offs, targets, side="left").astype(np.int64)
    b[0], b[-1] = 0, N
    return np.maximum.accumulate(np.minimum(b, N))
