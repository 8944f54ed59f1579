"""Criticality of jammed soft disks (issue 13): bucklers apart from the extended contacts
(physics/spheres/contacts.py), the fit-window scan of the tail exponents and the truncated
maximum likelihood (analysis.tail_exponent, tail_exponent_scan), omega* of D(omega)
(analysis.omega_star), the normal modes along the compression series (the late key
modes_series), and the geiger-2019 packings module on synthetic input."""
from __future__ import annotations

import numpy as np
import pytest

from physics import analysis as A
from physics.observables import Recording
from physics.schema import ConfigError
from physics.spheres import contacts, default_config, jamming, packing, run


# ----------------------------------------------------------------------------- bucklers, by hand

def test_bucklers_of_a_contact_graph_after_rattler_removal():
    # K5 on 0-4 (4 contacts each); 5 touches 0, 1, 2 (d + 1 = 3: a buckler); 6 touches 0 and 7
    # (a rattler); 7 touches 6, 3, 4: 3 contacts, but one with the rattler 6 -> 2 -> a rattler too
    k5 = [(a, b) for a in range(5) for b in range(a + 1, 5)]
    pairs = k5 + [(5, 0), (5, 1), (5, 2), (6, 0), (7, 6), (7, 3), (7, 4)]
    i, j = (np.array(x) for x in zip(*pairs))
    keep = jamming.nonrattlers(i, j, 8, 2)
    assert list(keep) == [True] * 6 + [False, False]
    z = contacts.coordination(i, j, 8, keep)
    assert list(z) == [5, 5, 5, 4, 4, 3, 0, 0]
    assert list(np.flatnonzero(contacts.bucklers(i, j, 8, 2))) == [5]
    # in 3D (d + 1 = 4) 5 is a rattler too, and then each of the K5 has exactly 4: all bucklers
    assert list(np.flatnonzero(contacts.bucklers(i, j, 8, 3))) == [0, 1, 2, 3, 4]


def _square_lattice_with_vacancy(n=6, a=0.98):
    """An n x n square lattice of unit disks, spacing a < 1 (every nearest pair overlaps, the
    diagonals a sqrt 2 do not), periodic box n a, particle 0 removed: its 4 neighbours keep 3
    contacts each (d + 1: bucklers), every other particle 4."""
    g = np.stack(np.meshgrid(np.arange(n), np.arange(n), indexing="ij"), -1).reshape(-1, 2) * a + a / 2
    return g[1:], np.ones(n * n - 1), n * a


def test_square_lattice_vacancy_has_four_bucklers_and_known_counts():
    n = 6
    pos, diam, L = _square_lattice_with_vacancy(n)
    sp = contacts.split_contacts(pos, diam, L, 2.0)
    c = sp.counts
    assert c["nonrattlers"] == n * n - 1 and c["contacts"] == 2 * n * n - 4
    assert c["bucklers"] == 4 and c["buckler_contacts"] == 4 * 3        # no two bucklers touch
    assert c["extended_contacts"] == c["contacts"] - c["buckler_contacts"]
    # the neighbours of the vacancy (lattice sites (0, 1), (1, 0), (0, n-1), (n-1, 0)) are the bucklers
    site = {(0, 1): 0, (1, 0): n - 1, (0, n - 1): n - 2, (n - 1, 0): (n - 1) * n - 1}
    assert set(np.flatnonzero(sp.buckler)) == set(site.values())
    # equal overlaps: every force is the mean; the raw force is (1 - a)^(alpha - 1) / sigma
    assert np.allclose(sp.f, 1.0) and sp.mean_force == pytest.approx(0.02)
    # away from the vacancy the lattice is in force balance; the bucklers are pushed into it
    F = contacts.net_forces(pos, L, sp.i, sp.j, sp.f)
    far = sp.z == 4
    assert np.abs(F[far]).max() < 1e-12                                 # all 4 neighbours: balanced
    assert np.allclose(np.linalg.norm(F[sp.buckler], axis=1), 1.0)     # one unbalanced unit force


# ----------------------------------------------------------------------------- a real jammed packing

@pytest.fixture(scope="module")
def jammed():
    diam = packing.make_diameters(64)
    rng = np.random.default_rng(11)
    L = packing.box_side(diam, 0.80, 2)
    pos = packing.random_positions(64, 2, L, rng)
    jr = jamming.find_phi_J(pos, diam, L, tol=1e-6)
    return jr.pos, diam, jr.L


