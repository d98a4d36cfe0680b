"""KV cache allocation for a stream of requests: contiguous reservations against paged blocks.

One iteration is one model step (vLLM and Orca schedule per iteration): new
requests are admitted first-come first-served while their memory fits, then
every running sequence appends one token.  Four allocators replay the same
seeded trace, as in the vLLM paper's Figure 2 (Kwon et al., SOSP 2023,
arXiv 2309.06180, sections 3 and 6.1):

* ``max`` -- a contiguous chunk of the model's maximum length (Orca (Max));
* ``pow2`` -- prompt + the output rounded up to a power of two (Orca (Pow2));
* ``oracle`` -- prompt + the exact output length (Orca (Oracle));
* ``paged`` -- blocks of ``block_size`` tokens taken on demand (vLLM).

Contiguous chunks come from a first-fit allocator over one address range, so
holes between chunks are external fragmentation.  Paged sequences map logical
blocks to any free physical block through a block table; blocks carry
reference counts, so the samples of one request share the prompt's blocks
and a shared system prompt's full blocks, and a write into a shared block
copies it first (copy-on-write, section 4.4).  When a paged sequence needs a
block and none is free, the latest-arrived running request is preempted whole
(section 4.5): ``recompute`` drops its blocks and re-reads prompt + generated
tokens when it returns; ``swap`` copies its blocks to CPU memory (bounded by
``swap_blocks``) and brings them back before new requests are admitted.

Memory is counted in token slots at every iteration in which a request is
waiting (memory is the bottleneck): token states, reserved-for-future slots,
internal fragmentation (slots never to be used: past the final length, or the
empty tail of a block) and external fragmentation & others (unallocated).
Every run stops at ``max_iterations`` and says so (``truncated``).
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from inferlab.explainers.paged.allocators import BlockPool, Chunks, next_pow2

POLICIES = ("paged", "max", "pow2", "oracle")
POLICY_NAMES = {"paged": "Paged (vLLM)", "max": "Contiguous, max length (Orca Max)",
                "pow2": "Contiguous, power of 2 (Orca Pow2)", "oracle": "Contiguous, exact length (Orca Oracle)"}
#: Most sequences one iteration runs (vLLM's default max_num_seqs).
MAX_SEQS = 256
#: Most token writes one run performs (generated plus re-read tokens): bounds the time any input can take.
MAX_EVENTS = 150_000


@dataclass(frozen=True)
class Setup:
    """Inputs of one run (token counts are tokens; rates are requests per iteration)."""

    kv_slots: int = 8192
    block_size: int = 16
    max_len: int = 2048
    prompt_mean: float = 200.0
    output_mean: float = 300.0
    n_requests: int = 100
    arrival_rate: float = 0.0
    n_samples: int = 1
    shared_prefix: int = 0
    preemption: str = "recompute"
    swap_blocks: int | None = None
    seed: int = 1
    max_iterations: int = 20000


@dataclass(eq=False)
class Request:
    """One request: a prompt and ``len(outputs)`` samples, each with its final output length."""

    rid: int
    arrival: int
    prompt: int
    outputs: list[int]
    generated: list[int] = field(default_factory=list)
    seqs: list[Seq] = field(default_factory=list)
    swapped: int = 0


@dataclass(eq=False)
class Seq:
    """One sample in memory: its block table (paged) or its chunk (contiguous)."""

    req: Request
    index: int
    length: int
    blocks: list[int] = field(default_factory=list)
    start: int = -1
    span: int = 0
    target: int = 0

    def __post_init__(self) -> None:
        self.target = self.req.prompt + self.req.outputs[self.index]  # final length: prompt + this sample's output


def make_trace(setup: Setup, rng: random.Random, n: int, first_id: int = 0, at: int | None = None) -> list[Request]:
    """*n* requests with exponential prompt and output lengths (means as set), capped by ``max_len``.

    Arrival times are a Poisson process of ``arrival_rate`` per iteration
    (0: all at iteration 0, or all at *at*).
    """
    out, t = [], 0.0
    for i in range(n):
        if setup.arrival_rate > 0 and at is None:
            t += rng.expovariate(setup.arrival_rate)
        user = 1 + int(rng.expovariate(1.0 / max(1.0, setup.prompt_mean - setup.shared_prefix)))
        prompt = min(setup.max_len - 1, setup.shared_prefix + user)
        outputs = [min(setup.max_len - prompt, 1 + int(rng.expovariate(1.0 / setup.output_mean)))
                   for _ in range(setup.n_samples)]
        out.append(Request(first_id + i, int(t) if at is None else at, prompt, outputs))
    return out


class Simulation:
    """One allocator replaying a trace, one iteration per :meth:`step`."""

    def __init__(self, setup: Setup, policy: str, trace: list[Request]) -> None:
        self.s, self.policy = setup, policy
        self.pending = deque(sorted((_fresh(r) for r in trace), key=lambda r: (r.arrival, r.rid)))
        self.waiting: deque[Request] = deque()
        self.swapped: deque[Request] = deque()
        self.running: list[Request] = []
        self.done: list[Request] = []
        self.t = 0
        B = setup.block_size
        self.pool = BlockPool(setup.kv_slots // B, B)
        self.chunks = Chunks(setup.kv_slots)
        self.prefix: list[int] = []
        self.swap_free = (setup.kv_slots // B) if setup.swap_blocks is None else setup.swap_blocks
        self.stats = {k: 0 for k in ("pressure_iterations", "tokens_slots", "reserved_slots", "internal_slots",
                                     "external_slots", "busy_iterations", "batch_sum", "generated", "preemptions",
                                     "recomputed_tokens", "swapped_out_blocks", "cow_copies", "blocks_with_sharing",
                                     "blocks_without_sharing", "busy_tokens_slots", "busy_reserved_slots",
                                     "busy_internal_slots", "busy_external_slots")}
        self.next_id = 1 + max((r.rid for r in trace), default=-1)
        self.events = 0
        self.table_entries = 0  # blocks named by running sequences' tables (shared ones once per sequence)

    # -- bookkeeping ------------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """No request left anywhere."""
        return not (self.pending or self.waiting or self.swapped or self.running)

    @property
    def exhausted(self) -> bool:
        """The iteration or event budget is spent."""
        return self.t >= self.s.max_iterations or self.events >= MAX_EVENTS

    def add(self, requests: list[Request]) -> None:
        """Requests arriving now (a burst)."""
        self.waiting.extend(requests)
        self.next_id = max(self.next_id, 1 + max((r.rid for r in requests), default=-1))

    def seqs(self) -> list[Seq]:
        """Running sequences, oldest request first."""
        return [q for r in self.running for q in r.seqs]

    # -- one iteration ---------------------------------------------------------------------------
    def step(self) -> None:
        """Admit what fits, append one token to every running sequence, retire finished ones, count."""
        while self.pending and self.pending[0].arrival <= self.t:
            self.waiting.append(self.pending.popleft())
        self._admit()
        for r in list(self.running):
            if r not in self.running:
                continue  # preempted by an older request of this iteration
            for q in list(r.seqs):
                if q.length < q.target and not self._append(q):
                    break
        self._retire()
        self._count()
        self.t += 1

    def run(self) -> dict[str, Any]:
        """Step until every request is done or the iteration budget is spent; the summary."""
        while not self.finished and not self.exhausted:
            self.step()
        return self.summary()

    def _admit(self) -> None:
        if self.policy == "paged":
            while self.swapped and self._swap_in(self.swapped[0]):
                self.running.append(self.swapped.popleft())
            if self.swapped:
                return  # no new requests while preempted ones wait in CPU memory (section 4.5)
        while self.waiting and sum(len(r.seqs) for r in self.running) + len(self.waiting[0].outputs) <= MAX_SEQS:
            r = self.waiting[0]
            if not (self._place_paged(r) if self.policy == "paged" else self._place_chunks(r)):
                break
            self.waiting.popleft()
            self.running.append(r)
            self.running.sort(key=lambda x: (x.arrival, x.rid))

    def _reservation(self, r: Request, i: int) -> int:
        if self.policy == "max":
            return self.s.max_len
        if self.policy == "pow2":
            return min(self.s.max_len, r.prompt + next_pow2(r.outputs[i]))
        return r.prompt + r.outputs[i]

    def _place_chunks(self, r: Request) -> bool:
        seqs: list[Seq] = []
        for i in range(len(r.outputs)):
            if r.generated[i] >= r.outputs[i]:
                continue
            span = self._reservation(r, i)
            start = self.chunks.take(span)
            if start is None:
                for q in seqs:
                    self.chunks.release(q.start, q.span)
                return False
            seqs.append(Seq(r, i, r.prompt + r.generated[i], start=start, span=span))
        r.seqs = seqs
        return True

    def _place_paged(self, r: Request) -> bool:
        """Prompt blocks shared by every sample (and a shared system prompt's full blocks by everyone)."""
        pool, B = self.pool, self.s.block_size
        full_prefix = (self.s.shared_prefix // B) * B
        if full_prefix and not self.prefix:
            if len(pool.free) < full_prefix // B:
                return False
            for _ in range(full_prefix // B):
                b = pool.take(-2)  # kept for the service's lifetime, like a shared library (section 4.4)
                assert b is not None
                pool.fill(b, B)
                self.prefix.append(b)
        own = r.prompt - full_prefix
        live = [i for i in range(len(r.outputs)) if r.generated[i] < r.outputs[i]]
        blocks: list[int] = []
        for k in range(math.ceil(own / B)):
            self.events += 1
            b = pool.take(r.rid)
            if b is None:
                for b in blocks:
                    pool.release(b)
                return False
            pool.fill(b, min(B, own - k * B))
            blocks.append(b)
        for b in blocks:
            pool.ref[b] = len(live)
        for b in self.prefix:
            pool.ref[b] += len(live)
        r.seqs = [Seq(r, i, r.prompt, blocks=self.prefix + blocks) for i in live]
        self.table_entries += len(r.seqs) * (len(self.prefix) + len(blocks))
        for q in r.seqs:  # recompute: re-read the tokens generated before the preemption
            while q.length < r.prompt + r.generated[q.index]:
                if not self._write(q):
                    self._free(r)
                    return False
        return True

    def _write(self, q: Seq) -> bool:
        """One more token slot for *q* (copy-on-write on a shared last block); False when no block is free."""
        pool, B = self.pool, self.s.block_size
        self.events += 1
        last = q.blocks[-1] if q.blocks else None
        if last is not None and pool.filled[last] < B:
            if pool.ref[last] > 1:
                b = pool.take(q.req.rid)
                if b is None:
                    return False
                pool.fill(b, pool.filled[last])
                pool.release(last)
                q.blocks[-1] = last = b
                self.stats["cow_copies"] += 1
            pool.fill(last)
        else:
            b = pool.take(q.req.rid)
            if b is None:
                return False
            pool.fill(b)
            q.blocks.append(b)
            self.table_entries += 1
        q.length += 1
        return True

    def _append(self, q: Seq) -> bool:
        """Generate one token for *q*; on a full pool preempt the newest request (maybe *q*'s own)."""
        if self.policy != "paged":
            self.events += 1
            q.length += 1
            q.req.generated[q.index] += 1
            self.stats["generated"] += 1
            return True
        while not self._write(q):
            victim = self.running[-1]
            self._preempt(victim)
            if victim is q.req:
                return False
        q.req.generated[q.index] += 1
        self.stats["generated"] += 1
        return True

    def _preempt(self, r: Request) -> None:
        self.running.remove(r)
        self.stats["preemptions"] += 1
        distinct = {b for q in r.seqs for b in q.blocks if b not in self.prefix}
        if self.s.preemption == "swap" and len(distinct) <= self.swap_free:
            self.swap_free -= len(distinct)
            self.stats["swapped_out_blocks"] += len(distinct)
            r.swapped = len(distinct)
            self._free(r)
            self.swapped.append(r)
            return
        self.stats["recomputed_tokens"] += r.prompt + sum(r.generated)
        self._free(r)
        self.waiting.appendleft(r)

    def _swap_in(self, r: Request) -> bool:
        """Bring a swapped request back: same lengths and sharing, new physical blocks."""
        if not self._place_paged(r):
            return False
        self.swap_free += r.swapped
        r.swapped = 0
        return True

    def _free(self, r: Request) -> None:
        for q in r.seqs:
            if self.policy == "paged":
                self.table_entries -= len(q.blocks)
                for b in q.blocks:
                    self.pool.release(b)
            else:
                self.chunks.release(q.start, q.span)
        r.seqs = []

    def _retire(self) -> None:
        for r in list(self.running):
            for q in [q for q in r.seqs if q.length >= q.target]:
                r.seqs.remove(q)
                if self.policy == "paged":
                    self.table_entries -= len(q.blocks)
                    for b in q.blocks:
                        self.pool.release(b)
                else:
                    self.chunks.release(q.start, q.span)
            if not r.seqs:
                self.running.remove(r)
                self.done.append(r)

    # -- memory accounting ----------------------------------------------------------------------
    def memory(self) -> dict[str, int]:
        """Token slots by use right now: tokens, reserved, internal, external (they add up to kv_slots)."""
        cap = self.s.kv_slots
        if self.policy == "paged":
            pool = self.pool
            tokens = pool.tokens
            internal = pool.used * pool.size - tokens
            return {"tokens": tokens, "reserved": 0, "internal": internal, "external": cap - tokens - internal}
        seqs = self.seqs()
        tokens = sum(q.length for q in seqs)
        reserved = sum(q.target - q.length for q in seqs)
        internal = sum(q.span - q.target for q in seqs)
        return {"tokens": tokens, "reserved": reserved, "internal": internal,
                "external": cap - tokens - reserved - internal}

    def _count(self) -> None:
        st = self.stats
        n = sum(len(r.seqs) for r in self.running)
        if n:
            st["busy_iterations"] += 1
            st["batch_sum"] += n
        if self.policy == "paged" and n:
            st["blocks_with_sharing"] += self.pool.used
            st["blocks_without_sharing"] += self.table_entries
        if n or self.waiting or self.swapped:
            m = self.memory()
            pressure = bool(self.waiting or self.swapped)
            st["pressure_iterations"] += pressure
            for key in ("tokens", "reserved", "internal", "external"):
                if n:
                    st[f"busy_{key}_slots"] += m[key]
                if pressure:
                    st[f"{key}_slots"] += m[key]

    def summary(self) -> dict[str, Any]:
        """Shares of KV memory by use (while requests waited), batch, throughput, preemptions, sharing."""
        st, cap = self.stats, self.s.kv_slots
        pressure = st["pressure_iterations"] > 0
        window = st["pressure_iterations"] if pressure else st["busy_iterations"]
        prefix = "" if pressure else "busy_"
        slots = {k: st[f"{prefix}{k}_slots"] for k in ("tokens", "reserved", "internal", "external")}
        shares = {f"{k}_share": (v / (window * cap) if window else 0.0) for k, v in slots.items()}
        saving = (1 - st["blocks_with_sharing"] / st["blocks_without_sharing"]
                  if st["blocks_without_sharing"] else 0.0)
        return {"policy": self.policy, "iterations": self.t, "completed": len(self.done),
                "requests": len(self.done) + len(self.running) + len(self.waiting) + len(self.swapped)
                + len(self.pending), "truncated": not self.finished,
                **shares, "mean_batch": st["batch_sum"] / st["busy_iterations"] if st["busy_iterations"] else 0.0,
                "tokens_per_iteration": st["generated"] / self.t if self.t else 0.0,
                "generated": st["generated"], "preemptions": st["preemptions"],
                "recomputed_tokens": st["recomputed_tokens"], "swapped_out_blocks": st["swapped_out_blocks"],
                "cow_copies": st["cow_copies"], "sharing_saving": saving,
                "blocks_with_sharing": st["blocks_with_sharing"], "window_iterations": window,
                "window": "while requests waited" if pressure else "while sequences ran",
                **{f"{k}_slots": v for k, v in slots.items()},
                "blocks_without_sharing": st["blocks_without_sharing"]}


def _fresh(r: Request) -> Request:
    return Request(r.rid, r.arrival, r.prompt, list(r.outputs), [0] * len(r.outputs))


def compare(setup: Setup) -> dict[str, dict[str, Any]]:
    """Every allocator on the same seeded trace: policy -> summary."""
    trace = make_trace(setup, random.Random(setup.seed), setup.n_requests)
    return {p: Simulation(setup, p, trace).run() for p in POLICIES}
