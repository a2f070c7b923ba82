"""How Weaviate prints values: Go's `%v` for floats and scalars, used for String-typed numbers and group keys."""

from __future__ import annotations

from typing import Any

import numpy as np


def go_float(value: float, bits: int = 32) -> str:
    """Go's `%v` of a float32 (or float64): shortest digits; exponent form below 1e-4 and from 1e6 up
    (strconv's shortest `g`)."""
    number = np.float32(value) if bits == 32 else np.float64(value)
    if not np.isfinite(number):
        return "NaN" if np.isnan(number) else ("+Inf" if number > 0 else "-Inf")
    if number == 0:
        return "0"
    text = np.format_float_scientific(number, unique=True, trim="-")
    mantissa, exponent = text.split("e")
    exp = int(exponent)
    if exp < -4 or exp >= 6:
        return f"{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return np.format_float_positional(number, unique=True, trim="-")


def go_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value, 64)
    return str(value)
