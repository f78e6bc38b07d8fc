"""One settings object for the whole service, read from MODERATION_* environment variables.

It is built once at the edge (CLI or app factory) and passed down explicitly; nothing reads the
environment anywhere else.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from core.errors import ConfigurationError

# A count or size that must be positive: 0 or less cannot work (0 page slots: every page request waits
# forever; 0 bytes: every request is a 413), so it is refused at startup, naming the variable.
Count = Annotated[int, Field(gt=0)]
# A time limit: positive and finite (nan and inf are floats too, and neither bounds anything).
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
# A retention limit beyond ~100 years is none (and `now - limit` overflows a datetime at ~2,700,000
# days): `moderate purge --older-than` has the same bound.
MAX_RETENTION_DAYS = 36_500
# An idempotency key replayed for more than a year serves no retry, and `now - ttl` overflowed.
MAX_IDEMPOTENCY_TTL_S = 366 * 24 * 3600.0
LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
NESTED_DELIMITER = "__"  # MODERATION_TOXICITY__REVIEW sets toxicity.review

# The API token guards every write (verdicts, feedback, model activation, reload) and is sent over the
# network to be guessed at: 16 characters is ~96 bits from secrets.token_urlsafe, out of reach of any
# guessing, and more than a word someone chose. Examples the docs showed are refused at any length.
MIN_API_TOKEN_CHARS = 16
DOCUMENTED_EXAMPLE_TOKENS = frozenset({"change-me"})  # the README's first journey, before it generated one
MAKE_A_TOKEN = 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"'
# A moderator's name as stored with their verdicts and shown on the moderator's page.
MODERATOR_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


def token_problem(token: str) -> str | None:
    """Why `token` cannot guard an endpoint, or None. Clients send it in an Authorization header, which
    drops a value's leading and trailing whitespace (a secret file's newline), holds no control
    character, and carries non-ASCII letters in the client's encoding (curl UTF-8, browsers Latin-1):
    such a token never matched."""
    if token != token.strip():
        return "has leading or trailing whitespace (a newline?), which no header carries"
    if not all(" " <= c <= "~" for c in token):
        return (
            "must be printable ASCII: headers carry no control character, and other letters "
            "arrive in each client's own encoding"
        )
    # A weak token guarded the write endpoints with a word anyone could send (the README's own).
    if token in DOCUMENTED_EXAMPLE_TOKENS:
        return f"is a documented example, known to anyone; make one with {MAKE_A_TOKEN}"
    if len(token) < MIN_API_TOKEN_CHARS:
        return (
            f"is shorter than {MIN_API_TOKEN_CHARS} characters, so it could be guessed; use at least "
            f"{MIN_API_TOKEN_CHARS}, e.g. {MAKE_A_TOKEN}"
        )
    return None


NEEDS_THE_API_TOKEN = (
    "needs MODERATION_API_TOKEN too: erasure, model activation and reloads take the API token only, and "
    "without it every token-protected endpoint is disabled"
)


def moderator_tokens_problem(tokens: Mapping[str, str]) -> str | None:
    """Why a {name: token} object cannot name the moderators, or None; never quotes a token."""
    for name, token in tokens.items():
        if not isinstance(name, str) or not MODERATOR_NAME.fullmatch(name):
            return (
                f"moderator name {str(name)[:80]!r}: use 1 to 64 letters, digits, '.', '_', '@' or '-', "
                "starting with a letter or digit (it is stored with each verdict)"
            )
        if not isinstance(token, str):
            return f"{name}'s token is not a string"
        problem = token_problem(token)
        if problem:
            return f"{name}'s token {problem}"
    if len(set(tokens.values())) < len(tokens):
        return "two moderators share a token: each needs their own, or verdicts name the wrong one"
    return None


def moderators_beside_problem(tokens: Mapping[str, str], api_token: str | None) -> str | None:
    """Why these moderators' tokens cannot stand beside `api_token`, or None."""
    if tokens and not api_token:
        return NEEDS_THE_API_TOKEN
    if api_token and api_token in tokens.values():
        return (
            "a moderator's token is MODERATION_API_TOKEN; give the moderator their own (the API token's "
            "verdicts carry no name)"
        )
    return None


log = logging.getLogger(__name__)

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = PACKAGE_ROOT / "model" / "default"


class Thresholds(BaseModel):
    """Score at or above `review` sends a comment to a moderator; at or above `reject` removes it.
    ``None`` turns that step off for the attribute (e.g. unsubstantial never rejects by default)."""

    # A misspelt step ("revew") would otherwise be dropped without a word, the old value kept.
    model_config = ConfigDict(extra="forbid")

    review: float | None = Field(default=None, ge=0.0, le=1.0)
    reject: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _review_not_above_reject(self) -> Thresholds:
        if self.reject == 0:  # meant as "off", it removed every comment unseen
            raise ValueError(
                "reject 0 would reject every comment (every score is at least 0); to turn the step off, set "
                'it to null (MODERATION_<ATTRIBUTE>=\'{"review": 0.5, "reject": null}\')'
            )
        problem = step_order_problem(self)
        if problem:
            raise ValueError(problem)
        return self


