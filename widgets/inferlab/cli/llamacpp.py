"""CLI commands of the quantization / memory calculator.

``inferlab quant``, ``memory``, ``models``, ``quants``, ``hardware``.  Each
``--json`` prints ``json.dumps`` of exactly the dict / list the matching
calculator function returns; the default output is an aligned table with
GB (10^9 bytes) and GiB (2^30 bytes) labelled.
"""

import argparse
import json
from typing import Any

from inferlab.units import fmt_both, fmt_gb, fmt_gib, rate_text, render_pairs, render_table

#: CLI flag -> ModelShape field, for custom shapes.
_SHAPE_FLAGS = (
    ("--layers", "n_layers", int), ("--hidden", "hidden_size", int), ("--ffn", "ffn_size", int),
    ("--heads", "n_heads", int), ("--kv-heads", "n_kv_heads", int),
    ("--head-dim", "head_dim", int), ("--vocab", "vocab_size", int),
    ("--experts", "n_experts", int), ("--experts-used", "n_experts_used", int),
    ("--max-ctx", "max_ctx", int),
)


def _calculator():
    """The calculator module, imported on first use (``inferlab simulate`` never needs it)."""
    from inferlab.llamacpp import calculator

    return calculator


def _add_model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--model", default="llama-3-8b",
                   help="preset name (see `inferlab models`) or 'custom'")
    g.add_argument("--params", type=float, default=None,
                   help="custom model: parameter count, e.g. 13e9 (Llama-3-style shape)")
    for flag, field, typ in _SHAPE_FLAGS:
        g.add_argument(flag, dest=field, type=typ, default=None, help=f"override {field}")
    g.add_argument("--tied", dest="tied_embeddings", action="store_true", default=None,
                   help="output shares the token embedding")
    g.add_argument("--untied", dest="tied_embeddings", action="store_false",
                   help="separate output tensor")
    g.add_argument("--imatrix", dest="imatrix", action="store_true", default=None,
                   help="assume an importance matrix (default: only where llama-quantize needs one)")
    g.add_argument("--no-imatrix", dest="imatrix", action="store_false")


def _add_run_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("run")
    g.add_argument("--ctx", type=int, default=4096, help="context length in tokens")
    g.add_argument("--kv-type", default="f16", help="KV cache type: f16, q8_0, q4_0, ...")
    g.add_argument("--gpu-layers", "-ngl", type=int, default=0,
                   help="layers offloaded to the GPU (llama.cpp -ngl; 99 = all)")
    g.add_argument("--vram-gib", type=float, default=None, help="GPU memory limit, GiB")
    g.add_argument("--ram-gib", type=float, default=None, help="system memory limit, GiB")
    g.add_argument("--hardware", default=None, help="preset (see `inferlab hardware`)")
    g.add_argument("--threads", "-t", type=int, default=None, help="decode threads")
    g.add_argument("--threads-batch", "-tb", type=int, default=None, help="batch threads")


def _shape_kwargs(args: argparse.Namespace) -> dict:
    kw = {field: getattr(args, field) for _, field, _ in _SHAPE_FLAGS}
    kw["tied_embeddings"] = args.tied_embeddings
    return {k: v for k, v in kw.items() if v is not None}


def _run_kwargs(args: argparse.Namespace) -> dict:
    return {"ctx": args.ctx, "kv_type": args.kv_type, "gpu_layers": args.gpu_layers,
            "vram_gib": args.vram_gib, "ram_gib": args.ram_gib, "hardware": args.hardware,
            "threads": args.threads, "threads_batch": args.threads_batch}


def _dump(obj: object) -> None:
    print(json.dumps(obj))


def _ppl_text(ppl: dict | None) -> str:
    if ppl is None:
        return "not published"
    return f"{ppl['delta_ppl']:+.4f} ({ppl['reference_model']}, llama.cpp)"


