"""An SQLite store made read-only for real while the test runs, as root too.

Root writes past a chmod (CAP_DAC_OVERRIDE), so as root a test that needs a chmod to bind runs itself
again in a child pytest inside a user namespace, as an unprivileged user there (the host's root is uid
1000 in it: root's files are its own, and only their mode bits grant a write). A read-only mount needs
a mount namespace: the child is root of its own user and mount namespaces, where it may remount a
folder read-only; the mount ends with the child.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
IN_NAMESPACE = "MODERATION_TEST_IN_NAMESPACE"  # set in the child: the test runs there, not again
# How the store is made read-only: a chmod of the file, of its folder, or a read-only mount of the folder.
WAYS = ("file", "folder", "mount")


def rerun_elsewhere(request: pytest.FixtureRequest, tmp_path: Path, way: str) -> bool:
    """True when this test ran (and passed) in a child pytest in a namespace where `way` binds; False
    when it binds here and the test should run on. Skips where user namespaces are not allowed."""
    if os.environ.get(IN_NAMESPACE) or (way != "mount" and os.geteuid() != 0):
        return False
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-U", "true"]).returncode:
        pytest.skip("no user namespaces here: a read-only store cannot be made for real")
    prefix = (
        ["unshare", "-Urm"] if way == "mount" else ["unshare", "-U", "--map-user=1000", "--map-group=1000"]
    )
    command = [*prefix, sys.executable, "-m", "pytest", request.node.nodeid, "-q", "-p", "no:cacheprovider"]
    proc = subprocess.run(
        [*command, f"--basetemp={tmp_path / 'child'}"],
        cwd=REPO,
        env={**os.environ, IN_NAMESPACE: "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0 and " passed" in proc.stdout, proc.stdout + proc.stderr
    return True


@contextlib.contextmanager
def read_only(folder: Path, file: Path, way: str) -> Iterator[None]:
    """`file` (in `folder`) or `folder` read-only for the block, writable again after it."""
    target = file if way == "file" else folder
    mode = target.stat().st_mode & 0o777
    if way == "mount":
        subprocess.run(["mount", "--bind", folder, folder], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", folder], check=True)
    else:
        target.chmod(mode & ~0o222)
    try:
        assert not os.access(target, os.W_OK), "still writable: the test would prove nothing"
        yield
    finally:
        if way == "mount":
            subprocess.run(["mount", "-o", "remount,bind,rw", folder], check=True)
        else:
            target.chmod(mode)
