"""The rules of contributions: who may send input, review, and what acceptance creates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.auth.models import User
from lerend_netwerk.contributions.models import (
    ACCEPTED,
    CHANGES_REQUESTED,
    DECLINED,
    KIND_SLUGS,
    KINDS,
    OPEN_STATUSES,
    RESUBMITTED,
    SECTIONS,
    SUBMITTED,
    Contribution,
)
from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.errors import (
    ForbiddenError,
    NotFoundError,
    get_or_not_found,
    one_or_not_found,
)
from lerend_netwerk.core.slugs import slugify, unique_slug
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.access import (
    check_coordinates,
    coordinated_networks,
    network_column_in,
)
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.access import can_contribute
from lerend_netwerk.proeftuinen.models import Proeftuin, VisitReport
from lerend_netwerk.proeftuinen.sections import (
    PREAMBLE,
    complete_sections,
    filled_sections,
    join_sections,
    split_sections,
)
from lerend_netwerk.proeftuinen.service import (
    RESERVED_REPORT_SLUGS,
    publish_report,
)
from lerend_netwerk.signals import contribution_reviewed
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.timeutil import to_local
from lerend_netwerk.visibility import (
    VISIBILITIES,
    can_coordinate,
    can_see,
    is_coordinator,
    is_member,
)


class ContributionError(ValueError):
    """A step of the workflow that is not possible now; the message is for people."""


@dataclass
class ContributionInput:
    """What a participant fills in on the template."""

    title: str
    summary: str = ""
    sections: dict[str, str] = field(default_factory=dict)
    theme_slugs: list[str] = field(default_factory=list)


def kind_from_slug(word: str) -> str:
    """The kind for its URL word ('goede-praktijk', 'projectupdate'); 404 otherwise."""
    for kind, slug in KIND_SLUGS.items():
        if slug == word:
            return kind
    raise NotFoundError()


def proeftuin_for_contribution(slug: str, user: Any) -> Proeftuin:
    """The proeftuin `user` wants to send input for; 404 if unknown, 403 if not theirs."""
    proeftuin = one_or_not_found(select(Proeftuin).where(Proeftuin.slug == slug))
    if not can_contribute(user, proeftuin):
        raise ForbiddenError()
    return proeftuin


def contributable_proeftuinen(user: Any) -> list[Proeftuin]:
    """The proeftuinen `user` may send input for: their own, and those of the networks
    they coordinate."""
    if is_coordinator(user):
        query = select(Proeftuin).where(
            or_(
                network_column_in(Proeftuin, coordinated_networks(user)),
                Proeftuin.members.any(User.id == user.id),
            )
        )
    elif is_member(user):
        query = select(Proeftuin).where(Proeftuin.members.any(User.id == user.id))
    else:
        return []
    return list(db.session.scalars(query.order_by(Proeftuin.title)))


def theme_choices() -> list[tuple[str, str]]:
    """(slug, title) of every theme, for the template's theme checkboxes."""
    return [(t.slug, t.title) for t in db.session.scalars(select(Theme).order_by(Theme.title))]


def _themes(slugs: list[str]) -> list[Theme]:
    """The themes with these slugs."""
    if not slugs:
        return []
    return list(db.session.scalars(select(Theme).where(Theme.slug.in_(slugs))))


def _apply(contribution: Contribution, data: ContributionInput) -> None:
    """Copy the template's fields onto the contribution (body in the kind's sections)."""
    contribution.title = data.title.strip()
    contribution.summary = (data.summary or "").strip()
    sections = SECTIONS[contribution.kind]
    contribution.body = join_sections(filled_sections(data.sections, sections), sections)
    contribution.themes = _themes(data.theme_slugs)


def submit_contribution(
    user: Any, proeftuin: Proeftuin, kind: str, data: ContributionInput
) -> Contribution:
    """A member of `proeftuin` (or a coordinator) sends input on the template."""
    if kind not in KINDS:
        raise ContributionError("Onbekende soort bijdrage.")
    if not can_contribute(user, proeftuin):
        raise ForbiddenError()
    contribution = Contribution(kind=kind, proeftuin=proeftuin, author=user, status=SUBMITTED)
    _apply(contribution, data)
    contribution.submitted_at = utcnow()
    db.session.add(contribution)
    db.session.flush()
    return contribution


def contribution_sections(contribution: Contribution) -> dict[str, str]:
    """The contribution's text per template section of its kind."""
    parts = split_sections(contribution.body, contribution.sections)
    parts.pop(PREAMBLE, None)
    return parts