def test_jammed_packing_splits_into_buckler_and_extended_contacts(jammed):
    pos, diam, L = jammed
    st = jamming.structure(pos, diam, L, 2.0)
    sp = contacts.split_contacts(pos, diam, L, 2.0)
    c = sp.counts
    # the same non-rattlers and contacts as the jam protocol's structure, isostatic
    assert np.array_equal(sp.nonrattler, st.nonrattler) and c["contacts"] == st.contacts
    assert c["contacts"] == 2 * (c["nonrattlers"] - 1) + 1
    # every non-rattler has at least d + 1 contacts; the bucklers exactly d + 1
    assert sp.z[sp.nonrattler].min() >= 3 and np.all(sp.z[sp.buckler] == 3)
    assert c["bucklers"] == int(np.sum(sp.z == 3)) > 0
    assert int(sp.z.sum()) == 2 * c["contacts"]
    # counts add up, and the two families are the recorded forces (each over the packing's mean)
    assert c["buckler_contacts"] + c["extended_contacts"] == c["contacts"]
    assert sp.extended.size == c["extended_contacts"] and sp.local.size == c["buckler_contacts"]
    _, forces = jamming.gaps_and_forces(pos, diam, L, 2.0, st.nonrattler)
    assert np.allclose(np.sort(np.concatenate([sp.extended, sp.local])), np.sort(forces))
    # force balance on every non-rattler, to the minimiser's tolerance relative to the mean force
    F = contacts.net_forces(pos, L, sp.i, sp.j, sp.f)
    assert np.abs(F[sp.nonrattler]).max() < 1e-4


def test_pooled_split_of_a_record(jammed):
    pos, diam, L = jammed
    nr = jamming.structure(pos, diam, L, 2.0).nonrattler
    out = contacts.pooled_split(np.stack([pos, pos]), np.stack([diam, diam]), np.array([L, L]),
                                np.stack([nr, nr]).astype(np.int8))
    one = contacts.split_contacts(pos, diam, L)
    assert out["extended"].size == 2 * one.extended.size and out["local"].size == 2 * one.local.size
    assert out["counts"]["bucklers"] == [one.counts["bucklers"]] * 2


# ----------------------------------------------------------------------------- tail exponents

def _power_law(a, n, upper=1.0, seed=0):
    """n values of the density (a + 1) v^a / upper^(a + 1) on (0, upper]."""
    return upper * np.random.default_rng(seed).random(n) ** (1.0 / (a + 1.0))


@pytest.mark.parametrize("a", [0.42, -0.41])
def test_truncated_tail_exponent_recovers_the_power_law(a):
    v = _power_law(a, 40000)
    for lower in (1e-3, 0.05, 0.2):
        est = A.tail_exponent(v, upper=0.5, lower=lower)
        assert est.ok and abs(est.value - a) < 4 * est.error, (lower, est)
        assert est.window == (lower, 0.5) and est.extra["count"] == int(np.sum((v > lower) & (v <= 0.5)))
    # a tiny lower cutoff is the closed form of lower = 0
    assert A.tail_exponent(v, 0.5, lower=1e-12).value == pytest.approx(A.tail_exponent(v, 0.5).value, abs=1e-5)


def test_truncated_tail_exponent_error_is_the_spread_over_samples():
    vals = [A.tail_exponent(_power_law(0.42, 2000, seed=s), upper=0.5, lower=0.05) for s in range(40)]
    spread = np.std([e.value for e in vals], ddof=1)
    assert 0.7 < np.mean([e.error for e in vals]) / spread < 1.4


def test_tail_exponent_scan_reports_the_window_spread():
    pure = A.tail_exponent_scan(_power_law(0.42, 50000), uppers=(0.1, 0.3, 0.5), lowers=(0.0, 0.01))
    assert abs(pure.value - 0.42) < 3 * pure.error and pure.extra["systematic"] < 0.05
    assert len(pure.extra["windows"]) == 6 and pure.window == (0.0, 0.3)
    # a mixture: f^0.17 below 0.1 over a flatter rest -> the exponent drifts with the upper cutoff
    rng = np.random.default_rng(1)
    mix = np.concatenate([_power_law(0.17, 20000, upper=0.1, seed=2), 0.1 + 0.9 * rng.random(20000)])
    scan = A.tail_exponent_scan(mix, uppers=(0.05, 0.1, 0.3, 0.5), lowers=(0.0,))
    assert scan.extra["systematic"] > 3 * scan.extra["statistical"]
    assert scan.error == pytest.approx(np.hypot(scan.extra["statistical"], scan.extra["systematic"]))
    assert not A.tail_exponent_scan(mix[:10], uppers=(0.1, 0.5)).ok


# ----------------------------------------------------------------------------- omega*

def _dos_sample(omega_star, n, D_low, seed=0, w_max=2.0):
    """n frequencies from D(omega) = D_p on [omega*, w_max] and, below omega*, the shape D_low(x)
    D_p of x = omega / omega* (inverse cumulative on a fine grid), as eigenvalues omega^2."""
    w = np.linspace(0.0, w_max, 40001)[1:]
    dens = np.where(w < omega_star, D_low(w / omega_star), 1.0)
    cdf = np.cumsum(dens)
    cdf /= cdf[-1]
    u = np.random.default_rng(seed).random(n)
    return np.interp(u, cdf, w) ** 2


