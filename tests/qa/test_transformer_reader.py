"""The transformer reader: span decoding pinned with hand-set logits, and the whole path
with a tiny randomly initialised model built here (nothing is downloaded)."""
from dataclasses import replace

import numpy as np
import pytest

from index.documents import Chunk
from qa.evidence import combine_evidence
from qa.readers.decoding import ReaderSettings, _best_unique, calibrated, decode_spans
from qa.readers.transformer import TransformerReader
from qa.results import Answer, Passage

# tokens: [CLS] q [SEP] c0 c1 c2 c3 [SEP]; context characters of c0..c3
OFFSETS = [(0, 0), (0, 1), (0, 0), (0, 5), (6, 11), (12, 17), (18, 23), (0, 0)]
MASK = [False, False, False, True, True, True, True, False]


def logits(**at):
    values = np.full(len(OFFSETS), -10.0)
    for index, value in at.items():
        values[int(index[1:])] = value
    return values


def test_best_span_and_its_character_offsets():
    spans = decode_spans(logits(t4=5.0), logits(t5=4.0), OFFSETS, MASK, max_answer_tokens=5, top_n=1)
    assert (spans[0].start, spans[0].end, spans[0].logit) == (6, 17, 9.0)


def test_end_before_start_is_never_returned():
    spans = decode_spans(logits(t5=5.0), logits(t4=5.0), OFFSETS, MASK, max_answer_tokens=5, top_n=50)
    assert all(s.end > s.start for s in spans)
    assert (6, 11) not in [(s.start, s.end) for s in spans if s.logit > 0]


def test_spans_stay_inside_the_context():
    # the question token 1 has the highest logits but is not context
    spans = decode_spans(logits(t1=50.0, t3=1.0), logits(t1=50.0, t3=1.0), OFFSETS, MASK, 5, top_n=50)
    assert all(s.start >= 0 and s.end <= 23 for s in spans)
    assert spans[0].start == 0 and spans[0].end == 5


def test_maximum_answer_length_in_tokens():
    spans = decode_spans(logits(t3=5.0), logits(t6=5.0), OFFSETS, MASK, max_answer_tokens=2, top_n=50)
    assert all((s.start, s.end) != (0, 23) for s in spans)
    assert max(s.end - s.start for s in spans) <= 11


def test_scores_are_a_calibrated_sigmoid_comparable_across_windows():
    assert calibrated(0.0, 0.1) == 0.5
    assert calibrated(20.0, 0.1) > calibrated(10.0, 0.1) > 0.5


def test_overlapping_readings_are_one_and_separate_ones_of_the_same_text_are_its_evidence():
    chunk = Chunk("d", 0, 10, "0123456789")
    passage = Passage(chunk, "t", 1.0, 1)
    make = lambda score, start: Answer("Rome", score, "d", "t", start, start + 4, "c", 0, 10, passage)  # noqa: E731
    kept = _best_unique([make(0.6, 0), make(0.9, 5), make(0.7, 2)], limit=3)
    assert [(a.start, a.score) for a in kept] == [(5, 0.9), (0, 0.6)]  # 2-6 overlaps the better 5-9
    [merged] = combine_evidence(kept, limit=3)
    assert merged.score == 0.9 and [r.start for r in merged.support] == [0]


