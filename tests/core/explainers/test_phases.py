"""inferlab.explainers.phases: FLOPs and bytes against hand counts, aggregated steps and the scheduler against
step-by-step brute force, the roofline against published runs, chunked prefill, bad input and the CLI.

Hand counts (Llama 3 8B, config.json on Hugging Face: 32 layers, hidden 4096, FFN 14336, 32 query heads,
8 KV heads of 128, vocabulary 128,256):
* weights multiplied per token per layer: q 4096x4096 + k 4096x1024 + v 4096x1024 + o 4096x4096
  + gate/up/down 3 x 4096x14336 = 218,103,808; x 32 layers = 6,979,321,856; output 4096 x 128,256 = 525,336,576.
  A token costs 2 FLOPs per weight: 2 x 7,504,658,432 = 15,009,316,864 FLOPs.
* attention, per query and cached key: QK^T and AV, 2 x 128 FLOPs each per head = 2 x 32 x (128 + 128)
  = 16,384 FLOPs per layer, 524,288 over 32 layers.
* KV bytes per cached token (f16): 2 (K, V) x 8 x 128 x 2 bytes x 32 layers = 131,072.
* RTX 4090 ridge: 165.2 TFLOP/s dense FP16 (FP32 accumulate) / 1,008 GB/s (Ada whitepaper) = 163.9 FLOPs/byte.

Published runs (inferlab.llamacpp.published, with sources and builds): XiongjieDai's llama-bench tables
(May 2024 builds): Llama 3 8B Q4_K_M on an RTX 4090, pp512 7,138.99 t/s and tg512 130.58 t/s; llama.cpp PR
#24127 (2026 build) IQ4_NL pp512 12,352.26 t/s on the same card.
"""

from __future__ import annotations

import json

import pytest

from inferlab.catalog.hardware import get_hardware
from inferlab.catalog.models import get_preset
from inferlab.cli import main
from inferlab.explainers import phases
from inferlab.explainers.phases.model import Request, interference, main_roof, published_points, run, span, step
from inferlab.inputs import InputError
from inferlab.llamacpp.calculator import speed_model
from inferlab.llamacpp.published import PREFILL, SINGLE_STREAM
from inferlab.llamacpp.setup import tensors

FLOPS_PER_TOKEN_8B = 15_009_316_864
ATTN_FLOPS_PER_PAIR_8B = 524_288
KV_BYTES_PER_TOKEN_8B = 131_072
HW = get_hardware("rtx-4090")


@pytest.fixture(scope="module")
def sm8b():
    return speed_model(model="llama-3-8b", quant="Q4_K_M", hardware="rtx-4090", ctx=4 * 8192, parallel=4)


@pytest.fixture(scope="module")
def weight_bytes_8b() -> int:
    """Bytes a step reads of the weights: every tensor of the GGUF file but the embedding table (a row lookup)."""
    return sum(t.nbytes for t in tensors(get_preset("llama-3-8b"), "Q4_K_M", None) if t.spec.name != "token_embd.weight")


def report(**values):
    return phases.report(phases.PARAMS.parse(values))


# -- FLOPs and bytes by hand -------------------------------------------------------------------------
def test_hand_counted_shape_numbers() -> None:
    r = report()
    assert r["matmul_params"] == 32 * 218_103_808 == 6_979_321_856
    assert r["output_params"] == 525_336_576
    assert 2 * (r["matmul_params"] + r["output_params"]) == FLOPS_PER_TOKEN_8B
    assert r["ridge_point"] == pytest.approx(163.89, abs=0.01)