# PostgreSQL connection parameters the store sets itself (service.storage.engine's connect_args, which
# replace a URL's), and where each comes from instead; the URL's own `options` are kept beside its own.
STORE_SET_PARAMETERS = {
    "connect_timeout": "from MODERATION_DATABASE__CONNECT_TIMEOUT_S",
    "tcp_user_timeout": "from MODERATION_DATABASE__STATEMENT_TIMEOUT_S and __CONNECT_TIMEOUT_S",
    "client_encoding": "always UTF8",
    "application_name": "comment-moderation",
    **dict.fromkeys(("keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count"), "fixed"),
}


def url_parameter_problem(names: list[str]) -> str | None:
    """Why a database URL's query parameters would not apply, or None: a name libpq does not know (every
    connection failed: a 503 for ever), or one the store sets itself (the URL's value was replaced)."""
    from psycopg import pq

    known = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    for name in names:
        if name not in known:
            return f"?{name}=: {name!r} is no PostgreSQL connection parameter, so no connection would open"
        if name in STORE_SET_PARAMETERS:
            return f"?{name}= would not apply: {name!r} is set by the service ({STORE_SET_PARAMETERS[name]})"
    return None


def step_order_problem(limits: Thresholds) -> str | None:
    """Why ``limits`` cannot work as set, or None: a review step above the reject step would never
    apply (a comment would go from approve straight to reject)."""
    if limits.review is None or limits.reject is None or limits.review <= limits.reject:
        return None
    return (
        f"review {limits.review} is above reject {limits.reject}: a comment would be rejected before it "
        "reached review, so the review step would never apply; set review at or below reject "
        "(or null to turn it off)"
    )


class ThresholdTable(dict[str, Thresholds]):
    """Each attribute's thresholds (the dict itself), and for comments judged in a language a site set
    its own for, that language's (``for_language``; None: the global ones): the French
    and Arabic models are calibrated on tweets far more hostile than news comments, so a bilingual
    site may review them at another score. A step a language does not name keeps the global value."""

    def __init__(
        self,
        base: Mapping[str, Thresholds],
        by_language: Mapping[str, Mapping[str, Thresholds]] | None = None,
    ) -> None:
        super().__init__(base)
        self.by_language: dict[str, dict[str, Thresholds]] = {
            language: {
                **base,
                **{
                    a: base[a].model_copy(update=t.model_dump(exclude_unset=True)) for a, t in changes.items()
                },
            }
            for language, changes in (by_language or {}).items()
        }

    def for_language(self, language: str | None) -> Mapping[str, Thresholds]:
        return self.by_language.get(language, self) if language else self


class Limits(BaseModel):
    """Bounds on input size, so one request or page cannot exhaust the machine."""

    # A misspelt limit (MODERATION_LIMITS__MAX_COMENT_CHARS) would otherwise be dropped, the default kept.
    model_config = ConfigDict(extra="forbid")

    max_page_bytes: Count = 20 * 1024 * 1024  # 20 MiB of raw page
    max_request_bytes: Count = 2 * 1024 * 1024  # 2 MiB of request body
    max_comment_chars: Count = 20_000
    max_comments_per_request: Count = 1_000
    max_explain_comments: Count = 100  # explain=true costs a pass per comment and attribute
    max_explain_chars: Count = 200_000  # ... and time per character (~3 us): this bounds it near 0.6 s
    max_comments_per_page: Count = 20_000
    # Queued comments are explained (spans for the moderator): ~10 us per character on this machine
    # (the largest shared page, 274 comments / 155,000 characters: 1.5 s), so this bounds it near 4 s.
    max_queue_chars: Count = 400_000
    # Lines per page: a page of one-letter lines costs ~360 bytes and ~22 us per line in the parser
    # (399,000 of them: 9 s of CPU; 20 MiB of them: 3.6 GB). Real pages have up to ~5,000; a
    # 20,000-comment thread ~200,000.
    max_page_lines: Count = 400_000
    # Pages parsed and scored at once per worker (the others wait): the worst accepted page takes up to
    # ~230 MB for seconds (docs/limits.md), and the GIL makes more than a couple at a time no faster.
    max_concurrent_pages: Count = 2
    # Pages waiting for one of those slots; past it 503 with Retry-After. A waiting page holds a slot of
    # max_requests_in_flight for as long as the pages ahead take (seconds each): without a bound, 64 page
    # uploads took every slot and comment scoring answered 503 for minutes.
    max_waiting_pages: Count = 16
    # Lines per JSONL export in `moderate score`: lines sharing an article_id may be anywhere in the
    # file, so a file is held whole (~0.3 KB a line while scored, its output spooled: docs/limits.md).
    max_jsonl_lines: Count = 500_000
    max_html_depth: Count = 512
    # Elements and attributes of an HTML page, counted before libxml2 sees it (service.html.check_markup).
    # libxml2's memory grows with the elements (~600 bytes each with the lines made from them); its time
    # with the square of one element's attributes (20,000: 1.2 s; 40,000: 20 s), so their sum of squares
    # is bounded (50M: about 0.1 s). Real pages: at most ~11,000 elements (dragnet's 813 pages).
    max_html_elements: Count = 300_000
    max_html_attribute_pairs: Count = 50_000_000
    # Requests being handled at once per API worker (page parsed, comments scored, answer written),
    # counted once the body has arrived; beyond it 503 with Retry-After. /healthz and /readyz are never
    # refused. Idle or slow sockets do not count: the timeouts below close them.
    max_requests_in_flight: Count = 64
    # Request bodies one worker holds at once, being received or handled, counted as the bytes arrive;
    # beyond it 503 with Retry-After. The default is the former worst case (64 in flight x 20 MiB).
    max_buffered_body_bytes: Count = 64 * 20 * 1024 * 1024
    header_timeout_s: Seconds = 10.0  # from connect (or a request's first byte) to its last header byte
    # A request's line and headers (h11's own default bound; browsers send a few KB, cookies included).
    max_head_bytes: int = Field(default=16 * 1024, ge=1024)
    body_timeout_s: Seconds = 60.0  # from the headers to the body's last byte
    # A client that takes nothing of its answer for this long is dropped (service.api.protocol): it held
    # its request, a slot of max_requests_in_flight and the answer's memory for as long as it liked.
    send_timeout_s: Seconds = 60.0
    # An idle keep-alive connection is closed after this. 75 s (nginx's default) rather than uvicorn's 5:
    # googleapiclient (httplib2) reuses its connection, and a batch sent into one the server has just
    # closed fails with BrokenPipeError instead of being retried. Google's front ends keep ~610 s.
    keep_alive_timeout_s: Count = 75  # whole seconds (uvicorn's timeout_keep_alive)
    # After a 413, up to this much of the rest of the body is read and discarded before the answer, so
    # clients that send the whole body before reading (requests, http.client) get the 413, not a reset.
    max_drain_bytes: Count = 64 * 1024 * 1024

    @model_validator(mode="after")
    def _one_body_fits_the_budget(self) -> Limits:
        # A body within its limit but over the worker's whole budget was a 503 "retry shortly" for ever.
        name, largest = max(
            ("max_page_bytes", self.max_page_bytes),
            ("max_request_bytes", self.max_request_bytes),
            key=lambda x: x[1],
        )
        if self.max_buffered_body_bytes < largest:
            raise ValueError(
                f"max_buffered_body_bytes {self.max_buffered_body_bytes:,} is below {name} {largest:,}: "
                "a body that large would be answered 503 'retry' for ever, even by an idle worker; "
                "raise it or lower the body limit"
            )
        return self


