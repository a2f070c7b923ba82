"""The parsers of the settings table (settings.py): each takes the raw environment value and returns the parsed one,
or raises ValueError with a message the table prefixes with the variable's name."""

from __future__ import annotations

VECTORIZER_MODULES = ("multi2vec-clip", "multi2vec-bind")
BACKUP_MODULES = ("backup-filesystem", "backup-s3")
KNOWN_MODULES = (*VECTORIZER_MODULES, *BACKUP_MODULES)


def parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def parse_int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError(f"expected an integer, got {raw!r}") from None


def parse_auto_bool(raw: str) -> str:
    value = raw.strip().lower()
    if value == "auto":
        return value
    return "true" if parse_bool(raw) else "false"


def parse_port(raw: str) -> int:
    port = parse_int(raw)
    if not 0 < port < 65536:
        raise ValueError(f"expected a port number between 1 and 65535, got {raw!r}")
    return port


def parse_port_or_any(raw: str) -> int:
    """A port, or 0 for "any free port" (the operating system picks one when the server binds)."""
    return 0 if raw.strip() == "0" else parse_port(raw)


def parse_positive_int(raw: str) -> int:
    value = parse_int(raw)
    if value <= 0:
        raise ValueError(f"expected a positive integer, got {raw!r}")
    return value


def parse_non_negative_int(raw: str) -> int:
    value = parse_int(raw)
    if value < 0:
        raise ValueError(f"expected 0 or a positive integer, got {raw!r}")
    return value


def parse_media_pixels(raw: str) -> int:
    """A pixel limit of the media decoders: every image is scaled to 224 x 224 or more for the models."""
    value = parse_positive_int(raw)
    if value < 224 * 224:
        raise ValueError(f"expected at least 50176 (224 x 224, the smallest image the models take), got {raw!r}")
    return value


def parse_list(raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def parse_modules(raw: str) -> tuple[str, ...]:
    modules = parse_list(raw)
    unknown = [m for m in modules if m not in KNOWN_MODULES]
    if unknown:
        raise ValueError(f"unknown module {unknown[0]!r}; weavebind provides: {', '.join(KNOWN_MODULES)}")
    return modules


LOG_LEVELS = {"trace": "debug", "debug": "debug", "info": "info", "warning": "warning", "warn": "warning",
              "error": "error", "fatal": "critical", "panic": "critical"}


def parse_log_level(raw: str) -> str:
    """Weaviate's level names mapped to Python's (and uvicorn's)."""
    level = LOG_LEVELS.get(raw.strip().lower())
    if level is None:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}, got {raw!r}")
    return level


def parse_synchronous(raw: str) -> str:
    mode = raw.strip().upper()
    if mode not in ("NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"expected NORMAL, FULL or EXTRA, got {raw!r}")
    return mode


def parse_distance(raw: str) -> str:
    allowed = ("cosine", "dot", "l2-squared", "manhattan", "hamming")
    if raw not in allowed:
        raise ValueError(f"expected one of {', '.join(allowed)}, got {raw!r}")
    return raw


def parse_duration_seconds(raw: str) -> float:
    """Go duration strings as Weaviate takes them (`50s`, `2m`, `1m30s`, `500ms`), or plain seconds."""
    text = raw.strip()
    try:
        return float(text)
    except ValueError:
        pass
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    if not text:  # Go's time.ParseDuration refuses "" too; a zero timeout would fail every request
        raise ValueError(f"expected a duration such as 50s or 2m, got {raw!r}")
    total, number = 0.0, ""
    index = 0
    while index < len(text):
        char = text[index]
        if char.isdigit() or char == ".":
            number += char
            index += 1
            continue
        unit = "ms" if text.startswith("ms", index) else char
        if unit not in units or not number:
            raise ValueError(f"expected a duration such as 50s or 2m, got {raw!r}")
        total += float(number) * units[unit]
        number, index = "", index + len(unit)
    if number:
        raise ValueError(f"expected a duration such as 50s or 2m, got {raw!r}")
    return total


def parse_positive_duration(raw: str) -> float:
    seconds = parse_duration_seconds(raw)
    if seconds <= 0:
        raise ValueError(f"expected a duration above zero such as 50s, got {raw!r}")
    return seconds


def parse_url(raw: str) -> str:
    """An inference service's base URL (http or https), without a trailing slash; empty = not set."""
    text = raw.strip().rstrip("/")
    if not text:
        return ""
    scheme, _, rest = text.partition("://")
    if scheme not in ("http", "https") or not rest:
        raise ValueError(f"expected an http:// or https:// URL such as http://multi2vec-clip:8080, got {raw!r}")
    return text
