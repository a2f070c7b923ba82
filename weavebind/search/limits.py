"""Weaviate's limit / offset rules for Get (spec 1.7): defaults, threshold searches, QUERY_MAXIMUM_RESULTS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from weavebind.search.errors import SearchError

EXPLORE_DEFAULT_LIMIT = 20


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int          # results wanted after skipping `offset`
    by_distance: bool   # a threshold search without a limit: everything within it, up to the maximum


def max_results_error(offset: int, limit: int, maximum: int) -> SearchError:
    return SearchError(
        f"query maximum results exceeded: the total limit calculated from the provided offset '{offset}' and "
        f"limit '{limit}' exceeds the configured value for QUERY_MAXIMUM_RESULTS '{maximum}'. If you've supplied "
        "a negative offset or limit, this may be an underflow error")


def resolve_page(limit: int | None, offset: int | None, autocut: int | None, settings: Any,
                 threshold: bool = False, plain_list: bool = False) -> Page:
    """The page one Get asks for.

    No limit, offset or autocut at all: QUERY_DEFAULTS_LIMIT_GRAPHQL (100). A limit missing (or negative) next to
    an offset or autocut: QUERY_DEFAULTS_LIMIT (10). A vector search with a certainty/distance threshold and no
    limit: all results within the threshold, up to QUERY_MAXIMUM_RESULTS."""
    maximum = settings.query_maximum_results
    start = offset or 0
    if threshold and (limit is None or limit < 0):
        if start < 0 or start >= maximum:
            raise max_results_error(start, -1 if limit is None else limit, maximum)
        return Page(start, maximum - start, True)
    if limit is None and offset is None and autocut is None:
        count = settings.query_defaults_limit_graphql
    elif limit is None or limit < 0:
        count = settings.query_defaults_limit
    else:
        count = limit
    if plain_list and count == 0:
        raise SearchError("explorer: list class: search: invalid pagination params: invalid default limit: 0")
    if start < 0 or start + count > maximum:
        raise max_results_error(start, count, maximum)
    return Page(start, count, False)


def explore_page(limit: int | None, offset: int | None, settings: Any) -> Page:
    start = offset or 0
    count = EXPLORE_DEFAULT_LIMIT if limit is None or limit < 0 else limit
    maximum = settings.query_maximum_results
    if start < 0 or start + count > maximum:
        raise max_results_error(start, count, maximum)
    return Page(start, count, False)


def check_object_limit(object_limit: int | None, settings: Any) -> None:
    """Aggregate's objectLimit is how many nearest objects a vector or hybrid search collects; like a Get's limit it
    may not exceed QUERY_MAXIMUM_RESULTS (Weaviate leaves it unbounded), and it cannot be negative."""
    maximum = settings.query_maximum_results
    if object_limit is not None and not 0 <= object_limit <= maximum:
        raise SearchError(f"invalid objectLimit '{object_limit}': it must be between 0 and the configured "
                          f"QUERY_MAXIMUM_RESULTS '{maximum}'")
