"""The posts' numbers: each one recomputed from its inputs, and the embedded widgets run the posts' examples.

Closed forms come from inferlab.pipeline.theory (itself tested against
simulation); the pipeline's service time and capacity come from the
simulator's command line, the same numbers the widget shows.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest

from inferlab.pipeline.theory import erlang_c, mg1_mean_wait, mmc_mean_wait
from page_text import ROOT

PIPELINE_POST = ROOT / "posts" / "llm-orchestration-pipeline.md"
LLAMA_POST = ROOT / "posts" / "llama-cpp-optimization-parameters.md"
GiB = 2**30


def text(path) -> str:  # type: ignore[no-untyped-def]
    return " ".join(path.read_text(encoding="utf-8").split())   # line breaks do not split a number from its unit


def widget_options(path, name: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    blocks = re.findall(rf"^```widget {name}\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S)
    assert len(blocks) == 1, f"{path.name}: expected one {name} widget"
    return dict(line.split(":", 1) for line in blocks[0].strip().splitlines())


def cli_simulate(options: dict[str, str], duration: float, seed: int = 1, warmup: float = 0.0) -> dict:
    args = [sys.executable, "-m", "inferlab", "simulate", "--json", "--duration", str(duration), "--warmup", str(warmup),
            "--seed", str(seed), "--max-events", "100000000"]
    for option, flag in (("arrival_rate", "--arrival-rate"), ("workers", "--workers"), ("replicas", "--replicas"),
                         ("slots", "--slots"), ("model", "--model"), ("quant", "--quant"), ("hardware", "--hardware"),
                         ("cache", "--cache")):
        args += [flag, options[option].strip()]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=300)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def example() -> dict:
    """The worked example of the pipeline post, as the post's widget runs it."""
    options = widget_options(PIPELINE_POST, "pipeline")
    run = cli_simulate(options, duration=1.0)
    servers = int(options["replicas"]) * int(options["slots"])
    assert int(options["workers"]) == servers, "the example has one worker per slot"
    assert run["bottleneck"] == "workers"
    cfg = run["config"]
    hold = servers / run["capacity_rps"]                        # a worker's hold with every slot busy
    prefill = cfg["prompt_tokens_mean"] / run["prefill_tps"]
    decode = hold - cfg["db_latency_ms"] / 1000 - prefill       # decoding with all slots of a server busy
    return {"options": options, "run": run, "c": servers, "hold_s": hold, "prefill_s": prefill, "decode_s": decode,
            "busy_slot_tps": cfg["output_tokens_mean"] / decode}


def test_the_widget_runs_the_worked_example(example: dict) -> None:
    o = {k: v.strip() for k, v in example["options"].items()}
    post = text(PIPELINE_POST)
    assert (o["replicas"], o["slots"], o["workers"]) == ("2", "16", "32")
    assert "two `llama-server` instances with `-np 16` each" in post and "32 orchestrator workers" in post
    assert (o["model"], o["quant"], o["hardware"], o["cache"]) == ("llama-3-8b", "F16", "rtx-4090", "off")
    assert "Llama 3 8B unquantized (F16) on an RTX 4090" in post
    assert f"the example's {o['arrival_rate']} req/s" in post
    assert f"| {o['arrival_rate']} | " in post, "the widget's rate is not a row of the table"
    assert "the widget's \"Load spike\" button does exactly this" in post


def test_the_service_time_and_capacity_are_the_simulators(example: dict) -> None:
    run, post = example["run"], text(PIPELINE_POST)
    cfg = run["config"]
    assert (cfg["prompt_tokens_mean"], cfg["output_tokens_mean"]) == (400, 120)
    assert "prompts of 400 tokens and answers of 120 tokens" in post
    assert f"{run['prefill_tps']:,.0f} tokens/s of prompt processing" in post
    assert f"{run['decode_tps']:.1f} tokens/s of generation for one request decoding alone" in post
    assert f"With all 16 slots of a server busy, each slot gets {example['busy_slot_tps']:.1f} tokens/s" in post
    assert example["busy_slot_tps"] < run["decode_tps"], "batching 16 slots slows each one"
    assert "the next token of every generating slot first and then prompt tokens up to the batch size" in post
    assert f"{example['prefill_s'] * 1000:.0f} ms of prefill and {example['decode_s']:.2f} s of decoding" in post
    assert f"{cfg['db_latency_ms']:.0f} ms more" in post
    assert f"1/\\mu = {example['hold_s']:.2f}$ s" in post
    assert f"32 / {example['hold_s']:.2f} \\approx {run['capacity_rps']:.1f}$ req/s" in post


