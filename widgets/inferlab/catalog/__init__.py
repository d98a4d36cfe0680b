"""Shared, cited reference data: model architectures and hardware datasheets.

Every model that needs a model's shape or a device's memory, bandwidth or
compute asks this package; nothing else keeps its own copy.
"""
