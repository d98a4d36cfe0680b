"""Input checks shared by the calculator modules.

Every failure is a ``ValueError`` whose message names the field, the value
received and what is allowed, e.g.
``ctx: -5; allowed: an integer 1..8192 (llama-3-8b max context)``.
"""

import math


def check_choice(field: str, value, allowed) -> str:
    """Return *value* if it is one of *allowed* (strings, case as given)."""
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"{field}: unknown value {value!r}; allowed: {', '.join(map(str, allowed))}")
    return value


def check_int(field: str, value, minimum: int | None = None, maximum: int | None = None,
              hint: str = "") -> int:
    """Return *value* as an int if it is a whole number within the bounds.

    Booleans, NaN, infinities and non-integral floats are rejected.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{field}: {value!r}; allowed: {_range(minimum, maximum, 'an integer')}{hint}")
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise ValueError(f"{field}: {value!r}; allowed: {_range(minimum, maximum, 'an integer')}{hint}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{field}: {value!r}; allowed: {_range(minimum, maximum, 'an integer')}{hint}")
    return value


def check_number(field: str, value, minimum: float | None = None, maximum: float | None = None,
                 strict_min: bool = False, hint: str = "") -> float:
    """Return *value* as a float if it is finite and within the bounds.

    With ``strict_min`` the value must be greater than *minimum*.
    """
    what = "a finite number"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{field}: {value!r}; allowed: {_range(minimum, maximum, what, strict_min)}{hint}")
    value = float(value)
    low_bad = minimum is not None and (value <= minimum if strict_min else value < minimum)
    if low_bad or (maximum is not None and value > maximum):
        raise ValueError(f"{field}: {value!r}; allowed: {_range(minimum, maximum, what, strict_min)}{hint}")
    return value


def _range(minimum, maximum, what: str, strict_min: bool = False) -> str:
    if minimum is not None and maximum is not None:
        return f"{what} {'>' if strict_min else ''}{minimum}..{maximum}"
    if minimum is not None:
        return f"{what} {'>' if strict_min else '>='} {minimum}"
    if maximum is not None:
        return f"{what} <= {maximum}"
    return what