def _row(lam: float, c: int, hold: float) -> str:
    mu = 1 / hold
    a = lam / mu
    wait_p, wait = erlang_c(c, a), mmc_mean_wait(lam, mu, c)
    p_text = f"{wait_p * 100:.1f} %" if wait_p < 0.1 else f"{wait_p * 100:.0f} %"
    w_text = "< 1 ms" if wait < 0.001 else (f"{wait * 1000:.0f} ms" if wait < 1 else f"{wait:.2f} s")
    if wait_p <= 0.01:
        t99_text = "0 s"
    else:
        t99 = math.log(wait_p / 0.01) / (c * mu - lam)
        t99_text = f"{t99:.2f} s" if t99 < 1 else f"{t99:.1f} s"
    return f"| {lam:g} | {a / c:.2f} | {p_text} | {w_text} | {t99_text} | {lam * (wait + hold):.1f} |"


def table_rates(post: str) -> list[float]:
    """The arrival rates of the worked example's Erlang C table, in order."""
    table = post[post.index("| λ (req/s) |"):post.index("Going from ")]
    return [float(line.split("|")[1]) for line in table.splitlines() if re.match(r"\| \d", line)]


def test_the_worked_example_table_is_erlang_c(example: dict) -> None:
    post = PIPELINE_POST.read_text(encoding="utf-8")
    rates = table_rates(post)
    assert len(rates) == 5 and rates == sorted(rates)
    assert rates[-1] < example["run"]["capacity_rps"], "every row below capacity"
    rows = post[post.index("| λ (req/s) |"):post.index("Going from ")].splitlines()
    for lam in rates:
        assert _row(lam, example["c"], example["hold_s"]) in rows
    low, high = float(example["options"]["arrival_rate"]), rates[-1]   # from the widget's rate to the top row
    assert f"Going from {low:g} to {high:g} req/s is {(high - low) / low * 100:.1f} % more traffic" in text(PIPELINE_POST)
    mu = 1 / example["hold_s"]
    growth = mmc_mean_wait(high, mu, 32) / mmc_mean_wait(low, mu, 32)
    p99 = [math.log(erlang_c(32, lam / mu) / 0.01) / (32 * mu - lam) for lam in (low, high)]
    assert "grows more than tenfold and the p99 wait about fourfold" in text(PIPELINE_POST)
    assert 10 < growth < 11, "'more than tenfold'"
    assert 3.8 < p99[1] / p99[0] < 4.2, "'about fourfold'"


def test_variance_factors_and_the_single_server_table() -> None:
    post = text(PIPELINE_POST)
    for rho, det, exp, cs2 in ((0.5, 50, 100, 250), (0.8, 200, 400, 1000), (0.9, 450, 900, 2250), (0.95, 950, 1900, 4750)):
        lam = rho / 0.1
        got = [mg1_mean_wait(lam, 0.1, scv) * 1000 for scv in (0.0, 1.0, 4.0)]
        assert got == pytest.approx([det, exp, cs2])
        assert f"| {rho:.2f} | {det:,} ms | {exp:,} ms | {cs2:,} ms |" in post
    assert f"$(1 + 2.25)/2 = {(1 + 1.5**2) / 2:.3f}$" in post


def _service_scv(example: dict) -> float:
    """Squared coefficient of variation of prefill + decode time, from the simulator's token-count spreads."""
    cfg = example["run"]["config"]
    prefill, decode = example["prefill_s"], example["decode_s"]
    variance = (cfg["prompt_tokens_cv"] * prefill) ** 2 + (cfg["output_tokens_cv"] * decode) ** 2
    return variance / (prefill + decode) ** 2


def test_the_simulated_service_is_less_variable_than_exponential(example: dict) -> None:
    run = example["run"]
    cs2 = _service_scv(example)
    post = text(PIPELINE_POST)
    assert f"coefficient of variation of {run['config']['output_tokens_cv']:g}" in post
    assert f"$C_s^2 \\approx {cs2:.2f}$" in post
    assert (1 + cs2) / 2 == pytest.approx(2 / 3, abs=0.01), "'about two thirds'"


def _simulated_mean_wait(example: dict, rate: str) -> float:
    """Mean queueing delay (s) of the example at *rate*, two seeds of two simulated hours each."""
    waits = [cli_simulate(example["options"] | {"arrival_rate": rate}, duration=7200, seed=seed, warmup=300)["mean_wait_ms"] / 1000
             for seed in (1, 2)]
    return sum(waits) / len(waits)