@pytest.mark.parametrize(("batch", "depth"), [(1, 0), (1, 1000), (4, 3000), (32, 512)])
def test_decode_step_flops_and_bytes(sm8b, weight_bytes_8b: int, batch: int, depth: int) -> None:
    w = step(sm8b, HW, [depth] * batch)
    assert w.matmul_flops == batch * FLOPS_PER_TOKEN_8B
    assert w.attention_flops == batch * depth * ATTN_FLOPS_PER_PAIR_8B
    assert w.weight_bytes == weight_bytes_8b  # read once for the whole batch
    assert w.kv_bytes == batch * depth * KV_BYTES_PER_TOKEN_8B
    # one sequence at an empty cache: intensity = 2 FLOPs per weight / bytes per weight (~4.9 bits)
    if batch == 1 and depth == 0:
        assert w.intensity == pytest.approx(FLOPS_PER_TOKEN_8B / weight_bytes_8b)
        assert 3.0 < w.intensity < 3.6


def test_prefill_chunk_flops_and_bytes(sm8b, weight_bytes_8b: int) -> None:
    m, d = 512, 1000
    w = step(sm8b, HW, prompt_chunks=[(m, d)], outputs=1)
    # every prompt token goes through the blocks; only the last one through the output projection
    assert w.matmul_flops == m * 2 * 6_979_321_856 + 2 * 525_336_576
    # query j of the chunk sees d + j keys: m d + m (m + 1) / 2 query-key pairs
    assert w.attention_flops == (m * d + m * (m + 1) // 2) * ATTN_FLOPS_PER_PAIR_8B
    assert w.kv_bytes == (d + m) * KV_BYTES_PER_TOKEN_8B
    assert w.weight_bytes == weight_bytes_8b
    assert w.intensity > 400 * step(sm8b, HW, [d]).intensity / 3  # ~512x the decode step's, less the KV


def test_prefill_is_compute_bound_and_decode_memory_bound_until_the_batch_is_large() -> None:
    r = report()
    assert (r["prefill_bound"], r["decode_bound"]) == ("compute", "memory")
    assert r["prefill_intensity"] > r["ridge_point"] > r["decode_intensity"]
    big = report(batch=255, prompt=16, output=16, chunk=2048)
    assert big["decode_bound"] == "compute"  # 255 tokens share each weight read
    f16 = report(quant="F16")
    assert f16["decode_intensity"] == pytest.approx(1.0, abs=0.1)  # 2 FLOPs per 2-byte weight


def test_moe_decode_counts_only_active_experts() -> None:
    r = report(model="qwen3-30b-a3b", prompt=512, output=64)
    shape = get_preset("qwen3-30b-a3b")
    from inferlab.catalog.models import count_active_params, count_params

    assert r["matmul_params"] < 0.15 * count_params(shape)
    assert r["matmul_params"] <= count_active_params(shape)


# -- aggregated spans and the scheduler against brute force --------------------------------------------
@pytest.mark.parametrize("model", ["llama-3-8b", "qwen2.5-7b"])
def test_a_span_is_the_sum_of_its_steps(model: str) -> None:
    sm = speed_model(model=model, quant="Q4_K_M", hardware="rtx-4090", ctx=16384, parallel=4)
    agg = span(sm, HW, 37, [500, 900, 1300], (256, 2000), outputs=3)
    one_by_one = [step(sm, HW, [d + j for d in (500, 900, 1300)], [(256, 2000 + 256 * j)], 3) for j in range(37)]
    for key in ("matmul_flops", "attention_flops", "weight_bytes", "kv_bytes", "seconds", "sol_seconds"):
        assert getattr(agg, key) == pytest.approx(sum(getattr(w, key) for w in one_by_one), rel=1e-12), key


def test_a_span_across_a_sliding_window_is_close() -> None:
    sm = speed_model(model="gemma-2-9b", quant="Q4_K_M", hardware="rtx-4090", ctx=8192)
    agg = span(sm, HW, 600, [3800])  # crosses the 4,096-token window
    brute = sum(step(sm, HW, [3800 + j]).seconds for j in range(600))
    assert agg.seconds == pytest.approx(brute, rel=0.002)


def _brute(sm, reqs: list[list[int]], budget: int | None) -> list[tuple[float, float]]:
    """One llama_decode call per loop: requests [prompt_left, cached, decode_left] -> (first token, finish)."""
    times = [[None, None] for _ in reqs]
    waiting = [i for i, r in enumerate(reqs) if r[0] > 0]
    active = [i for i, r in enumerate(reqs) if r[0] == 0]
    t = 0.0
    while waiting or active:
        chunks, last = [], False
        if waiting:
            h = reqs[waiting[0]]
            m = h[0] if budget is None else min(budget - len(active), h[0])
            chunks, last = [(m, h[1])], m == h[0]
        t += sm.step_seconds([reqs[i][1] for i in active], chunks, len(active) + last)
        for i in active:
            reqs[i][1] += 1
            reqs[i][2] -= 1
            if reqs[i][2] == 0:
                times[i][1] = t
        active = [i for i in active if reqs[i][2] > 0]
        if waiting:
            i = waiting[0]
            reqs[i][0] -= m
            reqs[i][1] += m
            if last:
                waiting.pop(0)
                times[i][0] = t
                if reqs[i][2]:
                    active.append(i)
                else:
                    times[i][1] = t
    return [tuple(x) for x in times]


@pytest.mark.parametrize("budget", [None, 100, 256, 512])
def test_the_scheduler_equals_step_by_step_brute_force(sm8b, budget) -> None:
    spec = [[1300, 0, 39], [700, 200, 60], [0, 900, 25], [50, 0, 3]]
    got = run(sm8b, HW, [Request(f"r{i}", p, c, o) for i, (p, c, o) in enumerate(spec)], budget)
    want = _brute(sm8b, [list(s) for s in spec], budget)
    for req, (first, finish) in zip(got.requests, want):
        if first is not None:
            assert req.first_token == pytest.approx(first, rel=1e-12)
        assert req.finish == pytest.approx(finish, rel=1e-12)
    assert got.work.seconds == pytest.approx(max(f for _, f in want), rel=1e-12)


def test_ttft_is_the_speed_models_prompt_time_and_e2e_adds_the_decode_steps(sm8b) -> None:
    r = report()
    assert r["ttft_s"] == pytest.approx(sm8b.prompt_seconds(2048, 0), rel=1e-12)
    # batch 1: the lone request's own timeline is TTFT + (output - 1) decode steps
    assert r["alone_e2e_s"] == pytest.approx(r["e2e_s"], rel=1e-12)
    brute_tpot = sum(sm8b.step_seconds([2048 + j]) for j in range(255)) / 255
    assert r["tpot_s"] == pytest.approx(brute_tpot, rel=1e-12)
    r32 = report(batch=32)
    assert r32["tpot_s"] == pytest.approx(sum(sm8b.step_seconds([2048 + j] * 32) for j in range(255)) / 255, rel=1e-12)
    assert r32["decode_tokens_per_s"] > 8 * r["decode_tokens_per_s"]  # batching shares the weight reads


def test_a_batch_sent_together_queues_its_prompts() -> None:
    r = report(batch=4)
    first = [t["first_token_s"] for t in r["timeline"]["together"]]
    assert first == sorted(first) and first[0] == pytest.approx(r["ttft_s"])
    assert r["batch_last_ttft_s"] > 3.5 * r["ttft_s"]  # three prompts ahead of it, and decodes sharing the steps


# -- chunked prefill (Sarathi, arXiv 2308.16369) ---------------------------------------------------------
def test_chunking_bounds_the_stall_and_costs_the_new_request_a_little(sm8b) -> None:
    kw = dict(batch=8, prompt=6000, output=256, model="llama-3.1-8b")
    r = report(**kw)
    assert r["stall_unchunked_s"] > 10 * r["decode_step_s"]
    assert r["stall_chunked_s"] < r["stall_unchunked_s"] / 5
    assert r["arriving_ttft_chunked_s"] > r["arriving_ttft_unchunked_s"]  # re-reading weights per chunk
    assert r["arriving_ttft_chunked_s"] < 1.25 * r["arriving_ttft_unchunked_s"]
    assert r["chunk_steps"] == -(-6000 // (512 - 8))
    smaller = report(**kw, chunk=128)
    assert smaller["stall_chunked_s"] < r["stall_chunked_s"] and smaller["arriving_ttft_chunked_s"] > r["arriving_ttft_chunked_s"]
    # a budget that holds the whole prompt is no chunking at all
    whole = report(**kw, chunk=8192)
    assert whole["stall_chunked_s"] == pytest.approx(whole["stall_unchunked_s"], rel=1e-12)


def test_decodes_piggyback_on_a_prefill_chunk_but_not_their_kv_reads(sm8b) -> None:
    # Sarathi: decodes batched with a prefill chunk share its weight reads, so they cost far less than a
    # decode-only step -- while contexts are short.  Each sequence's KV cache is its own and is read anyway.
    def marginal(depth: int) -> tuple[float, float]:
        alone = step(sm8b, HW, prompt_chunks=[(480, 1000)], outputs=1).seconds
        together = step(sm8b, HW, [depth] * 32, [(480, 1000)], 33).seconds
        return together - alone, step(sm8b, HW, [depth] * 32).seconds

    extra, decode_only = marginal(256)
    assert extra < 0.5 * decode_only
    extra, decode_only = marginal(4096)
    kv_read = 32 * 4096 * KV_BYTES_PER_TOKEN_8B / HW.gpu.bandwidth_gbs / 1e9
    assert extra > kv_read and extra > 0.6 * decode_only


def test_sarathi_setup_piggybacked_decode_is_an_order_of_magnitude_cheaper() -> None:
    # arXiv 2308.16369, abstract: on LLaMA-13B / A6000 a decode piggybacked on a prefill chunk costs "up to an
    # order of magnitude less" than a decode-only batch.  The speed model's A6000 at F16, one decode, chunk 256:
    sm = speed_model(model="llama-2-13b", quant="F16", hardware="rtx-a6000", ctx=4096, gpu_layers=99)
    a6000 = get_hardware("rtx-a6000")
    alone = step(sm, a6000, prompt_chunks=[(256, 1000)], outputs=1).seconds
    extra = step(sm, a6000, [1500], [(256, 1000)], 2).seconds - alone
    assert step(sm, a6000, [1500]).seconds > 8 * extra


def test_interference_schedule_reads_the_prompt_next_to_the_running_sequences(sm8b) -> None:
    sched = interference(sm8b, HW, 3, 2500, 1000, 0, 200)
    steps = [s for s in sched.segments if s.prefill == "arriving"]
    assert all(s.decoding == 3 for s in steps) and {s.chunk for s in steps} <= {197, 1000 - 5 * 197}
    assert sum(s.chunk * s.steps for s in steps) == 1000


# -- the roofline against published runs ---------------------------------------------------------------
def test_published_prompt_and_generation_gap_on_an_rtx_4090() -> None:
    pp = next(r for r in PREFILL if r.hardware == "rtx-4090" and r.model == "llama-3-8b" and r.quant == "Q4_K_M")
    tg = next(r for r in SINGLE_STREAM if r.hardware == "rtx-4090" and r.model == "llama-3-8b" and r.quant == "Q4_K_M")
    assert (pp.measured, tg.measured) == (7138.99, 130.58)
    r = report(prompt=512, output=512)
    measured_gap, model_gap = pp.measured / tg.measured, r["prefill_tokens_per_s"] / (1 / r["tpot_s"])
    assert 40 < measured_gap < 70 and 0.7 < model_gap / measured_gap < 1.6
    points = {p["label"]: p for p in published_points("rtx-4090")}
    gen = points["llama-3-8b Q4_K_M tg512"]
    # generation moves ~4.9 GB per token: 130.58 t/s is ~60% of the 1,008 GB/s the card has
    assert gen["intensity"] == pytest.approx(3.3, abs=0.1) and 0.5 < gen["efficiency"] < 0.7
    prompt = points["llama-3-8b Q4_K_M pp512"]
    assert prompt["intensity"] > main_roof(HW).ridge and 0.5 < prompt["efficiency"] < 0.7


@pytest.mark.parametrize("hardware", ["rtx-4090", "rtx-3090", "a100-80gb", "h100-pcie", "m2-ultra", "m3-max",
                                      "ddr5-desktop", "rtx-4080", "m2-max"])
def test_no_memory_bound_published_run_beats_the_bandwidth(hardware: str) -> None:
    # if the model under-counted bytes, some measured generation would exceed the datasheet bandwidth
    roof = main_roof(get_hardware(hardware))
    points = published_points(hardware)
    assert points
    for p in points:
        if p["intensity"] < roof.ridge:
            assert 0.2 < p["efficiency"] <= 1.0, p["label"]


def test_int8_prompt_kernels_can_pass_the_fp16_roof() -> None:
    # PR #24127 (2026): IQ4_NL pp512 at 12,352 t/s is ~174 TFLOP/s, above the 165.2 TFLOP/s FP16 figure;
    # llama.cpp's MMQ kernels multiply on the int8 tensor cores (660.6 TOPS dense on the 4090, Ada whitepaper)
    p = next(p for p in published_points("rtx-4090") if p["label"] == "llama-3-8b IQ4_NL pp512")
    assert p["tokens_per_s"] == 12352.26 and 1.0 < p["efficiency"] < 1.2
    assert p["flops_per_s"] < 660.6e12


def test_fidelity_line_is_computed() -> None:
    line = phases.PhasesWidget.fidelity()
    assert "published llama-bench runs" in line and "%" in line


# -- bad input and the CLI ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("values", "field", "part"), [
    ({"prompt": 8000, "output": 256}, "output", "8,192-token context"),
    ({"prompt": 0}, "prompt", "from 1"),
    ({"batch": 300}, "batch", "to 256"),
    ({"chunk": 16, "batch": 32}, "chunk", "more than batch = 32"),
    ({"hardware": "ddr5-desktop", "gpus": 2}, "gpus", "no GPU"),
    ({"model": "llama-3.1-70b", "hardware": "rtx-3060-12gb", "prompt": 100000, "batch": 64}, "batch", "fewer"),
    ({"quant": "Q9"}, "quant", "Q4_K_M"),
])
def test_bad_input_names_the_field(values: dict, field: str, part: str) -> None:
    with pytest.raises(InputError) as info:
        report(**values)
    assert info.value.field == field and part in str(info.value)


