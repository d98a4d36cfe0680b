"""Block layouts -> bits per weight, checked against ggml-common.h comments."""

import pytest

from inferlab.llamacpp.ggml_types import GGML_TYPES, ggml_type, list_ggml_types

# "Effectively N bits per weight" / "N bpw" comments next to the structs in ggml-common.h
EXPECTED_BPW = {
    "F32": 32, "F16": 16, "BF16": 16, "Q4_0": 4.5, "Q4_1": 5.0, "Q5_0": 5.5, "Q5_1": 6.0,
    "Q8_0": 8.5, "Q2_K": 2.625, "Q3_K": 3.4375, "Q4_K": 4.5, "Q5_K": 5.5, "Q6_K": 6.5625,
    "IQ2_XXS": 2.0625, "IQ2_XS": 2.3125, "IQ2_S": 2.5625, "IQ3_XXS": 3.0625, "IQ3_S": 3.4375,
    "IQ1_S": 1.5625, "IQ1_M": 1.75, "IQ4_NL": 4.5, "IQ4_XS": 4.25,
}


@pytest.mark.parametrize("name,bpw", sorted(EXPECTED_BPW.items()))
def test_bits_per_weight(name, bpw):
    assert GGML_TYPES[name].bits_per_weight == bpw


def test_all_types_listed():
    assert set(GGML_TYPES) == set(EXPECTED_BPW)
    assert len(list_ggml_types()) == len(GGML_TYPES)


def test_row_bytes():
    assert ggml_type("q4_k").row_bytes(4096) == 16 * 144
    with pytest.raises(ValueError, match="n_per_row"):
        ggml_type("Q4_K").row_bytes(896)
    with pytest.raises(ValueError, match="^ggml_type:"):
        ggml_type("Q7_K")
