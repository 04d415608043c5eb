"""The one door every request to `qa serve` passes, the page's routes and Gradio's and the
JSON API's alike: the Host header must name this server, a state-changing request from a
browser must come from this server's own pages, credentials are checked before any body is
read (with repeated failures from one client slowed down), and bodies are capped."""
from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import HTTPException
from fastapi.security import HTTPBasic, HTTPBearer
from starlette.requests import HTTPConnection

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
JSON_BODY_LIMIT = 1_000_000
FILES_PER_REQUEST = 10  # an upload request's body is capped at this many files of the largest size
# What a browser needs to show the login form and send it; everything else needs credentials.
LOGIN_PATHS = {"/", "/login", "/login/", "/logout", "/favicon.ico", "/theme.css", "/robots.txt", "/manifest.json"}
LOGIN_PREFIXES = ("/assets/", "/static/", "/svelte/")
FAILURES_ALLOWED = 5  # wrong credentials from one client within FAILURE_WINDOW_S before it must wait
FAILURE_WINDOW_S = 60.0
USER_KEY = "qa_user"  # in the request's state: the user the door let in (None: no login needed)
# auto_error off: the door answers a request without credentials itself, in its own words.
BASIC_SCHEME = HTTPBasic(auto_error=False, description="the page's user name and password")
BEARER_SCHEME = HTTPBearer(auto_error=False, description="the server's API token (QA_API_TOKEN)")


@dataclass(frozen=True)
class Credentials:
    """Who may come in: the login `basic` (user, password), and a `token` that services send
    as a bearer token (or, from a browser, as the password with any user name). Both None:
    anyone."""

    basic: tuple[str, str] | None = None
    token: str | None = None

    @property
    def required(self) -> bool:
        return self.basic is not None or self.token is not None

    def password_ok(self, user: str, password: str) -> bool:
        """The login form's check (Gradio's `auth`)."""
        ok = False
        if self.basic is not None:
            ok = _same(user, self.basic[0]) & _same(password, self.basic[1])
        if self.token is not None:
            ok |= _same(password, self.token)
        return ok

    async def user_of(self, connection: HTTPConnection) -> str | None:
        """The user a request's Authorization header names, if its credentials are right
        (read by FastAPI's HTTP basic and bearer schemes); else None."""
        try:
            basic = await BASIC_SCHEME(connection)
        except HTTPException:  # not base64, or no colon
            return None
        if basic is not None:
            return basic.username if self.password_ok(basic.username, basic.password) else None
        bearer = await BEARER_SCHEME(connection)
        return "token" if bearer and self.token and _same(bearer.credentials, self.token) else None


def _same(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


class Throttle:
    """Failed logins per client: after FAILURES_ALLOWED within FAILURE_WINDOW_S, the client
    waits until the oldest of them is that old."""

    def __init__(self, allowed: int = FAILURES_ALLOWED, window_s: float = FAILURE_WINDOW_S):
        self.allowed, self.window_s = allowed, window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, client: str) -> float:
        """Seconds this client must wait before trying again (0: it may try now)."""
        with self._lock:
            times = self._recent(client)
            return 0.0 if len(times) < self.allowed else times[0] + self.window_s - time.monotonic()

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures[client] = self._recent(client)
            self._failures[client].append(time.monotonic())

    def _recent(self, client: str) -> deque[float]:
        """The client's failures within the window; a client with none is forgotten."""
        times = self._failures.pop(client, deque())
        while times and time.monotonic() - times[0] > self.window_s:
            times.popleft()
        if times:
            self._failures[client] = times
        return times


def allowed_hosts(bound: str, extra: str | None) -> set[str]:
    """The Host names this server answers to: `extra` (comma-separated; "*" for any), or by
    default the address it is bound to, localhost and the loopback addresses."""
    if extra:
        return {h.strip().lower().strip("[]") for h in extra.split(",") if h.strip()}
    return {bound.lower().strip("[]"), "localhost", "127.0.0.1", "::1"}


