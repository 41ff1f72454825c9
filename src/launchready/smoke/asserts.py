"""One-line expectations (CONTRACT §3): `status OP N`, `header NAME OP VALUE`, `body contains
TEXT`, `body matches REGEX`, `json PATH OP VALUE`, `duration < MS`.

Parsed when the flow loads, so a typo is an exit-2 error naming file and line, not a red step at
3 a.m. Evaluation is pure: it reads a `Response` and returns expected vs actual for every
expectation (a failing step reports all of them, as Gatus prints `[STATUS] (503) == 200`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from launchready.smoke import template
from launchready.smoke.jsonpath import MISSING, lookup, parse_path
from launchready.smoke.response import Response

OPS = ("==", "!=", "<=", ">=", "<", ">", "matches", "contains")
KINDS = ("status", "header", "body", "json", "duration")
NUMERIC_OPS = ("<", "<=", ">", ">=")
_SHOWN = 200  # characters of an actual value shown in a report


class AssertSyntaxError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Expectation:
    text: str
    kind: str
    op: str
    value: str
    name: str = ""  # header name or JSON path


@dataclass(frozen=True, slots=True)
class Outcome:
    expectation: Expectation
    ok: bool
    expected: str
    actual: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "expect": self.expectation.text,
            "ok": self.ok,
            "expected": self.expected,
            "actual": self.actual,
        }


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _split_op(rest: str, text: str) -> tuple[str, str]:
    rest = rest.strip()
    for op in OPS:
        if rest.startswith(op) and (op[0] in "=!<>" or rest[len(op) : len(op) + 1] in (" ", "")):
            value = rest[len(op) :].strip()
            if not value:
                raise AssertSyntaxError(f"{text!r}: nothing after {op!r}")
            return op, value
    raise AssertSyntaxError(f"{text!r}: expected one of {' '.join(OPS)} after the subject")


def parse_expectation(text: str) -> Expectation:
    """Parse one expectation string; raises AssertSyntaxError saying what is wrong."""
    stripped = text.strip()
    kind, _, rest = stripped.partition(" ")
    if kind not in KINDS:
        raise AssertSyntaxError(f"{text!r}: must start with one of {', '.join(KINDS)}")
    name = ""
    if kind in ("header", "json"):
        name, _, rest = rest.strip().partition(" ")
        if not name:
            raise AssertSyntaxError(f"{text!r}: {kind} needs a name before the operator")
        if kind == "json":
            try:
                parse_path(name)
            except ValueError as exc:
                raise AssertSyntaxError(f"{text!r}: {exc}") from None
    op, value = _split_op(rest, text)
    value = _unquote(value)
    templated = bool(template.CAPTURE_REF.search(value) or template.ENV_REF.search(value))
    if kind in ("status", "duration") and op not in ("matches", "contains") and not templated:
        try:
            float(value)
        except ValueError:
            raise AssertSyntaxError(f"{text!r}: {kind} compares with a number") from None
    if kind == "body" and op in NUMERIC_OPS:
        raise AssertSyntaxError(f"{text!r}: body takes contains, matches, == or !=")
    if op == "matches" and not templated:
        try:
            re.compile(value)
        except re.error as exc:
            raise AssertSyntaxError(f"{text!r}: bad regular expression: {exc}") from None
    return Expectation(text=stripped, kind=kind, op=op, value=value, name=name)


def _shown(value: Any) -> str:
    if value is MISSING or (value is None and not isinstance(value, str)):
        return "<missing>" if value is MISSING else "null"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _literal(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def compare(actual: Any, op: str, expected: str) -> bool:
    if actual is MISSING:
        return op == "!="
    if op == "matches":
        return (
            re.search(expected, actual if isinstance(actual, str) else _shown(actual)) is not None
        )
    if op == "contains":
        if isinstance(actual, list):
            want = _literal(expected)
            return want in actual or expected in [str(a) for a in actual]
        if isinstance(actual, dict):
            return expected in actual
        return expected in (actual if isinstance(actual, str) else _shown(actual))
    if op in NUMERIC_OPS:
        a, e = _number(actual), _number(expected)
        if a is None or e is None:
            return False
        return {"<": a < e, "<=": a <= e, ">": a > e, ">=": a >= e}[op]
    a_num, e_num = _number(actual), _number(expected)
    if a_num is not None and e_num is not None and not isinstance(actual, str):
        equal = a_num == e_num
    elif isinstance(actual, str):
        equal = actual == expected or (a_num is not None and a_num == e_num)
    else:
        equal = actual == _literal(expected)
    return equal if op == "==" else not equal


def actual_value(exp: Expectation, response: Response) -> Any:
    if exp.kind == "status":
        return response.status if response.status is not None else MISSING
    if exp.kind == "duration":
        return round(response.duration_ms, 1)
    if exp.kind == "header":
        value = response.header(exp.name)
        return MISSING if value is None else value
    if exp.kind == "body":
        return response.text
    document = response.json()
    return MISSING if document is MISSING else lookup(document, exp.name)


def evaluate(exp: Expectation, response: Response, captures: dict[str, str]) -> Outcome:
    """Expected vs actual for one expectation. A value naming an unset capture fails, saying so."""
    try:
        wanted = template.render(exp.value, captures)
    except template.Unresolved as exc:
        return Outcome(exp, False, f"{exp.op} {exp.value}", f"<{exc}>")
    if response.error and response.status is None:
        return Outcome(exp, False, f"{exp.op} {wanted}", f"<no response: {response.error}>")
    actual = actual_value(exp, response)
    try:
        ok = compare(actual, exp.op, wanted)
    except re.error as exc:
        return Outcome(exp, False, f"{exp.op} {wanted}", f"<bad regular expression: {exc}>")
    shown = _shown(actual)
    if exp.kind == "body" and not ok:
        shown = f"{len(response.body)} bytes: {_shown(response.text)}"
    return Outcome(exp, ok, f"{exp.op} {wanted}", shown)
