"""Numba kernels of the spherical p-spin: packed couplings, forces and energies (p = 2, 3, 4).

The couplings of one p are stored once each, packed in lexicographic order of i1 < i2 < ... < ip:
for fixed leading indices (i1, ..., i_{p-2}) the pairs (q, k) = (i_{p-1}, i_p) form a packed strictly
upper triangle whose row q is one contiguous slice over k > q (`_triangle`). A row against one
replica is one fused loop doing both the dot product (acc = sum_k J_k s_k) and the update
(g_k += c J_k); with fastmath LLVM vectorises it (ymm FMAs on AVX2, zmm on AVX-512; checked with
inspect_asm). One replica streams single rows: memory bound, ~90 % of the read bandwidth.
With R >= 2 replicas the rows go four at a time (`_rows4`): the four couplings of a column share
one load of s_k and one load and store of g_k, which is what bounds many replicas, since the slices
come from memory once and from cache R - 1 times (p = 3, N = 1000, R = 8, one thread: 1.3-1.5x
faster than single rows; p = 2 and 4: 1.9x; docs/performance.md, section 2). While a block is
computed for the R replicas, the next block's couplings are prefetched (`prefetch`, spread over the
replicas' passes): without it the first replica of every block waits on memory and the others on
nothing, so memory and arithmetic did not overlap (R = 8: 72 -> 63 ms, 95 -> 77 ms at a lower
clock). The helpers are inlined (`inline="always"`): as calls they cost ~20 % at R = 1.

Threads: the leading index i1 is split into `blocks` contiguous ranges of equal work (`balanced
_blocks`); each block has its own force buffer and the buffers are summed in a fixed order, so
the result does not depend on the number of threads.

Conventions: F = -grad H (the force), H = -sum_a J_a s_a1 ... s_ap, and s . F = -p H.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from physics.pspin_packing import (  # noqa: F401 (re-exported: the kernels' interface)
    balanced_blocks, compute_dtype, kernel_view, leading_offsets, n_couplings, prefetch, widen)

_opts = dict(cache=True, fastmath=True, nogil=True, error_model="numpy")


# ----------------------------------------------------------------------------- packed triangles
# Every p reduces to packed strictly upper triangles: for fixed leading indices (none for p = 2,
# i for p = 3, i < j for p = 4) the remaining pair (q, k), q < k, runs over rows q, each row the
# contiguous slice of its columns k = q + 1 ... N - 1. A row against one replica is one fused loop
# (acc = sum_k J_qk s_k and g_k += c J_qk); four consecutive rows against one replica share the
# loads and stores of s_k and g_k (one load and one store of g per column for four couplings
# instead of one per coupling), which is what limits many replicas (docs/performance.md, sec. 2).


@njit(inline="always", **_opts)
def _row(Jv, sv, gv, c, zero):
    """One packed row against one replica: returns sum_k J_k s_k and adds c J_k to g_k."""
    acc = zero
    for k in range(Jv.shape[0]):
        x = widen(Jv[k])
        acc += x * sv[k]
        gv[k] += c * x
    return acc


@njit(inline="always", **_opts)
def _rows4(J0, J1, J2, J3, sv, gv, c0, c1, c2, c3, zero):
    """Four rows over the same columns against one replica: their four dot products with s, and
    g_k += c0 J0_k + c1 J1_k + c2 J2_k + c3 J3_k (one load and store of g_k for four couplings)."""
    a0 = zero
    a1 = zero
    a2 = zero
    a3 = zero
    for k in range(sv.shape[0]):
        y0 = widen(J0[k])
        y1 = widen(J1[k])
        y2 = widen(J2[k])
        y3 = widen(J3[k])
        x = sv[k]
        a0 += y0 * x
        a1 += y1 * x
        a2 += y2 * x
        a3 += y3 * x
        gv[k] += (c0 * y0 + c1 * y1) + (c2 * y2 + c3 * y3)
    return a0, a1, a2, a3


@njit(**_opts)
def _triangle(J, o, s, g, q0, q1, pref, tot, zero):
    """Rows q0 <= q < q1 of a packed strictly upper triangle (row q: columns q + 1 ... N - 1,
    starting at offset o for q = q0) against every replica r: adds pref[r] s[r, q] J_qk to g[r, k],
    pref[r] sum_k J_qk s[r, k] to g[r, q], and sum_q s[r, q] sum_k J_qk s[r, k] to tot[r].
    With R >= BLOCK_FROM_R replicas, rows go four at a time (their leading 3 x 3 corner scalar);
    each replica's arithmetic is the same whatever R, so a replica's force does not depend on its
    batch beyond that switch. Returns the offset after row q1 - 1."""
    R, N = s.shape
    q = q0
    if R >= BLOCK_FROM_R:
        while q + 4 <= q1 and q + 4 < N:
            n0 = N - 1 - q
            o1 = o + n0
            o2 = o1 + n0 - 1
            o3 = o2 + n0 - 2
            m = n0 - 3
            J0 = J[o + 3:o + 3 + m]
            J1 = J[o1 + 2:o1 + 2 + m]
            J2 = J[o2 + 1:o2 + 1 + m]
            J3 = J[o3:o3 + m]
            x01 = widen(J[o])
            x02 = widen(J[o + 1])
            x03 = widen(J[o + 2])
            x12 = widen(J[o1])
            x13 = widen(J[o1 + 1])
            x23 = widen(J[o2])
            # the next block (4 rows of about m couplings) comes from memory while this one is
            # computed for every replica: each replica's pass asks for 1/R of its cache lines
            step = 64 // J.itemsize
            nxt, lines = o3 + m, min(4 * m, J.shape[0] - o3 - m) // step
            per = (lines + R - 1) // R
            for r in range(R):
                for line in range(r * per, min(lines, (r + 1) * per)):
                    prefetch(J, nxt + step * line)
                sr = s[r]
                gr = g[r]
                pr = pref[r]
                s0 = sr[q]
                s1 = sr[q + 1]
                s2 = sr[q + 2]
                s3 = sr[q + 3]
                c0 = pr * s0
                c1 = pr * s1
                c2 = pr * s2
                a0, a1, a2, a3 = _rows4(J0, J1, J2, J3, sr[q + 4:], gr[q + 4:], c0, c1, c2, pr * s3, zero)
                a0 += x01 * s1 + x02 * s2 + x03 * s3           # the corner: columns q + 1 ... q + 3
                a1 += x12 * s2 + x13 * s3
                a2 += x23 * s3
                gr[q] += pr * a0
                gr[q + 1] += pr * a1 + c0 * x01
                gr[q + 2] += pr * a2 + c0 * x02 + c1 * x12
                gr[q + 3] += pr * a3 + c0 * x03 + c1 * x13 + c2 * x23
                tot[r] += (s0 * a0 + s1 * a1) + (s2 * a2 + s3 * a3)
            o = o3 + m
            q += 4
    if R == 1:                      # one replica: 1-D views, no replica loop (memory bound)
        s0 = s[0]
        g0 = g[0]
        p0 = pref[0]
        t0 = tot[0]
        while q < q1:
            n = N - 1 - q
            sq = s0[q]
            a = _row(J[o:o + n], s0[q + 1:], g0[q + 1:], p0 * sq, zero)
            g0[q] += p0 * a
            t0 += sq * a
            o += n
            q += 1
        tot[0] = t0
        return o
    while q < q1:
        n = N - 1 - q
        Jv = J[o:o + n]
        for r in range(R):
            sq = s[r, q]
            a = _row(Jv, s[r, q + 1:], g[r, q + 1:], pref[r] * sq, zero)
            g[r, q] += pref[r] * a
            tot[r] += sq * a
        o += n
        q += 1
    return o


# ----------------------------------------------------------------------------- p = 2, 3, 4

@njit(**_opts)
def _force2_range(J, s, offs, i0, i1, g, zero):
    R, N = s.shape
    pref = np.ones(R, dtype=s.dtype)
    tot = np.zeros(R, dtype=s.dtype)
    _triangle(J, offs[i0], s, g, i0, i1, pref, tot, zero)


@njit(**_opts)
def _force3_range(J, s, offs, i0, i1, g, zero):
    R, N = s.shape
    pref = np.empty(R, dtype=s.dtype)
    tot = np.empty(R, dtype=s.dtype)
    for i in range(i0, i1):
        for r in range(R):
            pref[r] = s[r, i]
            tot[r] = zero
        _triangle(J, offs[i], s, g, i + 1, N, pref, tot, zero)
        for r in range(R):
            g[r, i] += tot[r]


@njit(**_opts)
def _force4_range(J, s, offs, i0, i1, g, zero):
    R, N = s.shape
    pref = np.empty(R, dtype=s.dtype)
    tot = np.empty(R, dtype=s.dtype)
    for i in range(i0, i1):
        o = offs[i]
        for j in range(i + 1, N):
            for r in range(R):
                pref[r] = s[r, i] * s[r, j]
                tot[r] = zero
            o = _triangle(J, o, s, g, j + 1, N, pref, tot, zero)
            for r in range(R):
                g[r, i] += s[r, j] * tot[r]
                g[r, j] += s[r, i] * tot[r]


# ----------------------------------------------------------------------------- drivers

@njit(inline="always", **_opts)
def _paired(t, nb):
    """Block of the t-th parallel iteration: 0, nb - 1, 1, nb - 2, ... Numba splits prange into equal
    contiguous chunks per thread, so each thread gets early blocks (long rows) paired with late
    ones (short rows, more per-row work at R >= 2: 4 blocks at R = 8 took 35, 35, 39, 41 ms)."""
    return t // 2 if t % 2 == 0 else nb - 1 - t // 2


@njit(parallel=True, **_opts)
def force2(J, s, offs, bounds, buf, zero):
    """F[r] = -grad H_2(s[r]) for every replica r, one pass over J. buf: [blocks, R, N] scratch."""
    nb = bounds.shape[0] - 1
    for t in prange(nb):
        b = _paired(t, nb)
        buf[b, :, :] = 0.0
        _force2_range(J, s, offs, bounds[b], bounds[b + 1], buf[b], zero)
    out = np.zeros(s.shape, dtype=buf.dtype)
    for b in range(nb):
        out += buf[b]
    return out


@njit(parallel=True, **_opts)
def force3(J, s, offs, bounds, buf, zero):
    """F[r] = -grad H_3(s[r]) for every replica r, one pass over J. buf: [blocks, R, N] scratch."""
    nb = bounds.shape[0] - 1
    for t in prange(nb):
        b = _paired(t, nb)
        buf[b, :, :] = 0.0
        _force3_range(J, s, offs, bounds[b], bounds[b + 1], buf[b], zero)
    out = np.zeros(s.shape, dtype=buf.dtype)
    for b in range(nb):
        out += buf[b]
    return out


@njit(parallel=True, **_opts)
def force4(J, s, offs, bounds, buf, zero):
    """F[r] = -grad H_4(s[r]) for every replica r, one pass over J. buf: [blocks, R, N] scratch."""
    nb = bounds.shape[0] - 1
    for t in prange(nb):
        b = _paired(t, nb)
        buf[b, :, :] = 0.0
        _force4_range(J, s, offs, bounds[b], bounds[b + 1], buf[b], zero)
    out = np.zeros(s.shape, dtype=buf.dtype)
    for b in range(nb):
        out += buf[b]
    return out


# ----------------------------------------------------------------------------- energies (direct)

@njit(**_opts)
def energy2(J, s):
    """H_2(s) = -sum_{i<j} J_ij s_i s_j, computed directly (float64 accumulation)."""
    N = s.shape[0]
    o = 0
    h = 0.0
    for i in range(N):
        for j in range(i + 1, N):
            h += J[o] * s[i] * s[j]
            o += 1
    return -h


@njit(**_opts)
def energy3(J, s):
    """H_3(s) = -sum_{i<j<k} J_ijk s_i s_j s_k, computed directly (float64 accumulation)."""
    N = s.shape[0]
    o = 0
    h = 0.0
    for i in range(N):
        for j in range(i + 1, N):
            acc = 0.0
            for k in range(j + 1, N):
                acc += J[o] * s[k]
                o += 1
            h += s[i] * s[j] * acc
    return -h


@njit(**_opts)
def energy4(J, s):
    """H_4(s) = -sum_{i<j<k<l} J_ijkl s_i s_j s_k s_l, computed directly (float64 accumulation)."""
    N = s.shape[0]
    o = 0
    h = 0.0
    for i in range(N):
        for j in range(i + 1, N):
            for k in range(j + 1, N):
                acc = 0.0
                for m in range(k + 1, N):
                    acc += J[o] * s[m]
                    o += 1
                h += s[i] * s[j] * s[k] * acc
    return -h


# ----------------------------------------------------------------------------- planting

@njit(**_opts)
def plant(J, s, p, scale, i0, i1):
    """J_a += scale * s_a1 ... s_ap for the couplings with leading index i0 <= a1 < i1, J being the
    packed array from the first of them on (quiet planting of s; the whole array: 0, N)."""
    N = s.shape[0]
    o = 0
    if p == 2:
        for i in range(i0, i1):
            for j in range(i + 1, N):
                J[o] += scale * s[i] * s[j]
                o += 1
    elif p == 3:
        for i in range(i0, i1):
            for j in range(i + 1, N):
                c = scale * s[i] * s[j]
                for k in range(j + 1, N):
                    J[o] += c * s[k]
                    o += 1
    else:
        for i in range(i0, i1):
            for j in range(i + 1, N):
                for k in range(j + 1, N):
                    c = scale * s[i] * s[j] * s[k]
                    for m in range(k + 1, N):
                        J[o] += c * s[m]
                        o += 1


@njit(**_opts)
def force2_serial(J, s, offs, zero):
    g = np.zeros(s.shape, dtype=s.dtype)
    _force2_range(J, s, offs, 0, s.shape[1], g, zero)
    return g


@njit(**_opts)
def force3_serial(J, s, offs, zero):
    g = np.zeros(s.shape, dtype=s.dtype)
    _force3_range(J, s, offs, 0, s.shape[1], g, zero)
    return g


@njit(**_opts)
def force4_serial(J, s, offs, zero):
    g = np.zeros(s.shape, dtype=s.dtype)
    _force4_range(J, s, offs, 0, s.shape[1], g, zero)
    return g


BLOCK_FROM_R = 2
"""Replicas from which rows go four at a time (physics/pspin_kernels._triangle): faster for many
replicas; one replica streams single rows, which reads memory best (docs/performance.md, sec. 2)."""
FORCE = {2: force2, 3: force3, 4: force4}
FORCE_SERIAL = {2: force2_serial, 3: force3_serial, 4: force4_serial}
SERIAL_BELOW = 4_000_000
"""Couplings per p below which one thread is faster than waking the pool (small N, tests)."""
ENERGY = {2: energy2, 3: energy3, 4: energy4}
