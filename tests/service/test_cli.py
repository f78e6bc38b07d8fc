import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from service.cli import COMMANDS, main


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_unknown_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# `moderate score -v crawl/` (batch.md: "-v shows their debug lines too") stopped on "moderate: error:
# unrecognized arguments: -v" under the top-level usage line: -v was taken only before the command.
@pytest.mark.parametrize(
    ("argv", "verbose"),
    [
        (["score", "-v", "x"], True),
        (["score", "x", "--verbose"], True),
        (["-v", "score", "x"], True),
        (["score", "x"], False),
    ],
)
def test_verbose_is_taken_after_the_command_as_before_it(argv, verbose):
    from service.cli import build_parser

    assert build_parser("score").parse_args(argv).verbose is verbose


def test_eval_parse_still_spells_out_its_own_verbose_misses():
    from service.cli import build_parser

    args = build_parser("eval-parse").parse_args(["eval-parse", "--articles-dir", "a", "--verbose-misses"])
    assert (args.verbose_misses, args.verbose) == (True, False)


def test_console_script_is_installed():
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert "moderate" in proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("argv", "env", "fragment"),
    [
        (["serve", "--port", "99999"], {}, "MODERATION_PORT"),  # was an OverflowError traceback from bind()
        (["serve"], {"MODERATION_PORT": "abc"}, "MODERATION_PORT"),
        (
            ["parse", "seeds"],
            {"MODERATION_LIMITS__MAX_PAGE_BYTES": "20MB"},
            "MODERATION_LIMITS__MAX_PAGE_BYTES",
        ),
        (["score", "seeds"], {"MODERATION_INSULT__REVIEW": "1.5"}, "MODERATION_INSULT__REVIEW"),
        (
            ["serve", "--port", "0"],
            {"MODERATION_PERSPECTIVE_ALIASES": '{"TOXICITY": "TOXIC"}'},
            "PERSPECTIVE_ALIASES",
        ),
        # Each of these was a traceback (uvicorn's, logging's or pydantic-settings'), or a server that
        # started and could not work (0 page slots, 0 requests in flight, -1 bytes, a nan timeout).
        (["serve", "--port", "0"], {"MODERATION_WORKERS": "0"}, "MODERATION_WORKERS"),
        (["serve", "--port", "0"], {"MODERATION_WORKERS": "-2"}, "MODERATION_WORKERS"),
        (["serve", "--port", "0"], {"MODERATION_LOG_LEVEL": "verbose"}, "MODERATION_LOG_LEVEL"),
        (["serve", "--port", "0"], {"MODERATION_CORS_ORIGINS": "*"}, "MODERATION_CORS_ORIGINS"),
        (
            ["serve", "--port", "0"],
            {"MODERATION_PERSPECTIVE_ALIASES": "{bad"},
            "MODERATION_PERSPECTIVE_ALIASES",
        ),
        (["serve", "--port", "0"], {"MODERATION_LIMITS": "{"}, "MODERATION_LIMITS"),
        (["serve", "--port", "0"], {"MODERATION_LIMITS__MAX_CONCURRENT_PAGES": "0"}, "MAX_CONCURRENT_PAGES"),
        (
            ["serve", "--port", "0"],
            {"MODERATION_LIMITS__MAX_REQUESTS_IN_FLIGHT": "0"},
            "MAX_REQUESTS_IN_FLIGHT",
        ),
        (["serve", "--port", "0"], {"MODERATION_LIMITS__MAX_REQUEST_BYTES": "-1"}, "MAX_REQUEST_BYTES"),
        (["serve", "--port", "0"], {"MODERATION_LIMITS__BODY_TIMEOUT_S": "nan"}, "BODY_TIMEOUT_S"),
        # Misspelt names were ignored without a word, the defaults kept.
        (["score", "seeds"], {"MODERATION_TOXCITY__REVIEW": "0.3"}, "MODERATION_TOXCITY__REVIEW"),
        (["parse", "seeds"], {"MODERATION_LIMITS__MAX_PAGE_BYTE": "9"}, "MODERATION_LIMITS__MAX_PAGE_BYTE"),
        (["serve", "--port", "0"], {"MODERATION_API_TOKEN": "s3cret-token\n"}, "MODERATION_API_TOKEN"),
        # docs/limits.md: every command reads the same settings, report and parse too.
        (["report", "seeds"], {"MODERATION_LIMITS__MAX_PAGE_BYTES": "0"}, "MAX_PAGE_BYTES"),
        (["serve", "--port", "0"], {"MODERATION_API_TOKEN": "change-me"}, "MODERATION_API_TOKEN"),
        (["serve", "--port", "0"], {"MODERATION_API_TOKEN": "short"}, "MODERATION_API_TOKEN"),
        # uvicorn's "[Errno -2] Name or service not known" (exit 3) after the model had loaded.
        (["serve", "--port", "0"], {"MODERATION_HOST": "0.0.0.0:8000"}, "MODERATION_HOST"),
        (["serve", "--port", "0", "--host", "no-such-host.invalid"], {}, "MODERATION_HOST"),
        # A ValueError traceback from SQLAlchemy, after the model had loaded.
        (
            ["serve", "--port", "0"],
            {"MODERATION_DATABASE_URL": "postgresql://u:pw@db:notaport/x"},
            "MODERATION_DATABASE_URL",
        ),
    ],
)
def test_a_bad_setting_is_a_one_line_error_naming_the_variable(argv, env, fragment):
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        env={**os.environ, **env},
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variable", "token"),
    [
        ("MODERATION_API_TOKEN", "tooshort7"),
        ("MODERATION_API_TOKEN", "change-me"),
        # Not JSON: pydantic-settings refused it before validation, and parse stopped.
        ("MODERATION_CORS_ORIGINS", "{bad"),
        ("MODERATION_DATABASE", "{bad"),
    ],
)
def test_a_token_serve_refuses_is_one_warning_line_for_parse(variable, token):
    # `MODERATION_API_TOKEN=short moderate parse seeds/000_*.txt` failed ("invalid setting
    # MODERATION_API_TOKEN ... shorter than 16 characters") although parse never uses a token.
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", "seeds/000_c9b04fa1e4a574b0.txt"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        env={**os.environ, variable: token},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("{")
    [line] = proc.stderr.splitlines()
    assert line.startswith("WARNING ") and variable in line and "moderate serve" in line
    assert token not in line


def test_an_unknown_moderation_variable_is_a_warning_on_stderr():
    # MODERATION_API_TOKN=... was ignored without a word: the run went on with no token at all.
    import os

    from tests.conftest import SEEDS_DIR

    seed = sorted(SEEDS_DIR.glob("*.txt"))[0]
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "parse", str(seed)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MODERATION_API_TOKN": "s3cret"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "MODERATION_API_TOKN is not a setting" in proc.stderr and "MODERATION_API_TOKEN" in proc.stderr
    assert "s3cret" not in proc.stderr


@pytest.mark.parametrize("level", ["DEBUG", "ERROR"])
def test_one_worker_applies_the_log_level_to_every_logger_as_several_workers_do(monkeypatch, tmp_path, level):
    # MODERATION_LOG_LEVEL set the level of the service's own loggers with one worker, and of every
    # logger (the model's, the libraries') with several: DEBUG showed the model's lines, and ERROR hid
    # their warnings, only with --workers 2.
    import argparse
    import logging

    from service.api import run as serve

    for name, value in {
        "MODERATION_LOG_LEVEL": level,
        "MODERATION_PORT": "0",
        "MODERATION_DO_NOT_STORE": "true",
        "MODERATION_VERSIONS_DIR": str(tmp_path / "versions"),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(serve, "_load_once", lambda model_dir: object())
    monkeypatch.setattr(serve, "_serve", lambda config, sock: 0)  # uvicorn, given the app
    loggers = [logging.getLogger(), logging.getLogger("service")]
    levels = [logger.level for logger in loggers]
    try:
        args = argparse.Namespace(host=None, port=None, workers=None, model_dir=None)
        assert serve.run(args) == 0
        for name in ("model.artifact", "service.api.app"):  # (uvicorn sets its own loggers' levels)
            assert logging.getLogger(name).getEffectiveLevel() == getattr(logging, level), name
    finally:
        for logger, before in zip(loggers, levels, strict=True):
            logger.setLevel(before)


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("mysql://admin:s3cr@tpass@db/x", ("s3cr", "tpass")),  # was shown as ***@tpass@db
        ("mysql://admin:pa/ss@db/x", ("pa/ss",)),  # was shown in full
        ("mysql://admin:plain@db/x", ("plain",)),
    ],
)
def test_a_refused_url_never_shows_its_password(url, secret):
    from pydantic import ValidationError

    from service.cli import _settings_error
    from service.settings import Settings

    with pytest.raises(ValidationError) as exc:
        Settings(database_url=url)
    message = _settings_error(exc.value)
    assert message is not None and "MODERATION_DATABASE_URL='mysql://admin:***@db/x'" in message
    assert not any(s in message for s in secret), message


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("postgresql://admin:s3cr@tpass@db/x", ("s3cr", "tpass")),
        ("postgresql://admin:s3cr@tp@ss:x@db:5432/x", ("s3cr", "tp@", "ss:x")),
    ],
)
def test_a_postgresql_url_with_an_unencoded_at_is_refused_without_showing_its_password(url, secret):
    # SQLAlchemy and libpq read the password up to its first "@" and the rest as the host: the URL was
    # accepted, every connection failed, and the store's messages (start-up log, /readyz's detail,
    # every 503) named the host "tpass@db": the password's tail.
    from pydantic import ValidationError

    from service.cli import _settings_error
    from service.settings import Settings

    with pytest.raises(ValidationError) as exc:
        Settings(database_url=url)
    message = _settings_error(exc.value)
    assert message is not None and "%40" in message, message
    assert not any(s in message for s in secret), message


