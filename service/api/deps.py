"""FastAPI dependencies: the app state, the settings, the current scorer, the write-token check.

All `async def`: FastAPI runs a plain `def` dependency in the threadpool, and that hop cost more than
the whole scoring of a single comment (profiled: ~70% of the per-request time).

Tests swap the scorer with ``app.dependency_overrides[get_scorer] = lambda: FakeScorer()`` or, closer
to production, pass ``scorer_loader=`` to create_app.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter, ValidationError
from starlette.requests import HTTPConnection

from core.errors import ConfigurationError, InputError, ModelError
from model.score import CommentScorer
from service.api.errors import ApiError
from service.api.state import AppState
from service.settings import Settings

# An Idempotency-Key is the client's id for one request (a UUID is 36 characters): 255 holds any real one.
MAX_IDEMPOTENCY_KEY_CHARS = 255
_IDEMPOTENCY_KEY = re.compile(rf"[\x20-\x7e]{{1,{MAX_IDEMPOTENCY_KEY_CHARS}}}")

_BEARER_DESCRIPTION = (
    "MODERATION_API_TOKEN, required by write endpoints; a moderator's own token "
    "(MODERATION_MODERATOR_TOKENS or its _FILE) where an endpoint says so."
)
_bearer = HTTPBearer(auto_error=False, description=_BEARER_DESCRIPTION)

# The scope state key a route's early pass (guards.JsonRoute, AUTHENTICATION) sets once the route's
# checks have passed. Its value is the route, so the mark counts for that route alone (a /batch part
# starts from a copy of the batch's state).
AUTHENTICATED = "moderation.authenticated"
# The scope state key where a passed token check leaves who called: ADMIN for the API token, else the
# moderator's name (service.roster), which their verdicts store.
CALLER = "moderation.caller"
ADMIN = ""
MODERATOR_MAY = "a moderator's token may read the queue, decide, undo, queue comments and post feedback"


def passed_early(request: HTTPConnection) -> bool:
    """Whether this request's route already checked who may call it before reading the body."""
    route = request.scope.get("route")
    return route is not None and (request.scope.get("state") or {}).get(AUTHENTICATED) is route


class _CheckedBearer(HTTPBearer):
    """The bearer credentials of an AUTHENTICATION check, not read again once the early pass has checked
    them (None then: the check trusts the mark). An HTTPBearer, so /docs still lists the scheme."""

    async def __call__(self, request: HTTPConnection) -> HTTPAuthorizationCredentials | None:
        if passed_early(request):
            return None
        return await super().__call__(request)


_checked_bearer = _CheckedBearer(auto_error=False, description=_BEARER_DESCRIPTION, scheme_name="HTTPBearer")
CheckedBearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_checked_bearer)]


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.moderation
    return state


async def get_settings(state: Annotated[AppState, Depends(get_state)]) -> Settings:
    return state.settings


# A Perspective batch pins one scorer for all its parts (service/api/routers/batch.py): a reload
# between two parts mixed two model versions in one answer.
PINNED_SCORER = "moderation.pinned_scorer"


async def get_scorer(request: Request, state: Annotated[AppState, Depends(get_state)]) -> CommentScorer:
    """Resolved once per request: the request keeps this scorer even if a reload swaps the model."""
    pinned = (request.scope.get("state") or {}).get(PINNED_SCORER)
    scorer = pinned if pinned is not None else state.models.current
    if scorer is None:
        raise ModelError("the model is not loaded yet; retry when /readyz answers 200")
    return scorer


def caller_of(settings: Settings, moderators: Mapping[str, str], presented: str | None) -> str | None:
    """Who `presented` names: ADMIN for the API token, a moderator's name for theirs (`moderators`, the
    roster's tokens in force), None for no one (and when no API token is configured). Every token is
    compared, each in constant time, so how long it takes says nothing about which one matched, or how
    much of one."""
    if presented is None or not settings.api_token:
        return None
    given = presented.encode()
    found = ADMIN if hmac.compare_digest(given, settings.api_token.encode()) else None
    for name, token in moderators.items():
        if hmac.compare_digest(given, token.encode()) and found is None:
            found = name
    return found


