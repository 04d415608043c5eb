"""/api/v1/articles: list, read, add, correct and delete the indexed articles."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile

from index.errors import EmptyCollectionError
from qa import schema
from qa.service import ArticleInfo, QAService

from ..errors import sentence
from .common import API_PREFIX, ERRORS, ApiError, caller, ready

UPLOAD_CHUNK = 1 << 20
MAX_NAME_BYTES = 200
UPLOAD_PREFIX = "qa-api-upload-"  # + the server's pid: a folder of a server no longer running is stale
NOT_FOUND = {404: {"model": schema.Error}}


def articles_router(service: QAService, max_upload_bytes: int) -> APIRouter:
    router = APIRouter(prefix=f"{API_PREFIX}/articles", tags=["articles"], responses=ERRORS,
                       dependencies=[ready(service), Depends(caller)])

    @router.get("", response_model=schema.Articles, summary="The indexed articles, newest first (undated last)")
    def articles():
        return schema.Articles(articles=[_article(a) for a in service.articles()])

    @router.get("/{doc_id}", response_model=schema.ArticleText, responses=NOT_FOUND,
                summary="One article: its title, date, source, address and whole text")
    def article(doc_id: str):
        return schema.ArticleText(**_article(service.article(doc_id)).model_dump(), text=service.document_text(doc_id))

    @router.post("", response_model=schema.Upload, responses={413: {"model": schema.Error}},
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
                raise ApiError(400, sentence(f"{exc}: {'; '.join(notes)}" if notes else str(exc))) from None
        return schema.Upload(added=report.added, updated=report.changed, notes=notes, articles=report.documents)

    @router.patch("/{doc_id}", response_model=schema.Article, responses=NOT_FOUND,
                  summary="Correct an article's title, date or source (its text stays as it is)")
    def edit_article(doc_id: str, body: schema.ArticleEdit):
        service.edit_article(doc_id, body.title, body.date, body.source)
        return _article(service.article(doc_id))

    @router.delete("/{doc_id}", response_model=schema.Deleted, responses=NOT_FOUND,
                   summary="Delete one article from the index")
    def delete_article(doc_id: str):
        report = service.remove_articles([doc_id])
        return schema.Deleted(deleted=doc_id, articles=report.documents)

    return router


def _article(info: ArticleInfo) -> schema.Article:
    return schema.Article(id=info.doc_id, title=info.title, chunks=info.chunks, characters=info.characters,
                          date=info.date, source=info.source, url=info.url)


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
