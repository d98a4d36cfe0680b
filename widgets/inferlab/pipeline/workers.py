"""The orchestrator worker pool: the life of a request from the queue to the database.

An idle worker receives the oldest visible message, then

1. (maybe) crashes: with ``failure_prob`` it dies holding the message, which
   stays invisible until its visibility timeout and is then redelivered; a
   replacement worker starts at once;
2. looks the prompt up in Redis (one round trip, ``cache_latency_s``); a hit
   skips inference (the key's presence is checked when the lookup is sent);
3. on a miss, asks llama.cpp for the completion (waiting for a slot if
   needed) and stores the answer in the cache.  The request is queued for a
   slot when the lookup is sent and starts no earlier than the lookup's
   return, which saves one event per miss at the price of holding a slot for
   one cache round trip (1 ms against slot holds of seconds);
4. writes the result to the database, deletes the message, and pulls the
   next one.

The worker is busy from the receive to the end of the database write.
Scaling down lets busy workers finish; they just do not pull again.

In ``--ideal`` mode (``serve=True``) every stage but the pool is instant and
lossless, so the workers are the c servers of an M/M/c or M/D/c queue: a
worker holds each message for its drawn ``service_s`` and then finishes it
(no crash, cache, llama.cpp or database in between).

Deferred write completions.  A completion (the write is done: the worker is
free, the message deleted, the answer counted) is known in advance, and while
there is no backlog nothing can observe it before the next arrival, visibility
check or return of control from the engine: no idle worker is waiting for
work it might pull.  So while the backlog is empty a completion is not an
event but an entry in ``pending``, and :meth:`Orchestrator.settle` applies the
entries due, each at its own time, before anything that could tell the
difference (an arrival, a deadline check, another completion, any pull, and
the engine's return).  When a backlog forms, the freed workers must pull from
it at their own times, so the pending entries become events then.  The
results are those of one event per completion (the event budget just goes
further).  ``DEFER = False`` turns this off, for the tests that compare.

These methods run for every request, so they are written for CPython's
speed: state read into locals, counters updated inline
(``level.value += 1; level.anchor -= now``, see ``metrics.Level``), handlers
bound once.
"""

from __future__ import annotations

import random
from heapq import heappop, heappush

from inferlab.pipeline.cache import ResponseCache
from inferlab.pipeline.database import Database
from inferlab.pipeline.engine import Engine
from inferlab.pipeline.inference import Inference
from inferlab.pipeline.metrics import Level, Tally
from inferlab.pipeline.pubsub import Message, MessageQueue


