"""Fused per-request handlers: the stage methods' call chains, inlined.

A request crosses a dozen small methods in the stage modules (gateway,
pub/sub, workers, cache, inference, database).  In CPython each call and
each ``self.x.y`` lookup costs more than the arithmetic it wraps, so the
three handlers that every request passes through are written here once
more as straight-line code:

* :meth:`FullPath.arrival` -- ``ArrivalProcess._on_event`` -> ``Simulation._on_arrival`` -> ``Orchestrator.offer``
  -> ``MessageQueue.publish_received`` -> ``Orchestrator._process`` ->
  ``ResponseCache.get`` -> ``Database.write`` or ``Inference.submit`` /
  ``_free_server`` / ``_start``;
* :meth:`FullPath.decode_timer` -- ``Inference._on_decode_timer`` -> ``_advance``, ``_release``
  -> ``Orchestrator._on_inference_done`` -> ``ResponseCache.put`` ->
  ``Orchestrator._write`` -> ``Database.write``, ``_arm`` -> ``_next_finish``;
* :meth:`FullPath.settle` -- ``Orchestrator.settle`` -> ``_complete`` ->
  ``MessageQueue.delete`` (deferred write completions, see ``workers.py``);

and, for ``--ideal`` (the M/M/c benchmark), :meth:`IdealPath.arrival` and
:meth:`IdealPath.done`.

They are exact inlinings: the same state changes in the same order and the
same events pushed with the same times and tie-break numbers, so a run gives
bit-identical results with or without them (``tests/core/test_pipeline_hotpath.py``
runs both ways and compares).  Anything off the common path (a worker crash,
a backlog, a full slot line, zero latencies) calls the stage method.  The
stage modules remain the reference: change them first, then mirror the
change here.
"""

from __future__ import annotations

from heapq import heappop, heappush, heapreplace
from math import log as _log, pi as _pi, sin as _sin
from typing import TYPE_CHECKING

from inferlab.pipeline.pubsub import DONE, IN_FLIGHT, VISIBLE, Message
from inferlab.pipeline.random_streams import QUANTILE_POINTS

if TYPE_CHECKING:  # pragma: no cover
    from inferlab.pipeline.inference import Server
    from inferlab.pipeline.simulation import Simulation

_INF = float("inf")
_new = object.__new__
_TWO_PI = 2.0 * _pi


class _FusedHandlers:
    """The engine and stage state that both sets of fused handlers read on every event."""

    __slots__ = ("engine", "heap", "counter", "tally", "queue", "depth", "in_flight", "workers", "busy",
                 "arrivals", "_arrival")

    def __init__(self, sim: Simulation) -> None:
        self.engine = eng = sim.engine
        self.heap = eng.heap
        self.counter = eng.counter
        self.tally = sim.tally
        self.queue = q = sim.queue
        self.depth = q.depth
        self.in_flight = q.in_flight
        self.workers = w = sim.workers
        self.busy = w.busy
        self.arrivals = sim.arrivals
        self._arrival = self.arrival

    def arrival(self, token: int) -> None:  # pragma: no cover - each subclass defines its own
        raise NotImplementedError

    def _next_arrival(self, token: int) -> float | None:
        """``ArrivalProcess._on_event``: schedule the next candidate; the time now if this one is a request.

        None when the event was superseded by a rate change or thinned out by
        the diurnal pattern.
        """
        arr = self.arrivals
        if token != arr._token:
            return None  # superseded by a rate change
        now = self.engine.now
        rand = arr._random
        if arr._thin:
            a = arr.amplitude
            accept = rand() * (1.0 + a) < 1.0 + a * _sin(_TWO_PI * now / arr.period_s)
        else:
            accept = True
        arr._unit_left = left = -_log(1.0 - rand())  # expovariate(1), inlined
        arr._t_sched = now
        heappush(self.heap, (now + left / arr._rate, 1, next(self.counter), self._arrival, token))
        return now if accept else None


