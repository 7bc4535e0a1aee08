"""Helpers for the tests of what an install gives: a copy of the project as a fresh clone has it,
and commands run in a process of their own with the project's interpreter."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What a fresh clone does not have: made by installing, building or running.
GENERATED = {
    *(".git", ".venv", "build", "dist", "instance", "node_modules", "__pycache__"),
    *(".pytest_cache", ".ruff_cache", ".hypothesis"),
}
# Settings of the surroundings that would change what the app under test does.
APP_SETTINGS = ("DATABASE_URL", "BOOKING_ENV", "SECRET_KEY", "SERVER_NAME", "PYTHONPATH")


def _not_in_a_fresh_clone(directory: str, names: list[str]) -> set[str]:
    ignored = {name for name in names if name in GENERATED or name.endswith(".egg-info")}
    if Path(directory) == ROOT / "booking":
        ignored.add("translations")  # the compiled catalogues, git-ignored
    return ignored


def fresh_clone(target: Path) -> Path:
    """The project's files as `git clone` gives them, without compiled catalogues."""
    shutil.copytree(ROOT, target, ignore=_not_in_a_fresh_clone)
    return target


def run(
    args: list[str], cwd: Path, python_path: Path | None = None, **env: str
) -> subprocess.CompletedProcess:
    """Run `python <args>` with the project's interpreter (its .venv provides the dependencies);
    `python_path` comes first on sys.path. Fails the test with the output if it fails."""
    environment = {key: value for key, value in os.environ.items() if key not in APP_SETTINGS}
    if python_path is not None:
        environment["PYTHONPATH"] = str(python_path)
    environment.update(env)
    result = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result
