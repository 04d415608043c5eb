"""The JSON API through a real server on 127.0.0.1 and an HTTP client: every endpoint, every
error status, credentials on and off, and an upload that a question then finds."""
import base64
import socket
import time

import httpx
import pytest

from qa.pipeline import QAPipeline
from qa.schema import result_json, search_json

from ..conftest import hold_pipeline_open

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(config, wait_ready=True, headers=None, **kwargs):
    from ui.server import serve

    port = _free_port()
    server = serve(config, port=port, block=False, log=lambda _: None, **kwargs)
    url = f"http://127.0.0.1:{port}"
    if wait_ready:
        deadline = time.monotonic() + 120
        while httpx.get(f"{url}/api/v1/health", headers=headers or {}).status_code != 200:
            assert time.monotonic() < deadline, "the server never became ready"
            time.sleep(0.2)
    return server, url


@pytest.fixture(scope="module")
def api(config):
    server, url = _start(config, max_upload="20kb")
    yield url
    server.close()


def test_health_says_ready_with_what_is_loaded(api):
    body = httpx.get(f"{api}/api/v1/health").json()
    assert body["status"] == "ready" and body["generation"].startswith("gen-")
    assert body["reader"] == "models/reader" and body["embedder"].startswith("all-MiniLM-L6-v2")


def test_ask_and_search_return_exactly_the_command_lines_json(api, config, embedder):
    question = "How many players did Mara Quint beat?"
    remote = httpx.post(f"{api}/api/v1/ask", json={"question": question, "top_k": 2}).json()
    local = result_json(QAPipeline.open(config, embedder=embedder).ask(question, top_k=2))
    assert set(remote) == set(local) == {"question", "answers", "passages", "timings_ms"}
    assert remote["answers"] == local["answers"] and remote["passages"] == local["passages"]
    found = httpx.post(f"{api}/api/v1/search", json={"query": "apple harvest", "retrieval": "lexical"}).json()
    pipeline = QAPipeline.open(config.with_overrides(retrieval="lexical"), embedder=embedder, with_reader=False)
    assert found == search_json("apple harvest", pipeline.search("apple harvest"))


def test_a_misspelt_question_says_what_was_answered_and_correct_false_asks_it_as_typed(api):
    question = "How many players did Mara Qiunt beat?"
    corrected = httpx.post(f"{api}/api/v1/ask", json={"question": question}).json()
    assert corrected["corrected_question"] == "How many players did Mara Quint beat?"
    assert corrected["corrections"] == [{"from": "Qiunt", "to": "Quint"}]
    as_typed = httpx.post(f"{api}/api/v1/ask", json={"question": question, "correct": False}).json()
    assert "corrected_question" not in as_typed and "corrections" not in as_typed
    refused = httpx.post(f"{api}/api/v1/ask", json={"question": question, "correct": "maybe"})
    assert refused.status_code in (400, 422) and "error" in refused.json()


def test_the_articles_are_listed(api):
    articles = httpx.get(f"{api}/api/v1/articles").json()["articles"]
    assert {a["id"] for a in articles} >= {"chess", "harbour", "orchard"}
    assert all(a["chunks"] >= 1 and a["characters"] > 0 and a["title"] for a in articles)


def test_an_upload_is_found_by_the_next_question_and_a_same_name_one_gets_a_new_id(api):
    text = b"Ferry returns\nThe Ostrava ferry returned to service under captain Hanna Berg on Monday."
    added = httpx.post(f"{api}/api/v1/articles", files=[("files", ("ferry.txt", text, "text/plain"))])
    assert added.status_code == 200 and added.json()["added"] == ["ferry"]
    answer = httpx.post(f"{api}/api/v1/ask", json={"question": "Who is the captain of the Ostrava ferry?"}).json()
    assert answer["answers"][0]["doc_id"] == "ferry" and answer["answers"][0]["text"] == "Hanna Berg"
    again = httpx.post(f"{api}/api/v1/articles", files=[("files", ("ferry.txt", b"Ferry\nFares rise.", "text/plain"))])
    assert again.json()["added"] == ["ferry-2"] and "already indexed" in again.json()["notes"][0]
    replaced = httpx.post(f"{api}/api/v1/articles", data={"replace": "true"},
                          files=[("files", ("ferry-2.txt", b"Ferry two\nFares rise by a tenth.", "text/plain"))])
    assert replaced.json()["updated"] == ["ferry-2"]
    deleted = httpx.delete(f"{api}/api/v1/articles/ferry-2")
    assert deleted.status_code == 200 and deleted.json()["deleted"] == "ferry-2"
    assert "ferry-2" not in {a["id"] for a in httpx.get(f"{api}/api/v1/articles").json()["articles"]}


