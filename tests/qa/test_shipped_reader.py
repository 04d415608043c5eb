"""The reader shipped in models/reader: it loads with the network off, answers the README's
question from the bundled articles with exact offsets, and no question makes it raise."""
import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.indexer import index_paths
from qa.config import BUNDLED_ARTICLES, SHIPPED_READER, Config
from qa.pipeline import QAPipeline
from qa.readers.factory import make_reader

pytestmark = pytest.mark.slow

README_QUESTION = "How many academicians attended the 2023 China Biotechnology Innovation Conference?"


@pytest.fixture(scope="module")
def bundled_pipeline(tmp_path_factory, embedder):
    config = Config(index_dir=tmp_path_factory.mktemp("bundled-index"))  # auto: the shipped reader on ONNX Runtime
    index_paths(config.index_spec, [BUNDLED_ARTICLES], embedder=embedder)
    pipeline = QAPipeline.open(config, embedder=embedder)
    pipeline.warm_up()
    return pipeline


def test_the_shipped_reader_loads_offline_with_its_recorded_settings(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    reader = make_reader(str(SHIPPED_READER), None)
    assert reader.name == "torch"
    meta = json.loads((SHIPPED_READER / "reader.json").read_text())
    assert reader.settings.null_margin == meta["inference"]["null_margin"]
    assert reader.settings.quantize == meta["inference"]["quantize"]


def test_the_readme_question_gets_a_cited_answer_with_exact_offsets(bundled_pipeline):
    result = bundled_pipeline.ask(README_QUESTION)
    assert result.reader == "onnx" and result.answers
    best = result.answers[0]
    text = bundled_pipeline.document(best.doc_id).text
    assert text[best.start:best.end] == best.text
    assert text[best.context_start:best.context_end] == best.context
    assert best.context_start <= best.start < best.end <= best.context_end
    assert any(ch.isdigit() for ch in best.text) or best.text.lower().split()[0] in (
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "twenty", "thirty"])


def _varied_questions() -> list[str]:
    openers = ["Who", "What", "When", "Where", "Why", "How many", "How much", "Which company", "What was",
               "How did", "Whose", "What is the name of"]
    topics = ["the conference", "the CEO", "Twigg's first name", "the 2023 meeting", "biotech investment",
              "the academicians", "Mirzyme Therapeutic", "the keynote", "the forum in Beijing", "the drug",
              "the vaccine", "the award", "the panel", "the organisers", "the venue", "the startup",
              "gene therapy", "the speakers", "the prize", "the budget"]
    questions = [f"{o} {t}?" for o in openers for t in topics]
    questions += ["What was Twigg's first name?", "?", "...", "name", "the", "Who?", "12345", "😀 who won? 😀",
                  "من فاز؟", "谁参加了会议？", "<script>alert(1)</script>", "' OR 1=1 --", "\x00\x01 what",
                  "What " * 150, " ".join(string.ascii_lowercase * 20), "a" * 999, "Where\nis\tthe\rvenue?"]
    return questions


def test_a_few_hundred_varied_questions_never_raise(bundled_pipeline):
    from qa.pipeline import MAX_QUESTION_CHARS, QuestionTooLongError

    questions = _varied_questions()
    assert len(questions) >= 250
    for question in questions:
        if len(question.strip()) > MAX_QUESTION_CHARS:
            with pytest.raises(QuestionTooLongError):  # refused with a message, never a crash
                bundled_pipeline.ask(question)
            continue
        result = bundled_pipeline.ask(question)
        for answer in result.answers:
            text = bundled_pipeline.document(answer.doc_id).text
            assert text[answer.start:answer.end] == answer.text
            assert 0.0 <= answer.score <= 1.0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=1000))
def test_the_reader_never_raises_for_any_string(bundled_pipeline, question):
    passages = bundled_pipeline.search("conference academicians")
    answers = bundled_pipeline.reader.read(question, passages, 3)
    assert all(p.chunk.text[a.start - p.chunk.start:a.end - p.chunk.start] == a.text
               for a in answers for p in [a.passage])


def test_a_higher_answer_margin_never_answers_more(bundled_pipeline, embedder):
    from eval.questions import load_questions

    questions = [q.question for q in load_questions("eval/questions.jsonl")[:20]] + [
        "Who painted the ceiling of the Sistine Chapel?", "What is the boiling point of mercury?"]
    answered = []
    for margin in (-1e4, -2.0, 2.0, 6.0, 1e4):
        pipeline = QAPipeline.open(bundled_pipeline.config.with_overrides(answer_margin=margin), embedder=embedder)
        answered.append({q for q in questions if pipeline.ask(q).answers})
    assert answered[0] == set(questions)  # any span beats "no answer" by more than -10,000
    assert answered[-1] == set()
    for lower, higher in zip(answered, answered[1:]):
        assert higher <= lower
