"""The ``capacity`` explainer: the fleet a daily token volume needs under a p99 latency target.

* :mod:`.model` -- one llama-server under load: the latency distribution from the step model;
* :mod:`.fleet` -- the slot queue over all servers (Erlang C, M/G/c) and the client's latency;
* :mod:`.solve` -- the search for the fewest servers, the slots and the memory;
* :mod:`.prices` -- cited prices of a GPU-hour;
* :mod:`.report` -- every number of the answer, and the sensitivity view;
* :mod:`.widget` -- the inputs, the widget and :func:`~.widget.report`.
"""

from inferlab.explainers.capacity.widget import PARAMS, CapacityWidget, question, report

__all__ = ["CapacityWidget", "PARAMS", "question", "report"]
