"""Formulas a model declares, so a reader can see how a number is computed.

A :class:`Formula` names the result it computes (a key of the model's report),
writes the arithmetic once over named inputs, and cites its source.  The
widgets' "How this is computed" disclosure shows it with the reader's values
substituted (:meth:`Formula.show`); the contract tests evaluate the same
expression (:meth:`Formula.evaluate`, a small safe evaluator: numbers, names,
arithmetic, ``min``/``max``/``ceil``/``floor``/``sqrt``/``log``/``exp``) and
check that it equals the number the model returned, so the disclosure can
never drift from the code.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from inferlab.inputs import InputError

_FUNCTIONS: dict[str, Callable[..., float]] = {"min": min, "max": max, "ceil": math.ceil, "floor": math.floor, "sqrt": math.sqrt,
              "log": math.log, "exp": math.exp, "log2": math.log2}
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
           ast.Div: lambda a, b: a / b, ast.FloorDiv: lambda a, b: a // b, ast.Pow: lambda a, b: a ** b,
           ast.Mod: lambda a, b: a % b}
_SYMBOL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\b")


@dataclass(frozen=True)
class Formula:
    """``key = expr``: *expr* is Python arithmetic over the names in *symbols*.

    ``symbols`` maps each name to what it is and where its value comes from
    (a config field, a datasheet, a llama.cpp constant); ``fmt`` is the
    :data:`inferlab.units.FORMATS` name used to print the result.
    """

    key: str
    label: str
    expr: str
    source: str
    symbols: Mapping[str, str] = field(default_factory=dict)
    fmt: str = "count"

    @cached_property
    def _tree(self) -> ast.expr:
        tree = ast.parse(self.expr, mode="eval").body
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - set(_FUNCTIONS)
        missing = names - set(self.symbols)
        if missing:
            raise ValueError(f"Formula {self.key}: symbols without a description: {', '.join(sorted(missing))}")
        return tree

    def names(self) -> list[str]:
        """The input names the expression uses, in order of appearance."""
        seen: list[str] = []
        for node in ast.walk(self._tree):
            if isinstance(node, ast.Name) and node.id not in _FUNCTIONS and node.id not in seen:
                seen.append(node.id)
        return seen

    def evaluate(self, env: Mapping[str, Any]) -> float:
        """The expression's value with the names bound from *env*."""
        return float(_eval(self._tree, env, self.key))

    def show(self, env: Mapping[str, Any]) -> dict[str, Any]:
        """JSON-able: the formula, the same with *env*'s values substituted, the value and the sources."""
        from inferlab.units import FORMATS

        value = self.evaluate(env)
        pretty = _pretty(self.expr)
        substituted = _SYMBOL.sub(lambda m: m[1] if m[1] in _FUNCTIONS else _number(env[m[1]]), self.expr)
        return {
            "key": self.key, "label": self.label, "expr": f"{self.key} = {pretty}",
            "substituted": f"{_pretty(substituted)} = {FORMATS[self.fmt](value)}",
            "value": value, "source": self.source,
            "symbols": [{"name": n, "value": _number(env[n]), "meaning": self.symbols[n]} for n in self.names()],
        }


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:.4g}"


def _pretty(expr: str) -> str:
    """``2 * a ** 2 / b`` -> ``2 × a ^ 2 ÷ b``."""
    return expr.replace("**", "^").replace("//", " div ").replace("*", "×").replace("/", "÷")


def _eval(node: ast.AST, env: Mapping[str, Any], key: str) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        value = env.get(node.id)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InputError(f"{key}.{node.id}", value, "a finite number")
        return value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_eval(node.left, env, key), _eval(node.right, env, key))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, env, key)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
            and not node.keywords):
        return _FUNCTIONS[node.func.id](*(_eval(a, env, key) for a in node.args))
    raise ValueError(f"Formula {key}: {ast.dump(node)[:60]} is not allowed in a formula")
