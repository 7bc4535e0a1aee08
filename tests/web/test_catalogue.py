from datetime import UTC, datetime
from decimal import Decimal

from tests.catalogue_factories import log_in, make_org_admin, resource_visible_to_clusters
from tests.factories import (
    make_blackout,
    make_cluster,
    make_organisation,
    make_resource,
    make_user,
    set_opening_hours,
)


def test_the_catalogue_lists_resources_with_links_to_their_pages(client):
    resource = make_resource(name="Scanning electron microscope")
    html = client.get("/").get_data(as_text=True)
    assert f'<a class="resource-link" href="/resources/{resource.id}">' in html
    assert "Scanning electron microscope" in html
    assert '<form id="catalogue-search" method="get"' in html
    assert '<input type="search" name="q" id="q"' in html


def test_a_card_shows_organisation_city_kind_and_clusters(client):
    cluster = make_cluster("MECH")
    owner = make_organisation(name="Tecnopolo di Modena", city="Modena")
    make_resource(owner, kind="pilot_installation", clusters=[cluster])
    html = client.get("/").get_data(as_text=True)
    assert "Tecnopolo di Modena" in html
    assert "Modena" in html
    assert "Pilot installation" in html
    assert ">MECH<" in html


def test_anonymous_visitors_see_only_network_resources(client):
    make_resource(name="Open rheometer")
    make_resource(name="Private rheometer", visibility="organisation")
    html = client.get("/").get_data(as_text=True)
    assert "Open rheometer" in html
    assert "Private rheometer" not in html


def test_a_word_of_the_description_finds_a_resource(client):
    make_resource(name="Rheometer", description="Measures viscoelastic behaviour of polymers")
    make_resource(name="Lathe")
    html = client.get("/?q=viscoelastic").get_data(as_text=True)
    assert "Rheometer" in html
    assert "Lathe" not in html


def test_the_owner_organisations_name_finds_its_resources(client):
    make_resource(make_organisation(name="Bologna Robotics Lab"), name="Cobot cell")
    make_resource(name="Lathe")
    html = client.get("/?q=Robotics").get_data(as_text=True)
    assert "Cobot cell" in html
    assert "Lathe" not in html


def test_facets_show_counts_and_filter_when_followed(client):
    modena = make_organisation(city="Modena")
    make_resource(modena, name="First in Modena")
    make_resource(modena, name="Second in Modena")
    make_resource(make_organisation(city="Parma"), name="Only in Parma")
    html = client.get("/").get_data(as_text=True)
    assert 'data-facet="city" data-value="Modena"' in html
    modena_link = html.split('data-facet="city" data-value="Modena"')[1]
    assert '<span class="count">2</span>' in modena_link.split("</a>")[0]
    filtered = client.get("/?city=Modena").get_data(as_text=True)
    assert "First in Modena" in filtered and "Only in Parma" not in filtered
    assert "City: Modena" in filtered


def test_the_second_page_shows_the_next_resources(client):
    for n in range(25):
        make_resource(name=f"Instrument {n:02d}")
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Instrument 00" in first and "Instrument 20" not in first
    assert "Instrument 20" in second and "Instrument 00" not in second
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_an_unknown_kind_in_the_address_is_ignored(client):
    make_resource(name="Lathe")
    response = client.get("/?kind=spaceship&page=zero")
    assert response.status_code == 200
    assert "Lathe" in response.get_data(as_text=True)


def test_the_resource_page_shows_its_name_specs_and_policies(client):
    resource = make_resource(
        name="Electron microscope",
        description="A field-emission SEM.",
        specs=[["Resolution", "0.8 nm"]],
        approval="external",
        lead_time_hours=24,
        slot_minutes=30,
        min_duration_minutes=60,
        max_duration_minutes=240,
        capacity=2,
        buffer_after_minutes=30,
        horizon_days=180,
        monthly_quota_hours=20,
        requires_qualification=True,
    )
    html = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "<h1>Electron microscope</h1>" in html
    assert "A field-emission SEM." in html
    assert '<th scope="row">Resolution</th><td>0.8 nm</td>' in html
    for words in (
        "Bookings by other organisations need approval.",
        "At least 24 hours' notice",
        "Slots of 30 minutes",
        "Bookings last from 1 h to 4 h",
        "up to 2 bookings or units at the same time",
        "30 min kept free after each booking for cleaning",
        "Bookable up to 180 days ahead",
        "at most 20 hours a month",
        "Qualification required",
        "Visible to the whole network",
    ):
        assert words in html, words


def test_the_resource_page_shows_opening_hours_in_local_time_with_the_zone(client):
    resource = make_resource(timezone="Europe/Rome")
    set_opening_hours(resource, {0: [("08:00", "12:00"), ("14:00", "18:00")]})
    html = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "Local time, Europe/Rome" in html
    assert "08:00–12:00, 14:00–18:00" in html
    assert "Closed" in html


def test_a_resource_without_opening_hours_is_open_at_all_hours(client):
    resource = make_resource()
    assert "Open at all hours." in client.get(f"/resources/{resource.id}").get_data(as_text=True)


def test_the_resource_page_lists_upcoming_blackouts_with_their_reason(client, frozen_now):
    resource = make_resource()
    make_blackout(
        resource,
        datetime(2026, 12, 24, 8, tzinfo=UTC),
        datetime(2026, 12, 27, 8, tzinfo=UTC),
        reason="Christmas closure",
    )
    make_blackout(
        resource,
        datetime(2026, 11, 1, 8, tzinfo=UTC),
        datetime(2026, 11, 2, 8, tzinfo=UTC),
        reason="Long past",
    )
    html = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "Christmas closure" in html
    assert "Long past" not in html


