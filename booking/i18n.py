"""Languages: Italian and English, chosen from the user's preference, then the browser.

Translations are kept as several PO files per language under `translations/<lang>/` (one per area
of the application, so that areas can be translated independently) and compiled into one catalogue
per language by `compile_translations()`, which `make run`, `make test` and the test suite call.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request, session
from flask_login import current_user

from booking.extensions import babel

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_DIR = PACKAGE_DIR.parent / "translations"
COMPILED_DIR = PACKAGE_DIR / "translations"
LANGUAGES = ("en", "it")
TRANSLATED_LANGUAGES = ("it",)  # English is the language of the source strings


def merged_catalogue(language: str):
    """Every PO file of a language merged into one catalogue."""
    merged = None
    for po_path in sorted((SOURCE_DIR / language).glob("*.po")):
        with po_path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        if merged is None:
            merged = catalogue
            continue
        for message in catalogue:
            if message.id and message.string:
                merged[message.id] = message
    return merged


def compile_translations() -> None:
    for language in TRANSLATED_LANGUAGES:
        catalogue = merged_catalogue(language)
        if catalogue is None:
            continue
        target = COMPILED_DIR / language / "LC_MESSAGES" / "messages.mo"
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            write_mo(handle, catalogue)


def select_locale() -> str:
    if not has_request_context():  # jobs and shell commands
        return "en"
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    return request.accept_languages.best_match(LANGUAGES) or "en"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(COMPILED_DIR))
    babel.init_app(app, locale_selector=select_locale)