def get_contribution(contribution_id: int, user: Any) -> Contribution:
    """A contribution its author or a coordinator of its network may see; 404 for
    anybody else."""
    contribution = get_or_not_found(Contribution, contribution_id)
    if can_coordinate(user, contribution):
        return contribution
    if is_member(user) and contribution.author_id == user.id:
        return contribution
    raise NotFoundError()


def get_for_review(contribution_id: int, user: Any) -> Contribution:
    """A contribution for a coordinator of its network; 404 if unknown, 403 for a
    coordinator of another network."""
    contribution = get_or_not_found(Contribution, contribution_id)
    check_coordinates(user, contribution)
    return contribution


def get_for_revision(contribution_id: int, user: Any) -> Contribution:
    """The author's own contribution, which they may now change; 404 or 403 otherwise."""
    contribution = get_or_not_found(Contribution, contribution_id)
    if not is_member(user) or contribution.author_id != user.id:
        raise NotFoundError()
    if contribution.status != CHANGES_REQUESTED:
        raise ForbiddenError()
    return contribution


def resubmit_contribution(contribution: Contribution, data: ContributionInput) -> Contribution:
    """The author changes the contribution after a request for changes and sends it again."""
    if contribution.status != CHANGES_REQUESTED:
        raise ContributionError("Deze bijdrage kan nu niet aangepast worden.")
    _apply(contribution, data)
    contribution.status = RESUBMITTED
    contribution.resubmitted_at = utcnow()
    db.session.flush()
    return contribution


def my_contributions(user: Any) -> list[Contribution]:
    """The user's own contributions, most recent first."""
    query = (
        select(Contribution)
        .where(Contribution.author_id == user.id)
        .options(selectinload(Contribution.proeftuin))
        .order_by(Contribution.created_at.desc(), Contribution.id.desc())
    )
    return list(db.session.scalars(query))


@dataclass
class ProeftuinContribution:
    """A contribution as a proeftuin page lists it: where it leads, if anywhere."""

    contribution: Contribution
    url: str | None


def proeftuin_contributions(proeftuin: Proeftuin, user: Any) -> list[ProeftuinContribution]:
    """The contributions of `proeftuin` that `user` may see on its page, newest first.

    Published ones (accepted, and the practice or update they became visible to `user` by
    visibility.py) for everybody; the ones still under review for coordinators and the
    proeftuin's own members; declined ones for coordinators and their author. Only the
    author and coordinators open a contribution itself (get_contribution)."""
    coordinator = can_coordinate(user, proeftuin)
    insider = can_contribute(user, proeftuin)
    query = (
        select(Contribution)
        .where(Contribution.proeftuin_id == proeftuin.id)
        .options(
            selectinload(Contribution.practice),
            selectinload(Contribution.report),
            selectinload(Contribution.author),
        )
        .order_by(Contribution.submitted_at.desc(), Contribution.id.desc())
    )
    listed = []
    for contribution in db.session.scalars(query):
        own = is_member(user) and contribution.author_id == user.id
        if contribution.status == ACCEPTED:
            result = contribution.result
            if result is None or not can_see(user, result):
                continue
            endpoint = (
                "practices.detail" if contribution.kind == "practice" else "proeftuinen.report"
            )
            listed.append(ProeftuinContribution(contribution, url_for(endpoint, slug=result.slug)))
            continue
        if contribution.status == DECLINED and not (coordinator or own):
            continue
        if not insider:
            continue
        url = (
            url_for("contributions.detail", contribution_id=contribution.id)
            if coordinator or own
            else None
        )
        listed.append(ProeftuinContribution(contribution, url))
    return listed


def review_queue(user: Any, limit_decided: int = 20) -> dict[str, list[Contribution]]:
    """Coordinators: waiting for review, waiting for the author, and recently decided,
    for the networks `user` coordinates."""
    base = (
        select(Contribution)
        .where(network_column_in(Contribution, coordinated_networks(user)))
        .options(selectinload(Contribution.proeftuin), selectinload(Contribution.author))
    )
    open_items = db.session.scalars(
        base.where(Contribution.status.in_(OPEN_STATUSES)).order_by(
            Contribution.submitted_at, Contribution.id
        )
    )
    waiting = db.session.scalars(
        base.where(Contribution.status == CHANGES_REQUESTED).order_by(
            Contribution.reviewed_at, Contribution.id
        )
    )
    decided = db.session.scalars(
        base.where(Contribution.status.in_((ACCEPTED, DECLINED)))
        .order_by(Contribution.reviewed_at.desc(), Contribution.id.desc())
        .limit(limit_decided)
    )
    return {"open": list(open_items), "waiting": list(waiting), "decided": list(decided)}


