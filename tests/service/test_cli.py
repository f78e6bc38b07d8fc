import subprocess
import sys

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


def test_console_script_is_installed():
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    assert "moderate" in proc.stdout


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
        (["serve"], {"MODERATION_PERSPECTIVE_ALIASES": '{"TOXICITY": "TOXIC"}'}, "PERSPECTIVE_ALIASES"),
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
