"""What a failed request says, on the page and in the API alike: a user's mistake as its own
sentence; anything else as what failed, with its traceback in the server log only."""
from __future__ import annotations

import traceback
from collections.abc import Callable

from index.errors import UserError


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def said(exc: BaseException, action: str, log: Callable[[str], None]) -> str:
    if isinstance(exc, UserError):
        log(f"refused: {exc}")
        return sentence(str(exc))
    log("".join(traceback.format_exception(exc)).rstrip())
    return (f"{action} failed unexpectedly ({type(exc).__name__}); try again, and if it keeps failing "
            "the server log has the details")
