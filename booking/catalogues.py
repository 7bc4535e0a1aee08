"""The compiled translation catalogues, made from the PO files with Babel alone.

Translations are kept as several PO files per language under `translations/<lang>/` (one per area
of the application, so that areas can be translated independently) and compiled into one catalogue
per language. Two callers: the package build (setup.py, where Flask is not installed, hence no
import of it here) and create_app, which brings a source checkout's catalogues up to date.
"""

import os
import threading
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE_DIR = Path(__file__).resolve().parent.parent / "translations"
TRANSLATED_LANGUAGES = ("it",)  # English is the language of the source strings


def merged_catalogue(language: str, source_dir: Path = SOURCE_DIR) -> Catalog | None:
    """Every PO file of a language merged into one catalogue (None if it has no PO file)."""
    merged = None
    for po_path in sorted((source_dir / language).glob("*.po")):
        with po_path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
        if merged is None:
            merged = catalogue
            continue
        for message in catalogue:
            if message.id and message.string:
                merged[message.id] = message
    return merged


def _is_stale(language_dir: Path, compiled: Path) -> bool:
    # The folder's own time changes when a PO file is added or removed, the files' when edited.
    sources = [language_dir, *language_dir.glob("*.po")]
    newest = max(path.stat().st_mtime_ns for path in sources)
    return not compiled.exists() or compiled.stat().st_mtime_ns < newest


def compile_catalogues(source_dir: Path, target_dir: Path) -> list[str]:
    """Compile into `target_dir/<lang>/LC_MESSAGES/messages.mo` every language whose catalogue
    is missing or older than its PO files; returns the languages compiled.

    Each catalogue is written beside its place under a name of its own and renamed into place,
    so that another process starting at the same time (the test workers, several app processes)
    never reads half a catalogue.
    """
    compiled_languages = []
    for language in TRANSLATED_LANGUAGES:
        language_dir = source_dir / language
        if not any(language_dir.glob("*.po")):
            continue
        target = target_dir / language / "LC_MESSAGES" / "messages.mo"
        if not _is_stale(language_dir, target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            with partial.open("wb") as handle:
                write_mo(handle, merged_catalogue(language, source_dir))
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        compiled_languages.append(language)
    return compiled_languages
