"""POST /api/v1/ask and /api/v1/search: the JSON of `ask --json` and `search --json`."""
from __future__ import annotations

from fastapi import APIRouter, Depends

from qa import schema
from qa.service import QAService

from .common import API_PREFIX, ERRORS, caller, ready


def answers_router(service: QAService) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, tags=["answers"], responses=ERRORS,
                       dependencies=[ready(service), Depends(caller)])

    # exclude_unset: "corrected_question" is absent when nothing was corrected, as in ask --json.
    @router.post("/ask", response_model=schema.AskResult, response_model_exclude_unset=True,
                 summary="Answer a question, with citations (as ask --json)")
    def ask(body: schema.AskBody):
        return schema.AskResult.of(service.ask(body.question, top_k=body.top_k, retrieval=body.retrieval,
                                               reader=body.reader, since=body.since, until=body.until,
                                               source=body.source, correct=body.correct))

    @router.post("/search", response_model=schema.SearchResult,
                 summary="The best passages for a query (as search --json)")
    def search(body: schema.SearchBody):
        return schema.SearchResult.of(body.query, service.search(body.query, top_k=body.top_k,
                                                                 retrieval=body.retrieval, since=body.since,
                                                                 until=body.until, source=body.source))

    return router
