"""The spherical p-spin glass: couplings, forces, Langevin dynamics on the sphere (docs/science.md, 2).

    H(s) = - sum_p sum_{i1<...<ip} J^(p)_{i1..ip} s_i1 ... s_ip,    |s|^2 = N,
    J^(p) ~ Normal(0, w_p p! / (2 N^(p-1)))   so that   E[H(s) H(s')] = N f(q),  f(q) = sum_p w_p q^p / 2.

A pure model is {p: 1}; a mixture is {p: w_p} with p in 2, 3, 4. Each independent coupling is
stored once (packed over i1 < ... < ip, physics.pspin_kernels), float32 by default; float16 halves
the memory and the time of one replica (memory bound), computing in float32 (docs/performance.md, 2).

Dynamics (Ito): ds/dt = -mu(t) s + F(s) + eta, F = -grad H, <eta eta> = 2 T, with mu(t) = T + s.F/N
= T - sum_p p e_p(t) keeping |s|^2 = N; mu(t) is recorded as `pspin/mu`.

Integrator. The noise moves s by |u| ~ sqrt(2 T dt N) per step, a finite fraction of the radius
sqrt(N), so "step in the tangent plane, then normalise" (Euler plus projection) shortens every
step and runs at an effective temperature ~ T (1 - T dt): at T = 1, dt = 0.05 the equilibrium
energy came out 0.025 too low (N = 200, planted start; -0.503 against the exact -0.478). The default
"geodesic-lm" moves along the great circle by the full |u| (the exponential map of the sphere) and
uses the Leimkuhler-Matthews noise (xi_n + xi_{n+1})/2, which cancels Euler's own O(dt) error of
configurational averages: measured -0.4856, -0.4829, -0.4835 (+-0.004) at dt = 0.1, 0.05, 0.02,
against -0.478; the same force evaluations per step as Euler. "euler" keeps the plain scheme.
T = 0 is gradient descent along geodesics.

Response: at every waiting time tw a twin of the sample starts from s(tw) with the extra energy
-h eps . s (eps_i = +-1) and then receives the SAME noise; all live replicas (the sample and its
twins) share one pass over the couplings per step (force kernels take s[R, N]).

Initial states: "random" (uniform on the sphere: a quench from infinite temperature) or
"equilibrium" at T0 by quiet planting (Krzakala & Zdeborova, PRL 102, 238701, 2009): draw s* on the
sphere, then couplings from P(J) exp(-H_J(s*)/T0) / E_J[...], i.e. J_a ~ Normal(sigma^2 m_a / T0,
sigma^2), m_a = s*_a1 ... s*_ap. Then s* is an exact sample of the annealed measure, which is the
Gibbs measure of the planted couplings for T0 above the static transition (T_K < T_d), and
the planted couplings cannot be told from random ones there. No equilibration run is needed, and it
works right down to T_d, where a run at T0 would need a diverging time.
"""
from __future__ import annotations

import math
import time

import numpy as np

from physics import pspin_kernels as K
from physics import pspin_theory as theory
from physics.config import check_memory
from physics.observables import Recorder, Schedule, checkpoint, drive, resume_state, rng_state, set_rng_state
from physics.pspin_config import (  # noqa: F401 (the system's interface: pspin.default_config, ...)
    DTYPES, INTEGRATORS, SCHEMA, SUPPORTED_P, coupling_bytes, default_config, mixture, validate)

BLOCKS = 4
"""Work blocks of the force kernels: fixed (not the thread count) so results are bit for bit
the same whatever the number of threads."""
DRAW_CHUNK = 1 << 22
"""Couplings drawn (and planted) per chunk: float16 storage then never holds a float32 copy of all."""


# ----------------------------------------------------------------------------- couplings

def _chunks(offs: np.ndarray, size: int):
    """Ranges [i0, i1) of leading indices holding about `size` packed couplings each (at least one index)."""
    N, i0 = len(offs) - 1, 0
    while i0 < N:
        i1 = max(i0 + 1, int(np.searchsorted(offs, offs[i0] + size, side="right")) - 1)
        i1 = min(i1, N)
        yield i0, i1
        i0 = i1


def _plant(a: np.ndarray, plant: tuple, p: int, N: int, mix: dict, i0: int, i1: int) -> None:
    """Quiet planting of s at T0 (plant = (s, T0)) into the couplings a of leading index
    i0 <= i < i1: J_a += variance / T0 * s_a1 ... s_ap (Krzakala & Zdeborova 2009; module docstring)."""
    s, T0 = plant
    K.plant(a, np.asarray(s, dtype=a.dtype), p, a.dtype.type(variance(N, p, mix[p]) / T0), i0, i1)


