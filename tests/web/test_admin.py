from sqlalchemy import select

from booking.extensions import db
from booking.models import Organisation, User
from booking.services.accounts import authenticate
from tests.accounts_factories import log_in, make_network_admin, make_org_admin
from tests.factories import PASSWORD, make_cluster, make_organisation, make_user

NEW_PASSWORD = "a much longer secret"


def _reloaded(model, row):
    db.session.expire_all()
    return db.session.get(model, row.id)


def _organisation_form(**fields) -> dict:
    return {"name": "CIPACK", "type": "research_lab", "city": "Parma"} | fields


def _user_form(organisation=None, **fields) -> dict:
    form = {
        "email": "nuovo@example.org",
        "name": "Nuovo Utente",
        "password": NEW_PASSWORD,
        "active": "y",
        "locale": "",
    }
    if organisation is not None:
        form["organisation"] = str(organisation.id)
    return form | fields


def _user_by_email(email: str) -> User | None:
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


# Entry


def test_administration_sends_admins_to_the_accounts(client):
    log_in(client, make_org_admin())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/users")


def test_administration_is_not_for_members(client):
    log_in(client, make_user())
    assert client.get("/admin/").status_code == 403


def test_administration_asks_visitors_to_log_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_navigation_shows_administration_to_admins_only(client):
    log_in(client, make_user())
    assert "/admin/" not in client.get("/profile").get_data(as_text=True)
    client.post("/logout")
    log_in(client, make_org_admin())
    assert "/admin/" in client.get("/profile").get_data(as_text=True)


# Organisations


def test_a_network_admin_searches_the_organisations(client):
    make_organisation(name="Tecnopolo di Parma")
    make_organisation(name="MASA Modena")
    log_in(client, make_network_admin(make_organisation(name="ART-ER")))

    page = client.get("/admin/organisations?q=parma").get_data(as_text=True)

    assert "Tecnopolo di Parma" in page and "MASA Modena" not in page


def test_the_organisations_are_listed_fifty_to_a_page(client):
    for n in range(51):
        make_organisation(name=f"Lab {n:02d}")
    log_in(client, make_network_admin(make_organisation(name="ART-ER")))

    second = client.get("/admin/organisations?page=2").get_data(as_text=True)

    assert "Lab 50" in second and "Lab 48" not in second and "Page 2 of 2" in second


def test_an_organisation_admin_may_not_see_the_organisations_administration(client):
    log_in(client, make_org_admin())
    assert client.get("/admin/organisations").status_code == 403
    assert client.get("/admin/organisations/new").status_code == 403


def test_a_network_admin_adds_an_organisation(client):
    cluster = make_cluster("MECH")
    log_in(client, make_network_admin())

    response = client.post(
        "/admin/organisations/new",
        data=_organisation_form(vat_number="IT00743110157", accredited="y", clusters=[cluster.id]),
        follow_redirects=True,
    )

    assert "CIPACK has been added." in response.get_data(as_text=True)
    organisation = db.session.execute(
        select(Organisation).where(Organisation.name == "CIPACK")
    ).scalar_one()
    assert (organisation.slug, organisation.vat_number) == ("cipack", "00743110157")
    assert organisation.accredited and [c.id for c in organisation.clusters] == [cluster.id]


