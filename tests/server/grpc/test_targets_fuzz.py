"""near* `targets` in every shape a client can send: targets named twice, weights for targets named twice, missing
or unknown, vectors per target of every count and dimension. Each combination is answered (OK) or refused
(INVALID_ARGUMENT / NOT_FOUND); none reaches INTERNAL (a TypeError once did)."""

from __future__ import annotations

import random
import struct

import grpc
import pytest

from tests.rest import ID1, add_object, create_class
from weavebind.server.grpc.proto import aggregate_pb2, base_pb2, base_search_pb2, search_get_pb2

Targets, Weight, ForTarget = base_search_pb2.Targets, base_search_pb2.WeightsForTarget, base_search_pb2.VectorForTarget
REFUSALS = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND}
NAMES = ["a", "b", "missing", ""]


def _single(*values: float) -> base_pb2.Vectors:
    return base_pb2.Vectors(vector_bytes=struct.pack(f"<{len(values)}f", *values),
                            type=base_pb2.Vectors.VECTOR_TYPE_SINGLE_FP32)


def _multi(dim: int, count: int) -> base_pb2.Vectors:
    return base_pb2.Vectors(vector_bytes=struct.pack("<H", dim) + struct.pack(f"<{dim * count}f", *[0.5] * dim * count),
                            type=base_pb2.Vectors.VECTOR_TYPE_MULTI_FP32)


def _targets(rnd: random.Random) -> Targets:
    weights = [Weight(target=rnd.choice(NAMES), weight=rnd.choice([1.0, 0.0, -1.0, 2.5, float("nan")]))
               for _ in range(rnd.randint(0, 4))]
    return Targets(target_vectors=[rnd.choice(NAMES) for _ in range(rnd.randint(0, 4))],
                   combination=rnd.randint(0, 6), weights_for_targets=weights)


def _vectors(rnd: random.Random) -> list[ForTarget]:
    found = []
    for _ in range(rnd.randint(0, 3)):
        dim, count = rnd.choice([2, 2, 3, 0]), rnd.randint(1, 3)
        vectors = [_multi(dim, count)] if rnd.random() < 0.5 else [_single(*[0.5] * dim) for _ in range(count)]
        found.append(ForTarget(name=rnd.choice(NAMES), vectors=vectors))
    return found


def _near_vector(rnd: random.Random) -> base_search_pb2.NearVector:
    near = base_search_pb2.NearVector(targets=_targets(rnd), vector_for_targets=_vectors(rnd))
    if rnd.random() < 0.3:
        near.vector_per_target[rnd.choice(NAMES)] = struct.pack("<2f", 0.5, 0.5)
    if rnd.random() < 0.2:
        near.vector_bytes = struct.pack("<2f", 1, 1)
    return near


def _request(rnd: random.Random) -> tuple[str, object]:
    kind = rnd.randint(0, 3)
    if kind == 3:
        return "Aggregate", aggregate_pb2.AggregateRequest(collection="M", objects_count=True, object_limit=5,
                                                           near_vector=_near_vector(rnd))
    search = [{"near_vector": _near_vector(rnd)},
              {"near_object": base_search_pb2.NearObject(id=ID1, targets=_targets(rnd))},
              {"hybrid_search": base_search_pb2.Hybrid(query="x", targets=_targets(rnd), alpha=0.5,
                                                       near_vector=_near_vector(rnd))}][kind]
    return "Search", search_get_pb2.SearchRequest(collection="M", limit=3, uses_127_api=True, **search)


@pytest.fixture
def rpc(local_client, make_rpc):
    create_class(local_client, "M", [{"name": "n", "dataType": ["int"]}],
                 vectorConfig={"a": {"vectorizer": {"none": {}}}, "b": {"vectorizer": {"none": {}}}})
    add_object(local_client, "M", ID1, {"n": 1}, vectors={"a": [1, 0], "b": [0, 1]})
    return make_rpc(local_client)


def test_random_target_shapes_are_answered_or_refused_never_internal(rpc):
    rnd, answered, failures = random.Random(11), 0, {}
    for _ in range(400):
        method, request = _request(rnd)
        try:
            getattr(rpc, method)(request)
            answered += 1
        except grpc.RpcError as exc:
            if exc.code() not in REFUSALS:
                failures.setdefault(f"{exc.code()}: {exc.details()}", str(request))
    assert not failures, failures
    assert answered > 20  # the generator reaches valid shapes too, so answers are checked as well as refusals


def test_a_target_weighted_twice_is_multi_input(rpc):
    manual = base_search_pb2.COMBINATION_METHOD_TYPE_MANUAL
    twice = [Weight(target="a", weight=1), Weight(target="a", weight=2), Weight(target="b", weight=1)]
    one_each = [ForTarget(name="a", vectors=[_single(1, 0)]), ForTarget(name="b", vectors=[_single(1, 0)])]
    error = rpc.error("Search", search_get_pb2.SearchRequest(collection="M", uses_127_api=True,
                      near_vector=base_search_pb2.NearVector(targets=Targets(
                          target_vectors=["a", "b"], combination=manual, weights_for_targets=twice),
                          vector_for_targets=one_each)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "number of weights (2) does not match number of query vectors (1) for target vector 'a'" in error.details()
    two_for_a = [ForTarget(name="a", vectors=[_single(1, 0), _single(0, 1)]), one_each[1]]
    reply = rpc.Search(search_get_pb2.SearchRequest(
        collection="M", uses_127_api=True, metadata=search_get_pb2.MetadataRequest(distance=True),
        near_vector=base_search_pb2.NearVector(targets=Targets(target_vectors=["a", "a", "b"], combination=manual,
                                                               weights_for_targets=twice),
                                               vector_for_targets=two_for_a)))
    # a: 1 * d([1,0],[1,0]) + 2 * d([1,0],[0,1]) = 2; b: 1 * d([0,1],[1,0]) = 1 (cosine distances)
    assert [round(r.metadata.distance, 3) for r in reply.results] == [3.0]