def token_matches(settings: Settings, presented: str | None) -> bool:
    """Whether ``presented`` is the API token itself (a moderator's token is not)."""
    return caller_of(settings, {}, presented) == ADMIN


# How a token is sent, as a 401 names it: Perspective's clients send their key, not a bearer token.
BEARER = "'Authorization: Bearer <token>'"
PERSPECTIVE_KEY = "the token as '?key=<token>', 'X-Goog-Api-Key: <token>' or 'Authorization: Bearer <token>'"


def _check_token(
    state: AppState,
    presented: str | None,
    what: str,
    *,
    wrong_status: int = 401,
    moderators_may: bool = False,
    how: str = BEARER,
) -> str:
    """Who called (caller_of), or the error: 401 without a token, `wrong_status` for a wrong one, 403 for
    a moderator's token where only the API token may (`moderators_may` False)."""
    settings = state.settings
    if not settings.api_token:
        raise ConfigurationError(
            f"{what} is disabled: no API token is configured; set MODERATION_API_TOKEN to enable it"
        )
    if presented is None:
        raise ApiError(
            401,
            "unauthenticated",
            f"{what} needs {how}",
            headers={"WWW-Authenticate": "Bearer"},
        )
    caller = caller_of(settings, state.roster.tokens(), presented)
    if caller is None:
        why = "invalid token"
        if state.roster.problem is not None:  # a moderator told "invalid" would doubt their own token
            why += (
                "; no moderator's token is taken now: the server refuses its moderators' tokens file "
                "(its log says why)"
            )
        if wrong_status == 403:
            raise ApiError(403, "forbidden", why)
        raise ApiError(401, "unauthenticated", why, headers={"WWW-Authenticate": "Bearer"})
    if caller != ADMIN and not moderators_may:
        raise _api_token_only(what)
    return caller


def _api_token_only(what: str) -> ApiError:
    """A moderator's valid token where only the API token may: RFC 6750's insufficient_scope, a reason
    of its own, so a client (the moderator's page) can tell it from a token refused ("forbidden": sign in
    again) and keep the moderator signed in."""
    return ApiError(
        403,
        "insufficient_scope",
        f"{what} takes the API token (MODERATION_API_TOKEN); {MODERATOR_MAY}",
        headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
    )


def _remember(request: HTTPConnection, caller: str) -> None:
    request.scope.setdefault("state", {})[CALLER] = caller


async def require_token(
    request: Request, state: Annotated[AppState, Depends(get_state)], credentials: CheckedBearerDep
) -> None:
    """The API token itself (a moderator's token is refused: erasure, model activation, reloads)."""
    if passed_early(request):
        return
    what = "this endpoint (" + request.url.path + ")"
    _remember(request, _check_token(state, credentials.credentials if credentials else None, what))


async def require_moderator(
    request: Request, state: Annotated[AppState, Depends(get_state)], credentials: CheckedBearerDep
) -> None:
    """The API token or a moderator's (POST /v1/feedback: a moderator's verdict)."""
    if passed_early(request):
        return
    what = "this endpoint (" + request.url.path + ")"
    presented = credentials.credentials if credentials else None
    _remember(request, _check_token(state, presented, what, moderators_may=True))


async def require_token_or_key(
    request: Request,
    state: Annotated[AppState, Depends(get_state)],
    credentials: CheckedBearerDep,
    key: Annotated[str | None, Query(description="Perspective-style API key (the same token).")] = None,
    goog_key: Annotated[
        str | None, Header(alias="X-Goog-Api-Key", description="Google's API-key header (the same token).")
    ] = None,
) -> None:
    """Perspective clients send their key as ?key=... or X-Goog-Api-Key, some beside an OAuth bearer
    token of Google's (googleapiclient built with credentials= and developerKey=): any one of them
    that matches the token is enough (compared in that order, up to the first that matches)."""
    if passed_early(request):
        return
    presented = [p for p in (credentials.credentials if credentials else None, key, goog_key) if p]
    if any(token_matches(state.settings, p) for p in presented):
        return
    what = "this endpoint (" + request.url.path + ")"
    _check_token(state, next(iter(presented), None), what, how=PERSPECTIVE_KEY)