def _cmd_quant(args: argparse.Namespace) -> int:
    if args.all:
        rows = _calculator().compare_quants(model=args.model, params=args.params,
                                            imatrix=args.imatrix, **_run_kwargs(args),
                                            **_shape_kwargs(args))
        if args.json:
            _dump(rows)
            return 0
        table = [[r["quant"], f"{r['bits_per_weight']:.3f}", fmt_gb(r["file_bytes"]),
                  fmt_gib(r["file_bytes"]), fmt_gib(r["total_bytes"]),
                  "yes" if r["fits"] else "no", r["max_ctx_that_fits"],
                  rate_text(r["decode_tokens_per_s"]),
                  "-" if r["delta_ppl"] is None else f"{r['delta_ppl']:+.4f}"] for r in rows]
        print(render_table(["quant", "bpw", "file (GB)", "file (GiB)", "total mem (GiB)",
                            "fits", "max ctx", "decode", "dPPL"], table))
        print("GB = 10^9 bytes, GiB = 2^30 bytes; dPPL: llama.cpp's published perplexity "
              "increase (Llama 3 8B unless model-specific)")
        return 0
    r = _calculator().quant_report(model=args.model, quant=args.quant, imatrix=args.imatrix,
                                   tensors=args.tensors, params=args.params, **_shape_kwargs(args))
    if args.json:
        _dump(r)
        return 0
    print(render_pairs([
        ("model", f"{r['display_name']} ({r['model']})"),
        ("quant", f"{r['quant']} (default tensor type {r['default_type']}, "
                  f"imatrix {'yes' if r['imatrix'] else 'no'})"),
        ("parameters", f"{r['params']:,} ({r['params'] / 1e9:.2f} B)"),
        ("file size", fmt_both(r["file_bytes"])),
        ("bits per weight", f"{r['bits_per_weight']:.4f} (whole file)"),
        ("tensor data", f"{fmt_both(r['tensor_data_bytes'])} ({r['tensor_bits_per_weight']:.4f} bpw)"),
        ("perplexity", _ppl_text(r["perplexity"])),
    ]))
    print()
    print(render_table(["ggml type", "tensors", "params", "share", "bpw", "size (GB)"],
                       [[b["ggml_type"], b["tensors"], f"{b['params']:,}",
                         f"{100 * b['share_of_params']:.1f}%", f"{b['bits_per_weight']:.4f}",
                         fmt_gb(b["bytes"], 3)] for b in r["by_type"]]))
    if r["fallback_tensors"]:
        print(f"\n{len(r['fallback_tensors'])} tensors fell back to a 32-block type "
              "(row length not a multiple of 256)")
    return 0


def memory_text(r: dict) -> str:
    """The text report of ``inferlab memory`` (the quant widget's command) from its result."""
    limit_v = "-" if r["vram_limit_bytes"] is None else fmt_gib(r["vram_limit_bytes"])
    out = [render_pairs([
        ("model", f"{r['display_name']} {r['quant']}, ctx {r['ctx']:,}, KV {r['kv_type']}"),
        ("hardware", r["hardware_display"]),
        ("-ngl", f"{r['gpu_layers']} (effective {r['gpu_layers_effective']} of "
                 f"{r['n_layers'] + 1} incl. output)"),
    ]), ""]
    v, m = r["vram"], r["ram"]
    out.append(render_table(
        ["", "VRAM (GiB)", "RAM (GiB)", "total (GiB)", "total (GB)"],
        [["weights", fmt_gib(v["weights_bytes"]), fmt_gib(m["weights_bytes"]),
          fmt_gib(r["weights_bytes"]), fmt_gb(r["weights_bytes"])],
         ["KV cache", fmt_gib(v["kv_cache_bytes"]), fmt_gib(m["kv_cache_bytes"]),
          fmt_gib(r["kv_cache_bytes"]), fmt_gb(r["kv_cache_bytes"])],
         ["compute buffers", fmt_gib(v["compute_buffer_bytes"]), fmt_gib(m["compute_buffer_bytes"]),
          fmt_gib(r["compute_buffer_bytes"]), fmt_gb(r["compute_buffer_bytes"])],
         ["total", fmt_gib(r["vram_bytes"]), fmt_gib(r["ram_bytes"]), fmt_gib(r["total_bytes"]),
          fmt_gb(r["total_bytes"])],
         ["limit", limit_v, fmt_gib(r["ram_limit_bytes"]), "", ""]]))
    out.append("")
    adv = r["thread_advice"]
    out.append(render_pairs([
        ("fits", f"{'yes' if r['fits'] else 'NO'} -- {r['fits_reason']}"),
        ("largest context", f"{r['max_ctx_that_fits']:,} tokens (model max {r['max_ctx']:,})"),
        ("KV cache / token", f"{r['kv_cache_bytes_per_token']:,.0f} bytes"),
        ("decode", f"{rate_text(r['decode_tokens_per_s'])} (empty context), "
                   f"{rate_text(r['decode_tokens_per_s_at_ctx'])} at {r['ctx']:,} tokens"),
        ("prefill", f"{rate_text(r['prefill_tokens_per_s'])} (512-token prompt); "
                    f"{r['prefill_seconds_for_ctx']:.2f} s for {r['ctx']:,} tokens"),
        ("threads", f"-t {adv['threads']} -tb {adv['threads_batch']} ({adv['reason']})"),
        ("perplexity", _ppl_text(r["perplexity"])),
    ]))
    out.append("GB = 10^9 bytes, GiB = 2^30 bytes")
    return "\n".join(out)


