"""Qualifications: granting, renewing and revoking who is trained on a resource."""

from datetime import UTC, date, datetime

import pytest

from booking.extensions import db
from booking.models import Qualification
from booking.services import qualifications as qualification_service
from booking.services.errors import Forbidden, InvalidInput
from tests.factories import (
    make_qualification,
    make_resource,
    make_user,
)

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_granting_again_changes_the_expiry(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    trainee = make_user()
    first, created = qualification_service.grant_qualification(
        manager, resource.id, user_id=trainee.id, expires_on=date(2027, 1, 31), now=NOW
    )
    again, created_again = qualification_service.grant_qualification(
        manager, resource.id, user_id=trainee.id, expires_on=date(2027, 6, 30), now=NOW
    )
    assert (created, created_again) == (True, False)
    assert again.id == first.id and again.expires_on == date(2027, 6, 30)
    assert db.session.query(Qualification).count() == 1


def test_a_qualification_for_an_unknown_user_is_invalid(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(InvalidInput) as error:
        qualification_service.grant_qualification(manager, resource.id, user_id=999, now=NOW)
    assert set(error.value.errors) == {"user_id"}


def test_a_qualification_cannot_expire_in_the_past(app):
    manager = make_user()
    resource = make_resource(managers=[manager])
    with pytest.raises(InvalidInput) as error:
        qualification_service.grant_qualification(
            manager, resource.id, user_id=manager.id, expires_on=date(2026, 11, 30), now=NOW
        )
    assert set(error.value.errors) == {"expires_on"}


def test_a_member_may_neither_list_nor_revoke_qualifications(app):
    resource = make_resource()
    qualification = make_qualification(resource, make_user())
    with pytest.raises(Forbidden):
        qualification_service.list_qualifications(make_user(), resource.id)
    with pytest.raises(Forbidden):
        qualification_service.revoke_qualification(make_user(), qualification.id, now=NOW)
