"""The PagedAttention explainer: a seeded simulator of KV allocation (:mod:`.model`, :mod:`.allocators`)
and its animated block-table widget (:mod:`.widget`)."""

from inferlab.explainers.paged.widget import PagedWidget

__all__ = ["PagedWidget"]
