"""Who may see and do what: the one place where the network's roles are interpreted.

- network admins: everything;
- organisation admins: their organisation's users and resources;
- a resource's managers: that resource (its bookings, blackouts, opening hours, qualifications);
- members: what they may see, and their own bookings.

Visibility of a resource: `network` (every user), `clusters` (users of an organisation sharing a
Clust-ER with the resource, plus its owners), `organisation` (its owner and co-owner organisations).
Its managers always see it. Anonymous visitors see only `network` resources.
"""

from sqlalchemy import ColumnElement, and_, or_, select, true

from booking.models import Organisation, Resource, User
from booking.models.network import organisation_clusters
from booking.models.resources import resource_clusters, resource_co_owners, resource_managers
from booking.services.errors import Forbidden, NotFound


def visible_resources_clause(user: User | None) -> ColumnElement[bool]:
    """A WHERE clause selecting the resources that `user` may see (None: an anonymous visitor)."""
    if user is None:
        return Resource.visibility == "network"
    if user.is_network_admin:
        return true()
    co_owned = select(resource_co_owners.c.resource_id).where(
        resource_co_owners.c.organisation_id == user.organisation_id
    )
    managed = select(resource_managers.c.resource_id).where(resource_managers.c.user_id == user.id)
    sharing_a_cluster = (
        select(resource_clusters.c.resource_id)
        .join(
            organisation_clusters,
            organisation_clusters.c.cluster_id == resource_clusters.c.cluster_id,
        )
        .where(organisation_clusters.c.organisation_id == user.organisation_id)
    )
    return or_(
        Resource.visibility == "network",
        Resource.organisation_id == user.organisation_id,
        Resource.id.in_(co_owned),
        Resource.id.in_(managed),
        and_(Resource.visibility == "clusters", Resource.id.in_(sharing_a_cluster)),
    )


def manageable_resources_clause(user: User) -> ColumnElement[bool]:
    """A WHERE clause selecting the resources `user` manages: the SQL form of
    can_manage_resource (keep the two in step)."""
    if user.is_network_admin:
        return true()
    managed = Resource.id.in_(
        select(resource_managers.c.resource_id).where(resource_managers.c.user_id == user.id)
    )
    if user.is_org_admin:
        return or_(managed, Resource.organisation_id == user.organisation_id)
    return managed


def is_owner_member(user: User, resource: Resource) -> bool:
    """Whether the user belongs to the resource's owner or one of its co-owners."""
    return user.organisation_id in resource.owner_organisation_ids


def can_see_resource(user: User | None, resource: Resource) -> bool:
    if resource.visibility == "network":
        return True
    if user is None:
        return False
    if user.is_network_admin or is_owner_member(user, resource) or is_manager(user, resource):
        return True
    if resource.visibility == "clusters":
        user_clusters = {c.id for c in user.organisation.clusters}
        return any(c.id in user_clusters for c in resource.clusters)
    return False


def is_manager(user: User, resource: Resource) -> bool:
    return any(manager.id == user.id for manager in resource.managers)


def can_manage_resource(user: User | None, resource: Resource) -> bool:
    """Edit the resource, its opening hours, blackouts and qualifications, decide its bookings."""
    if user is None:
        return False
    if user.is_network_admin or is_manager(user, resource):
        return True
    return user.is_org_admin and user.organisation_id == resource.organisation_id


def sees_booking_details(viewer: User, booking, manages_resource: bool) -> bool:
    """Whether `viewer` sees who booked and why (a booking, or any row with its requester_id and
    organisation_id): the requester, their organisation and the resource's managers. Everyone
    else who sees the resource learns only that the time is taken."""
    return (
        manages_resource
        or booking.requester_id == viewer.id
        or booking.organisation_id == viewer.organisation_id
    )


def administers_organisation(user: User | None, organisation_id: int) -> bool:
    """A network admin, or an admin of that organisation: they create its resources, manage its
    accounts and read its statements."""
    if user is None:
        return False
    return user.is_network_admin or (user.is_org_admin and user.organisation_id == organisation_id)


def can_edit_organisation(user: User | None, organisation: Organisation) -> bool:
    return user is not None and user.is_network_admin


def require_visible(user: User | None, resource: Resource | None) -> Resource:
    """The resource, or NotFound when it does not exist or is invisible to `user`."""
    if resource is None or not can_see_resource(user, resource):
        raise NotFound("No such resource.")
    return resource


def require_manager(user: User | None, resource: Resource | None) -> Resource:
    """The resource, or NotFound if invisible, or Forbidden if visible but not managed by `user`."""
    resource = require_visible(user, resource)
    if not can_manage_resource(user, resource):
        raise Forbidden("Only the resource's managers and its organisation's admins may do this.")
    return resource
