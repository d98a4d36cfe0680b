"""Closed-form queueing results to check the simulator against.

Units: rates in 1/s, times in s.  ``load`` (rho) = arrival rate / (servers x
service rate).  Formulas from any queueing text, e.g. L. Kleinrock,
*Queueing Systems, Vol. 1* (1975): Erlang C in section 3.5, the
Pollaczek-Khinchine mean-value formula in section 5.7.
"""

from __future__ import annotations

import math

from inferlab.inputs import InputError, check_int, check_number


def _check(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, float, int, float]:
    """(arrival rate, service rate, servers, load rho) checked; InputError for a bad input or a queue
    that would grow without bound."""
    arrival_rate = check_number("arrival_rate", arrival_rate, low=0, hint=" (1/s)")
    service_rate = check_number("service_rate", service_rate, low=0, low_open=True, hint=" (1/s)")
    servers = check_int("servers", servers, low=1)
    load = arrival_rate / (servers * service_rate)
    if load >= 1:
        raise InputError("load", load, "below 1 (at or above 1 the queue grows without bound)")
    return arrival_rate, service_rate, servers, load


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
    arrival_rate, service_rate, servers, _ = _check(arrival_rate, service_rate, servers)
    return erlang_c(servers, arrival_rate / service_rate) / (servers * service_rate - arrival_rate)


def mg1_mean_wait(arrival_rate: float, mean_service: float, service_scv: float) -> float:
    """Pollaczek-Khinchine: mean wait in M/G/1 = rho E[S] (1 + scv) / (2 (1 - rho)).

    *service_scv* is the squared coefficient of variation of the service time
    (0 for deterministic, 1 for exponential).
    """
    mean_service = check_number("mean_service", mean_service, low=0, low_open=True, hint=" (s)")
    service_scv = check_number("service_scv", service_scv, low=0)
    load = _check(arrival_rate, 1.0 / mean_service, 1)[3]
    return load * mean_service * (1.0 + service_scv) / (2.0 * (1.0 - load))


def md1_mean_wait(arrival_rate: float, service_time: float) -> float:
    """Mean wait in M/D/1: rho D / (2 (1 - rho))."""
    return mg1_mean_wait(arrival_rate, service_time, 0.0)


def littles_law_gap(mean_number: float, arrival_rate: float, mean_time: float) -> float:
    """Relative gap |L - lambda W| / L (0 when both are 0)."""
    lw = arrival_rate * mean_time
    if mean_number == 0:
        return 0.0 if lw == 0 else math.inf
    return abs(mean_number - lw) / mean_number
