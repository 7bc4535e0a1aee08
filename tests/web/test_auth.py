from flask import g

from booking.extensions import db
from booking.models import User
from booking.services.accounts import authenticate
from tests.accounts_factories import log_in
from tests.factories import PASSWORD, make_organisation, make_user

NEW_PASSWORD = "a much longer secret"


def _reloaded(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def _change_password(client, current: str, new: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        "/profile/password",
        data={
            "password-current_password": current,
            "password-new_password": new,
            "password-confirm_password": new if confirm is None else confirm,
        },
    )


def test_the_login_page_logs_a_user_in(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200


def test_a_wrong_password_is_shown_on_the_login_form(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "wrong one"})
    assert "Wrong email or password." in response.get_data(as_text=True)


def test_logging_out_ends_the_session(client):
    log_in(client, make_user())
    client.post("/logout")
    assert client.get("/profile").status_code == 302


def test_the_profile_needs_a_login(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_profile_shows_the_account(client):
    user = make_user(make_organisation(name="Tecnopolo di Modena"), name="Sara Gialli")
    log_in(client, user)
    page = client.get("/profile").get_data(as_text=True)
    assert "Sara Gialli" in page and user.email in page and "Tecnopolo di Modena" in page


def test_a_user_changes_their_name_and_language(client):
    user = make_user()
    log_in(client, user)

    response = client.post("/profile", data={"profile-name": "Nuovo Nome", "profile-locale": "it"})

    assert response.status_code == 302
    assert (_reloaded(user).name, _reloaded(user).locale) == ("Nuovo Nome", "it")
    assert "Il tuo profilo" in client.get("/profile").get_data(as_text=True)


def test_choosing_the_browsers_language_forgets_the_chosen_one(client):
    user = make_user(locale="it")
    log_in(client, user)
    client.post("/language/it", data={"next": "/profile"})

    client.post("/profile", data={"profile-name": user.name, "profile-locale": ""})

    assert _reloaded(user).locale is None
    page = client.get("/profile", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Your profile" in page


def test_an_empty_name_is_refused_next_to_the_field(client):
    user = make_user(name="Kept")
    log_in(client, user)
    response = client.post("/profile", data={"profile-name": " ", "profile-locale": ""})
    assert response.status_code == 200
    assert 'class="field has-error"' in response.get_data(as_text=True)
    assert _reloaded(user).name == "Kept"


def test_a_language_outside_the_list_is_refused(client):
    user = make_user()
    log_in(client, user)
    client.post("/profile", data={"profile-name": user.name, "profile-locale": "fr"})
    assert _reloaded(user).locale is None


def test_a_user_changes_their_password_with_the_current_one(client):
    user = make_user()
    log_in(client, user)
    response = _change_password(client, PASSWORD)
    assert response.status_code == 302
    assert authenticate(user.email, NEW_PASSWORD) is not None
    assert authenticate(user.email, PASSWORD) is None


def test_a_password_change_keeps_this_session_and_ends_the_others(app, client):
    user = make_user()
    elsewhere = app.test_client()
    log_in(elsewhere, user)
    log_in(client, user)

    _change_password(client, PASSWORD)

    assert client.get("/profile").status_code == 200
    # The tests' application context outlives requests: forget the user Flask-Login kept in `g`.
    g.pop("_login_user", None)
    assert elsewhere.get("/profile").status_code == 302


def test_a_password_change_keeps_a_remembered_login_remembered(client):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})

    _change_password(client, PASSWORD)
    # The browser restarts: its session cookie is gone, the remember-me cookie stays.
    client.delete_cookie("session")
    g.pop("_login_user", None)

    assert client.get("/profile").status_code == 200


def test_a_password_change_says_that_api_tokens_were_revoked(client):
    user = make_user()
    log_in(client, user)
    client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})

    _change_password(client, PASSWORD)
    page = client.get("/profile").get_data(as_text=True)

    assert "1 API token has been revoked" in page


def test_a_wrong_current_password_is_shown_next_to_its_field(client):
    user = make_user()
    log_in(client, user)
    response = _change_password(client, "not the password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The current password is wrong." in page
    assert authenticate(user.email, PASSWORD) is not None


def test_a_wrong_current_password_is_shown_in_italian_to_italians(client):
    log_in(client, make_user(locale="it"))
    page = _change_password(client, "not the password").get_data(as_text=True)
    assert "La password attuale è sbagliata." in page


def test_new_passwords_that_differ_are_refused(client):
    user = make_user()
    log_in(client, user)
    response = _change_password(client, PASSWORD, confirm="something else entirely")
    assert "The two new passwords differ." in response.get_data(as_text=True)
    assert authenticate(user.email, PASSWORD) is not None


def test_a_short_new_password_is_refused(client):
    user = make_user()
    log_in(client, user)
    _change_password(client, PASSWORD, new="short")
    assert authenticate(user.email, PASSWORD) is not None


def test_the_profile_form_needs_a_csrf_token(app, client, monkeypatch):
    user = make_user(name="Kept")
    log_in(client, user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/profile", data={"profile-name": "Changed", "profile-locale": ""})
    assert response.status_code == 400
    assert _reloaded(user).name == "Kept"


def test_every_string_of_the_accounts_pages_has_an_italian_translation():
    from pathlib import Path

    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
    from jinja2.ext import babel_extract

    from booking.catalogues import merged_catalogue

    root = Path(__file__).resolve().parents[2]
    keywords = DEFAULT_KEYWORDS | {"_l": None}
    sources = [("python", root / "booking/web" / name) for name in ("auth.py", "admin.py")] + [
        (babel_extract, path)
        for folder in ("templates/auth", "templates/admin")
        for path in sorted((root / folder).glob("*.html"))
    ]
    catalogue = merged_catalogue("it")
    missing = [
        (path.name, message)
        for method, path in sources
        for _line, message, _comments, _context in extract_from_file(method, path, keywords)
        if not (catalogue.get(message) and catalogue.get(message).string)
    ]
    assert missing == []


def test_a_user_turns_a_kind_of_mail_off_on_the_profile(client):
    from booking.extensions import db

    user = make_user()
    log_in(client, user)
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="reminder"' in page
    response = client.post("/profile/mail", data={"confirmed": "on"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.mail_preferences["confirmed"] is True
    assert user.mail_preferences["reminder"] is False
