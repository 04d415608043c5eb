"""An extractive reader that needs no QA weights.

For each retrieved passage it scores sentences by how much of the question they
contain (weighted term overlap plus embedding similarity), collects candidate
spans of the answer type the question asks for, and ranks them by type match,
nearness to the question's terms, and novelty: an answer rarely repeats the
question's own words. Scores go through a fixed logistic, so they are
comparable across passages and questions; below `threshold` there is no answer.
"""
from __future__ import annotations

import math
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from index.embedder import Embedder
from index.sentences import split_sentences

from ..results import Answer, Passage
from .answer_types import AnswerType, detect_answer_type
from .candidates import Candidate, find_candidates
from .language import load_english

_QUESTION_STOP = {
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "many", "much", "name",
    "did", "does", "do", "is", "was", "were", "are", "be", "been", "the", "a", "an", "of", "in", "on",
    "at", "to", "for", "by", "with", "from", "and", "or", "that", "this", "it", "its", "as", "about",
    "into", "than", "there", "their", "they", "has", "have", "had", "will", "would", "can", "could",
    "according", "article", "report", "mentioned", "named", "called",
}
_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV", "X"}
_MAX_ANSWER_TOKENS = 14


@dataclass(frozen=True)
class ReaderWeights:
    """Weights of the candidate score's logistic. Fixed, not per corpus."""

    coverage: float = 5.0
    similarity: float = 2.5
    type_match: float = 2.5
    proximity: float = 1.2
    focus: float = 2.0
    repeat_penalty: float = 3.0
    ungrounded_name: float = 3.0
    ungrounded_noun: float = 1.5
    bias: float = -6.5


@dataclass(frozen=True)
class _Term:
    key: str
    weight: float


@dataclass(frozen=True)
class _Sentence:
    passage: Passage
    start: int  # document offsets
    end: int
    doc: object  # spaCy Doc of the sentence text


