"""GET /api/v1/health: ready, or loading, with what is loaded."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from index.stores import store_kind
from qa import schema
from qa.config import REPO_ROOT
from qa.service import QAService

from ..errors import sentence
from .common import API_PREFIX, caller


def health_router(service: QAService) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, tags=["health"], dependencies=[Depends(caller)])

    @router.get("/health", response_model=schema.Health, response_model_exclude_none=True,
                responses={503: {"model": schema.Health}}, summary="ready, or loading (503), with what is loaded")
    def health():
        status = service.status
        if status != "ready":
            body = {"status": "loading"} if status == "loading" else {"status": "failed", "error": sentence(status)}
            return JSONResponse(body, status_code=503)
        pipeline, config = service.pipeline, service.config
        return schema.Health(status="ready", generation=pipeline.store.generation,
                             reader=_shown(config.qa_model if config.reader == "auto" else config.reader),
                             embedder=f"{pipeline.embedder.name} ({pipeline.embedder.backend})",
                             store=store_kind(config.store), articles=len(pipeline.store.documents))

    return router


def _shown(model: str | None) -> str:
    """A model folder as the repository names it (models/reader), else its last part."""
    path = Path(model or "")
    return str(path.relative_to(REPO_ROOT)) if path.is_absolute() and path.is_relative_to(REPO_ROOT) else path.name