class FullPath(_FusedHandlers):
    """The fused handlers of the full pipeline (inference by slots, not a fixed service time)."""

    __slots__ = ("cache", "entries", "inference", "busy_slots", "servers", "database", "gateway",
                 "zipf", "zipf_rand", "zipf_consts", "prompt", "prompt_rand", "prompt_cells", "prompt_at",
                 "output", "output_rand", "output_cells", "output_at", "pending", "_written", "_timer")

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        w = sim.workers
        self.cache = c = sim.cache
        self.entries = c.entries
        self.inference = inf = sim.inference
        self.busy_slots = inf.busy_slots
        self.servers = inf.servers
        self.database = sim.database
        self.gateway = sim.gateway
        zipf, prompt, output = sim._zipf, sim._prompt, sim._output
        self.zipf = zipf.sample
        self.zipf_rand = zipf._rand
        closed_form = abs(zipf._one_minus_s) > 1e-6  # as in ZipfSampler.sample
        self.zipf_consts = (zipf._h_n, zipf._span, zipf._one_minus_s, zipf._inv, zipf._squeeze, zipf.n,
                            -zipf.s) if closed_form else None
        self.prompt = prompt.sample
        self.prompt_rand = prompt._random
        self.prompt_cells = prompt._cells  # empty for a fixed count: then call sample()
        self.prompt_at = prompt.at
        self.output = output.sample
        self.output_rand = output._random
        self.output_cells = output._cells
        self.output_at = output.at
        self.pending = w.pending
        self._written = w._finish_event
        self._timer = self.decode_timer

    def install(self, sim: Simulation) -> None:
        """Route the arrival, decode-timer and write-done events of *sim* through this object."""
        sim.arrivals.replace_handler(self._arrival)
        sim.inference._decode_timer = self._timer
        sim.workers._settle = self.settle

    # -- a request arrives (leaves the gateway) ---------------------------------------
    def arrival(self, token: int) -> None:
        now = self._next_arrival(token)
        if now is None:
            return
        # Simulation._on_arrival
        tally = self.tally
        tally.arrivals += 1
        # Draw every attribute up front (see Simulation._on_arrival); no service
        # time draw: this path only runs without a service-time override.
        if self.zipf_consts is not None:
            # ZipfSampler.sample's first try; on a rejection the sampler draws
            # afresh, as its own loop would.
            h_n, span, one_minus_s, inv, squeeze, n, neg_s = self.zipf_consts
            u = h_n + self.zipf_rand() * span
            t = 1.0 + u * one_minus_s
            x = t ** inv if t > 0.0 else 0.0
            key = int(x + 0.5)
            if key < 1:
                key = 1
            elif key > n:
                key = n
            if key - x > squeeze and u < ((key + 0.5) ** one_minus_s - 1.0) * inv - key ** neg_s:
                key = self.zipf()
        else:
            key = self.zipf()
        # TokenCount.sample, twice
        if self.prompt_cells:
            u = self.prompt_rand() * QUANTILE_POINTS
            prompt = self.prompt_cells[int(u)] or self.prompt_at(u)
        else:
            prompt = self.prompt()
        if self.output_cells:
            u = self.output_rand() * QUANTILE_POINTS
            output = self.output_cells[int(u)] or self.output_at(u)
        else:
            output = self.output()
        gateway = self.gateway
        if gateway.rate_rps is not None and not gateway.admit(now):
            tally.rate_limited += 1
            return
        workers = self.workers
        pending = self.pending
        if pending and pending[0][0] <= now:
            self.settle(now)  # Orchestrator.offer settles first
        busy = self.busy
        if busy.value >= workers.workers or self.depth.value != 0 or workers.failure_prob > 0.0:
            # A backlog, no idle worker, or crashes to draw: the general path.
            msg = Message(tally.arrivals, now - gateway.latency_s, key, prompt, output, 0.0)
            if not workers.offer(msg, now):
                tally.rejected_full += 1
            return
        # Message(...) without the __init__ call, born in flight (MessageQueue.publish_received).
        msg = _new(Message)
        msg.id = tally.arrivals
        msg.t_arrival = now - gateway.latency_s
        msg.key = key
        msg.prompt_tokens = prompt
        msg.output_tokens = output
        msg.service_s = 0.0
        msg.state = IN_FLIGHT
        msg.receives = 1
        msg.visible_since = 0.0
        msg.deadline = 0.0
        msg.ready_at = now
        tally.queue_entries += 1
        queue = self.queue
        in_flight = self.in_flight
        in_flight.value += 1
        in_flight.anchor -= now
        vt = queue.visibility_timeout_s
        if vt is not None:
            msg.deadline = due = now + vt
            queue._deadlines.append(msg)
            if not queue._checker_due:
                queue._checker_due = True
                heappush(self.heap, (due, 1, next(self.counter), queue._check, None))
        busy.value += 1
        busy.anchor -= now
        tally.received += 1
        # Orchestrator._process (no crash: failure_prob is 0; msg.ready_at is now)
        if not workers.cache_enabled:
            self.inference.submit(msg, now)
            return
        lat = workers.cache_latency_s
        # ResponseCache.get
        cache = self.cache
        entries = self.entries
        expiry = entries.get(key)
        if expiry is not None:
            if expiry > now:
                entries.move_to_end(key)
                cache.hits += 1
                tally.cache_hits += 1
                if lat > 0.0:
                    db = self.database
                    if db.latency_s > 0.0:
                        # Database.write(now + lat)
                        free_at = db._free_at
                        start = free_at[0]
                        issue = now + lat
                        if start < issue:
                            start = issue
                        done = start + db.latency_s
                        heapreplace(free_at, done)
                        db.writes += 1
                    else:
                        done = now + lat
                    # Orchestrator._book (no backlog here: deferred unless DEFER is off)
                    if workers._defer:
                        heappush(pending, (done, next(self.counter), msg))
                    else:
                        heappush(self.heap, (done, 1, next(self.counter), self._written, msg))
                else:
                    workers._write(msg, now)
                return
            del entries[key]
            cache.expirations += 1
        cache.misses += 1
        tally.cache_misses += 1
        ready = msg.ready_at = now + lat
        # Inference.submit -> _free_server -> _start
        inf = self.inference
        servers = self.servers
        i = inf._next_server
        server = servers[i]
        if server.busy < inf.slots:  # the next server in turn has a free slot (else: _free_server)
            i += 1
            inf._next_server = 0 if i == len(servers) else i
        else:
            server = inf._free_server()
            if server is None:
                inf.waiting.append(msg)
                return
        server.busy += 1
        busy_slots = self.busy_slots
        busy_slots.value += 1
        busy_slots.anchor -= now
        start = server.prefill_free_at  # (ready = now + lat is never before now)
        if start < ready:
            start = ready
        done = start + prompt / inf.prefill_tps
        server.prefill_free_at = done
        tally.prompt_tokens += prompt
        server.joins.append((done, msg))
        if done + output * inf.min_decode_s < server.timer_at and not server.in_timer:
            inf._arm(server)

    # -- a server's decode timer ----------------------------------------------------
    def decode_timer(self, server: Server) -> None:
        now = self.engine.now
        if now != server.timer_at:
            return  # superseded
        inf = self.inference
        speeds = inf.speeds
        heap = server.heap
        # Inference._advance
        joins = server.joins
        v, n, t = server.v, server.n, server.t_last
        while joins and joins[0][0] <= now:
            tj, msg = joins.popleft()
            if n:
                v += speeds[n] * (tj - t)
            t = tj
            n += 1
            inf._seq += 1
            heappush(heap, (v + msg.output_tokens, inf._seq, msg))
        if n:
            v += speeds[n] * (now - t)
        server.v, server.n, server.t_last = v, n, now
        limit = v + 1e-9 * (1.0 + v)
        server.timer_at = _INF
        server.in_timer = True
        if heap and heap[0][0] <= limit:
            tally = self.tally
            busy_slots = self.busy_slots
            waiting = inf.waiting
            workers = self.workers
            cache = self.cache
            entries = self.entries
            db = self.database
            eng_heap = self.heap
            counter = self.counter
            written = self._written
            pending = self.pending
            depth = self.depth
            defer = workers._defer
            # Popping and releasing one at a time equals popping all first:
            # a release touches the server heap only through _start, which
            # appends to the joins while in_timer holds.
            while heap and heap[0][0] <= limit:
                msg = heappop(heap)[2]
                server.n -= 1
                tally.generated_tokens += msg.output_tokens
                # Inference._release
                server.busy -= 1
                busy_slots.value -= 1
                busy_slots.anchor += now
                if waiting and server.busy < inf.slots:
                    inf._start(server, waiting.popleft(), now)
                # Orchestrator._on_inference_done -> ResponseCache.put
                if workers.cache_enabled and cache.capacity > 0:
                    ttl = cache.ttl_s
                    key = msg.key
                    entries[key] = now + ttl if ttl is not None else _INF
                    entries.move_to_end(key)
                    if len(entries) > cache.capacity:
                        entries.popitem(last=False)
                        cache.evictions += 1
                # Orchestrator._write -> Database.write
                if db.latency_s > 0.0:
                    free_at = db._free_at
                    start = free_at[0]
                    if start < now:
                        start = now
                    done = start + db.latency_s
                    heapreplace(free_at, done)
                    db.writes += 1
                    # Orchestrator._book
                    if defer and depth.value == 0:
                        heappush(pending, (done, next(counter), msg))
                    else:
                        heappush(eng_heap, (done, 1, next(counter), written, msg))
                else:
                    db.writes += 1
                    workers.finish(msg, now)
        server.in_timer = False
        # Inference._arm -> _next_finish (the timer is unset: any finite time is a new one)
        speeds = inf.speeds
        v, n, t = server.v, server.n, now
        head = heap[0][0] if heap else _INF
        at = _INF
        if joins:
            for tj, msg in joins:
                if n and head - v <= speeds[n] * (tj - t):
                    at = t + (head - v) / speeds[n]
                    break
                if n:
                    v += speeds[n] * (tj - t)
                t = tj
                n += 1
                joined = v + msg.output_tokens
                if joined < head:
                    head = joined
            else:
                at = t + (head - v) / speeds[n]  # a join makes head finite
        elif head != _INF:
            at = t + (head - v) / speeds[n]
        if at < _INF:
            server.timer_at = at
            heappush(self.heap, (at, 1, next(self.counter), self._timer, server))

    # -- deferred write completions ---------------------------------------------------
    def settle(self, now: float) -> None:
        """Apply the deferred completions due by *now*, each at its own time (see ``workers.py``)."""
        pending = self.pending
        busy = self.busy
        tally = self.tally
        in_flight = self.in_flight
        latencies = self.workers.latencies
        while pending and pending[0][0] <= now:
            done, _, msg = heappop(pending)
            # Orchestrator._complete -> MessageQueue.delete
            busy.value -= 1
            busy.anchor += done
            state = msg.state
            if state == IN_FLIGHT:
                in_flight.value -= 1
                in_flight.anchor += done
                msg.state = DONE
                tally.completed += 1
                tally.served_tokens += msg.output_tokens
                latencies.append((done - msg.t_arrival) * 1000.0)
            elif state == VISIBLE:  # pragma: no cover - a visible message means a backlog: nothing is deferred
                self.queue._leave_visible(msg, done)
                msg.state = DONE
                tally.completed += 1
                tally.served_tokens += msg.output_tokens
                latencies.append((done - msg.t_arrival) * 1000.0)
            else:
                tally.duplicates += 1
            if self.depth.value > 0:  # pragma: no cover - as above
                self.workers.pull(done)


