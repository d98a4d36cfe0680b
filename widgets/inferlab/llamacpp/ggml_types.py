"""ggml tensor types: block layouts and the bits per weight they imply.

Every quantized ggml type stores weights in fixed-size blocks: ``block_size``
weights packed into ``type_size`` bytes.  Bits per weight is therefore exactly
``8 * type_size / block_size`` -- no rounded tables.

Source for every block layout below: the ``block_*`` structs and their
``static_assert(sizeof(...))`` lines in ggml/src/ggml-common.h
(github.com/ggml-org/llama.cpp, QK4_0 = QK8_0 = QK4_NL = 32, QK_K = 256,
K_SCALE_SIZE = 12, ggml_half = 2 bytes).  The byte counts are written out as
the sum of the struct members so each can be checked against the header.
"""

from dataclasses import dataclass

from inferlab.inputs import InputError

#: Weights per super-block of the k-quants and i-quants (``QK_K`` in ggml-common.h).
QK_K = 256
#: Weights per block of the legacy quants and IQ4_NL (``QK4_0`` etc. in ggml-common.h).
QK32 = 32
#: Bytes of a ``ggml_half`` (IEEE fp16) scale, ggml-common.h.
HALF = 2
#: Bytes of the packed 6-bit scales of Q4_K/Q5_K (``K_SCALE_SIZE``), ggml-common.h.
K_SCALE_SIZE = 12


@dataclass(frozen=True)
class GgmlType:
    """One ggml tensor storage type.

    ``block_size`` is weights per block, ``type_size`` bytes per block.
    """

    name: str
    block_size: int
    type_size: int
    layout: str

    @property
    def bits_per_weight(self) -> float:
        """Storage cost in bits per weight (exact: 8 * bytes / weights)."""
        return 8.0 * self.type_size / self.block_size

    @property
    def is_quantized(self) -> bool:
        """True for block-quantized types (everything but F32/F16/BF16)."""
        return self.block_size > 1

    def row_bytes(self, n_per_row: int) -> int:
        """Bytes of one row of *n_per_row* weights (``ggml_row_size``).

        Raises InputError when the row is not a whole number of blocks.
        """
        if n_per_row % self.block_size:
            raise InputError("n_per_row", n_per_row, f"a multiple of the {self.name} block size "
                             f"{self.block_size}")
        return n_per_row // self.block_size * self.type_size

    def tensor_bytes(self, ne0: int, n_rows: int) -> int:
        """Bytes of a tensor with rows of *ne0* weights and *n_rows* rows."""
        return self.row_bytes(ne0) * n_rows

    def as_dict(self) -> dict:
        """Plain dict (JSON-able) view."""
        return {
            "name": self.name,
            "block_size": self.block_size,
            "type_size": self.type_size,
            "bits_per_weight": self.bits_per_weight,
            "layout": self.layout,
        }


def _t(name: str, block_size: int, type_size: int, layout: str) -> GgmlType:
    return GgmlType(name, block_size, type_size, layout)


