"""near* validation and target-vector choice (spec 1.6 items 6-7), pure functions over NearQuery and ClassInfo."""

from __future__ import annotations

from collections.abc import Sequence

from weavebind.schema.models import ClassInfo
from weavebind.search.errors import SearchError
from weavebind.search.params import NearQuery
from weavebind.storage.records import LEGACY_TARGET
from weavebind.vectorizers.base import MODALITY_BY_ARGUMENT

CONFLICT = "found both '{}' and '{}' parameters which are conflicting, choose one instead"


def conflict_message(nears: Sequence[NearQuery]) -> str | None:
    """Weaviate's text when several near arguments are given; module arguments are all called 'nearText' there."""
    modules = [n.argument for n in nears if n.modality]
    vector = any(n.argument == "nearVector" for n in nears)
    obj = any(n.argument == "nearObject" for n in nears)
    if modules and vector and obj:
        return "found 'nearText' and 'nearVector' and 'nearObject' parameters which are conflicting, choose one instead"
    if modules and vector:
        return CONFLICT.format("nearText", "nearVector")
    if modules and obj:
        return CONFLICT.format("nearText", "nearObject")
    if vector and obj:
        return CONFLICT.format("nearVector", "nearObject")
    if len(modules) > 1:
        names = ", ".join(f"'{m}'" for m in modules)
        return f"found more than one module params: {names} which are conflicting choose one instead"
    return None


def module_param_message(near: NearQuery) -> str | None:
    """A module argument's own checks (Weaviate's arguments/*/param.go)."""
    arg = near.argument
    modality = MODALITY_BY_ARGUMENT[arg]
    if not near.inputs or not all(isinstance(x, str) and x for x in near.inputs):
        return f"'{arg}.{modality.input_field}' needs to be defined"
    if near.certainty is not None and near.distance is not None:
        return f"{arg} cannot provide both distance and certainty"
    if modality.name != "text" and near.target_vectors and len(near.target_vectors) > 1:
        return f"{arg}.targetVectors cannot provide more than 1 target vector value"
    for key, move in (("moveTo", near.move_to), ("moveAwayFrom", near.move_away)):
        if move is not None and move.force > 0 and not move.concepts and not move.objects:
            return f"'{arg}.{key}' parameter needs to have defined either 'concepts' or 'objects' fields"
    return None


def validate_near(nears: Sequence[NearQuery]) -> NearQuery | None:
    """The one near argument to search with (None when there is none); raises the un-prefixed message."""
    message = conflict_message(nears)
    if message is None and nears and nears[0].modality:
        message = module_param_message(nears[0])
    if message:
        raise SearchError(message)
    return nears[0] if nears else None


def default_target(info: ClassInfo) -> str:
    """The legacy vector, else the only named vector; several named vectors need an explicit choice."""
    if info.has_legacy_vector:
        return LEGACY_TARGET
    named = info.named_targets
    if len(named) == 1:
        return named[0]
    if not named:
        return LEGACY_TARGET
    raise SearchError("multiple vectorizers configuration found, please specify target vector name")


def choose_targets(info: ClassInfo, requested: Sequence[str] | None) -> list[str]:
    """The target vectors to search: the requested ones (checked against the class) or the default one."""
    if not requested:
        return [default_target(info)]
    unknown = [t for t in requested if t not in info.targets or t == LEGACY_TARGET]
    if unknown:
        available = ", ".join(info.named_targets) or "none"
        raise SearchError(f"class {info.name} does not have named vector {unknown[0]} configured. Available named "
                          f"vectors: {available}")
    return list(dict.fromkeys(requested))


def metric(info: ClassInfo, target: str) -> str:
    return (info.targets[target].index_config or {}).get("distance", "cosine") if target in info.targets \
        else "cosine"
