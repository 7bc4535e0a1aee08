"""A source checkout (or an editable install) compiles its Italian catalogue when the app is
created and the catalogue is missing or older than its PO files, and starts anyway, with a
warning, where it cannot write it."""

import os
import shutil

import pytest
from babel.messages.mofile import read_mo

from booking.catalogues import compile_catalogues
from tests.packaging import ROOT, fresh_clone, run

CREATE_APP = """
import os

import booking
from booking import create_app

assert booking.__file__.startswith(os.getcwd()), booking.__file__  # the checkout's, not ours
create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
"""
COMPILED = "booking/translations/it/LC_MESSAGES/messages.mo"
AN_HOUR = 3600 * 10**9
LONG_AGO = 1_750_000_000  # June 2025, in seconds: older than any file a test writes


def _italian(compiled_path, msgid: str) -> str:
    with compiled_path.open("rb") as handle:
        return read_mo(handle)[msgid].string


def _backdate(path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - AN_HOUR))


@pytest.fixture
def checkout(tmp_path):
    return fresh_clone(tmp_path / "booking-platform")


@pytest.fixture
def sources(tmp_path):
    """A copy of the PO files, to change."""
    return shutil.copytree(ROOT / "translations", tmp_path / "translations")


def test_create_app_compiles_the_missing_catalogue_of_a_source_checkout(checkout):
    run(["-c", CREATE_APP], checkout)
    assert _italian(checkout / COMPILED, "Skip to the content") == "Vai al contenuto"


def test_create_app_recompiles_a_catalogue_older_than_its_po_files(checkout):
    compile_catalogues(checkout / "translations", checkout / "booking/translations")
    _backdate(checkout / COMPILED)
    po = checkout / "translations/it/base.po"
    po.write_text(po.read_text().replace('"Vai al contenuto"', '"Salta al contenuto"'))
    run(["-c", CREATE_APP], checkout)
    assert _italian(checkout / COMPILED, "Skip to the content") == "Salta al contenuto"


def test_create_app_starts_with_a_warning_when_it_cannot_write_the_catalogue(checkout):
    # A file where the folder should be: unwritable even for root, who ignores permissions.
    (checkout / "booking/translations").write_text("")
    result = run(["-c", CREATE_APP], checkout)
    assert "The translations could not be compiled into" in result.stderr


def test_an_up_to_date_catalogue_is_not_compiled_again(sources, tmp_path):
    compiled = tmp_path / "compiled"
    assert compile_catalogues(sources, compiled) == ["it"]
    assert compile_catalogues(sources, compiled) == []


def test_a_catalogue_is_compiled_again_when_a_po_file_is_removed(sources, tmp_path):
    compiled = tmp_path / "compiled"
    compile_catalogues(sources, compiled)
    for path in [sources / "it", *(sources / "it").glob("*.po")]:
        os.utime(path, (LONG_AGO, LONG_AGO))
    catalogue = compiled / "it/LC_MESSAGES/messages.mo"
    os.utime(catalogue, (LONG_AGO + 60, LONG_AGO + 60))
    assert compile_catalogues(sources, compiled) == []
    (sources / "it/base.po").unlink()  # only the folder's time changes
    assert compile_catalogues(sources, compiled) == ["it"]
    with catalogue.open("rb") as handle:
        assert "Skip to the content" not in read_mo(handle)
