"""Canonical JSON byte for byte as jobs/contract/canonical-json.ts writes it (JSON.stringify with
keys sorted), so that a content key computed in Python equals the TypeScript one: Python's json
prints numbers (1e-05, 100.0) and sorts keys (by code point) differently from JavaScript."""

import json
import math


def _js_number(value: float) -> str:
    """Number::toString of ECMAScript, from Python's shortest round-trip digits (the same digits)."""
    if math.isnan(value) or math.isinf(value):
        return "null"  # What JSON.stringify writes for them.
    if value == 0:
        return "0"
    mantissa, _, exponent = repr(value).partition("e")
    sign = "-" if mantissa.startswith("-") else ""
    mantissa = mantissa.lstrip("-")
    point = mantissa.index(".") if "." in mantissa else len(mantissa)
    digits = mantissa.replace(".", "")
    significant = digits.lstrip("0")
    # n: where the decimal point falls after the first significant digit's position (ECMA-262's n).
    n = point + (int(exponent) if exponent else 0) - (len(digits) - len(significant))
    significant = significant.rstrip("0") or "0"
    k = len(significant)
    if k <= n <= 21:
        return sign + significant + "0" * (n - k)
    if 0 < n <= 21:
        return f"{sign}{significant[:n]}.{significant[n:]}"
    if -6 < n <= 0:
        return f"{sign}0.{'0' * -n}{significant}"
    e = n - 1
    tail = f"e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + (significant if k == 1 else f"{significant[0]}.{significant[1:]}") + tail


def canonical_json(value) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical_json(item) for item in value) + "]"
    if isinstance(value, dict):
        # JavaScript compares strings by UTF-16 code units; so does comparing their UTF-16BE bytes.
        keys = sorted(value, key=lambda key: key.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{canonical_json(value[k])}" for k in keys) + "}"
    raise TypeError(f"not JSON: {type(value).__name__}")
