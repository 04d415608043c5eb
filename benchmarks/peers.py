"""Haystack and txtai doing the benchmark's work, run inside their own virtual environment
(benchmarks/peers-venv.sh makes it): python benchmarks/peers.py JOB.json OUT.json

JOB.json holds the embedder folder, a complete reader folder, the chunk texts to index, the
queries, and the reader cases (a question and its 5 passages) that the main benchmark also
gives our pipeline. OUT.json gets each system's timings; the comparison is made by
`python -m benchmarks`. Nothing here imports the project but benchmarks/timing.py (standard
library only)."""
from __future__ import annotations

import json
import os
import sys
import warnings

from timing import per_call_ms, seconds  # benchmarks/, this script's folder


def haystack(job: dict) -> dict:
    from haystack import Document
    from haystack.components.retrievers.in_memory import InMemoryEmbeddingRetriever
    from haystack.document_stores.in_memory import InMemoryDocumentStore
    from haystack.utils import ComponentDevice
    from haystack_integrations.components.embedders.sentence_transformers import (
        SentenceTransformersDocumentEmbedder,
        SentenceTransformersTextEmbedder,
    )
    from haystack_integrations.components.readers.transformers import (
        TransformersExtractiveReader,
    )

    cpu = ComponentDevice.from_str("cpu")
    result: dict = {"build_s": {}, "retrieve_ms": [], "read_ms": []}
    embedder = SentenceTransformersDocumentEmbedder(model=job["embedder"], device=cpu, batch_size=32,
                                                     progress_bar=False, normalize_embeddings=True)
    embedder.warm_up()
    store = None
    for name, texts in job["collections"].items():
        times = []
        for _ in range(job["runs"]):
            store = InMemoryDocumentStore()
            times.append(seconds(lambda: store.write_documents(
                embedder.run(documents=[Document(id=str(i), content=t) for i, t in enumerate(texts)])["documents"])))
        result["build_s"][name] = times
        if name == job["search_collection"]:
            query_embedder = SentenceTransformersTextEmbedder(model=job["embedder"], device=cpu, progress_bar=False,
                                                              normalize_embeddings=True)
            query_embedder.warm_up()
            retriever = InMemoryEmbeddingRetriever(store, top_k=5)
            result["retrieve_ms"] = per_call_ms(
                lambda q: retriever.run(query_embedding=query_embedder.run(text=q)["embedding"]), job["queries"])
    reader = TransformersExtractiveReader(model=job["reader"], device=cpu, top_k=3, no_answer=True,
                                          max_seq_length=job["reader_max_length"], stride=job["reader_stride"])
    reader.warm_up()
    cases = job["reader_cases"]
    result["read_ms"] = per_call_ms(
        lambda c: reader.run(query=c["question"], documents=[Document(content=p) for p in c["passages"]]), cases)
    return result


def txtai(job: dict) -> dict:
    from txtai import Embeddings

    result: dict = {"build_s": {}, "retrieve_ms": []}
    embeddings = None
    for name, texts in job["collections"].items():
        times = []
        for _ in range(job["runs"]):
            embeddings = Embeddings(path=job["embedder"], method="sentence-transformers", backend="faiss")
            embeddings.model  # noqa: B018  (load the model before the clock starts)
            embeddings.index(list(texts[:1]))
            times.append(seconds(lambda: embeddings.index(texts)))
        result["build_s"][name] = times
        if name == job["search_collection"]:
            result["retrieve_ms"] = per_call_ms(lambda q: embeddings.search(q, 5), job["queries"])
    return result


def main() -> int:
    job_file, out_file = sys.argv[1:3]
    warnings.simplefilter("ignore")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with open(job_file, encoding="utf-8") as handle:
        job = json.load(handle)
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    results = {}
    for name, run in (("haystack", haystack), ("txtai", txtai)):
        try:
            import importlib.metadata as metadata
            package = "haystack-ai" if name == "haystack" else "txtai"
            results[name] = {"version": metadata.version(package), **run(job)}
        except Exception as exc:  # a peer that fails is reported, not fatal to the others
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        print(f"{name}: {'error' if 'error' in results[name] else 'done'}", file=sys.stderr, flush=True)
    with open(out_file, "w", encoding="utf-8") as handle:
        json.dump(results, handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
