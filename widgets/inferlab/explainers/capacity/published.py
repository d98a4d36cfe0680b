"""The check of the capacity solver against the orchestration simulator (placeholder until the check lands)."""
