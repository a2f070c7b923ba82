"""A label lookup extended as rows are appended equals one made afresh from all the rows."""

from __future__ import annotations

import numpy as np

from weavebind.storage.growable import Growable
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


def test_earlier_lookups_keep_their_values_while_later_ones_grow_in_place_or_branch():
    """A search may hold an older lookup while adds extend the tables (growable.py): its values never change, and
    extending an older lookup again branches off a copy instead of overwriting the newer one."""
    rng = np.random.default_rng(5)
    history = [RowLookup.of(np.asarray([3, 1, 2], dtype=np.int64))]
    row_ids = [[3, 1, 2]]
    top = 3
    for _ in range(60):  # enough adds to outgrow the buffers' capacity several times
        base = int(rng.integers(len(history))) if rng.random() < 0.2 else len(history) - 1
        new = top + 1 + rng.permutation(int(rng.integers(1, 9)))
        top = int(new.max())
        history.append(history[base].appended(new))
        row_ids.append(row_ids[base] + new.tolist())
    for lookup, ids in zip(history, row_ids, strict=True):
        _same(lookup, RowLookup.of(np.asarray(ids, dtype=np.int64)))


def test_a_growable_keeps_every_view_it_gave_out():
    grown = Growable(np.asarray([1, 2], dtype=np.int64))
    views = [grown.view()]
    for value in range(3, 40):
        grown = grown.extended(grown.length, np.asarray([value], dtype=np.int64))
        views.append(grown.view())
    branch = Growable.extended(grown, 5, np.asarray([-1], dtype=np.int64))  # from an older length: a copy
    assert branch is not grown and branch.view().tolist() == [1, 2, 3, 4, 5, -1]
    assert [v.tolist() for v in views] == [list(range(1, n + 1)) for n in range(2, 40)]
    padded = Growable(np.asarray([7], dtype=np.int64), fill=-1).padded(1, 4)
    assert padded.view().tolist() == [7, -1, -1, -1]
