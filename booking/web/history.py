"""The history of a resource, an account or an organisation as the pages show it: who, when in
local time, and what changed (the fields that differ, old → new), in the reader's language.

The resource's history has a tab of its own among its management pages; the pages of an account
and of an organisation include `history/_section.html`, which asks `history_section()`: nothing
is shown to those who may not read it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency
from flask import Blueprint, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select

from booking.database import page_of
from booking.extensions import db
from booking.models import Cluster, HistoryEntry, Organisation, Resource, User, ValueChain
from booking.models.resources import WEEKDAYS
from booking.services import history
from booking.services.catalogue import DEFAULT_TIMEZONE, MAX_ID, get_managed_resource
from booking.services.errors import Forbidden, NotFound
from booking.services.permissions import visible_resources_clause
from booking.web.catalogue import LABELS, acting_user, page_number

bp = Blueprint("history", __name__)

PER_PAGE = 20
# Longer texts (a description) are cut: the API has them whole.
MAX_SHOWN = 120

ACTION_LABELS = {
    ("user", "created"): _l("Account created"),
    ("user", "updated"): _l("Account changed"),
    ("user", "password_changed"): _l("Password changed"),
    ("organisation", "created"): _l("Organisation added"),
    ("organisation", "updated"): _l("Organisation changed"),
    ("resource", "created"): _l("Resource added"),
    ("resource", "updated"): _l("Details and rules changed"),
    ("resource", "opening_hours_set"): _l("Opening hours changed"),
    ("resource", "blackout_added"): _l("Blackout added"),
    ("resource", "blackout_removed"): _l("Blackout removed"),
    ("resource", "holiday_opened"): _l("Opened on a public holiday"),
    ("resource", "holiday_closed"): _l("Closed again on a public holiday"),
    ("resource", "qualification_granted"): _l("Qualification recorded"),
    ("resource", "qualification_changed"): _l("Qualification changed"),
    ("resource", "qualification_revoked"): _l("Qualification revoked"),
    ("resource", "training_granted"): _l("Training granted"),
    ("resource", "training_declined"): _l("Training request declined"),
}
# The same words as the forms where the field has one; a field without a label (added later)
# shows its name.
FIELD_LABELS = {
    "email": _l("Email"),
    "name": _l("Name"),
    "organisation_id": _l("Organisation"),
    "roles": _l("Roles"),
    "active": _l("Active"),
    "slug": _l("Short name in addresses (slug)"),
    "type": _l("Type"),
    "city": _l("City"),
    "vat_number": _l("VAT number (partita IVA)"),
    "accredited": _l("Accredited by the Region (High Technology Network)"),
    "website": _l("Website"),
    "description": _l("Description"),
    "clusters": _l("Clust-ERs"),
    "kind": _l("Kind"),
    "parent_id": _l("Inside the joint lab"),
    "timezone": _l("Time zone"),
    "site": _l("Site"),
    "specs": _l("Technical specifications"),
    "visibility": _l("Who sees it"),
    "approval": _l("Approval"),
    "capacity": _l("Capacity"),
    "slot_minutes": _l("Slot (minutes)"),
    "min_duration_minutes": _l("Shortest booking (minutes)"),
    "max_duration_minutes": _l("Longest booking (minutes)"),
    "buffer_before_minutes": _l("Set-up time before each booking (minutes)"),
    "buffer_after_minutes": _l("Cleaning time after each booking (minutes)"),
    "lead_time_hours": _l("Notice needed (hours)"),
    "horizon_days": _l("Bookable ahead (days)"),
    "monthly_quota_hours": _l("Monthly quota for other organisations (hours)"),
    "decision_deadline_hours": _l("Decision needed before the start (hours)"),
    "requires_qualification": _l("Only trained users may book it"),
    "managers": _l("Managers"),
    "co_owners": _l("Co-owner organisations"),
    "value_chains": _l("Value chains"),
    "start": _l("From"),
    "end": _l("Until"),
    "reason": _l("Reason"),
    "day": _l("Public holiday"),
    "user_id": _l("Person"),
    "expires_on": _l("Valid until"),
    **{day: LABELS["weekday"][day] for day in WEEKDAYS},
}
ROLE_LABELS = {
    "network_admin": _l("Network admin"),
    "org_admin": _l("Organisation admin"),
    "member": _l("Member"),
}
# Ids in the entries that only link one entry to another thing; not shown.
_HIDDEN = {"id", "request_id"}
# Fields holding ids of other things, by the model whose names show them.
_NAMED = {
    "organisation_id": Organisation,
    "co_owners": Organisation,
    "managers": User,
    "user_id": User,
    "parent_id": Resource,
    "clusters": Cluster,
    "value_chains": ValueChain,
}


@dataclass(frozen=True)
class Change:
    """One field of an entry: `before` None when there was nothing before (an addition), `after`
    None when nothing is left (a removal); both when it changed."""

    field: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Line:
    action: str
    at: str
    actor: str
    changes: list[Change]
    reason: str
    # A creation lists every field; the page folds them away.
    folded: bool


@dataclass(frozen=True)
class HistoryPage:
    lines: list[Line]
    number: int
    total: int
    per_page: int = PER_PAGE


def _flat(snapshot: dict | None) -> dict[str, Any]:
    """Nested objects (the rates) as dotted fields."""
    flat: dict[str, Any] = {}
    for key, value in (snapshot or {}).items():
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": item for inner, item in value.items()})
        else:
            flat[key] = value
    return flat


class _Names:
    """The names of the things that a page of entries refers to by id, read in one query per
    kind of thing; a resource's only if the reader may see it."""

    def __init__(self, snapshots: Iterable[dict[str, Any]], reader: User):
        wanted: dict[type, set[int]] = {}
        for snapshot in snapshots:
            for key, model in _NAMED.items():
                value = snapshot.get(key)
                ids = value if isinstance(value, list) else [value]
                wanted.setdefault(model, set()).update(i for i in ids if isinstance(i, int))
        self._names: dict[type, dict[int, str]] = {}
        for model, ids in wanted.items():
            if not ids:
                continue
            column = model.code if model in (Cluster, ValueChain) else model.name
            query = select(model.id, column).where(model.id.in_(ids))
            if model is Resource:
                query = query.where(visible_resources_clause(reader))
            self._names[model] = {row[0]: row[1] for row in db.session.execute(query)}

    def __call__(self, model: type, thing_id: Any) -> str:
        return self._names.get(model, {}).get(thing_id, f"#{thing_id}")