def _host_name(host: str) -> str:
    """'example.org:7860' -> 'example.org', '[::1]:7860' -> '::1'."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class BodyTooLarge(Exception):
    pass


class Door:
    """ASGI middleware for every route. `sessions()` gives Gradio's (cookie id, {session
    token: user}) once the page is mounted, so a browser logged in through the page's form
    passes too, and a request with good header credentials is let into Gradio's routes as
    that session. `upload_limit`: the largest file (a multipart body may hold FILES_PER_REQUEST
    of them); other bodies are capped at JSON_BODY_LIMIT."""

    def __init__(self, app, credentials: Credentials, hosts: set[str], upload_limit: int,
                 sessions: Callable[[], tuple[str, dict]] = lambda: ("", {}), throttle: Throttle | None = None):
        self.app, self.credentials, self.hosts = app, credentials, hosts
        self.upload_limit = upload_limit
        self.sessions = sessions
        self.throttle = throttle or Throttle()
        self._header_session = secrets.token_urlsafe(24)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = scope.get("method", "GET")
        host = headers.get("host", "")
        if "*" not in self.hosts and _host_name(host) not in self.hosts:
            return await _refuse(scope, send, 400, "this server does not answer to the host name "
                                 f"'{_host_name(host)[:100]}'; the operator can allow it with --allowed-hosts")
        if method in UNSAFE_METHODS and not self._same_origin(headers, host):
            return await _refuse(scope, send, 403, "this request came from another site's page; changes are "
                                 "taken only from this server's own pages or from clients that send no Origin")
        client = (scope.get("client") or ("unknown", 0))[0]
        if self.credentials.required:
            wait = self.throttle.wait_s(client)
            if wait > 0:
                return await _refuse(scope, send, 429, f"too many failed logins from this address; try again "
                                     f"in {wait:.0f} seconds", {"retry-after": str(max(1, round(wait)))})
            if "authorization" in headers:
                user = await self.credentials.user_of(HTTPConnection(scope))
                if user is None:
                    self.throttle.failed(client)
                    return await _refuse(scope, send, 401, self._login_needed(wrong=True), _challenge())
                scope = self._as_session(scope, user)
            else:
                user = self._session_user(headers)
                if user is None and not self._open_path(scope["path"]):
                    return await _refuse(scope, send, 401, self._login_needed(wrong=False), _challenge())
            # The routes learn who is calling from here only (a login the door checked).
            scope = {**scope, "state": {**scope.get("state", {}), USER_KEY: user}}
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        return await self._capped(scope, receive, send, headers, client)

    async def _capped(self, scope, receive, send, headers, client):
        """The request with its body capped, and a failed login form counted."""
        multipart = headers.get("content-type", "").startswith("multipart/")
        limit = self.upload_limit * FILES_PER_REQUEST + JSON_BODY_LIMIT if multipart else JSON_BODY_LIMIT
        too_large = f"the request body is larger than this server takes ({limit / 1e6:g} MB)"
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return await _refuse(scope, send, 413, too_large)
        received = 0
        started = False

        async def counted():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge
            return message

        async def watched(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if scope["path"].rstrip("/") == "/login" and scope.get("method") == "POST" and \
                        message["status"] >= 400:
                    self.throttle.failed(client)
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _refuse(scope, send, 413, too_large)

    def _same_origin(self, headers: dict[str, str], host: str) -> bool:
        if headers.get("sec-fetch-site") == "cross-site":
            return False
        origin = headers.get("origin")
        if origin is None:
            return True  # not a browser page's request (curl, a service, gradio_client)
        return urlsplit(origin).netloc.lower() == host.strip().lower() if origin != "null" else False

    def _session_user(self, headers: dict[str, str]) -> str | None:
        """The user logged in through the page's form whose session cookie this is, if any."""
        cookie_id, tokens = self.sessions()
        if not cookie_id:
            return None
        cookies = _cookies(headers.get("cookie", ""))
        return next((tokens[token] for name in ("access-token", "access-token-unsecure")
                     if (token := cookies.get(f"{name}-{cookie_id}")) in tokens), None)

    def _as_session(self, scope, user: str):
        """The request as a session of `user` for Gradio's own login check."""
        cookie_id, tokens = self.sessions()
        if not cookie_id:
            return scope
        tokens[self._header_session] = user
        cookie = f"access-token-unsecure-{cookie_id}={self._header_session}".encode()
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"cookie"] + [(b"cookie", cookie)]
        return {**scope, "headers": headers}

    @staticmethod
    def _open_path(path: str) -> bool:
        return path in LOGIN_PATHS or path.startswith(LOGIN_PREFIXES)

    def _login_needed(self, wrong: bool) -> str:
        how = "HTTP basic with the page's user and password" + (" or a bearer token" if self.credentials.token else "")
        return ("these credentials are wrong; this server takes " if wrong else
                "this server needs credentials: ") + how


def _challenge() -> dict[str, str]:
    return {"www-authenticate": 'Basic realm="newsroom-qa"'}


def _cookies(header: str) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in header.split(";"))
    return {name: value for name, _, value in pairs if name}


async def _refuse(scope, send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"error": message[:1].upper() + message[1:]}).encode()
    extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *extra]})
    await send({"type": "http.response.body", "body": body})
