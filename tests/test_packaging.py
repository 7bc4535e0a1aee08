"""A plain install is the whole app: the wheel that `pip install .` builds and installs carries the
templates, migrations, static files and compiled Italian catalogues, and the installed package
builds its schema and serves Italian pages without the source tree."""

import json
import sqlite3
import tarfile
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo

from booking.catalogues import merged_catalogue
from tests.packaging import ROOT, fresh_clone, run

APP_FILES = [
    path
    for folder in ("templates", "migrations", "booking/static")
    for path in sorted((ROOT / folder).rglob("*"))
    if path.is_file() and "__pycache__" not in path.parts
]
COMPILED_ITALIAN = "booking/translations/it/LC_MESSAGES/messages.mo"


def _in_the_package(path: Path) -> str:
    relative = path.relative_to(ROOT).as_posix()
    return relative if relative.startswith("booking/") else f"booking/{relative}"


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    return fresh_clone(tmp_path_factory.mktemp("clone") / "booking-platform")


@pytest.fixture(scope="module")
def wheel(clone, tmp_path_factory) -> Path:
    # What is installed already builds it (setuptools, Babel): no build isolation, no index.
    dist = tmp_path_factory.mktemp("dist")
    pip_wheel = ["-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    run([*pip_wheel, "--wheel-dir", str(dist), str(clone)], cwd=dist)
    (built,) = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site-packages")
    pip_install = ["-m", "pip", "install", "--no-deps", "--no-index", "-q"]
    run([*pip_install, "--target", str(target), str(wheel)], cwd=target)
    return target


SERVE = """
import json
import booking, config
from booking.wsgi import app

client = app.test_client()
home = client.get("/", headers={"Accept-Language": "it"})
css = client.get("/static/css/app.css")
print(json.dumps({
    "imported": [booking.__file__, config.__file__],
    "home": [home.status_code, home.get_data(as_text=True)],
    "css": [css.status_code, css.get_data(as_text=True)],
}))
"""


@pytest.fixture(scope="module")
def deployment(installed, tmp_path_factory) -> dict:
    """The README's production path from the installed copy, in a folder outside the source
    tree: `flask db upgrade`, then the WSGI app answering requests."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    database = elsewhere / "booking.db"
    url = f"sqlite:///{database}"
    run(
        ["-m", "flask", "--app", "booking.wsgi", "db", "upgrade"],
        elsewhere,
        installed,
        DATABASE_URL=url,
    )
    served = json.loads(run(["-c", SERVE], elsewhere, installed, DATABASE_URL=url).stdout)
    # Proof that it is the installed copy that ran, not the checkout (installed editable).
    assert all(Path(path).is_relative_to(installed) for path in served["imported"])
    with closing(sqlite3.connect(database)) as connection:
        served["tables"] = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    return served


def test_the_wheel_carries_the_templates_migrations_static_files_and_config(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {_in_the_package(path) for path in APP_FILES} | {"config.py"} <= names


def _translations(catalogue) -> dict:
    """msgid → Italian, plural forms as tuples (the PO reader gives tuples, the MO reader lists),
    leaving out what a compiled catalogue leaves out: the header, fuzzy and empty entries."""

    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {
        plain(message.id): plain(message.string)
        for message in catalogue
        if message.id and message.string and not message.fuzzy
    }


def test_the_wheel_carries_the_italian_catalogue_compiled_from_every_po_file(wheel):
    with zipfile.ZipFile(wheel).open(COMPILED_ITALIAN) as handle:
        compiled = read_mo(handle)
    assert _translations(compiled) == _translations(merged_catalogue("it"))


def test_the_installed_package_builds_the_schema_with_flask_db_upgrade(deployment):
    assert {"alembic_version", "resources", "bookings", "users"} <= deployment["tables"]


def test_the_installed_package_answers_in_italian(deployment):
    status, page = deployment["home"]
    assert status == 200
    assert '<html lang="it"' in page
    assert "Vai al contenuto" in page
    assert "Skip to the content" not in page


def test_the_installed_package_serves_its_static_files(deployment):
    status, body = deployment["css"]
    assert (status, body) == (200, (ROOT / "booking/static/css/app.css").read_text())


def test_the_source_distribution_carries_what_the_wheel_is_built_from(clone, tmp_path):
    # What `python -m build` does first; a wheel built from it has what it has.
    build_sdist = (
        "import sys; from setuptools import build_meta; print(build_meta.build_sdist(sys.argv[1]))"
    )
    name = run(["-c", build_sdist, str(tmp_path)], clone).stdout.strip().splitlines()[-1]
    with tarfile.open(tmp_path / name) as sdist:
        members = {member.split("/", 1)[1] for member in sdist.getnames() if "/" in member}
    sources = [*APP_FILES, *sorted((ROOT / "translations").rglob("*.po"))]
    assert {path.relative_to(ROOT).as_posix() for path in sources} | {"setup.py"} <= members
