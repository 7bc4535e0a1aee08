"""Languages: Italian and English, chosen from the user's preference, then the browser.

The app reads the compiled catalogues in `booking/translations/`. A built package (wheel,
`pip install .`) carries them compiled (setup.py); a source checkout or an editable install
compiles them there from the PO files of `translations/<lang>/` whenever the app is created and
they are missing or older than those files (booking/catalogues.py).
"""

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_login import current_user

from booking.catalogues import SOURCE_DIR, compile_catalogues
from booking.extensions import babel

COMPILED_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("en", "it")


def select_locale() -> str:
    if not has_request_context():  # jobs and shell commands
        return "en"
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    return request.accept_languages.best_match(LANGUAGES) or "en"


def init_app(app: Flask) -> None:
    compiled_dir = app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(COMPILED_DIR))
    try:
        compile_catalogues(SOURCE_DIR, Path(compiled_dir))
    except OSError as error:
        # A checkout the app's user may not write to: start anyway, with what is compiled.
        app.logger.warning(
            "The translations could not be compiled into %s (%s); pages are shown with the "
            "catalogues compiled before, or in English if there are none.",
            compiled_dir,
            error,
        )
    babel.init_app(app, locale_selector=select_locale)
