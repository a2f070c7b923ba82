"""Hypothesis strategies for any protobuf message, built from its descriptor.

Every field is set or left out at random; strings and bytes are steered towards the data set's names and vectors
half the time so requests get past "collection not found" and reach the search and storage code. Nesting stops at
MAX_DEPTH, which keeps recursive messages (filters) small.
"""

from __future__ import annotations

import struct

from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import strategies as st

from tests.fuzz import dataset

MAX_DEPTH = 4
NAMES = [*dataset.CLASSES, dataset.ALIAS, *dataset.TENANTS, *dataset.IDS, *dataset.PROPERTIES, "default", "Missing"]
F = FieldDescriptor


def _ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    # Mostly small values (limits, offsets, counts that make sense), sometimes anything the type holds.
    return st.one_of(st.integers(-2, 12).filter(lambda i: lo <= i <= hi), st.integers(lo, hi))


_vector = st.lists(st.floats(-2, 2, width=32), min_size=dataset.DIM, max_size=dataset.DIM).map(
    lambda v: struct.pack(f"<{len(v)}f", *v))
SCALARS = {
    F.TYPE_DOUBLE: st.floats(), F.TYPE_FLOAT: st.floats(width=32),
    F.TYPE_INT32: _ints(-(2**31), 2**31 - 1), F.TYPE_SINT32: _ints(-(2**31), 2**31 - 1),
    F.TYPE_SFIXED32: _ints(-(2**31), 2**31 - 1), F.TYPE_INT64: _ints(-(2**63), 2**63 - 1),
    F.TYPE_SINT64: _ints(-(2**63), 2**63 - 1), F.TYPE_SFIXED64: _ints(-(2**63), 2**63 - 1),
    F.TYPE_UINT32: _ints(0, 2**32 - 1), F.TYPE_FIXED32: _ints(0, 2**32 - 1),
    F.TYPE_UINT64: _ints(0, 2**64 - 1), F.TYPE_FIXED64: _ints(0, 2**64 - 1),
    F.TYPE_BOOL: st.booleans(),
    F.TYPE_STRING: st.one_of(st.sampled_from(NAMES), st.text(max_size=16)),
    F.TYPE_BYTES: st.one_of(_vector, st.binary(max_size=40)),
}


# Strings whose field name says what they hold: mostly the data set's real names, sometimes anything.
STEERED = {"collection": [*dataset.CLASSES, dataset.ALIAS], "target_collection": dataset.CLASSES,
           "tenant": list(dataset.TENANTS), "uuid": dataset.IDS, "from_uuid": dataset.IDS, "to_uuid": dataset.IDS,
           "id": dataset.IDS, "name": dataset.PROPERTIES, "prop_name": dataset.PROPERTIES,
           "property": dataset.PROPERTIES, "from_collection": dataset.CLASSES}


def _single(field: FieldDescriptor, depth: int) -> st.SearchStrategy:
    if field.type == F.TYPE_STRING and field.name in STEERED:
        # Four times in five a known name (one_of would give each branch the same chance).
        choice = st.tuples(st.integers(0, 4), st.sampled_from(STEERED[field.name]), SCALARS[F.TYPE_STRING])
        return choice.map(lambda t: t[2] if t[0] == 0 else t[1])
    if field.type == F.TYPE_MESSAGE:
        return messages(field.message_type, depth + 1)
    if field.type == F.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-1, 64))  # open enums take unknown numbers too
    return SCALARS[field.type]


def _value(field: FieldDescriptor, depth: int) -> st.SearchStrategy:
    if field.type == F.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
        key, value = field.message_type.fields_by_name["key"], field.message_type.fields_by_name["value"]
        return st.dictionaries(_single(key, depth), _single(value, depth), max_size=3)
    if field.is_repeated:
        return st.lists(_single(field, depth), max_size=4 if depth < 2 else 2)
    return _single(field, depth)


def _build(cls, values: dict):
    message = cls()
    for name, value in values.items():
        field = message.DESCRIPTOR.fields_by_name[name]
        target = getattr(message, name)
        if field.type == F.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
            for k, v in value.items():
                if field.message_type.fields_by_name["value"].type == F.TYPE_MESSAGE:
                    target[k].CopyFrom(v)
                else:
                    target[k] = v
        elif field.is_repeated:
            target.extend(value)
        elif field.type == F.TYPE_MESSAGE:
            target.CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


def messages(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy:
    cls = message_factory.GetMessageClass(descriptor)
    fields = [f for f in descriptor.fields if depth < MAX_DEPTH or f.type != F.TYPE_MESSAGE]
    values = {f.name: st.deferred(lambda f=f: _value(f, depth)) for f in fields}
    # A request without its collection stops at "class not found"; most of the search code lies behind it.
    required = {name: values.pop(name) for name in ("collection",) if depth == 0 and name in values}
    return st.fixed_dictionaries(required, optional=values).map(lambda values: _build(cls, values))
