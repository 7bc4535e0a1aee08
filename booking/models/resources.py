"""Resources (instruments, pilot installations, joint labs), their opening hours, blackouts and
the public holidays their managers open them on."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db
from booking.models.network import Cluster, Organisation, ValueChain
from booking.models.people import User
from booking.models.types import UTCDateTime

KINDS = ("instrument", "pilot_installation", "joint_lab")
VISIBILITIES = ("network", "clusters", "organisation")
APPROVAL_POLICIES = ("none", "external", "always")
RATE_CATEGORIES = ("internal", "network", "academic", "industry")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


resource_managers = Table(
    "resource_managers",
    db.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)
resource_co_owners = Table(
    "resource_co_owners",
    db.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "organisation_id",
        ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)
resource_clusters = Table(
    "resource_clusters",
    db.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "cluster_id", ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)
resource_value_chains = Table(
    "resource_value_chains",
    db.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "value_chain_id",
        ForeignKey("value_chains.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Resource(db.Model):
    __tablename__ = "resources"
    __table_args__ = (
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        CheckConstraint(_one_of("visibility", VISIBILITIES), name="visibility"),
        CheckConstraint(_one_of("approval", APPROVAL_POLICIES), name="approval"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("slot_minutes >= 1 AND slot_minutes <= 1440", name="slot_minutes"),
        CheckConstraint("min_duration_minutes >= 1", name="min_duration_positive"),
        CheckConstraint(
            "max_duration_minutes IS NULL OR max_duration_minutes >= min_duration_minutes",
            name="max_duration_not_below_min",
        ),
        CheckConstraint(
            "buffer_before_minutes >= 0 AND buffer_after_minutes >= 0", name="buffers_not_negative"
        ),
        CheckConstraint("lead_time_hours >= 0", name="lead_time_not_negative"),
        CheckConstraint("horizon_days >= 1", name="horizon_positive"),
        CheckConstraint(
            "monthly_quota_hours IS NULL OR monthly_quota_hours > 0", name="quota_positive"
        ),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint(
            "(rate_internal IS NULL OR rate_internal >= 0)"
            " AND (rate_network IS NULL OR rate_network >= 0)"
            " AND (rate_academic IS NULL OR rate_academic >= 0)"
            " AND (rate_industry IS NULL OR rate_industry >= 0)",
            name="rates_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("resources.id", ondelete="RESTRICT"), index=True
    )
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Rome")
    city: Mapped[str] = mapped_column(String(120))
    site: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Technical specifications as label → value pairs, in the order a manager gave them.
    specs: Mapped[list[list[str]]] = mapped_column(JSON, default=list)

    visibility: Mapped[str] = mapped_column(String(16), default="network")
    approval: Mapped[str] = mapped_column(String(16), default="external")
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=15)
    min_duration_minutes: Mapped[int] = mapped_column(Integer, default=15)
    max_duration_minutes: Mapped[int | None] = mapped_column(Integer)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    lead_time_hours: Mapped[int] = mapped_column(Integer, default=0)
    horizon_days: Mapped[int] = mapped_column(Integer, default=365)
    requires_qualification: Mapped[bool] = mapped_column(Boolean, default=False)
    monthly_quota_hours: Mapped[int | None] = mapped_column(Integer)
    # Pending requests expire this many hours before their start (None: at their start).
    decision_deadline_hours: Mapped[int | None] = mapped_column(Integer)
    # EUR per hour by rate category; None where that category books for free.
    rate_internal: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    rate_network: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    rate_academic: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    rate_industry: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    parent: Mapped["Resource | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Resource"]] = relationship(
        back_populates="parent", order_by="Resource.name"
    )
    co_owners: Mapped[list[Organisation]] = relationship(
        secondary=resource_co_owners, order_by=Organisation.name
    )
    managers: Mapped[list[User]] = relationship(secondary=resource_managers, order_by=User.name)
    clusters: Mapped[list[Cluster]] = relationship(secondary=resource_clusters, order_by=Cluster.id)
    value_chains: Mapped[list[ValueChain]] = relationship(
        secondary=resource_value_chains, order_by=ValueChain.id
    )
    opening_hours: Mapped[list["OpeningHours"]] = relationship(
        order_by="(OpeningHours.weekday, OpeningHours.start_minute)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def owner_organisation_ids(self) -> set[int]:
        return {self.organisation_id, *(org.id for org in self.co_owners)}

    def rate(self, category: str) -> Decimal | None:
        return getattr(self, f"rate_{category}")


class OpeningHours(db.Model):
    """One range of a weekly schedule, in the resource's local time.

    A resource without any range is open at all hours; once ranges exist, it is open only inside
    them. `end_minute` 1440 means midnight at the end of the day.
    """

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday"),
        CheckConstraint(
            "start_minute >= 0 AND end_minute <= 1440 AND start_minute < end_minute",
            name="range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class Blackout(db.Model):
    """A span in which a resource (and everything inside it) cannot be booked."""

    __tablename__ = "blackouts"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        Index("ix_blackouts_resource_span", "resource_id", "start_at", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HolidayOpening(db.Model):
    """A public holiday on which a resource's managers open it (holidays close every resource
    otherwise). `day` is a date in the resource's time zone; opening hours still apply on it."""

    __tablename__ = "holiday_openings"
    # Also the index of the lookups by resource (and day).
    __table_args__ = (UniqueConstraint("resource_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
