"""Links a KV cache can cross between a prefill and a decode instance: bandwidth per GPU and a fixed cost.

The catalog (:mod:`inferlab.catalog.hardware`) describes GPUs and their
PCIe rates but no interconnects, so the link presets live here, each cited.
Bandwidths are one direction (a KV cache moves one way): NVIDIA quotes NVLink
in both directions added together, network links are quoted per direction.
``latency_ms`` is the fixed cost of one transfer that bandwidth does not
explain (connection, block gathering, signalling).  Splitwise measured it
over InfiniBand; nobody publishes it for an intra-node copy, so the NVLink
and PCIe presets carry none (DistServe copies inside a node with
asynchronous cudaMemcpy, section 5) and the Ethernet presets borrow the
slower InfiniBand figure -- both stated in ``source``.
"""

from __future__ import annotations

from dataclasses import dataclass

from inferlab.inputs import InputError

SPLITWISE = "Patel et al., Splitwise (arXiv 2311.18677) section 6.1"
DISTSERVE = "Zhong et al., DistServe (arXiv 2401.09670)"


@dataclass(frozen=True)
class LinkPreset:
    """A named link: ``gb_per_s`` GB/s (10^9 B/s) one way per GPU (None = the GPU's own PCIe rate)."""

    name: str
    label: str
    gb_per_s: float | None
    latency_ms: float
    source: str


LINKS: dict[str, LinkPreset] = {p.name: p for p in (
    # NVLink 4: 18 links x 50 GB/s = 900 GB/s both directions (H100 SXM datasheet), 450 GB/s each way;
    # NVIDIA's p2pBandwidthLatencyTest reaches ~380 GB/s one way (github.com/NVIDIA/nccl/issues/1264)
    LinkPreset("nvlink-h100", "NVLink 4 (H100 SXM), 450 GB/s each way", 450.0, 0.0,
               "H100 datasheet: 900 GB/s bidirectional; no fixed cost modeled inside a node"),
    # NVLink 3: 600 GB/s both directions between A100 GPUs (DistServe section 3.3), 300 GB/s each way
    LinkPreset("nvlink-a100", "NVLink 3 (A100 SXM), 300 GB/s each way", 300.0, 0.0,
               DISTSERVE + " section 3.3: 600 GB/s between A100s (both directions); no fixed cost modeled"),
    LinkPreset("pcie", "PCIe (the GPU's own rate, from the catalog)", None, 0.0,
               "inferlab.catalog.hardware_presets pcie_gbs (achieved-rate estimates); no fixed cost modeled"),
    # DGX-H100 VMs on Azure: InfiniBand 400 Gb/s per GPU; layer-wise transfers left ~5 ms visible
    LinkPreset("ib-400", "InfiniBand 400 Gb/s (50 GB/s)", 50.0, 5.0,
               SPLITWISE + ": 400 Gb/s per GPU on DGX-H100, ~5 ms non-overlapped per transfer"),
    # DGX-A100 VMs: 200 Gb/s per GPU; ~8 ms visible
    LinkPreset("ib-200", "InfiniBand 200 Gb/s (25 GB/s)", 25.0, 8.0,
               SPLITWISE + ": 200 Gb/s per GPU on DGX-A100, ~8 ms non-overlapped per transfer"),
    LinkPreset("eth-100", "Ethernet 100 Gb/s (12.5 GB/s)", 12.5, 8.0,
               "100 Gb/s line rate; fixed cost borrowed from the 200 Gb/s InfiniBand measurement (" + SPLITWISE + ")"),
    # DistServe's testbed: 25 Gbps between nodes (section 6.1), which is why it keeps transfers on NVLink
    LinkPreset("eth-25", "Ethernet 25 Gb/s (3.1 GB/s), DistServe's cross-node network", 3.125, 8.0,
               DISTSERVE + " section 6.1: 25 Gbps cross-node; fixed cost borrowed from " + SPLITWISE),
)}


def link_names() -> list[str]:
    """Preset names in table order (the ``link`` input's choices)."""
    return list(LINKS)


def link_labels() -> dict[str, str]:
    """Display name of each preset."""
    return {k: v.label for k, v in LINKS.items()}


def link_bytes_per_s(name: str, pcie_gbs: float | None, override_gbps: float | None = None) -> float:
    """Bytes/s one way per GPU of link *name*; *override_gbps* (Gb/s) replaces the preset's rate.

    The ``pcie`` preset needs the GPU's PCIe rate (GB/s, from the hardware
    catalog); InputError names the field when the hardware has none.
    """
    if override_gbps is not None:
        return override_gbps * 1e9 / 8.0
    preset = LINKS[name]
    if preset.gb_per_s is not None:
        return preset.gb_per_s * 1e9
    if not pcie_gbs:
        raise InputError("link", name, "a named link: this hardware has no PCIe rate in the catalog "
                                       "(unified memory)")
    return pcie_gbs * 1e9


__all__ = ["LINKS", "LinkPreset", "link_bytes_per_s", "link_labels", "link_names"]
