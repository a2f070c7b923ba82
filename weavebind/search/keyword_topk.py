"""bm25's top k over the inverted index without scoring every posting: block-max pruning over id ranges, with
MaxScore's essential lists.

Every range of ids (keyword_postings.py) gets an upper bound on the score of any object in it, from each query
term's (largest frequency, shortest length) entries there (a term's part of the score only grows with its
frequency and shrinks with the length, for k1 >= 0 and 0 <= b <= 1). Ranges are visited best bound first, a batch
at a time: the batch's objects are scored with numpy, those that can still reach the k-th best score so far are
scored again exactly by bm25.score_doc (so scores, order and explanations are bm25.py's to the bit), and the search
stops when the next range's bound is below the k-th score; a range whose bound equals it is visited only if its
smallest uuid precedes the k-th result's (ties go by uuid). Once the k-th score is known, the lists whose bounds
sum below it are not essential: objects holding none of the other lists' terms are not candidates. A term every
object holds then costs the ranges whose bound reaches the k-th score, not the whole class.

Queries the bounds do not cover (negative boosts or idf, k1 < 0, b outside [0, 1]), small ones (fewer than SMALL
postings) and `k=None` score every object holding a query term, as before.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from weavebind.search.bm25 import score_doc
from weavebind.search.keyword_postings import RANGE_BITS, KeyDocs, PropertyPostings, TermPostings

SMALL = 4096        # fewer postings than this in all: score them at once, ranking ranges costs more
FIRST_BATCH = 4     # ranges in the first batch; later batches double up to LAST_BATCH
LAST_BATCH = 32
SLACK = 1e-9        # numpy's scores and bounds may round apart from score_doc's: prune only beyond this margin
Result = tuple[str, float, str]


@dataclass
class GroupPlan:
    """One tokenization's part of a query: its properties, boosts, terms, idf, and (k1, b, mean length)."""

    props: list[PropertyPostings]
    boosts: list[float]
    terms: Counter
    need: int
    idf: dict[str, float]
    params: tuple[float, float, float]

    def postings(self) -> list[list[TermPostings | None]]:
        return [[p.postings(t) if t in self.idf else None for t in self.terms] for p in self.props]


@dataclass
class Unit:
    """Posting lists whose summed part of any score is at most `bound`, in ranges `ranges`. When the units with
    the smallest bounds sum below the k-th best score, an object holding only their terms cannot enter the top
    k: only the other (essential) units' objects are candidates (MaxScore)."""

    bound: float
    lists: set[tuple[int, int, int]]  # (group, property, term)
    ranges: np.ndarray


@dataclass
class Batch:
    docs: np.ndarray                          # live ids holding a query term, ascending
    tfs: list[list[list[np.ndarray]]]         # [group][property][term] → frequency per doc
    lengths: list[list[np.ndarray]]           # [group][property] → length per doc