class Couplings:
    """The packed couplings of one disorder sample, and their forces on a batch of replicas."""

    def __init__(self, N: int, J: dict, dtype=np.float32):
        self.N = N
        self.J = J                     # {p: packed array}, in the storage dtype
        self.dtype = K.compute_dtype(dtype)   # spins, forces and arithmetic (float32 for float16)
        self._kJ = {p: K.kernel_view(a) for p, a in J.items()}
        self.offs = {p: K.leading_offsets(N, p) for p in J}
        self.bounds = {p: K.balanced_blocks(N, p, BLOCKS) for p in J}
        self._buf = {}
        self._zero = self.dtype.type(0)

    @classmethod
    def generate(cls, N: int, mix: dict, rng: np.random.Generator, precision: str = "float32",
                 plant: tuple | None = None):
        """Gaussian couplings of variance w_p p!/(2 N^(p-1)), drawn in the order of sorted p, with
        plant = (s, T0) quietly planted (`_plant`). They are drawn and planted in chunks of leading
        indices (the same numbers as one draw). float16 couplings are the float32 ones of the same
        seed, planted in float32 and rounded once: a planted shift, ~ sigma^2 / T0 per coupling, is
        far below half-precision resolution and would be lost if added to rounded couplings."""
        dtype = DTYPES[precision]
        draw = K.compute_dtype(dtype)
        check_memory(coupling_bytes(N, mix, precision), "N", f"N = {N} couplings")
        J = {}
        for p in sorted(mix):
            sigma = draw.type(math.sqrt(variance(N, p, mix[p])))
            offs = K.leading_offsets(N, p)
            a = np.empty(int(offs[-1]), dtype=dtype)
            for i0, i1 in _chunks(offs, DRAW_CHUNK):
                c = rng.standard_normal(int(offs[i1] - offs[i0]), dtype=draw)
                c *= sigma
                if plant is not None:
                    _plant(c, plant, p, N, mix, i0, i1)
                a[offs[i0]:offs[i1]] = c
            J[p] = a
        return cls(N, J, dtype)

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.J.values())

    def forces(self, s: np.ndarray) -> dict:
        """{p: F_p[R, N]} = -grad H_p for every row of s[R, N] (one pass over each J^(p))."""
        s = np.ascontiguousarray(s, dtype=self.dtype)
        if s.ndim == 1:
            s = s[None]
        R = s.shape[0]
        buf = self._buf.get(R)
        if buf is None:
            buf = self._buf[R] = np.empty((BLOCKS, R, self.N), dtype=self.dtype)
        return {p: (K.FORCE_SERIAL[p](a, s, self.offs[p], self._zero) if a.size < K.SERIAL_BELOW
                    else K.FORCE[p](a, s, self.offs[p], self.bounds[p], buf, self._zero))
                for p, a in self._kJ.items()}

    def force(self, s: np.ndarray) -> np.ndarray:
        """F = -grad H, float64 [R, N]."""
        out = None
        for F in self.forces(s).values():
            out = F.astype(np.float64) if out is None else out + F
        return out

    def energy(self, s: np.ndarray) -> float:
        """H(s) computed directly (not through the force), float64 accumulation."""
        s = np.asarray(s, dtype=np.float64)
        return float(sum(K.ENERGY[p](a.astype(np.float64) if a.dtype != np.float64 else a, s)
                         for p, a in self.J.items()))


def variance(N: int, p: int, w: float = 1.0) -> float:
    """Variance of one coupling: w p! / (2 N^(p-1))."""
    return w * math.factorial(p) / (2.0 * N ** (p - 1))


def random_sphere(N: int, rng: np.random.Generator, R: int | None = None) -> np.ndarray:
    """Uniform on the sphere |s|^2 = N (float64)."""
    s = rng.standard_normal((N,) if R is None else (R, N))
    return s * np.sqrt(N / np.sum(s * s, axis=-1, keepdims=True))


def finite_size_equilibrium_energy(T: float, mix: dict, N: int) -> float:
    """The annealed equilibrium energy at finite N (exact for the planted start at T):
    -(1/(N T)) E_s Var_J H(s), where Var_J H(s) = sum_p sigma_p^2 e_p(s_1^2, ..., s_N^2) counts only
    distinct indices, and E over s uniform on the sphere. = -f(1)/T (1 - O(1/N)); pure p = 3:
    -(1/2T)(1 - 9/N + O(1/N^2))."""
    # power sums P_k = sum_i s_i^(2k) averaged over the sphere: E[s^(2k)] = (2k-1)!! N^k / (N (N+2)...(N+2k-2))
    def P(k):
        num = math.prod(range(1, 2 * k, 2)) * N ** k
        den = math.prod(N + 2 * m for m in range(k))
        return N * num / den
    P1, P2, P3, P4 = N, P(2), P(3), P(4)
    # elementary symmetric polynomials of s_i^2 (Newton's identities, mean-field in the P's)
    e = {2: (P1 ** 2 - P2) / 2.0,
         3: (P1 ** 3 - 3 * P1 * P2 + 2 * P3) / 6.0,
         4: (P1 ** 4 - 6 * P1 ** 2 * P2 + 3 * P2 ** 2 + 8 * P1 * P3 - 6 * P4) / 24.0}
    return -sum(variance(N, p, w) * e[p] for p, w in mix.items()) / (N * T)


