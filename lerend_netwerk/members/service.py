"""The member directory and account administration."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.auth.models import ROLES, User
from lerend_netwerk.auth.service import (
    AccountError,
    email_problem,
    end_all_login_sessions,
    find_user_by_email,
    invite,
)
from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.errors import ForbiddenError, NotFoundError, get_or_not_found
from lerend_netwerk.extensions import db
from lerend_netwerk.networks import service as networks
from lerend_netwerk.networks.access import coordinated_networks, networks_of
from lerend_netwerk.networks.membership import join
from lerend_netwerk.networks.models import NETWORK_ROLES, Network, NetworkMembership
from lerend_netwerk.proeftuinen.models import Organisation, Proeftuin
from lerend_netwerk.themes.models import Theme

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def directory_query(*, q: str = "", theme: str = "", level: str = "", organisation: str = ""):
    """Active, listed members matching the filters, alphabetically."""
    query = (
        select(User)
        .where(User.active.is_(True), User.listed_in_directory.is_(True))
        .options(
            selectinload(User.proeftuinen),
            selectinload(User.expertise),
            selectinload(User.network_memberships).joinedload(NetworkMembership.network),
        )
        .order_by(func.lower(User.name))
    )
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(User.name).like(pattern),
                func.lower(User.bio).like(pattern),
                User.organisation.has(func.lower(Organisation.title).like(pattern)),
                User.proeftuinen.any(func.lower(Proeftuin.title).like(pattern)),
            )
        )
    if theme:
        query = query.where(User.expertise.any(Theme.slug == theme))
    if level:
        query = query.where(User.proeftuinen.any(Proeftuin.level == level))
    if organisation:
        query = query.where(User.organisation.has(Organisation.slug == organisation))
    return query


def accounts_query(viewer: Any, *, q: str = "", role: str = "", status: str = ""):
    """The accounts a coordinator manages (those in the networks they coordinate; an
    admin: all), searchable by name and e-mail."""
    query = (
        select(User)
        .options(selectinload(User.network_memberships).joinedload(NetworkMembership.network))
        .order_by(func.lower(User.name))
    )
    if not getattr(viewer, "is_admin", False):
        query = query.where(
            User.network_memberships.any(
                NetworkMembership.network_id.in_(sorted(coordinated_networks(viewer)))
            )
        )
    if q:
        pattern = f"%{q.strip().lower()}%"
        query = query.where(
            or_(func.lower(User.name).like(pattern), func.lower(User.email).like(pattern))
        )
    if role in ROLES:
        query = query.where(User.role == role)
    if status == "actief":
        query = query.where(User.active.is_(True))
    elif status == "gedeactiveerd":
        query = query.where(User.active.is_(False))
    elif status == "uitgenodigd":
        query = query.where(User.password_hash.is_(None))
    return query


def parse_addresses(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Split a pasted list into (name, email) pairs and the lines that are not addresses."""
    pairs: list[tuple[str, str]] = []
    problems: list[str] = []
    for line in text.replace(";", "\n").replace(",", "\n").splitlines():
        line = line.strip()
        if not line:
            continue
        parsed = getaddresses([line])
        name, email = parsed[0] if len(parsed) == 1 else ("", "")
        if not EMAIL_RE.match(email or ""):
            problems.append(line)
            continue
        problem = email_problem(email)
        if problem:
            problems.append(f"{line} — {problem}")
            continue
        pairs.append((name.strip(), User.normalise_email(email)))
    return pairs, problems


@dataclass
class InvitationOutcome:
    invited: list[User] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def invite_many(
    inviter: User,
    text: str,
    *,
    role: str,
    organisation: Organisation | None,
    proeftuinen: list[Proeftuin],
    network_id: int | None = None,
) -> InvitationOutcome:
    """Invite every new address in a pasted list into `network_id` (see
    networks.service.network_for_new_content); existing accounts are reported, not
    changed."""
    outcome = InvitationOutcome()
    pairs, outcome.invalid = parse_addresses(text)
    seen: set[str] = set()
    for name, email in pairs:
        if email in seen:
            continue
        seen.add(email)
        if find_user_by_email(email) is not None:
            outcome.existing.append(email)
            continue
        outcome.invited.append(
            invite(
                inviter=inviter,
                email=email,
                name=name,
                role=role,
                organisation=organisation,
                proeftuinen=proeftuinen,
                network_id=network_id,
            )
        )
    return outcome


