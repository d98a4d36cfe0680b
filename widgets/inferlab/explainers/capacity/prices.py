"""Cited prices of one GPU-hour, the default of the capacity solver's ``gpu_hour_usd``.

Prices change monthly and differ by provider, region and commitment: these
are dated list figures to start from, not quotes.  A hardware preset without
a cited price gets no cost unless the reader gives one.
"""

from __future__ import annotations

from typing import NamedTuple

AWS_CAPACITY_BLOCKS = ("AWS, Amazon EC2 Capacity Blocks for ML pricing "
                       "(https://aws.amazon.com/ec2/capacityblocks/pricing/), table valid until 1 January 2025")


class GpuPrice(NamedTuple):
    """US dollars per GPU-hour and where the figure comes from."""

    usd: float
    source: str


#: hardware preset name -> price of one of its GPUs for an hour.
GPU_HOUR = {
    "h100-sxm": GpuPrice(4.916, AWS_CAPACITY_BLOCKS + ": p5.48xlarge (8 x H100), US East (N. Virginia), "
                                "effective accelerator rate $4.916 per hour"),
    "h200": GpuPrice(5.408, AWS_CAPACITY_BLOCKS + ": p5e.48xlarge (8 x H200), US East (Ohio), "
                            "effective accelerator rate $5.408 per hour"),
    "l40s": GpuPrice(1.861, "AWS on-demand g6e.xlarge (1 x L40S), us-east-1, $1.861 per hour, as tabulated by "
                            "Modal, 'How much does it cost to run NVIDIA L40S GPUs in 2025?' (August 2025, "
                            "https://modal.com/blog/nvidia-l40s-price-article)"),
}


def gpu_hour_price(hardware: str) -> GpuPrice | None:
    """The cited price of one GPU-hour of *hardware*, or None when none is cited."""
    return GPU_HOUR.get(hardware)


__all__ = ["GPU_HOUR", "GpuPrice", "gpu_hour_price"]
