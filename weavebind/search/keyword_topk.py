"""bm25's top k over the inverted index without scoring every posting: block-max pruning over id ranges, with
MaxScore's essential lists.

Every range of ids (keyword_postings.py) gets an upper bound on the score of any object in it, from each query
term's (largest frequency, shortest length) entries there (a term's part of the score only grows with its
frequency and shrinks with the length, for k1 >= 0 and 0 <= b <= 1). Ranges are visited best bound first, a batch
at a time: the batch's objects are scored with numpy in score_doc's operations, its best k by (score, uuid) again
by bm25.score_doc (keyword_scoring.py: scores, order and explanations are bm25.py's to the bit), and the search
stops when the next range's bound is below the k-th score; a range whose bound equals it is visited only if its
smallest uuid precedes the k-th result's (ties go by uuid). Once the k-th score is known, the lists whose bounds
sum below it are not essential: objects holding none of the other lists' terms are not candidates. A term every
object holds then costs the ranges whose bound reaches the k-th score, not the whole class.

Queries the bounds do not cover (negative boosts or idf, k1 < 0, b outside [0, 1]), small ones (fewer than SMALL
postings) and `k=None` score every object holding a query term, as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from weavebind.search.keyword_postings import RANGE_BITS, KeyDocs
from weavebind.search.keyword_scoring import SLACK, GroupPlan, Result, best_of_batch, gather

SMALL = 4096        # fewer postings than this in all: score them at once, ranking ranges costs more
FIRST_BATCH = 4     # ranges in the first batch; later batches double up to LAST_BATCH
LAST_BATCH = 32
RANKED_FIRST = 256  # ranges put in order at first; the rest only if the search gets that far


@dataclass
class Unit:
    """Posting lists whose summed part of any score is at most `bound`, in ranges `ranges`. When the units with
    the smallest bounds sum below the k-th best score, an object holding only their terms cannot enter the top
    k: only the other (essential) units' objects are candidates (MaxScore)."""

    bound: float
    lists: set[tuple[int, int, int]]  # (group, property, term)
    ranges: np.ndarray


def _bounds(plans: list[GroupPlan], grids: list, ranges: int, block: bool) -> tuple[np.ndarray, np.ndarray, list]:
    """Per id range: an upper bound on any object's score there, and whether any query term occurs there; and the
    query's units (a posting list, or with BM25F a term's lists in every property) with their own bounds.

    The bound is computed with score_doc's operations in score_doc's order, from the largest frequency and the
    shortest length instead of the object's own: every step is a correctly rounded operation, monotone in its
    inputs, so no object's score exceeds it even by rounding, and an object can equal it (a tie, which the
    uuid decides)."""
    total, touched, units = np.zeros(ranges), np.zeros(ranges, bool), []
    for g, (plan, grid) in enumerate(zip(plans, grids, strict=True)):
        lengths = [p.lengths.padded(ranges << RANGE_BITS) for p in plan.props]
        bound = np.zeros(ranges)
        (_block_bound if block else _bm25f_bound)(plan, grid, g, lengths, bound, touched, units)
        total += bound
    return total, touched, units


def _block_bound(plan: GroupPlan, grid: list, g: int, lengths: list, bound: np.ndarray, touched: np.ndarray,
                 units: list) -> None:
    """score_doc with usingBlockMaxWAND: properties, then terms, one running sum."""
    k1, b, avg = plan.params
    for p, (row, length, boost) in enumerate(zip(grid, lengths, plan.boosts, strict=True)):
        for t, (term, tp) in enumerate(zip(plan.terms, row, strict=True)):
            if tp is not None:
                r, most, least = tp.bound_entries(length)
                most, least = most.astype(np.float64), least.astype(np.float64)
                score = plan.idf[term] * (most / (most + k1 * (1 - b + b * least / avg))) * boost
                r, score = _per_range((r, score), tp.starts, np.maximum)
                touched[r] = True
                bound[r] += score
                units.append(Unit(float(score.max()) if len(score) else 0.0, {(g, p, t)}, r))


def _bm25f_bound(plan: GroupPlan, grid: list, g: int, lengths: list, bound: np.ndarray, touched: np.ndarray,
                 units: list) -> None:
    """score_doc with BM25F: per term, the boosted frequencies summed over properties, the lengths of those holding
    it (at least the shortest)."""
    k1, b, avg = plan.params
    ranges = len(bound)
    for i, (term, repeats) in enumerate(plan.terms.items()):
        freq, size = np.zeros(ranges), np.full(ranges, np.inf)
        for row, length, boost in zip(grid, lengths, plan.boosts, strict=True):
            if row[i] is not None:
                r, most, least = _per_range(row[i].bound_entries(length), row[i].starts, np.maximum, np.minimum)
                touched[r] = True
                freq[r] += boost * most
                size[r] = np.minimum(size[r], least)
        hit = freq > 0
        score = repeats * plan.idf.get(term, 0.0) * freq[hit] / (freq[hit] + k1 * (1 - b + b * size[hit] / avg))
        bound[hit] += score
        units.append(Unit(float(score.max()) if len(score) else 0.0, {(g, p, i) for p in range(len(grid))},
                          np.flatnonzero(hit)))
    if any(boost not in (0.0, 1.0) for boost in plan.boosts):
        # boosted frequencies are not integers: freq / (freq + c) could round against its monotony by an ulp, so
        # leave a margin (ties at the bound are then not pruned)
        bound *= 1 + SLACK