def check_idempotency_key(key: str | None) -> str | None:
    """The key as sent, or InputError (422) saying what is wrong with it. Header values reach here as
    latin-1 (one character per byte), so a byte outside printable ASCII is named by its value."""
    if key is None or _IDEMPOTENCY_KEY.fullmatch(key):
        return key
    if not key:
        problem = "is empty"
    elif len(key) > MAX_IDEMPOTENCY_KEY_CHARS:
        problem = f"has {len(key)} characters"
    else:
        at, char = next((i, c) for i, c in enumerate(key) if not " " <= c <= "~")
        problem = f"holds byte 0x{ord(char):02X} at position {at}, which is not printable ASCII"
    raise InputError(
        f"the Idempotency-Key header {problem}: it must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable "
        "ASCII characters (a UUID, for example)"
    )


async def get_idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="The client's id for this request: a retry with the same key queues nothing "
            "again and answers the same queue_ids (docs/queue.md).",
        ),
    ] = None,
) -> str | None:
    return check_idempotency_key(key)


async def get_replay_key(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="The client's id for this write (1 to 255 printable ASCII characters; a UUID "
            "made once and reused by its retries). Within MODERATION_DATABASE__IDEMPOTENCY_TTL_S (24 h) "
            "a retry with the same key and request writes nothing again and gets the first answer, "
            "status and body, with `Idempotent-Replayed: true`; the same key with another request is a "
            "422 (docs/queue.md, Retrying a verdict).",
        ),
    ] = None,
) -> str | None:
    # The header is read as its first value: a second, different one would be dropped unseen.
    sent = set(request.headers.getlist("idempotency-key"))
    if len(sent) > 1:
        raise InputError(
            f"the request has {len(sent)} Idempotency-Key headers with different values: send one key"
        )
    return check_idempotency_key(key)