@pytest.mark.parametrize("path, body, status, says", [
    ("ask", {"question": "   "}, 400, "The question is empty"),
    ("ask", {}, 400, "question: field required"),
    ("ask", {"question": "Who?", "top_k": 99}, 400, "from 1 to 50"),
    ("ask", {"question": "Who?", "retrieval": "semantic"}, 400, "retrieval: Input should be 'hybrid', 'dense' or 'lexical'"),
    ("ask", {"question": "Who?", "reader": "/etc"}, 400, "not offered"),
    ("search", {"query": "x" * 1001}, 400, "the limit is 1,000"),
    ("search", {"query": "chess", "since": "soon"}, 400, "'soon' is not a date"),
])
def test_bad_input_is_400_with_one_sentence(api, path, body, status, says):
    response = httpx.post(f"{api}/api/v1/{path}", json=body)
    assert response.status_code == status and list(response.json()) == ["error"]
    assert says.lower() in response.json()["error"].lower() and "Traceback" not in response.text


def test_a_body_that_is_not_json_is_400(api):
    response = httpx.post(f"{api}/api/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json() == {"error": "Bad request: the body is not valid JSON"}


def test_unknown_things_are_404(api):
    assert httpx.delete(f"{api}/api/v1/articles/nope").json() == {"error": "No indexed article has the id 'nope'"}
    assert httpx.delete(f"{api}/api/v1/articles/nope").status_code == 404
    assert httpx.get(f"{api}/api/v1/nothing-here").status_code == 404
    assert "/api/docs" in httpx.get(f"{api}/api/v1/nothing-here").json()["error"]


def test_a_file_over_the_limit_is_413_and_nothing_is_added(api):
    big = b"Big\n" + b"The council met again. " * 2000  # about 46 kB against a 20 kB limit
    response = httpx.post(f"{api}/api/v1/articles", files=[("files", ("big.txt", big, "text/plain"))])
    assert response.status_code == 413 and "big.txt is larger than the upload limit" in response.json()["error"]
    assert "big" not in {a["id"] for a in httpx.get(f"{api}/api/v1/articles").json()["articles"]}


def test_an_unreadable_upload_is_400_naming_the_file(api):
    response = httpx.post(f"{api}/api/v1/articles", files=[("files", ("scan.pdf", b"%PDF-1.4 nothing", "application/pdf"))])
    error = response.json()["error"]
    assert response.status_code == 400 and error.startswith("None of these files holds readable articles")
    assert "scan.pdf" in error and "/tmp" not in error


def test_the_schema_and_its_docs_page_are_served_from_here(api):
    schema = httpx.get(f"{api}/api/openapi.json").json()
    assert {"/api/v1/ask", "/api/v1/search", "/api/v1/articles", "/api/v1/articles/{doc_id}",
            "/api/v1/health"} <= set(schema["paths"])
    docs = httpx.get(f"{api}/api/docs")
    assert docs.status_code == 200 and "/api/docs-assets/swagger-ui-bundle.js" in docs.text
    assert httpx.get(f"{api}/api/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_api_responses_carry_the_security_headers(api):
    headers = httpx.get(f"{api}/api/v1/health").headers
    assert "default-src 'self'" in headers["content-security-policy"] and headers["x-frame-options"] == "DENY"


def test_credentials_are_required_when_the_page_has_a_login(config, monkeypatch):
    basic = "Basic " + base64.b64encode(b"editor:s3cret").decode()
    server, url = _start(config, headers={"Authorization": basic}, auth="editor:s3cret", api_token="service-token")
    try:
        refused = httpx.post(f"{url}/api/v1/search", json={"query": "chess"})
        assert refused.status_code == 401 and "credentials" in refused.json()["error"]
        assert refused.headers["www-authenticate"].startswith("Basic")
        wrong = "Basic " + base64.b64encode(b"editor:guess").decode()
        refused_wrong = httpx.post(f"{url}/api/v1/search", json={"query": "chess"}, headers={"Authorization": wrong})
        assert refused_wrong.status_code == 401 and refused_wrong.json()["error"].startswith("These credentials are wrong")
        assert refused.json()["error"].startswith("This server needs credentials")
        for authorization in (basic, "Bearer service-token"):
            ok = httpx.post(f"{url}/api/v1/search", json={"query": "chess"}, headers={"Authorization": authorization})
            assert ok.status_code == 200 and ok.json()["passages"]
        assert httpx.get(f"{url}/api/v1/health", headers={"Authorization": "Bearer nope"}).status_code == 401
    finally:
        server.close()


def test_while_the_models_load_calls_get_503_and_health_says_loading(config, monkeypatch):
    release = hold_pipeline_open(monkeypatch)
    server, url = _start(config, wait_ready=False)
    try:
        health = httpx.get(f"{url}/api/v1/health")
        assert health.status_code == 503 and health.json() == {"status": "loading"}
        busy = httpx.post(f"{url}/api/v1/ask", json={"question": "Who won the chess open?"})
        assert busy.status_code == 503 and "still loading" in busy.json()["error"]
        assert busy.headers["retry-after"] == "5"
    finally:
        release.set()
        server.close()


def test_filters_narrow_ask_and_search_and_uploads_can_set_date_and_source(api):
    text = b"Regatta\nThe Lindholm regatta was won by the crew of the Swift on Sunday."
    added = httpx.post(f"{api}/api/v1/articles", data={"date": "2024-06-02", "source": "Lindholm Courier",
                                                      "title": "Swift wins the regatta"},
                       files=[("files", ("regatta.txt", text, "text/plain"))])
    assert added.status_code == 200 and added.json()["added"] == ["regatta"]
    listed = {a["id"]: a for a in httpx.get(f"{api}/api/v1/articles").json()["articles"]}
    assert (listed["regatta"]["date"], listed["regatta"]["source"], listed["regatta"]["title"]) == (
        "2024-06-02", "Lindholm Courier", "Swift wins the regatta")
    found = httpx.post(f"{api}/api/v1/search", json={"query": "Lindholm", "source": "lindholm courier"}).json()
    assert [p["doc_id"] for p in found["passages"]] == ["regatta"] and found["passages"][0]["date"] == "2024-06-02"
    answer = httpx.post(f"{api}/api/v1/ask", json={"question": "Who won?", "since": "2024-01-01"}).json()
    assert {p["doc_id"] for p in answer["passages"]} == {"regatta"}
    assert httpx.post(f"{api}/api/v1/articles", data={"date": "someday"},
                      files=[("files", ("x.txt", b"X\nText.", "text/plain"))]).status_code == 400


def test_a_method_an_endpoint_does_not_take_is_405_with_allow(api):
    wrong = httpx.get(f"{api}/api/v1/ask")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
    assert "takes POST" in wrong.json()["error"]
    put = httpx.put(f"{api}/api/v1/articles", json={})
    assert put.status_code == 405 and set(put.headers["allow"].split(", ")) == {"GET", "POST"}


def test_an_unknown_field_is_400_naming_it(api):
    response = httpx.post(f"{api}/api/v1/ask", json={"question": "Who won?", "topk": 3})
    assert response.status_code == 400 and "topk (did you mean top_k?)" in response.json()["error"]
    patch = httpx.patch(f"{api}/api/v1/articles/chess", json={"headline": "x"})
    assert patch.status_code == 400 and "unknown field headline" in patch.json()["error"]


def test_a_body_sent_without_a_json_content_type_is_told_what_is_expected(api):
    response = httpx.post(f"{api}/api/v1/ask", content=b'{"question": "Who won?"}',
                          headers={"content-type": "text/plain"})
    assert response.status_code == 400 and "Content-Type: application/json" in response.json()["error"]


def test_one_article_is_read_and_corrected_and_its_url_is_returned(api):
    record = ('{"id": "quay", "title": "Quay reopens", "text": "The old quay in Portvale reopened on Friday after '
              'repairs.", "url": "https://example.org/news/quay", "source": "Portvale Post"}\n')
    added = httpx.post(f"{api}/api/v1/articles", files=[("files", ("quay.jsonl", record.encode(), "text/plain"))])
    assert added.status_code == 200 and added.json()["added"] == ["quay"]
    article = httpx.get(f"{api}/api/v1/articles/quay").json()
    assert article["text"].startswith("The old quay") and article["url"] == "https://example.org/news/quay"
    found = httpx.post(f"{api}/api/v1/search", json={"query": "old quay Portvale", "retrieval": "lexical"}).json()
    assert found["passages"][0]["doc_id"] == "quay" and found["passages"][0]["url"] == "https://example.org/news/quay"
    edited = httpx.patch(f"{api}/api/v1/articles/quay", json={"title": "Quay open again", "date": "2024-05-03"})
    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["date"], edited.json()["source"]) == (
        "Quay open again", "2024-05-03", "Portvale Post")  # what was not sent stays as it was
    assert httpx.get(f"{api}/api/v1/articles/quay").json()["title"] == "Quay open again"
    bad = httpx.patch(f"{api}/api/v1/articles/quay", json={"date": "2024-13-45"})
    assert bad.status_code == 400 and "not a date" in bad.json()["error"]
    assert httpx.patch(f"{api}/api/v1/articles/nope", json={"title": "x"}).status_code == 404
    assert httpx.get(f"{api}/api/v1/articles/nope").status_code == 404
    assert httpx.get(f"{api}/api/v1/articles/quay").json()["date"] == "2024-05-03"  # a refused change changed nothing


def test_an_uploaded_news_page_keeps_its_article_and_not_the_page_around_it(api):
    from tests.index.test_loaders import NEWS_PAGE

    added = httpx.post(f"{api}/api/v1/articles", files=[("files", ("bridge.html", NEWS_PAGE.encode(), "text/html"))])
    assert added.status_code == 200 and added.json()["added"] == ["bridge"]
    article = httpx.get(f"{api}/api/v1/articles/bridge").json()
    assert "third time this year" in article["text"]
    assert "Home" not in article["text"] and "Typical" not in article["text"]
    found = httpx.post(f"{api}/api/v1/search", json={"query": "old bridge flood", "retrieval": "lexical"}).json()
    passage = next(p for p in found["passages"] if p["doc_id"] == "bridge")
    assert article["text"][passage["start"]:passage["end"]] == passage["text"]


def test_the_schema_names_the_ways_to_log_in(api):
    schemes = httpx.get(f"{api}/api/openapi.json").json()["components"]["securitySchemes"]
    assert {scheme["scheme"] for scheme in schemes.values()} == {"basic", "bearer"}


def test_questions_are_marked_listed_and_removed_through_the_api(api):
    asked = httpx.post(f"{api}/api/v1/ask", json={"question": "Who won the Lindholm Chess Open?"}).json()
    best = asked["answers"][0]
    right = httpx.post(f"{api}/api/v1/questions", json={
        "question": asked["question"], "doc_id": best["doc_id"], "shown_right": True,
        "answer": {"text": best["text"], "start": best["start"], "end": best["end"]}})
    assert right.status_code == 200 and right.json()["marked"] == "right"
    harbour = httpx.get(f"{api}/api/v1/articles/harbour").json()["text"]
    start = harbour.index("1.8 kilometres")
    corrected = httpx.post(f"{api}/api/v1/questions", json={
        "question": "How long is the Portvale harbour bridge?", "doc_id": "harbour",
        "answer": {"text": "1.8 kilometres", "start": start, "end": start + 14}})
    assert corrected.status_code == 200 and corrected.json()["answers"] == ["1.8 kilometres"]
    none = httpx.post(f"{api}/api/v1/questions", json={"question": "What is the capital of the Moon?"})
    assert none.status_code == 200 and none.json()["answers"] == [] and none.json()["marked"] == "not_in_articles"
    again = httpx.post(f"{api}/api/v1/questions", json={"question": "what is the capital of the moon?"})
    assert again.json()["id"] == none.json()["id"]  # asked again: replaces its record
    listed = httpx.get(f"{api}/api/v1/questions").json()
    assert len(listed["questions"]) == 3 and {q["status"] for q in listed["questions"]} == {"ok", "no answer"}
    # what a client sends is checked against the article
    for body, status, says in [
        ({"question": "Q?", "doc_id": "harbour", "answer": {"text": "420 million", "start": start, "end": start + 14}},
         400, "does not hold"),
        ({"question": "Q?", "doc_id": "harbour", "answer": {"text": "x", "start": 5, "end": 10**6}}, 400, "do not lie"),
        ({"question": "Q?", "doc_id": "nope", "answer": {"text": "x", "start": 0, "end": 1}}, 404, "No indexed article"),
        ({"question": "Q?", "doc_id": "harbour"}, 400, "together"),
        ({"question": "Q?", "answr": None}, 400, "unknown field answr"),
        ({"question": "Why? " * 400}, 400, "the limit is"),
    ]:
        response = httpx.post(f"{api}/api/v1/questions", json=body)
        assert response.status_code == status and says in response.json()["error"], (body, response.text)
    assert len(httpx.get(f"{api}/api/v1/questions").json()["questions"]) == 3  # a refused mark saved nothing
    assert httpx.delete(f"{api}/api/v1/questions/{none.json()['id']}").status_code == 200
    assert httpx.delete(f"{api}/api/v1/questions/{none.json()['id']}").status_code == 404
    assert len(httpx.get(f"{api}/api/v1/questions").json()["questions"]) == 2
