"""The network: Clust-ERs, their value chains, and member organisations."""

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db

ORGANISATION_TYPES = (
    "research_lab",
    "innovation_centre",
    "university",
    "business",
    "startup",
    "consortium",
    "training_body",
    "other",
)
# Types that count as academic, research or training bodies when a rate category is chosen.
ACADEMIC_TYPES = ("research_lab", "innovation_centre", "university", "training_body")

organisation_clusters = Table(
    "organisation_clusters",
    db.metadata,
    Column("organisation_id", ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("cluster_id", ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True),
)


class Cluster(db.Model):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_it: Mapped[str] = mapped_column(String(200))

    value_chains: Mapped[list["ValueChain"]] = relationship(
        back_populates="cluster", order_by="ValueChain.id", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        return self.name_it if locale == "it" else self.name_en


class ValueChain(db.Model):
    __tablename__ = "value_chains"
    __table_args__ = (db.UniqueConstraint("cluster_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(200))
    name_it: Mapped[str] = mapped_column(String(200))

    cluster: Mapped[Cluster] = relationship(back_populates="value_chains")

    def name(self, locale: str) -> str:
        return self.name_it if locale == "it" else self.name_en


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(
            "type IN (" + ", ".join(f"'{t}'" for t in ORGANISATION_TYPES) + ")", name="type"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    city: Mapped[str] = mapped_column(String(120))
    vat_number: Mapped[str | None] = mapped_column(String(11), unique=True)
    accredited: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str | None] = mapped_column(String(300))

    clusters: Mapped[list[Cluster]] = relationship(
        secondary=organisation_clusters, order_by=Cluster.id
    )
