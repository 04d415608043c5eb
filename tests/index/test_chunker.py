import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunker import ChunkerSettings, SentenceChunker
from index.documents import Document
from index.errors import ConfigError


def count_words(texts):
    return [len(t.split()) for t in texts]


def chunk(text, max_tokens=10, overlap=0):
    chunker = SentenceChunker(count_words, ChunkerSettings(max_tokens, overlap))
    return chunker.chunk(Document("d", "t", text, "mem"))


def test_glued_sentences_become_separate_units():
    text = "one two three four five six on Friday.The meeting went on for a long long time."
    chunks = chunk(text, max_tokens=8)
    assert chunks[0].text == "one two three four five six on Friday."
    assert chunks[1].text.startswith("The meeting")


def test_chunks_respect_the_token_budget_and_point_into_the_text():
    text = " ".join(f"Sentence number {i} has five words." for i in range(20))
    for c in chunk(text, max_tokens=12):
        assert len(c.text.split()) <= 12
        assert text[c.start:c.end] == c.text


def test_overlap_repeats_trailing_sentences():
    text = "A a a. B b b. C c c. D d d. E e e."
    chunks = chunk(text, max_tokens=6, overlap=3)
    assert [c.text for c in chunks] == ["A a a. B b b.", "B b b. C c c.", "C c c. D d d.", "D d d. E e e."]


def test_a_sentence_longer_than_the_budget_is_cut_at_words():
    text = " ".join(["word"] * 25) + "."
    chunks = chunk(text, max_tokens=10)
    assert [len(c.text.split()) for c in chunks] == [10, 10, 5]


def test_real_tokenizer_counts(embedder):
    chunker = SentenceChunker(embedder.count_tokens, ChunkerSettings(max_tokens=16, overlap_tokens=4))
    text = "The Portvale harbour bridge opened on March 3.The bridge is long. " * 6
    chunks = chunker.chunk(Document("d", "t", text, "mem"))
    assert len(chunks) > 1
    assert all(sum(embedder.count_tokens([c.text])) <= 16 + 2 for c in chunks)


def test_invalid_settings_are_rejected():
    with pytest.raises(ConfigError):
        ChunkerSettings(max_tokens=16, overlap_tokens=16)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc ABC..\n")), max_size=300),
       st.integers(2, 12), st.integers(0, 1))
def test_every_word_is_in_some_chunk_and_offsets_hold(text, max_tokens, overlap):
    chunks = chunk(text, max_tokens=max_tokens, overlap=overlap)
    covered = set()
    for c in chunks:
        assert text[c.start:c.end] == c.text
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.integers(2, 12), st.integers(0, 1))
def test_arbitrary_unicode_is_chunked_without_losing_or_inventing_text(text, max_tokens, overlap):
    chunks = chunk(text, max_tokens=max_tokens, overlap=overlap)
    covered = set()
    for c in chunks:
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start:c.end] == c.text
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_unicode_with_the_real_tokenizer(embedder, text):
    chunker = SentenceChunker(embedder.count_tokens, ChunkerSettings(16, 4))
    for c in chunker.chunk(Document("d", "t", text, "mem")):
        assert text[c.start:c.end] == c.text
