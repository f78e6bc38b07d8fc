"""The error hierarchy. Library code raises these; only the edges (HTTP, CLI) map them to codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ModerationError(Exception):
    """Base class for every error this project raises on purpose."""


class InputError(ModerationError):
    """The caller's input cannot be used (empty, binary, malformed, undecodable)."""


class EmptyInputError(InputError):
    """The page or comment has no text at all."""


class BinaryInputError(InputError):
    """The bytes are not text (an image, an archive, ...)."""


class DecodeError(InputError):
    """The bytes could not be decoded as text in any supported encoding."""


class MalformedInputError(InputError):
    """The input is text but its structure is broken (bad JSON line, broken CSV...)."""


class UnreadableInputError(InputError):
    """The input could not be read at all: no such file, a directory, permission denied, an I/O error."""


class TooLargeError(InputError):
    """The input is over a configured size limit."""


class KeyReuseError(InputError):
    """An Idempotency-Key already names another request (another route, item or body): a retry must
    repeat its request unchanged, and a new request needs a new key."""


class ModelError(ModerationError):
    """A model artifact is missing, tampered with, or was written by incompatible library versions."""


class TrainingDataError(ModerationError):
    """Training data is unusable (missing corpus, single class, ...)."""


class ConfigurationError(ModerationError):
    """A setting is missing or contradictory (for example a write endpoint with no token)."""


class NotFoundError(ModerationError):
    """The record asked for (a queue item) does not exist."""


class ConflictError(ModerationError):
    """The request lost a race the database settled (a queue item another moderator already decided).
    ``current``: the record as it stands (a queue item's JSON), for the caller to show."""

    def __init__(self, message: str, current: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = current


class StoreUnavailableError(ModerationError):
    """The database cannot be reached or written right now; nothing was stored, the caller may retry."""


class StoreReadOnlyError(StoreUnavailableError):
    """This process cannot write the SQLite store (a chmod, a read-only mount): reachable, but no verdict
    can be stored until an operator mends it. /readyz reports the database "unavailable"; a write is a 503."""


class SchemaVersionError(ModerationError):
    """The database schema is newer than this code (written by a newer release): upgrade the code."""
