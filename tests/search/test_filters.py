import json

import pytest

from weavebind.search.filters import FilterableObject, FilterError, parse_where
from weavebind.search.filters_eval import haversine_m

UID = "6b7e1a52-0c8f-4d39-9d2a-3f0e5c1b2a77"
OTHER = "00000000-0000-0000-0000-000000000001"
TYPES = {
    "title": "text", "tags": "text[]", "count": "int", "counts": "int[]", "price": "number", "prices": "number[]",
    "active": "boolean", "flags": "boolean[]", "born": "date", "dates": "date[]", "friend": "uuid",
    "friends": "uuid[]", "image": "blob", "location": "geoCoordinates", "phone": "phoneNumber", "meta": "object",
    "writtenBy": "Author", "missing": "text", "nothing": "text", "empty": "text[]",
}
OBJ = FilterableObject(
    uuid=UID,
    properties={
        "title": "Hello World", "tags": ["red", "green"], "count": 5, "counts": [1, 2, 3], "price": 9.5,
        "prices": [1.5, 20], "active": True, "flags": [False], "born": "2020-01-01T12:00:00+02:00",
        "dates": ["2021-06-01T00:00:00Z"], "friend": OTHER.upper(), "friends": [OTHER, UID],
        "location": {"latitude": 52.3667, "longitude": 4.8945},  # Amsterdam
        "writtenBy": [{"beacon": "weaviate://localhost/Author/" + OTHER}, {"beacon": "weaviate://localhost/" + UID}],
        "nothing": None, "empty": [],
    },
    created_ms=1_700_000_000_000,
    updated_ms=1_700_000_500_000,
)
ROTTERDAM = {"geoCoordinates": {"latitude": 51.9225, "longitude": 4.47917}}  # ~57 km from Amsterdam


def w(operator, path, **value):
    return {"operator": operator, "path": path if isinstance(path, list) else [path], **value}


def matches(raw, obj=OBJ):
    return parse_where(raw, "Thing", TYPES).matches(obj)


