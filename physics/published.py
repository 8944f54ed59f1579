"""The one table of published and analytic values the findings are compared with, each with its
source (docs/science.md, sections 2 to 6). Analytic p-spin values are computed by physics/pspin_theory.py."""
from __future__ import annotations

from dataclasses import dataclass



@dataclass(frozen=True)
class Published:
    value: object        # a number, a (lo, hi) range, or a short text
    source: str
    note: str = ""


PUBLISHED = {
    "phi_J_2d": Published(0.84, "O'Hern, Silbert, Liu, Nagel, PRE 68, 011306 (2003)",
                          "2D 50:50 bidisperse, diameter ratio 1.4"),
    "phi_J_3d": Published(0.64, "O'Hern, Silbert, Liu, Nagel, PRE 68, 011306 (2003)",
                          "3D mono- or bidisperse"),
    "theta_spheres": Published(0.42, "Charbonneau, Kurchan, Parisi, Urbani, Zamponi (2014)",
                               "P(f) ~ f^theta, extended modes"),
    "gamma_spheres": Published(0.41, "Charbonneau, Kurchan, Parisi, Urbani, Zamponi (2014)",
                               "P(h) ~ h^-gamma"),
    "zeta_Z": Published(0.5, "O'Hern et al. (2003)", "Z - Z_c ~ (phi - phi_J)^(1/2)"),
    "theta_e_spheres": Published(0.42, "Charbonneau, Corwin, Parisi, Zamponi, PRL 114, 125504 (2015)",
                                 "P_e(f) ~ f^theta_e, forces of the extended contacts (bucklers apart); "
                                 "the mean-field value 0.42311 in every d"),
    "theta_l_spheres": Published(0.17, "Charbonneau, Corwin, Parisi, Zamponi, PRL 114, 125504 (2015)",
                                 "P_l(f) ~ f^theta_l, forces of the bucklers (particles with d + 1 contacts)"),
    "omega_star_exponent": Published(0.5, "Silbert, Liu, Nagel, PRL 95, 098301 (2005); Wyart, Nagel, "
                                          "Witten, EPL 72, 486 (2005)",
                                     "omega* ~ (phi - phi_J)^(1/2) for harmonic contacts"),
    "theta_nets": Published(0.3, "Geiger et al., PRE 100, 012115 (2019)",
                            "P+(Delta) ~ Delta^theta at N*"),
    "gamma_nets": Published(0.2, "Geiger et al., PRE 100, 012115 (2019)",
                            "P-(Delta) ~ |Delta|^-gamma at N*"),
    "C0_nets": Published(0.5, "Geiger et al., PRE 100, 012115 (2019)",
                         "N_Delta/N just below N* (hypostatic jump)"),
    "N_star_over_P_random_L3": Published((0.30, 0.36), "Geiger et al. 2019, mariogeiger/nn_jamming",
                                         "random data, d = h, L = 3, N = 7854, long Adam in float64"),
    "regime_threshold": Published(0.1, "Geiger et al. 2019", "under-parametrised when N_Delta > 0.1 N"),
    "no_barrier_nets": Published(0.0, "Draxler, Veschgini, Salmhofer & Hamprecht, ICML 2018 (AutoNEB)",
                                 "essentially no loss barrier along the minimum-energy paths between "
                                 "minima of over-parametrised nets"),
    "Z_iso_ellipses_2d": Published(6, "Donev et al., PRE 75, 051304 (2007); Mailman, Schreck, O'Hern, "
                                      "Chakraborty, PRL 102, 255501 (2009)",
                                   "2 d_f = 6 in 2D; jammed ellipses are hypostatic, 4 < Z_J < 6 for alpha > 1"),
    "quartic_modes_ellipses": Published("deficit", "Schreck, Mailman, Chakraborty, O'Hern, PRE 85, 061305 (2012)",
                                        "quartic modes = d_f N - N_c (finite N: d_f N_nr - d + 1 - N_c)"),
    "q_power_law_exponent": Published(-0.5, "Kerr Winter & Janssen, arXiv 2405.13098 (2024), abstract",
                                      "Q against t/tau_e, 1 <= t/tau_e <= 1e3"),
    "ck_analytic": Published("physics/pspin_theory", "Cugliandolo & Kurchan, PRL 71, 173 (1993)",
                             "e_inf, q_EA, x, T_d from the marginal 1RSB conditions"),
}


def phi_J_published(dim: int) -> Published | None:
    return PUBLISHED.get(f"phi_J_{int(dim)}d")