def _gather(tp: TermPostings | None, ranges: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if tp is None:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    ids, tfs = tp.ids.view(), tp.tfs.view()
    if ranges is None:
        return ids, tfs
    # the bounds in the lists' own dtype: searchsorted would otherwise convert (copy) the whole list
    lo = np.searchsorted(ids, (ranges << RANGE_BITS).astype(ids.dtype))
    sizes = np.searchsorted(ids, ((ranges + 1) << RANGE_BITS).astype(ids.dtype)) - lo
    total = int(sizes.sum())
    starts = np.cumsum(sizes) - sizes
    where = np.repeat(lo - starts, sizes) + np.arange(total)
    return ids[where], tfs[where]


def _aligned(ids: np.ndarray, tfs: np.ndarray, docs: np.ndarray) -> np.ndarray:
    if not len(ids):
        return np.zeros(len(docs), np.int64)
    pos = np.minimum(np.searchsorted(ids, docs.astype(ids.dtype)), len(ids) - 1)
    return np.where(ids[pos] == docs, tfs[pos], 0).astype(np.int64)


def _batch(key: KeyDocs, plans: list[GroupPlan], grids: list, ranges: np.ndarray | None,
           essential: set | None = None) -> Batch:
    """The live objects in `ranges` (all with None) holding an essential list's term (any term with None)."""
    gathered = [[[_gather(tp, ranges) for tp in row] for row in grid] for grid in grids]
    every = [ids for g, group in enumerate(gathered) for p, row in enumerate(group) for t, (ids, _) in enumerate(row)
             if len(ids) and (essential is None or (g, p, t) in essential)]
    live = key.live.padded(len(key.uuids))
    if len(gathered) == len(gathered[0]) == len(gathered[0][0]) == 1:  # one list: nothing to align
        ids, tf = gathered[0][0][0]
        docs, tfs = ids[live[ids]], [[[tf[live[ids]].astype(np.int64)]]]
    else:
        docs = every[0] if len(every) == 1 else np.unique(np.concatenate(every)) if every else np.empty(0, np.int32)
        docs = docs[live[docs]]
        tfs = [[[_aligned(ids, tf, docs) for ids, tf in row] for row in g] for g in gathered]
    lengths = [[p.lengths.padded(len(key.uuids))[docs].astype(np.float64) for p in plan.props] for plan in plans]
    return Batch(docs, tfs, lengths)


def _approx(plans: list[GroupPlan], batch: Batch, block: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each doc's score as score_doc computes it, up to rounding, and whether it matches at all."""
    total = np.zeros(len(batch.docs))
    matched = np.zeros(len(batch.docs), bool)
    for plan, tfs, lengths in zip(plans, batch.tfs, batch.lengths, strict=True):
        k1, b, avg = plan.params
        score, ok = np.zeros(len(batch.docs)), np.zeros(len(batch.docs), bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            if block:
                for row, length, boost in zip(tfs, lengths, plan.boosts, strict=True):
                    present = sum((tf > 0).astype(np.int64) for tf in row)
                    part = sum(np.where(tf > 0, plan.idf.get(t, 0.0) * (tf / (tf + k1 * (1 - b + b * length / avg)))
                                        * boost, 0.0) for t, tf in zip(plan.terms, row, strict=True))
                    qualifies = (present >= plan.need) & (present > 0)
                    score += np.where(qualifies, part, 0.0)
                    ok |= qualifies
            else:
                count = np.zeros(len(batch.docs), np.int64)
                for i, (term, repeats) in enumerate(plan.terms.items()):
                    freq = sum(boost * row[i] for row, boost in zip(tfs, plan.boosts, strict=True))
                    size = sum(np.where(row[i] > 0, length, 0.0) for row, length in zip(tfs, lengths, strict=True))
                    hit = freq != 0
                    part = repeats * plan.idf.get(term, 0.0) * freq / (freq + k1 * (1 - b + b * size / avg))
                    score += np.where(hit, part, 0.0)
                    count += hit
                ok = count >= plan.need
        total += np.where(ok, score, 0.0)
        matched |= ok
    return total, matched


def _exact(key: KeyDocs, plans: list[GroupPlan], batch: Batch, picked: np.ndarray, block: bool) -> list[Result]:
    """score_doc's answer for the batch's docs at `picked`: (uuid, score, explanation) of those that match."""
    tfs = [[[tf[picked].tolist() for tf in row] for row in g] for g in batch.tfs]
    lengths = [[length[picked].tolist() for length in g] for g in batch.lengths]
    out = []
    for j, doc in enumerate(batch.docs[picked].tolist()):
        score, explain, found = 0.0, [], False
        for plan, g_tfs, g_lengths in zip(plans, tfs, lengths, strict=True):
            counts = [(Counter({t: row[i][j] for i, t in enumerate(plan.terms) if row[i][j]}), int(g_lengths[p][j]))
                      for p, row in enumerate(g_tfs)]
            scored = score_doc(counts, plan.boosts, plan.terms, plan.idf, plan.need, plan.params, block)
            if scored is not None:
                score, explain, found = score + scored[0], explain + scored[1], True
        if found:
            out.append((key.uuids[doc], score, "".join(explain)))
    return out


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
                r, score = _per_range((r, score), np.maximum)
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
                r, most, least = _per_range(row[i].bound_entries(length), np.maximum, np.minimum)
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


def _per_range(entries: tuple, *reducers) -> tuple:
    """Entries ordered by range → one per range: the first array reduced with reducers[0], the next with [1]..."""
    r = entries[0]
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if len(r) else np.empty(0, np.int64)
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


def top_k(key: KeyDocs, plans: list[GroupPlan], block: bool, k: int | None) -> tuple[list[Result], int]:
    """The best `k` (all with None) of bm25 over the key, best first, ties by uuid; and how many objects were
    scored (with numpy) on the way."""
    if k is not None and k <= 0:
        return [], 0
    grids = [plan.postings() for plan in plans]
    postings = sum(tp.ids.n for grid in grids for row in grid for tp in row if tp is not None)
    if k is None or postings <= SMALL or not _prunable(plans):
        batch = _batch(key, plans, grids, None)
        _, matched = _approx(plans, batch, block)
        found = _ranked(_exact(key, plans, batch, np.flatnonzero(matched), block))
        return (found if k is None else found[:k]), len(batch.docs)
    return _pruned(key, plans, grids, block, k)


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


def _pruned(key: KeyDocs, plans: list[GroupPlan], grids: list, block: bool, k: int) -> tuple[list[Result], int]:
    bound, touched, units = _bounds(plans, grids, key.ranges(), block)
    candidates = np.flatnonzero(touched)
    order = candidates[np.argsort(-bound[candidates], kind="stable")]
    best: list[Result] = []
    threshold, pos, step, scored = -math.inf, 0, FIRST_BATCH, 0
    essential, where = None, touched

    def open_(r: int) -> bool:  # can range r still hold one of the best k?
        return len(best) < k or where[r] and (bound[r] > threshold or (
            bound[r] == threshold and key.range_min[r] < best[-1][0]))

    while pos < len(order) and bound[order[pos]] >= threshold:
        take = [r for r in order[pos:pos + step].tolist() if open_(r)]
        pos, step = pos + step, min(step * 2, LAST_BATCH)
        if not take:
            continue
        batch = _batch(key, plans, grids, np.array(sorted(take), dtype=np.int64), essential)
        scored += len(batch.docs)
        approx, matched = _approx(plans, batch, block)
        local = np.sort(approx[matched])[-k:]
        floor = max(threshold, local[0] if len(local) == k else -math.inf)  # the batch's own k-th best bounds too
        picked = np.flatnonzero(matched & (approx >= floor * (1 - SLACK)))
        best = _ranked(best + _exact(key, plans, batch, picked, block))[:k]
        if len(best) >= k and best[-1][1] > threshold:
            threshold = best[-1][1]
            essential, where = _essential(units, threshold, len(bound))
    return best, scored
