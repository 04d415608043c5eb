"""An extractive reader that needs no QA weights.

For each retrieved passage it scores sentences by how much of the question they
contain (weighted term overlap, a word said only by a close synonym counting
half, plus embedding similarity), collects candidate
spans of the answer type the question asks for, and ranks them by type match,
the noun the question asks about, the role the candidate plays for the
question's verb, nearness to the question's terms, and novelty: an answer
rarely repeats the question's own words. Scores go through a fixed logistic,
so they are comparable across passages and questions; below `threshold` there
is no answer. Question names and nouns that the article never mentions (even by
a close synonym) count against every answer from it.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence

import numpy as np

from index.embedder import Embedder
from index.sentences import split_sentences

from ..results import Answer, Passage
from .answer_types import (
    DATE, DATE_NOUNS, DURATION, MONEY, NAME, NAME_TYPES, NUMBER, ORG, OTHER, PERCENT, PERSON, PERSON_NOUNS, QUANTITY,
    TIME, AnswerType, detect_answer_type, noun_answer_type,
)
from .candidates import MEANS_PREPOSITIONS, Candidate, find_candidates, noun_chunks
from .language import load_english
from .transformer import calibrated

_QUESTION_STOP = {
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "many", "much", "name",
    "did", "does", "do", "is", "was", "were", "are", "be", "been", "the", "a", "an", "of", "in", "on",
    "at", "to", "for", "by", "with", "from", "and", "or", "that", "this", "it", "its", "as", "about",
    "into", "than", "there", "their", "they", "has", "have", "had", "will", "would", "can", "could",
    "according", "article", "report", "mentioned", "named", "called",
    # words that only restate the measure asked for ("how large an area", "how much prize money")
    "area", "size", "length", "distance", "height", "width", "depth", "weight", "amount", "sum", "total",
    "number", "money", "figure", "place",
}
_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV", "X"}
_ARGUMENT_DEPS = {"nsubj", "nsubjpass", "dobj", "attr", "agent", "pobj", "dative", "oprd", "appos", "npadvmod"}
_PRONOUNS = {"he", "she", "they", "his", "her", "their"}
_MAX_ANSWER_TOKENS = 14
# Two words count as the same when their embeddings are at least this close ("CEO", "chief executive").
SYNONYM_SIMILARITY = 0.6
CLOSE_SYNONYM = 0.7


@dataclass(frozen=True)
class ReaderWeights:
    """Coefficients of the candidate score's logistic, one per feature (negative ones are
    penalties). Fixed, not per corpus."""

    coverage: float = 5.0
    similarity: float = 2.5
    unrelated: float = -3.0
    stand_in: float = -1.0
    type_match: float = 2.5
    proximity: float = 1.2
    focus: float = 2.0
    direction: float = 1.0
    role: float = 1.0
    repeated: float = -3.0
    other_time: float = -2.0
    ungrounded_name: float = -6.0
    ungrounded_noun: float = -1.5
    bias: float = -6.5

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in FEATURES])


# The features of a candidate, in the order of ReaderWeights.vector().
FEATURES = ("coverage", "similarity", "unrelated", "stand_in", "type_match", "proximity", "focus",
            "direction", "role", "repeated", "other_time", "ungrounded_name", "ungrounded_noun")
_SENTENCE_FEATURES = 3  # coverage, similarity, unrelated: the same for every candidate of a sentence


@dataclass(frozen=True)
class _Term:
    key: str
    weight: float
    word: str
    keys: tuple[str, ...]  # the key, and for "winner" the key of "win" too


@dataclass(frozen=True)
class _Question:
    """What the reader takes from a question, once."""

    text: str
    doc: object  # spaCy Doc
    answer_type: AnswerType
    terms: tuple[_Term, ...]
    focus: str | None
    focus_words: frozenset[str]
    verb_keys: frozenset[str]
    keys: frozenset[str]
    stranded: str | None  # "to" in "where was it sailing to?"
    asks_before: bool  # "how many seats did they hold before?"


@dataclass(frozen=True)
class _Sentence:
    passage: Passage
    start: int  # document offsets
    end: int
    doc: object  # spaCy Doc of the sentence text


class OfflineReader:
    """embedder: scores question-sentence similarity and matches synonyms (None: words only).
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
        self._cache: OrderedDict[str, object] = OrderedDict()
        self._cache_size = cache_size
        self._word_cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def warm_up(self) -> None:
        if self._nlp is None:
            self._nlp = self._load_nlp()

    def read(self, question: str, passages: Sequence[Passage], max_answers: int = 3) -> list[Answer]:
        answers: dict[str, Answer] = {}
        for answer, _ in self.scored_candidates(question, passages):
            if answer.score < self.threshold:
                continue
            key = " ".join(answer.text.lower().split())
            if key not in answers or answers[key].score < answer.score:
                answers[key] = answer
        ranked = sorted(answers.values(), key=lambda a: -a.score)
        return _drop_nested(ranked)[:max_answers]

    def scored_candidates(self, question: str, passages: Sequence[Passage]) -> Iterator[tuple[Answer, np.ndarray]]:
        """Every candidate answer of the best sentences, scored, with its features (FEATURES
        order), before the threshold and before the same text found twice is merged."""
        self.warm_up()
        if not passages:
            return
        asked = self._analyze(question)
        sentences = self._sentences(passages)
        if not sentences or not asked.terms:
            return
        ungrounded = self._ungrounded_counts(asked, sentences)
        keys = [_sentence_keys(sentences, i) for i in range(len(sentences))]
        self._add_synonyms(asked, sentences, keys)
        # beyond the noun asked about, the sentence must share something with the question
        focus = _stem(asked.focus) if asked.focus else None
        rest = [t for t in asked.terms if _stem(t.word) != focus]
        sentence_features = np.column_stack([
            [_coverage(asked.terms, *k) for k in keys],
            self._similarity(question, sentences),
            [float(bool(rest) and _coverage(rest, *k) == 0.0) for k in keys],
        ])
        weights = self.weights.vector()
        sentence_scores = sentence_features @ weights[:_SENTENCE_FEATURES]
        for index in np.argsort(sentence_scores)[::-1][: self.sentences_per_question]:
            for source, candidate, stand_in in self._candidates(sentences, int(index), asked):
                features = self._features(candidate, source, asked, stand_in)
                if features is None:
                    continue
                features[:_SENTENCE_FEATURES] = sentence_features[index]
                features[-2:] = ungrounded[source.passage.doc_id]
                score = calibrated(float(features @ weights + self.weights.bias), 1.0)  # overflow-safe logistic
                yield self._answer(candidate, source, score, asked.answer_type), features

    def _analyze(self, question: str) -> _Question:
        doc = self._nlp(question)
        answer_type = detect_answer_type(question)
        asked_noun = _asked_noun(doc)
        if asked_noun is not None and answer_type.wh in _OPEN_WH and asked_noun.lower_ != "name":
            # the parse knows which noun "which" or "what" governs; the wording alone can pick a
            # later one ("what pay rise is the *union* asking for")
            answer_type = noun_answer_type(asked_noun.text, answer_type)
        focus = _focus_word(doc, answer_type, asked_noun)
        return _Question(
            text=question,
            doc=doc,
            answer_type=answer_type,
            terms=tuple(_question_terms(doc)),
            focus=focus,
            focus_words=frozenset(_focus_phrase(doc, focus)),
            verb_keys=frozenset(_key(t) for t in doc if t.pos_ == "VERB" and t.lemma_.lower() not in _QUESTION_STOP),
            keys=frozenset(_key(t) for t in doc if not t.is_stop and not t.is_punct),
            stranded=_stranded_preposition(doc),
            asks_before=bool(_BEFORE.search(question)),
        )

    def _candidates(self, sentences: list[_Sentence], index: int, asked: _Question):
        """Candidates of sentence `index` as (source sentence, candidate, stand-in).
        For "who" questions also the people a sentence names elsewhere: those named in the
        sentence before when this one says only "he" or "she", and those named in the sentence
        after when this one says only "a retired teacher" (a news story's opening line). The
        pronoun or description is the stand-in: it plays the candidate's part in this sentence."""
        sentence = sentences[index]
        for candidate in find_candidates(sentence.doc):
            yield sentence, candidate, None
        if asked.answer_type.primary not in (PERSON, ORG):
            return
        pronouns = [t for t in sentence.doc if t.lower_ in _PRONOUNS]
        if pronouns and index > 0 and sentences[index - 1].passage is sentence.passage:
            previous = sentences[index - 1]
            for candidate in find_candidates(previous.doc):
                if set(candidate.types) & {PERSON, ORG}:
                    yield previous, candidate, pronouns
        descriptions = _unnamed_people(sentence.doc)
        if descriptions and index + 1 < len(sentences) and sentences[index + 1].passage is sentence.passage:
            following = sentences[index + 1]
            for candidate in find_candidates(following.doc):
                if PERSON in candidate.types:
                    yield following, candidate, descriptions

    def _features(self, candidate: Candidate, sentence: _Sentence, asked: _Question,
                  stand_in: list | None = None) -> np.ndarray | None:
        """The candidate's features in FEATURES order, or None where it cannot be the answer.
        The sentence's and the document's own features are left at zero for the caller."""
        tokens = [t for t in sentence.doc if t.idx >= candidate.start and t.idx + len(t) <= candidate.end]
        if not tokens or len(tokens) > _MAX_ANSWER_TOKENS:
            return None
        repeated = _repeated_fraction(tokens, asked)
        if repeated >= 1.0:
            return None
        answer_type = asked.answer_type
        type_score = _type_score(candidate.types, answer_type)
        if not _describes_something_else(tokens, asked):
            type_score = max(type_score, 0.5 * _type_score(candidate.weak_types, answer_type))
        if type_score == 0:
            return None
        return np.array([
            0.0, 0.0, 0.0,
            float(stand_in is not None),
            type_score,
            max(_proximity(tokens, sentence.doc, asked.terms),
                _proximity(stand_in, stand_in[0].doc, asked.terms) if stand_in else 0.0),
            _focus_match(tokens, sentence.doc, asked, candidate.types),
            _direction(tokens, sentence.doc, asked),
            max(_plays_a_role(tokens, sentence.doc, asked),
                _plays_a_role(stand_in, stand_in[0].doc, asked) if stand_in else 0.0),
            repeated,
            _speaks_of_another_time(asked.text, sentence.doc.text),
            0.0, 0.0,
        ])

    def _ungrounded_counts(self, asked: _Question, sentences: list[_Sentence]) -> dict[str, tuple[float, float]]:
        """Per document: how many question names, and how many nouns and the adjectives that
        narrow them, its retrieved text never mentions. A noun with a close synonym in the text
        counts as mentioned, and so does an adjective with a close adjective."""
        texts: dict[str, str] = {}
        words: dict[str, set[str]] = {}
        adjectives: dict[str, set[str]] = {}
        for sentence in sentences:
            doc_id = sentence.passage.doc_id
            texts[doc_id] = texts.get(doc_id, sentence.passage.title.lower()) + " " + sentence.doc.text.lower()
            words.setdefault(doc_id, set()).update(
                t.lower_ for t in sentence.doc if t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ") and t.is_alpha)
            adjectives.setdefault(doc_id, set()).update(t.lower_ for t in sentence.doc if t.pos_ == "ADJ")
        names = _question_names(asked.doc)
        nouns = _question_nouns(asked.doc)
        modifiers = _question_modifiers(asked.doc)
        counts = {}
        for doc_id, text in texts.items():
            missing_names = sum(1 for name in names if not _mentions(text, name))
            missing_nouns = self._without_synonyms(
                [noun for noun in nouns if not _mentions_word(text, noun)], sorted(words[doc_id]))
            missing_modifiers = self._without_synonyms(
                [word for word in modifiers if not _mentions_word(text, word)], sorted(adjectives[doc_id]))
            # A noun that names the answer's kind ("which company") may not appear in the text,
            # so its absence weighs half; a noun the answer is about ("the population") weighs full.
            names_a_kind = asked.focus and asked.answer_type.primary != OTHER
            weight = sum(0.0 if _names_a_time(n, asked) else
                         0.5 if names_a_kind and _stem(n) == _stem(asked.focus) else 1.0 for n in missing_nouns)
            counts[doc_id] = (float(missing_names), weight + len(missing_modifiers))
        return counts

    def _add_synonyms(self, asked: _Question, sentences: list[_Sentence],
                      keys: list[tuple[set[str], set[str]]]) -> None:
        """A question word that a sentence says only by a close synonym ("people" for "crowd",
        "start" for "began") counts half, as if a neighbouring sentence said it."""
        if self.embedder is None:
            return
        words = [{t.lower_ for t in s.doc if t.pos_ in ("NOUN", "VERB", "ADJ") and t.is_alpha} for s in sentences]
        terms = [t for t in asked.terms if t.word.isalpha()]
        vocabulary = sorted(set().union(*words))
        if not terms or not vocabulary:
            return
        synonyms = self._close_words([t.word for t in terms], vocabulary, CLOSE_SYNONYM)
        for (own, nearby), said in zip(keys, words):
            nearby.update(t.key for t, close in zip(terms, synonyms) if own.isdisjoint(t.keys) and not close.isdisjoint(said))

    def _without_synonyms(self, missing: list[str], vocabulary: list[str]) -> list[str]:
        if not missing or not vocabulary or self.embedder is None:
            return missing
        close = self._close_words(missing, vocabulary, SYNONYM_SIMILARITY)
        return [word for word, synonyms in zip(missing, close) if not synonyms]

    def _close_words(self, words: list[str], vocabulary: list[str], threshold: float) -> list[set[str]]:
        """For each word, the words of `vocabulary` whose embeddings are at least `threshold` close."""
        similarity = self._word_vectors(words) @ self._word_vectors(vocabulary).T
        return [{vocabulary[j] for j in np.flatnonzero(row >= threshold)} for row in similarity]

    def _word_vectors(self, words: list[str]) -> np.ndarray:
        """Embeddings of single words, cached: the same article words recur across questions."""
        new = [w for w in dict.fromkeys(words) if w not in self._word_cache]
        if new:
            for word, vector in zip(new, self.embedder.encode(new)):
                self._word_cache[word] = vector
            while len(self._word_cache) > self._cache_size * 4:
                self._word_cache.popitem(last=False)
        return np.stack([self._word_cache[w] for w in words])

    def _answer(self, candidate: Candidate, sentence: _Sentence, score: float, answer_type: AnswerType) -> Answer:
        passage = sentence.passage
        return Answer(
            text=sentence.doc.text[candidate.start:candidate.end],
            score=round(score, 4),
            doc_id=passage.doc_id,
            title=passage.title,
            start=sentence.start + candidate.start,
            end=sentence.start + candidate.end,
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
        docs = self._parse([text for *_, text in pending])
        return [_Sentence(p, s, e, doc) for (p, s, e, _), doc in zip(pending, docs)]

    def _parse(self, texts: list[str]) -> list[object]:
        """spaCy Docs for sentences, cached by their text: a document re-indexed under the
        same id with other words must not get the old parse."""
        parsed = {text: self._cache[text] for text in texts if text in self._cache}
        missing = [text for text in dict.fromkeys(texts) if text not in parsed]
        for text, doc in zip(missing, self._nlp.pipe(missing)):
            parsed[text] = doc
        for text, doc in parsed.items():
            self._cache[text] = doc
            self._cache.move_to_end(text)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return [parsed[text] for text in texts]

    def _similarity(self, question: str, sentences: list[_Sentence]) -> list[float]:
        if self.embedder is None:
            return [0.0] * len(sentences)
        vectors = self.embedder.encode([question] + [s.doc.text for s in sentences])
        return [max(0.0, float(v)) for v in vectors[1:] @ vectors[0]]


def _question_terms(question_doc) -> list[_Term]:
    terms: dict[str, tuple[float, str, tuple[str, ...]]] = {}
    for token in question_doc:
        lower = token.text.lower()
        if token.is_punct or token.is_space or lower in _QUESTION_STOP or token.is_stop:
            continue
        if token.pos_ not in _CONTENT_POS or _only_frames_the_question(token):
            continue
        named = token.pos_ in ("PROPN", "NUM") or token.text[:1].isupper() or any(ch.isdigit() for ch in token.text)
        weight = 1.5 if named else 1.0
        if weight >= terms.get(_key(token), (0.0,))[0]:
            terms[_key(token)] = (weight, token.lower_, _keys(token))
    return [_Term(k, w, word, keys) for k, (w, word, keys) in terms.items()]


# "how large" is rarely answered with "large"; "how long" and "how tall" often are ("1.8 kilometres long")
_UNSAID_MEASURES = {"large", "big", "far", "many", "much", "often", "soon", "fast", "high", "deep", "heavy"}


def _only_frames_the_question(token) -> bool:
    """The measure of "how *large* an area", the "date" of "which date" and the "take" of
    "take place" say what kind of answer is wanted, not what its sentence must contain."""
    previous = token.doc[token.i - 1] if token.i > 0 else None
    following = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    if previous is not None and (previous.lower_ == "how" and token.lower_ in _UNSAID_MEASURES or
                                 previous.lower_ in ("which", "what") and token.lower_ in DATE_NOUNS):
        return True
    return token.lemma_.lower() == "take" and following is not None and following.lower_ == "place"


def _key(token) -> str:
    """A crude stem: the lemma's first six letters, so "hosted", "hosts" and "host" meet."""
    lemma = (token.lemma_ or token.text).lower()
    if lemma.endswith("ing") and len(lemma) >= 7:
        lemma = lemma[:-3]  # the tagger lemmatises "counting" to "count" as a verb, not as a noun
    return lemma[:6] if lemma.isalpha() else lemma


# Whoever holds one of these runs or heads the body: "who runs Crumb & Co"
# meets "Kate Whitlow remains chief executive".
_LEADER_NOUNS = {"executive", "ceo", "director", "chief", "head", "leader", "chair", "chairman", "chairwoman",
                 "president", "boss", "manager"}
_LEADING = ("run", "head")


def _keys(token) -> tuple[str, ...]:
    """The token's key, and for a noun naming who does something ("owner", "winner",
    "operator") the key of what they do, so it meets the question's verb ("who owns")."""
    key = _key(token)
    lemma = token.lemma_.lower()
    leading = _LEADING if lemma in _LEADER_NOUNS and token.pos_ in ("NOUN", "PROPN") else ()
    if token.pos_ != "NOUN" or len(lemma) < 5 or not lemma.endswith(("er", "or")) or not lemma.isalpha():
        return (key,) + leading
    root = lemma[:-2]
    if len(root) > 3 and root[-1] == root[-2]:
        root = root[:-1]  # "winner" -> "win"
    return (key, root[:6]) + leading


def _stem(word: str) -> str:
    word = word.lower()
    return word[:5] if len(word) > 3 else word


def _sentence_keys(sentences: list[_Sentence], index: int) -> tuple[set[str], set[str]]:
    """The word keys of sentence `index`, and those of its neighbours in the same passage
    and of the article title."""
    sentence = sentences[index]
    own = {k for t in sentence.doc for k in _keys(t)}
    nearby: set[str] = {w.lower()[:6] for w in sentence.passage.title.split()}
    for other in (index - 1, index + 1):
        if 0 <= other < len(sentences) and sentences[other].passage is sentence.passage:
            nearby.update(k for t in sentences[other].doc for k in _keys(t))
    return own, nearby


def _coverage(terms: Sequence[_Term], own: set[str], nearby: set[str]) -> float:
    """Weighted share of question terms among a sentence's keys (`own`); those only among
    its neighbours' and the title's (`nearby`) count half."""
    total = sum(t.weight for t in terms)
    found = sum(t.weight if not own.isdisjoint(t.keys) else 0.5 * t.weight if not nearby.isdisjoint(t.keys) else 0.0
                for t in terms)
    return found / total if total else 0.0


def _question_names(question_doc) -> list[str]:
    """Proper names and numbers in the question: an answer's article must mention them."""
    return [
        token.text.lower() for token in question_doc
        if token.i > 0 and not token.is_punct
        and (token.pos_ == "PROPN" or token.like_num or (token.text[:1].isupper() and token.is_alpha))
    ]


def _mentions(text: str, name: str) -> bool:
    """Whether lower-cased `text` mentions `name`, allowing for endings ("Asian" → "Asia")."""
    return name in text or (len(name) > 4 and name.isalpha() and name[:-2] in text)


def _question_nouns(question_doc) -> list[str]:
    """Common nouns of the question: what it is about, beyond the wh-phrase."""
    return [
        t.lower_ for t in question_doc
        if t.pos_ == "NOUN" and not t.is_stop and t.lower_ not in _QUESTION_STOP and len(t.text) > 2
    ]


def _question_modifiers(question_doc) -> list[str]:
    """Lower-case adjectives placed before a noun of the question to narrow it: "the *old* ferry"."""
    return [
        t.lower_ for t in question_doc
        if t.pos_ == "ADJ" and t.dep_ == "amod" and t.head.pos_ == "NOUN" and t.head.i > t.i
        and t.text.islower() and not t.is_stop and t.lower_ not in _QUESTION_STOP and len(t.text) > 2
    ]


def _mentions_word(text: str, word: str) -> bool:
    """Whether lower-cased `text` has `word`, or a word with its stem: "libraries" for "library",
    but no "household" for "old" and no "business" for "bus"."""
    stem = _stem(word)
    ending = r"(?:e?s)?\b" if len(word) <= 3 else ""
    return re.search(r"\b" + re.escape(stem) + ending, text) is not None


def _describes_something_else(tokens, asked: _Question) -> bool:
    """A capitalised adjective ("the *Italian* conductor") names no organisation or person,
    unless it picks out the very thing asked about ("the *Fengxian* district" for "which district")."""
    if len(tokens) != 1 or tokens[0].pos_ != "ADJ" or tokens[0].dep_ != "amod":
        return False
    return _stem(tokens[0].head.text) not in asked.focus_words


def _names_a_time(noun: str, asked: _Question) -> bool:
    """ "On which *date*", "in what *year*": an article gives the date, not the word."""
    return asked.answer_type.primary in (DATE, TIME) and noun in DATE_NOUNS


def _type_score(types: tuple[str, ...], answer_type: AnswerType) -> float:
    for rank, wanted in enumerate(answer_type.expected):
        if wanted in types or wanted == NAME and NAME_TYPES & set(types):
            return 1.0 if rank == 0 else 0.4 if rank == 1 else 0.2
    return 0.0


def _repeated_fraction(tokens, asked: _Question) -> float:
    """Share of the candidate's content words that the question already says. The phrase the
    question asks about does not count when it ends the candidate: "which cancer center" →
    "University of Texas MD Anderson Cancer Center"."""
    # spaCy lists number words ("nine") as stop words; here they are content
    content = [t for t in tokens if not t.is_punct and (not t.is_stop or t.like_num)]
    if not content or all(_stem(t.text) in asked.focus_words for t in content):
        return 1.0  # only the kind asked about: "the orchestra" for "which orchestra"
    names_the_focus = _names_the_focus(tokens, asked)
    repeated = [t for t in content if _key(t) in asked.keys
                and not (names_the_focus and _stem(t.text) in asked.focus_words)]
    return len(repeated) / len(content)


def _names_the_focus(tokens, asked: _Question) -> bool:
    """Whether the candidate is a name built on the noun asked about: "Hartwell Foundation"
    or "River Hame" for "which foundation" or "which river"."""
    if _stem(tokens[-1].text) in asked.focus_words:
        return True
    # "River Hame", "Museum of Somerset"
    named = [t for t in tokens[1:] if t.lower_ not in ("of", "for")]
    return len(named) > 0 and tokens[0].text[:1].isupper() and named[0].text[:1].isupper() \
        and _stem(tokens[0].text) == _stem(asked.focus or "")


def _proximity(tokens, sentence_doc, terms: Sequence[_Term]) -> float:
    """1 next to a question term, falling off with distance in tokens."""
    term_keys = {k for t in terms for k in t.keys}
    first, last = tokens[0].i, tokens[-1].i
    distances = [
        min(abs(t.i - first), abs(t.i - last))
        for t in sentence_doc
        if not term_keys.isdisjoint(_keys(t)) and not (first <= t.i <= last)
    ]
    if not distances:
        return 0.0
    return 1.0 / (1.0 + min(distances) / 4.0)


_OPEN_WH = {"which", "what"}


def _asked_noun(question_doc):
    """The noun a which/what question asks about: "which *broker* cut", "what kind of
    *medicine*", "what was the company's *profit*"; None when there is none."""
    for token in question_doc:
        if token.lower_ in ("which", "what") and token.dep_ == "det" and token.head.pos_ == "NOUN":
            head = _phrase_head(token.head)
            if head.lemma_ in ("kind", "type", "sort", "form"):
                objects = _objects_of(head)
                return _phrase_head(objects[0]) if objects else None
            return head
    for token in question_doc:
        if token.lower_ == "what" and token.dep_ in ("attr", "nsubj") and token.head.lemma_ == "be":
            for other in token.head.children:
                if other is not token and other.dep_ in ("nsubj", "attr") and other.pos_ == "NOUN":
                    return _phrase_head(other)
    return None


def _objects_of(token) -> list:
    """The objects of an "of" under `token`: "medicine" in "kind of medicine"."""
    return [g for c in token.children if c.lower_ == "of" and c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]


def _focus_word(question_doc, answer_type: AnswerType, asked_noun) -> str | None:
    """The noun the question asks about: what "how many" counts, the X of "which X"
    (`asked_noun`, from `_asked_noun`), or of "the name of the X"."""
    for token in question_doc:
        if token.lower_ in ("many", "much") and token.head.pos_ in ("NOUN", "PROPN") and token.head is not token:
            return _phrase_head(token.head).text
        if token.lower_ in ("many", "much"):  # "how many of the roadshow projects"
            wholes = _objects_of(token)
            if wholes:
                return _phrase_head(wholes[0]).text
    if answer_type.focus == "name":
        for token in question_doc:
            objects = _objects_of(token) if token.lower_ == "name" else []
            if objects:
                return objects[0].text
    if asked_noun is not None and asked_noun.lower_ != "name":
        return asked_noun.text
    return answer_type.focus


def _focus_phrase(question_doc, focus: str | None) -> set[str]:
    """Stems of the focus noun and its modifiers in the question ("cancer center")."""
    if not focus:
        return set()
    words = {_stem(focus)}
    for token in question_doc:
        if token.text == focus:
            words.update(_stem(c.text) for c in token.children if c.dep_ in ("compound", "amod") and not c.is_stop)
    return words


def _phrase_head(token):
    """"engineering technology research centers": climb compounds to "centers"."""
    while token.dep_ in ("compound", "amod") and token.head.pos_ in ("NOUN", "PROPN") and token.head is not token:
        token = token.head
    return token


def _focus_match(tokens, sentence_doc, asked: _Question, types: tuple[str, ...] = ()) -> float:
    """Evidence that the candidate is the thing asked about: "27 academicians" for
    "how many academicians", "the company Soleira", "Wei Yuquan, an academician",
    "Hartwell Foundation" for "which foundation", a bare year for "which year".
    A number counting some other noun counts against it."""
    answer_type = asked.answer_type
    first, last = tokens[0].i, tokens[-1].i
    if answer_type.wh == "where":
        places = (asked.stranded,) if asked.stranded else ("in", "at", "near", "from")
        return 0.6 if first > 0 and sentence_doc[first - 1].lower_ in places else 0.0
    if answer_type.wh == "how" and answer_type.primary == OTHER:
        # "how did the thieves get in": "through a skylight", "via a video message"; the whole
        # phrase after "through" is the means, more than its first noun
        if first == 0 or sentence_doc[first - 1].lower_ not in MEANS_PREPOSITIONS:
            return 0.0
        objects = [c for c in sentence_doc[first - 1].children if c.dep_ == "pobj"]
        return 1.0 if any(last == o.right_edge.i for o in objects) else 0.5
    if not asked.focus:
        return 0.0
    focus = _stem(asked.focus)
    text = " ".join(t.text for t in tokens)
    if focus == "year" and re.fullmatch(r"(in )?\d{4}", text):
        return 1.0
    if answer_type.wh in ("how many", "how much"):
        if set(types) & {MONEY, PERCENT}:
            return 0.0  # a sum or a share: the noun after it is not what it counts
        counted = _counted_noun(tokens, sentence_doc)
        if counted is None:
            return 0.0
        if _stem(counted.text) != focus and _stem(_phrase_head(counted).text) != focus:
            return -1.0
        # "the three academicians" refers back to ones already counted
        if first > 0 and sentence_doc[first - 1].lower_ == "the":
            return 0.3
        # "how many of the crew": "23 of its 31 crew", not the 31
        if re.search(r"\bhow (many|much) of\b", asked.text.lower()) and \
                not (last + 1 < len(sentence_doc) and sentence_doc[last + 1].lower_ == "of"):
            return 0.5
        # "how many heavyweight experts": "300 heavyweight experts" over "1000 experts"
        modifiers = asked.focus_words - {focus}
        if modifiers and not modifiers & {_stem(c.text) for c in counted.children}:
            return 0.7
        return 1.0
    if len(tokens) > 1 and (_stem(tokens[-1].text) == focus or _names_the_focus(tokens, asked)):
        # "Hartwell Foundation" names one; "major journals" only repeats the kind
        names_one = any(t.text[:1].isupper() and t.i > 0 or t.like_num for t in tokens)
        return 1.0 if names_one else 0.0
    if first > 0 and _stem(sentence_doc[first - 1].text) == focus and sentence_doc[first - 1].pos_ == "NOUN":
        return 1.0  # named right after its kind: "the pesticide thiacloprid", "the journal Animal Behaviour"
    before = sentence_doc[max(0, first - 4): first]
    after = sentence_doc[last + 1: last + 4]
    if any(_stem(t.text) == focus for t in list(before) + list(after)):
        return 0.8
    if _is_said_to_be(tokens, focus) or _governed_by(tokens, focus):
        return 0.8
    return 0.0


def _governed_by(tokens, focus_stem: str, steps: int = 4) -> bool:
    """Whether the focus noun governs the candidate a few steps up the parse: "revenue that
    rose 4 percent to *£1.2 billion*"."""
    token = _span_root(tokens)
    if token is None:
        return False
    for _ in range(steps):
        if token.head is token:
            return False
        token = token.head
        if token.pos_ == "NOUN" and _stem(token.text) == focus_stem:
            return True
    return False


def _span_root(tokens):
    """The one token of a span whose head lies outside it, or None if the parse splits it."""
    inside = {t.i for t in tokens}
    roots = [t for t in tokens if t.head.i not in inside or t.head is t]
    return roots[0] if len(roots) == 1 else None


def _is_said_to_be(tokens, focus_stem: str) -> bool:
    """Whether the sentence says the focus noun is the candidate: "the ship is believed to be
    the Good Intent", "the winner was Grace Wanjiru"."""
    root = _span_root(tokens)
    if root is None or root.dep_ not in ("attr", "oprd"):
        return False
    verb = root.head
    for _ in range(3):
        if any(c.dep_ in ("nsubj", "nsubjpass") and _stem(c.text) == focus_stem for c in verb.children):
            return True
        if verb.dep_ not in ("xcomp", "ccomp") or verb.head is verb:
            return False
        verb = verb.head
    return False


def _plays_a_role(tokens, sentence_doc, asked: _Question) -> float:
    """1 when the candidate is an argument (subject, object, prepositional object) of a
    verb the question also uses: "Konoya and AstraZeneca have reached" for "which company
    reached"; 0.7 when it directly modifies a noun the question names: "6.2-kilometre tunnel"."""
    verb_keys = asked.verb_keys
    inside = {t.i for t in tokens}
    term_keys = {k for t in asked.terms for k in t.keys}
    for token in tokens:
        head = token.head
        if head.i not in inside and token.dep_ in ("nummod", "amod", "compound", "npadvmod", "appos", "poss") \
                and not term_keys.isdisjoint(_keys(head)):
            return 0.7
    preceding = sentence_doc[tokens[0].i - 1] if tokens[0].i > 0 else None
    if preceding is not None and preceding.pos_ == "NOUN" and not term_keys.isdisjoint(_keys(preceding)):
        return 1.0  # a title that says what the question asks: "Lions coach Teresa Vance" for "who coaches"
    following = sentence_doc[tokens[-1].i + 1] if tokens[-1].i + 1 < len(sentence_doc) else None
    if following is not None and following.pos_ in ("NOUN", "PROPN") and not term_keys.isdisjoint(_keys(following)):
        return 0.7  # "6.2-kilometre tunnel", even where the parse attaches it elsewhere
    if not verb_keys:
        return 0.0
    for verb in sentence_doc:
        if verb.pos_ not in ("VERB", "AUX") or _key(verb) not in verb_keys:
            continue
        for child in verb.children:
            arguments = [child] if child.dep_ in _ARGUMENT_DEPS else \
                [g for g in child.children if g.dep_ == "pobj"] if child.dep_ in ("prep", "agent") else []
            if verb.dep_ == "relcl" and child.lower_ in ("which", "who", "that"):
                arguments = [verb.head]  # "Northern, which runs the trains": Northern runs them
            if any(inside & {t.i for t in argument.subtree} for argument in arguments):
                return 1.0
    return 0.0



def _counted_noun(tokens, sentence_doc):
    """The noun a number counts: its syntactic head ("27 academicians"), else the next noun;
    in "23 of its 31 crew", the crew; in "from 19 seats to 9", the seats."""
    last = tokens[-1]
    if last.dep_ == "nummod" and last.head.pos_ in ("NOUN", "PROPN") and last.head.i > last.i:
        return _last_of_noun_run(last.head)
    following = sentence_doc[last.i + 1: last.i + 7]
    if len(following) and following[0].lower_ == "of":  # a part of a counted whole
        following = following[1:]
    for token in following:
        if token.pos_ in ("NOUN", "PROPN"):
            return token
        if token.pos_ not in ("ADJ", "PUNCT", "ADV", "DET", "NUM", "PRON") and token.text != "-":
            break
    return _noun_of_the_starting_value(tokens, sentence_doc)


def _last_of_noun_run(token):
    """For a name, the last noun of the run it starts: "cubs" for the "Sumatran" of "Two
    Sumatran tiger cubs", which the tagger can take for the number's head."""
    doc = token.doc
    for _ in range(3 if token.pos_ == "PROPN" else 0):
        if token.i + 1 >= len(doc) or doc[token.i + 1].pos_ not in ("NOUN", "PROPN"):
            break
        token = doc[token.i + 1]
    return token


def _noun_of_the_starting_value(tokens, sentence_doc):
    """For the "9" of "from 19 seats to 9": the noun of the value it changed from."""
    first = tokens[0].i
    if first < 2 or sentence_doc[first - 1].lower_ != "to":
        return None
    for token in reversed(sentence_doc[max(0, first - 6): first - 1]):
        if token.lower_ == "from":
            break
        if token.pos_ in ("NOUN", "PROPN") and any(c.like_num for c in token.children):
            return token
    return None


def _unnamed_people(sentence_doc) -> list:
    """The tokens of "a retired schoolteacher" or "an engineer": a person described, not named."""
    for chunk in noun_chunks(sentence_doc):
        root = chunk.root.lower_
        if chunk[0].lower_ in ("a", "an") and (
                root in PERSON_NOUNS or any(root.endswith(n) for n in PERSON_NOUNS if len(n) >= 5)):
            return list(chunk)
    return []


_BEFORE = re.compile(r"\b(before|previously|originally|formerly|used to|at first|until)\b", re.IGNORECASE)
_AMOUNTS = {NUMBER, QUANTITY, MONEY, PERCENT, DURATION}
_STRANDABLE = {"to", "from", "for", "with", "by", "into", "on", "at", "in", "about", "of"}


def _stranded_preposition(question_doc) -> str | None:
    """The preposition the question leaves without its object, which the answer completes:
    "where was the ship sailing *to*", "who was the land bought *from*"."""
    for token in question_doc:
        if token.lower_ in _STRANDABLE and token.dep_ in ("prep", "dative", "agent") \
                and not any(c.dep_ in ("pobj", "pcomp") for c in token.children):
            return token.lower_
    return None


def _direction(tokens, sentence_doc, asked: _Question) -> float:
    """Which end of "from A to B" the question wants: the preposition it leaves open
    ("sailing to" -> B), else the new value B unless it asks about before."""
    first = tokens[0].i
    before = sentence_doc[first - 1].lower_ if first > 0 else ""
    if asked.stranded:
        return 1.0 if before == asked.stranded else 0.0
    if asked.answer_type.primary not in _AMOUNTS:
        return 0.0
    window_before = {t.lower_ for t in sentence_doc[max(0, first - 8): first - 1]}
    window_after = {t.lower_ for t in sentence_doc[tokens[-1].i + 1: tokens[-1].i + 6]}
    if before == "to" and "from" in window_before:
        return -0.5 if asked.asks_before else 0.5
    if before == "from" and "to" in window_after:
        return 0.5 if asked.asks_before else -0.5
    return 0.0


_TIME_KINDS = (
    re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", re.IGNORECASE),
    re.compile(r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\b",
               re.IGNORECASE),
    re.compile(r"\b(?:1[5-9]|20)\d\d\b"),
)


def _speaks_of_another_time(question: str, sentence: str) -> float:
    """1 when the question names a day, month or year and the sentence names only other
    ones of that kind: "cancelled on Saturday" against "cancelled on Friday"."""
    for pattern in _TIME_KINDS:
        asked = {m.lower() for m in pattern.findall(question)}
        said = {m.lower() for m in pattern.findall(sentence)}
        if asked and said and not asked & said:
            return 1.0
    return 0.0


def _drop_nested(answers: list[Answer]) -> list[Answer]:
    """Keep an answer only if no better-scored answer overlaps it in the same document."""
    kept: list[Answer] = []
    for answer in answers:
        if any(a.doc_id == answer.doc_id and a.start < answer.end and answer.start < a.end for a in kept):
            continue
        kept.append(answer)
    return kept
