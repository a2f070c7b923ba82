"""What a query needs from the rest of the server, passed explicitly so `search/` stays free of Starlette."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from weavebind.search.errors import SearchError

if TYPE_CHECKING:
    from weavebind.schema.models import ClassInfo
    from weavebind.schema.service import SchemaService
    from weavebind.storage.store import Store
    from weavebind.vectorizers.registry import ModuleRegistry


@dataclass
class SearchContext:
    store: Store
    schema: SchemaService
    modules: ModuleRegistry | None
    settings: Any   # weavebind.server.settings.Settings (not imported: search/ must not depend on server/)

    def class_info(self, name: str, tenant: str | None = None) -> ClassInfo:
        """The class a query reads, bound to its tenant (Weaviate's multi-tenancy checks raise ApiError 422)."""
        info = self.schema.get(name)
        if info is None:
            raise SearchError(f'class "{name}" does not exist in schema', kind="missing")
        return self.schema.tenants.scope(info, tenant) if tenant or info.multi_tenant else info
