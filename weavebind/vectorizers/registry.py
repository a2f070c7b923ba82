"""The enabled modules, and the calls the rest of the server makes through them.

The server holds one registry (`app.state.modules`); the schema service, the object path and the query front ends
(GraphQL, gRPC) only talk to modules through it, so they never need to know which module serves a class.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np

from weavebind.errors import RestrictionViolation
from weavebind.vectorizers import bind, clip
from weavebind.vectorizers.base import (
    ClassConfigValidator,
    Module,
    ObjectVectorizer,
    QueryVectorizer,
    VectorizerError,
)

if TYPE_CHECKING:
    from weavebind.schema.models import ClassInfo, VectorTarget
    from weavebind.server.settings import Settings
    from weavebind.storage.records import ObjectRecord

# name → factory; ENABLE_MODULES picks from this table by Weaviate's module names.
BUILTIN_MODULES: dict[str, Any] = {
    clip.CLIP.name: clip.create,
    bind.BIND.name: bind.create,
}


class ModuleRegistry:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.modules: dict[str, Module] = {}
        for name in settings.enable_modules:
            factory = BUILTIN_MODULES.get(name)
            if factory is not None:
                self.modules[name] = factory()

    def start(self) -> None:
        """Initialise every module; their readiness waits run side by side, so start-up waits for the slowest
        container, not for the sum (Weaviate gives all modules one 120 s init context)."""
        if not self.modules:
            return
        with ThreadPoolExecutor(len(self.modules)) as pool:
            for future in [pool.submit(module.init, self.settings) for module in self.modules.values()]:
                future.result()

    def close(self) -> None:
        for module in self.modules.values():
            module.close()

    def meta(self) -> dict[str, dict[str, Any]]:
        return {name: module.meta() for name, module in self.modules.items()}

    def validate(self, module_name: str, module_config: dict[str, Any], class_config: dict[str, Any]) -> None:
        """SchemaOptions.validate_module: check one vectorizer's moduleConfig (422 on error)."""
        module = self.modules.get(module_name)
        if module is None:
            raise RestrictionViolation(f'vectorizer: no module with name "{module_name}" present')
        if isinstance(module, ClassConfigValidator):
            try:
                module.validate_class_config(module_config, class_config)
            except RestrictionViolation as exc:
                where = _target_of(module_name, module_config, class_config)
                raise RestrictionViolation(f"{where}module '{module_name}': {exc.message}") from None

    def search_modalities(self, info: ClassInfo) -> dict[str, tuple[str, ...]]:
        """Target vector name → the modalities its vectorizer can turn a query into (drives near<Modality>)."""
        offered: dict[str, tuple[str, ...]] = {}
        for name, target in info.targets.items():
            module = self.modules.get(target.vectorizer)
            if isinstance(module, QueryVectorizer):
                offered[name] = tuple(module.modalities)
        return offered

    def vectorize_query(self, info: ClassInfo, target_name: str, modality: str, inputs: Sequence[str]) -> np.ndarray:
        """The query vector for near<Modality> (nearText: all concepts; media: one base64 payload)."""
        target = info.targets[target_name]
        module = self.modules.get(target.vectorizer)
        if not isinstance(module, QueryVectorizer) or modality not in module.modalities:
            raise VectorizerError(
                f"could not vectorize input for collection {info.name} with search-type {modality}. Make sure a "
                "vectorizer module is configured for this collection", status=422)
        return module.vectorize_query(target, modality, inputs)

    def vectorizable_properties(self, info: ClassInfo, target_name: str) -> set[str]:
        """The properties whose change means the target's vector must be computed again (PUT/PATCH)."""
        target = info.targets[target_name]
        module = self.modules.get(target.vectorizer)
        return module.vectorizable_properties(target) if isinstance(module, ObjectVectorizer) else set()

    def vectorize_records(self, info: ClassInfo, records: Sequence[ObjectRecord]) -> dict[int, VectorizerError]:
        """Fill `record.vectors` for every module-vectorized target the object did not bring a vector for.
        Returns the records (by position) that failed, each with its own error; the others are ready to store."""
        failures: dict[int, VectorizerError] = {}
        for target in info.targets.values():
            if target.vectorizer == "none":
                continue
            todo = [i for i, r in enumerate(records) if i not in failures and target.name not in r.vectors]
            if not todo:
                continue
            results = self._vectorize_target(target, [records[i].properties for i in todo])
            for position, result in zip(todo, results, strict=True):
                if isinstance(result, VectorizerError):
                    failures[position] = _for_target(target.name, result)
                elif result is not None:
                    records[position].vectors[target.name] = result
        return failures

    def _vectorize_target(self, target: VectorTarget, properties: list[dict]) -> list:
        module = self.modules.get(target.vectorizer)
        if not isinstance(module, ObjectVectorizer):
            error = VectorizerError(f'vectorizer: no module with name "{target.vectorizer}" present; enable it in '
                                    "ENABLE_MODULES or send the vector with the object", status=422)
            return [error] * len(properties)
        return module.vectorize_objects(target, properties)


def _for_target(name: str, error: VectorizerError) -> VectorizerError:
    # Weaviate names the target vector in the message (`vectorize target vector <name>: ...`); the legacy vector
    # has no name, and the bare message reads better than Weaviate's `vectorize target vector : ...`.
    if not name:
        return error
    return VectorizerError(f"vectorize target vector {name}: {error.message}", error.status)


def _target_of(module: str, module_config: dict[str, Any], class_config: dict[str, Any]) -> str:
    """`target vector "<name>": ` for the named vector this config belongs to, else "" (the legacy vector).
    The schema hook passes only the config; the first named vector holding an equal config is the one meant
    (or one with an identical config, whose error would read the same)."""
    for name, vc in (class_config.get("vectorConfig") or {}).items():
        block = vc.get("vectorizer") if isinstance(vc, dict) else None
        if isinstance(block, dict) and module in block and (block[module] or {}) == module_config:
            return f'target vector "{name}": '
    return ""
