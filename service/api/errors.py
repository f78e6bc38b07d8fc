"""The one place where errors become HTTP status codes and JSON error bodies.

Every error answer has the Google API error shape that Perspective clients already parse:

    {"error": {"code": 413, "status": "INVALID_ARGUMENT", "reason": "too_large", "message": "..."}}

`reason` is ours: a stable machine-readable word for the condition.

Under Perspective's paths (/v1alpha1/..., /$discovery/...) every error has Google's exact shape instead,
with Perspective's `errorType` in `details` (clients read `error.details[].errorType`):

    {"error": {"code": 400, "message": "Comment text too long.", "status": "INVALID_ARGUMENT",
               "details": [{"@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                            "errorType": "COMMENT_TOO_LONG"}]}}
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic_core import to_json
from starlette.exceptions import HTTPException as StarletteHTTPException

from core import errors as domain

log = logging.getLogger(__name__)

# Every JSON answer names its charset, as Google's do: google-http-java-client decodes a body without one
# as ISO-8859-1, which garbles any non-ASCII text echoed back (a clientToken, a language tag, a message).
JSON_MEDIA_TYPE = "application/json; charset=UTF-8"
PERSPECTIVE_PREFIX = "/v1alpha1/"
DISCOVERY_PREFIX = "/$discovery/"
BATCH_PATH = "/batch"  # Google's batch endpoint (the discovery document's batchPath)
PERSPECTIVE_ERROR_TYPE = "type.googleapis.com/google.commentanalyzer.v1alpha1.Error"
# Perspective's ErrorType for our conditions; anything else is its catch-all INVALID_REQUEST.
_ERROR_TYPES = {"empty": "COMMENT_EMPTY", "too_large": "COMMENT_TOO_LONG"}

# Google's canonical status names (google.rpc.Code) for the codes we answer with: a client that maps
# `status` to its enum knows no other ("PAYLOAD_TOO_LARGE" is an HTTP phrase, no such name: bug hunt).
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}

# google.rpc.Code's names.
CANONICAL_STATUSES = frozenset(
    (
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    )
)  # fmt: skip


def status_name(status: int) -> str:
    """The canonical name for an HTTP status (429: RESOURCE_EXHAUSTED; another 4xx: INVALID_ARGUMENT;
    another 5xx: INTERNAL)."""
    if status in _STATUS_NAMES:
        return _STATUS_NAMES[status]
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        return "RESOURCE_EXHAUSTED"
    return "INVALID_ARGUMENT" if status < 500 else "INTERNAL"


# Domain error -> (status, reason). Most specific class first: the first isinstance match wins.
DOMAIN_STATUS: tuple[tuple[type[domain.ModerationError], int, str], ...] = (
    (domain.TooLargeError, 413, "too_large"),
    (domain.EmptyInputError, 422, "empty"),
    (domain.BinaryInputError, 422, "binary"),
    (domain.DecodeError, 422, "undecodable"),
    (domain.UnreadableInputError, 422, "unreadable"),
    (domain.MalformedInputError, 422, "malformed"),
    (domain.KeyReuseError, 422, "key_reused"),
    (domain.InputError, 422, "invalid_input"),
    (domain.NotFoundError, 404, "not_found"),
    (domain.ConflictError, 409, "conflict"),
    (domain.ModelError, 503, "model_unavailable"),
    (domain.StoreUnavailableError, 503, "store_unavailable"),
    (domain.SchemaVersionError, 503, "schema_too_new"),
    (domain.ConfigurationError, 403, "disabled"),
    (domain.TrainingDataError, 503, "training_data"),
    (domain.ModerationError, 400, "rejected"),
)


class ApiError(Exception):
    """An HTTP-only condition (auth, media type, Perspective argument errors) raised by the routes.

    ``error_type`` and ``fields`` are Perspective's: the detail's `errorType` and its extra members
    (e.g. `languageNotSupportedByAttributeError`); they appear only under Perspective's paths."""

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        error_type: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.headers = dict(headers or {})
        self.error_type = error_type
        self.fields = dict(fields or {})


# What a log line may show of a path as is: printable ASCII but '"' (the access log's quote).
_UNLOGGABLE = re.compile(r'[^\x21-\x7e]|"')


def loggable_path(scope: Mapping[str, Any]) -> str:
    """The request path for a log line, as the access log shows it: as sent (percent-encoded), never
    decoded, so a %0A in it cannot split the line; anything else unprintable is percent-encoded."""
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else str(scope.get("path", ""))
    return _UNLOGGABLE.sub(lambda m: quote(m.group(), safe=""), path)


def is_perspective_path(path: str) -> bool:
    return path.startswith(PERSPECTIVE_PREFIX) or path.startswith(DISCOVERY_PREFIX) or path == BATCH_PATH


