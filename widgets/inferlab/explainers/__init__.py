"""The explainers: one module each, model and widget together.

Every module here is imported by :func:`inferlab.ui.registry.discover`; a
:class:`~inferlab.ui.widget.Widget` subclass defined in it (with a ``name``)
becomes a ``widget`` block, a live widget and a ``python -m inferlab``
subcommand, with no edit anywhere else.
"""
