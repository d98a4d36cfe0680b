"""The ``disagg`` explainer: prefill and decode on separate pools vs together.

* :mod:`.links` -- the links a KV cache can cross (cited presets);
* :mod:`.simulation` -- a discrete-event simulation of llama-server instances on the llama.cpp step model;
* :mod:`.model` -- configuration, workload, goodput (DistServe's definition) and the pool ratio;
* :mod:`.published` -- DistServe's figure 1, published and through this model;
* :mod:`.widget` -- the inputs, the widget and :func:`~.widget.report`.
"""

from inferlab.explainers.disagg.widget import PARAMS, DisaggWidget, report, transfer

__all__ = ["DisaggWidget", "PARAMS", "report", "transfer"]
