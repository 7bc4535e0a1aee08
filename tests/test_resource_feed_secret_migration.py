"""The migration that gives resource feed links a secret of their own gives one to every user who
had a personal feed address, so that resource pages offer them the new links at once."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from booking.extensions import db
from booking.models import User
from booking.services.calendar import replace_calendar_token
from tests.factories import make_user

BEFORE = "0008_login_security"


def test_users_with_a_feed_address_get_a_resource_feed_secret_and_the_others_none(app):
    with_feed, other_with_feed, without = make_user(), make_user(), make_user()
    replace_calendar_token(with_feed)
    replace_calendar_token(other_with_feed)
    ids = (with_feed.id, other_with_feed.id, without.id)
    # No transaction of the test may hold the table while the migrations alter it.
    db.session.remove()

    downgrade(revision=BEFORE)
    upgrade()

    nonces = dict(
        db.session.execute(select(User.id, User.resource_feed_nonce).where(User.id.in_(ids))).all()
    )
    first, second = nonces[ids[0]], nonces[ids[1]]
    assert len(bytes.fromhex(first)) == len(bytes.fromhex(second)) == 32
    assert first != second
    assert nonces[ids[2]] is None