def _shown(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _excerpts(old: str, new: str) -> tuple[str, str]:
    """Two long texts cut around where they begin to differ, so that the change shows."""
    common = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        common += 1
    start = max(0, common - MAX_SHOWN // 4)
    lead = "…" if start else ""
    return lead + old[start:], lead + new[start:]


def _label(key: str) -> str:
    if key.startswith("rates."):
        category = key.partition(".")[2]
        return _("Rate: %(category)s", category=LABELS["rate"].get(category, category))
    return str(FIELD_LABELS.get(key, key))


def _value(key: str, value: Any, names: _Names, zone: ZoneInfo, locale: str) -> str:
    if key in _NAMED and value is not None:
        model = _NAMED[key]
        ids = value if isinstance(value, list) else [value]
        return ", ".join(sorted(names(model, i) for i in ids)) or "—"
    if key.startswith("rates."):
        if value is None:
            return _("Free")
        amount = format_currency(Decimal(value), "EUR", locale=locale)
        return _("%(amount)s per hour", amount=amount)
    if key in WEEKDAYS:
        return ", ".join(f"{start}–{end}" for start, end in value) or _("Closed")
    if key == "expires_on" and value is None:
        return _("No expiry")
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "roles":
        return ", ".join(str(ROLE_LABELS.get(role, role)) for role in value)
    if key == "type":
        return str(LABELS["organisation_type"].get(value, value))
    if key in ("kind", "visibility", "approval"):
        return str(LABELS[key].get(value, value))
    if key in ("start", "end"):
        moment = datetime.fromisoformat(value).astimezone(zone)
        return format_datetime(moment, "EEE d MMM y, HH:mm", locale=locale)
    if key in ("day", "expires_on"):
        return format_date(date.fromisoformat(value), "medium", locale=locale)
    if key == "specs":
        return _shown("; ".join(f"{label}: {text}" for label, text in value)) or "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return _shown(str(value)) or "—"


def _changes(entry: HistoryEntry, names: _Names, zone: ZoneInfo, locale: str) -> list[Change]:
    before, after = _flat(entry.before), _flat(entry.after)

    def shown(key: str, snapshot: dict | None, values: dict) -> str | None:
        return None if snapshot is None else _value(key, values.get(key), names, zone, locale)

    changes = []
    for key in dict.fromkeys([*after, *before]):
        if key in _HIDDEN:
            continue
        if entry.before is not None and entry.after is not None:
            old, new = before.get(key), after.get(key)
            if old == new:
                continue
            if (
                isinstance(old, str)
                and isinstance(new, str)
                and max(len(old), len(new)) > MAX_SHOWN
            ):
                before[key], after[key] = _excerpts(old, new)
        elif (before or after).get(key) in (None, "", [], False):
            # What a new thing lacks, or a removed one lacked, says nothing.
            continue
        changes.append(
            Change(
                _label(key),
                shown(key, entry.before, before),
                shown(key, entry.after, after),
            )
        )
    return changes


def history_lines(entries: list[HistoryEntry], reader: User, zone: ZoneInfo) -> list[Line]:
    """The entries as the page shows them to `reader`, times in `zone`."""
    locale = str(get_locale())
    snapshots = (_flat(snapshot) for entry in entries for snapshot in (entry.before, entry.after))
    names = _Names(snapshots, reader)
    return [
        Line(
            action=str(ACTION_LABELS.get((entry.entity_type, entry.action), entry.action)),
            at=format_datetime(entry.at.astimezone(zone), "EEE d MMM y, HH:mm", locale=locale),
            actor=entry.actor.name if entry.actor is not None else _("the system"),
            changes=_changes(entry, names, zone, locale),
            reason=entry.reason,
            folded=entry.before is None and entry.action == "created",
        )
        for entry in entries
    ]


def _history_page(entity_type: str, entity_id: int) -> HistoryPage:
    """A page of the history (the `history_page` argument), for the logged-in user; NotFound or
    Forbidden when they may not read it."""
    reader = acting_user()
    query = history.history_query(reader, entity_type, entity_id)
    # Resources are shown in their own time zone; accounts and organisations in the network's.
    resource = db.session.get(Resource, entity_id) if entity_type == "resource" else None
    zone = ZoneInfo(resource.timezone if resource is not None else DEFAULT_TIMEZONE)
    number = page_number("history_page")
    entries, total = page_of(query, number, PER_PAGE)
    return HistoryPage(history_lines(entries, reader, zone), number, total)


@bp.app_template_global()
def history_section(entity_type: str, entity_id: int) -> HistoryPage | None:
    """The history for a page that shows it to those who may read it; None for anyone else."""
    if acting_user() is None:
        return None
    try:
        return _history_page(entity_type, entity_id)
    except (Forbidden, NotFound):
        return None


@bp.get(f"/manage/resources/<int(max={MAX_ID}):resource_id>/history")
@login_required
def resource_history(resource_id: int):
    resource = get_managed_resource(acting_user(), resource_id)
    return render_template(
        "history/resource.html",
        resource=resource,
        history=_history_page("resource", resource.id),
    )
