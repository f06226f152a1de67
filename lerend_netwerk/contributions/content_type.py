"""Contributions of proeftuinen as a content type: in the indicators and the data export."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import and_, or_, select

from lerend_netwerk.contributions.models import ACCEPTED, DECLINED, Contribution
from lerend_netwerk.core.content_types import AttachmentHost, ContentType
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators.figures import Figure
from lerend_netwerk.indicators.sql import count_if
from lerend_netwerk.proeftuinen.models import Proeftuin
from lerend_netwerk.visibility import can_coordinate, is_member


def _indicators(scope: Any) -> dict[str, int]:
    """Contributions first submitted, and accepted, in the period."""
    period = scope.period
    submitted_in = and_(
        Contribution.submitted_at >= period.starts, Contribution.submitted_at < period.ends
    )
    accepted_in = and_(
        Contribution.status == ACCEPTED,
        Contribution.reviewed_at >= period.starts,
        Contribution.reviewed_at < period.ends,
    )
    # Contributions are seen by coordinators only (the indicators' audience): no
    # visibility clause of their own; the network is the scope's.
    contributions = (
        select(count_if(submitted_in), count_if(accepted_in))
        .select_from(Contribution)
        .join(Proeftuin, Contribution.proeftuin_id == Proeftuin.id)
        .where(or_(submitted_in, accepted_in))
    )
    if scope.level:
        contributions = contributions.where(Proeftuin.level == scope.level)
    if scope.network_id is not None:
        # A contribution belongs to its proeftuin's network.
        contributions = contributions.where(Proeftuin.network_id == scope.network_id)
    submitted, accepted = db.session.execute(contributions).one()
    return {"contributions_submitted": submitted, "contributions_accepted": accepted}


def _personal_data(user: Any) -> dict[str, Any]:
    """The contributions the member submitted (every status)."""

    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    contributions = db.session.scalars(
        select(Contribution).where(Contribution.author_id == user.id).order_by(Contribution.id)
    ).all()
    return {
        "contributions": [
            {
                "kind": c.kind,
                "proeftuin": c.proeftuin.slug,
                "title": c.title,
                "summary": c.summary,
                "body": c.body,
                "themes": [t.slug for t in c.themes],
                "status": c.status,
                "review_comment": c.review_comment,
                "submitted_at": iso(c.submitted_at),
                "resubmitted_at": iso(c.resubmitted_at),
                "reviewed_at": iso(c.reviewed_at),
            }
            for c in contributions
        ]
    }


def _on_proeftuin_page(proeftuin: Any, user: Any) -> dict[str, list[Any]]:
    from lerend_netwerk.contributions.service import proeftuin_contributions

    return {"contributions": proeftuin_contributions(proeftuin, user)}


def _is_author(user: Any, contribution: Contribution) -> bool:
    return (
        is_member(user) and contribution.author_id is not None and contribution.author_id == user.id
    )


def _may_see_contribution(user: Any, contribution: Contribution) -> bool:
    """Its author and its network's coordinators, like the contribution itself."""
    return can_coordinate(user, contribution) or _is_author(user, contribution)


def _may_manage_contribution_files(user: Any, contribution: Contribution) -> bool:
    """Its network's coordinators; the author until it is accepted or declined."""
    if can_coordinate(user, contribution):
        return True
    return _is_author(user, contribution) and contribution.status not in (ACCEPTED, DECLINED)


# The material a participant sends with a contribution.
ATTACHMENTS = AttachmentHost(
    load=lambda parent_id: db.session.get(Contribution, parent_id),
    can_view=_may_see_contribution,
    can_manage=_may_manage_contribution_files,
    slug=lambda contribution: f"contribution-{contribution.id}",
    url=lambda contribution: url_for("contributions.detail", contribution_id=contribution.id),
)


CONTRIBUTION = ContentType(
    name="contribution",
    model=Contribution,
    endpoint="contributions.detail",
    personal_data=_personal_data,
    indicators=_indicators,
    figures=(
        Figure(
            "contributions_submitted",
            "Bijdragen ingediend",
            "Bijdragen van proeftuinen (sjabloon) voor het eerst ingediend in de periode.",
            order=500,
            output=True,
        ),
        Figure(
            "contributions_accepted",
            "Bijdragen aanvaard (gepubliceerd)",
            "Bijdragen die de coördinatoren in de periode aanvaardden en daarmee publiceerden.",
            order=501,
            output=True,
        ),
    ),
    proeftuin_page=_on_proeftuin_page,
    attachments=ATTACHMENTS,
)