class OfflineReader:
    """embedder: scores question-sentence similarity (None: term overlap only).
    threshold: the lowest score reported as an answer.
    sentences_per_question: how many of the best sentences are searched for candidates."""

    name = "offline"

    def __init__(self, embedder: Embedder | None = None, threshold: float = 0.5,
                 sentences_per_question: int = 30, weights: ReaderWeights = ReaderWeights(),
                 load_nlp: Callable[[], object] = load_english, cache_size: int = 4096):
        self.embedder = embedder
        self.threshold = threshold
        self.sentences_per_question = sentences_per_question
        self.weights = weights
        self._load_nlp = load_nlp
        self._nlp = None
        self._cache: OrderedDict[tuple[str, int, int], object] = OrderedDict()
        self._cache_size = cache_size

    def warm_up(self) -> None:
        if self._nlp is None:
            self._nlp = self._load_nlp()

    def read(self, question: str, passages: Sequence[Passage], max_answers: int = 3) -> list[Answer]:
        self.warm_up()
        if not passages:
            return []
        answer_type = detect_answer_type(question)
        question_doc = self._nlp(question)
        terms = _question_terms(question_doc)
        sentences = self._sentences(passages)
        if not sentences or not terms:
            return []
        focus = _focus_word(question_doc, answer_type)
        missing_names = _missing_words(_question_names(question_doc), sentences)
        missing_nouns = _missing_words(_question_nouns(question_doc), sentences)
        coverage = [_coverage(terms, sentences, i) for i in range(len(sentences))]
        similarity = self._similarity(question, sentences)
        sentence_scores = [self.weights.coverage * c + self.weights.similarity * m for c, m in zip(coverage, similarity)]
        best_sentences = np.argsort(sentence_scores)[::-1][: self.sentences_per_question]

        answers: dict[str, Answer] = {}
        for index in best_sentences:
            sentence = sentences[index]
            for candidate in find_candidates(sentence.doc):
                score = self._score(candidate, sentence, answer_type, terms, question_doc,
                                    sentence_scores[index], focus,
                                    missing_names[sentence.passage.doc_id], missing_nouns[sentence.passage.doc_id])
                if score is None or score < self.threshold:
                    continue
                answer = self._answer(candidate, sentence, score, answer_type)
                key = " ".join(answer.text.lower().split())
                if key not in answers or answers[key].score < answer.score:
                    answers[key] = answer
        ranked = sorted(answers.values(), key=lambda a: -a.score)
        return _drop_nested(ranked)[:max_answers]

    def _score(self, candidate: Candidate, sentence: _Sentence, answer_type: AnswerType,
               terms: list[_Term], question_doc, sentence_score: float, focus: str | None,
               missing_names: int, missing_nouns: int = 0) -> float | None:
        tokens = [t for t in sentence.doc if t.idx >= candidate.start and t.idx + len(t) <= candidate.end]
        if not tokens or len(tokens) > _MAX_ANSWER_TOKENS:
            return None
        repeated = _repeated_fraction(tokens, question_doc)
        if repeated >= 1.0:
            return None
        type_score = max(_type_score(candidate.types, answer_type),
                         0.5 * _type_score(candidate.weak_types, answer_type))
        if type_score == 0:
            return None
        w = self.weights
        z = (
            sentence_score
            + w.type_match * type_score
            + w.proximity * _proximity(tokens, sentence.doc, terms)
            + w.focus * _focus_match(tokens, sentence.doc, focus, answer_type)
            - w.repeat_penalty * repeated
            - w.ungrounded_name * missing_names
            - w.ungrounded_noun * missing_nouns
            + w.bias
        )
        return 1.0 / (1.0 + math.exp(-z))

    def _answer(self, candidate: Candidate, sentence: _Sentence, score: float, answer_type: AnswerType) -> Answer:
        passage = sentence.passage
        doc_text_start = sentence.start
        start, end = doc_text_start + candidate.start, doc_text_start + candidate.end
        return Answer(
            text=sentence.doc.text[candidate.start:candidate.end],
            score=round(score, 4),
            doc_id=passage.doc_id,
            title=passage.title,
            start=start,
            end=end,
            context=sentence.doc.text,
            context_start=sentence.start,
            context_end=sentence.end,
            passage=passage,
            answer_type=answer_type.primary,
        )

    def _sentences(self, passages: Sequence[Passage]) -> list[_Sentence]:
        """Sentences of all passages, each once even where chunks overlap."""
        seen: set[tuple[str, int, int]] = set()
        pending: list[tuple[Passage, int, int, str]] = []
        for passage in passages:
            chunk = passage.chunk
            for start, end in split_sentences(chunk.text):
                key = (chunk.doc_id, chunk.start + start, chunk.start + end)
                if key in seen:
                    continue
                seen.add(key)
                pending.append((passage, key[1], key[2], chunk.text[start:end]))
        docs = self._parse([(p.doc_id, s, e, text) for p, s, e, text in pending])
        return [_Sentence(p, s, e, doc) for (p, s, e, _), doc in zip(pending, docs)]

    def _parse(self, items: list[tuple[str, int, int, str]]) -> list[object]:
        missing = [(key, text) for *key, text in items if tuple(key) not in self._cache]
        for (key, _), doc in zip(missing, self._nlp.pipe([text for _, text in missing])):
            self._cache[tuple(key)] = doc
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        docs = []
        for *key, _ in items:
            self._cache.move_to_end(tuple(key))
            docs.append(self._cache[tuple(key)])
        return docs

    def _similarity(self, question: str, sentences: list[_Sentence]) -> list[float]:
        if self.embedder is None:
            return [0.0] * len(sentences)
        vectors = self.embedder.encode([question] + [s.doc.text for s in sentences])
        return [max(0.0, float(v)) for v in vectors[1:] @ vectors[0]]


def _question_terms(question_doc) -> list[_Term]:
    terms: dict[str, float] = {}
    for token in question_doc:
        lower = token.text.lower()
        if token.is_punct or token.is_space or lower in _QUESTION_STOP or token.is_stop:
            continue
        if token.pos_ not in _CONTENT_POS:
            continue
        weight = 1.5 if token.pos_ in ("PROPN", "NUM") or token.text[:1].isupper() or any(ch.isdigit() for ch in token.text) else 1.0
        terms[_key(token)] = max(weight, terms.get(_key(token), 0.0))
    return [_Term(k, w) for k, w in terms.items()]


def _key(token) -> str:
    """A crude stem: the lemma's first six letters, so "hosted", "hosts" and "host" meet."""
    lemma = (token.lemma_ or token.text).lower()
    return lemma[:6] if lemma.isalpha() else lemma


def _coverage(terms: list[_Term], sentences: list[_Sentence], index: int) -> float:
    """Weighted share of question terms in sentence `index`; its neighbours in the same
    passage and the article title count half."""
    sentence = sentences[index]
    own = {_key(t) for t in sentence.doc}
    nearby: set[str] = {w.lower()[:6] for w in sentence.passage.title.split()}
    for other in (index - 1, index + 1):
        if 0 <= other < len(sentences) and sentences[other].passage is sentence.passage:
            nearby.update(_key(t) for t in sentences[other].doc)
    total = sum(t.weight for t in terms)
    found = sum(t.weight if t.key in own else 0.5 * t.weight if t.key in nearby else 0.0 for t in terms)
    return found / total if total else 0.0


def _question_names(question_doc) -> list[str]:
    """Proper names and numbers in the question: an answer's article must mention them."""
    names = []
    for token in question_doc:
        if token.i == 0 or token.is_punct:
            continue
        if token.pos_ == "PROPN" or token.like_num or (token.text[:1].isupper() and token.is_alpha):
            names.append(token.text.lower())
    return names