# Block layouts, ggml/src/ggml-common.h (struct members summed, in bytes).
_TYPES = (
    _t("F32", 1, 4, "IEEE float32"),
    _t("F16", 1, 2, "IEEE float16"),
    _t("BF16", 1, 2, "bfloat16"),
    # block_q4_0: d (half) + qs[QK4_0/2]
    _t("Q4_0", QK32, HALF + QK32 // 2, "d:f16 + 32 x 4-bit"),
    # block_q4_1: d, m (2 halves) + qs[QK4_1/2]
    _t("Q4_1", QK32, 2 * HALF + QK32 // 2, "d,m:f16 + 32 x 4-bit"),
    # block_q5_0: d + qh[4] + qs[QK5_0/2]
    _t("Q5_0", QK32, HALF + 4 + QK32 // 2, "d:f16 + 32 x 5-bit"),
    # block_q5_1: d, m + qh[4] + qs[QK5_1/2]
    _t("Q5_1", QK32, 2 * HALF + 4 + QK32 // 2, "d,m:f16 + 32 x 5-bit"),
    # block_q8_0: d + qs[QK8_0] (int8)
    _t("Q8_0", QK32, HALF + QK32, "d:f16 + 32 x int8"),
    # block_q2_K: scales[QK_K/16] + qs[QK_K/4] + d, dmin
    _t("Q2_K", QK_K, QK_K // 16 + QK_K // 4 + 2 * HALF, "super-block 16x16, 2-bit"),
    # block_q3_K: hmask[QK_K/8] + qs[QK_K/4] + scales[12] + d
    _t("Q3_K", QK_K, QK_K // 8 + QK_K // 4 + 12 + HALF, "super-block 16x16, 3-bit"),
    # block_q4_K: d, dmin + scales[K_SCALE_SIZE] + qs[QK_K/2]
    _t("Q4_K", QK_K, 2 * HALF + K_SCALE_SIZE + QK_K // 2, "super-block 8x32, 4-bit"),
    # block_q5_K: d, dmin + scales[K_SCALE_SIZE] + qh[QK_K/8] + qs[QK_K/2]
    _t("Q5_K", QK_K, 2 * HALF + K_SCALE_SIZE + QK_K // 8 + QK_K // 2, "super-block 8x32, 5-bit"),
    # block_q6_K: ql[QK_K/2] + qh[QK_K/4] + scales[QK_K/16] + d
    _t("Q6_K", QK_K, QK_K // 2 + QK_K // 4 + QK_K // 16 + HALF, "super-block 16x16, 6-bit"),
    # block_iq2_xxs: d + qs[QK_K/8] (uint16)
    _t("IQ2_XXS", QK_K, HALF + QK_K // 8 * 2, "E8 lattice, 2-bit"),
    # block_iq2_xs: d + qs[QK_K/8] (uint16) + scales[QK_K/32]
    _t("IQ2_XS", QK_K, HALF + QK_K // 8 * 2 + QK_K // 32, "E8 lattice + scales"),
    # block_iq2_s: d + qs[QK_K/4] + qh[QK_K/32] + scales[QK_K/32]
    _t("IQ2_S", QK_K, HALF + QK_K // 4 + QK_K // 32 + QK_K // 32, "E8 lattice, 2.5-bit"),
    # block_iq3_xxs: d + qs[3*QK_K/8]
    _t("IQ3_XXS", QK_K, HALF + 3 * QK_K // 8, "D4 lattice, 3-bit"),
    # block_iq3_s: d + qs[QK_K/4] + qh[QK_K/32] + signs[QK_K/8] + scales[QK_K/64]
    _t("IQ3_S", QK_K, HALF + QK_K // 4 + QK_K // 32 + QK_K // 8 + QK_K // 64, "D4 lattice + scales"),
    # block_iq1_s: d + qs[QK_K/8] + qh[QK_K/32] (uint16)
    _t("IQ1_S", QK_K, HALF + QK_K // 8 + QK_K // 32 * 2, "1.5-bit grid"),
    # block_iq1_m: qs[QK_K/8] + qh[QK_K/16] + scales[QK_K/32] (scale packed inside)
    _t("IQ1_M", QK_K, QK_K // 8 + QK_K // 16 + QK_K // 32, "1.75-bit grid"),
    # block_iq4_nl: d + qs[QK4_NL/2]
    _t("IQ4_NL", QK32, HALF + QK32 // 2, "non-linear 4-bit, block 32"),
    # block_iq4_xs: d + scales_h (uint16) + scales_l[QK_K/64] + qs[QK_K/2]
    _t("IQ4_XS", QK_K, HALF + 2 + QK_K // 64 + QK_K // 2, "non-linear 4-bit, block 256"),
)

GGML_TYPES: dict[str, GgmlType] = {t.name: t for t in _TYPES}


def ggml_type(name: str) -> GgmlType:
    """Look up a ggml tensor type by name (case-insensitive).

    Raises InputError naming the allowed types.
    """
    key = str(name).upper()
    if key not in GGML_TYPES:
        raise InputError("ggml_type", name, ", ".join(GGML_TYPES))
    return GGML_TYPES[key]


def list_ggml_types() -> list[dict]:
    """Every ggml type as a plain dict, in declaration order."""
    return [t.as_dict() for t in _TYPES]
