"""The orchestrator worker pool: what one worker does with one message.

An idle worker receives the oldest visible message, then

1. (maybe) crashes: with ``failure_prob`` it dies holding the message, which
   stays invisible until its visibility timeout and is then redelivered; a
   replacement worker starts at once;
2. looks the prompt up in Redis (one round trip, ``cache_latency_s``); a hit
   skips inference;
3. on a miss, asks llama.cpp for the completion (waiting for a slot if
   needed) and stores the answer in the cache;
4. writes the result to the database, deletes the message, and pulls the
   next one.

The worker is busy from the receive to the end of the database write.
Scaling down lets busy workers finish; they just do not pull again.
"""

from __future__ import annotations

import random
from heapq import heappush
from typing import Callable

from inferlab.pipeline.cache import ResponseCache
from inferlab.pipeline.database import Database
from inferlab.pipeline.engine import Engine
from inferlab.pipeline.inference import Inference
from inferlab.pipeline.metrics import Level, Tally
from inferlab.pipeline.pubsub import Message, MessageQueue


class Orchestrator:
    """N workers pulling from *queue*; calls ``on_finish(msg, now)`` after each database write."""

    __slots__ = ("engine", "tally", "queue", "cache", "inference", "database", "rng", "workers",
                 "failure_prob", "cache_enabled", "cache_latency_s", "busy", "on_finish",
                 "_after_hit", "_after_miss", "_finish_event")

    def __init__(self, engine: Engine, tally: Tally, queue: MessageQueue, cache: ResponseCache,
                 inference: Inference, database: Database, rng: random.Random, *, workers: int,
                 failure_prob: float, cache_enabled: bool, cache_latency_s: float) -> None:
        self.engine = engine
        self.tally = tally
        self.queue = queue
        self.cache = cache
        self.inference = inference
        self.database = database
        self.rng = rng
        self.workers = workers
        self.failure_prob = failure_prob
        self.cache_enabled = cache_enabled
        self.cache_latency_s = cache_latency_s
        self.busy = Level(engine.now)
        self.on_finish: Callable[[Message, float], None] = lambda msg, now: None
        self._after_hit = self._on_hit_lookup
        self._after_miss = self._on_miss_lookup
        self._finish_event = self._on_written
        inference.on_done = self._on_inference_done
        queue.on_visible = self.pull

    def pull(self, now: float) -> None:
        """Idle workers receive visible messages until one side runs out."""
        queue = self.queue
        busy = self.busy
        tally = self.tally
        while busy.value < self.workers and queue.depth.value > 0:
            msg = queue.receive(now)
            if msg is None:  # pragma: no cover - depth > 0 guarantees a visible message
                break
            busy.add(now, 1)
            tally.received += 1
            self._process(msg, now)

    def _process(self, msg: Message, now: float) -> None:
        if self.failure_prob > 0.0 and self.rng.random() < self.failure_prob:
            self.busy.add(now, -1)
            self.tally.worker_crashes += 1
            return
        if not self.cache_enabled:
            self.inference.submit(msg, now)
            return
        tally = self.tally
        lat = self.cache_latency_s
        if self.cache.get(msg.key, now):
            tally.cache_hits += 1
            if lat > 0.0:
                eng = self.engine
                heappush(eng.heap, (now + lat, 1, next(eng.counter), self._after_hit, msg))
            else:
                self._write(msg, now)
        else:
            tally.cache_misses += 1
            if lat > 0.0:
                eng = self.engine
                heappush(eng.heap, (now + lat, 1, next(eng.counter), self._after_miss, msg))
            else:
                self.inference.submit(msg, now)

    def _on_hit_lookup(self, msg: Message) -> None:
        self._write(msg, self.engine.now)

    def _on_miss_lookup(self, msg: Message) -> None:
        self.inference.submit(msg, self.engine.now)

    def _on_inference_done(self, msg: Message, now: float) -> None:
        if self.cache_enabled:
            self.cache.put(msg.key, now)  # SET is pipelined with the write: no extra latency
        self._write(msg, now)

    def _write(self, msg: Message, now: float) -> None:
        db = self.database
        if db.latency_s > 0.0:
            eng = self.engine
            heappush(eng.heap, (db.write(now), 1, next(eng.counter), self._finish_event, msg))
        else:
            db.writes += 1
            self._finish(msg, now)

    def _on_written(self, msg: Message) -> None:
        self._finish(msg, self.engine.now)

    def _finish(self, msg: Message, now: float) -> None:
        self.tally.db_writes += 1
        self.busy.add(now, -1)
        self.on_finish(msg, now)
        self.pull(now)

    def set_workers(self, workers: int) -> None:
        """Scale to *workers*; new idle workers pull at once."""
        self.workers = workers
        self.pull(self.engine.now)