class Database(BaseModel):
    """Bounds on the store's connections, so a slow or absent database cannot pile up requests, and how
    long it keeps what it stores only for retries."""

    model_config = ConfigDict(extra="forbid")  # as Limits: a misspelt bound is refused, not dropped

    pool_size: int = Field(default=5, ge=1, le=100)  # connections kept open per worker process
    max_overflow: int = Field(default=5, ge=0, le=100)  # extra connections under a burst
    pool_timeout_s: Seconds = 5.0  # wait for a free connection, then 503
    connect_timeout_s: int = Field(default=3, ge=1)  # PostgreSQL: an unreachable server is a 503 after this
    statement_timeout_s: Seconds = 15.0  # PostgreSQL: one statement at most this long
    sqlite_busy_timeout_s: Seconds = 10.0  # SQLite: wait this long for the write lock
    # How long an Idempotency-Key of a verdict or feedback write is replayed to a retry (then forgotten:
    # the same key is a new request). 24 h as Stripe's: far past any client's retries, and the table
    # holds one short row per keyed write of that period.
    idempotency_ttl_s: Seconds = Field(default=24 * 3600.0, le=MAX_IDEMPOTENCY_TTL_S)


class RefusedVariable:
    """What the environment source hands on for a setting whose variables cannot be read as given (a
    list or object that is not JSON, a part of a setting that has none, one setting named in two
    cases): refused by validation at that setting, so the error names it. Raised by the source, or for
    the whole object, it named none, and a malformed setting only `moderate serve` reads stopped every
    command (command_settings could not tell whose it was)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:  # the value may hold a secret: never shown
        return "(value not shown)"


def _variable_problem(field: str, fields: Mapping[str, Any]) -> str | None:
    """Why the MODERATION_* variables naming setting ``field`` cannot be read as given, or None."""
    spelt: dict[str, str] = {}
    for name in os.environ:
        prefix, _, rest = name.partition("_")
        if prefix.upper() != "MODERATION" or rest.split(NESTED_DELIMITER, 1)[0].lower() != field:
            continue
        # Names are read in any case: two spellings of one setting both set it, and one won unseen.
        other = spelt.setdefault(name.upper(), name)
        if other != name:
            return f"{other} and {name} name the same setting (names are read in any case); keep one"
        # MODERATION_API_TOKEN__X: a setting with no parts ignored it without a word (no token).
        if NESTED_DELIMITER in rest and not _has_parts(fields[field].annotation):
            return f"{name}: {field!r} has no parts to set one by one; set MODERATION_{field.upper()} itself"
    return None


# Settings whose variables command_settings' second read leaves unread (it gives them their defaults):
# given as arguments alone, an object setting's variables were merged into the default it was given,
# and the value refused once was refused again.
_UNREAD: ContextVar[frozenset[str]] = ContextVar("moderation_unread_settings", default=frozenset())


class _EnvSource(EnvSettingsSource):
    def prepare_field_value(self, field_name: str, field: Any, value: Any, value_is_complex: bool) -> Any:
        if field_name in _UNREAD.get():
            return None
        problem = _variable_problem(field_name, self.settings_cls.model_fields)
        if problem:
            return RefusedVariable(problem)
        try:
            return super().prepare_field_value(field_name, field, value, value_is_complex)
        except ValueError as exc:  # json.JSONDecodeError, before validation
            return RefusedVariable(f"not valid JSON ({exc}); list and object settings are JSON")


class Settings(BaseSettings):
    # hide_input_in_errors: a refused value is not echoed (a database URL or the API token holds a secret).
    model_config = SettingsConfigDict(
        env_prefix="MODERATION_",
        env_nested_delimiter=NESTED_DELIMITER,
        extra="ignore",
        hide_input_in_errors=True,
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1)
    model_dir: Path = DEFAULT_MODEL_DIR  # the shipped model: always the first version
    # Versions `make train` publishes (one directory each) and ACTIVE, the one served (see model.versions).
    versions_dir: Path = Path("var/models")
    # Per-attribute thresholds, each settable as MODERATION_<ATTRIBUTE>__REVIEW / __REJECT
    # (e.g. MODERATION_TOXICITY__REVIEW=0.4). Defaults come from out-of-fold validation data of the
    # shipped model (manifest metrics; docs/attributes.md says which point each one is).
    insult: Thresholds = Thresholds(review=0.5, reject=0.9)
    # Review only: on human labels (One Million Posts OffTopic) its out-of-fold AUC is 0.55 and its
    # held-out AUC 0.68, too weak to remove a comment without a moderator.
    off_topic: Thresholds = Thresholds(review=0.6, reject=None)
    # Calibrated as the share of raters who find a comment toxic: review 0.45 sends the comments the
    # former clear-row calibration sent at 0.5; reject 0.9 = nine raters in ten (docs/attributes.md).
    toxicity: Thresholds = Thresholds(review=0.45, reject=0.9)
    severe_toxicity: Thresholds = Thresholds(review=0.5, reject=0.9)
    identity_attack: Thresholds = Thresholds(review=0.5, reject=None)  # OOF precision never reaches 0.8
    profanity: Thresholds = Thresholds(review=0.8, reject=None)
    # Review only: trained on YouTube comments, it reads a news reader's bare citation ("Phony?
    # http://www.bbc.com/news/...") as link spam (0.98); removing a comment unseen needs a moderator.
    spam: Thresholds = Thresholds(review=0.5, reject=None)
    # Short or content-free is not a reason to hold a comment back unless a site says so.
    unsubstantial: Thresholds = Thresholds(review=None, reject=None)
    # Per language, changes to those thresholds for comments judged in that language (detected, or for
    # an undetermined one its thread's: the API's `judged_language`), e.g.
    # MODERATION_LANGUAGE_THRESHOLDS='{"fr": {"toxicity": {"review": 0.6}}}': comments judged in
    # French go to review at toxicity 0.6, and are rejected at 0.9 as every other comment.
    language_thresholds: dict[str, dict[str, Thresholds]] = {}
    limits: Limits = Limits()
    api_token: str | None = None  # bearer token for write endpoints; None disables them
    # Moderators' own bearer tokens, by name: each may read the queue, decide, undo, queue comments and
    # post feedback, and each verdict stores the name that gave it (erasure, model activation, reloads
    # and Perspective's suggestscore take api_token only). E.g.
    # MODERATION_MODERATOR_TOKENS='{"alice": "...", "bob": "..."}'; removing a name (and restarting)
    # revokes its token.
    moderator_tokens: dict[str, str] = {}
    # The same JSON object in a file (a mounted secret), read again when it changes: a desk adds or
    # revokes a moderator without a restart (service.roster). Not together with moderator_tokens.
    moderator_tokens_file: Path | None = None
    db_path: Path = Path("var/moderation.sqlite3")  # the embedded SQLite store, when no database_url
    # PostgreSQL shared by several replicas (postgresql://user:pass@host:5432/db); unset: SQLite at db_path.
    database_url: str | None = None
    database: Database = Database()
    do_not_store: bool = False  # when true, feedback and request data are never persisted
    # How many days queued comments, verdicts and feedback rows are kept: `moderate purge` (run by cron)
    # deletes what is older. None (the default): kept until erased, as before session 32.
    retention_days: int | None = Field(default=None, ge=1, le=MAX_RETENTION_DAYS)
    # Perspective endpoint: a site's own mapping of a requested name onto one of the model's attributes,
    # e.g. MODERATION_PERSPECTIVE_ALIASES='{"ATTACK_ON_COMMENTER":"INSULT"}'. The defaults need none:
    # every attribute of the model answers under its upper-case name. Targets are checked against the
    # loaded model when the app starts.
    perspective_aliases: dict[str, str] = {}
    # Treat every Perspective request as if it set `dropUnsupportedAttributes`: for clients whose
    # default call asks for attributes this service does not offer (HELM's toxicity metric asks for
    # THREAT, SEXUALLY_EXPLICIT and FLIRTATION too) and that cannot be told to drop them. Off by
    # default: then such a request gets Perspective's documented 400, as the issue asks.
    perspective_drop_unsupported: bool = False
    # Origins whose pages may call the API from the browser (CORS), e.g. a comment form that asks
    # Perspective's comments:analyze as the reader types: MODERATION_CORS_ORIGINS='["https://news.example"]'
    # ("*" for any). Empty (the default): no CORS headers, browsers refuse cross-origin calls.
    cors_origins: list[str] = []
    # The URL clients reach this service at (https://moderation.example/, a path prefix included), for
    # Perspective's discovery document, whose rootUrl tells a client where to send its calls. Unset: the
    # URL of the request (its Host header, checked); behind a shared cache set it, or one client's Host
    # header would choose where the cached document sends every later client.
    public_base_url: str | None = None
    log_level: str = "INFO"  # one of LOG_LEVELS, any case
    # uvicorn's HTTP/1.1 parser, httptools (C) or h11 (pure Python), both bounded alike
    # (service/api/protocol.py): httptools costs less server CPU per request (docs/benchmarks-log.md,
    # session 8: `python -m bench --only rest`).
    http_parser: Literal["httptools", "h11"] = "httptools"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _EnvSource(settings_cls), dotenv_settings, file_secret_settings

    @field_validator("*", mode="before")
    @classmethod
    def _read_as_given(cls, value: Any) -> Any:
        if isinstance(value, RefusedVariable):
            raise ValueError(value.reason)
        return value

    @field_validator("database_url", "db_path", "model_dir", "versions_dir", mode="before")
    @classmethod
    def _no_whitespace_around(cls, value: Any) -> Any:
        # A secret file's trailing newline: PostgreSQL was asked for database "moderation\n" (a 503 for
        # ever), and an SQLite store was made as "feedback.sqlite3\n".
        if isinstance(value, str) and value != value.strip():
            raise ValueError("has leading or trailing whitespace (a newline from a file?): remove it")
        return value

    @field_validator("db_path", mode="before")
    @classmethod
    def _a_path_not_a_url(cls, value: Any) -> Any:
        # Read as a path, postgresql://user:pw@host/db became a relative folder tree (the password in
        # a folder name and in the log) holding an SQLite file no other replica shares.
        if isinstance(value, str) and "://" in value:
            raise ValueError(
                "is a URL, not a file path: a postgresql:// URL goes in MODERATION_DATABASE_URL, and an "
                "SQLite file is named by its path (/var/lib/moderation/feedback.sqlite3)"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, url: str | None) -> str | None:
        if not url:
            return None
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
            raise ValueError("must be a postgresql://user:password@host:port/database URL")
        # Read as the store reads it: a port that is no number was a ValueError traceback from the store
        # after the model had loaded; one out of range or no database, every store call a 503.
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError):
            parsed = None
        if parsed is None or (parsed.port is not None and not 0 < parsed.port < 65536):
            raise ValueError(
                "cannot be read: its port must be a number from 1 to 65535, and an @, : or / in the user "
                "or password percent-encoded (%40, %3A, %2F)"
            )
        if parsed.host and "@" in parsed.host:
            # SQLAlchemy and libpq end the password at its first "@": the rest of it was read as the
            # host, no connection opened, and every store message named that host.
            raise ValueError(
                "holds an @ that is not percent-encoded: an @, : or / in the user or password must be "
                "written %40, %3A, %2F"
            )
        if not parsed.database:
            raise ValueError("names no database (postgresql://user:password@host:port/database)")
        problem = url_parameter_problem(list(parsed.query))
        if problem:
            raise ValueError(problem)
        return url

    @field_validator("api_token")
    @classmethod
    def _token_a_header_carries(cls, token: str | None) -> str | None:
        problem = token_problem(token) if token else None
        if problem:
            raise ValueError(problem)
        return token

    @field_validator("moderator_tokens")
    @classmethod
    def _moderators(cls, tokens: dict[str, str]) -> dict[str, str]:
        problem = moderator_tokens_problem(tokens)
        if problem:
            raise ValueError(problem)
        return tokens

    @field_validator("moderator_tokens", mode="after")
    @classmethod
    def _moderators_beside_the_api_token(cls, tokens: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        # Checked here, not on the whole object: an error located at this setting is one only serve
        # reads, so `moderate parse` warns of it (command_settings) instead of stopping.
        if "api_token" not in info.data:  # the API token itself was refused: that error says why
            return tokens
        problem = moderators_beside_problem(tokens, info.data["api_token"])
        if problem:
            raise ValueError(problem)
        return tokens

    @field_validator("moderator_tokens_file", mode="before")
    @classmethod
    def _an_empty_file_name_is_none(cls, path: object) -> object:
        return None if path == "" else path  # MODERATION_MODERATOR_TOKENS_FILE= unsets it, not the folder "."

    @field_validator("moderator_tokens_file", mode="after")
    @classmethod
    def _one_source_of_moderators(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        if path is None:
            return None
        if info.data.get("moderator_tokens"):
            raise ValueError(
                "MODERATION_MODERATOR_TOKENS is set too: name the moderators in one place (the file can "
                "change while the service runs; the variable cannot)"
            )
        if "api_token" in info.data and not info.data["api_token"]:
            raise ValueError(NEEDS_THE_API_TOKEN)
        return path

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url(cls, url: str | None) -> str | None:
        if not url:
            return None
        try:
            parts = urlsplit(url)
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            port_ok = False
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or not port_ok
            or parts.query
            or parts.fragment
            or "@" in parts.netloc
            or not all("!" <= c <= "~" for c in url)
        ):
            raise ValueError(
                "must be the absolute http:// or https:// URL clients reach this service at, such as "
                "https://moderation.example/ (ASCII, no credentials, query or fragment)"
            )
        return url if url.endswith("/") else url + "/"

    @field_validator("cors_origins")
    @classmethod
    def _origins_as_browsers_send_them(cls, origins: list[str]) -> list[str]:
        # The CORS middleware compares a request's Origin header with these as strings: a listed
        # "https://news.example/" matched no page, and the browser refused every call, without a word.
        for origin in origins:
            if origin == "*":
                continue
            if "*" in origin:  # compared as a string, "https://*.news.example" matched no subdomain
                raise ValueError(f"{origin!r}: a wildcard inside an origin matches nothing; list each origin")
            sent = browser_origin(origin)
            if sent is None:
                raise ValueError(
                    f"{origin!r} is not an origin: write it as scheme://host[:port], e.g. "
                    'https://www.example-news.com (or "*" for any)'
                )
            if sent != origin:
                raise ValueError(
                    f"{origin!r} matches no browser's Origin header, which would read {sent!r} "
                    "(lower case, no path, no default port): list that"
                )
        return origins

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, level: str) -> str:
        # Checked here: uvicorn and logging refused an unknown level only after the model had loaded.
        if level.strip().upper() not in LOG_LEVELS:
            raise ValueError("must be one of " + ", ".join(LOG_LEVELS) + " (any case)")
        return level.strip().upper()

    @field_validator("perspective_aliases")
    @classmethod
    def _alias_targets(cls, aliases: dict[str, str]) -> dict[str, str]:
        # Names only; whether a target exists depends on the model (checked at app start).
        targets = {name.strip().upper(): target.strip().upper() for name, target in aliases.items()}
        if not all(targets) or not all(targets.values()):
            raise ValueError("alias names and targets must be non-empty")
        return targets

    @field_validator("language_thresholds")
    @classmethod
    def _language_thresholds(
        cls, table: dict[str, dict[str, Thresholds]]
    ) -> dict[str, dict[str, Thresholds]]:
        from model.language import DETECTED_LANGUAGES, normalize_language

        out: dict[str, dict[str, Thresholds]] = {}
        for tag, changes in table.items():
            # ValueError for something that is no tag; "fra", "fre", "fr-FR" -> "fr", the detector's code.
            language = normalize_language(tag)
            if language is None:
                raise ValueError(
                    f"{tag!r} names no language (an undetermined comment is judged in its thread's language)"
                )
            if language not in DETECTED_LANGUAGES:  # "gr", "jp", "dk": country codes, never answered
                raise ValueError(
                    f"{tag!r}: the language detector never answers {language!r}, so these thresholds would "
                    "never apply; key them by the ISO 639-1 code (e.g. 'el' Greek, 'ja' Japanese, "
                    "'da' Danish, 'sv' Swedish) or ISO 639-2 ('ell', 'jpn')"
                )
            unknown = sorted(set(changes) - set(THRESHOLD_ATTRIBUTES))
            if unknown:
                raise ValueError(
                    f"{tag}: unknown attribute(s) {unknown}; known: {list(THRESHOLD_ATTRIBUTES)}"
                )
            merged = out.setdefault(language, {})
            for attribute, limits in changes.items():  # "fr" and "fr-FR" both given: their steps add up
                steps = merged[attribute].model_dump(exclude_unset=True) if attribute in merged else {}
                for step, value in limits.model_dump(exclude_unset=True).items():
                    if step in steps and steps[step] != value:  # one of the two would be dropped unseen
                        raise ValueError(
                            f"{language}: {attribute} {step} is given twice, {steps[step]} and {value} "
                            f"(under {tag!r} and another key naming {language!r}); give it once"
                        )
                merged[attribute] = Thresholds.model_validate(
                    {**steps, **limits.model_dump(exclude_unset=True)}
                )
        return out

    @field_validator("language_thresholds", mode="after")
    @classmethod
    def _language_steps_in_order(
        cls, table: dict[str, dict[str, Thresholds]], info: ValidationInfo
    ) -> dict[str, dict[str, Thresholds]]:
        # A language's step is checked against the other step it keeps from the global thresholds.
        for language, changes in table.items():
            for attribute, limits in changes.items():
                base = info.data.get(attribute)
                if not isinstance(base, Thresholds):  # that attribute's own value was refused
                    continue
                problem = step_order_problem(base.model_copy(update=limits.model_dump(exclude_unset=True)))
                if problem:
                    raise ValueError(f"{language} {attribute}: {problem}")
        return table

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_nested_variables(cls, data: Any) -> Any:
        # pydantic-settings reads only the variables of known settings: MODERATION_TOXCITY__REVIEW (or
        # MODERATION_THREAT__REJECT) was dropped without a word and the default threshold decided.
        # Nested names are refused; another unknown MODERATION_* variable (MODERATION_API_TOKN) is only
        # named in a warning by the process that starts (warn_unknown_variables), as other tools may
        # share the prefix. (A known setting's variables are checked by its source: _variable_problem.)
        for name in os.environ:
            prefix, _, rest = name.partition("_")
            head = rest.split(NESTED_DELIMITER, 1)[0].lower()
            if prefix.upper() == "MODERATION" and NESTED_DELIMITER in rest and head not in cls.model_fields:
                raise ValueError(
                    f"{name}: there is no setting {head!r} (thresholds: {', '.join(THRESHOLD_ATTRIBUTES)}; "
                    "also limits, database, language_thresholds)"
                )
        return data

    @model_validator(mode="before")
    @classmethod
    def _steps_keep_their_defaults(cls, data: Any) -> Any:
        # MODERATION_TOXICITY__REJECT=0.95 arrives as {"reject": 0.95}: the attribute's default review
        # step stays (it was replaced by None, turning review off). A step set to null still turns off.
        if not isinstance(data, dict):
            return data
        out = dict(data)
        for name in THRESHOLD_ATTRIBUTES:
            value = out.get(name)
            if isinstance(value, dict):
                out[name] = {**cls.model_fields[name].default.model_dump(), **value}
        return out

    def thresholds(self) -> ThresholdTable:
        return ThresholdTable(
            {name: getattr(self, name) for name in THRESHOLD_ATTRIBUTES}, self.language_thresholds
        )


def _has_parts(annotation: Any) -> bool:
    """Whether a setting of this type takes nested names (MODERATION_LIMITS__MAX_PAGE_BYTES,
    MODERATION_PERSPECTIVE_ALIASES__NAME): a model's fields or a mapping's keys."""
    if get_origin(annotation) is dict:
        return True
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


# The service's attributes: each has a threshold setting, and moderators' feedback names one of them.
Attribute = Literal[
    "insult",
    "off_topic",
    "toxicity",
    "severe_toxicity",
    "identity_attack",
    "profanity",
    "spam",
    "unsubstantial",
]
THRESHOLD_ATTRIBUTES: tuple[str, ...] = get_args(Attribute)


DEFAULT_PORTS = {"http": 80, "https": 443}  # a browser leaves these out of its Origin header


def browser_origin(origin: str) -> str | None:
    """``origin`` as a browser's Origin header writes it (scheme://host[:port]: lower case, no path,
    query, credentials or default port), or None when it names no host."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname or not origin.isascii():
        return None
    scheme = parts.scheme.lower()
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    shown_port = f":{port}" if port is not None and port != DEFAULT_PORTS.get(scheme) else ""
    return f"{scheme}://{host}{shown_port}"


