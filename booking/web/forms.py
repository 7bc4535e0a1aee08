"""The base of every form of the pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from booking.services.catalogue import text_problem

UNSTORABLE = _l("This text contains characters that cannot be saved (such as NUL); remove them.")


class Form(FlaskForm):
    """A FlaskForm that first refuses, next to its field, any text that no database can store (a
    NUL character, which PostgreSQL refuses): before the validators and the views hand it on."""

    def validate(self, extra_validators=None) -> bool:
        unstorable = [
            field
            for field in self
            if any(isinstance(raw, str) and text_problem(raw) for raw in field.raw_data or ())
        ]
        if not unstorable:
            return super().validate(extra_validators)
        for field in unstorable:
            field.errors = [UNSTORABLE]
        return False
