"""The event loop: a heap of ``(time, priority, seq, action, arg)`` entries.

Shaped after SimPy's ``core.Environment``: a binary heap ordered by time, then
priority (``URGENT`` before ``NORMAL``), then a monotonically increasing
sequence number from :func:`itertools.count` so that simultaneous events run in
the order they were scheduled and the run is deterministic.  An "event" is a
plain callable plus one argument (no event objects), which keeps the cost of
one event to one tuple, one ``heappush`` and one ``heappop``.

Cancellation is lazy: a handler that may have been superseded carries a token
and ignores itself when the token no longer matches (see the callers).

A component may also keep effects that no event can observe before they are
due in a side list of its own instead of the agenda (``workers.py`` does so
for database-write completions); it registers a hook in ``settle_hooks``,
which :meth:`run` and :meth:`step` call with the clock when they return, so
the state is current whenever control leaves the engine.

Times are in seconds of simulated time.
"""

from __future__ import annotations

import gc
import itertools
from heapq import heappop, heappush
from collections.abc import Callable
from typing import Any

URGENT = 0
NORMAL = 1

Action = Callable[[Any], None]


class Engine:
    """Discrete-event clock and agenda with an event budget per :meth:`run`."""

    __slots__ = ("now", "heap", "counter", "events", "settle_hooks")

    def __init__(self, start: float = 0.0) -> None:
        self.now = float(start)
        #: The agenda; hot paths in the stages push onto it directly.
        self.heap: list[tuple[float, int, int, Action, Any]] = []
        #: Tie-break sequence shared by every scheduler of this engine.
        self.counter = itertools.count()
        #: Events processed so far (over the engine's whole life).
        self.events = 0
        #: Called as ``hook(now)`` when run() or step() returns (see the module docstring).
        self.settle_hooks: list[Callable[[float], None]] = []

    def schedule(self, delay: float, action: Action, arg: Any = None, priority: int = NORMAL) -> None:
        """Run ``action(arg)`` *delay* seconds from now."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        heappush(self.heap, (self.now + delay, priority, next(self.counter), action, arg))

    def schedule_at(self, time: float, action: Action, arg: Any = None, priority: int = NORMAL) -> None:
        """Run ``action(arg)`` at absolute simulated *time* (not in the past)."""
        if time < self.now:
            raise ValueError(f"time {time} is before now ({self.now})")
        heappush(self.heap, (time, priority, next(self.counter), action, arg))

    def peek(self) -> float:
        """Time of the next event, or ``inf`` if the agenda is empty."""
        return self.heap[0][0] if self.heap else float("inf")

    def step(self) -> None:
        """Process exactly one event; ``IndexError`` if there is none."""
        if not self.heap:
            raise IndexError("no scheduled events")
        time, _, _, action, arg = heappop(self.heap)
        self.now = time
        self.events += 1
        action(arg)
        for hook in self.settle_hooks:
            hook(time)

    def run(self, until: float, max_events: int) -> bool:
        """Process events with time <= *until*, at most *max_events* of them.

        Returns ``True`` if the budget ran out first (the clock then stands at
        the last processed event, short of *until*), else ``False`` with the
        clock advanced to *until*.
        """
        if until < self.now:
            raise ValueError(f"until {until} is before now ({self.now})")
        heap = self.heap
        pop = heappop
        max_events = max(0, max_events)
        n = 0
        truncated = False
        # The loop makes no reference cycles (events are tuples of numbers,
        # bound methods and messages, freed by reference counting), so the
        # cyclic collector would find nothing; it is paused meanwhile, as
        # timeit does, which saves it walking the live objects (~3 %).
        collecting = gc.isenabled()
        if collecting:
            gc.disable()
        try:
            for n in range(max_events):  # n: events processed before this one
                try:
                    time, priority, seq, action, arg = pop(heap)
                except IndexError:  # the agenda is empty
                    break
                if time > until:
                    heappush(heap, (time, priority, seq, action, arg))  # not due yet: put it back
                    break
                self.now = time
                action(arg)
            else:
                n = max_events
                truncated = bool(heap) and heap[0][0] <= until
        except BaseException:
            self.events += n + 1  # the failing event counts, as it ran
            raise
        finally:
            if collecting:
                gc.enable()
        self.events += n
        if not truncated:
            self.now = until
        for hook in self.settle_hooks:
            hook(self.now)
        return truncated