def check_thresholds(settings: Settings, attributes: Iterable[str]) -> None:
    """At start and reload: thresholds a site set (not the defaults) must be for attributes of the
    loaded model; for one it lacks they decide nothing (MODERATION_SPAM__REJECT under a model without
    spam: the site believes spam is removed)."""
    have = set(attributes)
    named = [
        f"MODERATION_{a.upper()} ({a})"
        for a in THRESHOLD_ATTRIBUTES
        if a in settings.model_fields_set and a not in have
    ]
    named += [
        f"MODERATION_LANGUAGE_THRESHOLDS ({language}: {a})"
        for language, changes in settings.language_thresholds.items()
        for a in changes
        if a not in have
    ]
    if named:
        raise ConfigurationError(
            f"{', '.join(named)}: thresholds for an attribute the model does not have (it has "
            f"{', '.join(sorted(have))}), so they would decide nothing; unset them or serve a model with it"
        )


def check_artifact_thresholds(settings: Settings) -> None:
    """check_thresholds against the attributes the manifest in ``settings.model_dir`` names (nothing
    unpickled), for `moderate score`, whose workers load the model only later."""
    from model.artifact import read_manifest

    check_thresholds(settings, read_manifest(settings.model_dir)["attributes"])


# Read by `moderate serve` alone (the server, its store and its clients; `moderate purge` reads the store
# settings too, strictly): the other commands neither serve nor write to the store, so a value serve
# refuses here is a warning to them, not a stop.
SERVE_ONLY_SETTINGS = frozenset(
    {
        "host",
        "port",
        "workers",
        "api_token",
        "moderator_tokens",
        "moderator_tokens_file",
        "db_path",
        "database_url",
        "database",
        "do_not_store",
        "retention_days",
        "perspective_aliases",
        "perspective_drop_unsupported",
        "cors_origins",
        "public_base_url",
        "log_level",
        "http_parser",
    }
)