CASES = [
    # text (word tokenization, Weaviate's default): every term of the value among the value's tokens; Like per token
    (w("Equal", "title", valueText="Hello World"), True), (w("Equal", "title", valueText="hello world"), True),
    (w("Equal", "title", valueText="Hello"), True), (w("Equal", "title", valueString="Hello World"), True),
    (w("Equal", "title", valueText="Hello there"), False), (w("NotEqual", "title", valueText="world x"), False),
    (w("NotEqual", "title", valueText="Hello World"), False), (w("NotEqual", "title", valueText="x"), True),
    (w("GreaterThan", "title", valueText="A"), True), (w("LessThan", "title", valueText="A"), False),
    (w("Like", "title", valueText="hel*"), True), (w("Like", "title", valueText="H?llo WORLD"), True),
    (w("Like", "title", valueText="Hello"), True), (w("Like", "title", valueText="*WOR*"), True),
    (w("Like", "title", valueText="Hello.World"), True), (w("Like", "tags", valueText="gr??n"), True),
    (w("Like", "title", valueText="Hel"), False), (w("Like", "title", valueText="hello*x"), False),
    # text arrays and Contains*
    (w("Equal", "tags", valueText="red"), True), (w("Equal", "tags", valueText="blue"), False),
    (w("NotEqual", "tags", valueText="red"), False), (w("ContainsAny", "tags", valueText=["blue", "green"]), True),
    (w("ContainsAny", "tags", valueText="red"), True), (w("ContainsAny", "tags", valueTextArray=["x"]), False),
    (w("ContainsAll", "tags", valueText=["red", "green"]), True),
    (w("ContainsAll", "tags", valueText=["red", "blue"]), False),
    (w("ContainsNone", "tags", valueText=["blue"]), True), (w("ContainsNone", "tags", valueText=["red"]), False),
    (w("ContainsAny", "title", valueText=["x", "Hello World"]), True),
    # numbers: valueInt works on number properties too (valueNumber on int properties is an error, below)
    (w("Equal", "count", valueInt=5), True), (w("Equal", "price", valueNumber=9.5), True),
    (w("GreaterThan", "count", valueInt=5), False), (w("GreaterThanEqual", "count", valueInt=5), True),
    (w("LessThan", "count", valueInt=6), True), (w("LessThanEqual", "count", valueInt=4), False),
    (w("Equal", "price", valueInt=9), False), (w("GreaterThan", "price", valueInt=9), True),
    (w("GreaterThan", "prices", valueNumber=10), True), (w("LessThan", "prices", valueNumber=1), False),
    (w("ContainsAll", "counts", valueInt=[1, 3]), True), (w("ContainsAll", "counts", valueIntArray=[1, 4]), False),
    (w("ContainsNone", "counts", valueInt=[7, 8]), True), (w("Equal", "counts", valueInt=2), True),
    # booleans
    (w("Equal", "active", valueBoolean=True), True), (w("NotEqual", "active", valueBoolean=True), False),
    (w("Equal", "flags", valueBoolean=False), True), (w("ContainsAny", "flags", valueBoolean=[True]), False),
    # dates as instants, offsets honoured
    (w("Equal", "born", valueDate="2020-01-01T10:00:00Z"), True),
    (w("Equal", "born", valueDate="2020-01-01T10:00:00.000+00:00"), True),
    (w("Equal", "born", valueDate="2020-01-01T12:00:00Z"), False),
    (w("GreaterThan", "born", valueDate="2020-01-01T10:30:00+00:00"), False),
    (w("LessThan", "born", valueDate="2020-01-01T07:00:00-04:00"), True),  # 11:00Z
    (w("LessThan", "born", valueDate="2020-01-01T06:00:00-04:00"), False),  # 10:00Z
    (w("GreaterThanEqual", "dates", valueDate="2021-01-01T00:00:00Z"), True),
    (w("ContainsAny", "dates", valueDateArray=["2021-06-01T02:00:00+02:00"]), True),
    # uuid properties compare case-insensitively
    (w("Equal", "friend", valueText=OTHER), True), (w("ContainsAll", "friends", valueText=[UID.upper(), OTHER]), True),
    (w("GreaterThan", "friend", valueText=OTHER), False), (w("ContainsNone", "friends", valueText=[UID]), False),
    # geo: Amsterdam is ~57 km from Rotterdam
    (w("WithinGeoRange", "location", valueGeoRange={**ROTTERDAM, "distance": {"max": 60000}}), True),
    (w("WithinGeoRange", "location", valueGeoRange={**ROTTERDAM, "distance": {"max": 50000}}), False),
    # len(): characters / elements; absent, null and [] count 0
    (w("Equal", "len(title)", valueInt=11), True), (w("Equal", "len(tags)", valueInt=2), True),
    (w("Equal", "len(missing)", valueInt=0), True), (w("LessThan", "len(empty)", valueInt=1), True),
    (w("GreaterThan", "len(title)", valueInt=11), False), (w("NotEqual", "len(nothing)", valueInt=0), False),
    # _id / id
    (w("Equal", "_id", valueText=UID.upper()), True), (w("Equal", "id", valueText=UID), True),
    (w("NotEqual", "_id", valueText=UID), False), (w("ContainsAny", "_id", valueText=[OTHER, UID]), True),
    (w("Like", "_id", valueText="6B7E*"), True), (w("ContainsNone", "_id", valueText=[UID]), False),
    # timestamps: epoch ms as text, or a date
    (w("Equal", "_creationTimeUnix", valueText="1700000000000"), True),
    (w("Equal", "_creationTimeUnix", valueDate="2023-11-14T22:13:20Z"), True),
    (w("GreaterThan", "_creationTimeUnix", valueDate="2023-11-14T23:13:20+01:00"), False),
    (w("GreaterThan", "_lastUpdateTimeUnix", valueText="1700000000000"), True),
    (w("LessThan", "_lastUpdateTimeUnix", valueText="1700000000000"), False),
    # valueInt on a reference counts references
    (w("Equal", "writtenBy", valueInt=2), True), (w("GreaterThan", "writtenBy", valueInt=2), False),
    # IsNull: absent, null, [] are null
    (w("IsNull", "missing", valueBoolean=True), True), (w("IsNull", "nothing", valueBoolean=True), True),
    (w("IsNull", "empty", valueBoolean=True), True), (w("IsNull", "title", valueBoolean=True), False),
    (w("IsNull", "title", valueBoolean=False), True), (w("IsNull", "image", valueBoolean=True), True),
    # missing properties: comparisons false, negations true
    (w("Equal", "missing", valueText="x"), False), (w("NotEqual", "missing", valueText="x"), True),
    (w("ContainsNone", "missing", valueText=["x"]), True), (w("Like", "missing", valueText="*"), False),
    # nesting
    ({"operator": "And", "operands": [w("Equal", "count", valueInt=5), w("Equal", "active", valueBoolean=True)]},
     True),
    ({"operator": "And", "operands": [w("Equal", "count", valueInt=5), w("Equal", "active", valueBoolean=False)]},
     False),
    ({"operator": "Or", "operands": [w("Equal", "count", valueInt=1), w("Equal", "tags", valueText="red")]}, True),
    ({"operator": "Or", "operands": [w("Equal", "count", valueInt=1), w("Equal", "tags", valueText="x")]}, False),
    ({"operator": "Not", "operands": [w("Equal", "count", valueInt=5)]}, False),
    ({"operator": "Not", "operands": [{"operator": "Or", "operands": [
        {"operator": "And", "operands": [w("Equal", "count", valueInt=5), w("Like", "title", valueText="x*")]},
        {"operator": "Not", "operands": [w("Equal", "active", valueBoolean=True)]}]}]}, True),
]


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=lambda x: json.dumps(x)[:70] if isinstance(x, dict) else "")
def test_matches(raw, expected):
    assert matches(raw) is expected


