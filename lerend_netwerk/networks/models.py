"""Networks and memberships.

Every session, practice, proeftuin and thread belongs to one network (`network_id`);
visit reports belong to their proeftuin's. The default network exists from the start and
keeps the URLs of a single-network installation; a document that names no network
belongs to it. A person belongs to several networks with a role in each; `user.role`
"admin" is the installation's administrator, who creates networks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    event,
    insert,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lerend_netwerk.db import Base, SlugMixin, TimestampMixin, utcnow

# The slug and name of the network a single-network installation becomes.
DEFAULT_NETWORK_SLUG = "duaal-leren-ho-vwo"
DEFAULT_NETWORK_TITLE = "Lerend netwerk duaal leren"

NETWORK_ROLES = ("member", "coordinator")
NETWORK_ROLE_LABELS = {"member": "Lid", "coordinator": "Coördinator"}


class Network(SlugMixin, TimestampMixin, Base):
    __tablename__ = "network"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # One or two sentences for cards and the network's header.
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str | None] = mapped_column(String(200))
    # Education levels (`levels.LEVELS`) the network works on.
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Its look on its own pages: an accent colour (#rrggbb) and a logo (an image URL or a
    # path under the site).
    colour: Mapped[str | None] = mapped_column(String(7))
    logo: Mapped[str | None] = mapped_column(String(500))
    # Exactly one network is the default (the networks service keeps it so).
    is_default: Mapped[bool] = mapped_column(default=False, server_default="0")
    position: Mapped[int] = mapped_column(default=0)

    memberships: Mapped[list[NetworkMembership]] = relationship(
        back_populates="network", cascade="all, delete-orphan", passive_deletes=True
    )

    visibility = "public"

    def __repr__(self) -> str:
        return f"<Network {self.slug}>"


class NetworkMembership(Base):
    """A person's place in one network: member or coordinator there."""

    __tablename__ = "network_membership"
    __table_args__ = (UniqueConstraint("network_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    network: Mapped[Network] = relationship(back_populates="memberships")

    @property
    def role_label(self) -> str:
        return NETWORK_ROLE_LABELS.get(self.role, self.role)


def default_network_id():
    """The SQL default of every `network_id`: a row that names no network is the default
    network's (a subquery in the INSERT itself, so no code path can forget it)."""
    return select(Network.id).where(Network.is_default == true()).limit(1).scalar_subquery()


def network_id_column(*, nullable: bool = False) -> Mapped[int]:
    """The `network_id` of a kind that belongs to a network."""
    return mapped_column(
        ForeignKey("network.id", ondelete="RESTRICT"),
        index=True,
        nullable=nullable,
        default=None if nullable else default_network_id(),
    )


@event.listens_for(Network.__table__, "after_create")
def _seed_default_network(target, connection, **_kw) -> None:
    # The default network exists from the start (the migration inserts it too).
    now = utcnow()
    connection.execute(
        insert(target).values(
            slug=DEFAULT_NETWORK_SLUG,
            title=DEFAULT_NETWORK_TITLE,
            summary="",
            body="",
            levels=["hoger-onderwijs", "volwassenenonderwijs"],
            is_default=True,
            position=0,
            created_at=now,
            updated_at=now,
        )
    )
