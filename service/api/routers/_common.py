"""OpenAPI declarations of the error answers every route may give (documentation only), and the answer
of the erasure routes."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response

from service.api.schemas import ErrorBody, GoogleErrorBody
from service.api.scoring import json_response
from service.storage import Erased

_ERR: dict[str, Any] = {"model": ErrorBody}
_GOOGLE_ERR: dict[str, Any] = {"model": GoogleErrorBody}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: _ERR for code in codes}


def google_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Perspective's paths: Google's error shape."""
    return {code: _GOOGLE_ERR for code in codes}


def erased_response(erased: Erased) -> Response:
    """What DELETE /v1/queue/{id}, POST /v1/queue:erase and DELETE /v1/feedback/{id} answer."""
    return json_response({"erased": True, "deleted": erased.to_dict()})
