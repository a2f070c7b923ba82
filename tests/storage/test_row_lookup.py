"""A label lookup extended as rows are appended equals one made afresh from all the rows."""

from __future__ import annotations

import numpy as np

from weavebind.storage.row_lookup import RowLookup


def _same(a: RowLookup, b: RowLookup) -> None:
    assert a.sorted_ids.tolist() == b.sorted_ids.tolist()
    assert a.row_ids.tolist() == b.row_ids.tolist()
    assert a.order.tolist() == b.order.tolist()
    assert (a.dense is None) == (b.dense is None)
    if a.dense is not None:
        assert a.dense.tolist() == b.dense.tolist()


def test_appended_rows_give_the_lookup_made_afresh():
    rng = np.random.default_rng(3)
    for _ in range(40):
        lookup, row_ids, top = RowLookup.of(np.empty(0, dtype=np.int64)), [], 0
        for _ in range(int(rng.integers(1, 12))):
            # change numbers grow, with gaps (other classes' writes) that are sometimes wide enough to leave the
            # dense table; a batch's labels may come in any order
            gap = int(rng.choice([1, 5, 200]))
            new = top + gap + rng.permutation(int(rng.integers(1, 30))) * int(rng.choice([1, 3]))
            top = int(new.max())
            row_ids.extend(new.tolist())
            lookup = lookup.appended(new)
            assert lookup is not None
            fresh = RowLookup.of(np.asarray(row_ids, dtype=np.int64))
            _same(lookup, fresh)
            probe = np.unique(rng.choice(np.arange(top + 3), size=10))
            assert [x.tolist() for x in lookup.stored(probe)] == [x.tolist() for x in fresh.stored(probe)]


def test_a_label_below_the_largest_stored_one_asks_for_a_fresh_lookup():
    lookup = RowLookup.of(np.asarray([10, 20, 30], dtype=np.int64))
    assert lookup.appended(np.asarray([25, 40], dtype=np.int64)) is None
    assert lookup.appended(np.empty(0, dtype=np.int64)) is lookup
