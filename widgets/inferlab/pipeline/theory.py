"""Closed-form queueing results to check the simulator against.

Units: rates in 1/s, times in s.  ``load`` (rho) = arrival rate / (servers x
service rate).  Formulas from any queueing text, e.g. L. Kleinrock,
*Queueing Systems, Vol. 1* (1975): Erlang C in section 3.5, the
Pollaczek-Khinchine mean-value formula in section 5.7.
"""

from __future__ import annotations

import math


def _check(arrival_rate: float, service_rate: float, servers: int) -> float:
    if not arrival_rate >= 0:
        raise ValueError(f"arrival_rate: {arrival_rate!r} is not allowed; expected a number >= 0")
    if not service_rate > 0:
        raise ValueError(f"service_rate: {service_rate!r} is not allowed; expected a number > 0")
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ValueError(f"servers: {servers!r} is not allowed; expected an integer >= 1")
    load = arrival_rate / (servers * service_rate)
    if load >= 1:
        raise ValueError(f"load: {load!r} is not allowed; expected below 1 (the queue would grow without bound)")
    return load


def erlang_c(servers: int, offered: float) -> float:
    """Probability that an arrival waits in M/M/c, with *offered* = lambda / mu Erlangs.

    Computed through the Erlang B recursion B(k) = a B(k-1) / (k + a B(k-1)),
    which is stable for any c, then C = B / (1 - rho (1 - B)).
    """
    b = 1.0
    for k in range(1, servers + 1):
        b = offered * b / (k + offered * b)
    rho = offered / servers
    return b / (1.0 - rho * (1.0 - b))


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in queue (before service) of M/M/c: C(c, a) / (c mu - lambda)."""
    _check(arrival_rate, service_rate, servers)
    return erlang_c(servers, arrival_rate / service_rate) / (servers * service_rate - arrival_rate)


def mg1_mean_wait(arrival_rate: float, mean_service: float, service_scv: float) -> float:
    """Pollaczek-Khinchine: mean wait in M/G/1 = rho E[S] (1 + scv) / (2 (1 - rho)).

    *service_scv* is the squared coefficient of variation of the service time
    (0 for deterministic, 1 for exponential).
    """
    load = _check(arrival_rate, 1.0 / mean_service, 1)
    return load * mean_service * (1.0 + service_scv) / (2.0 * (1.0 - load))


def md1_mean_wait(arrival_rate: float, service_time: float) -> float:
    """Mean wait in M/D/1: rho D / (2 (1 - rho))."""
    return mg1_mean_wait(arrival_rate, service_time, 0.0)


def mdc_mean_wait_approx(arrival_rate: float, service_time: float, servers: int) -> float:
    """M/D/c mean wait, approximated as half the M/M/c wait (exact for c = 1).

    The Cosmetatos correction refines this; it is only used for labels, never
    in the fidelity tests.
    """
    return 0.5 * mmc_mean_wait(arrival_rate, 1.0 / service_time, servers)


def littles_law_gap(mean_number: float, arrival_rate: float, mean_time: float) -> float:
    """Relative gap |L - lambda W| / L (0 when both are 0)."""
    lw = arrival_rate * mean_time
    if mean_number == 0:
        return 0.0 if lw == 0 else math.inf
    return abs(mean_number - lw) / mean_number