# The thresholds decide: `moderate serve`, `score` and `report` stop on a value refused in one, while
# `parse` and `train`, which decide nothing, warn and go on (as for SERVE_ONLY_SETTINGS).
DECISION_SETTINGS = frozenset({*THRESHOLD_ATTRIBUTES, "language_thresholds"})
DECIDING_COMMANDS = frozenset({"score", "report"})


def variable_name(loc: tuple[int | str, ...]) -> str:
    """The environment variable of a setting error's location: ("toxicity", "review") ->
    MODERATION_TOXICITY__REVIEW."""
    return "MODERATION_" + NESTED_DELIMITER.join(str(p) for p in loc).upper()


def set_variables(loc: tuple[int | str, ...]) -> dict[str, str]:
    """The MODERATION_* variables that set the value at a setting error's location, each with its value
    as given: one naming the location or a part above it (MODERATION_TOXICITY for toxicity.review), and
    the ones naming its parts (MODERATION_TOXICITY__REVIEW for a check of toxicity as a whole, whose
    input is that variable merged with the other step's default). Empty: not set by a variable."""
    wanted = [str(part).lower() for part in loc]
    found = {}
    for name, value in sorted(os.environ.items()):
        prefix, _, rest = name.partition("_")
        path = rest.lower().split(NESTED_DELIMITER)
        common = min(len(path), len(wanted))
        if prefix.upper() == "MODERATION" and rest and path[:common] == wanted[:common]:
            found[name] = value
    return found


