"""The web app end to end in a real headless Chromium (Debian's, driven by Playwright)."""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from index.indexer import index_paths
from qa.config import Config
from qa.schema import result_json

from ..conftest import hold_pipeline_open, write_articles

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
XSS_ARTICLE = (
    "Harbour pilots publish safety notes\n"
    "The harbour pilots association published its safety notes on Monday. "
    "One note quoted a web page that said <script>window.__pwned = 1</script> and "
    "<img src=x onerror=\"window.__pwned = 2\"> in plain text. The pilots asked captains to slow down."
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
    from ui.server import serve

    folder = write_articles(tmp_path_factory.mktemp("articles"))
    (folder / "pilots.txt").write_text(XSS_ARTICLE, encoding="utf-8")
    config = Config(index_dir=tmp_path_factory.mktemp("index"))
    index_paths(config.index_spec, [folder], embedder=embedder)
    port = _free_port()
    app = serve(config, port=port, block=False, log=lambda _: None)
    yield f"http://127.0.0.1:{port}/", config
    app.close()


@pytest.fixture()
def context(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield context
    context.close()


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


def test_a_misspelt_question_shows_what_was_answered_and_can_be_asked_as_typed(page):
    ask(page, "Who won the Lindholm Chess Opne?")
    assert "Showing answers for Who won the Lindholm Chess Open?" in page.inner_text("#answer")
    assert page.inner_text("#answer .qa-corrected strong") == "Open"
    as_typed = page.locator("#ask-as-typed")
    assert as_typed.is_visible()
    as_typed.click()
    page.wait_for_function("() => !document.querySelector('#answer .qa-corrected')", timeout=60_000)
    assert "Showing answers for" not in page.inner_text("#answer") and not as_typed.is_visible()


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
    assert first.inner_text().startswith("Apple harvest")  # numbered once, by the list
    assert "score" not in first.inner_text() and first.locator("details.qa-article").count() == 1


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
    remote = Client(url, verbose=False).predict(question, 5, "hybrid", "auto", api_name="/ask")
    local = result_json(QAPipeline.open(config, embedder=embedder).ask(question))
    assert set(remote) == {"question", "answers", "passages", "timings_ms"}
    assert remote["answers"] == local["answers"] and remote["passages"] == local["passages"]


def test_a_mistake_through_the_api_is_a_sentence_and_no_traceback_in_the_log(app_url, capfd):
    from gradio_client import Client

    capfd.readouterr()
    with pytest.raises(Exception, match="(?i)the question is empty"):
        Client(app_url[0], verbose=False).predict("   ", None, None, None, api_name="/ask")
    assert "Traceback" not in capfd.readouterr().err


def test_every_response_carries_the_security_headers(app_url):
    import httpx

    url, _ = app_url
    for path in ("", "config", "gradio_api/info"):
        response = httpx.get(url + path, timeout=30)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


def open_page(context, url):
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea, #question input")
    return page


def upload(page, paths):
    page.get_by_role("tab", name="Articles").click()
    page.locator("#upload input[type=file]").set_input_files([str(p) for p in paths])
    page.locator("#add").click()


def added_text(page) -> str:
    return page.inner_text("#added")


def test_the_page_is_ready_once_loaded_and_shows_example_questions_only_when_there_are_some(page):
    page.wait_for_function("!document.body.innerText.includes('Loading the models')", timeout=60_000)
    assert page.locator("#settings").inner_text().startswith("Settings")


def test_the_settings_say_which_answer_margin_is_in_force(page, app_url):
    import json

    reader_folder = Path(app_url[1].qa_model)
    recorded = json.loads((reader_folder / "reader.json").read_text())["inference"]["null_margin"]
    page.locator("#settings").get_by_text("Settings for Ask and Search").click()
    assert f"by more than {recorded:g}, the margin calibrated" in page.inner_text("#answer-margin")


def test_at_phone_width_every_tab_is_in_sight_and_the_articles_table_reads_across(browser, app_url):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(app_url[0])
        page.wait_for_selector("#question textarea, #question input")
        for name in ("Ask", "Search", "Articles", "Evaluation"):
            assert page.get_by_role("tab", name=name).is_visible(), name  # none behind a "…" menu
        page.get_by_role("tab", name="Articles").click()
        page.wait_for_function("document.querySelector('#articles').innerText.includes('chess')")
        for header in ("id", "title", "characters"):
            box = page.locator("#articles th").filter(has_text=header).first.bounding_box()
            assert box and box["width"] >= 55 and box["height"] < 60, header  # not a letter a line
        viewport = page.evaluate("""() => { const v = document.querySelector('#articles .virtual-table-viewport');
                                            return [v.scrollWidth, v.clientWidth]; }""")
        assert viewport[0] > viewport[1]  # the table scrolls sideways instead
    finally:
        page.close()


def test_two_pages_ask_at_once_and_each_gets_its_own_answer(context, app_url):
    first, second = open_page(context, app_url[0]), open_page(context, app_url[0])
    for page, question in ((first, "Who won the Lindholm Chess Open?"), (second, "Who cut the ribbon in Portvale?")):
        box = page.get_by_label("Question")
        box.fill(question)
        box.press("Enter")
    for page in (first, second):
        page.wait_for_selector("#answer .qa-text", timeout=60_000)
    assert first.inner_text("#answer .qa-text") == "Mara Quint"
    assert "Brandt" in second.inner_text("#answer .qa-text")


def test_a_question_is_answered_while_a_large_upload_is_indexed(context, app_url, tmp_path):
    big = tmp_path / "tide-log.txt"
    lines = [f"Tide log entry {n}: the survey boat read {n % 97} centimetres at buoy {n % 31}." for n in range(6000)]
    big.write_text("Tide log of the survey boat\n" + "\n".join(lines), encoding="utf-8")
    uploader, asker = open_page(context, app_url[0]), open_page(context, app_url[0])
    upload(uploader, [big])
    uploader.wait_for_function("document.body.innerText.includes('embedding')", timeout=60_000)  # progress shown
    ask(asker, "Who won the Lindholm Chess Open?")
    assert asker.inner_text("#answer .qa-text") == "Mara Quint"
    assert "Indexed" not in added_text(uploader)  # answered while the upload was still being indexed
    uploader.wait_for_function("document.querySelector('#added').innerText.includes('Indexed')", timeout=300_000)
    delete(uploader, "tide-log")


def choose(page, doc_id):
    """Pick an article in the Articles tab's chooser, whose options read "title — date — source [id]"."""
    import re

    page.get_by_role("tab", name="Articles").click()
    page.locator("#delete-choice input").fill(doc_id)
    page.get_by_role("option", name=re.compile(rf"\[{re.escape(doc_id)}\]$")).click()


def delete(page, doc_id):
    choose(page, doc_id)
    page.locator("#delete").click()
    page.wait_for_selector("#delete-confirm", state="visible")
    question = page.inner_text("#delete-question")
    assert doc_id in question and "Delete" in question
    page.locator("#delete-confirm").click()
    page.wait_for_function(f"document.querySelector('#edited').innerText.includes(\"Deleted '{doc_id}'\")",
                           timeout=60_000)


def test_an_article_is_deleted_only_after_confirmation(page, tmp_path):
    old = tmp_path / "obsolete.txt"
    old.write_text("Obsolete notice\nThe Kestrel Lane library closes for repairs until the end of April.",
                   encoding="utf-8")
    upload(page, [old])
    page.wait_for_function("document.querySelector('#articles').innerText.includes('obsolete')", timeout=60_000)
    choose(page, "obsolete")
    page.locator("#delete").click()
    confirm = page.locator("#delete-confirm").bounding_box()
    asked = page.locator("#delete-question").bounding_box()
    assert 0 <= confirm["y"] - (asked["y"] + asked["height"]) < 80  # the question sits just above its buttons
    page.locator("#delete-cancel").click()
    page.wait_for_selector("#delete-confirm", state="hidden")
    assert "obsolete" in page.inner_text("#articles")  # cancelled: nothing deleted
    delete(page, "obsolete")
    page.wait_for_function("!document.querySelector('#articles').innerText.includes('obsolete')")
    assert "Young player wins city chess open" in page.inner_text("#articles")


@pytest.mark.parametrize("question, says", [
    ("Why? " * 300, "the limit is 1,000"),
    ("   ", "the question is empty"),
])
def test_a_bad_question_gets_a_sentence_in_the_page(page, question, says):
    box = page.get_by_label("Question")
    box.fill(question)
    box.press("Enter")
    page.wait_for_selector("#answer .qa-error", timeout=60_000)
    assert says in page.inner_text("#answer .qa-error").lower()


def test_a_bad_upload_says_nothing_was_added(page, tmp_path):
    broken = tmp_path / "scan.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing")
    upload(page, [broken])
    page.wait_for_selector("#added .qa-error", timeout=60_000)
    text = added_text(page)
    assert "none of these files holds readable articles" in text.lower() and "Nothing was added" in text
    assert "scan.pdf" in text and "/tmp" not in text


def test_the_articles_table_shows_every_column_at_1200px(page):
    page.get_by_role("tab", name="Articles").click()
    page.wait_for_function("document.querySelector('#articles').innerText.includes('chess')")
    right_edge = page.evaluate("document.querySelector('#articles').getBoundingClientRect().right")
    for header in ("id", "title", "chunks", "characters"):
        cell = page.locator("#articles th").filter(has_text=header).first
        box = cell.bounding_box()
        assert box and box["width"] > 30 and box["x"] + box["width"] <= right_edge + 1, header


def test_an_uploaded_question_file_is_evaluated_with_uncropped_plots(page, tmp_path):
    import json

    asked = [("Who won the Lindholm Chess Open?", ["Mara Quint"], "chess"),
             ("How long is the Portvale harbour bridge?", ["1.8 kilometres"], "harbour"),
             ("What is the capital of the Moon?", [], None)]
    questions = tmp_path / "my-questions.jsonl"
    questions.write_text("\n".join(  # enough rows that an unbounded table would run far down the page
        json.dumps({"id": f"q{n}", "question": q, "answers": a, "doc": d}) for n in range(40) for q, a, d in [asked[n % 3]]
    ), encoding="utf-8")
    page.get_by_role("tab", name="Evaluation").click()
    page.locator("#question-upload input[type=file]").set_input_files(str(questions))
    page.locator("#run-evaluation").click()
    page.wait_for_selector("#report table", timeout=120_000)
    assert "Who won the Lindholm Chess Open?" in page.inner_text("#report")
    assert "Young player wins city chess open [chess]" in page.inner_text("#report")  # "By article": titles
    page.wait_for_selector("#plots img")
    for fit in page.locator("#plots img").evaluate_all("imgs => imgs.map(i => getComputedStyle(i).objectFit)"):
        assert fit == "contain"
    # 40 rows run to about 3,900 px unbounded; the report scrolls in its own box instead
    assert page.evaluate("document.documentElement.scrollHeight") < 2500


def test_a_broken_question_file_gets_a_sentence_not_a_bare_error(page, tmp_path):
    questions = tmp_path / "broken.jsonl"
    questions.write_text("{not json\n", encoding="utf-8")
    page.get_by_role("tab", name="Evaluation").click()
    page.locator("#question-upload input[type=file]").set_input_files(str(questions))
    page.locator("#run-evaluation").click()
    page.wait_for_selector("#report .qa-error", timeout=60_000)
    message = page.inner_text("#report .qa-error")
    assert "broken.jsonl:1: not valid JSON" in message and "/tmp" not in message


def test_all_text_is_drawn_in_one_font(page):
    """Asks Chromium which font actually drew each piece of text (not just the CSS asked for)."""
    page.get_by_role("tab", name="Articles").click()
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    families = set()
    for selector in ("h1", "button[role=tab]", "button.primary, button.lg", "#add", "label span", "p"):
        for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"][:10]:
            for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
                families.add(font["familyName"])
    assert len(families) == 1, families


def test_the_page_says_it_is_loading_until_the_models_are_ready(browser, tmp_path, embedder, monkeypatch):
    from ui.server import serve

    config = Config(index_dir=tmp_path / "index")
    index_paths(config.index_spec, [write_articles(tmp_path / "articles")], embedder=embedder)
    release = hold_pipeline_open(monkeypatch)
    port = _free_port()
    app = serve(config, port=port, block=False, log=lambda _: None)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("#question textarea, #question input")
        assert "Loading the models" in page.inner_text("#status")  # served before the models are in
        box = page.get_by_label("Question")
        box.fill("Who won the Lindholm Chess Open?")
        box.press("Enter")
        release.set()
        page.wait_for_selector("#answer .qa-text", timeout=60_000)  # the waiting question is answered
        assert page.inner_text("#answer .qa-text") == "Mara Quint"
        page.wait_for_function("!document.body.innerText.includes('Loading the models')", timeout=60_000)
    finally:
        release.set()
        page.close()
        app.close()


@pytest.fixture(scope="module")
def bundled_url(tmp_path_factory, embedder):
    """A server over the bundled articles, whose question set offers example questions."""
    _require_browser()
    from qa.config import BUNDLED_ARTICLES
    from ui.server import serve

    config = Config(index_dir=tmp_path_factory.mktemp("bundled-index"))
    index_paths(config.index_spec, [BUNDLED_ARTICLES], embedder=embedder)
    port = _free_port()
    app = serve(config, port=port, block=False, log=lambda _: None)
    yield f"http://127.0.0.1:{port}/"
    app.close()


def test_clicking_an_example_asks_it_and_no_answer_to_another_question_stays(browser, bundled_url):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(bundled_url)
        page.wait_for_selector("#examples label", timeout=60_000)
        ask(page, "Which province is Qingdao in?")
        shown = "document.querySelector('#answer .qa-answer, #answer .qa-none')"
        before = page.evaluate(f"{shown}.innerText")
        chip = page.locator("#examples label").first
        text = chip.inner_text().strip()
        assert text and not text.endswith(("…", "...")), text  # shown whole
        # a link to click, not a form's choice: no radio button in sight
        assert "underline" in chip.evaluate("l => getComputedStyle(l).textDecorationLine")
        assert chip.locator("input[type=radio]").evaluate("r => getComputedStyle(r).opacity") == "0"
        chip.click()  # asks at once: its answer replaces the last one
        page.wait_for_function("([t]) => document.querySelector('#question textarea, #question input').value === t",
                               arg=[text], timeout=30_000)
        page.wait_for_function(f"([before]) => {shown} && {shown}.innerText !== before", arg=[before], timeout=60_000)
    finally:
        page.close()


def test_added_files_leave_the_box_so_a_second_add_adds_nothing(page, tmp_path):
    article = tmp_path / "bakery.txt"
    article.write_text("Bakery opens\nA new bakery opened on Mill Street on Saturday.", encoding="utf-8")
    upload(page, [article])
    page.wait_for_function("document.querySelector('#added').innerText.includes('Indexed')", timeout=60_000)
    assert "1 added" in added_text(page) and "1 chunk embedded" in added_text(page)
    assert "bakery.txt" not in page.inner_text("#upload")
    page.locator("#add").click()
    page.wait_for_function("document.querySelector('#added').innerText.includes('Choose one or more files')",
                           timeout=30_000)
    rows = page.inner_text("#articles")
    assert rows.count("Bakery opens") == 1


def test_the_plots_box_appears_only_with_results(page):
    page.get_by_role("tab", name="Evaluation").click()
    page.wait_for_selector("#run-evaluation")
    assert not page.locator("#plots").is_visible()


def test_picking_an_article_fills_its_details_and_save_changes_only_what_was_edited(page):
    page.get_by_role("tab", name="Articles").click()
    page.wait_for_function("document.querySelector('#articles').innerText.includes('orchard')")
    page.locator("#articles [role=gridcell]").filter(has_text="Apple harvest up in the valley").first.click()  # a row picks it
    title = page.locator("#new-title textarea, #new-title input").first
    page.wait_for_function("document.querySelector('#new-title textarea, #new-title input').value"
                           " === 'Apple harvest up in the valley'")
    title.fill("Esk valley growers pick a record crop")
    page.locator("#set-title").click()
    page.wait_for_function("document.querySelector('#edited').innerText.includes('is now titled')", timeout=60_000)
    page.wait_for_function("document.querySelector('#articles').innerText.includes('Esk valley growers pick')")
    assert title.input_value() == ""  # the fields clear once saved
    choose(page, "chess")  # another article: its own title, not the one typed before
    page.wait_for_function("document.querySelector('#new-title textarea, #new-title input').value"
                           " === 'Young player wins city chess open'")
    page.locator("#set-title").click()
    page.wait_for_function("document.querySelector('#edited').innerText.includes('Nothing to save')", timeout=60_000)
    assert "Young player wins city chess open" in page.inner_text("#articles")
    assert page.inner_text("#articles").count("Esk valley growers pick a record crop") == 1


def test_the_embedding_progress_advances_while_a_large_article_is_indexed(page, tmp_path):
    import re

    article = tmp_path / "survey.txt"
    article.write_text("Survey results\n" + " ".join(
        f"Station {n} logged {n % 89} readings on day {n % 365} of the survey." for n in range(3000)), encoding="utf-8")
    upload(page, [article])
    seen = set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and "Indexed" not in added_text(page):
        found = re.search(r"(\d+)/(\d+) chunk", added_text(page))  # "96/204 chunk | 1.5s | embedding - 47.1%"
        if found:
            seen.add((int(found.group(1)), int(found.group(2))))
        time.sleep(0.05)
    assert any(0 < done < total for done, total in seen), seen  # it moved on its way, not from 0 to done


def test_a_question_that_waits_shows_where_it_stands_in_the_queue(browser, tmp_path, embedder, monkeypatch):
    from qa.service import QAService
    from ui.server import serve

    real_ask = QAService.ask
    # The first question holds the only slot until the second has been seen waiting, and the
    # second is asked only once the first has the slot: on a loaded machine a fixed delay
    # raced the two pages' typing, and two questions sent together may arrive in either order.
    entered, release = threading.Event(), threading.Event()

    def slow_ask(self, *args, **kwargs):
        entered.set()
        release.wait(60)
        return real_ask(self, *args, **kwargs)

    monkeypatch.setattr(QAService, "ask", slow_ask)
    config = Config(index_dir=tmp_path / "index")
    index_paths(config.index_spec, [write_articles(tmp_path / "articles")], embedder=embedder)
    port = _free_port()
    app = serve(config, port=port, block=False, log=lambda _: None, questions_in_flight=1)
    pages = [browser.new_page(viewport={"width": 1200, "height": 900}) for _ in range(2)]
    try:
        for page in pages:
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#question textarea, #question input")
            page.wait_for_function("!document.body.innerText.includes('Loading the models')", timeout=60_000)
        for page in pages:
            box = page.get_by_label("Question")
            box.fill("Who won the Lindholm Chess Open?")
            box.press("Enter")
            assert entered.wait(60)  # the first question holds the slot before the second is asked
        pages[1].wait_for_function("document.querySelector('#answer').innerText.includes('queue: 1/1')",
                                   timeout=30_000)
        release.set()
        pages[1].wait_for_selector("#answer .qa-text", timeout=60_000)  # and it is answered in turn
    finally:
        release.set()
        for page in pages:
            page.close()
        app.close()


def test_a_source_filter_in_settings_narrows_the_search_and_says_so(page, tmp_path):
    article = tmp_path / "ferry-news.html"
    article.write_text("<html><head><title>Ferry timetable</title><meta property='og:site_name' content='Harbour Post'>"
                       "<meta name='date' content='2024-02-02'></head><body><p>The harbour ferry timetable changes "
                       "in March.</p></body></html>", encoding="utf-8")
    upload(page, [article])
    page.wait_for_function("document.querySelector('#added').innerText.includes('Indexed')", timeout=60_000)
    page.locator("#settings").get_by_text("Settings").click()
    page.locator("#source textarea").fill("harbour post")
    search(page, "harbour")
    hits = page.inner_text("#hits")
    assert "Only articles from harbour post: 1 of " in hits
    assert page.locator("#hits .qa-hit").count() == 1 and "2024-02-02 · Harbour Post" in hits
    page.locator("#since textarea").fill("2025-01-01")
    page.get_by_label("Find passages").press("Enter")
    page.wait_for_function("document.querySelector('#hits').innerText.includes('dated from 2025-01-01')")
    hits = page.inner_text("#hits")  # kept nothing: says what dates and sources there are
    assert ": 0 of " in hits and "have a date (2024-02-02 to 2024-02-02)" in hits and "Harbour Post (1)" in hits
    page.reload()
    page.locator("#settings").get_by_text("Settings").click()
    page.wait_for_function("document.querySelector('#filter-facts').innerText.includes('have a date')",
                           timeout=60_000)
    assert "Harbour Post (1)" in page.inner_text("#filter-facts")


def test_the_api_docs_page_renders_every_operation(browser, app_url):
    page = browser.new_page()
    page.goto(app_url[0] + "api/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    shown = page.inner_text("body")
    assert "Unable to render" not in shown and "does not specify a valid version" not in shown
    paths = {page.locator(".opblock-summary-path").nth(n).inner_text().strip()
             for n in range(page.locator(".opblock-summary-path").count())}
    assert {"/api/v1/ask", "/api/v1/search", "/api/v1/articles", "/api/v1/articles/{doc_id}",
            "/api/v1/health"} <= {p.replace("\u200b", "") for p in paths}
    assert page.locator(".btn.authorize").count() == 1  # the basic and bearer schemes can be filled in
    page.close()


def test_a_shared_link_opens_the_page_and_asks_its_question(browser, app_url):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(app_url[0] + "?q=Who+won+the+Lindholm+Chess+Open%3F")
    page.wait_for_selector("#answer .qa-text", timeout=120_000)
    assert page.inner_text("#answer .qa-text") == "Mara Quint"
    link = page.locator("#answer .qa-share-link").get_attribute("href")
    assert link.startswith("?q=Who+won+the+Lindholm+Chess+Open")
    page.goto(app_url[0] + "?tab=search&q=apples&until=2000-01-01")  # a search, with a filter that keeps nothing
    page.wait_for_function("document.querySelector('#hits') && document.querySelector('#hits').innerText.length > 0",
                           timeout=120_000)
    assert page.locator("#query textarea, #query input").first.input_value() == "apples"
    page.get_by_text("Settings for Ask and Search").click()
    assert page.locator("#until textarea, #until input").first.input_value() == "2000-01-01"
    assert "dated up to 2000-01-01" in page.inner_text("#hits")
    page.goto(app_url[0] + "?tab=search&q=apples")
    page.wait_for_function("document.querySelector('#hits') && document.querySelector('#hits').innerText"
                           ".includes('Apple harvest')", timeout=120_000)
    page.close()


def test_the_footer_points_at_the_http_api_docs(page):
    link = page.locator("#footer a").first
    assert link.get_attribute("href") == "/api/docs" and "HTTP API" in link.inner_text()
    assert page.get_by_text("Use via API").count() == 0  # Gradio's own panel, which does not know /api/v1
    assert page.locator("#footer").get_by_text("Log out").count() == 0  # no login on this server


SELECT_WORDS = """([words]) => {
  const place = (box, offset) => {  // the text node and offset at a character offset of box's text
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (offset <= node.textContent.length) return [node, offset];
      offset -= node.textContent.length;
    }
  };
  for (const box of document.querySelectorAll('#citations [data-doc]')) {
    const at = box.textContent.indexOf(words);
    if (at < 0 || box.offsetParent === null) continue;
    const range = document.createRange();
    range.setStart(...place(box, at));
    range.setEnd(...place(box, at + words.length));
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    return true;
  }
  return false;
}"""


def _ask_and_wait(page, question: str) -> None:
    ask(page, question)  # the answer shown is this question's, not the one before
    page.wait_for_function("([q]) => document.querySelector('#answer .qa-asked')?.dataset.question === q",
                           arg=[question], timeout=60_000)


def _mark(page, button: str, says: str) -> None:
    page.locator(f"#{button}").click()
    page.wait_for_function("([s]) => document.querySelector('#marked').innerText.includes(s)", arg=[says],
                           timeout=30_000)


def test_answers_marked_right_corrected_and_not_in_the_articles_are_scored_from_the_page(page):
    _ask_and_wait(page, "Who won the Lindholm Chess Open?")
    best = page.inner_text("#answer .qa-text")
    _mark(page, "mark-right", "Saved to this collection's questions")
    assert best in page.inner_text("#marked")
    _ask_and_wait(page, "Which firm designed the Portvale harbour bridge?")
    page.locator("#citations details.qa-article summary").first.click()  # the whole article
    assert page.evaluate(SELECT_WORDS, ["Halvorsen Partners"])  # the right words, selected in it
    _mark(page, "mark-selection", "“Halvorsen Partners” in harbour")
    _ask_and_wait(page, "What is the capital of the Moon?")
    _mark(page, "mark-none", "the articles do not answer it")
    _ask_and_wait(page, "Who opened the bridge?")
    page.locator("#mark-selection").click()  # nothing selected: said, nothing saved
    page.wait_for_function("document.querySelector('#marked .qa-error')", timeout=30_000)
    page.get_by_role("tab", name="Evaluation").click()
    page.locator("#question-set input").click()
    page.get_by_role("option", name="this collection's own questions (marked Right or Wrong in Ask)").click()
    page.locator("#run-evaluation").click()
    page.wait_for_selector("#report table", timeout=120_000)
    report = page.inner_text("#report")
    for question in ("Who won the Lindholm Chess Open?", "Which firm designed the Portvale harbour bridge?",
                     "What is the capital of the Moon?"):
        assert question in report
    assert "Who opened the bridge?" not in report and "No baseline yet" in report
    page.locator("#save-baseline").click()
    page.wait_for_function("document.querySelector('#report').innerText.includes('Saved as the baseline')",
                           timeout=120_000)
    assert "Since the baseline: 0 better, 0 worse (no regression)" in page.inner_text("#report")
