"""The fleet: R servers behind one queue for a slot, and the end-to-end latency a client sees.

Requests wait in one first-come-first-served line for a free slot on any
server (the orchestration simulator's load balancer: round robin over the
servers with a free slot, ``inferlab.pipeline.inference``), so the fleet's
``R x S`` slots are the ``c`` servers of an M/G/c queue whose service time is
the time a request holds its slot (:func:`.model.server_latencies`).

**The approximation of the slot wait.**  For M/M/c the wait is exactly ``0``
with probability ``1 - C`` and exponential with rate ``c mu - lambda``
otherwise, ``C`` being Erlang's C formula (:func:`inferlab.pipeline.theory.erlang_c`).
For a general service time the mean wait scales by ``(1 + Cs^2) / 2``
(the Allen-Cunneen approximation, as the orchestration post uses it; exact
for c = 1 by Pollaczek-Khinchine); the tail is taken with the same scaling::

    P(W > t) ~ C(c, a) exp(-(c mu - lambda) t 2 / (1 + Cs^2))

with ``a = lambda / mu`` Erlangs and ``Cs^2`` the squared coefficient of
variation of the slot-holding time.  Its p99 is ``max(0, ln(C / 0.01) (1 +
Cs^2) / (2 (c mu - lambda)))``.  The tests hold it against the simulator's
ideal M/M/c (where it is exact) and M/D/c queues.

A client's latency is the network round trip, the slot wait and the server
time; each draw of the server model gets one slot-wait draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from inferlab.explainers.capacity.model import Latencies, SAMPLES, draws, quantile
from inferlab.pipeline.theory import erlang_c

#: Percentile of the targets.
PERCENTILE = 0.99


@dataclass(frozen=True)
class SlotQueue:
    """The wait for a slot: ``P(wait) = p_wait``, then exponential with rate ``decay`` (1/s)."""

    slots: int            # R x S
    offered: float        # Erlangs: rate x mean holding time
    p_wait: float
    decay: float
    scv: float            # squared coefficient of variation of the holding time

    @property
    def mean_wait(self) -> float:
        """Mean wait for a slot (s)."""
        return self.p_wait / self.decay if self.p_wait > 0 else 0.0

    def wait(self, u: float) -> float:
        """The wait (s) of the draw with uniform *u* (inverse of the tail)."""
        if u >= self.p_wait:
            return 0.0
        return -math.log(u / self.p_wait) / self.decay

    def quantile(self, q: float) -> float:
        """The *q*-quantile of the wait (s)."""
        return self.wait(1.0 - q)


def slot_queue(rate: float, holds: list[float], slots: int) -> SlotQueue | None:
    """The M/G/c slot queue of *slots* slots at *rate* requests/s with holding times *holds*; None if overloaded."""
    mean = math.fsum(holds) / len(holds)
    if mean <= 0.0 or rate <= 0.0:
        return SlotQueue(slots, 0.0, 0.0, math.inf, 0.0)
    var = math.fsum((h - mean) ** 2 for h in holds) / len(holds)
    scv = var / (mean * mean)
    offered = rate * mean
    if offered >= slots:
        return None
    p = erlang_c(slots, offered)
    decay = (slots / mean - rate) * 2.0 / (1.0 + scv)
    return SlotQueue(slots, offered, p, decay, scv)


@dataclass(frozen=True)
class Client:
    """What clients see at one fleet size: percentiles (s) and the means behind the budget split."""

    p99: float
    p50: float
    ttft_p99: float
    mean: float
    mean_slot_wait: float
    p_wait: float


def client_latencies(server: Latencies, queue: SlotQueue, network_s: float) -> Client:
    """Latency percentiles of the fleet: each draw's network time + slot wait + server time."""
    rows = draws()[0]
    waits = [queue.wait(u[6]) for u in rows]
    e2e = [network_s + w + h for w, h in zip(waits, server.hold)]
    first = [network_s + w + t for w, t in zip(waits, server.ttft)]
    return Client(quantile(e2e, PERCENTILE), quantile(e2e, 0.5), quantile(first, PERCENTILE),
                  math.fsum(e2e) / SAMPLES, math.fsum(waits) / SAMPLES, queue.p_wait)


__all__ = ["Client", "PERCENTILE", "SlotQueue", "client_latencies", "slot_queue"]
