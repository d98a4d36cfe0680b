"""The pub/sub queue, with the delivery semantics of an SQS standard queue.

* Workers pull: each idle worker receives the oldest visible message itself.
* A received message is hidden for the visibility timeout.  If it is not
  deleted by then (the worker crashed, or is still busy), it becomes visible
  again and another worker may receive it: delivery is at-least-once, and a
  slow message can be processed twice.
* Each receive increments the message's receive count.  When a message's
  visibility timeout expires after ``max_receives`` receives, it moves to the
  dead-letter queue instead of reappearing (SQS's redrive policy,
  ``maxReceiveCount``; SQS moves it on the next receive attempt, here at the
  expiry, which is the same moment for a queue with idle workers).
* Optionally the backlog is bounded: a publish while ``max_depth`` messages
  are visible is rejected (back-pressure to the gateway; the publisher,
  ``workers.Orchestrator.offer``, checks it, and redeliveries are exempt).
* Completion of any processing of a message deletes it; later completions of
  copies still in flight are counted as duplicates.

Deletes and expiries are lazy: entries stay in the deque / deadline list and
are skipped when reached, so every operation is O(1) amortised.
"""

from __future__ import annotations

import math
from collections import deque
from heapq import heappush
from typing import Callable

from inferlab.pipeline.engine import Engine
from inferlab.pipeline.metrics import Level, Tally

VISIBLE, IN_FLIGHT, DONE, DEAD = 0, 1, 2, 3


class Message:
    """One client request travelling through the pipeline."""

    __slots__ = ("id", "t_arrival", "key", "prompt_tokens", "output_tokens", "service_s",
                 "state", "receives", "visible_since", "deadline", "ready_at", "error")

    def __init__(self, id: int, t_arrival: float, key: int, prompt_tokens: int,
                 output_tokens: int, service_s: float) -> None:
        self.id = id
        self.t_arrival = t_arrival      # when the client sent it (s)
        self.key = key                  # prompt identity (cache key), 1 = most popular
        self.prompt_tokens = prompt_tokens
        self.output_tokens = output_tokens
        self.service_s = service_s      # only with a service-time override
        self.state = VISIBLE
        self.receives = 0
        self.visible_since = 0.0        # when it last became visible (s)
        self.deadline = 0.0             # when the current receive's visibility timeout ends (s)
        self.ready_at = 0.0             # earliest time inference may start (s)
        self.error: str | None = None   # llama-server refused or failed it ("context", "kv_full")


class MessageQueue:
    """SQS-like queue: visibility timeout, redelivery, dead-letter queue, optional max depth."""

    __slots__ = ("engine", "tally", "visible", "depth", "in_flight",
                 "visibility_timeout_s", "max_receives", "max_depth",
                 "_deadlines", "_checker_due", "on_visible", "on_check",
                 "dead_letters", "_check")

    def __init__(self, engine: Engine, tally: Tally, *,
                 visibility_timeout_s: float | None, max_receives: int, max_depth: int | None) -> None:
        self.engine = engine
        self.tally = tally
        self.visible: deque[Message] = deque()
        self.depth = Level()                # visible messages (the backlog)
        self.in_flight = Level()            # received, not yet deleted or expired
        self.visibility_timeout_s = visibility_timeout_s
        self.max_receives = max_receives
        self.max_depth = max_depth
        # Received messages in receive order, so in deadline order (one timeout
        # for all).  A message is received again only after its entry has
        # expired and left, so each in-flight message has exactly one entry;
        # entries of messages deleted since are skipped when reached.
        self._deadlines: deque[Message] = deque()
        self._checker_due = False
        #: Called with the clock when expired receives made messages visible again (the workers pull).
        self.on_visible: Callable[[float], None] = lambda now: None
        #: Called with the clock before deadlines are checked (the workers settle deferred deletes).
        self.on_check: Callable[[float], None] = lambda now: None
        self.dead_letters = 0
        self._check = self._check_deadlines

    # -- publishing -------------------------------------------------------
    def publish(self, msg: Message, now: float) -> None:
        """Make *msg* visible at the back of the backlog (the publisher enforces ``max_depth``)."""
        msg.state = VISIBLE
        msg.visible_since = now
        self.visible.append(msg)
        depth = self.depth  # Level.add, inlined (hot path)
        depth.value += 1
        depth.anchor -= now
        self.tally.queue_entries += 1

    def _leave_visible(self, msg: Message, now: float) -> None:
        since = msg.visible_since
        depth = self.depth
        depth.value -= 1
        depth.anchor += now
        self.tally.wait_s += now - since

    # -- consuming --------------------------------------------------------
    def receive(self, now: float) -> Message | None:
        """The oldest visible message, now hidden and in flight; None if none is visible."""
        visible = self.visible
        while visible:
            msg = visible.popleft()
            if msg.state != VISIBLE:
                continue  # deleted while visible: lazily dropped here
            self._leave_visible(msg, now)
            self._hand_over(msg, now)
            return msg
        return None

    def publish_received(self, msg: Message, now: float) -> None:
        """Publish *msg* and hand it at once to an idle worker (the backlog is empty).

        Same as :meth:`publish` then :meth:`receive` at one instant: one queue
        entry with a zero wait, the depth unchanged.
        """
        self.tally.queue_entries += 1
        self._hand_over(msg, now)

    def _hand_over(self, msg: Message, now: float) -> None:
        """A worker takes *msg*: in flight, hidden until the visibility timeout."""
        msg.state = IN_FLIGHT
        msg.receives += 1
        in_flight = self.in_flight
        in_flight.value += 1
        in_flight.anchor -= now
        vt = self.visibility_timeout_s
        if vt is not None:
            msg.deadline = due = now + vt
            self._deadlines.append(msg)
            if not self._checker_due:
                self._checker_due = True
                eng = self.engine
                heappush(eng.heap, (due, 1, next(eng.counter), self._check, None))

    def delete(self, msg: Message, now: float) -> bool:
        """Finish *msg*; True the first time, False for a message already done or dead."""
        state = msg.state
        if state == IN_FLIGHT:
            in_flight = self.in_flight
            in_flight.value -= 1
            in_flight.anchor += now
        elif state == VISIBLE:
            self._leave_visible(msg, now)  # the deque entry is skipped later
        else:
            return False
        msg.state = DONE
        return True

    # -- visibility timeouts ---------------------------------------------
    def _check_deadlines(self, _: object) -> None:
        """Expire every in-flight receive whose visibility timeout has passed."""
        now = self.engine.now
        self.on_check(now)
        deadlines = self._deadlines
        woke = False
        popleft = deadlines.popleft
        while deadlines:
            msg = popleft()
            if msg.state != IN_FLIGHT:
                continue  # deleted or dead-lettered since: stale
            if msg.deadline > now:
                deadlines.appendleft(msg)  # not due yet: back in front
                break
            self.in_flight.add(now, -1)
            if msg.receives >= self.max_receives:
                msg.state = DEAD
                self.dead_letters += 1
                self.tally.dead_lettered += 1
            else:
                self.tally.redeliveries += 1
                self.publish(msg, now)  # redelivered: max depth does not apply
                woke = True
        if deadlines:
            eng = self.engine
            heappush(eng.heap, (deadlines[0].deadline, 1, next(eng.counter), self._check, None))
        else:
            self._checker_due = False
        if woke:
            self.on_visible(now)

    def waiting_partial_s(self, now: float) -> float:
        """Seconds already waited by the messages visible right now (O(backlog): for summaries, not per request)."""
        return math.fsum([now - msg.visible_since for msg in self.visible if msg.state == VISIBLE])
