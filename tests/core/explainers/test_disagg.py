"""inferlab.explainers.disagg: the simulator against closed forms and brute force, DistServe's figure 1, where
disaggregation wins and loses, the transfer arithmetic, bad input and the CLI.

Published figures used here (each checked against the source text):
* DistServe, Zhong et al., OSDI 2024 (arXiv 2401.09670), section 1 / figure 1: a 13B model on one 80 GB A100,
  512-token prompts, 64-token outputs; co-located goodput 1.6 rps per GPU, a prefill-only GPU 5.6 rps, a
  decode-only GPU 10 rps, 2P1D 3.3 rps per GPU = 2.1x.  SLOs P90 TTFT 0.4 s / TPOT 0.04 s from the authors'
  blog (hao-ai-lab.github.io/blogs/distserve).  Section 3.1, eq. 1: a prefill instance serving uniform prompts
  one at a time is an M/D/1 queue, mean TTFT = D + R D^2 / (2 (1 - R D)).
* Splitwise, Patel et al., ISCA 2024 (arXiv 2311.18677) section 4.3: layer-wise transfer overlaps the KV
  cache with the prefill; what remains visible is what outlasts it.
"""

from __future__ import annotations

import json
import math

import pytest

from inferlab.cli import main
from inferlab.explainers.disagg import model as m
from inferlab.explainers.disagg.links import LINKS, link_bytes_per_s
from inferlab.explainers.disagg.published import FIGURE1_PUBLISHED, figure1
from inferlab.explainers.disagg.simulation import Cluster, Link, simulate
from inferlab.explainers.disagg.widget import PARAMS, DisaggWidget, report, transfer
from inferlab.inputs import InputError
from inferlab.llamacpp.calculator import kv_cache_report
from inferlab.pipeline.theory import md1_mean_wait

BASE = PARAMS.parse({})


def values(**kw):
    return PARAMS.parse(kw, base=BASE)


def gain(**kw) -> float:
    r = report(values(**kw))
    return r["goodput_gain"]


# -- the step model under the simulator ------------------------------------------------------------
def test_kv_bytes_per_token_is_the_llamacpp_figure() -> None:
    st = m.setup(BASE)
    # 2 (K and V) x 40 layers x 5120 (40 heads x 128) x 2 bytes = 800 KiB: OPT-13B's and Llama 2 13B's
    assert st.kv_bytes_per_token == 2 * 40 * 5120 * 2 == kv_cache_report(model="llama-2-13b")["kv_cache_bytes_per_token"]


def test_an_unloaded_request_takes_exactly_the_step_model_times() -> None:
    """Brute force: TTFT is the prompt's step, TPOT the mean of the decode steps at growing depth."""
    prompt, output = 1000, 20
    sm = m.setup(BASE).sm
    # llama-server reads the whole 1000-token prompt in one llama_decode call (n_batch 2048)
    ttft = sm.step_seconds(prompt_chunks=[(prompt, 0)], outputs=1)
    steps = [sm.step_seconds([prompt + k]) for k in range(output - 1)]
    for affine in (True, False):
        # requests 1000 s apart never meet
        out = simulate(Cluster(0, 1, 4, 2048, 1, 819200.0, None, affine), sm,
                       [(1000.0 * i, prompt, output) for i in range(20)], 1.0)
        for a, b, gap in zip(out["ttft"], out["tpot"], out["gap"]):
            assert a == pytest.approx(ttft, rel=1e-12)
            assert b == pytest.approx(sum(steps) / (output - 1), rel=1e-12)
            assert gap == pytest.approx(max(steps), rel=1e-12)


def test_decode_stretches_equal_step_by_step_simulation() -> None:
    """The arithmetic-series shortcut (affine step model) against one event per step, under load."""
    st = m.setup(BASE)
    wl = m.workload(values(spread="exponential", requests=300, seed=4))
    for prefill in (0, 1):
        link = m.link(BASE, st) if prefill else None
        fast = simulate(Cluster(prefill, 2, st.slots, 2048, 1, st.kv_bytes_per_token, link, True), st.sm, wl, 1.5)
        slow = simulate(Cluster(prefill, 2, st.slots, 2048, 1, st.kv_bytes_per_token, link, False), st.sm, wl, 1.5)
        assert slow["events"] > 3 * fast["events"]
        for a, b in zip(fast["ttft"] + fast["tpot"] + fast["gap"], slow["ttft"] + slow["tpot"] + slow["gap"]):
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12)