@pytest.mark.parametrize(
    "url",
    [
        "host=db user=admin password=s3cret dbname=x",  # libpq's key=value form: was shown in full
        "host=db password='s3cret words' dbname=x",
        "mysql://db/x?password=s3cret",  # a password in the query (libpq reads it there too)
        "mysql://db/x?sslmode=require&PASSWORD=s3cret",
    ],
)
def test_a_refused_database_setting_never_shows_its_password_in_any_form(url):
    from pydantic import ValidationError

    from service.cli import _settings_error
    from service.settings import Settings

    with pytest.raises(ValidationError) as exc:
        Settings(database_url=url)
    message = _settings_error(exc.value)
    assert message is not None and "MODERATION_DATABASE_URL" in message and "postgresql://" in message
    assert "s3cret" not in message, message


def test_a_refused_token_is_never_shown():
    from pydantic import ValidationError

    from service.cli import _settings_error
    from service.settings import Settings

    with pytest.raises(ValidationError) as exc:
        Settings(api_token="s3cret-token\n")  # the secret file's trailing newline
    message = _settings_error(exc.value)
    assert message is not None and "MODERATION_API_TOKEN" in message and "whitespace" in message
    assert "s3cret" not in message, message


def _run_serve(env: dict[str, str], *prefix: str) -> subprocess.CompletedProcess[str]:
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "service.cli", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        env={**os.environ, **env},
    )