def _question_nouns(question_doc) -> list[str]:
    """Common nouns of the question (as stems): what it is about, beyond the wh-phrase."""
    return [
        _stem(t.text) for t in question_doc
        if t.pos_ == "NOUN" and not t.is_stop and t.lower_ not in _QUESTION_STOP and len(t.text) > 2
    ]


def _missing_words(words: list[str], sentences: list[_Sentence]) -> dict[str, int]:
    """Per document: how many of `words` none of its retrieved text (or title) contains."""
    texts: dict[str, str] = {}
    for sentence in sentences:
        doc_id = sentence.passage.doc_id
        texts.setdefault(doc_id, sentence.passage.title.lower())
        texts[doc_id] += " " + sentence.doc.text.lower()
    return {doc_id: sum(1 for word in words if word not in text) for doc_id, text in texts.items()}


def _type_score(types: tuple[str, ...], answer_type: AnswerType) -> float:
    for rank, wanted in enumerate(answer_type.expected):
        if wanted in types:
            return 1.0 if rank == 0 else 0.4 if rank == 1 else 0.2
    return 0.0


def _repeated_fraction(tokens, question_doc) -> float:
    """Share of the candidate's content words that the question already says."""
    question_keys = {_key(t) for t in question_doc if not t.is_stop and not t.is_punct}
    content = [t for t in tokens if not t.is_stop and not t.is_punct]
    if not content:
        return 1.0
    return sum(_key(t) in question_keys for t in content) / len(content)


def _proximity(tokens, sentence_doc, terms: list[_Term]) -> float:
    """1 next to a question term, falling off with distance in tokens."""
    term_keys = {t.key for t in terms}
    first, last = tokens[0].i, tokens[-1].i
    distances = [
        min(abs(t.i - first), abs(t.i - last))
        for t in sentence_doc
        if _key(t) in term_keys and not (first <= t.i <= last)
    ]
    if not distances:
        return 0.0
    return 1.0 / (1.0 + min(distances) / 4.0)


def _focus_word(question_doc, answer_type: AnswerType) -> str | None:
    """The noun the question asks about: what "how many" counts, or the X of "which X"."""
    for token in question_doc:
        if token.lower_ in ("many", "much") and token.head.pos_ in ("NOUN", "PROPN") and token.head is not token:
            return token.head.text
        if token.lower_ in ("which", "what") and token.head.pos_ == "NOUN" and token.dep_ == "det":
            return token.head.text
    return answer_type.focus


def _stem(word: str) -> str:
    word = word.lower()
    return word[:5] if len(word) > 3 else word


def _focus_match(tokens, sentence_doc, focus_word: str | None, answer_type: AnswerType) -> float:
    """Evidence that the candidate is the thing asked about: "27 academicians" for
    "how many academicians", "the company Soleira" or "Hartwell Foundation" for "which company/foundation",
    a bare year for "which year". A number counting some other noun counts against it."""
    if not focus_word and answer_type.wh != "where":
        return 0.0
    focus = _stem(focus_word or "")
    text = " ".join(t.text for t in tokens)
    if focus == "year" and re.fullmatch(r"(in )?\d{4}", text):
        return 1.0
    first = tokens[0].i
    if answer_type.wh == "where":
        return 0.6 if first > 0 and sentence_doc[first - 1].lower_ in ("in", "at", "near", "from") else 0.0
    if answer_type.wh in ("how many", "how much"):
        counted = _counted_noun(tokens, sentence_doc)
        if counted is None:
            return 0.0
        return 1.0 if _stem(counted.text) == focus else -0.5
    if _stem(tokens[-1].text) == focus and len(tokens) > 1:
        return 1.0
    before = sentence_doc[max(0, first - 4): first]
    if any(_stem(t.text) == focus for t in before):
        return 0.8
    return 0.0


def _counted_noun(tokens, sentence_doc):
    """The noun a number counts: its syntactic head ("27 academicians"), else the next noun."""
    last = tokens[-1]
    if last.dep_ == "nummod" and last.head.pos_ in ("NOUN", "PROPN") and last.head.i > last.i:
        return last.head
    for token in sentence_doc[last.i + 1: last.i + 5]:
        if token.pos_ in ("NOUN", "PROPN"):
            return token
        if token.pos_ not in ("ADJ", "PUNCT", "ADV") and token.text != "-":
            return None
    return None


def _drop_nested(answers: list[Answer]) -> list[Answer]:
    """Keep an answer only if no better-scored answer overlaps it in the same document."""
    kept: list[Answer] = []
    for answer in answers:
        if any(a.doc_id == answer.doc_id and a.start < answer.end and answer.start < a.end for a in kept):
            continue
        kept.append(answer)
    return kept
