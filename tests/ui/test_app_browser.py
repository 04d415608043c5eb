"""The web app end to end in a real headless Chromium (Debian's, driven by Playwright)."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from qa.config import Config
from qa.pipeline import index_paths
from qa.render import result_json

from ..conftest import write_articles

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
XSS_ARTICLE = (
    "Harbour pilots publish safety notes\n"
    "The harbour pilots association published its safety notes on Monday. "
    "One note quoted a web page that said <script>window.__pwned = 1</script> and "
    "<img src=x onerror=\"window.__pwned = 2\"> in plain text. The pilots asked captains to slow down."
)

pytestmark = pytest.mark.browser


def _require_browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, embedder):
    _require_browser()
    from ui.app import serve

    folder = write_articles(tmp_path_factory.mktemp("articles"))
    (folder / "pilots.txt").write_text(XSS_ARTICLE, encoding="utf-8")
    config = Config(index_dir=tmp_path_factory.mktemp("index"), reader="offline")
    index_paths(config, [folder], embedder=embedder)
    port = _free_port()
    app = serve(config, port=port, block=False, log=lambda _: None)
    yield f"http://127.0.0.1:{port}/", config
    app.close()


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser, app_url):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(app_url[0])
    page.wait_for_selector("#question textarea, #question input")
    yield page
    page.close()


def ask(page, question: str) -> None:
    box = page.get_by_label("Question")
    box.fill(question)
    box.press("Enter")  # Enter submits
    page.wait_for_selector("#answer .qa-text, #answer .qa-none", timeout=60_000)


def search(page, query: str) -> None:
    page.get_by_role("tab", name="Search").click()
    box = page.get_by_label("Find passages")
    box.fill(query)
    box.press("Enter")
    page.wait_for_selector("#hits .qa-hit")


def test_ask_shows_the_answer_highlighted_in_its_passage(page, tmp_path):
    ask(page, "Who won the Lindholm Chess Open?")
    assert page.inner_text("#answer .qa-text") == "Mara Quint"
    assert "confidence" in page.inner_text("#answer")
    card = page.locator("#citations .qa-card").first
    assert "Young player wins city chess open" in card.inner_text()
    assert card.locator(".qa-passage mark").inner_text() == "Mara Quint"
    card.locator("summary").click()  # the whole article, with the answer marked and in view
    article = card.locator(".qa-article-text")
    assert article.is_visible() and "Lindholm Chess Club" in article.inner_text()
    assert article.locator("mark").inner_text() == "Mara Quint"
    page.wait_for_function("""() => {
        const m = document.querySelector('#citations .qa-article-text mark');
        const r = m.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
    }""")
    page.screenshot(path=str(tmp_path / "answer.png"))


def test_no_answer_is_said_plainly_with_the_best_passages(page):
    ask(page, "What is the boiling point of mercury on Jupiter?")
    assert "No answer found" in page.inner_text("#answer")
    assert page.locator("#citations .qa-hit").count() >= 1


def test_search_ranks_passages_and_highlights_matching_terms(page):
    search(page, "apple harvest")
    first = page.locator("#hits .qa-hit").first
    assert "Apple harvest up in the valley" in first.inner_text()
    marks = {m.lower() for m in first.locator("mark").all_inner_texts()}
    assert {"apple", "apples", "harvest"} & marks
    assert "score" in first.inner_text()


def test_article_text_is_shown_as_text_and_runs_nothing(page):
    search(page, "harbour pilots safety notes web page")
    text = page.inner_text("#hits")
    assert "<script>window.__pwned = 1</script>" in text
    assert 'onerror="window.__pwned = 2"' in text
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#hits script").count() == 0 and page.locator("#hits img").count() == 0


def test_upload_an_article_then_ask_about_it(page, tmp_path):
    new = tmp_path / "ferry.txt"
    new.write_text("Ferry service resumes\nThe Ostrava ferry resumed sailing on Tuesday with a new captain, "
                   "Hanna Berg, after a six-week repair.", encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing")
    page.get_by_role("tab", name="Articles").click()
    page.locator("#upload input[type=file]").set_input_files([str(new), str(broken)])
    page.locator("#add").click()
    page.wait_for_function("document.querySelector('#added') && document.querySelector('#added').innerText.includes('Indexed')",
                           timeout=60_000)
    added = page.inner_text("#added")
    assert "1 added" in added and "broken.pdf" in added  # the unreadable file is named
    assert "/tmp" not in added and str(tmp_path) not in added  # by its name, not a server path
    page.wait_for_function("document.querySelector('#articles').innerText.includes('ferry')")
    assert "Young player wins city chess open" in page.inner_text("#articles")  # nothing indexed was lost
    page.get_by_role("tab", name="Ask").click()
    ask(page, "Who is the new captain of the Ostrava ferry?")
    assert page.inner_text("#answer .qa-text") == "Hanna Berg"


def test_gradio_client_gets_the_same_json_as_the_cli(app_url, embedder):
    from gradio_client import Client

    from qa.pipeline import QAPipeline

    url, config = app_url
    question = "How many players did Mara Quint beat?"
    remote = Client(url, verbose=False).predict(question, 5, "hybrid", "offline", api_name="/ask")
    local = result_json(QAPipeline.open(config, embedder=embedder).ask(question))
    assert set(remote) == {"question", "answers", "passages", "timings_ms"}
    assert remote["answers"] == local["answers"] and remote["passages"] == local["passages"]


def test_every_response_carries_the_security_headers(app_url):
    import httpx

    url, _ = app_url
    for path in ("", "config", "gradio_api/info"):
        response = httpx.get(url + path, timeout=30)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