def _serve(*args: str, pass_fds: Sequence[int] = ()) -> subprocess.CompletedProcess[str]:
    """`moderate serve ARGS` run from the repository to its exit (each caller's arguments refuse it)."""
    return subprocess.run(
        [sys.executable, "-m", "service.cli", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        env=os.environ,
        pass_fds=pass_fds,
    )


def _serve_refusal(*args: str, pass_fds: Sequence[int] = ()) -> str:
    """`moderate serve ARGS` run to its refusal: exit 1 and one line on stderr naming why it cannot start."""
    proc = _serve(*args, pass_fds=pass_fds)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot start" in lines[0], proc.stderr
    return lines[0]


def test_a_port_already_taken_is_a_one_line_error_before_the_model_loads():
    # uvicorn said "address already in use" only once the model had loaded (20 s on this machine),
    # among its own INFO lines, naming no setting.
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        line = _serve_refusal("--port", str(taken.getsockname()[1]))
    assert "MODERATION_PORT" in line and "already in use" in line


@pytest.mark.parametrize("given", ["a file", "a socket not listening", "a closed descriptor"])
def test_an_fd_that_is_no_listening_socket_is_a_one_line_error_before_the_model_loads(given, tmp_path):
    # `serve --fd N` serves on a socket its parent bound and passed down (the tests' servers: a port
    # found free and let go could be taken by another pytest worker before the server bound it).
    import socket

    with (tmp_path / "f").open("w") as file, socket.socket() as unlistened:
        unlistened.bind(("127.0.0.1", 0))
        fd = {"a file": file.fileno(), "a socket not listening": unlistened.fileno()}.get(given, 99)
        line = _serve_refusal("--fd", str(fd), pass_fds=[file.fileno(), unlistened.fileno()])
    assert f"--fd {fd}" in line


@pytest.mark.parametrize(
    ("args", "says"),
    [(("--workers", "0"), "--workers must be at least 1"), (("--fd", "-5"), "--fd -5")],
)
def test_serve_arguments_out_of_range_are_usage_errors_as_in_the_other_commands(args, says):
    # `--fd -5` ended in socket()'s ValueError traceback; `--workers 0` exited 1 where `score --jobs 0`
    # exits 2 (argparse's status for a usage error).
    proc = _serve(*args)
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("moderate serve: usage error: ") and says in line


@pytest.mark.parametrize("what", ["file", "directory"])
def test_an_unreadable_model_is_a_one_line_error(what):
    # A PermissionError traceback from model/artifact.py before; root reads anything, so as root the
    # test runs the server in a user namespace (unshare -U), where root has no such privilege.
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from tests.conftest import REPO

    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        if shutil.which("unshare") is None or subprocess.run(["unshare", "-U", "true"]).returncode:
            pytest.skip("running as root without user namespaces: permissions do not bind")
        prefix = ("unshare", "-U")
    # Not pytest's tmp_path: its parent is root's 0700, which would hide everything below it.
    tmp_path = Path(tempfile.mkdtemp(prefix="moderate-unreadable-"))
    tmp_path.chmod(0o755)
    model = tmp_path / "model"
    shutil.copytree(REPO / "model" / "default", model)
    (model / "text.joblib" if what == "file" else model).chmod(0)
    try:
        env = {"MODERATION_MODEL_DIR": str(model), "MODERATION_VERSIONS_DIR": str(tmp_path / "versions")}
        proc = _run_serve(env, *prefix)
    finally:
        (model / "text.joblib" if what == "file" else model).chmod(0o755)
        shutil.rmtree(tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot start" in lines[0] and "Permission denied" in lines[0], proc.stderr


def _user_namespace_prefix() -> tuple[str, ...]:
    """As root, permissions bind only inside a user namespace (root there has no CAP_DAC_OVERRIDE)."""
    import os
    import shutil

    if os.geteuid() != 0:
        return ()
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-U", "true"]).returncode:
        pytest.skip("running as root without user namespaces: permissions do not bind")
    return ("unshare", "-U")


@pytest.mark.slow
@pytest.mark.parametrize("what", ["directory", "read-only folder", "under a file"])
def test_a_database_path_that_can_never_be_written_stops_serve(what):
    # The server used to start, /readyz said ok, and every feedback write was a 503 "retry" forever.
    import shutil
    import tempfile
    from pathlib import Path

    prefix = _user_namespace_prefix() if what == "read-only folder" else ()
    tmp_path = Path(tempfile.mkdtemp(prefix="moderate-db-"))
    tmp_path.chmod(0o755)  # mkdtemp's 0700 would hide everything below it inside the namespace
    db = {
        "directory": tmp_path,
        "read-only folder": tmp_path / "ro" / "feedback.sqlite3",
        "under a file": tmp_path / "file" / "feedback.sqlite3",
    }[what]
    (tmp_path / "ro").mkdir(mode=0o555)
    (tmp_path / "file").write_text("")
    try:
        proc = _run_serve(
            {"MODERATION_DB_PATH": str(db), "MODERATION_VERSIONS_DIR": str(tmp_path / "v")}, *prefix
        )
    finally:
        shutil.rmtree(tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot start" in lines[0] and "MODERATION_DB_PATH" in lines[0], proc.stderr


@pytest.mark.parametrize(
    ("command", "words"),
    [
        # "split one page ... (JSON)": it takes many pages and directories, and writes JSONL then
        ("parse", ["pages", "JSONL"]),
        # "per-page parser accuracy over the shared article pages": it also scores the Dragnet test
        # split, and its exit status is the pinned floors' verdict
        ("eval-parse", ["Dragnet", "floors"]),
    ],
)
def test_a_subcommand_help_says_what_it_does(capsys, command, words):
    # the one line `moderate --help` lists and `moderate COMMAND --help` opens with
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert COMMANDS[command][1] in " ".join(capsys.readouterr().out.split())
    assert all(w in COMMANDS[command][1] for w in words), COMMANDS[command][1]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("redirect", "message"),
    [("> /dev/full", "No space left on device"), (">&-", "standard output is closed")],
)
@pytest.mark.parametrize("pages", [1, 2])
def test_output_that_cannot_be_written_is_a_one_line_error(redirect, message, pages):
    # A full disk (/dev/full) or a closed stdout (`>&-`) ended `moderate parse` in an OSError or
    # AttributeError traceback: now one line on stderr and exit 1 (the output is incomplete).
    from tests.conftest import SEEDS_DIR

    seeds = sorted(str(p) for p in SEEDS_DIR.glob("*.txt"))[:pages]
    proc = subprocess.run(
        ["sh", "-c", f'exec "$0" -m service.cli parse "$@" {redirect}', sys.executable, *seeds],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == f"moderate parse: error: cannot write the output: {message}\n"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("argv", "rc"),
    [
        (["parse", "/nonexistent/page.txt"], 2),  # a missing PATH: a usage error, as for score
        (["parse", "EMPTY"], 1),
        (["score", "/nonexistent/dir"], 2),
        (["parse", "EMPTY", "SEED"], 1),
    ],
)
def test_with_stderr_closed_messages_never_land_in_the_output(tmp_path, argv, rc):
    # `2>&-` (a daemon, a cron line): sys.stderr is None, so print(..., file=sys.stderr) wrote the error
    # into stdout, the JSON the caller parses, and `moderate score` died on sys.stderr.isatty() with
    # nothing written at all. Messages now go nowhere; the output and the exit status stay right.
    from tests.conftest import SEEDS_DIR

    (tmp_path / "empty.txt").write_bytes(b"")
    seed = sorted(SEEDS_DIR.glob("*.txt"))[0]
    argv = [{"EMPTY": str(tmp_path / "empty.txt"), "SEED": str(seed)}.get(a, a) for a in argv]
    proc = subprocess.run(
        ["sh", "-c", 'exec "$0" -m service.cli "$@" 2>&-', sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == rc
    assert all(line.startswith("{") for line in proc.stdout.splitlines()), proc.stdout
    assert len(proc.stdout.splitlines()) == (2 if str(seed) in argv else 0)


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["--help"], "moderate"),
        (["score", "--help"], "moderate score"),
        (["report", "--help"], "moderate report"),
    ],
)
def test_help_that_cannot_be_written_is_a_one_line_error(argv, name):
    # `moderate --help > /dev/full` exited 0 with nothing said: argparse swallows the OSError of its
    # write. Now one line on stderr and exit 1, as for a command's output.
    proc = subprocess.run(
        ["sh", "-c", 'exec "$0" -m service.cli "$@" > /dev/full', sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == f"{name}: error: cannot write the output: No space left on device\n"


class _FullDisk:
    """A regular file on a full disk: writes land in the buffer, the flush fails."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        import errno

        raise OSError(errno.ENOSPC, "No space left on device")


def test_output_whose_last_flush_fails_is_a_one_line_error(monkeypatch, capsys, tmp_path):
    # A short output sits in stdout's buffer until Python flushes it at exit, after main() returned 0:
    # on a full disk the failure came only then, as Python's "Exception ignored" and status 120.
    from tests.conftest import SEEDS_DIR

    seed = sorted(SEEDS_DIR.glob("*.txt"))[1]
    monkeypatch.setattr(sys, "stdout", _FullDisk())
    assert main(["parse", str(seed)]) == 1
    assert (
        capsys.readouterr().err == "moderate parse: error: cannot write the output: No space left on device\n"
    )


@pytest.mark.parametrize("argv", [["--help"], ["parse", "PAGES"]])
def test_a_closed_pipe_ends_the_run_quietly(argv):
    # `moderate ... | head -1`: the reader is gone before the output is written (read end closed
    # first, so every write fails): no traceback, no message, exit 0 as for a pipe reader that is done.
    from tests.conftest import SEEDS_DIR

    argv = [
        a for arg in argv for a in ([str(p) for p in SEEDS_DIR.glob("*.txt")] if arg == "PAGES" else [arg])
    ]
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "service.cli", *argv], stdout=write, stderr=subprocess.PIPE, timeout=60
        )
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (0, b"")


@pytest.mark.parametrize(
    ("workers", "memory_gb", "warned"),
    [
        (64, 8, "MODERATION_WORKERS=64 (--workers) on a machine with 2 cores, and 8.0 GB"),
        (2, 8, None),
        (2, 0.5, "MODERATION_WORKERS=2 (--workers) on a machine with 2 cores, and 0.5 GB"),
    ],
)
def test_more_workers_than_the_machine_holds_is_a_warning(
    monkeypatch, tmp_path, caplog, workers, memory_gb, warned
):
    # MODERATION_WORKERS=64 on 2 cores was taken without a word: scoring is CPU-bound, so the workers
    # past the cores add nothing but each holds a model (~400 MB), 25 GB in all. Warned, not refused:
    # a container can misreport its cores.
    import argparse

    from service.api import run as serve

    for name, value in {
        "MODERATION_WORKERS": str(workers),
        "MODERATION_PORT": "0",
        "MODERATION_DO_NOT_STORE": "true",
        "MODERATION_VERSIONS_DIR": str(tmp_path / "versions"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(serve.os, "cpu_count", lambda: 2)
    pages = {"SC_PAGE_SIZE": 1000, "SC_PHYS_PAGES": int(memory_gb * 10**6)}
    monkeypatch.setattr(serve.os, "sysconf", lambda name: pages[name])
    monkeypatch.setattr(serve, "_check_in_child", lambda model_dir: None)
    monkeypatch.setattr(serve, "_run_workers", lambda config, sock: 0)
    with caplog.at_level("WARNING", logger="service.api.run"):
        assert serve.run(argparse.Namespace(host=None, port=None, workers=None, model_dir=None)) == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "service.api.run"]
    if warned:
        assert len(lines) == 1 and lines[0].startswith(warned), lines
        assert (
            f"take ~{workers * 0.4:.1f} GB" in lines[0]
            and f"use at most {min(2, int(memory_gb / 0.4))}" in lines[0]
        ), lines
    else:
        assert lines == []


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_out_file_that_cannot_be_written_is_a_one_line_error(tmp_path, jobs):
    # --out on a full disk (here: a file size limit, EFBIG, which an unprivileged test can set) ended
    # `moderate score` in an OSError traceback: now one line on stderr and exit 1, as for stdout, and
    # neither the file nor its temp file is left. Each file's rows (a chunk's spool file) are under the
    # limit, their total over it: it is the --out file that is refused, not the spool.
    from tests.service.batch_helpers import write_jsonl

    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(20):
        write_jsonl(inputs / f"{i:02d}.jsonl", [{"id": str(i), "text": "an ordinary comment"}])
    out = tmp_path / "scores.jsonl"
    argv = ["score", str(inputs), "--jobs", jobs, "--chunk-size", "1", "--out", str(out)]
    proc = subprocess.run(
        ["sh", "-c", 'ulimit -f 4; exec "$0" -m service.cli "$@"', sys.executable, *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.splitlines()[-1] == "moderate score: error: cannot write the output: File too large"
    assert [p.name for p in tmp_path.iterdir()] == ["in"]


@pytest.mark.parametrize("command", ["score", "report", "parse"])
def test_a_missing_path_is_the_same_usage_error_for_every_command(command, tmp_path, capsys):
    # `score nosuch` was a usage error (exit 2), `report nosuch` a page that "cannot stat" (exit 1)
    # and `parse nosuch` "no such file" (exit 1): a PATH that does not exist is now named, for all three,
    # before any file is read or any model loaded.
    (tmp_path / "a.txt").write_text("A title\n\nA body line.\n")
    missing = str(tmp_path / "nosuch")
    assert main([command, str(tmp_path / "a.txt"), missing]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"moderate {command}: usage error: no such file or directory: {missing}\n", err
    assert main([command, missing]) == 2
    assert capsys.readouterr().err.endswith(f"no such file or directory: {missing}\n")


def test_one_worker_frees_the_model_it_started_with_after_a_reload(monkeypatch, tmp_path):
    # `moderate serve` (one worker) loads the model once before uvicorn starts, and its own frame kept
    # that first model for the process's life: every reload or activation left it in memory beside the
    # one served.
    import argparse
    import gc
    import weakref

    from fastapi.testclient import TestClient

    from service.api import run as serve
    from tests.service.api.conftest import TOKEN, FakeScorer

    for name, value in {
        "MODERATION_PORT": "0",
        "MODERATION_DO_NOT_STORE": "true",
        "MODERATION_VERSIONS_DIR": str(tmp_path / "versions"),
        "MODERATION_API_TOKEN": TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    started: list[weakref.ref[FakeScorer]] = []

    def load_once(model_dir):
        scorer = FakeScorer("first")
        scorer.cycle = scorer  # a real model's objects hold reference cycles
        started.append(weakref.ref(scorer))
        return scorer

    freed = []

    def serve_once(config, sock):  # uvicorn, given the app
        with TestClient(config.app) as client:
            r = client.post("/v1/admin/reload", headers={"Authorization": f"Bearer {TOKEN}"})
            assert r.status_code == 200 and r.json()["version"] == "second", r.text
            freed.append(started[0]() is None)
        return 0

    monkeypatch.setattr(serve, "_load_once", load_once)
    monkeypatch.setattr("service.api.state.load_shipped_scorer", lambda model_dir: FakeScorer("second"))
    monkeypatch.setattr(serve, "_serve", serve_once)
    args = argparse.Namespace(host=None, port=None, workers=None, model_dir=None, verbose=True)
    try:
        assert serve.run(args) == 0
    finally:
        gc.unfreeze()
    assert freed == [True], "the model the worker started with is still alive"
