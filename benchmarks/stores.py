"""Store benchmark: python benchmarks/stores.py [--sets bundled general ...] [--sizes 10000 100000]
[--ray-articles 500] [--json]

Milvus Lite (--store milvus:FILE) against the FAISS index folder, in one run:
- parity on the question sets: hybrid retrieval with the shipped reader, top 5: recall@5 and
  EM per set; dense retrieval (exact on both: FLAT in Milvus, Flat in FAISS below 50,000
  chunks): the share of questions whose top 5 passages are the same;
- search p50 and recall@10 (against exact search) at each size, one query at a time, the
  vectors from benchmarks/scale.py (real sentence embeddings and blends of them); Milvus
  gets the index its store would choose at that size (index_type_for);
- building an index of synthetic articles with `qa index --ray` (a local cluster of two
  workers) against one process, as a ratio of wall times measured here, and the largest
  difference between the two builds' vectors.
--json prints one JSON object."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from eval.metrics import percentile  # noqa: E402

SETS = ["bundled", "general", "town", "events", "final", "holdout", "blind", "fresh", "sealed"]
SEED = 0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def question_set(name: str) -> tuple[Path, Path]:
    if name == "bundled":
        return REPO / "eval" / "questions.jsonl", REPO / "data" / "articles"
    folder = REPO / "eval" / "corpora" / name
    return folder / "questions.jsonl", folder / "articles"


def parity(sets: list[str], work: Path) -> list[dict]:
    from eval.questions import load_questions
    from eval.runner import evaluate
    from index.indexer import index_paths
    from index.opener import make_embedder
    from qa.config import Config
    from qa.pipeline import QAPipeline
    from qa.readers.factory import make_reader

    embedder = make_embedder()
    reader = make_reader("auto", Config().qa_model)
    rows = []
    for name in sets:
        questions_file, articles = question_set(name)
        questions = load_questions(questions_file)
        row = {"set": name, "questions": len(questions)}
        passages = {}
        for store in ("faiss", f"milvus:{work / 'parity.db'}#{name}"):
            kind = "faiss" if store == "faiss" else "milvus"
            config = Config(index_dir=work / f"faiss-{name}", store=store)
            index_paths(config.index_spec, [articles], embedder=embedder)
            pipeline = QAPipeline.open(config, embedder=embedder, reader=reader)
            metrics = evaluate(pipeline, questions).metrics
            row[f"{kind}_recall_at_5"] = round(metrics["recall_at_5"], 4)
            row[f"{kind}_exact_match"] = round(metrics["exact_match"], 4)
            dense = pipeline.with_settings(retrieval="dense")
            passages[kind] = [[p.chunk.id for p in dense.search(q.question, 5, q.filters)] for q in questions]
        same = [a == b for a, b in zip(passages["faiss"], passages["milvus"], strict=True)]
        same_set = [set(a) == set(b) for a, b in zip(passages["faiss"], passages["milvus"], strict=True)]
        row["dense_same_top5"] = round(float(np.mean(same)), 4)
        row["dense_same_top5_set"] = round(float(np.mean(same_set)), 4)
        log(f"parity {name}: {row}")
        rows.append(row)
    return rows


def search_at(sizes: list[int], work: Path) -> list[dict]:
    import faiss
    from pymilvus import DataType, MilvusClient

    from benchmarks.scale import grow, real_vectors, texts_and_questions
    from index.stores.milvus_store import HNSW_SEARCH_EF, index_type_for
    from index.stores.milvus_writer import HNSW_PARAMS

    texts, questions = texts_and_questions()
    base, queries = real_vectors(texts, questions)
    client = MilvusClient(str(work / "scale.db"))
    rows = []
    for size in sizes:
        vectors = grow(base, size, np.random.default_rng(SEED))
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        truth, faiss_ms = [], []
        for query in queries:
            started = time.perf_counter()
            _, ids = exact.search(query.reshape(1, -1), 10)
            faiss_ms.append((time.perf_counter() - started) * 1000)
            truth.append(set(ids[0].tolist()))
        name = f"scale_{size}"
        index_type = index_type_for(size)
        schema = client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=vectors.shape[1])
        index = client.prepare_index_params()
        index.add_index("dense", index_type=index_type, metric_type="IP",
                        params=HNSW_PARAMS if index_type == "HNSW" else {})
        if client.has_collection(name):
            client.drop_collection(name)
        started = time.perf_counter()
        client.create_collection(name, schema=schema, index_params=index, consistency_level="Strong")
        for lo in range(0, size, 5_000):
            client.insert(name, [{"id": i, "dense": vectors[i].tolist()} for i in range(lo, min(size, lo + 5_000))])
        client.flush(name)  # as the store's indexer does at the end of a run
        build_s = time.perf_counter() - started
        params = {"metric_type": "IP", "params": {"ef": HNSW_SEARCH_EF}}
        for query in queries[:20]:
            client.search(name, data=[query.tolist()], anns_field="dense", limit=10, search_params=params)
        milvus_ms, recalls = [], []
        for query, expected in zip(queries, truth, strict=True):
            started = time.perf_counter()
            hits = client.search(name, data=[query.tolist()], anns_field="dense", limit=10, search_params=params)
            milvus_ms.append((time.perf_counter() - started) * 1000)
            recalls.append(len({h["id"] for h in hits[0]} & expected) / 10)
        client.drop_collection(name)
        row = {"passages": size, "milvus_index": index_type, "milvus_build_s": round(build_s, 1),
               "milvus_p50_ms": round(percentile(milvus_ms, 50), 2), "milvus_recall_at_10": round(float(np.mean(recalls)), 4),
               "faiss_exact_p50_ms": round(percentile(faiss_ms, 50), 2), "faiss_exact_recall_at_10": 1.0}
        log(f"search at {size:,}: {row}")
        rows.append(row)
    return rows


def ray_build(articles: int, work: Path) -> dict:
    from benchmarks.synthetic import write_synthetic_articles
    from index.loaders import load_documents
    from index.opener import make_embedder
    from index.ray_embedder import RayEmbedder
    from index.stores.faiss_writer import FaissWriter

    folder = work / "ray-articles"
    write_synthetic_articles(folder, articles, SEED)
    documents = load_documents([folder], warn=lambda _: None)
    embedder = make_embedder()
    embedder.warm_up()
    started = time.perf_counter()
    single, report = FaissWriter(work / "single", embedder).update(documents)
    single_s = time.perf_counter() - started
    distributed = RayEmbedder(embedder, workers=2)
    try:
        started = time.perf_counter()
        on_ray, _ = FaissWriter(work / "ray", distributed).update(documents)
        ray_s = time.perf_counter() - started
    finally:
        distributed.close()
    difference = float(np.abs(np.asarray(single.vectors) - np.asarray(on_ray.vectors)).max())
    row = {"articles": len(documents), "chunks": report.total_chunks, "single_process_s": round(single_s, 1),
           "ray_2_workers_s": round(ray_s, 1), "ray_over_single": round(ray_s / single_s, 2),
           "largest_vector_difference": difference}
    log(f"ray build: {row}")
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=SETS, choices=SETS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--ray-articles", type=int, default=500)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    from qa.config import quiet_libraries

    quiet_libraries()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # Ray first: its head process failed to start ("timed out waiting for ... gcs_server_port")
        # in a process that already held Milvus Lite's and ONNX Runtime's threads
        ray = ray_build(args.ray_articles, work)
        results = {"parity": parity(args.sets, work), "search": search_at(sorted(args.sizes), work), "ray_build": ray}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for row in results["parity"]:
            print(row)
        for row in results["search"]:
            print(row)
        print(results["ray_build"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
