"""`python -m qa serve`: one server for the page (Gradio, at /) and the JSON API (/api),
over one QAService, with the same login, security headers and upload limit on both."""
from __future__ import annotations

import threading
import time

from index.errors import UserError
from qa.config import Config
from qa.service import QAService

from .door import Credentials, Door, allowed_hosts

QUESTIONS_IN_FLIGHT = 16
SHUTDOWN_GRACE_S = 3  # open event streams and page connections are cut after this on SIGTERM

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



def credentials_of(config: Config) -> Credentials:
    token = config.api_token.get_secret_value() if config.api_token is not None else None
    return Credentials(config.credentials, token)


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


def serve(config: Config, port: int | None = None, block: bool = True, log=print,
          questions_in_flight: int = QUESTIONS_IN_FLIGHT, **settings) -> RunningServer | None:
    """Start the page and the API over the configured index (config.host, .port, .max_upload,
    .allowed_hosts, .auth, .api_token; `port` and `settings` override the configuration). The
    models load in the background once the server is up, so the first page is served at once
    and says it is loading; API calls meanwhile get 503."""
    import gradio as gr
    import uvicorn
    from starlette.middleware import Middleware
    from starlette.routing import Mount

    from . import html as render
    from .api import build_api, remove_stale_uploads
    from .app import build_app, theme

    config = config.with_overrides(**settings)
    host, port = config.host, port or config.port
    credentials = credentials_of(config)
    limit = upload_limit_bytes(config.max_upload)
    remove_stale_uploads(log)
    service = QAService(config, log=log, background=True, start=False)
    page = build_app(service)
    # Many questions are taken at once: their retrieval runs side by side, and the reader
    # reads the windows of all that arrive together in one pass (qa/readers/batching.py), so
    # more in flight means fuller passes, not more threads on the model. Uploads are indexed
    # one at a time (a second waits in the queue) while questions go on against the index.
    # A question beyond that waits in the queue, and its page shows where it stands.
    page.queue(default_concurrency_limit=questions_in_flight)
    app = build_api(service, limit)
    mounted = {}

    def sessions():
        gradio_app = mounted.get("page")
        return (gradio_app.cookie_id, gradio_app.tokens) if gradio_app is not None else ("", {})

    app.user_middleware.insert(0, Middleware(Door, credentials=credentials, hosts=allowed_hosts(host, config.allowed_hosts),
                                             upload_limit=limit, sessions=sessions))
    app.user_middleware.insert(0, Middleware(SecurityHeaders))
    app = gr.mount_gradio_app(app, page, path="/", auth=credentials.password_ok if credentials.required else None,
                              max_file_size=limit, css=render.STYLE, theme=theme(), footer_links=[],
                              server_name=host, server_port=port)
    # Gradio accepts a page event's files only from its own upload folder once the page counts
    # as launched, which a mounted page never does by itself: without this a client could name
    # any file on the server (ui/app.py checks the same again before reading one).
    page.has_launched = True
    mounted["page"] = next(r.app for r in app.routes if isinstance(r, Mount) and r.app.__class__.__name__ == "App")

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on",
                                            timeout_graceful_shutdown=SHUTDOWN_GRACE_S))

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
