"""The two KV allocators the paged simulator compares: physical blocks with reference counts, and
first-fit contiguous chunks (whose holes are external fragmentation)."""

from __future__ import annotations

from collections import deque


def next_pow2(n: int) -> int:
    """Smallest power of two >= n."""
    return 1 << max(0, n - 1).bit_length()


class BlockPool:
    """Physical KV blocks with reference counts and fill counts (slots written)."""

    def __init__(self, n_blocks: int, block_size: int) -> None:
        self.size = block_size
        self.free: deque[int] = deque(range(n_blocks))
        self.ref = [0] * n_blocks
        self.filled = [0] * n_blocks
        self.owner = [-1] * n_blocks
        self.tokens = 0  # slots written in blocks that are in use

    @property
    def used(self) -> int:
        """Blocks in use."""
        return len(self.ref) - len(self.free)

    def fill(self, b: int, n: int = 1) -> None:
        """Write *n* more token slots into block *b*."""
        self.filled[b] += n
        self.tokens += n

    def take(self, rid: int) -> int | None:
        """A free block, referenced once; None when there is none."""
        if not self.free:
            return None
        b = self.free.popleft()
        self.ref[b], self.filled[b], self.owner[b] = 1, 0, rid
        return b

    def release(self, b: int) -> None:
        """Drop one reference; the block is free again at zero."""
        self.ref[b] -= 1
        if self.ref[b] == 0:
            self.tokens -= self.filled[b]
            self.filled[b], self.owner[b] = 0, -1
            self.free.append(b)


class Chunks:
    """First-fit contiguous allocation over ``[0, capacity)`` slots; holes merge on free."""

    def __init__(self, capacity: int) -> None:
        self.holes: list[list[int]] = [[0, capacity]]  # [start, size], sorted by start

    def take(self, size: int) -> int | None:
        """Start of a chunk of *size* slots (first fit), or None."""
        for hole in self.holes:
            if hole[1] >= size:
                start = hole[0]
                hole[0] += size
                hole[1] -= size
                if hole[1] == 0:
                    self.holes.remove(hole)
                return start
        return None

    def release(self, start: int, size: int) -> None:
        """Return a chunk; neighbouring holes merge."""
        self.holes.append([start, size])
        self.holes.sort()
        merged: list[list[int]] = []
        for h in self.holes:
            if merged and merged[-1][0] + merged[-1][1] == h[0]:
                merged[-1][1] += h[1]
            else:
                merged.append(h)
        self.holes = merged

    def largest_hole(self) -> int:
        """Size of the largest free chunk."""
        return max((h[1] for h in self.holes), default=0)