class IdealPath(_FusedHandlers):
    """The fused handlers of ``--ideal`` mode, a plain M/M/c or M/D/c queue (the benchmark path).

    Ideal mode never has a rate limit, gateway latency, cache, worker
    failures, visibility timeout or slot limit (``set_controls`` leaves those
    alone), so the request's path reduces to the lines here.
    """

    __slots__ = ("busy_slots", "service_mean_s", "service_exp", "service_random", "_done")

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.busy_slots = sim.inference.busy_slots
        self.service_mean_s = sim._service_mean_s
        self.service_exp = sim._service_exp
        self.service_random = sim._service_random
        self._done = self.done

    def install(self, sim: Simulation) -> None:
        """Route the arrival and service-done events of *sim* through this object."""
        sim.arrivals.replace_handler(self._arrival)
        sim.inference._unlimited_done = self._done

    def arrival(self, token: int) -> None:
        """``ArrivalProcess._on_event`` -> ``Simulation._on_arrival`` -> ``Orchestrator.offer``
        -> ``_process`` -> ``Inference.submit``."""
        now = self._next_arrival(token)
        if now is None:
            return
        tally = self.tally
        tally.arrivals += 1
        service = self.service_mean_s
        if self.service_exp:
            service *= -_log(1.0 - self.service_random())  # expovariate, inlined
        msg = Message(tally.arrivals, now, 1, 1, 1, service)
        workers = self.workers
        busy = self.busy
        queue = self.queue
        if busy.value < workers.workers and self.depth.value == 0:
            # MessageQueue.publish_received (no visibility timeout in ideal mode)
            tally.queue_entries += 1
            msg.state = IN_FLIGHT
            msg.receives = 1
            in_flight = self.in_flight
            in_flight.value += 1
            in_flight.anchor -= now
            busy.value += 1
            busy.anchor -= now
            tally.received += 1
            msg.ready_at = now
            slots = self.busy_slots
            slots.value += 1
            slots.anchor -= now
            heappush(self.heap, (now + service, 1, next(self.counter), self._done, msg))
        elif not queue.publish(msg, now):
            tally.rejected_full += 1

    def done(self, msg: Message) -> None:
        """``Inference._on_unlimited_done`` -> ``Orchestrator.finish`` -> ``MessageQueue.delete``,
        then ``pull`` -> ``_process`` -> ``Inference.submit`` for the backlog."""
        now = self.engine.now
        tally = self.tally
        tally.generated_tokens += msg.output_tokens
        slots = self.busy_slots
        slots.value -= 1
        slots.anchor += now
        busy = self.busy
        busy.value -= 1
        busy.anchor += now
        queue = self.queue
        if msg.state == IN_FLIGHT:
            in_flight = self.in_flight
            in_flight.value -= 1
            in_flight.anchor += now
            msg.state = DONE
            first = True
        else:
            first = queue.delete(msg, now)
        workers = self.workers
        if first:
            tally.completed += 1
            tally.served_tokens += msg.output_tokens
            workers.latencies.append((now - msg.t_arrival) * 1000.0)
        else:
            tally.duplicates += 1
        depth = self.depth
        if depth.value > 0:
            heap = self.heap
            counter = self.counter
            receive = queue.receive
            done = self._done
            while busy.value < workers.workers and depth.value > 0:
                msg = receive(now)
                if msg is None:  # pragma: no cover - depth > 0 guarantees a visible message
                    break
                busy.value += 1
                busy.anchor -= now
                tally.received += 1
                msg.ready_at = now
                slots.value += 1
                slots.anchor -= now
                heappush(heap, (now + msg.service_s, 1, next(counter), done, msg))
