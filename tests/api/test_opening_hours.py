from tests.catalogue_factories import make_org_admin
from tests.factories import make_resource, make_user, set_opening_hours, token_for

WEEKLY = {
    "mon": [["08:00", "12:00"], ["14:00", "18:00"]],
    "tue": [["08:00", "18:00"]],
    "wed": [],
    "thu": [],
    "fri": [["00:00", "24:00"]],
    "sat": [],
    "sun": [],
}


def _url(resource) -> str:
    return f"/api/v1/resources/{resource.id}/opening-hours"


def test_a_manager_puts_and_gets_the_weekly_schedule(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    headers = token_for(client, manager)
    response = client.put(_url(resource), json={"weekly": WEEKLY}, headers=headers)
    assert response.status_code == 200
    assert response.json == {"weekly": WEEKLY}
    assert client.get(_url(resource), headers=headers).json == {"weekly": WEEKLY}


def test_missing_days_are_closed(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.put(
        _url(resource),
        json={"weekly": {"mon": [["09:00", "17:00"]]}},
        headers=token_for(client, manager),
    )
    assert response.json["weekly"]["tue"] == []
    assert response.json["weekly"]["mon"] == [["09:00", "17:00"]]


def test_a_resource_without_opening_hours_answers_seven_empty_days(client):
    resource = make_resource()
    body = client.get(_url(resource), headers=token_for(client, make_user())).json
    assert body == {"weekly": {day: [] for day in WEEKLY}}


def test_an_empty_schedule_removes_the_opening_hours(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    set_opening_hours(resource, {0: [("08:00", "18:00")]})
    response = client.put(_url(resource), json={"weekly": {}}, headers=token_for(client, manager))
    assert response.json == {"weekly": {day: [] for day in WEEKLY}}


def test_invalid_days_are_422_listing_each(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.put(
        _url(resource),
        json={
            "weekly": {
                "mon": [["08:00", "12:00"], ["11:00", "13:00"]],
                "tue": [["18:00", "08:00"]],
                "wed": [["8am", "5pm"]],
                "funday": [],
            }
        },
        headers=token_for(client, manager),
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {
        "weekly.mon",
        "weekly.tue",
        "weekly.wed",
        "weekly.funday",
    }


def test_weekly_is_required(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.put(_url(resource), json={"mon": []}, headers=token_for(client, manager))
    assert response.status_code == 422
    assert "weekly" in response.json["errors"]


def test_a_member_may_not_put_opening_hours(client):
    resource = make_resource()
    response = client.put(
        _url(resource), json={"weekly": WEEKLY}, headers=token_for(client, make_user())
    )
    assert response.status_code == 403


def test_an_admin_of_another_organisation_may_not_put_opening_hours(client):
    resource = make_resource()
    response = client.put(
        _url(resource), json={"weekly": WEEKLY}, headers=token_for(client, make_org_admin())
    )
    assert response.status_code == 403


def test_opening_hours_of_an_invisible_resource_are_404(client):
    resource = make_resource(visibility="organisation")
    headers = token_for(client, make_user())
    assert client.get(_url(resource), headers=headers).status_code == 404
    assert client.put(_url(resource), json={"weekly": {}}, headers=headers).status_code == 404
