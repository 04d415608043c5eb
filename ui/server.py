"""`python -m qa serve`: one server for the page (Gradio, at /) and the JSON API (/api),
over one QAService, with the same login, security headers and upload limit on both."""
from __future__ import annotations

import os
import threading
import time

from index.errors import UserError
from qa.config import Config
from qa.service import QAService

AUTH_ENV = "QA_AUTH"  # "user:password": the page's login, and HTTP basic for the API
TOKEN_ENV = "QA_API_TOKEN"  # a bearer token that services may send to the API instead
QUESTIONS_IN_FLIGHT = 16

# Gradio's page sets its config in an inline script, compiles code at run time (it does not
# render without 'unsafe-eval') and styles inline, so those stay allowed; everything else is
# this server only: no outside scripts, fonts or connections, no framing by other sites
# (clickjacking), no plugins.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


class SecurityHeaders:
    """ASGI middleware that adds SECURITY_HEADERS to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in names]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)



def auth_from_env() -> tuple[str, str] | None:
    value = os.environ.get(AUTH_ENV)
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise UserError(f"{AUTH_ENV} must look like user:password")
    return user, password


def upload_limit_bytes(text: str) -> int:
    """'20mb', '500kb', '1gb' or a number of bytes."""
    value = text.strip().lower()
    for suffix, factor in (("gb", 10**9), ("mb", 10**6), ("kb", 10**3), ("b", 1)):
        if value.endswith(suffix):
            value, scale = value[: -len(suffix)].strip(), factor
            break
    else:
        scale = 1
    try:
        size = int(float(value) * scale)
    except ValueError:
        size = 0
    if size <= 0:
        raise UserError(f"--max-upload must be a size such as 20mb or 500kb, got '{text}'")
    return size


class RunningServer:
    """A server started with block=False: close() stops it."""

    def __init__(self, server, thread: threading.Thread, app):
        self.server, self.thread, self.app = server, thread, app

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def serve(config: Config, host: str = "127.0.0.1", port: int = 7860, max_upload: str = "20mb",
          block: bool = True, log=print, questions_in_flight: int = QUESTIONS_IN_FLIGHT) -> RunningServer | None:
    """Start the page and the API over the configured index (built from the bundled articles
    on first use). The models load in the background once the server is up, so the first
    page is served at once and says it is loading; API calls meanwhile get 503."""
    import gradio as gr
    import uvicorn
    from starlette.middleware import Middleware

    from . import html as render
    from .api import Credentials, build_api
    from .app import build_app, theme

    basic = auth_from_env()
    limit = upload_limit_bytes(max_upload)
    service = QAService(config, log=log, background=True, start=False)
    page = build_app(service)
    # Many questions are taken at once: their retrieval runs side by side, and the reader
    # reads the windows of all that arrive together in one pass (qa/readers/batching.py), so
    # more in flight means fuller passes, not more threads on the model. Uploads are indexed
    # one at a time (a second waits in the queue) while questions go on against the index.
    # A question beyond that waits in the queue, and its page shows where it stands.
    page.queue(default_concurrency_limit=questions_in_flight)
    app = build_api(service, Credentials(basic, os.environ.get(TOKEN_ENV) or None), limit)
    app.user_middleware.insert(0, Middleware(SecurityHeaders))
    app = gr.mount_gradio_app(app, page, path="/", auth=basic, max_file_size=limit, css=render.STYLE,
                              theme=theme(), footer_links=["api"], server_name=host, server_port=port)

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))

    def load_once_up() -> None:  # loading beside the server's own start-up would slow both
        while not server.started and not server.should_exit:
            time.sleep(0.05)
        if server.started:
            service.start_loading()

    threading.Thread(target=load_once_up, name="qa-load-when-up", daemon=True).start()
    if block:
        server.run()
        return None
    thread = threading.Thread(target=server.run, name="qa-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise UserError(f"the server could not start on {host}:{port}")
    return RunningServer(server, thread, app)
