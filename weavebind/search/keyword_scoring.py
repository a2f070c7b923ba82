"""Scoring a batch of objects for keyword_topk.py: their frequencies gathered from the posting lists, their scores
computed with numpy in bm25.score_doc's own operations and order (so the same bits: correctly rounded operations on
the same values), the batch's best k picked by (score, uuid), and only those scored again by score_doc, which gives
the explanations and checks the numpy scores. Should a numpy score ever differ from score_doc's, every object of
the batch near the cut is scored by score_doc instead.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from weavebind.search.bm25 import score_doc
from weavebind.search.keyword_postings import RANGE_BITS, KeyDocs, PropertyPostings, TermPostings

SLACK = 1e-9  # the margin of the fallback, should numpy's scores round apart from score_doc's
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


def gather(key: KeyDocs, plans: list[GroupPlan], grids: list, ranges: np.ndarray | None,
           essential: set | None = None, allowed: np.ndarray | None = None) -> Batch:
    """The live objects in `ranges` (all with None) holding an essential list's term (any term with None), and
    only those `allowed` marks (a filter's, by id) when given."""
    gathered = [[[_gather(tp, ranges) for tp in row] for row in grid] for grid in grids]
    every = [ids for g, group in enumerate(gathered) for p, row in enumerate(group) for t, (ids, _) in enumerate(row)
             if len(ids) and (essential is None or (g, p, t) in essential)]
    live = key.live.padded(len(key.uuids)) if allowed is None else allowed
    if len(gathered) == len(gathered[0]) == len(gathered[0][0]) == 1:  # one list: nothing to align
        ids, tf = gathered[0][0][0]
        docs, tfs = ids[live[ids]], [[[tf[live[ids]].astype(np.int64)]]]
    else:
        docs = every[0] if len(every) == 1 else np.unique(np.concatenate(every)) if every else np.empty(0, np.int32)
        docs = docs[live[docs]]
        tfs = [[[_aligned(ids, tf, docs) for ids, tf in row] for row in g] for g in gathered]
    lengths = [[p.lengths.padded(len(key.uuids))[docs].astype(np.float64) for p in plan.props] for plan in plans]
    return Batch(docs, tfs, lengths)


def numpy_scores(plans: list[GroupPlan], batch: Batch, block: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each doc's score, in score_doc's operations and order, and whether it matches at all; the groups added up
    as keyword_index combines them (0.0, then each group that matches)."""
    total, matched = np.zeros(len(batch.docs)), np.zeros(len(batch.docs), bool)
    for plan, tfs, lengths in zip(plans, batch.tfs, batch.lengths, strict=True):
        with np.errstate(divide="ignore", invalid="ignore"):
            score, ok = (_block_scores if block else _bm25f_scores)(plan, tfs, lengths, len(batch.docs))
        total = np.where(ok, total + score, total)
        matched |= ok
    return total, matched


def _block_scores(plan: GroupPlan, tfs: list, lengths: list, n: int) -> tuple[np.ndarray, np.ndarray]:
    k1, b, avg = plan.params
    score, ok = np.zeros(n), np.zeros(n, bool)
    for row, length, boost in zip(tfs, lengths, plan.boosts, strict=True):
        present = sum((tf > 0).astype(np.int64) for tf in row)
        qualifies = (present >= plan.need) & (present > 0)
        for term, tf in zip(plan.terms, row, strict=True):
            if term in plan.idf:
                part = plan.idf[term] * (tf / (tf + k1 * (1 - b + b * length / avg))) * boost
                score = np.where(qualifies & (tf > 0), score + part, score)
        ok |= qualifies
    return score, ok


def _bm25f_scores(plan: GroupPlan, tfs: list, lengths: list, n: int) -> tuple[np.ndarray, np.ndarray]:
    k1, b, avg = plan.params
    score, count = np.zeros(n), np.zeros(n, np.int64)
    for i, (term, repeats) in enumerate(plan.terms.items()):
        freq, size = np.zeros(n), np.zeros(n)
        for row, length, boost in zip(tfs, lengths, plan.boosts, strict=True):
            freq = freq + boost * row[i]
            size = size + np.where(row[i] > 0, length, 0.0)
        hit = freq != 0
        part = repeats * plan.idf.get(term, 0.0) * freq / (freq + k1 * (1 - b + b * size / avg))
        score = np.where(hit, score + part, score)
        count += hit
    return score, count >= plan.need


def exact(key: KeyDocs, plans: list[GroupPlan], batch: Batch, picked: np.ndarray, block: bool) -> list[Result]:
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


def best_of_batch(key: KeyDocs, plans: list[GroupPlan], batch: Batch, block: bool, threshold: float,
                  k: int | None) -> list[Result]:
    """The batch's objects that may enter the top k (every match with k None), scored by score_doc: its best k
    by (score, uuid) among those reaching `threshold`."""
    scores, matched = numpy_scores(plans, batch, block)
    if k is None:
        return exact(key, plans, batch, np.flatnonzero(matched), block)
    picked = _best_k(key, batch, scores, np.flatnonzero(matched & (scores >= threshold)), k)
    found = exact(key, plans, batch, picked, block)
    if len(found) == len(picked) and all(s == scores[i] for (_, s, _), i in zip(found, picked.tolist(), strict=True)):
        return found
    # numpy and score_doc disagree (they should not): score everything near the cut with score_doc
    local = np.sort(scores[matched])[-k:]
    floor = max(threshold, local[0] if len(local) == k else -math.inf)
    return exact(key, plans, batch, np.flatnonzero(matched & (scores >= floor - SLACK * abs(floor))), block)


def _best_k(key: KeyDocs, batch: Batch, scores: np.ndarray, candidates: np.ndarray, k: int) -> np.ndarray:
    if len(candidates) <= k:
        return candidates
    kth = np.partition(scores[candidates], len(candidates) - k)[len(candidates) - k]
    candidates = candidates[scores[candidates] >= kth]
    if len(candidates) <= k:
        return candidates
    uuids = [key.uuids[doc] for doc in batch.docs[candidates].tolist()]  # ties at the k-th score: by uuid
    order = sorted(range(len(candidates)), key=lambda j: (-scores[candidates[j]], uuids[j]))[:k]
    return candidates[order]
