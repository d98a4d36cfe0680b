"""llama.cpp servers: a pool of llama-server instances behind the orchestrator workers.

Each of ``replicas`` servers is the shared llama-server model
(:class:`inferlab.llamacpp.server.Server`): ``slots`` (``-np``) slots, one
unified batch per step holding a token of every generating slot and then
prompt chunks up to ``-b`` tokens, each step timed by the step model of
:mod:`~inferlab.pipeline.speeds`, ``-c`` split over the slots (or one
shared pool), per-slot context limits.  A prompt in the batch therefore
stalls every generating slot of that server for the step: the token gaps
are recorded (``itl``, per generated token) and so is the longest step that
carried a prompt beside generating slots (``stall``).

A worker's request takes a free slot (the next server with one, round
robin: a load balancer that skips full servers); if every slot is taken it
waits in one FIFO line, as llama-server defers tasks until a slot frees.

Interface (what the rest of the pipeline uses):

* ``Inference(engine, tally, replicas=, slots=, speeds=, fixed_service=)`` --
  *fixed_service* makes each request hold its slot for ``msg.service_s``
  instead (``service_dist``);
* :meth:`Inference.submit` ``(msg, now)`` -- a worker asks for the completion
  of ``msg`` (``prompt_tokens``, ``output_tokens``), which may not start
  before ``msg.ready_at``; the request queues for a slot from *now*;
* ``on_done(msg, now)`` -- set by the worker pool; called once per request
  when its last token is out, or when llama-server refused or failed it
  (``msg.error`` set: ``"context"`` or ``"kv_full"``);
* :meth:`Inference.set_speeds` and :meth:`Inference.set_slots` -- live controls;
* read by the meters: ``busy_slots`` (a :class:`~inferlab.pipeline.metrics.Level`
  of slots held), ``waiting`` (requests without a slot), :meth:`Inference.itl_histogram`,
  :meth:`Inference.stall`,
  :meth:`Inference.decoding_per_server`, and the tally's ``prompt_tokens``,
  ``generated_tokens``, ``llm_errors`` and ``truncated``.

Events go on the shared engine (``engine.heap`` with ``engine.counter`` for
tie-breaks), as every stage's do: one pending event per server, at the end
of its running stretch; a superseded one is skipped by its version.
"""

from __future__ import annotations

from collections import deque
from heapq import heappush
from typing import Callable

from inferlab.llamacpp.server import Request, Server
from inferlab.pipeline.engine import Engine
from inferlab.pipeline.metrics import LatencyHistogram, Level, Tally
from inferlab.pipeline.pubsub import Message
from inferlab.pipeline.speeds import Speeds


class Replica(Server):
    """One llama-server of the pool, with the requests the load balancer has sent it."""

    __slots__ = ("assigned",)

    def __init__(self, index: int, speeds: Speeds, slots: int, gaps: dict[float, int]) -> None:
        super().__init__(speeds.timer, slots, speeds.n_batch, gaps=gaps, index=index)
        self.assigned = 0  # requests sent here and not yet done
        configure(self, speeds)


def configure(server: Server, speeds: Speeds) -> None:
    """Give *server* the step model and context of *speeds* (applies to the batches formed from now on)."""
    server.timer = speeds.timer
    server.n_batch = speeds.n_batch
    server.n_ctx_slot = speeds.n_ctx_slot
    server.kv_cells = speeds.n_ctx if speeds.kv_unified else None