def check_queue_token(state: AppState, credentials: HTTPAuthorizationCredentials | None, what: str) -> str:
    """The review queue's rule: no token 401 (authenticate), a wrong token 403 (refused); the API
    token or a moderator's. Who called."""
    presented = credentials.credentials if credentials else None
    return _check_token(state, presented, what, wrong_status=403, moderators_may=True)


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
StateDep = Annotated[AppState, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ScorerDep = Annotated[CommentScorer, Depends(get_scorer)]
IdempotencyKeyDep = Annotated[str | None, Depends(get_idempotency_key)]
ReplayKeyDep = Annotated[str | None, Depends(get_replay_key)]


async def require_queue(request: Request, state: StateDep, credentials: CheckedBearerDep) -> None:
    """The token (none 401, a wrong one 403), then the store: with MODERATION_DO_NOT_STORE set there is
    none (a verdict stored itself and copied its comment into feedback rows)."""
    if passed_early(request):
        return
    _remember(request, check_queue_token(state, credentials, "this endpoint (" + request.url.path + ")"))
    if state.settings.do_not_store:
        raise ApiError(
            403,
            "disabled",
            "the review queue is disabled: MODERATION_DO_NOT_STORE is set, so no comment or verdict may "
            "be stored",
        )


async def admin_only(request: Request) -> None:
    """After require_queue (a router's dependency, so it runs first): the API token only (erasure)."""
    if passed_early(request):
        return
    if (request.scope.get("state") or {}).get(CALLER) != ADMIN:
        raise _api_token_only("this endpoint (" + request.url.path + ")")


async def get_moderator(request: Request) -> str | None:
    """The name of the moderator whose token the request carries; None for the API token."""
    return (request.scope.get("state") or {}).get(CALLER) or None


ModeratorDep = Annotated[str | None, Depends(get_moderator)]
AdminDep = Annotated[None, Depends(admin_only)]


def check_queueing(state: AppState, credentials: HTTPAuthorizationCredentials | None, path: str) -> None:
    """Queueing stores comments: it needs the API token or a moderator's (the queue's rule), and is
    refused when nothing may be stored."""
    check_queue_token(state, credentials, f"queueing on {path}")
    if state.settings.do_not_store:
        raise ApiError(
            403,
            "disabled",
            "queueing is disabled: MODERATION_DO_NOT_STORE is set, so no comment may be stored; "
            "score without queue",
        )


async def queue_asked(
    request: Request,
    state: StateDep,
    credentials: CheckedBearerDep,
    queue: Annotated[
        bool, Query(description="Also store every comment in the review queue (token).")
    ] = False,
) -> bool:
    """`?queue=true`: whether the caller asked to queue, once it has shown it may (check_queueing)."""
    if queue and not passed_early(request):
        check_queueing(state, credentials, request.url.path)
    return queue


QueueAskedDep = Annotated[bool, Depends(queue_asked)]
_YES_OR_NO = TypeAdapter(bool)  # what FastAPI accepts for a bool query parameter (true, 1, yes, on, ...)


async def _require_token_of(request: Request) -> None:
    await require_token(request, await get_state(request), await _bearer(request))


async def _require_moderator_of(request: Request) -> None:
    await require_moderator(request, await get_state(request), await _bearer(request))


async def _require_token_or_key_of(request: Request) -> None:
    key, goog_key = request.query_params.get("key"), request.headers.get("x-goog-api-key")
    await require_token_or_key(request, await get_state(request), await _bearer(request), key, goog_key)


async def _require_queue_of(request: Request) -> None:
    await require_queue(request, await get_state(request), await _bearer(request))


async def _queue_asked_of(request: Request) -> None:
    try:
        asked = _YES_OR_NO.validate_python(request.query_params.get("queue", False))
    except ValidationError:
        return  # neither yes nor no: the route answers 422
    if asked:
        check_queueing(await get_state(request), await _bearer(request), request.url.path)


# The dependencies that decide who may call a route, each run from the request's head alone (headers,
# query). guards.TokenFirstMiddleware runs a route's checks before any body is read, and a route that
# reads a JSON body (guards.JsonRoute) runs them first too (a /batch part, which skips the middleware):
# without the token a caller learns 401, not what the body should have been (413, 408, 415, 400, 422).
# Then the request is marked, and the checks that run next trust the mark: one header read and one HMAC
# per request, not two.
AUTHENTICATION: dict[Callable[..., Any], Callable[[Request], Awaitable[None]]] = {
    require_token: _require_token_of,
    require_token_or_key: _require_token_or_key_of,
    require_queue: _require_queue_of,
    queue_asked: _queue_asked_of,
    require_moderator: _require_moderator_of,
    admin_only: admin_only,
}


def authentication_of(dependant: Dependant) -> list[Callable[[Request], Awaitable[None]]]:
    """The AUTHENTICATION checks among ``dependant``'s dependencies (at any depth), in FastAPI's order."""
    checks = []
    for sub in dependant.dependencies:
        checks += authentication_of(sub)
        if sub.call in AUTHENTICATION:
            checks.append(AUTHENTICATION[sub.call])
    return checks


async def authenticate_early(request: Request, checks: list[Callable[[Request], Awaitable[None]]]) -> None:
    """Runs a route's `checks` (authentication_of) and, once all have passed, marks the request so that
    the same checks run as FastAPI dependencies do nothing more. Nothing to do when this route's checks
    already passed (the middleware's early pass); a mark for another route counts for nothing."""
    if passed_early(request):
        return
    state = request.scope.setdefault("state", {})
    state.pop(AUTHENTICATED, None)
    for check in checks:
        await check(request)
    if checks and (route := request.scope.get("route")) is not None:
        state[AUTHENTICATED] = route