def google_error_body(
    status: int, message: str, error_type: str, fields: Mapping[str, Any] | None = None
) -> bytes:
    """Google's error shape, as Perspective answers it (no `reason`: clients key on `errorType`)."""
    detail: dict[str, Any] = {"@type": PERSPECTIVE_ERROR_TYPE, "errorType": error_type, **(fields or {})}
    error = {
        "code": status,
        "message": message,
        "status": status_name(status),
        "details": [detail],
    }
    return to_json({"error": error})


def body_for_path(path: str, status: int, reason: str, message: str) -> bytes:
    """The error body in the shape the path's clients parse (for middleware, before any route runs)."""
    if is_perspective_path(path):
        if status == 500:  # Google's own 500 carries no details: there is no request error type to name
            return to_json({"error": {"code": 500, "message": message, "status": _STATUS_NAMES[500]}})
        return google_error_body(status, message, _ERROR_TYPES.get(reason, "INVALID_REQUEST"))
    return error_body(status, reason, message)


def status_for(exc: domain.ModerationError) -> tuple[int, str]:
    for cls, status, reason in DOMAIN_STATUS:
        if isinstance(exc, cls):
            return status, reason
    return 400, "rejected"  # unreachable: ModerationError is the last row


def error_body(status: int, reason: str, message: str, details: list[Any] | None = None) -> bytes:
    error: dict[str, Any] = {
        "code": status,
        "status": status_name(status),
        "reason": reason,
        "message": message,
    }
    if details:
        error["details"] = details
    return to_json({"error": error})


def error_response(
    status: int,
    reason: str,
    message: str,
    *,
    details: list[Any] | None = None,
    headers: Mapping[str, str] | None = None,
    path: str = "",
    error_type: str | None = None,
    fields: Mapping[str, Any] | None = None,
) -> Response:
    if is_perspective_path(path):
        kind = error_type or _ERROR_TYPES.get(reason, "INVALID_REQUEST")
        body = google_error_body(status, message, kind, fields)
    else:
        body = error_body(status, reason, message, details)
    return Response(
        body,
        status_code=status,
        media_type=JSON_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def refusal_response(exc: ApiError | domain.ModerationError, path: str) -> Response:
    """The answer to a request refused before it reached a route (guards.TokenFirstMiddleware), as the
    handlers below answer the same error raised in the route."""
    if isinstance(exc, ApiError):
        return error_response(
            exc.status,
            exc.reason,
            exc.message,
            headers=exc.headers,
            path=path,
            error_type=exc.error_type,
            fields=exc.fields,
        )
    status, reason = status_for(exc)
    return error_response(status, reason, str(exc), path=path)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    # Only where and what: the offending input is left out so comment text never echoes into logs/proxies.
    return [
        {"loc": [str(p) for p in err.get("loc", ())], "type": err.get("type", ""), "msg": err.get("msg", "")}
        for err in exc.errors()[:20]
    ]


# Seconds a client is told to wait before retrying a 503 (the store reopens a failed database after
# service.api.state.STORE_RETRY_S).
RETRY_AFTER_S = 2


def install(app: FastAPI) -> None:
    """Register the handlers. Perspective's path answers validation errors with 400 like Perspective."""

    async def on_domain(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, domain.ModerationError)
        status, reason = status_for(exc)
        path = request.url.path
        if status == 422 and is_perspective_path(path):
            status = 400  # Perspective answers every bad argument with 400 INVALID_ARGUMENT
        if status >= 500:
            log.warning("%s %s -> %d %s", request.method, loggable_path(request.scope), status, reason)
        # A 503 is worth retrying, and says when (the store's own retry interval, as the in-flight 503).
        retry = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
        # A lost race on a queue item answers with the item as it stands, for the page to show.
        current = getattr(exc, "current", None)
        details = [{"current": dict(current)}] if current is not None else None
        return error_response(status, reason, str(exc), path=path, headers=retry, details=details)

    async def on_api(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(
            exc.status,
            exc.reason,
            exc.message,
            headers=exc.headers,
            path=request.url.path,
            error_type=exc.error_type,
            fields=exc.fields,
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        details = _validation_details(exc)
        first = details[0] if details else {"loc": [], "msg": "invalid request"}
        where = ".".join(p for p in first["loc"] if p != "body") or "body"
        message = f"invalid request: {where}: {first['msg']}"
        path = request.url.path
        status = 400 if is_perspective_path(path) else 422
        return error_response(status, "malformed", message, details=details, path=path)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        reason = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "http_error"
        )
        return error_response(
            exc.status_code, reason, str(exc.detail), headers=exc.headers, path=request.url.path
        )

    app.add_exception_handler(domain.ModerationError, on_domain)
    app.add_exception_handler(ApiError, on_api)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
