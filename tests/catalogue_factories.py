"""Helpers for the catalogue's tests: a small network, logging in on the pages."""

from flask import g

from tests.factories import make_cluster, make_organisation, make_resource, make_user


def log_in(client, user) -> None:
    """Log `user` in for the pages, as Flask-Login's session cookie would."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    # The tests' application context (and so `g`) outlives each request: forget the user that
    # Flask-Login remembered there for the previous one.
    g.pop("_login_user", None)


def make_org_admin(organisation=None, **fields):
    return make_user(organisation or make_organisation(), is_org_admin=True, **fields)


def make_network_admin(**fields):
    return make_user(is_network_admin=True, **fields)


def resource_visible_to_clusters():
    """A resource seen by its Clust-ER only, and an organisation inside and one outside it."""
    cluster = make_cluster("MECH")
    owner = make_organisation(clusters=[cluster])
    resource = make_resource(owner, visibility="clusters", clusters=[cluster])
    inside = make_organisation(clusters=[cluster])
    outside = make_organisation(clusters=[make_cluster("HEALTH")])
    return resource, inside, outside
