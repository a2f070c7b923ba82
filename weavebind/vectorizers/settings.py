"""A class's `moduleConfig` for a multi2vec module: which properties feed which modality, their weights, the
inference URL, and the validation decided in design.md section 3.

Weaviate validates only `textFields`/`imageFields` (even for multi2vec-bind) and pairs weights with vectors by
position; here every modality is validated, weights pair with fields by name, and a config that could only fail
later (a weights list for some modalities but not others) is refused when the class is created.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from weavebind.errors import RestrictionViolation
from weavebind.vectorizers.base import MODALITIES, MODALITY_BY_NAME, Modality

# Weaviate's docs and clients send `IMUFields`; its server reads only `imuFields`. Both are read here, and the
# stored class keeps whichever the client sent.
FIELD_KEYS = {m.name: ((m.fields_key, "IMUFields") if m.name == "imu" else (m.fields_key,)) for m in MODALITIES}
TEXT_TYPES = ("text", "text[]")
MEDIA_TYPES = ("blob",)


class InvalidModuleConfig(RestrictionViolation):
    """A 422 naming the bad key; the registry prefixes the module (and the target vector)."""


@dataclass(frozen=True)
class ClassSettings:
    fields: dict[str, tuple[str, ...]]               # modality name → property names, in config order
    weights: dict[tuple[str, str], float] | None     # (modality, property) → weight; None: plain mean
    inference_url: str | None

    def vectorizable_properties(self) -> set[str]:
        return {name for names in self.fields.values() for name in names}


def _lookup(config: Mapping[str, Any], modality: Modality) -> tuple[str | None, Any]:
    """The key this config uses for the modality (either IMU spelling) and its value."""
    found = [key for key in FIELD_KEYS[modality.name] if key in config]
    if len(found) > 1:
        raise InvalidModuleConfig(f"{found[0]} and {found[1]} are the same setting; give only one of them")
    return (found[0], config[found[0]]) if found else (None, None)


def _check_fields(key: str, modality: Modality, fields: Any, properties: Mapping[str, dict]) -> None:
    kind = modality.name
    if not isinstance(fields, list):
        raise InvalidModuleConfig(f"{key} must be an array of property names")
    if not fields:
        raise InvalidModuleConfig(f"must contain at least one {kind} field name in {key}")
    allowed = TEXT_TYPES if kind == "text" else MEDIA_TYPES
    for name in fields:
        if not isinstance(name, str):
            raise InvalidModuleConfig(f"{kind}Field must be a string, got {name!r} in {key}")
        if not name:
            raise InvalidModuleConfig(f"{kind}Field values cannot be empty ({key})")
        data_type = (properties.get(name) or {}).get("dataType") or [None]
        if name in properties and data_type[0] not in allowed:
            raise InvalidModuleConfig(f"{key}: property '{name}' has dataType {data_type[0]}; {kind} fields must "
                                      f"be {' or '.join(allowed)}")
    if len(set(fields)) != len(fields):
        twice = next(name for name in fields if fields.count(name) > 1)
        raise InvalidModuleConfig(f"{key} lists '{twice}' twice; weights pair with fields by name")


def _weight(value: Any, where: str) -> float:
    # Weaviate parses numeric strings too (GetNumber); a bool is not a weight although Python calls it an int.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidModuleConfig(f"{where} must be a number, got {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise InvalidModuleConfig(f"{where} must be a number, got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise InvalidModuleConfig(f"{where} must be a finite number >= 0, got {value!r}")
    return number


def _parse_weights(config: Mapping[str, Any], present: dict[str, tuple[str, list]]
                   ) -> dict[tuple[str, str], float] | None:
    raw = config.get("weights")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidModuleConfig("weights must be an object of <modality>Fields → list of numbers")
    for modality in MODALITIES:
        wkey, _ = _lookup(raw, modality)
        if wkey is not None and modality.name not in present:
            raise InvalidModuleConfig(f"weights.{wkey} is set but {wkey} is not")
    weights: dict[tuple[str, str], float] = {}
    for name, (fkey, fields) in present.items():
        wkey, values = _lookup(raw, MODALITY_BY_NAME[name])
        if wkey is None:
            if raw:
                raise InvalidModuleConfig(f"weights.{fkey} must be set when weights are given for other fields: "
                                          "every field needs a weight")
            continue
        if not isinstance(values, list) or len(values) != len(fields):
            raise InvalidModuleConfig(f"weights.{wkey} does not equal number of {fkey}")
        for index, (field, value) in enumerate(zip(fields, values, strict=True)):
            weights[(name, field)] = _weight(value, f"weights.{wkey}[{index}]")
    if weights and not any(weights.values()):
        raise InvalidModuleConfig("weights must not all be 0")
    return weights or None


def check_url(value: Any) -> str | None:
    if value is None or value == "":
        return None
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidModuleConfig(f"inferenceUrl must be an http:// or https:// URL, got {value!r}")
    return value.rstrip("/")


def parse_class_settings(config: Any, supported: Sequence[Modality],
                         properties: Mapping[str, dict] | None = None) -> ClassSettings:
    """Validate a module's class config and return it parsed. `properties` (name → property JSON) enables the
    dataType checks; properties not declared yet are accepted, since auto-schema may add them later."""
    if not isinstance(config, dict):
        raise InvalidModuleConfig("the module configuration must be a JSON object")
    names = [m.name for m in supported]
    present: dict[str, tuple[str, list]] = {}
    for modality in MODALITIES:
        key, fields = _lookup(config, modality)
        if key is None:
            continue
        if modality.name not in names:
            raise InvalidModuleConfig(f"{key} is not supported by this module; it vectorizes "
                                      f"{', '.join(names)}")
        _check_fields(key, modality, fields, properties or {})
        present[modality.name] = (key, fields)
    if not present:
        keys = [m.fields_key for m in supported]
        raise InvalidModuleConfig(f"{', '.join(keys[:-1])} or {keys[-1]} setting needs to be present")
    return ClassSettings(
        fields={name: tuple(fields) for name, (_, fields) in present.items()},
        weights=_parse_weights(config, present),
        inference_url=check_url(config.get("inferenceUrl")),
    )
