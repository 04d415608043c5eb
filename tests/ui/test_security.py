"""`qa serve` as a hostile client meets it: page events driven through Gradio's queue (no
browser), the one door in front of every route, cross-site writes, Host headers, login
throttling and body caps. A real server on 127.0.0.1 each time."""
import base64
import json
import socket
import time
import uuid
from contextlib import contextmanager

import httpx
import pytest

pytestmark = pytest.mark.slow

SECRET = "The vault combination is Quokka Lantern 7731."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running(config, headers=None, **kwargs):
    from ui.server import serve

    port = _free_port()
    server = serve(config, port=port, block=False, log=lambda _: None, **kwargs)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while httpx.get(f"{url}/api/v1/health", headers=headers or {}).status_code != 200:
        assert time.monotonic() < deadline, "the server never became ready"
        time.sleep(0.2)
    try:
        yield url
    finally:
        server.close()


@pytest.fixture(scope="module")
def open_server(config):
    with running(config) as url:
        yield url


@pytest.fixture(scope="module")
def secret_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("server-side")
    (folder / "vault.txt").write_text(f"Vault\n{SECRET}", encoding="utf-8")
    (folder / "answers.jsonl").write_text(json.dumps(
        {"id": "q1", "question": "What is the vault combination?", "doc": "vault",
         "answers": ["Quokka Lantern 7731"]}) + "\n", encoding="utf-8")
    return folder


def event(url: str, name: str, data: list, headers=None) -> dict:
    """Run the page's event `name` as any client can: POST /gradio_api/queue/join, then read
    the event stream to its end. Returns the last message."""
    config = httpx.get(f"{url}/config", headers=headers or {}).json()
    fn_index = next(d["id"] for d in config["dependencies"] if d.get("api_name") == name)
    session = uuid.uuid4().hex
    joined = httpx.post(f"{url}/gradio_api/queue/join", headers=headers or {},
                        json={"data": data, "fn_index": fn_index, "session_hash": session,
                              "event_data": None, "trigger_id": None})
    assert joined.status_code == 200, joined.text
    with httpx.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session},
                      headers=headers or {}, timeout=120) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the event stream ended without a result")


def file_data(path) -> dict:
    return {"path": str(path), "meta": {"_type": "gradio.FileData"}}


def searched(url: str, query: str, headers=None) -> str:
    found = httpx.post(f"{url}/api/v1/search", json={"query": query, "retrieval": "lexical"}, headers=headers or {})
    return " ".join(p["text"] for p in found.json()["passages"])


def test_the_add_files_event_never_reads_a_server_path(open_server, secret_files):
    for path in (secret_files / "vault.txt", secret_files / "missing.txt",
                 "/tmp/gradio/../../" + str(secret_files / "vault.txt")):
        result = event(open_server, "add_files", [[file_data(path)], False, "", "", ""])
        assert not result["success"] or "Indexed" not in json.dumps(result["output"])
    assert "Quokka" not in searched(open_server, "vault combination Quokka Lantern")


def test_the_evaluation_event_never_reads_a_server_question_file(open_server, secret_files):
    result = event(open_server, "show_evaluation", ["", file_data(secret_files / "answers.jsonl")])
    shown = json.dumps(result.get("output"))
    assert "vault combination" not in shown and "Quokka" not in shown


def test_a_file_really_uploaded_to_the_page_is_added(open_server):
    text = b"Lighthouse keeper retires\nKeeper Oona Farrell retired after 41 years at the Skerry light."
    uploaded = httpx.post(f"{open_server}/gradio_api/upload", files=[("files", ("lighthouse.txt", text))]).json()
    result = event(open_server, "add_files", [[file_data(uploaded[0])], False, "", "", ""])
    assert result["success"] and "1 added" in result["output"]["data"][0]
    assert "Oona Farrell" in searched(open_server, "Oona Farrell keeper")


