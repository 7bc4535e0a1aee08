from datetime import UTC, date, datetime

from sqlalchemy import select

from booking.extensions import db
from booking.models import Blackout, Qualification, Resource
from tests.catalogue_factories import log_in, make_network_admin, make_org_admin
from tests.factories import (
    make_blackout,
    make_cluster,
    make_organisation,
    make_qualification,
    make_resource,
    make_user,
)


def _form(**changes) -> dict:
    """What the resource form posts when every field keeps its default."""
    data = {
        "name": "Rheometer",
        "kind": "instrument",
        "parent_id": "0",
        "city": "Bologna",
        "site": "",
        "timezone": "Europe/Rome",
        "description": "",
        "specs": "",
        "visibility": "network",
        "approval": "external",
        "capacity": "1",
        "slot_minutes": "15",
        "min_duration_minutes": "",
        "max_duration_minutes": "",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "0",
        "lead_time_hours": "0",
        "horizon_days": "365",
        "monthly_quota_hours": "",
        "managers": "",
    }
    data.update(changes)
    return data


def test_manage_pages_need_a_login(client):
    response = client.get("/manage/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_manage_page_lists_the_resources_a_manager_manages(client):
    manager = make_user()
    make_resource(name="Mine", managers=[manager])
    make_resource(name="Not mine")
    log_in(client, manager)
    html = client.get("/manage/").get_data(as_text=True)
    assert "Mine" in html and "Not mine" not in html


def test_an_organisation_admin_adds_a_resource(client):
    admin = make_org_admin()
    manager = make_user(email="anna@example.org")
    cluster = make_cluster("MECH", value_chains=("robotics",))
    log_in(client, admin)
    assert client.get("/manage/resources/new").status_code == 200
    response = client.post(
        "/manage/resources/new",
        data=_form(
            organisation_id=str(admin.organisation_id),
            specs="Resolution: 0.8 nm\nDetector: SE",
            managers="anna@example.org",
            clusters=[str(cluster.id)],
            value_chains=[str(cluster.value_chains[0].id)],
            rate_industry="80",
            slot_minutes="30",
        ),
    )
    assert response.status_code == 302
    resource = db.session.execute(select(Resource)).scalar_one()
    assert response.headers["Location"].endswith(f"/resources/{resource.id}")
    assert resource.specs == [["Resolution", "0.8 nm"], ["Detector", "SE"]]
    assert [m.id for m in resource.managers] == [manager.id]
    assert resource.min_duration_minutes == 30
    assert str(resource.rate_industry) == "80.00"


def test_a_member_may_not_open_the_new_resource_form(client):
    log_in(client, make_user())
    assert client.get("/manage/resources/new").status_code == 403


def test_service_errors_appear_next_to_their_fields(client):
    admin = make_org_admin()
    health = make_cluster()
    mech = make_cluster(value_chains=("robotics",))
    log_in(client, admin)
    response = client.post(
        "/manage/resources/new",
        data=_form(
            organisation_id=str(admin.organisation_id),
            slot_minutes="7",
            clusters=[str(health.id)],
            value_chains=[str(mech.value_chains[0].id)],
        ),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    slot_field = html.split('id="slot_minutes"')[1].split("</div>")[0]
    assert "must divide a day evenly" in slot_field
    chains_field = html.split('id="value_chains"')[1].split('<div class="field')[0]
    assert "must belong to the resource" in chains_field
    assert db.session.execute(select(Resource)).first() is None


def test_unreadable_lines_and_unknown_emails_are_shown_at_their_fields(client):
    admin = make_org_admin()
    log_in(client, admin)
    html = client.post(
        "/manage/resources/new",
        data=_form(
            organisation_id=str(admin.organisation_id),
            specs="no colon here",
            managers="ghost@example.org",
        ),
    ).get_data(as_text=True)
    assert "label: value" in html.split('id="specs"')[1].split('<div class="field')[0]
    assert "ghost@example.org" in html.split('id="managers"')[1].split("</fieldset>")[0]


def test_a_manager_edits_a_resource(client):
    manager = make_user()
    resource = make_resource(name="Old name", managers=[manager], specs=[["Power", "3 kW"]])
    log_in(client, manager)
    page = client.get(f"/manage/resources/{resource.id}/edit").get_data(as_text=True)
    assert "Power: 3 kW" in page
    assert 'name="organisation_id"' not in page
    response = client.post(
        f"/manage/resources/{resource.id}/edit",
        data=_form(name="New name", managers=manager.email, approval="always"),
    )
    assert response.status_code == 302
    db.session.refresh(resource)
    assert (resource.name, resource.approval) == ("New name", "always")


def test_a_network_admin_may_move_a_resource_in_the_form(client):
    resource = make_resource()
    target = make_organisation()
    log_in(client, make_network_admin())
    assert 'name="organisation_id"' in client.get(f"/manage/resources/{resource.id}/edit").get_data(
        as_text=True
    )
    client.post(
        f"/manage/resources/{resource.id}/edit",
        data=_form(organisation_id=str(target.id)),
    )
    db.session.refresh(resource)
    assert resource.organisation_id == target.id


def test_an_admin_of_another_organisation_may_not_edit(client):
    resource = make_resource()
    log_in(client, make_org_admin())
    assert client.get(f"/manage/resources/{resource.id}/edit").status_code == 403
    assert client.post(f"/manage/resources/{resource.id}/edit", data=_form()).status_code == 403


def test_editing_an_invisible_resource_is_404(client):
    resource = make_resource(visibility="organisation")
    log_in(client, make_user())
    assert client.get(f"/manage/resources/{resource.id}/edit").status_code == 404


def test_the_opening_hours_editor_saves_several_ranges_a_day(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    log_in(client, manager)
    response = client.post(
        f"/manage/resources/{resource.id}/opening-hours",
        data={"mon": "08:00-12:00, 14:00-18:00", "tue": "08:00–18:00", "sat": ""},
    )
    assert response.status_code == 302
    page = client.get(f"/manage/resources/{resource.id}/opening-hours").get_data(as_text=True)
    assert 'value="08:00-12:00, 14:00-18:00"' in page
    assert 'value="08:00-18:00"' in page


def test_the_opening_hours_editor_shows_service_errors_at_the_day(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    log_in(client, manager)
    html = client.post(
        f"/manage/resources/{resource.id}/opening-hours",
        data={"mon": "08:00-12:00, 11:00-13:00", "tue": "18:00-08:00"},
    ).get_data(as_text=True)
    assert "must not overlap" in html.split('id="mon"')[1].split("</div>")[0]
    assert "must end after it starts" in html.split('id="tue"')[1].split("</div>")[0]


def test_the_opening_hours_editor_explains_how_to_write_ranges(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    log_in(client, manager)
    html = client.post(
        f"/manage/resources/{resource.id}/opening-hours", data={"wed": "morning"}
    ).get_data(as_text=True)
    assert "08:00-12:00, separated by commas" in html.split('id="wed"')[1].split("</div>")[0]


def test_a_member_may_not_edit_opening_hours(client):
    resource = make_resource()
    log_in(client, make_user())
    assert client.post(f"/manage/resources/{resource.id}/opening-hours", data={}).status_code == 403


def test_a_manager_adds_a_blackout_in_local_time(client, frozen_now):
    manager = make_user()
    resource = make_resource(managers=[manager], timezone="Europe/Rome")
    log_in(client, manager)
    response = client.post(
        f"/manage/resources/{resource.id}/blackouts",
        data={"start": "2026-12-24T08:00", "end": "2026-12-27T08:00", "reason": "Christmas"},
    )
    assert response.status_code == 302
    blackout = db.session.execute(select(Blackout)).scalar_one()
    assert blackout.start_at == datetime(2026, 12, 24, 7, tzinfo=UTC)
    assert "Christmas" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_blackout_ending_before_it_starts_shows_the_error_at_the_end(client, frozen_now):
    manager = make_user()
    resource = make_resource(managers=[manager])
    log_in(client, manager)
    html = client.post(
        f"/manage/resources/{resource.id}/blackouts",
        data={"start": "2026-12-24T08:00", "end": "2026-12-24T07:00"},
    ).get_data(as_text=True)
    assert "must be after the start" in html.split('id="end"')[1].split("</div>")[0]


def test_a_manager_deletes_a_blackout(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    blackout = make_blackout(
        resource, datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC)
    )
    log_in(client, manager)
    response = client.post(f"/manage/blackouts/{blackout.id}/delete")
    assert response.status_code == 302
    assert db.session.execute(select(Blackout)).first() is None


def test_a_member_may_not_delete_a_blackout(client):
    blackout = make_blackout(
        make_resource(), datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 2, tzinfo=UTC)
    )
    log_in(client, make_user())
    assert client.post(f"/manage/blackouts/{blackout.id}/delete").status_code == 403


def test_a_manager_grants_and_revokes_a_qualification(client, frozen_now):
    manager = make_user()
    trainee = make_user(email="trainee@example.org", name="Trainee")
    resource = make_resource(managers=[manager], requires_qualification=True)
    log_in(client, manager)
    response = client.post(
        f"/manage/resources/{resource.id}/qualifications",
        data={"email": "Trainee@example.org", "expires_on": "2027-06-30"},
    )
    assert response.status_code == 302
    qualification = db.session.execute(select(Qualification)).scalar_one()
    assert (qualification.user_id, qualification.expires_on) == (trainee.id, date(2027, 6, 30))
    assert "Trainee" in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post(f"/manage/qualifications/{qualification.id}/revoke")
    assert db.session.execute(select(Qualification)).first() is None


def test_granting_to_an_unknown_email_shows_the_error_at_the_email(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    log_in(client, manager)
    html = client.post(
        f"/manage/resources/{resource.id}/qualifications", data={"email": "ghost@example.org"}
    ).get_data(as_text=True)
    assert "No user has this email." in html.split('id="email"')[1].split("</div>")[0]


def test_a_member_may_neither_see_nor_change_qualifications(client):
    resource = make_resource()
    qualification = make_qualification(resource, make_user())
    log_in(client, make_user())
    assert client.get(f"/manage/resources/{resource.id}/qualifications").status_code == 403
    assert client.post(f"/manage/qualifications/{qualification.id}/revoke").status_code == 403


def test_the_403_page_explains_the_refusal(client):
    log_in(client, make_user())
    html = client.get("/manage/resources/new", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Only organisation admins and network admins may add resources." in html