def error_reason(err: Mapping[str, Any]) -> str:
    """A setting error's reason as an operator reads it: a validator's own words, without the type
    pydantic puts before a ValueError's message ("Value error, is shorter than 16 characters")."""
    return str(err["msg"]).removeprefix("Value error, ")


def command_settings(command: str) -> Settings:
    """The settings of `moderate COMMAND`, one that neither serves nor writes to the store (parse,
    report, score, train): a value `moderate serve` refuses in a setting only serve reads
    (SERVE_ONLY_SETTINGS), or the commands that decide refuse in a threshold (DECISION_SETTINGS) for
    one that decides nothing, is one warning line naming the variables (never their values), so the
    operator learns of it before serving, and such a setting keeps its default here. Any other refused
    value stops the command, as Settings() does."""
    from pydantic import ValidationError

    unused = SERVE_ONLY_SETTINGS | (DECISION_SETTINGS if command not in DECIDING_COMMANDS else frozenset())
    try:
        return Settings()
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        errors = exc.errors(include_url=False)
        if not all(err["loc"] and err["loc"][0] in unused for err in errors):
            raise
    problems = "; ".join(
        f"{' and '.join(set_variables(err['loc']) or [variable_name(err['loc'])])} (value not shown): "
        f"{error_reason(err)}"
        for err in errors
    )
    refusing = "`moderate serve` refuses to start with it"
    if any(err["loc"][0] in DECISION_SETTINGS for err in errors):
        refusing = "`moderate serve`, `moderate report` and `moderate score` refuse it"
    log.warning("invalid setting %s; `moderate %s` does not use it, %s", problems, command, refusing)
    refused = frozenset(str(err["loc"][0]) for err in errors)
    unread = _UNREAD.set(refused)
    try:
        return Settings(**{name: Settings.model_fields[name].get_default() for name in refused})
    finally:
        _UNREAD.reset(unread)


