"""The enabled modules, and the calls the rest of the server makes through them.

The server holds one registry (`app.state.modules`); the schema service, the object path and the query front ends
(GraphQL, gRPC) only talk to modules through it, so they never need to know which module serves a class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from weavebind.errors import RestrictionViolation
from weavebind.vectorizers.base import ClassConfigValidator, Module, QueryVectorizer, VectorizerError

if TYPE_CHECKING:
    from weavebind.schema.models import ClassInfo
    from weavebind.server.settings import Settings
    from weavebind.storage.records import ObjectRecord

# name → factory; the built-in modules register here (filled in by the vectorizer-modules issue).
BUILTIN_MODULES: dict[str, Any] = {}


class ModuleRegistry:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.modules: dict[str, Module] = {}
        for name in settings.enable_modules:
            factory = BUILTIN_MODULES.get(name)
            if factory is not None:
                self.modules[name] = factory()

    def start(self) -> None:
        for module in self.modules.values():
            module.init(self.settings)

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
            module.validate_class_config(module_config, class_config)

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

    def vectorize_records(self, info: ClassInfo, records: Sequence[ObjectRecord]) -> dict[int, VectorizerError]:
        """Fill `record.vectors` for every module-vectorized target the object did not bring a vector for.
        Returns the records (by position) that failed, each with its own error; the others are ready to store."""
        raise NotImplementedError("object vectorization is built by the vectorizer-modules issue")
