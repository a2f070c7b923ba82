"""Collection aliases (Weaviate ≥ 1.32): another name for a class. `SchemaService.get` resolves them, so every path
that takes a class name (REST, GraphQL, gRPC, batches) accepts an alias; the answers name the class itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from weavebind.errors import NotFound, Unprocessable
from weavebind.schema import validation as v
from weavebind.storage.store import Store


class AliasRegistry:
    def __init__(self, store: Store, class_names: Callable[[], set[str]], changed: Callable[[], None]):
        self.store = store
        self.class_names = class_names  # the names of the classes that exist now
        self.changed = changed          # called after every change (the GraphQL schema offers aliases too)
        self.targets: dict[str, str] = {}  # alias → class
        self.lock = threading.RLock()

    def load(self) -> None:
        self.targets = self.store.load_aliases()

    def list(self, class_name: Any = None) -> list[dict[str, str]]:
        wanted = v.capitalize_class(class_name) if isinstance(class_name, str) and class_name else None
        return [{"alias": alias, "class": target} for alias, target in sorted(self.targets.items())
                if wanted is None or target == wanted]

    def get(self, name: str) -> dict[str, str]:
        alias = v.capitalize_class(name)
        if alias not in self.targets:
            raise NotFound(f"alias {alias} not found")
        return {"alias": alias, "class": self.targets[alias]}

    def create(self, body: Any) -> dict[str, str]:
        if not isinstance(body, dict):
            raise Unprocessable("the alias must be a JSON object {\"alias\": ..., \"class\": ...}")
        alias = self._name(body.get("alias"))
        with self.lock:
            if alias in self.targets:
                raise Unprocessable(f"create alias: alias {alias} already exists")
            if alias in self.class_names():
                raise Unprocessable(f"create alias: class {alias} already exists; an alias cannot take the name of "
                                    "a class")
            return self._point(alias, body.get("class"))

    def update(self, name: str, body: Any) -> dict[str, str]:
        alias = v.capitalize_class(name)
        if not isinstance(body, dict):
            raise Unprocessable("the body must be a JSON object {\"class\": ...}")
        with self.lock:
            if alias not in self.targets:
                raise NotFound(f"alias {alias} not found")
            return self._point(alias, body.get("class"))

    def delete(self, name: str) -> None:
        alias = v.capitalize_class(name)
        with self.lock:
            if alias not in self.targets:
                raise NotFound(f"alias {alias} not found")
            self.store.delete_alias(alias)
            del self.targets[alias]
        self.changed()

    def forget_class(self, class_name: str) -> None:
        """The class is gone (the store deleted its aliases with it)."""
        with self.lock:
            for alias in [a for a, target in self.targets.items() if target == class_name]:
                del self.targets[alias]

    def _point(self, alias: str, raw_class: Any) -> dict[str, str]:
        if not isinstance(raw_class, str) or not raw_class:
            raise Unprocessable("the alias needs a target: \"class\" must name an existing class")
        target = v.capitalize_class(raw_class)
        if target not in self.class_names():
            raise Unprocessable(f"class {target} not found: an alias must point to an existing class")
        self.store.save_alias(alias, target)
        self.targets[alias] = target
        self.changed()
        return {"alias": alias, "class": target}

    @staticmethod
    def _name(raw: Any) -> str:
        if not isinstance(raw, str) or not raw:
            raise Unprocessable("alias name must not be empty")
        name = v.capitalize_class(raw)
        if not v.CLASS_NAME.match(name):
            raise Unprocessable(f"'{raw}' is not a valid alias name: alias names follow class names "
                                "(/^[A-Z][_0-9A-Za-z]*$/)")
        return name
