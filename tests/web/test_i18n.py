"""Every message of the code and the templates has an Italian translation, and pages follow the
browser's language."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from booking.catalogues import merged_catalogue

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("**.py", "python"), ("**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"**.html": {"silent": "false"}}
# flask_babel's lazy_gettext is imported as `_l` for form labels defined at import time.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]")


def _extracted() -> dict[str, tuple]:
    """msgid (or its singular) → the message as extracted, with where it was found."""
    messages: dict[str, tuple] = {}
    for folder in ("booking", "templates"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, METHODS, OPTIONS, keywords=KEYWORDS
        ):
            key = message[0] if isinstance(message, tuple) else message
            if key:
                messages.setdefault(key, (message, f"{folder}/{filename}:{lineno}"))
    return messages


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


@pytest.fixture(scope="module")
def italian():
    return merged_catalogue("it")


def test_every_message_has_an_italian_translation(extracted, italian):
    untranslated = []
    for key, (message, where) in extracted.items():
        entry = italian.get(key) if italian is not None else None
        strings = entry.string if entry is not None else None
        if isinstance(strings, tuple | list):
            missing = not strings or any(not s for s in strings)
        else:
            missing = not strings
        if missing:
            untranslated.append(f"{where}: {message!r}")
    assert untranslated == []


def test_translations_keep_the_placeholders_of_their_message(extracted, italian):
    wrong = []
    for key, (message, where) in extracted.items():
        entry = italian.get(key) if italian is not None else None
        if entry is None or not entry.string:
            continue
        originals = message if isinstance(message, tuple) else (message,)
        translations = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        expected = set().union(*(PLACEHOLDER.findall(o) for o in originals if o))
        for translation in translations:
            if set(PLACEHOLDER.findall(translation)) != expected:
                wrong.append(f"{where}: {key!r} → {translation!r}")
    assert wrong == []


def test_a_page_is_in_italian_for_an_italian_browser(client):
    html = client.get("/", headers={"Accept-Language": "it-IT,it;q=0.9"}).get_data(as_text=True)
    assert '<html lang="it">' in html
    assert "Catalogo" in html and "Organizzazioni" in html


def test_a_page_is_in_english_for_an_english_browser(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Catalogue" in html and "Organisations" in html