def _ensure_open(contribution: Contribution) -> None:
    """Review steps only apply to contributions waiting for review."""
    if contribution.status not in OPEN_STATUSES:
        raise ContributionError(
            f"Deze bijdrage is niet in behandeling (status: {contribution.status_label})."
        )


def request_changes(contribution: Contribution, reviewer: Any, comment: str) -> Contribution:
    """Coordinators: send the contribution back to its author with what to change."""
    _ensure_open(contribution)
    if not comment.strip():
        raise ContributionError("Schrijf wat er aangepast moet worden.")
    return _reviewed(contribution, reviewer, CHANGES_REQUESTED, comment.strip())


def decline_contribution(contribution: Contribution, reviewer: Any, reason: str) -> Contribution:
    """Coordinators: decline the contribution, with the reason the author will see."""
    _ensure_open(contribution)
    if not reason.strip():
        raise ContributionError("Geef een reden op.")
    record_audit(reviewer, "contribution.declined", contribution, reason.strip())
    return _reviewed(contribution, reviewer, DECLINED, reason.strip())


def _reviewed(
    contribution: Contribution, reviewer: Any, status: str, comment: str | None
) -> Contribution:
    """A coordinator's verdict on a contribution, with the comment its author sees."""
    contribution.status = status
    contribution.review_comment = comment
    contribution.reviewer = reviewer
    contribution.reviewed_at = utcnow()
    db.session.flush()
    notify_author(contribution)
    return contribution


def accept_contribution(
    contribution: Contribution, reviewer: Any, *, visibility: str, slug: str | None = None
) -> Contribution:
    """Coordinators: accept; a practice becomes a published Practice, an update a report."""
    _ensure_open(contribution)
    if visibility not in VISIBILITIES:
        raise ContributionError("Kies een geldige zichtbaarheid.")
    slug = (slug or "").strip() or None
    if contribution.kind == "practice":
        contribution.practice = _publish_practice(contribution, visibility, slug)
    else:
        contribution.report = _publish_update(contribution, visibility, slug)
    record_audit(reviewer, "contribution.accepted", contribution, f"zichtbaarheid {visibility}")
    return _reviewed(contribution, reviewer, ACCEPTED, None)


def _free_slug(model: Any, slug: str | None, title: str, reserved: frozenset[str]) -> str:
    """The slug asked for if it is free, or one made from the title."""
    if slug is None:
        return unique_slug(model, slugify(title), reserved)
    if slug in reserved or db.session.scalar(select(model.id).where(model.slug == slug)):
        raise ContributionError(f"De korte naam {slug!r} is al in gebruik; kies een andere.")
    return slug


def _publish_practice(contribution: Contribution, visibility: str, slug: str | None) -> Practice:
    """A published good practice from the contribution (level from its proeftuin)."""
    practice = Practice(
        slug=_free_slug(Practice, slug, contribution.title, frozenset()),
        title=contribution.title,
        summary=contribution.summary,
        body=contribution.body,
        level=contribution.proeftuin.level,
        proeftuin=contribution.proeftuin,
        network_id=contribution.proeftuin.network_id,
        status="published",
        visibility=visibility,
        published_at=utcnow(),
        themes=list(contribution.themes),
    )
    db.session.add(practice)
    return practice


def _publish_update(contribution: Contribution, visibility: str, slug: str | None) -> VisitReport:
    """A published report from an update: its summary as introduction, dated when sent in."""
    parts = complete_sections(split_sections(contribution.body, SECTIONS["update"]))
    if contribution.summary:
        parts = {PREAMBLE: contribution.summary, **parts}
    report = VisitReport(
        slug=_free_slug(VisitReport, slug, contribution.title, RESERVED_REPORT_SLUGS),
        title=contribution.title,
        proeftuin=contribution.proeftuin,
        visited=to_local(contribution.resubmitted_at or contribution.submitted_at).date(),
        kind="update",
        status=VisitReport.DRAFT,
        visibility=visibility,
        body=join_sections(parts),
        author=contribution.author,
    )
    db.session.add(report)
    publish_report(report)
    return report


def notify_author(contribution: Contribution) -> None:
    """Tell whoever listens that a review step changed the contribution (mail queues it)."""
    contribution_reviewed.send(contribution)
