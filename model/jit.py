"""``cached_njit``: numba's ``njit(cache=True)`` whose on-disk cache is only ever an optimisation.

numba keeps each kernel's machine code in a cache directory (``NUMBA_CACHE_DIR`` when set, else
``__pycache__`` next to the module, else the user's cache directory) so that a process loads it
instead of compiling.
With ``cache=True`` alone a failed write of that cache (a full disk, a file size limit, a directory
that became read-only) raised out of the first call of the kernel, which failed the model's load, and
no writable cache directory at all failed the import, and a damaged cache file failed every later
load. Here each costs only the cache: the kernel is compiled in memory as without a cache, and the
process logs one warning.

This leans on two of numba's internals, ``FunctionCache`` and the dispatcher's ``_cache`` (which is
what ``njit(cache=True)`` sets); numba is pinned in pyproject.toml, and tests/model/test_jit.py holds it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numba
from numba.core.caching import FunctionCache

log = logging.getLogger(__name__)

_warned = threading.Event()  # one warning a process: every kernel fails the same way on the same disk


def _warn_once(message: str, *args: object) -> None:
    if _warned.is_set():
        log.debug(message, *args)
        return
    _warned.set()
    log.warning(message + " (numba compiles the kernels in memory on each start instead)", *args)


class _BestEffortCache(FunctionCache):
    """numba's function cache, whose failed read is a miss and failed write leaves the kernel compiled
    in memory. A damaged file raises whatever unpickling its bytes raises, hence ``Exception``."""

    def load_overload(self, sig: Any, target_context: Any) -> Any:
        try:
            return super().load_overload(sig, target_context)
        except Exception as exc:
            _warn_once("cannot read numba's cache in %s: %s: %s", self.cache_path, type(exc).__name__, exc)
            return None

    def save_overload(self, sig: Any, data: Any) -> None:
        try:
            super().save_overload(sig, data)
        except Exception as exc:  # OSError (a full disk), or the unreadable index of a damaged cache
            _warn_once("cannot write numba's cache in %s: %s", self.cache_path, exc)


def cached_njit(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit(cache=True, **options)``, whose cache cannot fail the caller (see the module doc)."""

    def decorate(func: Callable[..., Any]) -> Any:
        dispatcher = numba.njit(**options)(func)
        try:
            dispatcher._cache = _BestEffortCache(func)
        except RuntimeError as exc:  # numba found no writable cache directory for this module
            _warn_once("numba's cache is off: %s", exc)
        return dispatcher

    return decorate