class Inference:
    """The pool of llama.cpp servers; calls ``on_done(msg, now)`` as each request finishes."""

    __slots__ = ("engine", "tally", "servers", "slots", "speeds", "service", "waiting", "busy_slots", "on_done",
                 "itl", "_itl_pending", "_next_server", "_run_end", "_service_done")

    def __init__(self, engine: Engine, tally: Tally, *, replicas: int, slots: int, speeds: Speeds,
                 fixed_service: bool = False) -> None:
        self.engine = engine
        self.tally = tally
        self.slots = slots                # per server
        self.speeds = speeds
        self.service = fixed_service      # override: each request takes msg.service_s (s)
        #: Gaps between consecutive tokens (ms), binned; read it through :meth:`itl_histogram`.
        self.itl = LatencyHistogram()
        self._itl_pending: dict[float, int] = {}  # seconds -> tokens, counted by the servers (step times repeat)
        self.servers = [Replica(i, speeds, slots, self._itl_pending) for i in range(replicas)]
        self.waiting: deque[Message] = deque()
        self._next_server = 0
        self.busy_slots = Level()
        self.on_done: Callable[[Message, float], None] = lambda msg, now: None
        self._run_end = self._on_run_end
        self._service_done = self._on_service_done

    # -- admission --------------------------------------------------------
    def submit(self, msg: Message, now: float) -> None:
        """A worker asks for a completion of *msg* at *now* (it may not start before ``msg.ready_at``)."""
        server = self._free_server()
        if server is None:
            self.waiting.append(msg)
        else:
            self._start(server, msg, now)

    def _free_server(self) -> Replica | None:
        """The next server with a free slot, round robin (a load balancer that skips full servers), or None."""
        servers = self.servers
        count = len(servers)
        slots = self.slots
        i = self._next_server
        for _ in range(count):
            server = servers[i]
            i += 1
            if i == count:
                i = 0
            if server.assigned < slots:
                self._next_server = i
                return server
        return None

    def _start(self, server: Replica, msg: Message, now: float) -> None:
        server.assigned += 1
        busy = self.busy_slots
        busy.value += 1
        busy.anchor -= now
        if self.service:
            ready = msg.ready_at if msg.ready_at > now else now
            eng = self.engine
            heappush(eng.heap, (ready + msg.service_s, 1, next(eng.counter), self._service_done, (server, msg)))
            return
        server.add(Request(msg.prompt_tokens, msg.output_tokens, msg.ready_at, msg), now)
        self._sync(server, now)

    def _sync(self, server: Replica, now: float) -> None:
        """After a call into *server*: release the requests that left, arm its next event (a cut stretch ends
        earlier: the superseded event is skipped by its version)."""
        if server.out:
            self._drain(server, now)
        if server.busy and server.armed != server.version:
            server.armed = version = server.version
            eng = self.engine
            heappush(eng.heap, (server.end_time, 1, next(eng.counter), self._run_end, (server, version)))

    def _drain(self, server: Replica, now: float) -> None:
        """Release the requests that left *server* (finishing may queue more: drained too)."""
        while server.out:
            left, server.out = server.out, []
            for r in left:
                self._finished(server, r, now)

    def _on_run_end(self, arg: tuple[Replica, int]) -> None:
        server, version = arg
        if version != server.version:
            return  # superseded: the stretch was cut or re-formed
        now = self.engine.now
        server.end(now)
        server.plan(now)
        self._sync(server, now)

    def _finished(self, server: Replica, r: Request, now: float) -> None:
        tally = self.tally
        tally.prompt_tokens += r.done_prompt
        tally.generated_tokens += r.n_out
        msg = r.payload
        if r.error is not None:
            tally.llm_errors += 1
            msg.error = r.error
        elif r.truncated:
            tally.truncated += 1
        self._release(server, msg, now)

    def _release(self, server: Replica, msg: Message, now: float) -> None:
        server.assigned -= 1
        busy = self.busy_slots
        busy.value -= 1
        busy.anchor += now
        waiting = self.waiting
        if waiting and server.assigned < self.slots:
            self._start(server, waiting.popleft(), now)
        self.on_done(msg, now)

    def _on_service_done(self, arg: tuple[Replica, Message]) -> None:
        """A request with a drawn service time (``service_dist`` without --ideal) is done."""
        server, msg = arg
        self.tally.generated_tokens += msg.output_tokens
        self._release(server, msg, self.engine.now)

    def stall(self, reset: bool = False) -> tuple[float, int, int]:
        """The longest step that read a prompt beside generating slots, over the servers, since the last reset:
        (seconds, prompt tokens in it, slots it stalled)."""
        longest = max((s.stall for s in self.servers), default=(0.0, 0, 0))
        if reset:
            for s in self.servers:
                s.stall = (0.0, 0, 0)
        return longest

    def itl_histogram(self) -> LatencyHistogram:
        """Gaps between consecutive tokens of a request (ms), one count per generated token after the first."""
        pending = self._itl_pending
        if pending:
            itl = self.itl
            for gap, count in pending.items():
                itl.add_count(gap * 1000.0, count)
            pending.clear()
        return self.itl

    # -- controls ---------------------------------------------------------
    def set_speeds(self, speeds: Speeds) -> None:
        """New step model and context from the next step boundary on (batches already formed keep theirs)."""
        now = self.engine.now
        self.speeds = speeds
        for server in self.servers:
            server.cut(now)
            configure(server, speeds)
            self._sync(server, now)

    def set_slots(self, slots: int) -> None:
        """Change ``-np`` on every server; waiting requests take any new slots at once."""
        self.slots = slots
        now = self.engine.now
        for server in self.servers:
            server.slots = slots
            if not server.busy and server.waiting:
                server.plan(now)
                self._sync(server, now)
        while self.waiting:
            free = self._free_server()
            if free is None:
                break
            self._start(free, self.waiting.popleft(), now)

    def decoding_per_server(self) -> list[int]:
        """Slots generating on each server, as of its last step boundary, in server order."""
        return [s.n_dec for s in self.servers]

    def prefilling(self) -> int:
        """Slots reading a prompt, over all servers."""
        return sum(len(s.prefilling) for s in self.servers)
