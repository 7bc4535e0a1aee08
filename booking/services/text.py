"""Checks of text that people type, shared by the services."""

import unicodedata


def has_control_characters(text: str) -> bool:
    """Whether `text` holds line breaks, tabs or other control characters, which a one-line value
    such as a title (it becomes a mail's subject) must not."""
    return any(unicodedata.category(character) == "Cc" for character in text)
