"""Scale benchmark: python benchmarks/scale.py [--sizes 10000 100000 1000000] [--json]

Dense search at collection sizes well beyond the bundled articles, for several FAISS index
types, and BM25 at the same sizes.

Vectors: the real embeddings of up to 20,000 sentences (the bundled and evaluation articles,
and the paragraphs of SQuAD's dev-v1.1-a when ../shared/squad is there), and, for the rest,
random blends of two or three of them with a little noise, re-normalised: the collection keeps
the shape of real text embeddings (uniformly random unit vectors have no neighbours worth
finding, and mere noisy copies make every neighbour a near tie). Queries: the real embeddings
of the evaluation questions. Recall@10 is measured against exact search (Flat)
on the same vectors. Each search is one query at a time, as the app searches.

BM25: passages made of the articles' sentences recombined with a fixed seed, with names and
numbers varied, indexed with bm25s as the app does; queries are the evaluation questions.

Prints a table per size (and the machine); --json prints one JSON object."""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.synthetic import synthetic_passages  # noqa: E402
from eval.metrics import percentile  # noqa: E402

NOISE = 0.01  # per dimension, added to each blend
REAL_SENTENCES = 20_000
SQUAD_DEV = REPO.parent / "shared" / "squad" / "dev-v1.1-a.json.gz"
SEED = 0
# name -> (FAISS factory string, the search-time settings to try, each a row)
INDEX_TYPES = {
    "exact (Flat)": ("Flat", [{}]),
    "HNSW32": ("HNSW32", [{"efSearch": 128}, {"efSearch": 512}]),
    "HNSW32,SQ8": ("HNSW32,SQ8", [{"efSearch": 128}, {"efSearch": 512}]),
    "IVF,SQ8": ("IVF{nlist},SQ8", [{"nprobe": 32}, {"nprobe": 64}, {"nprobe": 128}]),
}


def texts_and_questions() -> tuple[list[str], list[str]]:
    from eval.questions import load_questions
    from index.loaders import load_documents

    folders = [REPO / "data" / "articles"] + sorted((REPO / "eval" / "corpora").glob("*/articles"))
    texts = [d.text for d in load_documents(folders, warn=lambda _: None)]
    if SQUAD_DEV.is_file():
        from eval.squad import read_squad

        texts += sorted({q.context for q in read_squad(SQUAD_DEV)})
    question_files = [REPO / "eval" / "questions.jsonl"] + sorted((REPO / "eval" / "corpora").glob("*/questions.jsonl"))
    questions = [q.question for path in question_files for q in load_questions(path)]
    return texts, questions


def all_sentences(texts: list[str]) -> list[str]:
    from index.sentences import split_sentences

    return [t[s:e] for t in texts for s, e in split_sentences(t)]