BAD_OBJ = FilterableObject(
    uuid=None,
    properties={"title": 5, "tags": [1, None, {"a": 1}], "count": "5", "price": True, "active": 1, "born": "soon",
                "location": {"latitude": float("inf"), "longitude": 0}, "friend": 7, "writtenBy": "x"},
    created_ms="late",
    updated_ms=None,
)


@pytest.mark.parametrize(("raw", "expected"), [
    (w("Equal", "title", valueText="5"), False), (w("NotEqual", "title", valueText="5"), True),
    (w("Like", "tags", valueText="*"), False), (w("Equal", "count", valueInt=5), False),
    (w("Equal", "price", valueInt=1), False), (w("Equal", "active", valueBoolean=True), False),
    (w("GreaterThan", "born", valueDate="2000-01-01T00:00:00Z"), False),
    (w("WithinGeoRange", "location", valueGeoRange={**ROTTERDAM, "distance": {"max": 1e9}}), False),
    (w("Equal", "friend", valueText=OTHER), False), (w("Equal", "_id", valueText=UID), False),
    (w("GreaterThan", "_creationTimeUnix", valueText="0"), False), (w("Equal", "writtenBy", valueInt=0), True),
    (w("Equal", "len(price)", valueInt=0), True), (w("IsNull", "title", valueBoolean=False), True),
])
def test_wrongly_typed_stored_values_never_match_or_crash(raw, expected):
    assert matches(raw, BAD_OBJ) is expected
    assert parse_where(raw, "Thing", TYPES).matches(FilterableObject(UID, None, 0, 0)) in (True, False)