@pytest.mark.slow
def test_simulated_waits_stay_well_above_allen_cunneen(example: dict) -> None:
    """The post's claims about the widget: its waits are about the table's at the widget's rate, above the table
    at the next row, and well above the Allen-Cunneen correction at both."""
    post = text(PIPELINE_POST)
    mu, c = 1 / example["hold_s"], example["c"]
    cs2 = _service_scv(example)
    rates = table_rates(PIPELINE_POST.read_text(encoding="utf-8"))
    rate = example["options"]["arrival_rate"].strip()
    after = rates[rates.index(float(rate)) + 1]
    assert f"about the table's at {rate} req/s, and above the table at {after:g}." in post
    at_rate = _simulated_mean_wait(example, rate)
    table_wait = mmc_mean_wait(float(rate), mu, c)
    assert table_wait * (1 + cs2) / 2 * 1.2 < at_rate, "'well above that prediction'"
    assert 0.85 < at_rate / table_wait < 1.15, ("'about the table's'", at_rate, table_wait)
    assert _simulated_mean_wait(example, f"{after:g}") > mmc_mean_wait(after, mu, c), "'above the table'"


@pytest.mark.slow
def test_saturated_servers_finish_fewer_requests_than_the_average_lengths_say(example: dict) -> None:
    """With every worker busy the simulated tier completes less than the capacity estimate, which is worked out for
    the mean prompt and answer: the same system with lengths that do not vary reaches that estimate."""
    from inferlab.pipeline.simulation import Simulation

    post = text(PIPELINE_POST)
    assert "the simulated servers finish fewer requests per second than the capacity above" in post
    assert "worked out for a prompt and an answer of average length" in post
    capacity = example["run"]["capacity_rps"]
    overload = f"{math.ceil(capacity * 1.2)}"
    saturated = cli_simulate(example["options"] | {"arrival_rate": overload}, duration=2000, warmup=300)
    assert saturated["worker_utilization"] > 0.999 and saturated["throughput_rps"] < 0.98 * capacity
    o = {k: v.strip() for k, v in example["options"].items()}
    even = Simulation({"arrival_rate": float(overload), "workers": int(o["workers"]), "replicas": int(o["replicas"]),
                       "slots": int(o["slots"]), "model": o["model"], "quant": o["quant"], "hardware": o["hardware"],
                       "cache_enabled": False, "prompt_tokens_cv": 0.0, "output_tokens_cv": 0.0}, seed=1)
    even.run(300)
    even.reset_stats()
    assert even.run(2000)["throughput_rps"] == pytest.approx(capacity, rel=0.01)


def test_spike_arithmetic(example: dict) -> None:
    post = text(PIPELINE_POST)
    options = {k: v.strip() for k, v in example["options"].items()}
    base, multiplier, seconds = float(options["arrival_rate"]), float(options["spike"]), float(options["spike_s"])
    peak = base * multiplier
    assert f"the example's {base:g} req/s against {example['run']['capacity_rps']:.1f} req/s of capacity" in post
    assert f"triples traffic to {peak:g} req/s for {seconds:g} s" in post and multiplier == 3
    assert f"The spike lasted {seconds:g} seconds" in post
    capacity = example["run"]["capacity_rps"]
    backlog = (peak - capacity) * seconds
    drain = backlog / (capacity - base)
    assert f"{peak:g} − {capacity:.1f} = {peak - capacity:.1f} req/s" in post
    assert f"{capacity:.1f} − {base:g} = {capacity - base:.1f} req/s" in post
    assert f"roughly {round(backlog, -1):.0f} messages" in post
    assert f"about {round(drain, -1):.0f} s" in post
    assert 180 < seconds + drain < 210 and "lasts more than three minutes" in post, "'more than three minutes'"
    last_wait = backlog / capacity
    assert f"{round(backlog, -1):.0f} / {capacity:.1f} ≈ {last_wait:.0f} s" in post
    assert round(round(backlog, -1) / capacity) == round(last_wait), "the quotient as printed"
    assert 30 < last_wait < 36 and "just past SQS's default visibility timeout" in post, "30 s is SQS's default"


def _harmonic(n: int, s: float) -> float:
    return math.fsum(k ** -s for k in range(1, n + 1))


