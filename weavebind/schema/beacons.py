"""Beacons: `weaviate://localhost/<Class>/<uuid>` (and the legacy `weaviate://localhost/<uuid>`), parsed,
checked against a reference property and written back in one canonical form.

Shared by the reference routes, batch references, gRPC BatchReferences and PATCH. Messages carry Weaviate's
texts (`usecases/objects/references*.go`, `entities/schema/crossref`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from weavebind.errors import Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.schema.properties import is_uuid

PRIMITIVE_TYPES = frozenset({
    "text", "string", "int", "number", "boolean", "date", "uuid", "blob", "geoCoordinates", "phoneNumber",
    "object", "text[]", "string[]", "int[]", "number[]", "boolean[]", "date[]", "uuid[]", "object[]",
})
_BEACON = re.compile(r"^weaviate://(?P<peer>[^/]+)/(?:(?P<cls>[^/]+)/)?(?P<id>[^/]+)$")
_SOURCE = re.compile(r"^weaviate://(?P<peer>[^/]+)/(?P<cls>[^/]+)/(?P<id>[^/]+)/(?P<prop>[^/]+)$")


@dataclass(frozen=True)
class Beacon:
    class_name: str | None  # None: a legacy beacon without a class whose property allows several classes
    uuid: str

    def render(self) -> str:
        prefix = f"weaviate://localhost/{self.class_name}/" if self.class_name else "weaviate://localhost/"
        return prefix + self.uuid


def parse_beacon(raw: Any) -> Beacon:
    """A beacon string → Beacon; Unprocessable (with the reason) for anything else."""
    if not isinstance(raw, str) or not raw:
        raise Unprocessable("invalid reference: the reference needs a 'beacon' string of the form "
                            "weaviate://localhost/<Class>/<uuid>")
    match = _BEACON.match(raw)
    if match is None:
        raise Unprocessable(f"invalid reference: '{raw}' is not a beacon of the form "
                            "weaviate://localhost/<Class>/<uuid>")
    if match["peer"] != "localhost":
        raise Unprocessable("unrecognized cross-ref ref format")
    if not is_uuid(match["id"]):
        raise Unprocessable(f"invalid reference: '{match['id']}' in beacon '{raw}' is not a uuid")
    cls = match["cls"]
    if cls is not None and not re.fullmatch(r"[A-Z][_0-9A-Za-z]*", cls):
        raise Unprocessable(f"invalid reference: '{cls}' in beacon '{raw}' is not a class name")
    return Beacon(cls, match["id"].lower())


def parse_source(raw: Any) -> tuple[str, str, str]:
    """A batch reference's `from`: `weaviate://localhost/<Class>/<uuid>/<property>` → (class, uuid, property)."""
    match = _SOURCE.match(raw) if isinstance(raw, str) else None
    if match is None:
        raise Unprocessable(f"invalid source reference '{raw}': must have the form "
                            "weaviate://localhost/<Class>/<uuid>/<propertyName>")
    if match["peer"] != "localhost":
        raise Unprocessable(f"source class must always point to the local peer, but got {match['peer']}")
    if not is_uuid(match["id"]):
        raise Unprocessable(f"invalid source reference '{raw}': '{match['id']}' is not a uuid")
    return match["cls"], match["id"].lower(), match["prop"]


def reference_targets(info: ClassInfo, prop: str) -> list[str]:
    """The classes a reference property may point to; Unprocessable when it is missing or not a reference."""
    found = info.properties.get(prop)
    if found is None:
        raise Unprocessable(f"no such prop with name '{prop}' found in class '{info.name}' in the schema. Check "
                            "your schema files for which properties in this class are available")
    types = list(found.get("dataType") or [])
    if not types or any(t in PRIMITIVE_TYPES for t in types):
        raise Unprocessable(f"property '{prop}' is not a reference-type")
    return types


def for_property(beacon: Beacon, info: ClassInfo, prop: str, targets: list[str]) -> Beacon:
    """The beacon as stored on `info.prop`: a missing class is the property's only target class (Weaviate's
    autodetection); a class the property does not allow is refused."""
    if beacon.class_name is None:
        return Beacon(targets[0], beacon.uuid) if len(targets) == 1 else beacon
    if beacon.class_name not in targets:
        raise Unprocessable(f"invalid reference: property '{prop}' of class '{info.name}' references "
                            f"{', '.join(targets)}, not '{beacon.class_name}'")
    return beacon


def stored_beacons(value: Any, targets: list[str]) -> list[Beacon]:
    """The references a stored property value holds, each in the canonical form (unparsable ones left out)."""
    found = []
    for item in value if isinstance(value, list) else []:
        try:
            beacon = parse_beacon(item.get("beacon") if isinstance(item, dict) else None)
        except Unprocessable:
            continue
        found.append(Beacon(targets[0], beacon.uuid) if beacon.class_name is None and len(targets) == 1
                     else beacon)
    return found