# MODERATION_* variables of this project that are no setting (read by its tests): not warned about.
OTHER_VARIABLES = frozenset({"MODERATION_SHARED_DIR", "MODERATION_CHROMIUM"})


def warn_unknown_variables() -> None:
    """Name each MODERATION_* variable that is no setting in a warning, with the setting it is closest
    to: MODERATION_API_TOKN was ignored without a word, and the site ran on the defaults believing it
    was configured. Called once by the process that starts (the CLI, uvicorn's factory): the settings
    are read again by each server worker, which would repeat it. (A nested name is refused there.)"""
    for name in os.environ:
        prefix, _, rest = name.partition("_")
        if (
            prefix.upper() == "MODERATION"
            and NESTED_DELIMITER not in rest
            and rest.lower() not in Settings.model_fields
            and name.upper() not in OTHER_VARIABLES
        ):
            log.warning("%s is not a setting, so it is ignored%s", name, _did_you_mean(name))


def _did_you_mean(name: str) -> str:
    """The setting variable ``name`` is closest to, as a hint (else where the settings are listed)."""
    import difflib

    fields = Settings.model_fields
    known = [f"MODERATION_{field.upper()}" for field in fields]
    for field, info in fields.items():
        nested = info.annotation if isinstance(info.annotation, type) else None
        if nested is not None and issubclass(nested, BaseModel):
            known += [f"MODERATION_{field.upper()}{NESTED_DELIMITER}{k.upper()}" for k in nested.model_fields]
    close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else " (the settings: docs/api.md)"


def served_model_dir(settings: Settings) -> Path:
    """The model directory the service serves: the version ACTIVE names in the versions directory, else
    the shipped model. The CLI scores with it too, so a batch run decides as the service does after a
    version was activated (ModelError if ACTIVE names a version that is not there)."""
    from model.versions import VersionRegistry

    registry = VersionRegistry(settings.model_dir, settings.versions_dir)
    active = registry.active_dir()
    if "model_dir" in settings.model_fields_set and active != registry.shipped_dir:
        # Set on purpose (MODERATION_MODEL_DIR, `serve --model-dir`): a new image's model was not served.
        log.warning(
            "MODERATION_MODEL_DIR %s is not served: %s names version %s (%s), which is; activate the "
            "shipped version (or delete ACTIVE) to serve it",
            settings.model_dir,
            registry.active_file,
            registry.pinned(),
            active,
        )
    return active