def test_cli_json_has_the_issue_keys(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["phases", "--model", "llama-3-8b", "--quant", "Q4_K_M", "--hardware", "rtx-4090", "--prompt", "2048",
            "--output", "256", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["prefill_bound"] == "compute" and out["decode_bound"] == "memory"
    assert 0.05 < out["ttft_s"] < 1 and 0.001 < out["tpot_s"] < 0.02
    assert main(["phases", "--prompt", "9000"]) == 2
    assert "--output" in capsys.readouterr().err


# -- the two chart functions added to inferlab.ui.svg --------------------------------------------------------
def test_charts_are_accessible_well_formed_svg() -> None:
    import xml.etree.ElementTree as ET

    from inferlab.ui import svg

    ns = "{http://www.w3.org/2000/svg}"
    view = phases.PhasesWidget(phases.PARAMS.parse({"batch": 4})).view()
    for name, text in view.charts.items():
        root = ET.fromstring(text)
        assert root.get("role") == "img" and root.find(f"{ns}title").text and root.find(f"{ns}desc").text, name
    roof = svg.roofline_chart(100e12, 1e12, [svg.Point("<b>&", 10, 5e12, text="a<b")], title="t<", desc="d&",
                              roof_label="r>")
    root = ET.fromstring(roof)
    assert root.find(f"{ns}title").text == "t<" and "<b>" not in roof
    gantt = svg.gantt_chart([("row<", [svg.Span(0, 1, "ifw-c1", "x&y", steps=10)])], title="g", desc="d", end=1.0,
                            legend=[("k<", "ifw-c2")])
    assert len(ET.fromstring(gantt).findall(f".//{ns}rect")) == 11  # ten steps drawn apart + the legend key


def test_max_sequences_is_the_largest_batch_that_fits() -> None:
    from inferlab.explainers.phases.report import max_sequences
    from inferlab.llamacpp.calculator import memory_report

    n = max_sequences("llama-3.1-70b", "Q4_K_M", "h100-pcie", 1, 32768)

    def fits(k: int) -> bool:
        return memory_report(model="llama-3.1-70b", quant="Q4_K_M", hardware="h100-pcie", ctx=k * 32768,
                             parallel=k, gpu_layers=81)["fits"]

    # a 32k-token trace of Llama 3 70B holds 10 GiB of KV (80 layers x 8 KV heads x 128 x 2 x 2 bytes x 32,768)
    assert 80 * 8 * 128 * 2 * 2 * 32768 == 10 * 2**30
    assert fits(n) and not fits(n + 1) and 1 <= n <= 5
    r = report()
    assert r["published_prefill_tokens_per_s"] == 7138.99 and r["published_decode_tokens_per_s"] == 130.58


def test_a_small_chunk_next_to_long_contexts_is_memory_bound() -> None:
    # posts/prefill-and-decode.md: a 64-token step beside four 16k-token sequences reads ~4.6 GB of weights and
    # more than 8 GB of KV for 60 prompt tokens, and falls below the ridge
    sm = speed_model(model="llama-3.1-8b", quant="Q4_K_M", hardware="rtx-4090", ctx=5 * 16896, parallel=5)
    w = step(sm, HW, [16384 + 128] * 4, [(60, 8000)], 4)
    assert w.kv_bytes > 8e9 and w.intensity < main_roof(HW).ridge
    assert step(sm, HW, [16384 + 128] * 4, [(508, 8000)], 4).intensity > main_roof(HW).ridge


def test_the_test_time_compute_posts_queueing_example() -> None:
    # posts/test-time-compute-serving.md: 90% of requests generate 500 tokens, 10% generate 16,000; service time
    # proportional to length.  Mean 2,050, Cs^2 ~5.1; Pollaczek-Khinchine wait ~3.1x exponential, ~6.1x constant.
    import random

    from inferlab.pipeline.theory import mg1_mean_wait

    lengths, weights = (500, 16_000), (0.9, 0.1)
    mean = sum(w * x for w, x in zip(weights, lengths))
    scv = sum(w * x * x for w, x in zip(weights, lengths)) / mean**2 - 1
    assert mean == 2050 and scv == pytest.approx(5.145, abs=1e-3)
    assert mg1_mean_wait(0.7, 1.0, scv) / mg1_mean_wait(0.7, 1.0, 1.0) == pytest.approx(3.07, abs=0.01)
    assert mg1_mean_wait(0.7, 1.0, scv) / mg1_mean_wait(0.7, 1.0, 0.0) == pytest.approx(6.15, abs=0.01)
    # brute force: the Lindley recursion of an M/G/1 queue with that service mix, at utilization 0.7
    rng, wait, total, n = random.Random(7), 0.0, 0.0, 300_000
    for _ in range(n):
        service = (16_000 if rng.random() < 0.1 else 500) / mean
        total += wait
        wait = max(0.0, wait + service - rng.expovariate(0.7))
    assert total / n == pytest.approx(mg1_mean_wait(0.7, 1.0, scv), rel=0.12)
