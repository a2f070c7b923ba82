"""Which arguments each field offers (spec 1.3, 1.5, 1.17, 1.18): the fixed ones, plus near<Modality> for the
modalities the class's vectorizer can turn into a query vector."""

from __future__ import annotations

from typing import Optional

from weavebind.schema.graphql import inputs as i
from weavebind.schema.graphql.dynamic import argument
from weavebind.vectorizers.base import MODALITIES, MODALITY_BY_NAME

# ruff: noqa: UP045

# weaviate-ts-client 2.2.0 sends Aggregate's and Explore's media arguments as `Image:`, `Audio:`, ... (its
# NearMediaType enum); accepted as a compatibility shim (docs/graphql.md).
TS_CLIENT_ALIASES = {m.argument: m.argument[len("near"):] for m in MODALITIES if m.name != "text"}


def module_arguments(modalities: set[str], explore: bool = False) -> list:
    out = []
    for modality in MODALITIES:
        if modality.name not in modalities:
            continue
        if modality.name == "text":
            out.append(argument("nearText", Optional[i.ExploreNearTextInp if explore else i.NearTextInp]))
        else:
            out.append(argument(modality.argument, Optional[i.MEDIA_INPUTS[modality.argument]]))
    return out


def tenant_argument(multi_tenant: bool) -> list:
    """`tenant: String`, which Weaviate offers on Get and Aggregate of multi-tenant classes only."""
    return [argument("tenant", Optional[str])] if multi_tenant else []


def get_arguments(modalities: set[str], multi_tenant: bool = False) -> list:
    return [*tenant_argument(multi_tenant),
        argument("after", Optional[str]), argument("limit", Optional[int]), argument("offset", Optional[int]),
        argument("autocut", Optional[int]), argument("sort", Optional[list[Optional[i.SortInp]]]),
        argument("nearVector", Optional[i.NearVectorInp]), argument("nearObject", Optional[i.NearObjectInp]),
        argument("where", Optional[i.WhereInp]), argument("group", Optional[i.GroupInp]),
        argument("groupBy", Optional[i.GroupByInp]), argument("bm25", Optional[i.Bm25Inp]),
        argument("hybrid", Optional[i.HybridInp]), *module_arguments(modalities)]


def ts_client_aliases(modalities: set[str]) -> list:
    return [argument(TS_CLIENT_ALIASES[MODALITY_BY_NAME[m].argument],
                     Optional[i.MEDIA_INPUTS[MODALITY_BY_NAME[m].argument]])
            for m in sorted(modalities) if m != "text"]


def explore_arguments(modalities: set[str]) -> list:
    return [argument("limit", Optional[int]), argument("offset", Optional[int]),
            argument("nearVector", Optional[i.ExploreNearVectorInp]),
            argument("nearObject", Optional[i.ExploreNearObjectInp]), *module_arguments(modalities, explore=True),
            *ts_client_aliases(modalities)]


def aggregate_arguments(modalities: set[str], multi_tenant: bool = False) -> list:
    aliases = ts_client_aliases(modalities)
    return [*tenant_argument(multi_tenant), argument("where", Optional[i.WhereInp]),
            argument("groupBy", Optional[list[Optional[str]]]),
            argument("limit", Optional[int]), argument("objectLimit", Optional[int]),
            argument("nearVector", Optional[i.NearVectorInp]), argument("nearObject", Optional[i.NearObjectInp]),
            argument("hybrid", Optional[i.HybridInp]), *module_arguments(modalities), *aliases]
