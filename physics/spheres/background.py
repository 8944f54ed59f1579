"""Long calls off the main thread, so that Ctrl-C and SIGTERM are seen at once.

Python runs signal handlers only in the main thread, between bytecodes: a long call into Numba,
LAPACK or ARPACK holds Ctrl-C back until it returns. `in_thread` runs a call that releases the
GIL in a thread while the main thread waits in steps of WAIT_S; `in_child` runs a call that holds
the GIL (ARPACK) in a child process, killed when the wait is interrupted. `maybe_in_thread` does
the first for the Numba kernels of packings of BIG_N particles or more, and calls directly below.
"""
from __future__ import annotations

import multiprocessing
import signal
import sys
import threading

_HELD = {signal.SIGINT, signal.SIGTERM}
WAIT_S = 0.1
"""The main thread waits in steps of this: Ctrl-C is seen within it."""
BIG_N = 200_000
"""Particles from which one neighbour-list build or force sweep of a packing may take longer than
a few tenths of a second (2.9 s to build the list of 1e6 particles in random order, 45 s for 1e7,
on 2 cores): the Numba kernels (compiled with nogil=True) then run in a thread."""


def maybe_in_thread(kernel, args, n_particles: int, tick=None):
    """kernel(*args), in a thread (in_thread) for n_particles >= BIG_N."""
    if n_particles >= BIG_N:
        return in_thread(kernel, args, tick)
    return kernel(*args)


def in_thread(fn, args, tick=None):
    """fn(*args) in a daemon thread while the main thread waits in steps of WAIT_S, calling
    tick() after each: Ctrl-C (or SIGTERM, or an exception from tick) stops the wait within that
    and abandons the thread, which finishes its call in the background. fn must release the GIL
    (LAPACK, SuperLU, Numba kernels compiled with nogil=True) for the wait to see the signal."""
    out = {}

    def work():
        try:
            out["value"] = fn(*args)
        except BaseException as e:       # handed to the main thread
            out["error"] = e
    th = threading.Thread(target=work, name="glassbench-worker", daemon=True)
    th.start()
    while th.is_alive():
        th.join(WAIT_S)
        if tick is not None:
            tick()
    if "error" in out:
        raise out["error"]
    return out["value"]


def in_child(fn, args, tick=None):
    """fn(*args) in a child process (forked on Linux: it starts at once and imports nothing),
    which never sees Ctrl-C: the parent, waiting in steps of WAIT_S, kills it when interrupted.
    A daemonic process (a Dask worker) may not have children: there fn runs in place."""
    if multiprocessing.current_process().daemon:
        return fn(*args)
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    here, there = ctx.Pipe()
    child = ctx.Process(target=_child, args=(there,), name="glassbench-worker", daemon=True)
    mask = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    if mask:        # held back while the child is made: it inherits the mask, not the signals
        signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        child.start()
    finally:
        if mask:    # a Ctrl-C or SIGTERM that came meanwhile is raised here
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    there.close()
    ok = None
    try:
        here.send((fn, args))
        while not here.poll(WAIT_S):
            if not child.is_alive() and not here.poll():
                raise RuntimeError(f"the worker process ended with exit code {child.exitcode}")
            if tick is not None:
                tick()
        ok, value = here.recv()
    finally:
        if ok is None:          # interrupted (Ctrl-C, SIGTERM) or failed: the work is dropped
            child.kill()
        child.join()
        here.close()
    if not ok:
        raise value
    return value


def _child(conn):
    """In the child: Ctrl-C is the parent's business; SIGTERM ends it quietly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    fn, args = conn.recv()
    try:
        conn.send((True, fn(*args)))
    except Exception as e:      # noqa: BLE001 - raised again in the parent
        conn.send((False, e))
    finally:
        conn.close()
