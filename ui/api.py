"""The plain JSON API beside the page (`/api/v1/...`), for tools that call the app: the same
service, reader and batching as the page, the JSON of `ask --json` and `search --json`, an
OpenAPI schema at /api/openapi.json and its docs at /api/docs (Swagger UI served from this
server). Errors are {"error": "<one sentence>"} with their status: 400 bad input, 401
without credentials, 403 a change from another site's page, 404 no such article, 413 a
file or body over its limit, 429 after repeated wrong credentials, 503 while the models
load, 507 a disk too full for the index; never a traceback. Credentials, Host, Origin and
body sizes are checked by the door in front of every route (ui/door.py)."""
import os
import shutil
import tempfile
import traceback
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.errors import EmptyCollectionError, NoSpaceError, UserError
from index.stores import store_kind
from qa.config import REPO_ROOT
from qa.render import result_json, search_json
from qa.service import LoadFailedError, QAService, StillLoadingError, UnknownArticleError

from . import api_models as models
from .door import BodyTooLarge

API_PREFIX = "/api/v1"
SWAGGER_ASSETS = "/api/docs-assets"
UPLOAD_CHUNK = 1 << 20
MAX_NAME_BYTES = 200
UPLOAD_PREFIX = "qa-api-upload-"  # + the server's pid: a folder of a server no longer running is stale


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def build_api(service: QAService, max_upload_bytes: int = 20_000_000):
    """A FastAPI app with the /api/v1 routes; the page is mounted beside it (ui/server.py),
    and both sit behind one door (ui/door.py) that checks credentials."""
    app = FastAPI(title="Newsroom QA", version="1", openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
                  description="Ask questions about the indexed news articles and get cited answers; search, "
                              "list, add and delete articles.")

    def ready() -> None:
        """The models loaded: an API caller is told at once to come back (the page instead
        waits, and answers once they are in)."""
        if service.status == "loading":
            raise ApiError(503, "the app is still loading its models and index; try again in a few seconds")

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError):
        headers = {"WWW-Authenticate": 'Basic realm="newsroom-qa"'} if exc.status == 401 else \
            {"Retry-After": "5"} if exc.status == 503 else None
        return JSONResponse({"error": str(exc)}, status_code=exc.status, headers=headers)

    @app.exception_handler(UserError)
    async def user_error(_: Request, exc: UserError):
        status = 503 if isinstance(exc, (StillLoadingError, LoadFailedError)) else \
            404 if isinstance(exc, UnknownArticleError) else 507 if isinstance(exc, NoSpaceError) else 400
        service.log(f"refused an API call: {exc}")
        return JSONResponse({"error": _sentence(str(exc))}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(_: Request, exc: RequestValidationError):
        return JSONResponse({"error": _validation_sentence(exc.errors())}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException):
        # Starlette's own refusals (a body it cannot parse, such as JSON nested too deep)
        message = exc.detail if isinstance(exc.detail, str) else "the request could not be read"
        return JSONResponse({"error": _sentence(message)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def fault(_: Request, exc: Exception):
        if isinstance(exc, BodyTooLarge):
            return JSONResponse({"error": "The request body is larger than this server takes"}, status_code=413)
        service.log("".join(traceback.format_exception(exc)).rstrip())
        return JSONResponse({"error": f"the server failed unexpectedly ({type(exc).__name__}); the server log has "
                                      "the details"}, status_code=500)

    errors = {status: {"model": models.Error} for status in (400, 401, 503)}

    # exclude_unset: "corrected_question" is absent when nothing was corrected, as in ask --json.
    @app.post(f"{API_PREFIX}/ask", response_model=models.AskResult, responses=errors,
              response_model_exclude_unset=True, dependencies=[Depends(ready)],
              summary="Answer a question, with citations (as ask --json)")
    def ask(body: models.AskBody):
        return result_json(service.ask(body.question, top_k=body.top_k, retrieval=body.retrieval, reader=body.reader,
                                       since=body.since, until=body.until, source=body.source, correct=body.correct))

    @app.post(f"{API_PREFIX}/search", response_model=models.SearchResult, responses=errors,
              dependencies=[Depends(ready)], summary="The best passages for a query (as search --json)")
    def search(body: models.SearchBody):
        return search_json(body.query, service.search(body.query, top_k=body.top_k, retrieval=body.retrieval,
                                                      since=body.since, until=body.until, source=body.source))

    @app.get(f"{API_PREFIX}/articles", response_model=models.Articles, responses=errors,
             dependencies=[Depends(ready)], summary="The indexed articles, newest first (undated last)")
    def articles():
        return {"articles": [{"id": a.doc_id, "title": a.title, "chunks": a.chunks, "characters": a.characters,
                              "date": a.date, "source": a.source} for a in service.articles()]}

    @app.post(f"{API_PREFIX}/articles", response_model=models.Upload, dependencies=[Depends(ready)],
              responses={**errors, 413: {"model": models.Error}},
              summary="Add articles (.txt .md .html .htm .pdf .jsonl); a name already indexed gets a new id "
                      "unless replace is true")
    def add_articles(files: Annotated[list[UploadFile], File(description="one or more article files")],
                     replace: Annotated[bool, Form(description="replace indexed articles with the same name")] = False,
                     title: Annotated[str | None, Form(description="title of the one article added (else the file's)")] = None,
                     date: Annotated[str | None, Form(description="date of the articles added, YYYY-MM-DD")] = None,
                     source: Annotated[str | None, Form(description="source of the articles added")] = None):
        notes: list[str] = []
        with tempfile.TemporaryDirectory(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-") as folder:
            paths = [_saved(upload, Path(folder), n, max_upload_bytes) for n, upload in enumerate(files)]
            try:
                report = service.add_articles(paths, log=notes.append, replace_existing=replace, title=title, date=date,
                                              source=source)
            except EmptyCollectionError as exc:  # say which files, and why each was skipped
                raise ApiError(400, _sentence(f"{exc}: {'; '.join(notes)}" if notes else str(exc))) from None
        return {"added": report.added, "updated": report.changed, "notes": notes, "articles": report.documents}

    @app.delete(f"{API_PREFIX}/articles/{{doc_id}}", response_model=models.Deleted, dependencies=[Depends(ready)],
                responses={**errors, 404: {"model": models.Error}}, summary="Delete one article from the index")
    def delete_article(doc_id: str):
        report = service.remove_articles([doc_id])
        return {"deleted": doc_id, "articles": report.documents}

    @app.get(f"{API_PREFIX}/health", response_model=models.Health, response_model_exclude_none=True,
             responses={503: {"model": models.Health}}, summary="ready, or loading (503), with what is loaded")
    def health():
        status = service.status
        if status != "ready":
            body = {"status": "loading"} if status == "loading" else {"status": "failed", "error": _sentence(status)}
            return JSONResponse(body, status_code=503)
        pipeline = service.pipeline
        return {"status": "ready", "generation": pipeline.store.generation,
                "reader": _shown(service.config.qa_model if service.config.reader == "auto" else service.config.reader),
                "embedder": f"{pipeline.embedder.name} ({pipeline.embedder.backend})",
                "store": store_kind(service.config.store),
                "articles": len(pipeline.store.documents)}

    assets = _swagger_assets()
    if assets is not None:
        app.mount(SWAGGER_ASSETS, StaticFiles(directory=assets), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    def docs():
        if assets is None:
            return JSONResponse({"error": "the docs page needs the swagger-ui-bundle package; the schema is at "
                                          "/api/openapi.json"}, status_code=404)
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="Newsroom QA API",
                                   swagger_js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{SWAGGER_ASSETS}/favicon-32x32.png")

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def unknown(rest: str):
        raise ApiError(404, f"there is no API endpoint /api/{rest}; the endpoints are listed at /api/docs")

    return app


def _saved(upload, folder: Path, number: int, limit: int) -> Path:
    """The upload written under its own file name (which becomes the article id), or ApiError
    413 past `limit` bytes. Each file gets a folder of its own, so names never collide."""
    name = Path(upload.filename or "").name.strip()
    if not name or name.startswith("."):
        raise ApiError(400, "each uploaded file needs a file name, such as report.txt")
    if len(name.encode()) > MAX_NAME_BYTES:  # a file system takes 255 bytes; the id is cut shorter anyway
        suffix = Path(name).suffix
        if len(suffix) > 10:
            raise ApiError(400, f"{name[:40]}… is not a supported file type (.txt .md .html .htm .pdf .jsonl)")
        name = Path(name).stem.encode()[:MAX_NAME_BYTES - len(suffix.encode())].decode(errors="ignore") + suffix
    target = folder / str(number) / name
    target.parent.mkdir()
    size = 0
    with open(target, "wb") as out:
        while chunk := upload.file.read(UPLOAD_CHUNK):
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"{name} is larger than the upload limit of {limit / 1e6:g} MB")
            out.write(chunk)
    return target


def remove_stale_uploads(log=lambda _: None) -> None:
    """Remove the upload folders that servers killed mid-upload left in the temp folder."""
    for folder in Path(tempfile.gettempdir()).glob(f"{UPLOAD_PREFIX}*"):
        pid = folder.name[len(UPLOAD_PREFIX):].split("-", 1)[0]
        if folder.is_dir() and not folder.is_symlink() and not (pid.isdigit() and _running(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)
            log(f"removed {folder}, left by a server stopped mid-upload")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swagger_assets() -> str | None:
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return str(swagger_ui_path)


def _shown(model: str | None) -> str:
    """A model folder as the repository names it (models/reader), else its last part."""
    path = Path(model or "")
    return str(path.relative_to(REPO_ROOT)) if path.is_absolute() and path.is_relative_to(REPO_ROOT) else path.name


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _validation_sentence(errors) -> str:
    """FastAPI's list of validation problems as one sentence naming the fields."""
    if any(error.get("type") == "json_invalid" for error in errors):
        return "Bad request: the body is not valid JSON"
    parts = []
    for error in errors[:3]:
        field = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{field or 'the request'}: {error.get('msg', 'invalid').lower()}")
    return "Bad request: " + "; ".join(parts)
