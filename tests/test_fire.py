"""FIRE (physics/spheres/fire.py), step by step against a plain NumPy FIRE written from its
docstring, for both variants (the classic FIRE in JAX MD's order, and FIRE 2.0 with backstepping);
FIRE 2.0 resumes bit for bit, reaches the force tolerance, and finds the same jamming physics
(isostatic at phi_J, phi_J in the 2D bidisperse range) for disks and ellipses."""
import numpy as np
import pytest

from physics.ellipses import contact, geometry
from physics.ellipses import jamming as ejam
from physics.spheres import cells, fire, forces, jamming, packing


def _packing(N, phi, seed=0):
    rng = np.random.default_rng(seed)
    diam = packing.make_diameters(N)
    L = packing.box_side(diam, phi, 2)
    return packing.random_positions(N, 2, L, rng), diam, L


def _numpy_fire(pos, diam, L, steps, fire2, dt=0.05, dt_max=0.1):
    """The update rules of fire.py's docstring, in NumPy, forces from the general minimum-image
    kernel (forces.energy_and_forces) with a list rebuilt every step."""
    nl = cells.NeighborList(len(pos), 2, 0.3)
    x = pos.copy()
    v = np.zeros_like(x)
    F = forces.energy_and_forces(x, diam, L, 2.0, nl)[1]
    a_start = fire.ALPHA_START_FIRE2 if fire2 else fire.ALPHA_START
    a, npos, resets = a_start, 0, 0
    for _ in range(steps):
        if fire2:
            P = np.vdot(F, v)
            if P > 0:
                npos += 1
                if npos > fire.N_MIN:
                    dt, a = min(dt * fire.F_INC, dt_max), a * fire.F_ALPHA
            else:
                npos, dt, a, resets = 0, dt * fire.F_DEC, a_start, resets + 1
                x -= 0.5 * dt * v
                v[:] = 0.0
            v += dt * F
            v = (1 - a) * v + a * np.linalg.norm(v) * F / np.linalg.norm(F)
            x += dt * v
            F = forces.energy_and_forces(x, diam, L, 2.0, nl)[1]
            continue
        x += dt * v + 0.5 * dt * dt * F
        Fn = forces.energy_and_forces(x, diam, L, 2.0, nl)[1]
        v += 0.5 * dt * (F + Fn)
        F = Fn
        P = np.vdot(F, v)
        npos = npos + 1 if P >= 0 else 0
        if P < 0:
            dt, a, resets = dt * fire.F_DEC, a_start, resets + 1
            v[:] = 0.0
        else:
            v = (1 - a) * v + a * np.linalg.norm(v) * F / np.linalg.norm(F)
            if P > 0 and npos > fire.N_MIN:
                dt, a = min(dt * fire.F_INC, dt_max), a * fire.F_ALPHA
    return x, v, dt, a, resets


@pytest.mark.parametrize("variant", fire.VARIANTS)
def test_steps_follow_the_numpy_fire(variant):
    """300 steps from an overlapping start, through P < 0 resets (FIRE 2.0: also the one of its
    first step, where v = 0) and dt and a_mix changes: positions, velocities, dt and a_mix agree
    with the NumPy FIRE to rounding."""
    pos, diam, L = _packing(48, 0.92, seed=7)
    x, v, dt, a, resets = _numpy_fire(pos, diam, L, 300, variant == "fire2")
    assert resets >= (2 if variant == "fire2" else 1)
    m = fire.Minimisation(pos.copy(), diam, L, dt_start=0.05, dt_max=0.1, e_tol=-1.0,
                          f_tol=0.0, variant=variant)
    m.advance(300)
    assert m.steps == 300
    d = (m.pos - x + L / 2) % L - L / 2                 # the kernel wraps its positions
    assert np.abs(d).max() < 1e-10 and np.abs(m.vel - v).max() < 1e-10
    assert m.scal[0] == pytest.approx(dt, rel=1e-10) and m.scal[1] == pytest.approx(a, rel=1e-8)


def test_fire2_in_chunks_gives_the_bits_of_one_call():
    pos, diam, L = _packing(200, 0.90, seed=2)
    one = pos.copy()
    r1 = fire.minimize(one, diam, L, f_tol=1e-12, chunk_s=None, variant="fire2")
    assert r1.converged and r1.status == fire.CONVERGED_FORCE
    for n in (1, 7, 64):                              # calls of n steps, and calls by time
        cut = pos.copy()
        m = fire.Minimisation(cut, diam, L, f_tol=1e-12, variant="fire2")
        while not m.done:
            m.advance(n)
        assert m.result() == r1 and np.array_equal(cut, one)
    timed = pos.copy()
    assert fire.minimize(timed, diam, L, f_tol=1e-12, chunk_s=1e-9, variant="fire2") == r1
    assert np.array_equal(timed, one)
    E, F = forces.energy_and_forces(one, diam, L, 2.0, cells.NeighborList(200, 2, 0.3))
    assert np.abs(F).max() < 1e-12 and E == pytest.approx(r1.energy, rel=1e-10) and E > 0


def test_fire2_unjams_below_phi_J_and_rejects_unknown_variants():
    pos, diam, L = _packing(128, 0.70)
    r = fire.minimize(pos, diam, L, variant="fire2")
    assert r.status == fire.CONVERGED_ENERGY and r.energy / 128 < 1e-16
    with pytest.raises(ValueError, match="variant"):
        fire.Minimisation(pos, diam, L, variant="fire3")


@pytest.mark.parametrize("seed", [0, 1])
def test_fire2_jams_isostatic_in_the_published_range(seed):
    """phi_J by compress-and-bisect with FIRE 2.0: isostatic (contacts = 2 (N_nr - 1) + 1, Z
    about 4) and within the 2D bidisperse spread at N = 64 (O'Hern et al. 2003: 0.84 +- ~0.02);
    the classic FIRE from the same start jams within that spread too."""
    pos, diam, L = _packing(64, 0.80, seed=seed)
    jr = jamming.find_phi_J(pos.copy(), diam, L, tol=1e-6, fire_kw=dict(variant="fire2"))
    assert jr.phi_hi - jr.phi_lo < 1e-6 and jr.unconverged == 0
    st = jamming.structure(jr.pos, diam, jr.L, 2.0)
    assert st.energy_per_particle > 1e-16
    assert st.contacts == 2 * (st.n_nonrattlers - 1) + 1
    assert 3.8 < st.Z < 4.2
    classic = jamming.find_phi_J(pos.copy(), diam, L, tol=1e-6)
    assert 0.80 < jr.phi_J < 0.87 and abs(jr.phi_J - classic.phi_J) < 0.03


def test_fire2_minimises_ellipses():
    """FIRE 2.0 over (x, y, ell theta): forces and torques vanish, as with the classic FIRE."""
    rng = np.random.default_rng(2)
    geom = geometry.make_geom(48, 1.5)
    L = geometry.box_side(geom, 0.95)
    q = geometry.random_state(geom, L, rng)
    E0 = contact.energy_and_forces(q.copy(), geom, L)[0]
    r = ejam.minimize_ellipses(q, geom, L, f_tol=1e-11, e_tol=-1.0, variant="fire2")
    E, F = contact.energy_and_forces(q.copy(), geom, L)
    assert r.converged and E < E0 and E == pytest.approx(r.energy, rel=1e-10)
    assert np.abs(F).max() < 1e-11
