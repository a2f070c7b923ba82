"""Class management: create, update, delete, add property; persisted through the store, cached as ClassInfo."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from weavebind.errors import RestrictionViolation
from weavebind.schema import validation as v
from weavebind.schema.aliases import AliasRegistry
from weavebind.schema.defaults import MULTI_TENANCY_DEFAULTS, class_with_defaults, property_with_defaults
from weavebind.schema.index_update import check_compression_dims, check_index_update
from weavebind.schema.models import ClassInfo
from weavebind.schema.tenants import TenantRegistry
from weavebind.storage.store import Store

# Validates one vectorizer's moduleConfig for a class: (module, module_config, class_config) → raises on error.
ModuleValidator = Callable[[str, dict, dict], None]


@dataclass
class SchemaOptions:
    default_vectorizer: str = "none"
    default_distance: str = "cosine"
    default_filter_strategy: str = "sweeping"  # defaults.filter_strategy_for(the advertised version)
    enabled_modules: tuple[str, ...] = ()
    validate_module: ModuleValidator | None = None
    listeners: list[Callable[[], None]] = field(default_factory=list)  # called after every schema change


class SchemaService:
    def __init__(self, store: Store, options: SchemaOptions):
        self.store = store
        self.options = options
        self.classes: dict[str, ClassInfo] = {}
        self.lock = threading.RLock()
        self.tenants = TenantRegistry(store, self.get)
        self.aliases = AliasRegistry(store, lambda: set(self.classes), self._changed)
        store.schema_listeners.append(self.reload)

    def load(self) -> dict[str, dict]:
        """Read the stored classes and tenants; returns the index specs of every storage key for `Store.open` (a
        class's own, or its active tenants' for a multi-tenant class)."""
        with self.lock:
            self.classes = {config["class"]: ClassInfo.from_config(config) for config in self.store.load_classes()}
            active = self.tenants.load()
            self.aliases.load()
            specs = {}
            for name, info in self.classes.items():
                for key in active.get(name, []) if info.multi_tenant else [name]:
                    specs[key] = info.index_specs()
            return specs

    def reload(self) -> None:
        """Take the schema another server sharing the database changed (Store.sync calls this): classes, tenants
        and aliases are read again, the store's indexes follow, and the GraphQL schema is rebuilt."""
        with self.lock:
            self.store.reconcile(self.load())
            self._changed()

    def get(self, name: str) -> ClassInfo | None:
        """The class called `name`, or the class the alias `name` points to."""
        if not isinstance(name, str):
            return None
        name = v.capitalize_class(name)
        found = self.classes.get(name)
        if found is None and self.aliases.targets:
            target = self.aliases.targets.get(name)
            found = self.classes.get(target) if target is not None else None
        return found

    def _changed(self) -> None:
        for listener in self.options.listeners:
            listener()

    def all(self) -> list[ClassInfo]:
        return list(self.classes.values())

    def _save(self, config: dict[str, Any]) -> ClassInfo:
        info = ClassInfo.from_config(config)
        keys = self.tenants.active_keys(info) if info.multi_tenant else None
        self.store.save_class(info.name, config, info.index_specs(), keys)
        self.classes[info.name] = info
        self._changed()
        return info

    # -- create ----------------------------------------------------------------------------------------------
    def add_class(self, body: Any) -> ClassInfo:
        if not isinstance(body, dict):
            raise RestrictionViolation("the class definition must be a JSON object")
        with self.lock:
            name = self._check_new_name(body.get("class"))
            config = self.normalize_class({**body, "class": name})
            return self._save(config)

    def _check_new_name(self, raw: Any) -> str:
        if not isinstance(raw, str) or not raw:
            raise RestrictionViolation(f"'{raw or ''}' is not a valid class name")
        name = v.check_class_name(v.capitalize_class(raw))
        if name in self.classes:
            raise RestrictionViolation(f"class name {name} already exists")
        if name in self.aliases.targets:
            raise RestrictionViolation(f"class name {name} already exists as an alias")
        similar = [c for c in self.classes if c.lower() == name.lower()]
        if similar:
            raise RestrictionViolation(f'class already exists: found similar class "{similar[0]}"')
        return name

    def normalize_class(self, body: dict[str, Any]) -> dict[str, Any]:
        """Validate a class body and return it with Weaviate's defaults filled in."""
        name = body["class"]
        known = set(self.classes) | {name}
        props = body.get("properties") or []
        if not isinstance(props, list):
            raise RestrictionViolation(f"class '{name}': properties must be a list")
        normalized = [v.normalize_property(p, name, known) for p in props]
        seen: set[str] = set()
        for prop in normalized:
            if prop["name"].lower() in seen:
                raise RestrictionViolation(f'class "{name}": conflict for property "{prop["name"]}": '
                                           "already in use or provided multiple times")
            seen.add(prop["name"].lower())
        self._check_class_options(body)
        config = class_with_defaults({**body, "properties": normalized}, self.options.default_vectorizer,
                                     self.options.default_distance, self.options.default_filter_strategy)
        self._check_vectors(config)
        return config

    def _check_class_options(self, body: dict[str, Any]) -> None:
        # Checked before the defaults are merged in, which would silently replace a value that is not an object.
        for key in ("moduleConfig", "invertedIndexConfig", "vectorConfig", "multiTenancyConfig", "vectorIndexConfig",
                    "shardingConfig", "replicationConfig"):
            if key in body and body[key] is not None and not isinstance(body[key], dict):
                raise RestrictionViolation(f"class '{body['class']}': {key} must be a JSON object")
        for key in ("bm25", "stopwords"):
            value = (body.get("invertedIndexConfig") or {}).get(key)
            if value is not None and not isinstance(value, dict):
                raise RestrictionViolation(f"class '{body['class']}': invertedIndexConfig.{key} must be a JSON object")
        for name, vc in (body.get("vectorConfig") or {}).items():
            if not isinstance(vc, dict):
                raise RestrictionViolation(f'target vector "{name}": the vector configuration must be a JSON object')
            if vc.get("vectorIndexConfig") is not None and not isinstance(vc["vectorIndexConfig"], dict):
                raise RestrictionViolation(f'target vector "{name}": vectorIndexConfig must be a JSON object')
        if "description" in body and not isinstance(body["description"], str | None):
            raise RestrictionViolation(f"class '{body['class']}': description must be a string")
        for key, value in (body.get("multiTenancyConfig") or {}).items():
            if key not in MULTI_TENANCY_DEFAULTS:
                raise RestrictionViolation(f"multiTenancyConfig.{key} is not a multi-tenancy setting; known: "
                                           f"{', '.join(MULTI_TENANCY_DEFAULTS)}")
            if not isinstance(value, bool):
                raise RestrictionViolation(f"multiTenancyConfig.{key} must be true or false, got {value!r}")
        factor = (body.get("replicationConfig") or {}).get("factor", 1)
        if factor not in (0, 1):
            raise RestrictionViolation(f"replicationConfig.factor {factor!r} is not supported: weavebind keeps one "
                                       "copy in SQL; use PostgreSQL replication for redundancy")
        bm25 = (body.get("invertedIndexConfig") or {}).get("bm25") or {}
        for key in ("k1", "b"):
            if key in bm25 and (not isinstance(bm25[key], int | float) or isinstance(bm25[key], bool)):
                raise RestrictionViolation(f"invertedIndexConfig.bm25.{key} must be a number, got {bm25[key]!r}")

    def _check_vectors(self, config: dict[str, Any]) -> None:
        if "vectorIndexConfig" in config:
            v.check_vector_index(f"class '{config['class']}'", config.get("vectorIndexType"),
                                 config["vectorIndexConfig"])
            self._check_vectorizer(config.get("vectorizer"), "")
            self._check_module_config(config)
        for name, vc in (config.get("vectorConfig") or {}).items():
            where = f'target vector "{name}"'
            if not isinstance(name, str) or not v.PROPERTY_NAME.match(name):
                raise RestrictionViolation(f"{where}: is not a valid vector name; names must match "
                                           "/[_A-Za-z][_0-9A-Za-z]{0,230}/")
            if not isinstance(vc, dict):
                raise RestrictionViolation(f"{where}: the vector configuration must be a JSON object")
            vectorizer = vc.get("vectorizer", {"none": {}})
            if not isinstance(vectorizer, dict):
                raise RestrictionViolation("class.VectorConfig.Vectorizer must be an object, "
                                           f"got {type(vectorizer).__name__}")
            if len(vectorizer) != 1:
                raise RestrictionViolation("class.VectorConfig.Vectorizer must consist only 1 configuration, "
                                           f"got: {len(vectorizer)}")
            module, module_config = next(iter(vectorizer.items()))
            self._check_vectorizer(module, f"{where}: ")
            if module_config is not None and not isinstance(module_config, dict):
                raise RestrictionViolation(f"{where}: the configuration of vectorizer \"{module}\" must be a JSON "
                                           "object")
            v.check_vector_index(where, vc.get("vectorIndexType"), vc.get("vectorIndexConfig"))
            if self.options.validate_module and module != "none":
                self.options.validate_module(module, module_config or {}, config)

    def _check_vectorizer(self, module: Any, prefix: str) -> None:
        if module == "none":
            return
        if not isinstance(module, str) or module not in self.options.enabled_modules:
            raise RestrictionViolation(f'{prefix}vectorizer: no module with name "{module}" present')

    def _check_module_config(self, config: dict[str, Any]) -> None:
        module_config = config.get("moduleConfig") or {}
        vectorizers = [m for m in module_config if m in self.options.enabled_modules]
        if len(vectorizers) > 1:
            raise RestrictionViolation(f"multiple vectorizers configured in class's moduleConfig: {vectorizers}. "
                                       f'class.vectorizer is set to "{config.get("vectorizer")}"')
        module = config.get("vectorizer")
        if self.options.validate_module and module in module_config:
            self.options.validate_module(module, module_config[module] or {}, config)

    # -- update / delete -------------------------------------------------------------------------------------
    def update_class(self, info: ClassInfo, body: Any) -> ClassInfo:
        if not isinstance(body, dict):
            raise RestrictionViolation("the class definition must be a JSON object")
        with self.lock:
            given = body.get("class") or info.name
            if not isinstance(given, str):
                raise RestrictionViolation(f"'{given}' is not a valid class name")
            given = v.capitalize_class(given)
            if given != info.name:
                raise RestrictionViolation(f"class name is immutable: attempted change from \"{info.name}\" to "
                                           f"\"{given}\"")
            merged = {**info.config, **body, "class": info.name}
            if "properties" in body:
                self._check_same_properties(info, body.get("properties"))
            merged["properties"] = info.config.get("properties")
            new = self.normalize_class(merged)
            self._check_immutables(info.config, new)
            self._check_dims(info, new)
            return self._save(new)

    def _check_dims(self, info: ClassInfo, new: dict[str, Any]) -> None:
        """Compression switched on for vectors already stored must fit their length (pq segments)."""
        dims = self.store.indexes.dimension
        check_compression_dims("", new.get("vectorIndexConfig"), dims(info.key, ""))
        for name, vc in (new.get("vectorConfig") or {}).items():
            check_compression_dims(f"vectorConfig.{name}.", vc.get("vectorIndexConfig"), dims(info.key, name))

    def _check_same_properties(self, info: ClassInfo, props: Any) -> None:
        # repr() keys: a body may hold any JSON here, and only equality with the stored properties matters.
        given = {(v.lower_first(p["name"]) if isinstance(p.get("name"), str) else repr(p.get("name")),
                  repr(p.get("dataType") or []))
                 for p in props or [] if isinstance(p, dict)}
        current = {(p["name"], repr(p["dataType"])) for p in info.properties.values()}
        if props is not None and given != current:
            raise RestrictionViolation(
                "properties cannot be updated through updating the class. Use the add property feature (e.g. "
                '"POST /v1/schema/{className}/properties") to add additional properties')

    @staticmethod
    def _check_immutables(old: dict[str, Any], new: dict[str, Any]) -> None:
        enabled = [(c.get("multiTenancyConfig") or {}).get("enabled", False) for c in (old, new)]
        if enabled[0] != enabled[1]:
            raise RestrictionViolation(f"enabling multi-tenancy for an existing class is not supported: "
                                       f'multiTenancyConfig.enabled is immutable (attempted change from '
                                       f'{str(enabled[0]).lower()} to {str(enabled[1]).lower()})')
        for key in ("vectorizer", "vectorIndexType"):
            if old.get(key) != new.get(key):
                raise RestrictionViolation(f'{key} is immutable: attempted change from "{old.get(key)}" to '
                                           f'"{new.get(key)}"')
        check_index_update("", old.get("vectorIndexType"), old.get("vectorIndexConfig"), new.get("vectorIndexConfig"))
        new_vectors = new.get("vectorConfig") or {}
        for name, before in (old.get("vectorConfig") or {}).items():
            after = new_vectors.get(name)
            if after is None:
                raise RestrictionViolation("named vectors cannot be removed from a class")
            if (before.get("vectorizer") or {"none": {}}) != (after.get("vectorizer") or {"none": {}}):
                raise RestrictionViolation(f'vectorizer config of vector "{name}" is immutable')
            old_type, new_type = before.get("vectorIndexType"), after.get("vectorIndexType")
            if old_type != new_type:
                raise RestrictionViolation(f'vector index type of vector "{name}" is immutable: attempted change '
                                           f'from "{old_type}" to "{new_type}"')
            check_index_update(f"vectorConfig.{name}.", old_type, before.get("vectorIndexConfig"),
                               after.get("vectorIndexConfig"))

    def delete_class(self, name: str) -> None:
        with self.lock:
            info = self.classes.get(v.capitalize_class(name)) if isinstance(name, str) else None
            if info is None:  # an alias is not a class: deleting one deletes nothing
                return
            self.store.delete_class(info.name)
            del self.classes[info.name]
            self.tenants.forget_class(info.name)
            self.aliases.forget_class(info.name)
            self._changed()

    def add_property(self, info: ClassInfo, body: Any) -> dict[str, Any]:
        with self.lock:
            prop = property_with_defaults(v.normalize_property(body, info.name, set(self.classes)))
            if prop["name"].lower() in {p.lower() for p in info.properties}:
                raise RestrictionViolation(f'class "{info.name}": conflict for property "{prop["name"]}": '
                                           "already in use or provided multiple times")
            config = dict(info.config)
            config["properties"] = [*(config.get("properties") or []), prop]
            self._save(config)
            return prop

