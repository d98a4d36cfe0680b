"""The benchmark's M/M/c queue written in SimPy, run as a process of its own.

    python bench/simpy_mmc.py ARRIVAL_RATE SERVICE_MS SERVERS DURATION_S [SEED]

prints the number of customers served.  It is the reference that
``bench_pipeline.py`` times side by side with ``python -m inferlab simulate
--ideal`` on the same queue, both as whole processes (interpreter start,
imports and all).  Written the way the SimPy documentation writes a queue: a
``Resource`` with *SERVERS* places, one process per customer.
"""

from __future__ import annotations

import random
import sys

import simpy


def served(arrival_rate: float, service_ms: float, servers: int, duration_s: float, seed: int = 1) -> int:
    """Customers served in *duration_s* simulated seconds of an M/M/*servers* queue."""
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=servers)
    rng = random.Random(seed)
    service_rate = 1000.0 / service_ms
    done = [0]

    def customer(env: simpy.Environment):
        with server.request() as req:
            yield req
            yield env.timeout(rng.expovariate(service_rate))
        done[0] += 1

    def source(env: simpy.Environment):
        while True:
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(customer(env))

    env.process(source(env))
    env.run(until=duration_s)
    return done[0]


if __name__ == "__main__":
    rate, service, count, duration = sys.argv[1:5]
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    print(served(float(rate), float(service), int(count), float(duration), seed))