def real_vectors(texts: list[str], questions: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from index.opener import make_embedder

    sentences = all_sentences(texts)
    sentences = random.Random(SEED).sample(sentences, min(REAL_SENTENCES, len(sentences)))
    embedder = make_embedder()
    return embedder.encode(sentences), embedder.encode(questions)


def grow(base: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """The real vectors, then blends of 2-3 of them with noise, up to `size` rows."""
    vectors = np.empty((size, base.shape[1]), dtype=np.float32)
    vectors[:min(size, len(base))] = base[:size]
    for lo in range(len(base), size, 100_000):
        hi = min(size, lo + 100_000)
        weights = rng.dirichlet(np.ones(3), hi - lo)
        weights[:, 2] *= rng.random(hi - lo) < 0.5  # two or three parents
        block = sum(weights[:, [j]] * base[rng.integers(0, len(base), hi - lo)] for j in range(3))
        block += rng.normal(0, NOISE, block.shape)
        vectors[lo:hi] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return vectors


def timed_searches(index, queries: np.ndarray, k: int = 10) -> tuple[list[float], np.ndarray]:
    latencies, found = [], []
    for query in queries:
        started = time.perf_counter()
        _, ids = index.search(query.reshape(1, -1), k)
        latencies.append((time.perf_counter() - started) * 1000)
        found.append(ids[0])
    return latencies, np.array(found)


def dense_rows(vectors: np.ndarray, queries: np.ndarray) -> list[dict]:
    import faiss

    size = len(vectors)
    nlist = max(64, int(4 * np.sqrt(size)) // 64 * 64)
    rows, truth = [], None
    for name, (factory, settings) in INDEX_TYPES.items():
        factory = factory.format(nlist=nlist)
        if factory.startswith("IVF") and size < 39 * nlist:
            continue  # too few vectors to train that many lists
        index = faiss.index_factory(vectors.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
        started = time.perf_counter()
        if not index.is_trained:
            sample = vectors[np.random.default_rng(SEED).choice(size, min(size, 40 * nlist, 100_000), replace=False)]
            index.train(sample)
        index.add(vectors)
        build = time.perf_counter() - started
        memory = round(len(faiss.serialize_index(index)) / 1e6, 1)
        for params in settings:
            space = faiss.ParameterSpace()
            for key, value in params.items():
                space.set_index_parameter(index, key, value)
            timed_searches(index, queries[:20])  # warm caches
            latencies, found = timed_searches(index, queries)
            if truth is None:
                truth = found
            recall = float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))
            label = name + "".join(f" {k}={v}" for k, v in params.items())
            rows.append({"index": label, "factory": factory, "params": params, "build_s": round(build, 1),
                         "memory_mb": memory, "search_p50_ms": round(percentile(latencies, 50), 3),
                         "search_p95_ms": round(percentile(latencies, 95), 3), "recall_at_10": round(recall, 4)})
        del index
    return rows


def bm25_row(passages: list[str], questions: list[str]) -> dict:
    from index.lexical import LexicalStore

    started = time.perf_counter()
    store = LexicalStore.build(passages)
    build = time.perf_counter() - started
    for question in questions[:20]:
        store.search(question, 10)
    latencies = []
    for question in questions:
        started = time.perf_counter()
        store.search(question, 10)
        latencies.append((time.perf_counter() - started) * 1000)
    scores = store.retriever.scores
    memory = sum(scores[key].nbytes for key in ("data", "indices", "indptr"))
    return {"index": "BM25 (bm25s)", "build_s": round(build, 1), "memory_mb": round(memory / 1e6, 1),
            "search_p50_ms": round(percentile(latencies, 50), 3), "search_p95_ms": round(percentile(latencies, 95), 3)}


def filtered_rows(vectors: np.ndarray, queries: np.ndarray, shares=(0.01, 0.6), k: int = 10) -> list[dict]:
    """Dense search through the app's own path (qa.retrieval.EmbeddedSearch over the index
    `--faiss-factory auto` builds) unfiltered, and with a filter keeping each share of the
    rows (random rows, as a date range or a source would): p50 and recall@10 against an
    exact search of the kept rows."""
    from types import SimpleNamespace

    from index.dense import DenseStore
    from qa.retrieval import EmbeddedSearch

    store = DenseStore.build(vectors)
    rng = np.random.default_rng(SEED)
    rows = []
    for share in (None, *shares):
        allowed = None if share is None else np.sort(rng.choice(len(vectors), int(len(vectors) * share), replace=False))
        latencies, hits = [], 0
        for query in queries:
            search = EmbeddedSearch(SimpleNamespace(dense=store, vectors=vectors), SimpleNamespace(encode=lambda _, q=query: [q]))
            started = time.perf_counter()
            _, ids = search.search("", k, allowed)
            latencies.append((time.perf_counter() - started) * 1000)
            kept = np.arange(len(vectors)) if allowed is None else allowed
            truth = kept[np.argsort(-(vectors[kept] @ query))[:k]]
            hits += len(set(ids.tolist()) & set(truth.tolist()))
        rows.append({"filter_keeps": "all" if share is None else f"{share:.0%}",
                     "search_p50_ms": round(percentile(latencies, 50), 2),
                     "recall_at_10": round(hits / (k * len(queries)), 3)})
    unfiltered = rows[0]["search_p50_ms"]
    for row in rows[1:]:
        row["p50_over_unfiltered"] = round(row["search_p50_ms"] / unfiltered, 2)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--no-bm25", action="store_true", help="dense indexes only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    from qa.config import quiet_libraries

    quiet_libraries()
    texts, questions = texts_and_questions()
    base, queries = real_vectors(texts, questions)
    sentences = all_sentences(texts)
    results = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
                          f"Python {platform.python_version()}",
               "real_vectors": len(base), "queries": len(queries), "sizes": {}}
    for size in sorted(args.sizes):
        vectors = grow(base, size, np.random.default_rng(SEED))
        rows = dense_rows(vectors, queries)
        filtered = filtered_rows(vectors, queries) if size >= 100_000 else []
        del vectors
        if not args.no_bm25:
            rows.append(bm25_row(synthetic_passages(size, SEED, sentences), questions))
        rows.append({"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})
        results["sizes"][size] = rows
        if filtered:
            results.setdefault("filtered", {})[size] = filtered
        if not args.json:
            print(f"\n{size:,} passages")
            print(f"{'index':<26} {'build s':>8} {'MB':>8} {'p50 ms':>8} {'p95 ms':>8} {'recall@10':>10}")
            for row in rows[:-1]:
                print(f"{row['index']:<26} {row['build_s']:>8} {row['memory_mb']:>8} {row['search_p50_ms']:>8} "
                      f"{row['search_p95_ms']:>8} {row.get('recall_at_10', ''):>10}")
            for row in filtered:
                print(f"filter keeping {row['filter_keeps']:>4}: p50 {row['search_p50_ms']} ms, recall@10 "
                      f"{row['recall_at_10']}" + (f", {row['p50_over_unfiltered']}x unfiltered"
                                                 if "p50_over_unfiltered" in row else ""))
            print(f"peak RSS of this process so far: {rows[-1]['peak_rss_mb']} MB", flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"\nmachine: {results['machine']}; {results['real_vectors']} real vectors, {results['queries']} queries")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