def test_a_prefill_instance_is_distserves_md1_queue() -> None:
    """DistServe eq. 1: uniform 512-token prompts one at a time, Poisson arrivals -> mean TTFT of M/D/1."""
    st = m.setup(BASE)
    d = st.sm.step_seconds(prompt_chunks=[(512, 0)], outputs=1)
    # two output tokens keep the decode side cheap; 12,000 requests put the sample mean within ~2 %
    wl = [(t, 512, 2) for t, _, _ in m.draw_workload(12_000, 512, 64, "fixed", 12)]
    for load in (0.3, 0.6):
        rate = load / d
        out = simulate(Cluster(1, 1, st.slots, 2048, 1, st.kv_bytes_per_token, m.link(BASE, st), True), st.sm, wl,
                       rate, budget=1_000_000)
        mean = sum(out["ttft"]) / len(out["ttft"])
        assert mean == pytest.approx(d + md1_mean_wait(rate, d), rel=0.04)


def test_serialized_and_layerwise_transfer_match_their_closed_forms() -> None:
    st = m.setup(BASE)
    prompt = 2048
    for layerwise in (False, True):
        v = values(prompt_tokens=prompt, link="eth-25", layerwise=layerwise)
        t = transfer(v, st)
        link = m.link(v, st)
        out = simulate(Cluster(1, 1, 8, 2048, 1, st.kv_bytes_per_token, link, True), st.sm,
                       [(1000.0 * i, prompt, 8) for i in range(20)], 1.0)
        per = out["phases"]["transfer_s"] / out["n"]
        assert per == pytest.approx(t["transfer_s"], rel=1e-9)
    wire = prompt * 819200 / 3.125e9
    assert transfer(values(prompt_tokens=prompt, link="eth-25"), st)["transfer_s"] == pytest.approx(wire + 0.008)
    # layer-wise: only what outlasts the prefill, at least one layer's share, shows
    lw = transfer(values(prompt_tokens=prompt, link="eth-25", layerwise=True), st)
    p = lw["prefill_s"]
    assert lw["transfer_s"] == pytest.approx(0.008 + max(wire - p * 39 / 40, wire / 40))


def test_one_link_carries_one_transfer_at_a_time() -> None:
    st = m.setup(BASE)
    link = Link(1e9, 0.0, False, 40)  # 1 GB/s: a 512-token KV cache takes 0.42 s on the wire
    wire = 512 * st.kv_bytes_per_token / 1e9
    # two 256-token prompts arrive together: the first is read alone (it started the step), the second right
    # after; its cache is ready while the first one's is still on the wire, so it waits for the link
    p = st.sm.step_seconds(prompt_chunks=[(256, 0)], outputs=1)
    assert p < wire / 2
    pairs = [(100.0 * k, 256, 4) for k in range(10) for _ in (0, 1)]
    out = simulate(Cluster(1, 1, 8, 2048, 1, st.kv_bytes_per_token, link, True), st.sm, pairs, 1.0)
    first, second = wire / 2, wire / 2 + (wire / 2 - p)
    assert out["phases"]["transfer_s"] / out["n"] == pytest.approx((first + second) / 2, rel=1e-9)


def test_the_event_budget_stops_a_run_and_counts_it_as_missed() -> None:
    st = m.setup(BASE)
    c = Cluster(0, 1, st.slots, 2048, 1, st.kv_bytes_per_token, None, False)
    out = simulate(c, st.sm, m.workload(values(requests=500)), 50.0, budget=300)
    assert out["truncated"] and out["events"] == 301
    assert math.inf in out["ttft"]


# -- goodput, the pool ratio -----------------------------------------------------------------------------
def test_goodput_is_the_edge_of_the_attainment_goal() -> None:
    v = BASE
    st = m.setup(v)
    for prefill in (0, 2):
        g = m.goodput(v, st, prefill)
        assert g["rate"] > 0
        at = m.evaluate(v, st, prefill, g["rate"])
        assert at["attainment"] >= v["attainment"]
        above = [p for p in g["probes"] if p["rate"] > g["rate"]]
        assert above and min(above, key=lambda p: p["rate"])["attainment"] < v["attainment"]
        assert min(p["rate"] for p in above) / g["rate"] < 1.04


