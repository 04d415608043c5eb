"""The plain JSON API beside the page (`/api/v1/...`), for tools that call the app: the same
service, reader and batching as the page, the JSON shapes of qa/schema.py (as `ask --json`
and `search --json`), an OpenAPI schema at /api/openapi.json and its docs at /api/docs.
One router per feature: answers (ask, search), articles, health. Errors are
{"error": "<one sentence>"} with their status: 400 bad input, 401 without credentials, 403
a change from another site's page, 404 no such article or endpoint, 405 a method the
endpoint does not take (with Allow), 413 a file or body over its limit, 429 after repeated
wrong credentials, 503 while the models load, 507 a disk too full for the index; never a
traceback. Credentials, Host, Origin and body sizes are checked by the door in front of
every route (ui/door.py)."""
from __future__ import annotations

import difflib

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount  # the page is a Mount at /, and matches any path

from index.errors import NoSpaceError, UserError
from qa import schema
from qa.service import LoadFailedError, QAService, StillLoadingError, UnknownArticleError, UnknownQuestionError

from ..door import BodyTooLarge
from ..errors import said, sentence
from .answers import answers_router
from .articles import articles_router, remove_stale_uploads
from .common import ApiError
from .docs import DOCS_URL, SCHEMA_URL, add_docs
from .health import health_router
from .questions import questions_router

__all__ = ["ApiError", "build_api", "remove_stale_uploads"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
BODY_FIELDS = sorted({name for model in (schema.AskBody, schema.SearchBody, schema.ArticleEdit, schema.MarkBody)
                      for name in model.model_fields})


def build_api(service: QAService, max_upload_bytes: int = 20_000_000) -> FastAPI:
    """A FastAPI app with the /api/v1 routes; the page is mounted beside it (ui/server.py),
    and both sit behind one door (ui/door.py) that checks credentials."""
    app = FastAPI(title="Newsroom QA", version="1", openapi_url=SCHEMA_URL, docs_url=None, redoc_url=None,
                  description="Ask questions about the indexed news articles and get cited answers; search, "
                              "list, read, add, correct and delete articles.")

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError):
        headers = {"Retry-After": "5"} if exc.status == 503 else exc.headers
        return JSONResponse({"error": str(exc)}, status_code=exc.status, headers=headers)

    @app.exception_handler(UserError)
    async def user_error(_: Request, exc: UserError):
        status = 503 if isinstance(exc, (StillLoadingError, LoadFailedError)) else \
            404 if isinstance(exc, (UnknownArticleError, UnknownQuestionError)) else \
            507 if isinstance(exc, NoSpaceError) else 400
        return JSONResponse({"error": said(exc, "The request", service.log)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": _validation_sentence(exc.errors(), request)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        # Starlette's own refusals (a body it cannot parse, such as JSON nested too deep)
        message = exc.detail if isinstance(exc.detail, str) else "the request could not be read"
        return JSONResponse({"error": sentence(message)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def fault(_: Request, exc: Exception):
        if isinstance(exc, BodyTooLarge):
            return JSONResponse({"error": "The request body is larger than this server takes"}, status_code=413)
        return JSONResponse({"error": said(exc, "The server", service.log)}, status_code=500)

    app.include_router(answers_router(service))
    app.include_router(articles_router(service, max_upload_bytes))
    app.include_router(questions_router(service))
    app.include_router(health_router(service))
    add_docs(app)

    @app.api_route("/api/{rest:path}", methods=METHODS, include_in_schema=False)
    def unknown(rest: str, request: Request):
        api_routes = [route for route in app.routes
                      if not isinstance(route, Mount) and getattr(route, "endpoint", None) is not unknown]
        allowed = [method for method in METHODS
                   if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in api_routes)]
        if allowed:
            raise ApiError(405, f"{request.method} is not taken by /api/{rest}; it takes {', '.join(allowed)}",
                           headers={"Allow": ", ".join(allowed)})
        raise ApiError(404, f"there is no API endpoint /api/{rest}; the endpoints are listed at {DOCS_URL}")

    return app


def _validation_sentence(errors, request: Request) -> str:
    """FastAPI's list of validation problems as one sentence naming the fields."""
    kinds = {error.get("type") for error in errors}
    if "json_invalid" in kinds:
        return "Bad request: the body is not valid JSON"
    if kinds & {"model_attributes_type", "dict_type"} and "json" not in request.headers.get("content-type", ""):
        return "Bad request: send the body as a JSON object, with the header Content-Type: application/json"
    unknown = [str(error["loc"][-1]) for error in errors if error.get("type") == "extra_forbidden"]
    if unknown:
        hints = [f"{name} (did you mean {close[0]}?)" if (close := difflib.get_close_matches(name, BODY_FIELDS, 1))
                 else name for name in unknown[:3]]
        return f"Bad request: unknown field{'s' if len(unknown) > 1 else ''} {', '.join(hints)}; the fields are " \
               f"listed at {DOCS_URL}"
    parts = []
    for error in errors[:3]:
        field = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{field or 'the request'}: {error.get('msg', 'invalid').lower()}")
    return "Bad request: " + "; ".join(parts)