class Orchestrator:
    """N workers pulling from *queue*; answers are recorded as the database write ends."""

    __slots__ = ("engine", "tally", "queue", "cache", "inference", "database", "rng", "workers",
                 "failure_prob", "cache_enabled", "cache_latency_s", "busy", "latencies", "pending",
                 "_work", "_submit", "_finish_event", "_served_event", "_heap", "_counter", "_defer")

    #: Keep write completions out of the event agenda while there is no backlog (see the module docstring).
    DEFER = True

    def __init__(self, engine: Engine, tally: Tally, queue: MessageQueue, cache: ResponseCache,
                 inference: Inference, database: Database, rng: random.Random, *, workers: int,
                 failure_prob: float, cache_enabled: bool, cache_latency_s: float, serve: bool = False) -> None:
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
        self.busy = Level()
        self.latencies: list[float] = []       # ms, client send to answer, appended per completion
        #: Deferred completions: a heap of (time, tie-break, message).
        self.pending: list[tuple[float, int, Message]] = []
        # Bound once: each is called or scheduled for every message.
        self._work = self._serve if serve else self._process
        self._submit = inference.submit
        self._finish_event = self._on_written
        self._served_event = self._on_served
        self._heap = engine.heap
        self._counter = engine.counter
        self._defer = self.DEFER
        inference.on_done = self._on_inference_done
        queue.on_visible = self.pull
        queue.on_check = self.settle
        engine.settle_hooks.append(self.settle)

    def record_to(self, latencies: list[float]) -> None:
        """Append each answer's latency (ms, client send to database write done) to *latencies*."""
        self.latencies = latencies

    # -- taking messages --------------------------------------------------------------
    def offer(self, msg: Message, now: float) -> bool:
        """Publish *msg* arriving at *now*; False if the queue rejected it.

        Idle workers always hold the backlog at zero, so a message that finds
        one is received on the spot.
        """
        pending = self.pending
        if pending and pending[0][0] <= now:
            self.settle(now)
        busy = self.busy
        queue = self.queue
        if busy.value < self.workers and queue.depth.value == 0:
            queue.publish_received(msg, now)
            busy.value += 1
            busy.anchor -= now
            self.tally.received += 1
            self._work(msg, now)
            return True
        max_depth = queue.max_depth
        if max_depth is not None and queue.depth.value >= max_depth:
            return False  # the backlog is full: back-pressure to the gateway
        queue.publish(msg, now)
        if pending:
            self._undefer()  # a backlog formed
        return True

    def pull(self, now: float) -> None:
        """Idle workers receive visible messages until one side runs out."""
        queue = self.queue
        pending = self.pending
        if pending:
            if pending[0][0] <= now:
                self.settle(now)
            if queue.depth.value > 0:
                self._undefer()  # a backlog formed (a redelivery)
        busy = self.busy
        depth = queue.depth
        work = self._work
        while depth.value > 0 and busy.value < self.workers:
            msg = queue.receive(now)
            if msg is None:  # pragma: no cover - depth > 0 guarantees a visible message
                break
            busy.value += 1
            busy.anchor -= now
            self.tally.received += 1
            work(msg, now)

    # -- working on one -------------------------------------------------------------------
    def _serve(self, msg: Message, now: float) -> None:
        """--ideal: hold *msg* for its service time, then finish it (see the module docstring)."""
        heappush(self._heap, (now + msg.service_s, 1, next(self._counter), self._served_event, msg))

    def _on_served(self, msg: Message) -> None:
        now = self.engine.now
        self.tally.generated_tokens += msg.output_tokens
        # --ideal writes nothing, so no completion is ever deferred: nothing to settle first.
        self._complete(msg, now)

    def _process(self, msg: Message, now: float) -> None:
        """Steps 1 to 3 of the module docstring for *msg*, received at *now*."""
        if self.failure_prob > 0.0 and self.rng.random() < self.failure_prob:
            self.busy.add(now, -1)
            self.tally.worker_crashes += 1
            return
        msg.ready_at = now
        if not self.cache_enabled:
            self._submit(msg, now)
            return
        tally = self.tally
        lat = self.cache_latency_s
        if self.cache.get(msg.key, now):
            tally.cache_hits += 1
            if lat > 0.0:
                # The write is booked now for when the lookup returns (saves an
                # event per hit; it can only reorder writes issued within one
                # cache round trip of each other, and only on a saturated pool).
                db = self.database
                self._book(db.write(now + lat) if db.latency_s > 0.0 else now + lat, msg)
            else:
                self._write(msg, now)
        else:
            # The completion request joins llama.cpp's slot line now and cannot
            # start before the lookup returns (saves an event per miss; the slot
            # is held for that one round trip).
            tally.cache_misses += 1
            msg.ready_at = now + lat
            self._submit(msg, now)

    def _on_inference_done(self, msg: Message, now: float) -> None:
        if self.cache_enabled and msg.error is None:
            self.cache.put(msg.key, now)  # SET is pipelined with the write: no extra latency
        # an error answer (llama-server refused or failed it) is written like any other result
        self._write(msg, now)

    def _write(self, msg: Message, now: float) -> None:
        db = self.database
        if db.latency_s > 0.0:
            self._book(db.write(now), msg)
        else:
            db.writes += 1
            self.finish(msg, now)

    def _book(self, done: float, msg: Message) -> None:
        """The write of *msg* completes at *done*: defer that while there is no backlog, else schedule it."""
        if self._defer and self.queue.depth.value == 0:
            heappush(self.pending, (done, next(self._counter), msg))
        else:
            heappush(self._heap, (done, 1, next(self._counter), self._finish_event, msg))

    # -- finishing ------------------------------------------------------------------------
    def settle(self, now: float) -> None:
        """Apply the deferred completions due by *now*, in time order, each at its own time."""
        pending = self.pending
        while pending and pending[0][0] <= now:
            done, _, msg = heappop(pending)
            self._complete(msg, done)

    def _undefer(self) -> None:
        """A backlog formed: each deferred completion becomes an event, to pull from it at its own time."""
        heap = self._heap
        event = self._finish_event
        for done, seq, msg in self.pending:
            heappush(heap, (done, 1, seq, event, msg))
        self.pending.clear()

    def _on_written(self, msg: Message) -> None:
        self.finish(msg, self.engine.now)

    def finish(self, msg: Message, now: float) -> None:
        """The result is stored: delete the message (first completion answers the client)."""
        pending = self.pending
        if pending and pending[0][0] <= now:
            self.settle(now)  # earlier completions first
        self._complete(msg, now)

    def _complete(self, msg: Message, now: float) -> None:
        busy = self.busy
        busy.value -= 1
        busy.anchor += now
        queue = self.queue
        tally = self.tally
        if queue.delete(msg, now):
            tally.completed += 1
            tally.served_tokens += msg.output_tokens
            self.latencies.append((now - msg.t_arrival) * 1000.0)
        else:
            tally.duplicates += 1
        if queue.depth.value > 0:
            self.pull(now)

    def set_workers(self, workers: int) -> None:
        """Scale to *workers*; new idle workers pull at once."""
        self.workers = workers
        self.pull(self.engine.now)