def test_an_unreachable_target_gives_zero_goodput() -> None:
    # a 512-token prompt takes ~0.25 s to read on this A100, so a 0.1 s TTFT cannot be met at any rate
    r = report(values(ttft_slo=0.1))
    assert r["prefill_s"] > 0.1
    assert r["colocated_goodput"] == 0 and r["disagg_goodput"] == 0 and r["goodput_gain"] is None


def test_the_pool_ratio_is_the_best_simulated_split() -> None:
    r = report(values(instances=4))
    assert len(r["splits"]) == 3
    best = max(r["splits"], key=lambda s: s["goodput_per_gpu"])
    assert r["disagg_goodput_per_gpu"] == best["goodput_per_gpu"]
    assert r["split"] == f"{best['prefill']}P : {best['decode']}D"
    fixed = report(values(instances=4, prefill_instances=1))
    assert fixed["split"] == "1P : 3D" and fixed["disagg_goodput_per_gpu"] == r["splits"][0]["goodput_per_gpu"]


# -- DistServe's figure 1 -------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
def test_distserve_figure1_shape(seed: int) -> None:
    got = figure1(values(seed=seed))
    pub = FIGURE1_PUBLISHED
    assert not got["truncated"]
    # 2P1D against one co-located GPU: the paper's 2.1x, within a factor of 1.4 either way
    assert pub["gain"] / 1.4 < got["gain"] < pub["gain"] * 1.4
    # a GPU that only decodes sustains several times the co-located TPOT-limited rate (paper 10 / 1.6 = 6.2x)
    assert got["decode_worker"] / got["colocated_tpot_limited"] > 3.0
    # a GPU that only prefills beats the co-located TTFT-limited rate (paper 5.6 vs 2.3)
    assert got["prefill_worker"] > got["colocated_ttft_limited"]
    # the joint target is never looser than either alone
    assert got["colocated_joint"] <= got["colocated_per_gpu"] * 1.04


# -- where it wins and where it loses (same GPUs on both sides) -----------------------------------------
@pytest.mark.parametrize("seed", [1, 3])
def test_disaggregation_wins_for_long_prompts_under_a_tight_tpot(seed: int) -> None:
    # DistServe's summarization case in miniature: long inputs, loose TTFT, tight TPOT
    assert gain(prompt_tokens=2048, output_tokens=128, ttft_slo=4.0, rate=1.0, seed=seed) > 1.3


@pytest.mark.parametrize("seed", [1, 3])
def test_disaggregation_loses_for_short_prompts(seed: int) -> None:
    assert gain(prompt_tokens=128, output_tokens=256, seed=seed) < 1.0


def test_disaggregation_loses_for_a_small_model() -> None:
    assert gain(model="llama-3.2-1b", prompt_tokens=128, output_tokens=256, ttft_slo=0.1, tpot_slo=0.02) < 1.0


def test_disaggregation_loses_over_a_slow_link() -> None:
    long = dict(prompt_tokens=2048, output_tokens=128, ttft_slo=4.0, rate=1.0)
    fast = report(values(**long))
    slow = report(values(**long, link="eth-25", link_gbps=10))
    assert fast["goodput_gain"] > 1 > slow["goodput_gain"]
    # the 10 Gb/s link is slower than the KV cache one busy prefill instance produces
    assert slow["link_gbps"] < slow["kv_rate_gbps"]
    assert slow["colocated_goodput"] == fast["colocated_goodput"]  # co-located moves no KV cache


def test_chunked_prefill_shortens_the_longest_pause_not_the_average() -> None:
    long = dict(prompt_tokens=2048, output_tokens=128, ttft_slo=4.0, rate=1.0)
    whole, chunked = report(values(**long)), report(values(**long, batch_tokens=256))
    assert chunked["colocated_stall_p90"] < 0.3 * whole["colocated_stall_p90"]
    assert chunked["colocated_tpot_p90"] == pytest.approx(whole["colocated_tpot_p90"], rel=0.1)
    assert chunked["disagg_goodput"] == whole["disagg_goodput"]  # -b shapes the co-located instances only