def test_the_resource_page_links_owner_co_owners_parent_children_and_rates(client):
    owner = make_organisation(name="Unimore", slug="unimore")
    partner = make_organisation(name="Partner Spa", slug="partner")
    lab = make_resource(owner, name="Joint lab", kind="joint_lab", co_owners=[partner])
    inside = make_resource(owner, name="Bench inside", parent_id=lab.id, rate_industry=Decimal(80))
    manager = make_user(name="Anna Rossi")
    lab.managers = [manager]
    from booking.extensions import db

    db.session.commit()
    lab_html = client.get(f"/resources/{lab.id}").get_data(as_text=True)
    assert 'href="/organisations/unimore"' in lab_html
    assert 'href="/organisations/partner"' in lab_html
    assert f'href="/resources/{inside.id}"' in lab_html
    assert "Anna Rossi" in lab_html
    inside_html = client.get(f"/resources/{inside.id}").get_data(as_text=True)
    assert f'href="/resources/{lab.id}"' in inside_html
    assert "€80.00 per hour" in inside_html
    assert "Free" in inside_html


def test_the_resource_page_holds_the_booking_panel(client):
    resource = make_resource()
    html = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "Log in to book" in html


def test_managers_see_the_management_links(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    log_in(client, manager)
    html = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    for endpoint in ("edit", "opening-hours", "blackouts", "qualifications"):
        assert f"/manage/resources/{resource.id}/{endpoint}" in html


def test_other_users_do_not_see_the_management_links(client):
    resource = make_resource()
    log_in(client, make_user())
    html = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert f"/manage/resources/{resource.id}/edit" not in html


def test_a_resource_of_another_organisation_with_organisation_visibility_is_404(client):
    resource = make_resource(visibility="organisation")
    log_in(client, make_user())
    assert client.get(f"/resources/{resource.id}").status_code == 404


def test_a_resource_with_organisation_visibility_is_shown_to_its_organisation(client):
    resource = make_resource(visibility="organisation")
    log_in(client, make_user(resource.organisation))
    assert client.get(f"/resources/{resource.id}").status_code == 200


def test_a_clusters_resource_is_shown_only_to_organisations_sharing_a_cluster(client):
    resource, inside, outside = resource_visible_to_clusters()
    log_in(client, make_user(inside))
    assert client.get(f"/resources/{resource.id}").status_code == 200
    log_in(client, make_user(outside))
    assert client.get(f"/resources/{resource.id}").status_code == 404


def test_an_unknown_resource_is_404(client):
    assert client.get("/resources/999").status_code == 404


def test_the_organisations_page_lists_organisations_with_type_and_accreditation(client):
    make_organisation(name="CIRI Meccanica", type="research_lab", accredited=True)
    html = client.get("/organisations").get_data(as_text=True)
    assert "CIRI Meccanica" in html
    assert "Research lab" in html
    assert "High Technology Network" in html


def test_an_organisation_page_shows_its_details_and_visible_resources(client):
    cluster = make_cluster("HEALTH")
    organisation = make_organisation(
        name="Tecnopolo Mirandola",
        slug="tpm",
        type="innovation_centre",
        city="Mirandola",
        vat_number="00743110157",
        accredited=True,
        clusters=[cluster],
    )
    make_resource(organisation, name="Bioreactor")
    make_resource(organisation, name="Hidden press", visibility="organisation")
    html = client.get("/organisations/tpm").get_data(as_text=True)
    assert "<h1>Tecnopolo Mirandola</h1>" in html
    assert "Innovation centre" in html
    assert "Accredited laboratory or innovation centre" in html
    assert "00743110157" in html
    assert "HEALTH" in html
    assert "Bioreactor" in html
    assert "Hidden press" not in html


def test_an_unknown_organisation_is_404(client):
    assert client.get("/organisations/nobody").status_code == 404


def test_the_manage_link_is_shown_to_organisation_admins(client):
    log_in(client, make_org_admin())
    assert 'href="/manage/"' in client.get("/").get_data(as_text=True)


def test_the_manage_link_is_not_shown_to_members_who_manage_nothing(client):
    log_in(client, make_user())
    assert 'href="/manage/"' not in client.get("/").get_data(as_text=True)


def test_ids_and_pages_beyond_any_value_answer_without_error(client):
    make_resource(name="Lathe")
    assert client.get("/resources/99999999999").status_code == 404
    assert client.get("/?page=99999999999999999999").status_code == 200


def test_blackouts_read_as_local_days_or_local_times(client, frozen_now):
    resource = make_resource(timezone="Europe/Rome")
    # Midnight to midnight in Rome is 23:00 to 23:00 UTC in winter.
    make_blackout(
        resource,
        datetime(2026, 12, 24, 23, tzinfo=UTC),
        datetime(2026, 12, 26, 23, tzinfo=UTC),
        reason="Christmas",
    )
    make_blackout(
        resource,
        datetime(2026, 12, 10, 8, tzinfo=UTC),
        datetime(2026, 12, 10, 12, tzinfo=UTC),
        reason="Service",
    )
    html = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "Fri 25 Dec 2026 – Sat 26 Dec 2026" in html
    assert "Thu 10 Dec 2026, 09:00–13:00" in html
