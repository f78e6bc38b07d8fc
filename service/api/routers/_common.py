"""OpenAPI declarations of the error answers every route may give (documentation only)."""

from __future__ import annotations

from typing import Any

from service.api.schemas import ErrorBody, GoogleErrorBody

_ERR: dict[str, Any] = {"model": ErrorBody}
_GOOGLE_ERR: dict[str, Any] = {"model": GoogleErrorBody}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: _ERR for code in codes}


def google_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Perspective's paths: Google's error shape."""
    return {code: _GOOGLE_ERR for code in codes}