# -- transfer arithmetic, links ------------------------------------------------------------------------
def test_worked_kv_transfer_numbers() -> None:
    """Llama 3 70B, 4,096-token prompt: 1.25 GiB of f16 KV; 107 ms at 100 Gb/s, 27 ms at 400 Gb/s wire time."""
    r = report(values(model="llama-3-70b", quant="Q4_K_M", hardware="h100-sxm", gpus=2, prompt_tokens=4096,
                      link="eth-100", link_latency_ms=0, simulate=False))
    assert r["kv_bytes_per_request"] == 4096 * 2 * 80 * 8 * 128 * 2 == 1.25 * 2**30
    assert r["wire_s"] * r["gpus"] == pytest.approx(1.25 * 2**30 / 12.5e9)
    assert 1.25 * 2**30 / 12.5e9 == pytest.approx(0.107, abs=0.001)
    assert 1.25 * 2**30 / 50e9 == pytest.approx(0.027, abs=0.001)


def test_link_presets() -> None:
    assert link_bytes_per_s("eth-25", None) == 3.125e9
    assert link_bytes_per_s("ib-400", None) == 50e9 == link_bytes_per_s("eth-25", None, override_gbps=400)
    assert link_bytes_per_s("nvlink-h100", None) == 450e9   # 900 GB/s counts both directions
    assert link_bytes_per_s("pcie", 25.0) == 25e9
    with pytest.raises(InputError) as err:
        link_bytes_per_s("pcie", None)
    assert err.value.field == "link"
    assert all(p.source for p in LINKS.values())


# -- bad input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw, field", [
    ({"prefill_instances": 3}, "prefill_instances"),
    ({"slots": 256}, "slots"),
    ({"slots": 64, "batch_tokens": 32}, "slots"),
    ({"prompt_tokens": 4000, "output_tokens": 200}, "prompt_tokens"),
    ({"model": "llama-3.1-405b"}, "model"),
])
def test_bad_combinations_name_their_field(kw, field) -> None:
    with pytest.raises(InputError) as err:
        report(values(**kw))
    assert err.value.field == field


@pytest.mark.parametrize("name, bad", [("hardware", "ddr5-desktop"), ("hardware", "m3-max"), ("instances", 0),
                                       ("ttft_slo", 0), ("attainment", 1.0), ("link", "carrier-pigeon")])
def test_bad_values_are_refused_by_their_param(name, bad) -> None:
    with pytest.raises(InputError) as err:
        PARAMS.parse({name: bad})
    assert err.value.field == name


# -- the widget and the CLI ---------------------------------------------------------------------------------
def test_the_view_and_its_charts() -> None:
    w = DisaggWidget(BASE)
    view = w.view()
    assert set(view.charts) == {"attainment", "phases", "splits", "links"}
    for chart in view.charts.values():
        assert chart.startswith('<svg class="ifw-chart"') and "<title>" in chart and "<desc>" in chart
    assert "2P : 1D" in view.status
    quick = DisaggWidget(values(simulate=False)).view()
    assert set(quick.charts) == {"links"} and quick.result["colocated_goodput"] is None


def test_the_fidelity_line_reports_the_published_gain() -> None:
    line = DisaggWidget.fidelity()
    assert "2.1x in the paper" in line and "DistServe" in line


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["disagg", "--prompt-tokens", "128", "--output-tokens", "32", "--instances", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["prompt_tokens"] == 128 and out["split"] == "1P : 1D"
    assert out["kv_bytes_per_request"] == 128 * 819200
    assert main(["disagg", "--prefill-instances", "5"]) == 2


def test_one_instance_is_colocated_only() -> None:
    r = report(values(instances=1))
    assert r["colocated_goodput"] > 0 and r["disagg_goodput"] is None and r["split"] is None
    view = DisaggWidget(values(instances=1)).view()
    assert "at least two instances" in view.status and "disaggregated" not in view.charts["attainment"]
    with pytest.raises(InputError) as err:
        report(values(instances=1, prefill_instances=1))
    assert err.value.field == "prefill_instances"


def test_a_view_over_its_event_budget_reports_no_goodput(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(m, "REPORT_EVENT_BUDGET", 2_000)
    from inferlab.explainers.disagg import widget as w

    w._report.cache_clear()
    try:
        r = report(values(seed=99))
        assert r["truncated"] and r["colocated_goodput"] is None and r["goodput_gain"] is None
        assert "budget" in DisaggWidget(values(seed=99)).view().status
    finally:
        w._report.cache_clear()