def _per_range(entries: tuple, starts: np.ndarray, *reducers) -> tuple:
    """Entries ordered by range (each range's first at `starts`) → one per range: the first array reduced with
    reducers[0], the next with [1]..."""
    r = entries[0]
    if len(starts) == len(r):
        return (r, *(a.astype(np.float64) for a in entries[1:]))
    return (r[starts], *(f.reduceat(a, starts).astype(np.float64) for f, a in zip(reducers, entries[1:], strict=False)))


def _prunable(plans: list[GroupPlan]) -> bool:
    for plan in plans:
        k1, b, _ = plan.params
        values = [*plan.boosts, *plan.idf.values(), k1]
        if not all(math.isfinite(v) and v >= 0 for v in values) or not 0 <= b <= 1:
            return False
    return True


def _ranked(found: list[Result]) -> list[Result]:
    return sorted(found, key=lambda item: (-item[1], item[0]))


def top_k(key: KeyDocs, plans: list[GroupPlan], block: bool, k: int | None,
          allowed: np.ndarray | None = None) -> tuple[list[Result], int]:
    """The best `k` (all with None) of bm25 over the key, best first, ties by uuid; and how many objects were
    scored (with numpy) on the way. `allowed`: the live ids a filter keeps, as a mask by id; the bounds stay
    bounds over every object, so pruning stays exact, only less effective for a filter that keeps few."""
    if k is not None and k <= 0:
        return [], 0
    grids = [plan.postings() for plan in plans]
    postings = sum(tp.ids.n for grid in grids for row in grid for tp in row if tp is not None)
    if k is None or postings <= SMALL or not _prunable(plans):
        batch = gather(key, plans, grids, None, allowed=allowed)
        found = _ranked(best_of_batch(key, plans, batch, block, -math.inf, k))
        return (found if k is None else found[:k]), len(batch.docs)
    return _pruned(key, plans, grids, block, k, allowed)


def _essential(units: list[Unit], threshold: float, ranges: int) -> tuple[set, np.ndarray]:
    """The lists an object must hold to reach `threshold`, and the ranges they occur in."""
    lists: set = set()
    where = np.zeros(ranges, bool)
    below = 0.0
    for unit in sorted(units, key=lambda u: u.bound):
        below += unit.bound
        if below * (1 + SLACK) >= threshold:
            lists |= unit.lists
            where[unit.ranges] = True
    return lists, where


def _pruned(key: KeyDocs, plans: list[GroupPlan], grids: list, block: bool, k: int,
            allowed: np.ndarray | None) -> tuple[list[Result], int]:
    bound, touched, units = _bounds(plans, grids, key.ranges(), block)
    mins = key.range_mins()
    queue, rest = _ranked_ranges(bound, np.flatnonzero(touched), mins)
    best: list[Result] = []
    threshold, step, scored = -math.inf, FIRST_BATCH, 0
    essential, where = None, touched
    while len(queue) or len(rest):
        if not len(queue):  # the ranges not ranked at first: those that may still matter, ranked now
            queue, rest = _ranked_ranges(bound, rest[bound[rest] >= threshold], mins, len(rest))
        take, queue, step = queue[:step], queue[step:], min(step * 2, LAST_BATCH)
        batch = gather(key, plans, grids, np.sort(take).astype(np.int64), essential, allowed)
        scored += len(batch.docs)
        best = _ranked(best + best_of_batch(key, plans, batch, block, threshold, k))[:k]
        if len(best) < k:
            continue
        if best[-1][1] > threshold:
            threshold = best[-1][1]
            essential, where = _essential(units, threshold, len(bound))
        queue = _still_open(key, queue, bound, where, threshold, best[-1][0])
    return best, scored


def _ranked_ranges(bound: np.ndarray, ranges: np.ndarray, mins: np.ndarray, first: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The `first` (RANKED_FIRST) ranges of the best bounds in order, and the others unordered (most are never
    visited: ranking them all would cost more than the search). Equal bounds go by the ranges' smallest uuids:
    ties between objects go by uuid, so those ranges settle a tie soonest."""
    first = RANKED_FIRST if first is None else first
    rest = ranges[:0]
    if len(ranges) > first:
        cut = -np.partition(-bound[ranges], first - 1)[first - 1]  # the first-th best bound
        above, tied = ranges[bound[ranges] > cut], ranges[bound[ranges] == cut]
        need = first - len(above)
        if len(tied) > need:
            split = np.argpartition(mins[tied], need - 1) if need else np.arange(len(tied))
            tied, spare = tied[split[:need]], tied[split[need:]]
            rest = np.concatenate((spare, ranges[bound[ranges] < cut]))
        else:
            rest = ranges[bound[ranges] < cut]
        ranges = np.concatenate((above, tied))
    return ranges[np.lexsort((mins[ranges], -bound[ranges]))], rest


def _still_open(key: KeyDocs, queue: np.ndarray, bound: np.ndarray, where: np.ndarray, threshold: float,
                kth_uuid: str) -> np.ndarray:
    """The queued ranges that hold an essential list and whose bound beats the k-th score, or equals it with a
    smallest uuid before the k-th result's (ties go by uuid). The queue is ordered by bound: cut, then filter."""
    queue = queue[:np.searchsorted(-bound[queue], -threshold, side="right")]
    reach = bound[queue]
    keep = where[queue] & (reach > threshold)
    tied = np.flatnonzero(where[queue] & (reach == threshold))
    if len(tied):
        keep[tied] = key.range_mins()[queue[tied]] < kth_uuid
    return queue[keep]