def test_a_span_overlapping_a_better_one_in_the_same_article_is_not_another_reading():
    chunk = Chunk("d", 0, 40, "27 academicians and 300 experts came here")
    passage = Passage(chunk, "t", 1.0, 1)
    make = lambda text, score, start, doc="d": Answer(text, score, doc, "t", start, start + len(text), "c", 0, 40,  # noqa: E731
                                                      passage)
    kept = _best_unique([make("27", 0.8, 0), make("27 academicians", 0.6, 0), make("300", 0.5, 20),
                         make("27 academicians", 0.4, 0, doc="e")], limit=5)
    assert [(a.text, a.doc_id) for a in kept] == [("27", "d"), ("300", "d"), ("27 academicians", "e")]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    import torch
    from transformers import BertConfig, BertForQuestionAnswering, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny-qa")
    words = "the bridge opened on march 3 in portvale who when where did what is was a of and".split()
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words + list("0123456789.,?")
    tokenizer = BertTokenizer(vocab={word: i for i, word in enumerate(vocab)})
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64)
    BertForQuestionAnswering(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_tiny_model_end_to_end(tiny_model):
    text = "the bridge opened on march 3 in portvale. " * 6
    chunk = Chunk("doc", 100, 100 + len(text), text)
    passages = [Passage(chunk, "Bridge", 1.0, 1)]
    reader = TransformerReader(str(tiny_model), ReaderSettings(max_length=32, stride=8, max_answer_tokens=4,
                                                               threshold=0.0, use_null_answer=False))
    answers = reader.read("when did the bridge open?", passages, max_answers=5)
    assert answers
    for answer in answers:
        assert chunk.text[answer.start - 100:answer.end - 100] == answer.text
        assert 0.0 <= answer.score <= 1.0
        assert answer.context_start <= answer.start and answer.end <= answer.context_end
        assert len(answer.text.split()) <= 4
    merged = combine_evidence(answers, limit=5)
    assert len({a.text.lower() for a in merged}) == len(merged)
    assert sum(len(a.readings) for a in merged) == len(answers)


def test_a_missing_model_is_a_clear_error(tmp_path):
    from index.errors import ConfigError

    with pytest.raises(ConfigError, match="cannot load QA model"):
        TransformerReader(str(tmp_path)).warm_up()


class FixedLogits:
    """Stands in for the network's forward pass with chosen logits, so the reader's
    own decoding and no-answer decision run for real."""

    def __init__(self, null: float, span: float):
        import torch

        self.device = torch.device("cpu")
        self.null, self.span = null, span

    def __call__(self, input_ids, **_):
        from types import SimpleNamespace

        import torch

        start = torch.full(input_ids.shape, -20.0)
        end = torch.full(input_ids.shape, -20.0)
        start[:, 0] = end[:, 0] = self.null / 2
        start[:, 12] = end[:, 13] = self.span / 2
        return SimpleNamespace(start_logits=start, end_logits=end)


def _reader_with(tiny_model, null, span, **kwargs):
    reader = TransformerReader(str(tiny_model), ReaderSettings(max_length=32, stride=8, threshold=0.0, **kwargs))
    reader.warm_up()
    reader._model = FixedLogits(null, span)
    return reader


def test_the_null_answer_vetoes_weaker_spans(tiny_model):
    text = "the bridge opened on march 3 in portvale."
    passages = [Passage(Chunk("doc", 0, len(text), text), "Bridge", 1.0, 1)]
    assert _reader_with(tiny_model, null=10.0, span=4.0).read("when did the bridge open?", passages) == []
    kept = _reader_with(tiny_model, null=10.0, span=4.0, use_null_answer=False).read("when did the bridge open?", passages)
    assert kept and kept[0].score == pytest.approx(calibrated(4.0, 0.1), abs=1e-4)
    assert _reader_with(tiny_model, null=2.0, span=4.0).read("when did the bridge open?", passages)


def test_a_score_threshold_decides_without_a_null_answer(tiny_model):
    text = "the bridge opened on march 3 in portvale."
    passages = [Passage(Chunk("doc", 0, len(text), text), "Bridge", 1.0, 1)]
    reader = _reader_with(tiny_model, null=-50.0, span=-4.0, use_null_answer=False)
    reader.settings = replace(reader.settings, threshold=0.5)
    assert reader.read("when did the bridge open?", passages) == []


def test_cli_reader_option_takes_a_model_folder(tiny_model, corpus, tmp_path, capsys):
    import json

    from cli.main import main

    index_dir = tmp_path / "idx"
    assert main(["index", str(corpus), "--index-dir", str(index_dir), "--json"]) == 0
    capsys.readouterr()
    assert main(["ask", "When did the bridge open?", "--index-dir", str(index_dir), "--reader",
                 str(tiny_model), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    texts = {p.stem: p.read_text() for p in corpus.iterdir()}
    for answer in out["answers"]:
        assert texts[answer["doc_id"]][answer["start"]:answer["end"]] == answer["text"]


def test_auto_uses_the_configured_qa_model_and_says_so(tiny_model):
    from index.errors import ConfigError
    from qa.readers.factory import make_reader

    said = []
    assert make_reader("auto", str(tiny_model), said.append).model_name == str(tiny_model)
    assert said == [f"reader: {tiny_model}"]
    with pytest.raises(ConfigError, match="not on this machine: set --qa-model"):
        make_reader("auto", "no-such-org/no-such-model", said.append)


def test_an_answer_margin_replaces_the_models_own_and_must_be_a_number(tiny_model):
    from index.errors import ConfigError
    from qa.readers.factory import make_reader

    own = make_reader(str(tiny_model), None).settings
    assert own.null_margin == 0.0
    assert make_reader(str(tiny_model), None, answer_margin=2.5).settings == replace(own, null_margin=2.5)
    assert make_reader("auto", str(tiny_model), answer_margin=-1.0).settings.null_margin == -1.0
    with pytest.raises(ConfigError, match="answer margin must be a finite number"):
        make_reader(str(tiny_model), None, answer_margin=float("nan"))


@pytest.mark.parametrize("spec", ["offline", "rules", "no-such-org/no-such-model"])
def test_a_reader_that_is_not_here_is_one_line_naming_the_choices(spec, monkeypatch):
    from index.errors import ConfigError
    from qa.readers.factory import make_reader

    monkeypatch.delenv("QA_ALLOW_DOWNLOADS", raising=False)
    with pytest.raises(ConfigError, match=f"there is no reader '{spec}' on this machine: choose auto") as caught:
        make_reader(spec, None)
    assert "\n" not in str(caught.value)


def test_a_hub_id_not_in_the_cache_fails_at_once_without_the_network(monkeypatch, tmp_path):
    import time

    from index.errors import ConfigError

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("QA_ALLOW_DOWNLOADS", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-cache"))
    started = time.monotonic()
    with pytest.raises(ConfigError, match="cannot load QA model 'some-org/no-such-qa-model'"):
        TransformerReader("some-org/no-such-qa-model").warm_up()
    assert time.monotonic() - started < 10