# ----------------------------------------------------------------------------- dynamics

class Langevin:
    """Langevin on the sphere for R replicas sharing the noise: rows of X[R, N] (float64).

    integrator "geodesic-lm" (default): the tangent step u = dt (F + field) + sqrt(2 T dt) xi_bar is
    followed along the great circle (exponential map, s cos|u|/sqrt(N) + sqrt(N) sin(..) u/|u|),
    with the Leimkuhler-Matthews noise xi_bar = (xi_n + xi_{n+1})/2. "euler": s + dt F +
    sqrt(2 T dt) xi, then projected back onto the sphere.

    fields[R, N] is the constant extra force of each row (0 for the sample, h eps for a twin)."""

    def __init__(self, couplings: Couplings, X: np.ndarray, T: float, dt: float,
                 rng: np.random.Generator, fields: np.ndarray | None = None,
                 integrator: str = "geodesic-lm"):
        self.c = couplings
        self.geodesic = integrator == "geodesic-lm"
        self.X = np.array(X, dtype=np.float64)
        self.N = self.X.shape[1]
        self.T, self.dt = float(T), float(dt)
        self.rng = rng
        self.fields = fields
        self.live = 1                  # rows 0 .. live-1 are evolved
        self._xi = rng.standard_normal(self.N) if (self.geodesic and self.T > 0) else None
        self._update_forces()

    def _update_forces(self):
        Fp = self.c.forces(self.X[:self.live])
        s0 = self.X[0]
        # energies of row 0 per p: e_p = -s.F_p / (p N)
        self.e_p = {p: -float(np.dot(s0, F[0].astype(np.float64))) / (p * self.N) for p, F in Fp.items()}
        F = None
        for Fq in Fp.values():
            F = Fq.astype(np.float64) if F is None else F + Fq
        self.F = F

    @property
    def energy(self) -> float:
        return sum(self.e_p.values())

    @property
    def mu(self) -> float:
        """Lagrange multiplier of row 0: mu = T + s.F/N = T - sum_p p e_p (Ito)."""
        return self.T - sum(p * e for p, e in self.e_p.items())

    def start_twin(self, row: int) -> None:
        """Row `row` becomes a copy of row 0 (it must be the next row to come alive)."""
        assert row == self.live
        self.X[row] = self.X[0]
        self.F = np.vstack([self.F, self.F[:1]])
        self.live += 1

    def state(self) -> dict:
        """Everything the next steps depend on (the couplings and fields are rebuilt from the
        seed): the live rows, their forces and energies, the pending noise draw, the generator."""
        st = {"X": self.X[:self.live].copy(), "F": np.array(self.F, copy=True),
              "e_p": {str(p): e for p, e in self.e_p.items()}, "rng": rng_state(self.rng)}
        if self._xi is not None:
            st["xi"] = self._xi.copy()
        return st

    def restore(self, st: dict) -> None:
        X = np.asarray(st["X"], dtype=np.float64)
        self.live = X.shape[0]
        self.X[:self.live] = X
        self.F = np.array(st["F"], dtype=np.float64)
        self.e_p = {int(p): float(e) for p, e in st["e_p"].items()}
        if "xi" in st:
            self._xi = np.array(st["xi"], dtype=np.float64)
        set_rng_state(self.rng, st["rng"])

    def step(self, n: int = 1, progress=None) -> None:
        L, N = self.live, self.N
        amp = math.sqrt(2.0 * self.T * self.dt)
        sqN = math.sqrt(N)
        for _ in range(n):
            drift = self.F
            if self.fields is not None and L > 1:
                drift = drift + self.fields[:L]
            X = self.X[:L]
            U = self.dt * drift
            if amp > 0:
                xi = self.rng.standard_normal(N)        # the same noise for every replica
                if self.geodesic:                       # Leimkuhler-Matthews: mean of two draws
                    U += amp * 0.5 * (self._xi + xi)
                    self._xi = xi
                else:
                    U += amp * xi
            if self.geodesic:
                # tangent step u, then along the great circle by |u|: s cos(th) + sqrt(N) u/|u| sin(th)
                U -= (np.einsum("ij,ij->i", X, U) / N)[:, None] * X
                norm = np.sqrt(np.einsum("ij,ij->i", U, U))
                th = norm / sqN
                safe = np.where(norm > 0, norm, 1.0)
                Y = np.cos(th)[:, None] * X + (np.sin(th) * sqN / safe)[:, None] * U
            else:
                Y = X + U
            Y *= np.sqrt(N / np.einsum("ij,ij->i", Y, Y))[:, None]
            self.X[:L] = Y
            self._update_forces()
            if progress is not None:
                progress(1)


