"""numba's on-disk cache of the compiled kernels is an optimisation: a failed write never fails a load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Two real kernels (``find`` calls ``_slot``, so two cache writes) on an empty table: -1 each.
_SCRIPT = """
import numpy as np
from model import gram_kernel as g
keys = np.full(8, -1, np.int64)
print(g.find(np.int64(5), keys, keys, 3), g.find_pair(np.int64(5), np.full((8, 2), -1, np.int64), 3))
"""
_ROOT = Path(__file__).resolve().parents[2]


def _run(cache_dir: Path, *, file_limit: str = "unlimited", **env: str) -> subprocess.CompletedProcess[str]:
    proc_env = {**os.environ, "PYTHONPATH": str(_ROOT), "NUMBA_CACHE_DIR": str(cache_dir), **env}
    return subprocess.run(
        ["sh", "-c", f'ulimit -f {file_limit}; exec "$0" -c "$1"', sys.executable, _SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        env=proc_env,
        cwd=_ROOT,
    )


def test_the_kernels_cache_their_machine_code(tmp_path):
    proc = _run(tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "-1 -1\n"
    assert "numba" not in proc.stderr
    assert list((tmp_path / "cache").rglob("gram_kernel.find-*.nbi"))


def test_a_cache_that_cannot_be_written_is_one_warning_not_a_failure(tmp_path):
    # A full disk (here a file size limit, EFBIG) made the first call of a kernel raise OSError, so a
    # model load on a machine with an empty cache failed "does not work with this code".
    proc = _run(tmp_path / "cache", file_limit="1")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "-1 -1\n"
    warnings = [line for line in proc.stderr.splitlines() if "numba" in line]
    assert len(warnings) == 1, proc.stderr
    assert warnings[0].startswith("cannot write numba's cache in "), proc.stderr
    assert "File too large" in warnings[0]


def test_no_writable_cache_directory_is_one_warning_not_a_failed_import(tmp_path):
    # A read-only install (a root-owned site-packages, no writable cache directory for the user): numba
    # finds no place for a cache and raised RuntimeError when the kernel module was imported. Root
    # ignores permissions, so the test leaves numba one place to look, under a regular file.
    (tmp_path / "a-file").write_text("")
    proc = _run(tmp_path / "a-file" / "cache", NUMBA_CACHE_LOCATOR_CLASSES="UserProvidedCacheLocator")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "-1 -1\n"
    warnings = [line for line in proc.stderr.splitlines() if "numba" in line]
    assert len(warnings) == 1, proc.stderr
    assert warnings[0].startswith("numba's cache is off: cannot cache function"), proc.stderr


@pytest.mark.slow
def test_a_damaged_cache_is_compiled_past_with_one_warning(tmp_path):
    # A cache file cut short (a full disk while another tool copied it, a damaged volume) failed every
    # later load with "pickle data was truncated": it is now a cache miss, and the kernel compiles.
    assert _run(tmp_path / "cache").returncode == 0
    damaged = sorted((tmp_path / "cache").rglob("gram_kernel.*.nb[ic]"))
    assert len(damaged) >= 4  # an index and a data file for each of the two kernels
    for path in damaged:
        path.write_bytes(path.read_bytes()[:10])
    proc = _run(tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "-1 -1\n"
    warnings = [line for line in proc.stderr.splitlines() if "numba" in line]
    assert len(warnings) == 1, proc.stderr
    assert warnings[0].startswith("cannot read numba's cache in "), proc.stderr
