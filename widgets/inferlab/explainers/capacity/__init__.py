"""capacity (work in progress)."""