def test_omega_star_of_a_step_and_of_a_ramp():
    step = np.stack([_dos_sample(0.2, 3000, lambda x: 0.2 + 0 * x, seed=s) for s in range(6)])
    est = A.omega_star(step, boot=30)
    # the kernel (width 0.15 in ln omega) moves the half-way point of a sharp step from D_p to
    # 0.2 D_p down by 0.32 x 0.15 in ln omega (Phi(x) 0.8 + 0.2 = 0.5): to 0.19
    assert est.value == pytest.approx(0.2 * np.exp(-0.32 * 0.15), rel=0.04) and est.error < 0.03
    assert est.extra["plateau"] == pytest.approx(1 / 2.0 / (1 - 0.8 * 0.1), rel=0.1)
    ramp = np.stack([_dos_sample(0.2, 3000, lambda x: x, seed=s) for s in range(6)])
    assert A.omega_star(ramp, boot=0).value == pytest.approx(0.1, rel=0.1)       # D = D_p / 2 at omega*/2
    # a fraction of 0.8: D = 0.8 D_p at 0.8 omega* on the ramp
    assert A.omega_star(ramp, fraction=0.8, boot=0).value == pytest.approx(0.16, rel=0.1)


def test_omega_star_scaling_exponent_of_a_synthetic_series():
    dphi = np.logspace(-3, -1, 5)
    ws = [A.omega_star(np.stack([_dos_sample(0.8 * np.sqrt(d), 3000, lambda x: x, seed=10 * k + s)
                                 for s in range(4)]), boot=0).value for k, d in enumerate(dphi)]
    fit = A.power_law_fit(dphi, ws)
    assert fit.value == pytest.approx(0.5, abs=max(3 * fit.error, 0.03))


def test_omega_star_without_a_drop_is_none():
    flat = np.random.default_rng(0).uniform(0.01, 2.0, 2000) ** 2
    est = A.omega_star(flat)
    assert not est.ok and "resolution" in est.note
    assert not A.omega_star(np.full(10, np.nan)).ok


# ----------------------------------------------------------------------------- the jam protocol

@pytest.fixture(scope="module")
def jam_record():
    cfg = default_config(N=40, samples=2, seed=2, modes_series=True, n_dphi=4, dphi_min=1e-3)
    rec = Recording()
    run(cfg, rec)
    return cfg, rec


def test_modes_series_is_a_late_key_and_records_the_spectrum_at_every_dphi(jam_record):
    assert "modes_series" not in default_config(N=32)            # old hashes unchanged
    cfg, rec = jam_record
    es, ev, dphi = rec["spheres/eigenvalues_series"], rec["spheres/eigenvalues"], rec["spheres/dphi"]
    assert es.shape == (2, 4, 80)
    k = int(np.argmin(np.abs(np.log(dphi / cfg["hessian_dphi"]))))
    assert np.allclose(es[:, k], ev, equal_nan=True)           # the one spectrum recorded before
    for s in range(2):
        lam = es[s, -1][np.isfinite(es[s, -1])]
        assert lam.min() > -1e-8 and np.sum(lam < 1e-8) == 2  # a stable packing: two translations


def test_modes_series_record_resumes_after_an_interruption(tmp_path):
    from compare.records import execute, load_run, run_path
    from test_resume import StopAt, assert_same_records
    cfg = default_config(N=24, samples=2, seed=3, n_dphi=2, dphi_min=1e-2, modes_series=True)
    ref = execute("spheres", cfg, run, out=tmp_path / "ref")
    out = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):                  # in the middle of the second packing
        execute("spheres", cfg, run, out=out, progress=StopAt(1.5), flush_every=0)
    assert load_run(run_path(out, "spheres", cfg)).status == "interrupted"
    resumed = execute("spheres", cfg, run, out=out, progress=StopAt(10 ** 9))
    assert_same_records(ref, resumed)
    assert resumed["spheres/eigenvalues_series"].shape == (2, 2, 48)


def test_modes_series_needs_the_dense_spectrum():
    from physics.spheres import validate
    with pytest.raises(ConfigError, match="modes_series"):
        validate(default_config(N=64, modes_series=True, dense_max=100))


# ----------------------------------------------------------------------------- the report's part

def test_geiger_packings_claims_and_figure_from_a_record(jam_record, tmp_path):
    import json

    from compare.records import Run
    from compare.reports.geiger_2019 import packings as P
    cfg, rec = jam_record
    data = {k: np.asarray(v) for k, v in rec.data.items()}
    fake = Run(tmp_path / "spheres-test.h5", {"system": "spheres", "config": json.dumps(cfg),
                                              "status": "complete", "created": "now"}, data)
    ex = P.exponents(fake)
    c = {k: sum(v) for k, v in ex["split"]["counts"].items()}
    assert c["buckler_contacts"] + c["extended_contacts"] == c["contacts"] == int(np.sum(rec["spheres/contacts"]))
    assert ex["split"]["extended"].size + ex["split"]["local"].size == rec["spheres/forces"].size
    claims = P.claims({P.NAME: fake}, "tiny")
    assert [x.id for x in claims] == list(P.IDS)
    for x in claims:                                   # too few values at N = 40: said, not hidden
        assert x.note and (x.measured is not None or x.note.startswith("Not measured"))
    png = P.figure({P.NAME: fake}, "tiny", tmp_path / "packings.png")
    assert png.stat().st_size > 10_000
    point = P.points("small")[0]
    assert point.config["modes_series"] and point.config["N"] >= 256 and point.config["samples"] >= 8
    assert P.points("paper")[0].config["N"] >= 1024