def test_a_bad_vat_number_is_shown_next_to_its_field(client):
    log_in(client, make_network_admin())
    response = client.post(
        "/admin/organisations/new", data=_organisation_form(vat_number="00743110158")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "not a valid Italian VAT number" in page
    assert (
        db.session.execute(select(Organisation).where(Organisation.name == "CIPACK")).first()
        is None
    )


def test_a_bad_vat_number_is_shown_together_with_a_missing_name(client):
    log_in(client, make_network_admin())
    response = client.post(
        "/admin/organisations/new", data=_organisation_form(name="", vat_number="123")
    )
    page = response.get_data(as_text=True)
    assert "has 11 digits" in page and "This field is required." in page


def test_a_name_in_use_is_shown_next_to_its_field(client):
    make_organisation(name="cipack")
    log_in(client, make_network_admin())
    page = client.post("/admin/organisations/new", data=_organisation_form()).get_data(as_text=True)
    assert "An organisation with this name already exists." in page


def test_a_network_admin_edits_an_organisation(client):
    old, new = make_cluster(), make_cluster()
    organisation = make_organisation(name="Old", clusters=[old])
    log_in(client, make_network_admin())

    form = client.get(f"/admin/organisations/{organisation.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/organisations/{organisation.id}",
        data=_organisation_form(name="New", slug=organisation.slug, clusters=[new.id]),
    )

    assert 'value="Old"' in form
    assert response.status_code == 302
    organisation = _reloaded(Organisation, organisation)
    assert organisation.name == "New" and [c.id for c in organisation.clusters] == [new.id]


def test_an_organisation_admin_may_not_edit_their_organisation(client):
    admin = make_org_admin()
    log_in(client, admin)
    response = client.post(
        f"/admin/organisations/{admin.organisation_id}", data=_organisation_form()
    )
    assert response.status_code == 403


# Accounts: lists


def test_a_network_admin_sees_every_account(client):
    stranger = make_user(make_organisation(name="Far Away"))
    log_in(client, make_network_admin())
    page = client.get("/admin/users").get_data(as_text=True)
    assert stranger.email in page and "Far Away" in page


def test_a_network_admin_filters_the_accounts_by_organisation(client):
    wanted = make_user()
    other = make_user()
    log_in(client, make_network_admin())
    page = client.get(f"/admin/users?organisation={wanted.organisation_id}").get_data(as_text=True)
    assert wanted.email in page and other.email not in page


def test_an_organisation_admin_sees_only_their_organisations_accounts(client):
    admin = make_org_admin()
    colleague = make_user(admin.organisation)
    stranger = make_user()
    log_in(client, admin)
    page = client.get("/admin/users").get_data(as_text=True)
    assert colleague.email in page and stranger.email not in page


def test_an_organisation_admin_may_not_list_another_organisation(client):
    log_in(client, make_org_admin())
    other = make_organisation()
    assert client.get(f"/admin/users?organisation={other.id}").status_code == 403


def test_a_member_may_not_list_accounts(client):
    log_in(client, make_user())
    assert client.get("/admin/users").status_code == 403


# Accounts: creating


def test_a_network_admin_creates_an_account_in_any_organisation(client):
    organisation = make_organisation()
    log_in(client, make_network_admin())

    response = client.post(
        "/admin/users/new",
        data=_user_form(organisation, org_admin="y"),
        follow_redirects=True,
    )

    assert "The account of Nuovo Utente has been created." in response.get_data(as_text=True)
    user = _user_by_email("nuovo@example.org")
    assert user.organisation_id == organisation.id and user.roles == ["org_admin", "member"]
    assert authenticate("nuovo@example.org", NEW_PASSWORD) is not None


def test_an_organisation_admin_creates_accounts_only_in_their_organisation(client):
    admin = make_org_admin()
    elsewhere = make_organisation()
    log_in(client, admin)

    client.post("/admin/users/new", data=_user_form(elsewhere, network_admin="y"))

    user = _user_by_email("nuovo@example.org")
    assert user.organisation_id == admin.organisation_id
    assert not user.is_network_admin


def test_the_account_form_offers_organisation_and_network_role_to_network_admins_only(client):
    log_in(client, make_org_admin())
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert 'name="organisation"' not in page and 'name="network_admin"' not in page


def test_an_email_in_use_in_another_case_is_shown_next_to_its_field(client):
    make_user(email="nuovo@example.org")
    admin = make_org_admin()
    log_in(client, admin)
    response = client.post("/admin/users/new", data=_user_form(email="NUOVO@example.org"))
    assert "An account with this email address already exists." in response.get_data(as_text=True)


def test_a_new_account_needs_a_password(client):
    log_in(client, make_org_admin())
    client.post("/admin/users/new", data=_user_form(password=""))
    assert _user_by_email("nuovo@example.org") is None


# Accounts: editing


def test_a_network_admin_changes_roles_activity_and_organisation(client):
    user = make_user()
    elsewhere = make_organisation()
    log_in(client, make_network_admin())

    response = client.post(
        f"/admin/users/{user.id}",
        data=_user_form(elsewhere, email=user.email, name=user.name, password="", network_admin="y")
        | {"active": ""},
    )

    assert response.status_code == 302
    user = _reloaded(User, user)
    assert user.is_network_admin and not user.active and user.organisation_id == elsewhere.id


def test_an_empty_password_keeps_the_current_one(client):
    admin = make_org_admin()
    colleague = make_user(admin.organisation)
    log_in(client, admin)
    client.post(
        f"/admin/users/{colleague.id}",
        data=_user_form(email=colleague.email, name="Renamed", password=""),
    )
    assert _reloaded(User, colleague).name == "Renamed"
    assert authenticate(colleague.email, PASSWORD) is not None


def test_an_organisation_admin_may_not_open_another_organisations_account(client):
    stranger = make_user()
    log_in(client, make_org_admin())
    assert client.get(f"/admin/users/{stranger.id}").status_code == 404


def test_an_organisation_admin_may_not_edit_a_network_admin(client):
    admin = make_org_admin()
    network_admin = make_network_admin(admin.organisation)
    log_in(client, admin)
    assert client.get(f"/admin/users/{network_admin.id}").status_code == 403


def test_deactivating_oneself_is_shown_next_to_the_field(client):
    admin = make_network_admin()
    log_in(client, admin)
    response = client.post(
        f"/admin/users/{admin.id}",
        data=_user_form(admin.organisation, email=admin.email, password="", network_admin="y")
        | {"active": ""},
    )
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert _reloaded(User, admin).active


def test_the_last_network_admin_keeping_the_role_is_shown_next_to_it(client):
    admin = make_network_admin()
    log_in(client, admin)
    response = client.post(
        f"/admin/users/{admin.id}",
        data=_user_form(admin.organisation, email=admin.email, password=""),
    )
    assert "The network needs at least one active network admin." in response.get_data(as_text=True)
    assert _reloaded(User, admin).is_network_admin


# Language


def test_the_administration_speaks_italian(client):
    log_in(client, make_network_admin(locale="it"))
    page = client.get("/admin/organisations").get_data(as_text=True)
    assert "Aggiungi un&#39;organizzazione" in page or "Aggiungi un'organizzazione" in page
