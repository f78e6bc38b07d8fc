"""OpenAPI declarations of the error answers every route may give (documentation only)."""

from __future__ import annotations

from typing import Any

from service.api.schemas import ErrorBody

_ERR: dict[str, Any] = {"model": ErrorBody}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: _ERR for code in codes}