# ----------------------------------------------------------------------------- run

def run(config: dict, sink, progress=None) -> dict:
    """Quench (or equilibrium start) and Langevin run of every sample into `sink`; returns a summary.

    Offers the sink a checkpoint after every measurement (sample index, the Langevin state, the
    recorder's snapshots, the final energies of the samples done); continues from the sink's
    resume state, if any, bit for bit."""
    mix = validate(config)
    c = config
    N, T, dt = int(c["N"]), float(c["T"]), float(c["dt"])
    S = int(c["samples"])
    sch = Schedule(dt, float(c["tmax"]), c["tw"])
    nw = sch.nw if c["response"] else 0
    sink.begin(sch.t, sch.tw, samples=S)
    seqs = np.random.SeedSequence(int(c["seed"])).spawn(S)
    total = S * sch.n_steps
    done = [0]

    def tick(k=1):
        done[0] += k
        if progress is not None:
            progress(done[0], total)

    resume = resume_state(sink)
    first_sample, k_resume, saved = 0, None, None
    final_e = []
    if resume is not None:
        k_resume, saved = resume
        first_sample = int(saved["sample"])
        final_e = [float(e) for e in saved["final_e"]]
    t_start = time.time()
    steps_time = 0.0
    for si in range(first_sample, S):
        rng_J, rng_init, rng_noise, rng_eps = [np.random.default_rng(q) for q in seqs[si].spawn(4)]
        s0 = random_sphere(N, rng_init)
        plant = (s0, T if c["T0"] is None else float(c["T0"])) if c["init"] == "equilibrium" else None
        couplings = Couplings.generate(N, mix, rng_J, c["precision"], plant=plant)
        eps = np.sign(rng_eps.standard_normal((max(nw, 1), N)))
        eps[eps == 0] = 1.0
        X = np.zeros((1 + nw, N))
        X[0] = s0
        fields = None
        if nw:
            fields = np.zeros((1 + nw, N))
            fields[1:] = float(c["h"]) * eps[:nw]
        dyn = Langevin(couplings, X, T, dt, rng_noise, fields, c["integrator"])
        rec = Recorder(sch, sink, samples=slice(si, si + 1), a=c["a"])
        start, step0 = 0, 0
        if saved is not None and si == first_sample:
            dyn.restore(saved["langevin"])
            rec.restore(saved["recorder"])
            start, step0 = k_resume + 1, int(saved["step"])
            done[0] = si * sch.n_steps + step0
        t0 = time.time()

        def state(step):
            where = f"t = {step * dt:g}" + (f" of sample {si + 1} of {S}" if S > 1 else "")
            return {"sample": si, "step": step, "final_e": list(final_e), "langevin": dyn.state(),
                    "recorder": rec.state(), "where": where}

        def advance(n):
            dyn.step(n, progress=tick)

        def measure(k, step):
            kw = {}
            if nw:
                kw = dict(twins=dyn.X[None, 1:], eps=eps[None, :nw], h=float(c["h"]))
            started = rec.observe(step, dyn.X[None, 0], dyn.energy, extra={"pspin/mu": [dyn.mu]}, **kw)
            if nw:
                for i in started:
                    dyn.start_twin(1 + i)
            checkpoint(sink, k, lambda: state(step))

        def pause(k, step):
            checkpoint(sink, k, lambda: state(step))

        drive(sch, advance, measure, start=start, step=step0, pause=pause)
        steps_time += time.time() - t0
        final_e.append(dyn.energy)
        del couplings, dyn
    th = theory.summary(T, mix)
    fe = np.asarray(final_e)
    return {
        "energy_final": float(fe.mean()),
        "energy_final_sem": float(fe.std(ddof=1) / math.sqrt(S)) if S > 1 else float("nan"),
        "T_d": th["T_d"], "e_inf": th["e_inf"], "q_EA": th["q_EA"], "x": th["x"], "e_th": th["e_th"],
        "e_eq_finite_N": finite_size_equilibrium_energy(T, mix, N) if T > 0 else float("nan"),
        "seconds": time.time() - t_start,
        "seconds_per_step": steps_time / max(total, 1),
    }
