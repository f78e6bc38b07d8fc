"""`moderate serve [--host H] [--port P] [--workers N] [--fd N]`: the REST service under uvicorn.

Flags override the MODERATION_* settings. One worker: the app is built here and handed to uvicorn.
Several workers: uvicorn starts N processes that each import `service.api.app:worker_app`, so the
overrides are passed down as MODERATION_* environment variables; every worker loads the model once
in its lifespan (N workers = N copies of the model in memory).

Slow and idle sockets are closed by timeouts (service.api.protocol, the body-limit middleware); the
limit on concurrent work counts requests in flight (the app's InFlightLimitMiddleware), not open
connections as uvicorn's limit_concurrency would. docs/limits.md lists every bound.

Reloading a new artifact with several workers:
- `POST /v1/admin/reload` (token): the worker that takes it reloads in place, then sends SIGHUP to
  its sibling workers, which reload in place too. Nothing restarts, no connection is dropped.
- SIGHUP to one worker: that worker reloads in place (`pkill -HUP -P <supervisor pid>`: all of them).
- SIGHUP to the supervisor: uvicorn's own rolling restart, one new process per worker, each ready
  (model loaded) before the old one retires; a new worker whose model fails to load never replaces a
  running one. Idle keep-alive connections of a retiring worker are closed, so a client may have to
  retry a request that raced that close (HTTP clients retry on a fresh connection).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError, ModelError

log = logging.getLogger(__name__)

# What one API worker holds: the model and the libraries (331 MB RSS measured after its first score),
# with some room for the request it handles. Workers past the machine's cores only add this.
WORKER_MEMORY_MB = 400


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="interface to bind (MODERATION_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (MODERATION_PORT, default 8000)")
    parser.add_argument("--workers", type=int, help="worker processes (MODERATION_WORKERS, default 1)")
    parser.add_argument(
        "--fd",
        type=int,
        help="serve on this listening socket, inherited open (a supervisor's or a test's), instead of "
        "binding --host and --port",
    )
    parser.add_argument(
        "--model-dir",
        type=Path,
        help="the shipped model's artifact directory (MODERATION_MODEL_DIR); a version activated in "
        "MODERATION_VERSIONS_DIR is served instead",
    )


def _overrides(args: argparse.Namespace) -> dict[str, str]:
    env = {}
    if args.host is not None:
        env["MODERATION_HOST"] = args.host
    if args.port is not None:
        env["MODERATION_PORT"] = str(args.port)
    if args.workers is not None:
        env["MODERATION_WORKERS"] = str(args.workers)
    if args.model_dir is not None:
        env["MODERATION_MODEL_DIR"] = str(args.model_dir.resolve())
    return env


def _supervisor(config: Any, sockets: list[socket.socket]) -> Any:
    """uvicorn's multiprocess supervisor, closing its own copy of the listening socket when it exits.

    The workers close theirs when their drain starts, but the supervisor kept its copy open until
    every worker had finished: the socket stayed in LISTEN, the kernel completed handshakes nobody
    would accept, and a client that connected during a drain hung until the supervisor exited, then
    was reset. Closed, the port refuses new connections at once, as with one worker. (Not on SIGHUP:
    the replacement workers need it.)
    """
    from uvicorn.supervisors import Multiprocess

    class Supervisor(Multiprocess):
        def terminate_all(self) -> None:  # called only on the way out (SIGTERM, SIGINT, failed start)
            for sock in self.sockets:
                sock.close()
            super().terminate_all()

    return Supervisor(config, sockets=sockets)


def _inherited_socket(fd: int) -> socket.socket:
    """The listening socket passed down as file descriptor `fd` (its family read from the descriptor:
    uvicorn's own `fd` option takes every one for a Unix socket, which turns TCP_NODELAY off). The
    parent binds it and keeps no port free in between: a port found free and let go (bind to 0, close,
    `--port`) can be taken by another process first."""
    try:
        sock = socket.socket(fileno=fd)
    except OSError as exc:
        raise ConfigurationError(f"cannot start: --fd {fd} is no open socket: {exc.strerror or exc}") from exc
    if sock.type != socket.SOCK_STREAM or not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
        sock.detach()  # the caller's descriptor, left as it was
        raise ConfigurationError(f"cannot start: --fd {fd} is no listening stream socket")
    return sock


def _serve(config: Any, sock: socket.socket | None) -> int:
    """What uvicorn.run does for one worker, on the inherited socket when there is one."""
    import uvicorn
    from uvicorn.server import STARTUP_FAILURE

    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=None if sock is None else [sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)
    return 0


def _run_workers(config: Any, sock: socket.socket | None) -> int:
    """What uvicorn.run does for workers > 1, plus TCP_NODELAY on the shared listening socket.

    uvicorn creates that socket with protocol 0, so asyncio's automatic TCP_NODELAY skips the
    connections the workers accept; Nagle's algorithm plus the client's delayed ACK then add ~40 ms to
    every keep-alive response (measured: /healthz p50 43 ms with 2 workers, 0.5 ms with 1). On Linux
    accepted sockets inherit the option from the listener. Plain `uvicorn --workers N` has this issue.
    """
    from uvicorn.server import STARTUP_FAILURE

    if sock is None:
        sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    supervisor = _supervisor(config, [sock])
    supervisor.run()
    # uvicorn stops the supervisor when a worker fails to start (a model that cannot load): say so.
    return 1 if any(p.exitcode == STARTUP_FAILURE for p in supervisor.processes) else 0


def _load_once(model_dir: Path) -> Any:
    from service.api.state import ModelHolder, load_shipped_scorer

    try:
        return ModelHolder(load_shipped_scorer, model_dir).load()
    except ModelError as exc:
        raise ModelError(f"cannot start: {exc}") from exc


def _load_error(model_dir: Path) -> str | None:
    try:
        _load_once(model_dir)
    except ModelError as exc:
        return str(exc)
    return None


def _check_in_child(model_dir: Path) -> None:
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        error = pool.apply(_load_error, (model_dir,))
    if error:
        raise ModelError(error)


def _check_address(host: str, port: int) -> None:
    """The address is bound once and let go, as uvicorn binds it: a host that is no address of this
    machine (MODERATION_HOST=0.0.0.0:8000) or a port already taken stopped the start only once the
    model had loaded, in uvicorn's words among its INFO lines ("[Errno -2] Name or service not known",
    exit 3), naming neither setting."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        raise ConfigurationError(
            f"cannot start: cannot listen on MODERATION_HOST={host!r} MODERATION_PORT={port} "
            f"(--host, --port): {exc.strerror or exc}"
        ) from exc


