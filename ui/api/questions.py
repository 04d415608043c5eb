"""/api/v1/questions: the collection's own question set, marked in use (the page's Right and
Wrong buttons go through the same QAService.mark)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from qa import schema
from qa.question_set import Checked
from qa.service import QAService

from .common import API_PREFIX, ERRORS, ApiError, caller, ready

NOT_FOUND = {404: {"model": schema.Error}}


def questions_router(service: QAService) -> APIRouter:
    router = APIRouter(prefix=f"{API_PREFIX}/questions", tags=["questions"], responses=ERRORS,
                       dependencies=[ready(service)])

    @router.post("", response_model=schema.MarkedQuestion, responses=NOT_FOUND,
                 summary="Mark a question: save it with its right answer (or none) to the collection's question "
                         "set, replacing an earlier record of the same question")
    def mark(body: schema.MarkBody, user: Annotated[str | None, Depends(caller)]):
        return _shown(save_mark(service, body, user))

    @router.get("", response_model=schema.MarkedQuestions,
                summary="The collection's marked questions, each with where it stands against the articles now")
    def questions(_: Annotated[str | None, Depends(caller)]):
        listed, problems = service.marked_questions()
        return schema.MarkedQuestions(questions=[_shown(c) for c in listed], problems=problems)

    @router.delete("/{question_id}", response_model=schema.Forgotten, responses=NOT_FOUND,
                   summary="Remove one question from the collection's set")
    def forget(question_id: str, _: Annotated[str | None, Depends(caller)]):
        service.forget_question(question_id)
        return schema.Forgotten(deleted=question_id)

    return router


def save_mark(service: QAService, body: schema.MarkBody, user: str | None) -> Checked:
    """A mark as the API and the page's buttons send it, saved (every field checked by the service)."""
    answer = body.answer
    if (answer is None) != (body.doc_id is None):
        raise ApiError(400, "send doc_id and answer together (or neither: the articles do not answer it)")
    record = service.mark(body.question, body.doc_id, answer.start if answer else None, answer.end if answer else None,
                          text=answer.text if answer else None, shown_right=body.shown_right, by=user,
                          since=body.since, until=body.until, source=body.source)
    return Checked(record, "ok" if answer else "no answer")


def _shown(entry: Checked) -> schema.MarkedQuestion:
    return schema.MarkedQuestion(**entry.question.to_json(), status=entry.status)
