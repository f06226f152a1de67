"""From database rows to search documents (plain data; no Whoosh here).

A search document carries the audiences that may see it, computed with THE
visibility rule (visibility.can_see), so the index never decides visibility itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS, Organisation, Proeftuin, VisitReport
from lerend_netwerk.recommendations.models import RECOMMENDATION_STATUS_LABELS, Recommendation
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import can_see

DOC_TYPES = (
    "session",
    "proeftuin",
    "report",
    "practice",
    "recommendation",
    "theme",
    "organisation",
    "final_report",
)
TYPE_LABELS = {
    "session": "Sessie",
    "proeftuin": "Proeftuin",
    "report": "Bezoekverslag",
    "practice": "Goede praktijk",
    "recommendation": "Beleidsaanbeveling",
    "theme": "Thema",
    "organisation": "Organisatie",
    "final_report": "Eindrapport",
}
# A session's verslag is a document of its own (key "session_report:<id>", shown as a
# session): its audience may be narrower than the session's.
SESSION_REPORT = "session_report"
MODELS: dict[str, Any] = {
    "session": Meeting,
    "proeftuin": Proeftuin,
    "report": VisitReport,
    "practice": Practice,
    "recommendation": Recommendation,
    SESSION_REPORT: Meeting,
    "theme": Theme,
    "organisation": Organisation,
}
TYPE_OF_MODEL = {model: name for name, model in MODELS.items() if name != SESSION_REPORT}
URL_PREFIXES = {
    "session": "/sessies/",
    "proeftuin": "/proeftuinen/",
    "report": "/verslagen/",
    "practice": "/praktijken/",
    "recommendation": "/aanbevelingen/",
    "theme": "/themas/",
    "organisation": "/organisaties/",
    "final_report": "/aanbevelingen/",
}
# The final report is one page, not a row: it has this fixed key.
FINAL_REPORT_ID = 1
FINAL_REPORT_SLUG = "eindrapport"
AUDIENCES = ("public", "member", "coordinator")

# Words with which members name a type ("goede praktijken", "verslagen"): a query with
# one of them favours documents of that type. Keyed by index term (see TYPE_WORDS).
_TYPE_NAMES = {
    "practice": ("praktijk", "praktijken", "praktijkvoorbeeld", "praktijkvoorbeelden"),
    "report": ("verslag", "verslagen", "bezoekverslag", "bezoekverslagen"),
    "session": ("sessie", "sessies", "bijeenkomst", "bijeenkomsten"),
    "recommendation": (
        "aanbeveling",
        "aanbevelingen",
        "beleidsaanbeveling",
        "beleidsaanbevelingen",
    ),
    "proeftuin": ("proeftuin", "proeftuinen"),
    "theme": ("thema", "themas", "thema's"),
    "organisation": ("organisatie", "organisaties"),
    "final_report": ("eindrapport", "eindverslag"),
}
# "goede praktijk": the adjective belongs to the type's name.
TYPE_ADJECTIVES = {"goede": "practice", "goed": "practice"}


def _type_words() -> dict[str, str]:
    from lerend_netwerk.search.index import analyze

    return {
        term: doc_type
        for doc_type, names in _TYPE_NAMES.items()
        for name in names
        for term in analyze(name)
    }


TYPE_WORDS = _type_words()


class _Viewer:
    """A stand-in user for one audience, to ask visibility.can_see."""

    is_authenticated = True

    def __init__(self, coordinator: bool) -> None:
        self.is_coordinator = coordinator


_VIEWERS = {"public": None, "member": _Viewer(False), "coordinator": _Viewer(True)}


def audiences_of(obj: Any) -> tuple[str, ...]:
    """The audiences ('public', 'member', 'coordinator') that may see `obj`."""
    return tuple(name for name in AUDIENCES if can_see(_VIEWERS[name], obj))


@dataclass
class SearchDocument:
    """What the index holds about one document."""

    type: str
    id: int
    slug: str
    title: str
    body: str
    keywords: str = ""
    themes: list[str] = field(default_factory=list)
    level: str | None = None
    audiences: tuple[str, ...] = ()
    # The key's prefix when it is not `type` (a session's verslag), and a page anchor.
    key_type: str = ""
    anchor: str = ""

    @property
    def key(self) -> str:
        return f"{self.key_type or self.type}:{self.id}"

    @property
    def url(self) -> str:
        return URL_PREFIXES[self.type] + self.slug + (f"#{self.anchor}" if self.anchor else "")

    @property
    def fingerprint(self) -> str:
        """A digest of everything indexed: equal fingerprints, equal documents."""
        parts = [
            self.key_type,
            self.type,
            str(self.id),
            self.slug,
            self.title,
            self.body,
            self.keywords,
            " ".join(self.themes),
            self.level or "",
            " ".join(self.audiences),
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _join(*parts: str | None) -> str:
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def _theme_titles(themes: Iterable[Any]) -> list[str]:
    return [theme.title for theme in themes]


def _level_label(level: str | None) -> str | None:
    return LEVEL_LABELS.get(level, level) if level else None


def build_meeting(meeting: Meeting) -> SearchDocument:
    """A session (its verslag is a document of its own: build_session_report)."""
    host = meeting.host
    return SearchDocument(
        type="session",
        id=meeting.id,
        slug=meeting.slug,
        title=meeting.title,
        body=markdown_to_text(meeting.body),
        keywords=" ".join(
            filter(
                None,
                [
                    meeting.kind_label,
                    meeting.location,
                    host.title if host else None,
                    *_theme_titles(meeting.themes),
                ],
            )
        ),
        themes=[theme.slug for theme in meeting.themes],
        level=host.level if host else None,
        audiences=audiences_of(meeting),
    )


def build_session_report(meeting: Meeting) -> SearchDocument | None:
    """A session's verslag, for the members (or, when it is public, whoever sees the
    session); None while there is none to read."""
    if not meeting.report or meeting.is_cancelled:
        return None
    audiences = audiences_of(meeting)
    if not meeting.report_is_public:
        audiences = tuple(name for name in audiences if name != "public")
    host = meeting.host
    return SearchDocument(
        type="session",
        key_type=SESSION_REPORT,
        anchor="verslag",
        id=meeting.id,
        slug=meeting.slug,
        title=f"Verslag: {meeting.title}",
        body=markdown_to_text(meeting.report),
        keywords=" ".join(filter(None, [meeting.kind_label, host.title if host else None])),
        themes=[theme.slug for theme in meeting.themes],
        level=host.level if host else None,
        audiences=audiences,
    )


def build_proeftuin(proeftuin: Proeftuin) -> SearchDocument:
    """A pilot project with its organisations and themes."""
    return SearchDocument(
        type="proeftuin",
        id=proeftuin.id,
        slug=proeftuin.slug,
        title=proeftuin.title,
        body=markdown_to_text(proeftuin.body),
        keywords=" ".join(
            filter(
                None,
                [
                    proeftuin.programme,
                    _level_label(proeftuin.level),
                    *[org.title for org in proeftuin.organisations],
                    *_theme_titles(proeftuin.themes),
                    *(proeftuin.academic_years or []),
                ],
            )
        ),
        themes=[theme.slug for theme in proeftuin.themes],
        level=proeftuin.level,
        audiences=audiences_of(proeftuin),
    )


def build_report(report: VisitReport) -> SearchDocument:
    """A visit report, with the level and themes of its proeftuin."""
    proeftuin = report.proeftuin
    return SearchDocument(
        type="report",
        id=report.id,
        slug=report.slug,
        title=report.title,
        body=markdown_to_text(report.body),
        keywords=" ".join(filter(None, [proeftuin.title, *_theme_titles(proeftuin.themes)])),
        themes=[theme.slug for theme in proeftuin.themes],
        level=proeftuin.level,
        audiences=audiences_of(report),
    )


def build_practice(practice: Practice) -> SearchDocument:
    """A good practice: summary and body, themes, level, sector, proeftuin."""
    return SearchDocument(
        type="practice",
        id=practice.id,
        slug=practice.slug,
        title=practice.title,
        body=_join(practice.summary, markdown_to_text(practice.body)),
        keywords=" ".join(
            filter(
                None,
                [
                    practice.sector,
                    _level_label(practice.level),
                    practice.proeftuin.title if practice.proeftuin else None,
                    *_theme_titles(practice.themes),
                ],
            )
        ),
        themes=[theme.slug for theme in practice.themes],
        level=practice.level,
        audiences=audiences_of(practice),
    )


def build_recommendation(rec: Recommendation) -> SearchDocument:
    """A recommendation thread with the text of its replies that are not hidden."""
    replies = [markdown_to_text(post.body) for post in rec.posts if post.hidden_at is None]
    return SearchDocument(
        type="recommendation",
        id=rec.id,
        slug=rec.slug,
        title=rec.title,
        body=_join(markdown_to_text(rec.body), rec.status_reason, *replies),
        keywords=" ".join(
            filter(
                None,
                [
                    rec.theme.title if rec.theme else None,
                    RECOMMENDATION_STATUS_LABELS.get(rec.status, rec.status),
                    _level_label(rec.level),
                ],
            )
        ),
        themes=[rec.theme.slug] if rec.theme else [],
        level=rec.level,
        audiences=audiences_of(rec),
    )


def build_theme(theme: Theme) -> SearchDocument:
    """A theme page (which lists its sessions, proeftuinen, practices and threads).

    Only the theme's own text: titles of what it lists would show members-only
    documents to everybody who may see the theme.
    """
    return SearchDocument(
        type="theme",
        id=theme.id,
        slug=theme.slug,
        title=theme.title,
        body=markdown_to_text(theme.body),
        # No theme facet: a theme filter narrows to what is ABOUT the theme.
        audiences=audiences_of(theme),
    )


def build_organisation(organisation: Organisation) -> SearchDocument:
    """An organisation page (with its proeftuinen, their sessions and practices)."""
    return SearchDocument(
        type="organisation",
        id=organisation.id,
        slug=organisation.slug,
        title=organisation.title,
        body=markdown_to_text(organisation.body),
        keywords=organisation.type_label,
        audiences=audiences_of(organisation),
    )


FINAL_REPORT_TEXT = (
    "Het eindrapport van het lerend netwerk: de aanvaarde beleidsaanbevelingen per "
    "thema, met de steun van de leden en de argumenten voor en tegen uit het debat. "
    "Te downloaden als Markdown."
)


def build_final_report(session: Session) -> SearchDocument:
    """The final report page; its text names the accepted threads that everybody sees."""
    accepted = session.scalars(
        select(Recommendation)
        .where(Recommendation.status == "aanvaard")
        .order_by(Recommendation.title)
        .options(selectinload(Recommendation.theme))
    )
    titles = [rec.title for rec in accepted if audiences_of(rec) == AUDIENCES]
    return SearchDocument(
        type="final_report",
        id=FINAL_REPORT_ID,
        slug=FINAL_REPORT_SLUG,
        title="Eindrapport beleidsaanbevelingen",
        body=_join(FINAL_REPORT_TEXT, "\n".join(titles)),
        audiences=AUDIENCES,
    )


BUILDERS = {
    "session": build_meeting,
    "proeftuin": build_proeftuin,
    "report": build_report,
    "practice": build_practice,
    "recommendation": build_recommendation,
    SESSION_REPORT: build_session_report,
    "theme": build_theme,
    "organisation": build_organisation,
}


def _load_options(doc_type: str) -> list[Any]:
    if doc_type in ("session", SESSION_REPORT):
        return [selectinload(Meeting.themes), selectinload(Meeting.host)]
    if doc_type == "proeftuin":
        return [selectinload(Proeftuin.themes), selectinload(Proeftuin.organisations)]
    if doc_type == "report":
        return [selectinload(VisitReport.proeftuin).selectinload(Proeftuin.themes)]
    if doc_type == "practice":
        return [selectinload(Practice.themes), selectinload(Practice.proeftuin)]
    if doc_type == "recommendation":
        return [selectinload(Recommendation.theme), selectinload(Recommendation.posts)]
    return []


def load_documents(
    session: Session, keys: Iterable[tuple[str, int]], chunk: int = 500
) -> dict[tuple[str, int], SearchDocument]:
    """The current documents for these (type, id) keys; missing ones were deleted."""
    keys = list(keys)
    by_type: dict[str, list[int]] = {}
    for doc_type, doc_id in keys:
        if doc_type in MODELS:
            by_type.setdefault(doc_type, []).append(doc_id)
    found: dict[tuple[str, int], SearchDocument] = {}
    if ("final_report", FINAL_REPORT_ID) in set(keys):
        found[("final_report", FINAL_REPORT_ID)] = build_final_report(session)
    for doc_type, ids in by_type.items():
        model = MODELS[doc_type]
        for start in range(0, len(ids), chunk):
            query = (
                select(model)
                .where(model.id.in_(ids[start : start + chunk]))
                .options(*_load_options(doc_type))
            )
            for obj in session.scalars(query):
                doc = BUILDERS[doc_type](obj)
                if doc is not None:
                    found[(doc_type, obj.id)] = doc
    return found


def count_documents(session: Session) -> int:
    """How many searchable documents the database holds."""
    # One more: the final report of the recommendations.
    total = 1 + sum(
        session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in MODELS.items()
        if name != SESSION_REPORT
    )
    reports = select(func.count()).where(Meeting.report != "", Meeting.status != "cancelled")
    return total + (session.scalar(reports) or 0)


def iter_documents(session: Session, batch: int = 200) -> Iterator[SearchDocument]:
    """Every searchable document in the database, in batches (for a full rebuild)."""
    yield build_final_report(session)
    for doc_type, model in MODELS.items():
        last_id = 0
        while True:
            rows = list(
                session.scalars(
                    select(model)
                    .where(model.id > last_id)
                    .order_by(model.id)
                    .limit(batch)
                    .options(*_load_options(doc_type))
                )
            )
            if not rows:
                break
            for obj in rows:
                doc = BUILDERS[doc_type](obj)
                if doc is not None:
                    yield doc
            last_id = rows[-1].id
            session.expunge_all()
