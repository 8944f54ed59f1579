"""Findings: the one estimator of each quantity the papers state (docs/design.md, section 5).

Every estimator takes arrays (never a record, never a plot), returns an `Estimate` (value, error,
the window it used, a note) and is the only definition of its finding in the project: commands,
`compare`, `show`, the sweeps and the paper reports all call these.

    plateau            q_EA: C at the flattest point of C(tw, tw + lag) against log lag
    fdt_slope          x and the break point of the FDT plot, per tw and pooled
    n_star             N* of nets: where N_Delta/N crosses 0.1, log-interpolated between widths
    regime             over-/under-parametrised: N_Delta > 0.1 N is under (Geiger et al. 2019)
    relaxation_time    tau: first crossing of a fraction of the shortest-lag value, in log lag
    power_law_fit      slope of log y against log x in a stated window, with error and the
                       spread of the slope when the window shrinks (its sensitivity)
    power_law_approach asymptote of y = y_inf + A t^-a (an energy approaching e_inf), with the
                       change still ahead after the window and the sensitivity to the window
    distance_to_reference  mean |sample mean - reference curve| (finite N against CK), with a
                       bootstrap error over samples and the noise floor
    late_exponent      power-law exponent over the last decade of lags (msd growth)
    tail_exponent      exponent of a density P(v) ~ v^a near v = 0 (maximum likelihood), on
                       (0, upper] or truncated to (lower, upper]
    tail_exponent_scan the same over a grid of fit windows: the spread is a systematic error
    log_histogram      density on log-spaced bins, with Poisson errors
    log_bin_mean       a curve averaged on log-spaced bins (even spacing in ln x before a derivative)
    jamming_window     where the scaling above phi_J holds at finite N
    omega_star         where D(omega) of a packing falls below half its plateau (bootstrap
                       error over packings); dos_smooth, D(omega) smoothed in ln omega
    relaxation.py      (docs/science.md, sections 6-7): normalised (Q/Q(0)), tau_of (tau_e,
                       tau_90), divergence_exponent (gamma of tau ~ (T - T_c)^-gamma),
                       tts_collapse (rms spread of Q against lag/tau), scaled_power_law (exponent
                       of Q in lag/tau), free_diffusion_Q, caging (minimum msd log-slope,
                       plateau or not, and its height), chi4 and chi4_peak, aging_exponent (d ln tau/d ln tw),
                       jump_location (where y jumps from low to high: trivialisation lambda),
                       activation_ratio (super-Arrhenius: E at low T / E at high T)
    regimes.py         (docs/science.md, section 5) the three regimes of SGD training
                       (Baity-Jesi et al. 2018): t1_of (where the msd curves of consecutive tw
                       stop coinciding), t2_of (where the loss's rate -dL/d ln t falls below a
                       tenth of its maximum), regimes (both, and each tw's regime), msd_spread,
                       loss_rate, msd_collapse (spread of msd/D(tw) across tw)
    stationarity.py    tau_jackknife (tau of a sample mean, jackknife error), stationary and
                       stationary_tau (tau once it no longer depends on tw)
    barriers.py        (docs/science.md, section 10): barrier_heights (max over a path minus the
                       larger end, per profile), barrier (their mean and error, scaled: per
                       degree of freedom or total)
    verdict            "reproduced" | "partly" | "not reproduced" from a stated tolerance

`PUBLISHED` (physics/published.py, re-exported here) is the one table of published and analytic
constants, each with its source.
"""
from __future__ import annotations

from physics.analysis.estimate import NAN, Estimate, none  # noqa: F401
from physics.analysis.barriers import barrier, barrier_heights  # noqa: F401
from physics.analysis.fits import (  # noqa: F401
    distance_to_reference, late_exponent, log_bin_mean, log_histogram, power_law_approach, power_law_fit,
    tail_exponent, tail_exponent_scan)
from physics.analysis.jamming import dos_smooth, jamming_window, n_star, omega_star, regime  # noqa: F401
from physics.analysis.relaxation import (  # noqa: F401
    FRACTIONS, activation_ratio, aging_exponent, caging, chi4, chi4_peak, divergence_exponent, free_diffusion_Q,
    jump_location, normalised, scaled_power_law, tau_of, tts_collapse)
from physics.analysis.regimes import (  # noqa: F401
    loss_rate, msd_collapse, msd_spread, regimes, t1_of, t2_of)
from physics.analysis.stationarity import stationary, stationary_tau, tau_jackknife  # noqa: F401
from physics.analysis.twotime import (  # noqa: F401
    fdt_slope, lag_curve, plateau, plateau_of, relaxation_time, response_linearity)
from physics.analysis.verdicts import VERDICTS, verdict  # noqa: F401
from physics.published import PUBLISHED, Published, phi_J_published  # noqa: F401 (one table, re-exported)
