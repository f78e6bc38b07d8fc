"""`make install`'s `pip install -e .`, in a throwaway venv: what it installs and what it says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

PACKAGES = ("core", "service", "model", "training")
# Package data the service reads at run time, one file of each pattern pyproject.toml installs.
DATA = {
    "model": "default/manifest.json",
    "service": "api/web/index.html",
    "training": "floors.json",
}

SHOW_INSTALLED = f"""
import importlib.resources, importlib.util, json
print(json.dumps({{
    "packages": {{p: importlib.util.find_spec(p).origin for p in {PACKAGES!r}}},
    "data": {{p: importlib.resources.files(p).joinpath(f).is_file() for p, f in {DATA!r}.items()}},
}}))
"""


def test_an_editable_install_is_quiet_and_installs_the_four_packages_with_their_data(tmp_path: Path) -> None:
    # setuptools said "Editable installation. Please be careful with folders in your working directory
    # with the same name as your package as they may take precedence during imports" on every `make
    # install`: with no package-dir it could not tell the flat layout's packages sit in the project root.
    import json

    venv = tmp_path / "venv"
    base = Path(sys.base_prefix) / "bin" / "python3"
    subprocess.run([base, "-m", "venv", venv], check=True, timeout=120)
    pip = subprocess.run(
        [venv / "bin" / "pip", "install", "-v", "--no-deps", "-e", REPO],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    said = pip.stdout + pip.stderr
    assert "be careful with folders" not in said, said
    assert "Warning" not in said.split("Building editable", 1)[1], said
    assert (venv / "bin" / "moderate").is_file()
    shown = subprocess.run(
        [venv / "bin" / "python", "-c", SHOW_INSTALLED],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # not the project: found through the install alone
        check=True,
    )
    installed = json.loads(shown.stdout)
    assert installed["packages"] == {p: str(REPO / p / "__init__.py") for p in PACKAGES}
    assert installed["data"] == dict.fromkeys(DATA, True)
