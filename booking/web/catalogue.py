"""The catalogue: resources with search and facets, resource pages, organisation pages."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from booking.models import User
from booking.models.resources import KINDS
from booking.services import blackouts as blackout_service
from booking.services import catalogue
from booking.services import holiday_openings as holiday_service
from booking.services import opening_hours as hours_service
from booking.services.clock import now

bp = Blueprint("catalogue", __name__)

PER_PAGE = 20
FILTERS = ("q", "kind", "cluster", "value_chain", "organisation", "city")

LABELS = {
    "kind": {
        "instrument": _l("Instrument"),
        "pilot_installation": _l("Pilot installation"),
        "joint_lab": _l("Joint lab"),
    },
    "visibility": {
        "network": _l("Visible to the whole network"),
        "clusters": _l("Visible to the organisations of its Clust-ERs"),
        "organisation": _l("Visible only to its owner organisations"),
    },
    "approval": {
        "none": _l("Bookings are confirmed at once."),
        "external": _l("Bookings by other organisations need approval."),
        "always": _l("Every booking needs approval."),
    },
    "organisation_type": {
        "research_lab": _l("Research lab"),
        "innovation_centre": _l("Innovation centre"),
        "university": _l("University"),
        "business": _l("Company"),
        "startup": _l("Start-up"),
        "consortium": _l("Consortium"),
        "training_body": _l("Training body"),
        "other": _l("Other"),
    },
    "rate": {
        "internal": _l("Owner organisations"),
        "network": _l("Network members"),
        "academic": _l("Universities and research bodies"),
        "industry": _l("Companies"),
    },
    "weekday": {
        "mon": _l("Monday"),
        "tue": _l("Tuesday"),
        "wed": _l("Wednesday"),
        "thu": _l("Thursday"),
        "fri": _l("Friday"),
        "sat": _l("Saturday"),
        "sun": _l("Sunday"),
    },
    "facet": {
        "kind": _l("Kind"),
        "cluster": _l("Clust-ER"),
        "value_chain": _l("Value chain"),
        "organisation": _l("Organisation"),
        "city": _l("City"),
    },
}


def acting_user() -> User | None:
    """The logged-in user, or None for an anonymous visitor (as the services expect)."""
    return current_user._get_current_object() if current_user.is_authenticated else None


def page_number(param: str = "page") -> int:
    page = request.args.get(param, default=1, type=int)
    return min(page, catalogue.MAX_PAGE) if page and page > 0 else 1


@bp.app_template_global()
def label(group: str, value: str) -> str:
    return str(LABELS[group].get(value, value))


def facet_text(facet: str, value: catalogue.FacetValue) -> str:
    """How a facet value reads on a page."""
    if facet == "kind":
        return label("kind", str(value.value))
    if facet == "city":
        return str(value.value)
    if facet == "organisation":
        return value.item.name
    name = value.item.name(str(get_locale()))
    return f"{value.item.code} · {name}" if facet == "cluster" else name


@bp.app_template_global()
def url_with(**changes) -> str:
    """The current page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    if "page" not in changes:
        args.pop("page", None)
    for name, value in changes.items():
        if value is None:
            args.pop(name, None)
        else:
            args[name] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@bp.app_template_filter("duration")
def duration(minutes: int) -> str:
    """A number of minutes the way people say it: 45 min, 2 h, 1 h 30 min, 3 d."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(num)d d", num=days))
    if hours:
        parts.append(_("%(num)d h", num=hours))
    if mins or not parts:
        parts.append(_("%(num)d min", num=mins))
    return " ".join(parts)


@bp.app_template_global()
def local_span(start: datetime, end: datetime, zone: str) -> str:
    """A span as people read it at the resource: whole days as dates, otherwise dates and times."""
    locale = str(get_locale())
    start, end = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))

    def day(moment: datetime) -> str:
        return format_date(moment, format="EEE d MMM yyyy", locale=locale)

    def clock(moment: datetime) -> str:
        return format_time(moment, format="HH:mm", locale=locale)

    if start.time() == end.time() == time(0):
        last = end - timedelta(days=1)
        return day(start) if last.date() == start.date() else f"{day(start)} – {day(last)}"
    if start.date() == end.date():
        return f"{day(start)}, {clock(start)}–{clock(end)}"
    return f"{day(start)}, {clock(start)} – {day(end)}, {clock(end)}"


@bp.get("/")
def index():
    user = acting_user()
    kind = request.args.get("kind")
    result = catalogue.search(
        user,
        q=request.args.get("q", ""),
        kind=kind if kind in KINDS else None,
        cluster=request.args.get("cluster"),
        value_chain=request.args.get("value_chain"),
        organisation=request.args.get("organisation"),
        city=request.args.get("city"),
        page=page_number(),
        per_page=PER_PAGE,
    )
    active = {name: request.args[name] for name in FILTERS[1:] if request.args.get(name)}
    chips = []
    for name, raw in active.items():
        chosen = [value for value in result.facets[name] if str(value.value) == raw]
        chips.append((name, facet_text(name, chosen[0]) if chosen else raw))
    return render_template(
        "catalogue/index.html",
        result=result,
        q=request.args.get("q", ""),
        active=active,
        chips=chips,
        facet_names=catalogue.FACETS,
        facet_text=facet_text,
    )


@bp.get("/resources/<id:resource_id>")
def resource(resource_id: int):
    user = acting_user()
    found = catalogue.get_resource(user, resource_id)
    moment = now()
    return render_template(
        "catalogue/resource.html",
        resource=found,
        children=catalogue.visible_children(user, [found])[found.id],
        parent=catalogue.visible_parent(user, found),
        weekly=hours_service.weekly_schedule(found),
        blackouts=blackout_service.upcoming_blackouts(found, now=moment),
        holidays=holiday_service.coming_holidays(found, now=moment),
        may_manage=catalogue.can_manage(user, found),
    )


@bp.get("/organisations")
def organisations():
    page = page_number()
    rows, total = catalogue.list_organisations(acting_user(), page=page, per_page=50)
    return render_template(
        "catalogue/organisations.html", rows=rows, total=total, page=page, per_page=50
    )


@bp.get("/organisations/<slug>")
def organisation(slug: str):
    found, resources = catalogue.get_organisation(acting_user(), slug)
    return render_template("catalogue/organisation.html", organisation=found, resources=resources)
