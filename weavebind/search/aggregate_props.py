"""Per-property summaries of an Aggregate, by data type (Weaviate's aggregate result shapes)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from weavebind.search.filters_eval import parse_rfc3339
from weavebind.storage.records import ObjectRecord

TOP_OCCURRENCES_DEFAULT = 5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def values_of(records: Sequence[ObjectRecord], prop: str) -> list[Any]:
    """Every stored value of `prop`, array elements flattened, nulls left out."""
    out: list[Any] = []
    for record in records:
        value = (record.properties or {}).get(prop)
        if isinstance(value, list):
            out.extend(v for v in value if v is not None)
        elif value is not None:
            out.append(value)
    return out


def _mode(values: Sequence[Any]) -> Any:
    counts = Counter(values)
    best = max(counts.values())
    return min(v for v, c in counts.items() if c == best)


def numeric(values: Sequence[Any]) -> dict[str, Any]:
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if not numbers:
        return {"count": 0}
    return {"count": len(numbers), "minimum": min(numbers), "maximum": max(numbers),
            "mean": sum(numbers) / len(numbers), "median": statistics.median(numbers), "mode": _mode(numbers),
            "sum": sum(numbers)}


def text(values: Sequence[Any], limit: int | None = None) -> dict[str, Any]:
    strings = [v for v in values if isinstance(v, str)]
    counts = sorted(Counter(strings).items(), key=lambda item: (-item[1], item[0]))
    limit = TOP_OCCURRENCES_DEFAULT if limit is None else limit
    return {"count": len(strings),
            "topOccurrences": [{"value": value, "occurs": occurs} for value, occurs in counts[:max(limit, 0)]]}


def boolean(values: Sequence[Any]) -> dict[str, Any]:
    flags = [v for v in values if isinstance(v, bool)]
    true = sum(flags)
    total = len(flags)
    return {"count": total, "totalTrue": true, "totalFalse": total - true,
            "percentageTrue": true / total if total else 0.0,
            "percentageFalse": (total - true) / total if total else 0.0}


def _epoch_ns(moment: datetime) -> int:
    # (Python keeps microseconds: nanosecond digits of an input are dropped)
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def _go_rfc3339nano(epoch_ns: int) -> str:
    """Go's `time.RFC3339Nano` of a UTC instant: fractional seconds without trailing zeros, none when whole."""
    seconds, nanos = divmod(epoch_ns, 1_000_000_000)
    text = (_EPOCH + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{text}.{fraction}Z" if fraction else f"{text}Z"


def _date_median(moments: list[tuple[int, str]]) -> str:
    """Weaviate's date median over the sorted (epoch ns, text) values: the middle value for an odd count; for an
    even count the instant halfway between the two middle values (as RFC3339Nano in UTC) when they differ."""
    count = len(moments)
    if count % 2:
        return moments[count // 2][1]
    low, high = moments[count // 2 - 1], moments[count // 2]
    if low[0] == high[0]:
        return low[1]
    return _go_rfc3339nano(low[0] + (high[0] - low[0]) // 2)


def date(values: Sequence[Any]) -> dict[str, Any]:
    moments = sorted((_epoch_ns(parsed), text) for text in values if (parsed := parse_rfc3339(text)) is not None)
    if not moments:
        return {"count": 0}
    as_text = [t for _, t in moments]
    return {"count": len(moments), "minimum": as_text[0], "maximum": as_text[-1], "median": _date_median(moments),
            "mode": max(Counter(as_text).items(), key=lambda item: (item[1], -as_text.index(item[0])))[0]}


def reference(values: Sequence[Any]) -> dict[str, Any]:
    classes = []
    for value in values:
        beacon = value.get("beacon", "") if isinstance(value, dict) else ""
        parts = beacon.split("/")
        if len(parts) == 5 and parts[3] not in classes:
            classes.append(parts[3])
    return {"pointingTo": classes}


def summarize(data_type: str, values: Sequence[Any], top_limit: int | None = None) -> dict[str, Any]:
    """All figures Weaviate offers for a property of `data_type`, plus its `type`."""
    base = data_type[:-2] if data_type.endswith("[]") else data_type
    if base in ("int", "number"):
        out = numeric(values)
    elif base in ("text", "string", "uuid"):
        out = text(values, top_limit)
    elif base == "boolean":
        out = boolean(values)
    elif base == "date":
        out = date(values)
    elif base[:1].isupper():
        out = reference(values)
        data_type = "cref"
    else:
        out = {"count": len(values)}
    out["type"] = data_type
    return out
