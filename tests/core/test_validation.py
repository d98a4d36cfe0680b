"""Shared validators: messages name field, value and what is allowed."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inferlab.validation import check_choice, check_int, check_number


def test_messages():
    with pytest.raises(ValueError, match=r"^ctx: -1; allowed: an integer 1\.\.10$"):
        check_int("ctx", -1, 1, 10)
    with pytest.raises(ValueError, match=r"^x: nan; allowed: a finite number > 0"):
        check_number("x", math.nan, 0, strict_min=True)
    with pytest.raises(ValueError, match=r"^kind: unknown value 'c'; allowed: a, b$"):
        check_choice("kind", "c", ["a", "b"])


@given(st.integers(1, 10))
def test_accepts_in_range(v):
    assert check_int("n", v, 1, 10) == v
    assert check_int("n", float(v), 1, 10) == v


@given(st.one_of(st.booleans(), st.text(), st.none(), st.floats(allow_nan=True)
                 .filter(lambda x: not (math.isfinite(x) and x.is_integer()))))
def test_rejects_non_integers(v):
    with pytest.raises(ValueError, match="^n: "):
        check_int("n", v)