def _cmd_models(args: argparse.Namespace) -> int:
    rows = _calculator().list_models()
    if args.json:
        _dump(rows)
        return 0
    print(render_table(
        ["model", "params", "layers", "hidden", "ffn", "heads", "kv", "hd", "vocab", "tied",
         "experts", "max ctx"],
        [[r["name"], f"{r['params'] / 1e9:.2f} B", r["n_layers"], r["hidden_size"], r["ffn_size"],
          r["n_heads"], r["n_kv_heads"], r["head_dim"], r["vocab_size"],
          "yes" if r["tied_embeddings"] else "no",
          f"{r['n_experts']}x{r['n_experts_used']}" if r["n_experts"] else "-", r["max_ctx"]]
         for r in rows]))
    return 0


def _cmd_quants(args: argparse.Namespace) -> int:
    rows = _calculator().list_quants()
    if args.json:
        _dump(rows)
        return 0
    print(render_table(
        ["quant", "default type", "type bpw", "imatrix", "dPPL (Llama 3 8B)", "description"],
        [[r["name"], r["default_type"], f"{r['default_type_bits_per_weight']:.4f}",
          "required" if r["needs_imatrix"] else "optional",
          "-" if r["delta_ppl"] is None else f"{r['delta_ppl']:+.4f}", r["description"]]
         for r in rows], align="llrlrl"))
    return 0


def _cmd_hardware(args: argparse.Namespace) -> int:
    rows = _calculator().list_hardware()
    if args.json:
        _dump(rows)
        return 0
    print(render_table(
        ["hardware", "GPU", "VRAM (GiB)", "GPU GB/s", "FP16 TFLOPS", "RAM (GiB)", "CPU GB/s",
         "P-cores", "threads"],
        [[r["name"], r["gpu"] or "-", r["vram_gib"], r["gpu_bandwidth_gbs"],
          r["gpu_fp16_tflops"], r["ram_gib"], r["cpu_bandwidth_gbs"], r["perf_cores"],
          r["hw_threads"]] for r in rows], align="llrrrrrrr"))
    print("GB/s = 10^9 bytes per second; Apple VRAM = Metal working-set limit of unified memory")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``quant``, ``models``, ``quants`` and ``hardware`` commands (``memory`` is the quant widget's)."""
    from inferlab.cli.widgets import TEXT_REPORTS

    TEXT_REPORTS["memory"] = memory_text
    p = subparsers.add_parser("quant", help="GGUF file size and bits per weight")
    _add_model_args(p)
    p.add_argument("--quant", default="Q4_K_M", help="llama.cpp file type (see `inferlab quants`)")
    p.add_argument("--all", action="store_true", help="table of every quant type")
    p.add_argument("--tensors", action="store_true", help="include the per-tensor table (JSON)")
    _add_run_args(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=_cmd_quant)

    for name, handler, text in (("models", _cmd_models, "model presets"),
                                ("quants", _cmd_quants, "llama.cpp quant types"),
                                ("hardware", _cmd_hardware, "hardware presets")):
        p = subparsers.add_parser(name, help=f"list {text}")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.set_defaults(handler=handler)