def _warn_about_workers(workers: int) -> None:
    """Warn (not refuse: a container can misreport its cores and memory) about more workers than the
    machine has cores, or than its memory holds: scoring is CPU-bound, so the workers past the cores
    add no throughput, and each holds its own model."""
    cores = os.cpu_count() or 1
    try:
        memory_mb = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 10**6
    except (AttributeError, OSError, ValueError):  # not known on this system
        memory_mb = 0
    needed_mb = workers * WORKER_MEMORY_MB
    if workers <= cores and not needed_mb > memory_mb > 0:
        return
    has = f", and {memory_mb / 1000:.1f} GB of memory" if memory_mb else ""
    fits = max(1, min(cores, memory_mb // WORKER_MEMORY_MB if memory_mb else cores))
    log.warning(
        "MODERATION_WORKERS=%d (--workers) on a machine with %d cores%s: each worker holds the model "
        "(~%d MB), so %d take ~%.1f GB, and scoring is CPU-bound, so workers past the cores add no "
        "throughput; use at most %d",
        workers,
        cores,
        has,
        WORKER_MEMORY_MB,
        workers,
        needed_mb / 1000,
        fits,
    )


def _check_store(settings: Any) -> None:
    """A database written by a newer release stops the start here, in one line: with several workers,
    each worker's failure reached uvicorn's supervisor only at its 120 s health-check timeout. A
    database that is down does not (the service scores without it); an SQLite file not yet made is
    left to the first write."""
    from core.errors import SchemaVersionError, StoreUnavailableError
    from service.storage import open_store, target_for

    if settings.do_not_store:
        return
    target = target_for(settings)
    if target.path is not None and not target.path.exists():
        return
    try:
        open_store(settings).close()
    except (SchemaVersionError, ConfigurationError) as exc:  # too new; not UTF8
        raise type(exc)(f"cannot start: {exc}") from exc
    except StoreUnavailableError as exc:
        log.warning("the database is not reachable at start (feedback and the queue answer 503): %s", exc)


def _connection_options(settings: Any) -> dict[str, Any]:
    """uvicorn's HTTP parser (settings), bounded for slow and idle sockets (see
    service.api.protocol); the limit on requests in flight is the app's (InFlightLimitMiddleware), so
    uvicorn's limit_concurrency, which counts open connections, is left off."""
    from service.api.protocol import bounded_protocol

    limits = settings.limits
    return {
        "http": bounded_protocol(
            settings.http_parser,
            header_timeout=limits.header_timeout_s,
            max_head_bytes=limits.max_head_bytes,
            send_timeout=limits.send_timeout_s,
        ),
        "timeout_keep_alive": limits.keep_alive_timeout_s,
    }


def _argument_problem(args: argparse.Namespace) -> str | None:
    """What makes the arguments a usage error (exit 2, as `moderate score --jobs 0`), or None."""
    if args.workers is not None and args.workers < 1:
        return "--workers must be at least 1"
    if getattr(args, "fd", None) is not None and args.fd < 0:
        return f"--fd {args.fd}: a file descriptor is 0 or more"  # (socket() raised a traceback)
    return None


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from service.settings import Settings

    if problem := _argument_problem(args):
        from service.cli import usage_error

        return usage_error("serve", problem)
    # The CLI edge is the one place that writes the environment: the workers read their settings from it.
    os.environ.update(_overrides(args))
    settings = Settings()
    fd = getattr(args, "fd", None)
    inherited = _inherited_socket(fd) if fd is not None else None
    if inherited is None:
        _check_address(settings.host, settings.port)
    else:
        log.info("serving on the inherited socket %s (--fd %d)", inherited.getsockname(), fd)
    _warn_about_workers(settings.workers)
    from service.roster import Roster
    from service.storage import check_writable_sqlite

    try:  # before the model loads: a store that can never be written is a one-line refusal, as is a
        check_writable_sqlite(settings)  # moderators' tokens file that cannot be read
        Roster(settings)
    except ConfigurationError as exc:
        raise ConfigurationError(f"cannot start: {exc}") from exc
    # Check the artifact (manifest, versions, sha256; nothing unpickled) before uvicorn starts: a bad
    # model is then one line naming the fix, not a lifespan traceback from every worker.
    from core.errors import ModerationError
    from model.artifact import verify_artifact
    from service.api.perspective_protocol import check_aliases
    from service.settings import check_thresholds, served_model_dir

    active = served_model_dir(settings)
    try:
        manifest, _ = verify_artifact(active)
        check_aliases(settings.perspective_aliases, manifest["attributes"])
        check_thresholds(settings, manifest["attributes"])
    except ModerationError as exc:
        raise type(exc)(f"cannot start: {exc}") from exc
    # A file that matches its hash can still be truncated or hold the wrong object: unpickle and try the
    # model once here too. With one worker the model loaded here is the one served; with several, a
    # child process loads it, so the supervisor does not keep a copy (and a failing worker is not
    # noticed by uvicorn's supervisor until its health-check timeout, 120 s).
    first = _load_once(active) if settings.workers == 1 else None
    if settings.workers > 1:
        _check_in_child(active)
    _check_store(settings)
    level = settings.log_level.lower()
    access_log = level in ("debug", "info")  # access lines hold method, path, status: never comment text
    if settings.workers > 1:
        # Before uvicorn spawns the workers: prometheus-client then shares values across processes.
        if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            metrics_dir = tempfile.mkdtemp(prefix="moderation-metrics-")
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
            atexit.register(shutil.rmtree, metrics_dir, ignore_errors=True)
        return _run_workers(
            uvicorn.Config(
                "service.api.app:worker_app",
                factory=True,
                host=settings.host,
                port=settings.port,
                workers=settings.workers,
                log_level=level,
                access_log=access_log,
                **_connection_options(settings),
                # A new worker imports everything and loads the model before it is ready; uvicorn's
                # default 5 s is too short on a busy 2-core machine and aborts a SIGHUP roll.
                timeout_worker_healthcheck=120,
            ),
            inherited,
        )

    import logging

    from service.api.app import create_app
    from service.api.state import load_shipped_scorer

    preloaded = [first]
    del first  # held by this frame for the process's life, it outlived every reload and activation

    def loader(model_dir: Path) -> Any:  # the model loaded above, then (reloads) from disk
        return preloaded.pop() if preloaded else load_shipped_scorer(model_dir)

    # Every logger, as each worker does with several (worker_app): the service's alone left the
    # model's and the libraries' lines at the CLI's WARNING. (`moderate -v serve` keeps DEBUG.)
    if not getattr(args, "verbose", False):
        logging.getLogger().setLevel(settings.log_level.upper())
    config = uvicorn.Config(
        create_app(settings, scorer_loader=loader),
        host=settings.host,
        port=settings.port,
        log_level=level,
        access_log=access_log,
        **_connection_options(settings),
    )
    return _serve(config, inherited)
