"""`python -m qa serve` as a process: what it cleans up when it starts, and how it stops."""
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pytest

from index.indexer import index_paths
from qa.config import Config

from ..conftest import write_articles

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
NO_SUCH_PID = 4_194_399  # above Linux's largest pid


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sigterm_stops_the_server_with_an_event_stream_open_and_stale_uploads_go_at_start(tmp_path, embedder):
    config = Config(index_dir=tmp_path / "index")
    index_paths(config.index_spec, [write_articles(tmp_path / "articles")], embedder=embedder)
    stale = Path(tempfile.gettempdir()) / f"qa-api-upload-{NO_SUCH_PID}-left"
    (stale / "0").mkdir(parents=True, exist_ok=True)
    (stale / "0" / "half.txt").write_text("half an upload")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", str(port), "--index-dir",
                               str(config.index_dir)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server never became ready"
            time.sleep(0.3)
        assert not stale.exists()

        def listen():
            try:
                with httpx.stream("GET", f"{url}/gradio_api/heartbeat/held-open", timeout=60) as stream:
                    for _ in stream.iter_bytes():
                        pass
            except httpx.HTTPError:
                pass

        threading.Thread(target=listen, daemon=True).start()
        time.sleep(1.0)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)  # it stayed up for over 25 s with the stream open
    finally:
        if server.poll() is None:
            server.kill()
    output = server.stdout.read().decode()
    assert f"qa-api-upload-{NO_SUCH_PID}-left" in output
