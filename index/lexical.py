"""BM25 store (bm25s) with English stop words and Snowball stemming."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

import numpy as np


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stem_words(words: Sequence[str]) -> list[str]:
    """The stems BM25 indexes for these words."""
    return _stemmer().stemWords([w.lower() for w in words])


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed tokens per text."""
    import bm25s

    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )


class LexicalStore:
    """BM25 over the chunk texts; row i is chunk i of the collection."""

    def __init__(self, retriever, size: int) -> None:
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> "LexicalStore":
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever, len(texts))

    @classmethod
    def build_tokenized(cls, tokenized: Sequence[Sequence[str]], statistics) -> "LexicalStore":
        """BM25 over already tokenized texts, scored with the statistics (a shards'
        CollectionStatistics) of a larger collection these texts are part of."""
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(token, len(vocab)) for token in doc] for doc in tokenized]
        retriever = _shared_statistics_bm25(statistics)
        if tokenized:
            retriever.index((ids, vocab), show_progress=False)
        return cls(retriever, len(tokenized))

    def __len__(self) -> int:
        return self.size

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row ids of the k best rows with a positive score, best first."""
        vocab = getattr(self.retriever, "vocab_dict", None) or {}
        tokens = [t for t in tokenize([query])[0] if t in vocab]
        k = min(k, self.size)
        if not tokens or k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        ids, scores = self.retriever.retrieve([tokens], k=k, show_progress=False)
        ids, scores = ids[0], scores[0]
        keep = scores > 0
        return scores[keep].astype(np.float32), ids[keep].astype(np.int64)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> "LexicalStore":
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        return cls(bm25s.BM25.load(str(folder), show_progress=False, verbosity=0), size)


def _shared_statistics_bm25(statistics):
    """A bm25s.BM25 whose IDF and average length come from `statistics`, not its own corpus."""
    import bm25s
    import scipy.sparse as sp
    from bm25s.scoring import _build_scores_and_indices_for_matrix, _calculate_doc_freqs, _select_idf_scorer

    class SharedStatisticsBM25(bm25s.BM25):
        def index(self, corpus, **kwargs):
            self._token_of = {i: token for token, i in corpus[1].items()}
            return super().index(corpus, **kwargs)

        def build_index_from_ids(self, unique_token_ids, corpus_token_ids, show_progress=True,
                                 leave_progress=False):
            self.nonoccurrence_array = None  # only BM25L and BM25+ use it
            local_frequency = _calculate_doc_freqs(corpus_token_ids, unique_token_ids, show_progress=False)
            idf_of = _select_idf_scorer(self.idf_method)
            idf = np.zeros(len(unique_token_ids), dtype=self.dtype)
            for token_id in unique_token_ids:
                idf[token_id] = idf_of(statistics.document_frequency[self._token_of[token_id]],
                                       N=statistics.documents)
            scores, rows, columns = _build_scores_and_indices_for_matrix(
                corpus_token_ids=corpus_token_ids, idf_array=idf, avg_doc_len=statistics.average_length,
                doc_frequencies=local_frequency, k1=self.k1, b=self.b, delta=self.delta,
                nonoccurrence_array=None, method=self.method, dtype=self.dtype, int_dtype=self.int_dtype,
                show_progress=False)
            matrix = sp.csc_matrix((scores, (rows, columns)), shape=(len(corpus_token_ids), len(unique_token_ids)),
                                   dtype=self.dtype)
            return {"data": matrix.data, "indices": matrix.indices, "indptr": matrix.indptr,
                    "num_docs": len(corpus_token_ids)}

    retriever = SharedStatisticsBM25()
    if retriever.method not in ("lucene", "robertson", "atire"):
        raise ValueError(f"shared statistics are not implemented for BM25 method {retriever.method}")
    return retriever
