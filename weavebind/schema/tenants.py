"""Tenants of multi-tenant classes: the tenants API's rules, and the scope every data path asks for.

A tenant's objects are stored under the key "Class#tenant" (`storage.records.storage_key`) with indexes of their own;
an active (HOT) tenant has them in memory, an inactive (COLD) one only in SQL and its snapshot files. The statuses
are cached here (the store persists them), so checking a request's tenant costs a dictionary lookup.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Callable, Sequence
from typing import Any

from weavebind.errors import ApiError, NotFound, Unprocessable
from weavebind.schema.models import ClassInfo
from weavebind.storage.records import storage_key
from weavebind.storage.store import Store

TENANT_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # fullmatch: "$" would let a final newline through
NAME_RULE = ("tenant name should only contain alphanumeric characters (a-z, A-Z, 0-9), underscore (_), and hyphen "
             "(-), with a length between 1 and 64 characters")
# What clients send (Weaviate ≥ 1.26 names and the older ones) → what is stored.
STATUS_IN = {"HOT": "HOT", "ACTIVE": "HOT", "COLD": "COLD", "INACTIVE": "COLD"}
STATUS_OUT = {"HOT": "ACTIVE", "COLD": "INACTIVE"}
OFFLOAD_STATUSES = ("FROZEN", "OFFLOADED")


class TenantError(ApiError):
    """A request's tenant does not fit its class (Weaviate's multi-tenancy errors: 422)."""

    def __init__(self, message: str):
        super().__init__(message, status=422)


class TenantRegistry:
    def __init__(self, store: Store, class_of: Callable[[str], ClassInfo | None]):
        self.store = store
        self.class_of = class_of
        self.statuses: dict[str, dict[str, str]] = {}  # class → tenant → "HOT" | "COLD"
        self.lock = threading.RLock()

    def load(self) -> dict[str, list[str]]:
        """Read the stored tenants; returns class → the storage keys of its active tenants."""
        with self.lock:
            self.statuses = self.store.load_tenants()
            return {cls: [storage_key(cls, name) for name, status in tenants.items() if status == "HOT"]
                    for cls, tenants in self.statuses.items()}

    def active_keys(self, info: ClassInfo) -> list[str]:
        with self.lock:
            tenants = self.statuses.get(info.name, {})
            return [storage_key(info.name, name) for name, status in tenants.items() if status == "HOT"]

    # -- the scope of a data request ---------------------------------------------------------------------------
    def scope(self, info: ClassInfo, tenant: str | None, create: bool = False) -> ClassInfo:
        """`info` bound to the request's tenant, after Weaviate's checks: a multi-tenant class needs an existing,
        active tenant (created or activated on the fly where the class allows it); any other class takes none."""
        if not info.multi_tenant:
            if tenant:
                raise TenantError(f"class {info.name} has multi-tenancy disabled, but request was with tenant")
            return info
        if not tenant:
            raise TenantError(f"class {info.name} has multi-tenancy enabled, but request was without tenant")
        status = self.statuses.get(info.name, {}).get(tenant)
        config = info.config.get("multiTenancyConfig") or {}
        if status is None and create and config.get("autoTenantCreation"):
            status = self._auto_create(info, tenant)
        if status is None:
            raise TenantError(f'tenant not found: "{tenant}"')
        if status != "HOT":
            if not config.get("autoTenantActivation"):
                raise TenantError(f"tenant not active: '{tenant}'")
            self.update(info, [{"name": tenant, "activityStatus": "HOT"}])
        return dataclasses.replace(info, tenant=tenant)

    def _auto_create(self, info: ClassInfo, tenant: str) -> str:
        if not TENANT_NAME.fullmatch(tenant):
            raise TenantError(f"tenant name {tenant!r}: {NAME_RULE}")
        with self.lock:
            if tenant not in self.statuses.get(info.name, {}):
                self._create(info, {tenant: "HOT"})
            return self.statuses[info.name][tenant]

    # -- the tenants API ---------------------------------------------------------------------------------------
    def list(self, info: ClassInfo, names: Sequence[str] | None = None) -> list[dict[str, str]]:
        self._require(info)
        tenants = self.statuses.get(info.name, {})
        chosen = tenants if names is None else [n for n in names if n in tenants]
        return [{"name": name, "activityStatus": STATUS_OUT[tenants[name]]} for name in chosen]

    def get(self, info: ClassInfo, name: str) -> dict[str, str]:
        self._require(info)
        status = self.statuses.get(info.name, {}).get(name)
        if status is None:
            raise NotFound(f"tenant '{name}' not found")
        return {"name": name, "activityStatus": STATUS_OUT[status]}

    def add(self, info: ClassInfo, body: Any) -> list[dict[str, str]]:
        """Create tenants; ones that exist already are left as they are (Weaviate's answer is the same)."""
        wanted = self._parse(body, allow_empty_status=True)
        self._require(info)
        with self.lock:
            known = self.statuses.get(info.name, {})
            self._create(info, {name: status for name, status in wanted.items() if name not in known})
        return [{"name": name, "activityStatus": STATUS_OUT[self.statuses[info.name][name]]} for name in wanted]

    def _create(self, info: ClassInfo, wanted: dict[str, str]) -> None:
        if not wanted:
            return
        too_long = [n for n in wanted if len(storage_key(info.name, n)) > 255]
        if too_long:
            raise Unprocessable(f"tenant '{too_long[0]}': class and tenant name together exceed 255 characters")
        self.store.add_tenants(info.name, wanted, info.index_specs())
        self.statuses.setdefault(info.name, {}).update(wanted)

    def update(self, info: ClassInfo, body: Any) -> list[dict[str, str]]:
        wanted = self._parse(body, allow_empty_status=False)
        self._require(info)
        with self.lock:
            known = self.statuses.get(info.name, {})
            missing = [name for name in wanted if name not in known]
            if missing:
                raise NotFound(f"tenant '{missing[0]}' not found")
            for name, status in wanted.items():
                if known[name] != status:
                    self.store.set_tenant_status(info.name, name, status, info.index_specs())
                    known[name] = status
        return [{"name": name, "activityStatus": STATUS_OUT[status]} for name, status in wanted.items()]

    def delete(self, info: ClassInfo, body: Any) -> None:
        if not isinstance(body, list) or not all(isinstance(n, str) for n in body):
            raise Unprocessable("the body must be a list of tenant names")
        _check_names(body)
        self._require(info)
        with self.lock:
            known = self.statuses.get(info.name, {})
            existing = [name for name in dict.fromkeys(body) if name in known]
            self.store.delete_tenants(info.name, existing)
            for name in existing:
                del known[name]

    def forget_class(self, name: str) -> None:
        with self.lock:
            self.statuses.pop(name, None)

    @staticmethod
    def _require(info: ClassInfo) -> None:
        if not info.multi_tenant:
            raise Unprocessable(f'multi-tenancy is not enabled for class "{info.name}"')

    @staticmethod
    def _parse(body: Any, allow_empty_status: bool) -> dict[str, str]:
        """name → stored status of a tenants body (`[{"name", "activityStatus"}]`), Weaviate's checks and texts."""
        if not isinstance(body, list) or not all(isinstance(t, dict) for t in body):
            raise Unprocessable("the body must be a list of tenants ({\"name\": ..., \"activityStatus\": ...})")
        _check_names([t.get("name") for t in body])
        wanted: dict[str, str] = {}
        problems = []
        for position, tenant in enumerate(body):
            raw = tenant.get("activityStatus") or ("" if allow_empty_status else None)
            if not isinstance(raw, str):
                problems.append(f"invalid activity status {raw!r} at index {position}")
            elif raw == "":
                wanted[tenant["name"]] = "HOT"
            elif raw in STATUS_IN:
                wanted[tenant["name"]] = STATUS_IN[raw]
            elif raw in OFFLOAD_STATUSES:
                problems.append(f"activity status '{raw}' at index {position} is not supported by weavebind: it "
                                "keeps inactive tenants on local disk (use INACTIVE)")
            else:
                problems.append(f"invalid activity status '{raw}' at index {position}")
        if problems:
            raise Unprocessable(", ".join(problems))
        return wanted


def _check_names(names: list[Any]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(names):
        if not isinstance(name, str) or not TENANT_NAME.fullmatch(name):
            raise Unprocessable(f"tenant name at index {position}: {NAME_RULE}")
        if name in seen:
            raise Unprocessable(f"duplicate tenant name {name}")
        seen.add(name)