def test_cache_ceiling_and_its_effect(example: dict) -> None:
    post = text(PIPELINE_POST)
    ceilings = {s: _harmonic(20_000, s) / _harmonic(1_000_000, s) for s in (0.8, 0.9, 1.0)}
    assert "43 % at $s = 0.8$, 58 % at $s = 0.9$ and 73 % at $s = 1.0$" in post
    assert [round(v * 100) for v in ceilings.values()] == [43, 58, 73]
    gateway = 23                                                # req/s at the gateway: about twice the capacity
    lam = gateway * (1 - ceilings[0.9])
    mu, c = 1 / example["hold_s"], example["c"]
    wait_p, wait = erlang_c(c, lam / mu), mmc_mean_wait(lam, mu, c)
    t99 = math.log(wait_p / 0.01) / (c * mu - lam)
    assert f"{gateway} req/s at the gateway becomes {gateway} × {1 - ceilings[0.9]:.3f} ≈ {lam:.1f} req/s" in post
    assert round(gateway * round(1 - ceilings[0.9], 3), 1) == round(lam, 1), "the product as printed"
    assert f"$\\rho \\approx {lam / mu / c:.2f}$, a {wait * 1000:.0f} ms mean wait and a {t99:.1f} s p99 wait" in post
    assert f"Without the cache the same {gateway} req/s is twice the tier's capacity" in post
    assert gateway / example["run"]["capacity_rps"] == pytest.approx(2, abs=0.05), "'twice the tier's capacity'"


# --- the llama.cpp post --------------------------------------------------------------------------------------------

HIDDEN, KV_WIDTH, FFN, VOCAB, LAYERS, MORE_BITS_LAYERS = 4096, 8 * 128, 14336, 128256, 32, 16


def test_q4_k_m_table_sums_and_averages() -> None:
    post = text(LLAMA_POST)
    output, v16, down16 = HIDDEN * VOCAB, HIDDEN * KV_WIDTH * MORE_BITS_LAYERS, FFN * HIDDEN * MORE_BITS_LAYERS
    per_layer = HIDDEN * HIDDEN * 2 + HIDDEN * KV_WIDTH * 2 + HIDDEN * FFN * 3
    q4 = HIDDEN * VOCAB + LAYERS * per_layer - v16 - down16
    norms = LAYERS * 2 * HIDDEN + HIDDEN
    total = output + v16 + down16 + q4 + norms
    for count in (output, v16, down16, q4, norms, total):
        assert f"{count:,}" in post
    assert total == 8_030_261_248
    bpw = ((output + v16 + down16) * 6.5625 + q4 * 4.5 + norms * 32) / total
    assert f"**{bpw:.3f} bpw**" in post and bpw == pytest.approx(4.8944, abs=5e-5)   # the README's measurement
    assert f"About {(output + v16 + down16) / total * 100:.0f} % of the parameters" in post


def test_kv_cache_and_bandwidth_numbers() -> None:
    post = text(LLAMA_POST)
    per_token = 2 * LAYERS * 8 * 128 * 2
    assert per_token == 131_072 and "131{,}072" in LLAMA_POST.read_text(encoding="utf-8")
    assert per_token * 32_768 == 4 * GiB and per_token * 8192 == GiB
    weights_gb, cache_gb = 4.58 * GiB / 1e9, 4 * GiB / 1e9
    assert round(weights_gb, 2) == 4.92 and round(cache_gb, 2) == 4.29
    assert round(60 / weights_gb) == 12 and round(60 / (weights_gb + cache_gb), 1) == 6.5
    assert "about 12 tokens per second (4.92 GB per token) to about 6.5 (4.92 GB + 4.29 GB)" in post


def test_offload_and_metal_figures() -> None:
    post = text(LLAMA_POST)
    assert round(54.78 / 131.66 * 100) == 42 and "to 42 % of what a full offload reached" in post
    assert round(13.45 / 131.66, 2) == 0.10 and "at a tenth of full speed" in post
    assert round(21845.34 / 1024, 1) == 21.3 and 21845.34 / 32768 == pytest.approx(2 / 3, abs=1e-4)
    assert "21.3 GiB, two thirds of the 32 GiB" in post
    assert 49152 / 1024 == 48 and 48 / 64 == 0.75 and "48 GiB or 75 % of its RAM" in post
    assert round(4.58 / 7.95 * 100) == 58 and "58 % of Q8_0's bytes (4.58 / 7.95 GiB)" in post


def test_the_calculator_widget_offloads_what_the_post_calls_a_full_offload() -> None:
    options = {k: v.strip() for k, v in widget_options(LLAMA_POST, "quant").items()}
    assert options["gpu_layers"] == str(LAYERS + 1)
    assert f"a full offload is {LAYERS + 1} layers" in text(LLAMA_POST)
    assert "-ngl 99" not in LLAMA_POST.read_text(encoding="utf-8"), "commands say -ngl all"
