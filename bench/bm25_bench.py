"""bm25 top-10 through the keyword index, in process: block-max pruning (search/keyword_topk.py) against scoring
every object that holds a query term (the same index asked for every match, which is what it did before), for a
rare term, a common one (30 % of objects), a term every object holds, and 2- and 3-term queries; then with a
filter keeping 10 % and 50 % of the objects, against scoring the filter's records (what a filtered bm25 did).
Results: docs/benchmarks.md ("bm25 at scale").

    python bench/bm25_bench.py [--objects 200000] [--queries 30] [--exhaustive-queries 3] [--in-memory]

With SQL (the default) it also times the first query after a restart: the index loaded from its file against
built from SQL. --in-memory fills the index directly instead (no SQL, no restart), for 1,000,000 objects.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from weavebind.schema.models import ClassInfo
from weavebind.search.bm25 import bm25_search
from weavebind.search.keyword_build import PostingsBuilder
from weavebind.search.keyword_index import KeywordIndex
from weavebind.search.keyword_postings import KeyDocs
from weavebind.storage.records import ObjectRecord
from weavebind.storage.store import Store

CONFIG = {"class": "Doc", "properties": [{"name": "body", "dataType": ["text"], "tokenization": "word"}],
          "invertedIndexConfig": {"usingBlockMaxWAND": True}}
VOCABULARY = 20000
QUERIES = {"rare": "rare", "common": "common", "every": "every", "2 terms": "common w17",
           "3 terms": "every common w250"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--objects", type=int, default=200000)
    parser.add_argument("--queries", type=int, default=30, help="timed queries per kind, pruned")
    parser.add_argument("--exhaustive-queries", type=int, default=3, help="timed queries per kind, exhaustive")
    parser.add_argument("--in-memory", action="store_true", help="fill the index directly, without SQL")
    return parser.parse_args()


def body(rng: random.Random, i: int) -> str:
    """Lengths log-normal around 23 words (5 to a few hundred), Zipf-distributed words; "every" in each object,
    more often in longer ones (like a stopword); "common" in 30 %; "rare" in 1 of 20,000."""
    size = int(rng.lognormvariate(3.0, 0.6)) + 3
    words = [f"w{int(rng.paretovariate(1.1)) % VOCABULARY}" for _ in range(size)]
    words += ["every"] * (1 + sum(rng.random() < 0.05 for _ in range(size)))
    if rng.random() < 0.3:
        words += ["common"] * rng.randint(1, 2)
    if i % 20000 == 7:
        words.append("rare")
    rng.shuffle(words)
    return " ".join(words)


def fill(store: Store, n: int) -> None:
    rng = random.Random(1)
    for first in range(0, n, 5000):
        store.put([ObjectRecord("Doc", str(uuid.UUID(int=rng.getrandbits(128), version=4)), {"body": body(rng, i)},
                                1, 1) for i in range(first, min(n, first + 5000))])


def p50_ms(index: KeywordIndex, info: ClassInfo, n: int, query: str, runs: int, limit: int | None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        found = index.search(info, n, query, ["body"], limit=limit)[:10]
        times.append(time.perf_counter() - start)
    assert found, query
    return statistics.median(times) * 1000


def in_memory(index: KeywordIndex, n: int) -> None:
    """--in-memory: the index filled directly (no SQL), for a million objects within the time."""
    rng, docs = random.Random(1), KeyDocs()
    items = [(docs.new_id(str(uuid.UUID(int=rng.getrandbits(128), version=4))), body(rng, i)) for i in range(n)]
    builder = PostingsBuilder("word")
    builder.add(items)
    docs.props[("body", "word")] = builder.finish()
    index._keys["Doc"] = docs


def compare(index: KeywordIndex, info: ClassInfo, args: argparse.Namespace) -> None:
    print(f"{'query':10} {'pruned p50 ms':>14} {'exhaustive p50 ms':>18} {'speed-up':>9} {'vs rare':>8} {'scored':>7}")
    rare = None
    for name, query in QUERIES.items():
        for _ in range(2):  # warm-up (the first query of a term makes its bound entries)
            p50_ms(index, info, args.objects, query, 1, 10)
        index.scored = 0
        pruned = p50_ms(index, info, args.objects, query, args.queries, 10)
        scored = index.scored // args.queries
        exhaustive = p50_ms(index, info, args.objects, query, args.exhaustive_queries, None)
        assert index.search(info, args.objects, query, ["body"], limit=10) == \
            index.search(info, args.objects, query, ["body"])[:10]
        rare = rare or pruned
        print(f"{name:10} {pruned:14.2f} {exhaustive:18.1f} {exhaustive / pruned:8.0f}x {pruned / rare:7.1f}x "
              f"{scored:7}")


def filtered(store: Store | None, index: KeywordIndex, info: ClassInfo, args: argparse.Namespace) -> None:
    """bm25 with a filter keeping 10 % or 50 % of the objects (random uuids, as a filter's answer hands them):
    through the index with the filter's objects as a mask, against what a filtered bm25 did before (the filter's
    records read from SQL and scored by bm25.py; with SQL only)."""
    rng = random.Random(2)
    uuids = list(index._keys["Doc"].ids)
    print(f"{'filter':7} {'query':6} {'index p50 ms':>13} {'records p50 ms':>15} {'speed-up':>9}")
    for share in (0.1, 0.5):
        allowed = rng.sample(uuids, int(len(uuids) * share))
        for name in ("rare", "every"):
            query = QUERIES[name]
            times = []
            for _ in range(args.queries):
                start = time.perf_counter()
                found = index.search(info, args.objects, query, ["body"], limit=10, allowed=allowed)
                times.append(time.perf_counter() - start)
            mine = statistics.median(times) * 1000
            before = math.nan
            if store is not None:
                times = []
                for _ in range(args.exhaustive_queries):
                    start = time.perf_counter()
                    scored = bm25_search(info, store.get_many("Doc", allowed), args.objects, query, ["body"])[:10]
                    times.append(time.perf_counter() - start)
                before = statistics.median(times) * 1000
                assert [s.record.uuid for s in scored] == [uid for uid, _, _ in found], (share, name)
            print(f"{share:7.0%} {name:6} {mine:13.2f} {before:15.1f} {before / mine:8.0f}x")


def restart(info: ClassInfo, tmp: str, n: int) -> None:
    """The first query after a restart: loading the saved file and catching up, against building from SQL."""
    for load in (True, False):
        if not load:
            for path in (Path(tmp) / "keyword").glob("*.kw"):
                path.unlink()
        store = Store(f"sqlite:///{tmp}/db.sqlite", Path(tmp), snapshot_seconds=3600)
        store.open({"Doc": {}})
        index = KeywordIndex(store)
        start = time.perf_counter()
        index.search(info, n, "every", ["body"], limit=10)
        print(f"first query after a restart, {'index loaded from its file' if load else 'index built from SQL'}: "
              f"{time.perf_counter() - start:.2f} s (loads {index.loads}, builds {index.builds})")
        store.close()


def main() -> None:
    args = parse_args()
    info = ClassInfo.from_config(CONFIG)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/db.sqlite", Path(tmp), snapshot_seconds=3600)
        store.save_class("Doc", CONFIG, {})
        store.open({"Doc": {}})
        index = KeywordIndex(store)
        start = time.perf_counter()
        if args.in_memory:
            in_memory(index, args.objects)
        else:
            fill(store, args.objects)
            print(f"{args.objects} objects written in {time.perf_counter() - start:.1f} s")
            start = time.perf_counter()
            index.search(info, args.objects, "warm", ["body"], limit=10)
        print(f"{args.objects} objects; index built in {time.perf_counter() - start:.1f} s")
        compare(index, info, args)
        filtered(None if args.in_memory else store, index, info, args)
        store.close()
        if not args.in_memory:
            restart(info, tmp, args.objects)


if __name__ == "__main__":
    main()