def may_manage(actor: Any, user: User) -> bool:
    """Admins manage every account; a coordinator those in a network they coordinate."""
    if getattr(actor, "is_admin", False):
        return True
    return bool(networks_of(user) & coordinated_networks(actor))


def account_for_edit(user_id: int, actor: Any) -> User:
    """An account `actor` manages; 404 for one outside their networks."""
    user = get_or_not_found(User, user_id)
    if not may_manage(actor, user):
        raise NotFoundError()
    return user


def update_account(
    actor: User,
    user: User,
    *,
    name: str,
    role: str,
    organisation: Organisation | None,
    proeftuinen: list[Proeftuin],
    active: bool,
) -> None:
    """Change an account as an admin or coordinator; role changes are admin-only and audited."""
    if role not in ROLES:
        raise AccountError("Onbekende rol.")
    if role != user.role:
        if not actor.is_admin:
            raise AccountError("Enkel beheerders kunnen rollen wijzigen.")
        if user.id == actor.id:
            raise AccountError("Je kunt je eigen rol niet wijzigen.")
        record_audit(actor, "user.role_changed", user, f"{user.role} → {role}")
        user.role = role
        # The role on the account page is the one in the default network; the roles in
        # other networks are set on the network's members page.
        join(user, None, "member" if role == "member" else "coordinator")
    if not actor.is_admin and user.is_coordinator and user.id != actor.id:
        raise AccountError("Enkel beheerders kunnen coördinatoren en beheerders bewerken.")
    if active != user.active:
        if user.id == actor.id:
            raise AccountError("Je kunt je eigen account niet deactiveren.")
        record_audit(actor, "user.activated" if active else "user.deactivated", user)
        user.active = active
        if not active:
            end_all_login_sessions(user)
    user.name = name.strip()
    user.organisation = organisation
    user.proeftuinen = list(proeftuinen)
    db.session.flush()


def choices_for_forms() -> dict[str, Any]:
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.title)).all()
    proeftuinen = db.session.scalars(select(Proeftuin).order_by(Proeftuin.title)).all()
    return {"organisations": organisations, "proeftuinen": proeftuinen}


# --- the members of one network (rules in networks.service) -----------------------------


def members_of(network: Network) -> list[NetworkMembership]:
    """The network's memberships, coordinators first, then by name."""
    return list(
        db.session.scalars(
            select(NetworkMembership)
            .join(User, User.id == NetworkMembership.user_id)
            .where(NetworkMembership.network_id == network.id)
            .options(selectinload(NetworkMembership.user))
            .order_by(NetworkMembership.role != "coordinator", func.lower(User.name))
        )
    )


def add_or_invite(
    actor: Any, network: Network, email: str, name: str = "", role: str = "member"
) -> tuple[User, bool]:
    """Add the account with this e-mail to `network` with `role`, or invite a new one
    into it. Returns the account and whether an invitation went out."""
    if not networks.is_network_coordinator(actor, network.id):
        raise ForbiddenError("Je coördineert dit netwerk niet.")
    if role not in NETWORK_ROLES:
        raise networks.NetworkError("Kies lid of coördinator.", field="role")
    email = (email or "").strip()
    if not email:
        raise networks.NetworkError("Geef een e-mailadres.", field="email")
    existing = find_user_by_email(email)
    if existing is not None:
        networks.add_member(actor, network, existing, role)
        return existing, False
    try:
        # A member of this network (its only one); the role there follows.
        user = invite(inviter=actor, email=email, name=(name or "").strip(), network_id=network.id)
    except AccountError as error:
        raise networks.NetworkError(str(error), field="email") from error
    if role != "member":
        networks.set_role(actor, network, user, role)
    record_audit(actor, "network.member_invited", user, network.slug)
    return user, True


def create_network_with_coordinator(
    actor: Any, data: networks.NetworkInput, *, email: str, name: str = ""
) -> tuple[Network, User]:
    """An admin's new network and its first coordinator: an existing account by e-mail,
    or a new address that gets an invitation."""
    if not (email or "").strip():
        if getattr(actor, "is_admin", False):
            raise networks.NetworkError(
                "Geef het e-mailadres van de eerste coördinator.", field="email"
            )
        raise ForbiddenError("Enkel beheerders maken netwerken aan.")
    existing = find_user_by_email(email.strip())
    network = networks.create_network(actor, data, coordinator=existing)
    if existing is not None:
        return network, existing
    user, _invited = add_or_invite(actor, network, email, name, "coordinator")
    return network, user
