"""Weaviate's `where` filter, pure Python: `parse_where` turns the REST/GraphQL JSON into a `Clause` whose
`matches(FilterableObject)` decides one object. Shared by REST batch delete, GraphQL and gRPC.

Parsing (`filters_parse.py`) mirrors Weaviate's filterext and raises FilterError(kind="parse"); the schema checks
here mirror `entities/filters/filters_validator.go` and raise FilterError(kind="validation"). As in Weaviate, all
operands are parsed before any is validated, and validation errors of operands are reported together as
"child operand at position <i>: <error>", joined by ", ".

Semantics, and where they differ from Weaviate on purpose:
- Text Equal / NotEqual / Like / Contains* match tokens by the property's tokenization, as Weaviate's inverted
  index does (filters_text.py). Greater/Less on text compare whole values.
- Arrays: an operator holds if it holds for one element; ContainsAll needs every given value among the elements.
  NotEqual and ContainsNone are the complements of Equal and ContainsAny, so a missing property satisfies them.
- valueNumber on an int property is refused with Weaviate's "data type filter cannot use" error (a fraction
  cannot be compared with whole numbers the way Weaviate's int index does); valueInt on a number property is
  accepted and compared numerically (Weaviate's GraphQL refuses it, but the v4 client sends Python ints on number
  properties as value_int and Weaviate's gRPC handler converts them).
- Dates compare as instants (RFC3339 with a zone; `Z` accepted). `_creationTimeUnix` / `_lastUpdateTimeUnix`
  take valueText holding epoch milliseconds or valueDate.
- `len(prop)` counts characters of a text or elements of an array; absent or null is 0.
- valueInt directly on a cross-reference property counts its references, as in Weaviate.
- WithinGeoRange: haversine distance on a 6371 km sphere, `distance.max` in metres, inclusive.
- Speed: filtered reads go through filtered.py, which answers what it can from the inverted index
  (filter_index.py) and scans the rest; a scan gets `Clause.prefilter()`, what SQL can test beforehand
  (storage/prefilter.py).
- Reference paths `[refProp, TargetClass, prop, ...]` (any depth) hold when one referenced object of that class
  passes the rest of the path (filters_refs.py); each hop must be a reference property allowing that class.
- Not yet supported: nested object paths, filtering on blob / phoneNumber / object properties (IsNull works on
  them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from weavebind.schema.models import ClassInfo
from weavebind.search.filters_eval import (
    AndClause,
    Clause,
    CompareClause,
    FilterableObject,
    IsNullClause,
    NotClause,
    OrClause,
    id_reader,
    length_reader,
    like_pattern,
    property_reader,
    ref_count_reader,
    timestamp_reader,
    to_epoch_ms,
)
from weavebind.search.filters_parse import TEXT_TYPES, FilterError, Leaf, Logical, length_target, parse_tree, value_name
from weavebind.search.filters_refs import RefClause
from weavebind.search.filters_text import TOKEN_OPERATORS, text_clause
from weavebind.search.tokenize import stopwords
from weavebind.storage.prefilter import OPERATORS as SQL_OPERATORS
from weavebind.storage.prefilter import Compare

__all__ = ["Clause", "ClassLookup", "FilterError", "FilterableObject", "parse_where", "where_for_class"]

# Another class's schema for reference paths: name -> ClassInfo (its `.name`, `.properties`, `.property_types()`)
# or None when there is no such class.
ClassLookup = Callable[[str], Any]

_ID_NAMES = frozenset({"_id", "id"})  # "id" is Weaviate's backwards-compatible spelling
_TIMESTAMPS = {"_creationTimeUnix": "created_ms", "_lastUpdateTimeUnix": "updated_ms"}
_COUNT_OPERATORS = frozenset({"Equal", "NotEqual", "GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual"})
_UUID_OPERATORS = _COUNT_OPERATORS | {"ContainsAny", "ContainsAll", "ContainsNone"}
# property base type -> (accepted value types, comparison domain)
_PRIMITIVES: dict[str, tuple[frozenset[str], str]] = {
    "text": (TEXT_TYPES, "text"),
    "string": (TEXT_TYPES, "text"),
    "int": (frozenset({"int"}), "number"),
    "number": (frozenset({"int", "number"}), "number"),
    "boolean": (frozenset({"boolean"}), "boolean"),
    "date": (frozenset({"date"}), "date"),
    "geoCoordinates": (frozenset({"geoCoordinates"}), "geo"),
}
_UNFILTERABLE = frozenset({"blob", "phoneNumber", "object"})
_EPOCH_MS = re.compile(r"-?\d+")


@dataclass(frozen=True)
class _Schema:
    class_name: str
    types: dict[str, str]
    tokenization: dict[str, str]
    stopwords: frozenset[str]
    classes: ClassLookup | None = None


def parse_where(raw: dict, class_name: str, property_types: dict[str, str],
                tokenization: dict[str, str] | None = None, stopwords: frozenset[str] = frozenset(),
                classes: ClassLookup | None = None) -> Clause:
    """Parse and validate a Weaviate `where` filter against one class's properties.

    `property_types` maps property name -> Weaviate dataType ("text", "int[]", "geoCoordinates", ... or a class
    name for a cross-reference); `tokenization` a text property's tokenization (default `word`, Weaviate's), and
    `stopwords` the class's; `classes` finds the classes a reference path goes through (without it, reference
    paths are refused). Raises FilterError with Weaviate's message; see the module docstring. A clause with a
    reference path must go through `filters_refs.scan_matching` (or `resolve_refs`) before `matches`."""
    return _build(parse_tree(raw), _Schema(class_name, property_types, tokenization or {}, stopwords, classes))


def _schema_of(info: ClassInfo, classes: ClassLookup | None) -> _Schema:
    tokenization = {name: p.get("tokenization") or "word" for name, p in info.properties.items()}
    return _Schema(info.name, info.property_types(), tokenization,
                   stopwords(info.config.get("invertedIndexConfig")), classes)


def where_for_class(raw: dict, info: ClassInfo, classes: ClassLookup | None = None) -> Clause:
    """`parse_where` with everything it needs from the class: one place to look the class up. `classes` finds the
    classes of reference paths."""
    return _build(parse_tree(raw), _schema_of(info, classes))


def _invalid(message: str) -> FilterError:
    return FilterError(message, kind="validation")


def _build(node: Logical | Leaf, schema: _Schema) -> Clause:
    if isinstance(node, Leaf):
        return _build_leaf(node, schema)
    children: list[Clause] = []
    errors: list[str] = []
    for index, operand in enumerate(node.operands):
        try:
            children.append(_build(operand, schema))
        except FilterError as error:
            errors.append(f"child operand at position {index}: {error}")
    if errors:
        raise _invalid(", ".join(errors))
    if node.operator == "Not":
        return NotClause(children[0])
    return AndClause(tuple(children)) if node.operator == "And" else OrClause(tuple(children))


def _build_leaf(leaf: Leaf, schema: _Schema) -> Clause:
    if len(leaf.path) > 1:
        return _ref_path_clause(leaf, schema)
    name = leaf.path[0]
    if name in _ID_NAMES:
        return _id_clause(leaf)
    if name in _TIMESTAMPS:
        return _timestamp_clause(leaf, name)
    measured = length_target(name)
    prop = measured or name
    dtype = schema.types.get(prop)
    if dtype is None:
        raise _invalid(
            f"no such prop with name '{prop}' found in class '{schema.class_name}' in the schema. "
            "Check your schema files for which properties in this class are available"
        )
    if leaf.operator == "IsNull":
        if leaf.vtype != "boolean":
            raise _invalid(f"operator IsNull requires a booleanValue, got {value_name(leaf.vtype)} instead")
        return IsNullClause(prop, leaf.value)
    if measured is not None:
        return _length_clause(leaf, prop)
    if dtype.removesuffix("[]") in ("text", "string") and leaf.operator in TOKEN_OPERATORS \
            and leaf.vtype in TEXT_TYPES:
        return text_clause(leaf, prop, dtype, schema.tokenization.get(prop, "word"), schema.stopwords)
    return _property_clause(leaf, prop, dtype)


def _ref_path_clause(leaf: Leaf, schema: _Schema) -> Clause:
    """`[prop, Target, ...rest]`: the rest of the path is a filter on the Target class (checked like any other,
    with the Target's own tokenization and stopwords)."""
    prop, target = leaf.path[0], leaf.path[1]
    classes, class_name = schema.classes, schema.class_name
    if classes is None:
        raise _invalid("filtering by cross-reference paths is not supported here")
    target_info = classes(target)
    if target_info is None:
        raise _invalid(f'class "{target}" does not exist in schema')
    here = classes(class_name)
    allowed = list((here.properties.get(prop) or {}).get("dataType") or []) if here is not None else []
    if prop not in schema.types or not allowed:
        raise _invalid(
            f"no such prop with name '{prop}' found in class '{class_name}' in the schema. "
            "Check your schema files for which properties in this class are available"
        )
    if not all(t[:1].isupper() for t in allowed):
        raise _invalid(f"property '{prop}' of class '{class_name}' is of type '{allowed[0]}', not a "
                       "cross-reference: only a reference property can continue a filter path")
    if target_info.name not in allowed:
        raise _invalid(f"property '{prop}' of class '{class_name}' references {', '.join(allowed)}, "
                       f"not '{target}'")
    rest = Leaf(leaf.operator, leaf.path[2:], leaf.field, leaf.vtype, leaf.value)
    return RefClause(prop, target_info.name, _build_leaf(rest, _schema_of(target_info, classes)))


def _map(value: Any, convert: Any) -> Any:
    """Apply `convert` to a scalar value or to each element of a Contains* tuple."""
    return tuple(convert(item) for item in value) if isinstance(value, tuple) else convert(value)


def _compare(leaf: Leaf, read: Any, value: Any) -> CompareClause:
    return CompareClause(leaf.operator, read, like_pattern(value) if leaf.operator == "Like" else value)


def _id_clause(leaf: Leaf) -> Clause:
    if leaf.vtype not in TEXT_TYPES:
        raise _invalid('using ["_id"] to filter by uuid: must use "valueText" to specify the id')
    return _compare(leaf, id_reader, _map(leaf.value, str.lower))


def _timestamp_clause(leaf: Leaf, name: str) -> Clause:
    if leaf.vtype not in TEXT_TYPES | {"date"}:
        raise _invalid(f'using ["{name}"] to filter by timestamp: must use "valueText" or "valueDate"')
    if leaf.operator == "Like":
        raise _invalid(f'operator \'Like\' cannot be used on ["{name}"], use a comparison operator')

    def to_ms(item: Any) -> int:
        if leaf.vtype == "date":
            return to_epoch_ms(item)
        if not _EPOCH_MS.fullmatch(item):
            raise _invalid(f'using ["{name}"] to filter by timestamp: "valueText" must hold milliseconds since '
                           f"the epoch, but the given value is '{item}'")
        return int(item)

    value = _map(leaf.value, to_ms)
    sql = Compare(_TIMESTAMPS[name], leaf.operator, value, column=True) \
        if leaf.operator in SQL_OPERATORS and not isinstance(value, tuple) else None
    return CompareClause(leaf.operator, timestamp_reader(_TIMESTAMPS[name]), value, sql)


def _length_clause(leaf: Leaf, prop: str) -> Clause:
    if leaf.vtype != "int":
        raise _invalid(f'Filtering for property length requires IntValue, got "{value_name(leaf.vtype)}" instead')
    if leaf.operator not in _COUNT_OPERATORS:
        raise _invalid("Filtering for property length supports operators (not) equal and greater/less than "
                       f'(equal), got "{leaf.operator}" instead')
    if leaf.value < 0:
        raise _invalid(f"Can only filter for positive property length got {leaf.value} instead")
    return CompareClause(leaf.operator, length_reader(prop), leaf.value)


def _property_clause(leaf: Leaf, prop: str, dtype: str) -> Clause:
    base = dtype[:-2] if dtype.endswith("[]") else dtype
    if base == "uuid":
        return _uuid_clause(leaf, prop)
    if base in _UNFILTERABLE:
        raise _invalid(f'property "{prop}" is of type "{dtype}", which cannot be filtered by value; '
                       "only IsNull works on it")
    if base not in _PRIMITIVES:
        return _ref_count_clause(leaf, prop, dtype)
    accepted, domain = _PRIMITIVES[base]
    if leaf.vtype not in accepted:
        expected = "text" if base == "string" else base
        raise _invalid(f'data type filter cannot use "{value_name(leaf.vtype)}" on type "{dtype}", '
                       f'use "{value_name(expected)}" instead')
    clause = _compare(leaf, property_reader(prop, domain), leaf.value)
    return CompareClause(clause.operator, clause.read, clause.value, _sql_compare(leaf, prop, dtype, domain))


def _sql_compare(leaf: Leaf, prop: str, dtype: str, domain: str) -> Compare | None:
    """The SQL pre-filter of a comparison on a scalar property, where SQL keeps every object it matches: numbers
    (up to 2^52, where SQLite's integer/real comparison is exact) and equality of booleans (text: filters_text.py).
    Arrays, dates, Like and the negative operators are left to the exact filter."""
    value = leaf.value
    if dtype.endswith("[]") or leaf.operator not in SQL_OPERATORS or isinstance(value, tuple):
        return None
    if domain == "number" and isinstance(value, int | float) and not isinstance(value, bool) \
            and abs(value) <= 2 ** 52:
        return Compare(prop, leaf.operator, value)
    if leaf.operator == "Equal" and domain == "boolean" and isinstance(value, bool):
        return Compare(prop, "Equal", value)
    return None


def _uuid_clause(leaf: Leaf, prop: str) -> Clause:
    if leaf.vtype not in TEXT_TYPES:
        raise _invalid(f'property "{prop}" is of type "uuid" or "uuid[]": specify uuid as string using "valueText"')
    if leaf.operator not in _UUID_OPERATORS:
        raise _invalid(f'operator "{leaf.operator}" cannot be used on uuid/uuid[] props')
    return CompareClause(leaf.operator, property_reader(prop, "uuid"), _map(leaf.value, str.lower))


def _ref_count_clause(leaf: Leaf, prop: str, target: str) -> Clause:
    if leaf.vtype != "int":
        raise _invalid(
            f'Property "{prop}" is a ref prop to the class "{target}". Only "valueInt" can be used on a ref prop '
            "directly to count the number of refs. Or did you mean to filter on a primitive prop of the referenced "
            "class? In this case make sure your path contains 3 elements in the form of "
            "[<propName>, <ClassNameOfReferencedClass>, <primitvePropOnClass>]"
        )
    if leaf.operator not in _COUNT_OPERATORS:
        raise _invalid(f"operator '{leaf.operator}' cannot be used to count the references of property '{prop}'; "
                       "use Equal, NotEqual, GreaterThan, GreaterThanEqual, LessThan or LessThanEqual")
    return CompareClause(leaf.operator, ref_count_reader(prop), leaf.value)