def test_haversine_uses_6371_km_sphere():
    assert haversine_m((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111_194.93, abs=0.01)
    assert haversine_m((52.0, 4.0), (52.0, 4.0)) == 0.0


def nest(depth):
    raw = w("Equal", "count", valueInt=5)
    for _ in range(depth - 1):
        raw = {"operator": "Not", "operands": [raw]}
    return raw


def test_nesting_up_to_64_levels_is_accepted():
    assert matches(nest(64)) is False  # 63 Nots: odd


REF_MSG = ('Property "writtenBy" is a ref prop to the class "Author". Only "valueInt" can be used on a ref prop '
           "directly to count the number of refs. Or did you mean to filter on a primitive prop of the referenced "
           "class? In this case make sure your path contains 3 elements in the form of "
           "[<propName>, <ClassNameOfReferencedClass>, <primitvePropOnClass>]")
NO_PROP = ("no such prop with name '{}' found in class 'Thing' in the schema. "
           "Check your schema files for which properties in this class are available")
GEO = {**ROTTERDAM, "distance": {"max": 10}}
P, V = "parse", "validation"
ERRORS = [
    ([w("Equal", "title", valueText="x")], "a where filter must be a JSON object, got a list", P),
    ({"operator": "Equals", "path": ["title"], "valueText": "x"}, "unrecognized operator: Equals", P),
    ({"path": ["title"], "valueText": "x"}, "unrecognized operator: ", P),
    ({"operator": "And", "path": ["title"], "operands": [w("Equal", "title", valueText="x")]},
     "operator 'And' not compatible with field 'path', remove 'path' or switch to compare operator "
     "(eg. Equal, NotEqual, etc.)", P),
    ({"operator": "Or"}, "operator 'Or', but no operands set - add at least one operand", P),
    ({"operator": "And", "operands": []}, "operator 'And', but no operands set - add at least one operand", P),
    ({"operator": "And", "operands": {"a": 1}}, "field 'operands': must be a list of where filters, got an object", P),
    ({"operator": "Or", "operands": ["x"]},
     "field 'operands': element 0 must be a where filter object, got a string", P),
    ({"operator": "Not", "operands": [w("Equal", "count", valueInt=1)] * 2},
     "operator 'Not' takes exactly one operand, got 2", P),
    (nest(65), "where filter is nested too deeply: at most 64 levels are allowed", P),
    ({"operator": "And", "operands": [{"operator": "Bad"}]}, "unrecognized operator: Bad", P),
    ({"operator": "Equal", "valueText": "x"}, "field 'path': must have at least one element", P),
    (w("Equal", [], valueText="x"), "field 'path': must have at least one element", P),
    ({"operator": "Equal", "path": "title", "valueText": "x"}, "field 'path': must be a list of strings, got a string",
     P),
    (w("Equal", ["title", 1, "x"], valueText="x"), "field 'path': element 1 is not a string", P),
    (w("Equal", ["writtenBy", "Author"], valueText="x"), "missing an argument after 'Author'", P),
    (w("Equal", ["writtenBy", "author", "name"], valueText="x"),
     "Expected a valid class name in 'path' field for the filter but got 'author'", P),
    (w("Equal", "1abc", valueText="x"), "Expected a valid property name in 'path' field for the filter, but got '1abc'",
     P),
    (w("Equal", "len(a-b)", valueInt=1), "Expected a valid property name in 'path' field for the filter, but got 'a-b'",
     P),
    (w("Equal", "title"), "got operator 'Equal', but no value<Type> field set", P),
    (w("Equal", "title", valueText=[]), "got operator 'Equal', but no value<Type> field set", P),
    (w("Equal", "title", valueText="a", valueInt=1),
     """found more than one values the clause '{"operator":"Equal","path":["title"],"valueInt":1,"valueText":"a"}'""",
     P),
    (w("Equal", "count", valueInt=1.5), "field 'valueInt': requires an integer, but the given value is 1.5", P),
    (w("Equal", "count", valueInt=True), "field 'valueInt': requires an integer, but the given value is true", P),
    (w("Equal", "price", valueNumber="1"), "field 'valueNumber': requires a number, but the given value is '1'", P),
    (w("Equal", "title", valueText=3), "field 'valueText': requires a string, but the given value is 3", P),
    (w("Equal", "active", valueBoolean="yes"), "field 'valueBoolean': requires a boolean, but the given value is 'yes'",
     P),
    (w("Equal", "born", valueDate="2020-01-01"),
     "field 'valueDate': requires a string with a RFC3339 formatted date, but the given value is '2020-01-01'", P),
    (w("Equal", "born", valueDate="2020-13-01T00:00:00Z"),
     "field 'valueDate': requires a string with a RFC3339 formatted date, but the given value is "
     "'2020-13-01T00:00:00Z'", P),
    (w("ContainsAny", "tags", valueTextArray="red"), "field 'valueTextArray': must be a list, got a string", P),
    (w("Equal", "tags", valueText=["a", "b"]), "operator 'Equal' takes a single value, but field 'valueText' holds a "
     "list; use ContainsAny, ContainsAll or ContainsNone to match several values", P),
    (w("WithinGeoRange", "location", valueText="x"),
     "operator 'WithinGeoRange' requires the field 'valueGeoRange', got 'valueText'", P),
    (w("Equal", "location", valueGeoRange=GEO),
     "field 'valueGeoRange' can only be used with operator 'WithinGeoRange', got 'Equal'", P),
    (w("Like", "title", valueInt=1), "operator 'Like' requires the field 'valueText', got 'valueInt'", P),
    (w("WithinGeoRange", "location", valueGeoRange=[1]),
     "field 'valueGeoRange': must be an object with 'geoCoordinates' and 'distance', got a list", P),
    (w("WithinGeoRange", "location", valueGeoRange=ROTTERDAM), "valueGeoRange: field 'distance' must be set", P),
    (w("WithinGeoRange", "location", valueGeoRange={**ROTTERDAM, "distance": {"max": -1}}),
     "valueGeoRange: field 'distance.max' must be a positive number", P),
    (w("WithinGeoRange", "location", valueGeoRange={"distance": {"max": 1}}),
     "valueGeoRange: field 'geoCoordinates' must be set", P),
    (w("WithinGeoRange", "location", valueGeoRange={"geoCoordinates": {"latitude": 91, "longitude": 0},
                                                     "distance": {"max": 1}}),
     "valueGeoRange: field 'geoCoordinates.latitude' must be a number between -90 and 90", P),
    (w("WithinGeoRange", "location", valueGeoRange={"geoCoordinates": {"latitude": 1, "longitude": "0"},
                                                     "distance": {"max": 1}}),
     "valueGeoRange: field 'geoCoordinates.longitude' must be a number between -180 and 180", P),
    # validation
    (w("Equal", "title", valueInt=1), 'data type filter cannot use "valueInt" on type "text", use "valueText" instead',
     V),
    (w("Equal", "count", valueNumber=5.0),
     'data type filter cannot use "valueNumber" on type "int", use "valueInt" instead', V),
    (w("LessThan", "counts", valueNumber=5.5),
     'data type filter cannot use "valueNumber" on type "int[]", use "valueInt" instead', V),
    (w("Equal", "counts", valueText="1"),
     'data type filter cannot use "valueText" on type "int[]", use "valueInt" instead', V),
    (w("Equal", "born", valueBoolean=True),
     'data type filter cannot use "valueBoolean" on type "date", use "valueDate" instead', V),
    (w("Equal", "count", valueString="1"),
     'data type filter cannot use "valueString" on type "int", use "valueInt" instead', V),
    (w("WithinGeoRange", "title", valueGeoRange=GEO),
     'data type filter cannot use "valueGeoRange" on type "text", use "valueText" instead', V),
    (w("Equal", "location", valueText="x"),
     'data type filter cannot use "valueText" on type "geoCoordinates", use "valueGeoRange" instead', V),
    (w("Equal", "nope", valueText="x"), NO_PROP.format("nope"), V),
    (w("Equal", "len(nope)", valueInt=1), NO_PROP.format("nope"), V),
    (w("IsNull", "title", valueText="x"), "operator IsNull requires a booleanValue, got valueText instead", V),
    (w("Equal", "_id", valueInt=1), 'using ["_id"] to filter by uuid: must use "valueText" to specify the id', V),
    (w("IsNull", "_id", valueBoolean=True), 'using ["_id"] to filter by uuid: must use "valueText" to specify the id',
     V),
    (w("Equal", ["writtenBy", "Author", "name"], valueText="x"),
     "filtering by cross-reference paths is not supported here", V),
    (w("Equal", "_creationTimeUnix", valueInt=1),
     'using ["_creationTimeUnix"] to filter by timestamp: must use "valueText" or "valueDate"', V),
    (w("Equal", "_lastUpdateTimeUnix", valueText="yesterday"), 'using ["_lastUpdateTimeUnix"] to filter by '
     "timestamp: \"valueText\" must hold milliseconds since the epoch, but the given value is 'yesterday'", V),
    (w("Like", "_creationTimeUnix", valueText="17*"),
     'operator \'Like\' cannot be used on ["_creationTimeUnix"], use a comparison operator', V),
    (w("Equal", "len(title)", valueText="1"),
     'Filtering for property length requires IntValue, got "valueText" instead', V),
    (w("ContainsAny", "len(title)", valueInt=[1]), "Filtering for property length supports operators (not) equal and "
     'greater/less than (equal), got "ContainsAny" instead', V),
    (w("Equal", "len(title)", valueInt=-1), "Can only filter for positive property length got -1 instead", V),
    (w("Equal", "friend", valueInt=1),
     'property "friend" is of type "uuid" or "uuid[]": specify uuid as string using "valueText"', V),
    (w("Like", "friends", valueText="0*"), 'operator "Like" cannot be used on uuid/uuid[] props', V),
    (w("Equal", "writtenBy", valueText="x"), REF_MSG, V),
    (w("ContainsAny", "writtenBy", valueInt=[1]), "operator 'ContainsAny' cannot be used to count the references of "
     "property 'writtenBy'; use Equal, NotEqual, GreaterThan, GreaterThanEqual, LessThan or LessThanEqual", V),
    (w("Equal", "image", valueText="x"),
     'property "image" is of type "blob", which cannot be filtered by value; only IsNull works on it', V),
    (w("Equal", "meta", valueText="x"),
     'property "meta" is of type "object", which cannot be filtered by value; only IsNull works on it', V),
    (w("Equal", "phone", valueText="x"),
     'property "phone" is of type "phoneNumber", which cannot be filtered by value; only IsNull works on it', V),
    ({"operator": "And", "operands": [w("Equal", "count", valueInt=1), w("Equal", "nope", valueText="x"),
                                      w("IsNull", "title", valueInt=1)]},
     "child operand at position 1: " + NO_PROP.format("nope")
     + ", child operand at position 2: operator IsNull requires a booleanValue, got valueInt instead", V),
    ({"operator": "Or", "operands": [{"operator": "Not", "operands": [w("Equal", "title", valueInt=1)]}]},
     "child operand at position 0: child operand at position 0: "
     'data type filter cannot use "valueInt" on type "text", use "valueText" instead', V),
]


@pytest.mark.parametrize(("raw", "message", "kind"), ERRORS, ids=lambda x: x if isinstance(x, str) else "")
def test_errors(raw, message, kind):
    with pytest.raises(FilterError) as caught:
        parse_where(raw, "Thing", TYPES)
    assert str(caught.value) == message
    assert caught.value.kind == kind
    assert isinstance(caught.value, ValueError)
