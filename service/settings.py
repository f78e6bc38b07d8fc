"""One settings object for the whole service, read from MODERATION_* environment variables.

It is built once at the edge (CLI or app factory) and passed down explicitly; nothing reads the
environment anywhere else.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = PACKAGE_ROOT / "model" / "default"
PERSPECTIVE_ATTRIBUTES = ("INSULT", "OFF_TOPIC")  # the names comments:analyze answers to


class Thresholds(BaseModel):
    """Score at or above `review` sends a comment to a moderator; at or above `reject` removes it.
    ``None`` turns that step off for the attribute (e.g. unsubstantial never rejects by default)."""

    review: float | None = Field(default=None, ge=0.0, le=1.0)
    reject: float | None = Field(default=None, ge=0.0, le=1.0)


class Limits(BaseModel):
    """Bounds on input size, so one request or page cannot exhaust the machine."""

    max_page_bytes: int = 20 * 1024 * 1024  # 20 MiB of raw page
    max_request_bytes: int = 2 * 1024 * 1024  # 2 MiB of request body
    max_comment_chars: int = 20_000
    max_comments_per_request: int = 1_000
    max_explain_comments: int = 100  # explain=true costs a pass per comment and attribute
    max_explain_chars: int = 200_000  # ... and time per character (~3 us): this bounds it near 0.6 s
    max_comments_per_page: int = 20_000
    # Lines per page: a page of one-letter lines costs ~360 bytes and ~3 us per line in the parser
    # (20 MiB of them: 3.6 GB). Real pages have up to ~5,000; a 20,000-comment thread ~200,000.
    max_page_lines: int = 400_000
    # Pages parsed and scored at once per worker (the others wait): a 20 MiB HTML page takes ~600 MB
    # for seconds, and the GIL makes more than a couple at a time no faster.
    max_concurrent_pages: int = 2
    # Lines per JSONL export in `moderate score`: lines sharing an article_id may be anywhere in the
    # file, so a file is held whole (~1.7 KB a line with its output row): 500,000 lines is ~0.9 GB.
    max_jsonl_lines: int = 500_000
    max_html_depth: int = 512
    # Open connections (and requests in flight) per API worker; beyond it uvicorn answers 503. Each
    # connection may buffer a body up to max_page_bytes, so this also bounds that memory (128 x 20 MiB).
    max_connections: int = 128


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MODERATION_", env_nested_delimiter="__", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = 1
    model_dir: Path = DEFAULT_MODEL_DIR
    # Per-attribute thresholds, each settable as MODERATION_<ATTRIBUTE>__REVIEW / __REJECT
    # (e.g. MODERATION_TOXICITY__REVIEW=0.4). Defaults come from out-of-fold validation data of the
    # shipped model (manifest metrics; docs/attributes.md says which point each one is).
    insult: Thresholds = Thresholds(review=0.5, reject=0.9)
    off_topic: Thresholds = Thresholds(review=0.6, reject=0.95)
    toxicity: Thresholds = Thresholds(review=0.5, reject=0.9)
    severe_toxicity: Thresholds = Thresholds(review=0.5, reject=0.9)
    identity_attack: Thresholds = Thresholds(review=0.5, reject=None)  # OOF precision never reaches 0.8
    profanity: Thresholds = Thresholds(review=0.8, reject=None)
    spam: Thresholds = Thresholds(review=0.5, reject=0.95)
    # Short or content-free is not a reason to hold a comment back unless a site says so.
    unsubstantial: Thresholds = Thresholds(review=None, reject=None)
    limits: Limits = Limits()
    api_token: str | None = None  # bearer token for write endpoints; None disables them
    db_path: Path = Path("var/moderation.sqlite3")
    do_not_store: bool = False  # when true, feedback and request data are never persisted
    # Perspective switch-over: answer a requested attribute with one of ours, e.g. {"TOXICITY": "INSULT"}
    # (MODERATION_PERSPECTIVE_ALIASES='{"TOXICITY":"INSULT"}'). Empty: other names get Perspective's 400.
    perspective_aliases: dict[str, str] = {}
    log_level: str = "INFO"

    @field_validator("perspective_aliases")
    @classmethod
    def _alias_targets(cls, aliases: dict[str, str]) -> dict[str, str]:
        # Checked at start: a typo would otherwise answer every aliased request "does not exist".
        targets = {name: target.upper() for name, target in aliases.items()}
        unknown = sorted({t for t in targets.values() if t not in PERSPECTIVE_ATTRIBUTES})
        if unknown:
            raise ValueError(
                f"alias targets must be {' or '.join(PERSPECTIVE_ATTRIBUTES)}, got {', '.join(unknown)}"
            )
        return targets

    def thresholds(self) -> dict[str, Thresholds]:
        return {name: getattr(self, name) for name in THRESHOLD_ATTRIBUTES}


THRESHOLD_ATTRIBUTES: tuple[str, ...] = (
    "insult",
    "off_topic",
    "toxicity",
    "severe_toxicity",
    "identity_attack",
    "profanity",
    "spam",
    "unsubstantial",
)
