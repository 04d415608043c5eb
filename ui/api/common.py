"""What every router of the JSON API shares: its prefix, its error, the check that the models
are loaded, and who is calling."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security

from qa import schema
from qa.service import QAService

from ..door import BASIC_SCHEME, BEARER_SCHEME, USER_KEY

API_PREFIX = "/api/v1"
ERRORS = {status: {"model": schema.Error} for status in (400, 401, 503)}


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.headers = status, headers


def ready(service: QAService):
    """A dependency: the models loaded; an API caller is told at once to come back (the page
    instead waits, and answers once they are in)."""

    def loaded() -> None:
        if service.status == "loading":
            raise ApiError(503, "the app is still loading its models and index; try again in a few seconds")

    return Depends(loaded)


def caller(request: Request, _basic: Annotated[object, Security(BASIC_SCHEME)],
           _bearer: Annotated[object, Security(BEARER_SCHEME)]) -> str | None:
    """The user the door let in (None when the server needs no login). The schemes are named
    here so that the OpenAPI schema lists them; the door has already checked the header."""
    return getattr(request.state, USER_KEY, None)
