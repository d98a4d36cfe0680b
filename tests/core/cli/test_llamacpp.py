"""CLI commands, run in-process (no subprocess, so it also runs under Pyodide)."""

import json

import pytest

from inferlab.llamacpp import calculator
from inferlab.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_quant_json_is_exactly_the_api_dict(capsys):
    code, out, _ = run(capsys, "quant", "--model", "llama-3-8b", "--quant", "Q4_K_M", "--json")
    assert code == 0
    assert json.loads(out) == calculator.quant_report(model="llama-3-8b", quant="Q4_K_M")


def test_memory_json_is_exactly_the_api_dict(capsys):
    argv = ["memory", "--model", "llama-3-8b", "--quant", "Q4_K_M", "--ctx", "8192",
            "--kv-type", "q8_0", "--gpu-layers", "20", "--vram-gib", "12", "--hardware",
            "rtx-4090", "--json"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    expected = calculator.memory_report(model="llama-3-8b", quant="Q4_K_M", ctx=8192,
                                        kv_type="q8_0", gpu_layers=20, vram_gib=12,
                                        hardware="rtx-4090")
    assert json.loads(out) == {**expected, "delta_ppl": expected["perplexity"]["delta_ppl"]}


def test_quant_all_json(capsys):
    code, out, _ = run(capsys, "quant", "--all", "--model", "mistral-7b", "--json")
    assert code == 0
    assert json.loads(out) == calculator.compare_quants(model="mistral-7b")


@pytest.mark.parametrize("argv,needle", [
    (["quant"], "GB / "),
    (["quant", "--all"], "GiB"),
    (["memory", "--gpu-layers", "99", "--hardware", "m3-max"], "GiB"),
    (["models"], "llama-3-70b"),
    (["quants"], "IQ2_XXS"),
    (["hardware"], "h100-pcie"),
    (["quant", "--model", "custom", "--params", "3e9"], "parameters"),
    (["quant", "--layers", "40", "--hidden", "5120", "--heads", "40", "--kv-heads", "8"], "custom"),
])
def test_human_tables(capsys, argv, needle):
    code, out, _ = run(capsys, *argv)
    assert code == 0 and needle in out
    assert "10^9" in out or argv[0] in ("models", "quants", "quant")


@pytest.mark.parametrize("cmd", ["models", "quants", "hardware"])
def test_list_json(capsys, cmd):
    code, out, _ = run(capsys, cmd, "--json")
    assert code == 0
    assert json.loads(out) == getattr(calculator, f"list_{cmd}")()


@pytest.mark.parametrize("argv,field", [
    (["quant", "--model", "nope"], "model:"),
    (["quant", "--quant", "Q9"], "quant:"),
    (["memory", "--ctx", "0"], "--ctx: '0' is not allowed"),
    (["memory", "--ctx", "999999"], "--ctx: 999999 is not allowed"),
    (["memory", "-ngl", "-3"], "--gpu-layers: '-3' is not allowed"),
    (["memory", "--vram-gib", "nan", "--gpu-layers", "1"], "--vram-gib: 'nan' is not allowed"),
    (["memory", "--hardware", "abacus"], "--hardware: 'abacus' is not allowed"),
    (["memory", "--model", "custom", "--layers", "0"], "--layers: '0' is not allowed"),
])
def test_bad_input_exit_2(capsys, argv, field):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert field in err and "allowed" in err