def test_a_cross_site_write_is_refused_and_plants_nothing(open_server):
    planted = [("files", ("planted.txt", b"Planted\nThe mayor resigned in disgrace on Friday.", "text/plain"))]
    refused = httpx.post(f"{open_server}/api/v1/articles", files=planted, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403 and "another site" in refused.json()["error"]
    also = httpx.post(f"{open_server}/api/v1/ask", json={"question": "Who resigned?"},
                      headers={"Sec-Fetch-Site": "cross-site"})
    assert also.status_code == 403
    ids = {a["id"] for a in httpx.get(f"{open_server}/api/v1/articles").json()["articles"]}
    assert "planted" not in ids
    own = httpx.post(f"{open_server}/api/v1/search", json={"query": "chess"}, headers={"Origin": open_server})
    assert own.status_code == 200


def test_a_host_header_not_allowed_is_refused(open_server):
    for path in ("/", "/api/v1/health", "/config"):
        refused = httpx.get(f"{open_server}{path}", headers={"Host": "evil.example"})
        assert refused.status_code == 400 and "evil.example" in refused.json()["error"]
    assert httpx.get(f"{open_server}/api/v1/health", headers={"Host": "localhost"}).status_code == 200


def test_json_bodies_are_capped_and_bad_json_is_an_error_sentence(open_server):
    big = httpx.post(f"{open_server}/api/v1/ask", content=b'{"question": "' + b"a" * 2_000_000 + b'"}',
                     headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and "larger" in big.json()["error"]
    deep = httpx.post(f"{open_server}/api/v1/ask", content=b"[" * 100_000 + b"]" * 100_000,
                      headers={"Content-Type": "application/json"})
    assert deep.status_code == 400 and set(deep.json()) == {"error"}


def test_text_that_is_not_unicode_is_a_400_sentence(open_server):
    for route, body in (("ask", b'{"question": "Who won \\ud800?"}'), ("search", b'{"query": "chess \\udfff"}'),
                        ("search", b'{"query": "chess", "source": "x\\udfff"}')):
        answer = httpx.post(f"{open_server}/api/v1/{route}", content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400 and "not valid text" in answer.json()["error"]


@pytest.fixture(scope="module")
def token_server(config):
    with running(config, headers={"Authorization": "Bearer service-token"}, api_token="service-token") as url:
        yield url


def test_one_door_a_token_alone_protects_the_page_and_gradio_routes_too(token_server):
    for method, path in (("GET", "/config"), ("GET", "/gradio_api/info"), ("POST", "/gradio_api/upload"),
                         ("POST", "/gradio_api/queue/join"), ("GET", "/api/docs"), ("GET", "/api/openapi.json"),
                         ("GET", "/api/v1/health"), ("GET", "/gradio_api/file=/etc/hostname")):
        assert httpx.request(method, f"{token_server}{path}").status_code == 401, path
    login_page = httpx.get(f"{token_server}/").text
    assert "show_answer" not in login_page and "add_files" not in login_page
    bearer = {"Authorization": "Bearer service-token"}
    assert httpx.get(f"{token_server}/api/docs", headers=bearer).status_code == 200
    result = event(token_server, "show_passages", ["harbour bridge", 3, "hybrid", "", "", ""], headers=bearer)
    assert result["success"] and "Portvale" in result["output"]["data"][0]


def test_the_login_form_takes_the_token_as_password_and_its_session_opens_the_api(token_server):
    with httpx.Client(base_url=token_server) as browser:
        assert browser.post("/login", data={"username": "desk", "password": "wrong"}).status_code >= 400
        assert browser.post("/login", data={"username": "desk", "password": "service-token"}).status_code == 200
        assert browser.get("/config").status_code == 200
        assert browser.get("/api/v1/articles").status_code == 200
        browser.get("/logout")  # the page's footer links here
        assert browser.get("/api/v1/articles").status_code == 401


def test_credentials_are_checked_before_the_body_is_read(token_server):
    host, port = token_server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"POST /api/v1/articles HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; "
                     f"boundary=x\r\nContent-Length: 100000000\r\n\r\n".encode())
        reply = sock.recv(4096).decode()  # no body sent: a server reading it first would wait
    assert reply.startswith("HTTP/1.1 401")


def test_repeated_wrong_credentials_are_slowed_down_per_client(config, monkeypatch):
    config = config.with_overrides(auth="editor:s3cret")
    good = {"Authorization": "Basic " + base64.b64encode(b"editor:s3cret").decode()}
    wrong = {"Authorization": "Basic " + base64.b64encode(b"editor:guess").decode()}
    with running(config, headers=good) as url:
        codes = [httpx.get(f"{url}/api/v1/health", headers=wrong).status_code for _ in range(8)]
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
        held = httpx.get(f"{url}/api/v1/health", headers=good)
        assert held.status_code == 429 and int(held.headers["retry-after"]) > 0
        assert httpx.post(f"{url}/login", data={"username": "editor", "password": "s3cret"}).status_code == 429


def test_long_names_odd_ids_and_a_pdf_bomb_through_the_api_are_sentences_not_500s(open_server):
    from ..index.test_hostile_files import cmap_bomb_pdf

    long_name = "n" * 300 + ".txt"
    added = httpx.post(f"{open_server}/api/v1/articles",
                       files=[("files", (long_name, b"Long\nA file with a very long name.", "text/plain"))])
    assert added.status_code == 200 and len(added.json()["added"][0]) <= 100
    wire = b'{"id": "a/b", "text": "Slash story about the mill."}\n{"id": "../../etc", "text": "Dots story."}\n'
    added = httpx.post(f"{open_server}/api/v1/articles", files=[("files", ("wire.jsonl", wire, "application/json"))])
    assert added.status_code == 200 and sorted(added.json()["added"]) == ["-..-etc", "a-b"]
    for doc_id in added.json()["added"]:
        assert httpx.delete(f"{open_server}/api/v1/articles/{doc_id}").status_code == 200
    mixed = httpx.post(f"{open_server}/api/v1/articles", files=[
        ("files", ("bomb.pdf", cmap_bomb_pdf(), "application/pdf")),
        ("files", ("kiln.txt", b"Kiln\nThe pottery kiln in Arnsdal was relit on Tuesday.", "text/plain"))])
    assert mixed.status_code == 200 and mixed.json()["added"] == ["kiln"]
    assert any("bomb.pdf" in note for note in mixed.json()["notes"])
