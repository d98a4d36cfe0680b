"""The KV cache explainer: bytes per token for MHA/GQA/MQA/MLA and sliding windows, capacity, batch limits.

:mod:`.model` computes, :mod:`.widget` declares the widget (and so the
``python -m inferlab kvcache`` command), :mod:`.published` holds the
published figures the model is checked against.
"""

from inferlab.explainers.kvcache.widget import KvCacheWidget

__all__ = ["KvCacheWidget"]
