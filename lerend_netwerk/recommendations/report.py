"""The final report: the document a coordinator composes from the threads and freezes.

There is one working version (a `FinalReport` row without `frozen_at`), which only
coordinators see, like every draft. Freezing copies it into a new row together with the
whole document as JSON (`snapshot`), so a frozen version reads the same however the threads
change later. Everyone may read frozen versions; members-only recommendations in them are
left out for visitors who are not signed in, as everywhere else.

The document is a plain dict (see `build_document`): the page, the Markdown, the PDF and
the Word file are all made from it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.errors import ForbiddenError, NotFoundError
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.networks.access import is_network_coordinator, networks_of
from lerend_netwerk.networks.membership import default_network_id
from lerend_netwerk.recommendations.models import (
    STANCES,
    FinalReport,
    Post,
    Recommendation,
)
from lerend_netwerk.recommendations.reading import Tally, stance_tallies, support_counts
from lerend_netwerk.recommendations.threads import (
    RecommendationError,
    coordinated_post,
    ensure_coordinator,
)
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.timeutil import nl_date, to_local
from lerend_netwerk.visibility import is_admin, is_member

REPORT_TITLE = "Beleidsaanbevelingen"
# Accepted and still-discussed threads make the chapters; rejected ones go to the annex.
# Open threads have not been discussed yet and stay out.
CHAPTER_STATUSES = ("aanvaard", "in-bespreking")
ANNEX_STATUS = "verworpen"
CANDIDATE_STATUSES = (*CHAPTER_STATUSES, ANNEX_STATUS)
MAX_INTRO_LENGTH = 20_000
MAX_ARGUMENT_LENGTH = 1500


# --- the working version and its selection ---------------------------------------------


ARGUMENT_HEADINGS = (
    ("eens", "Argumenten voor"),
    ("oneens", "Argumenten tegen"),
    ("neutraal", "Nuances"),
)


def demote_headings(markdown_text: str, levels: int = 2) -> str:
    """Move ATX headings down so a body fits under the report's own headings."""
    out: list[str] = []
    fenced = False
    for line in markdown_text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and re.match(r"^#{1,6}\s", line):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * min(6, hashes + levels) + line[hashes:]
        out.append(line)
    return "\n".join(out)


def markdown_escape(text: str) -> str:
    """Plain text that Markdown renders literally (no markup, no raw HTML)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\`*_\[\]{}#|!])", r"\\\1", text)
    # What would start a list item at the beginning of a line stays text.
    text = re.sub(r"^([-+])", r"\\\1", text)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)


def working_version(create: bool = False) -> FinalReport | None:
    """The one report that is not frozen yet; made on first use when `create`."""
    draft = db.session.scalar(
        select(FinalReport).where(FinalReport.frozen_at.is_(None)).order_by(FinalReport.id)
    )
    if draft is None and create:
        draft = FinalReport(introduction="", closing="", label="", selection=None)
        db.session.add(draft)
        db.session.flush()
    return draft


def report_network_id() -> int:
    """The final report is the default network's: its coordinators compose and freeze it."""
    return default_network_id()


def coordinates_report(user: Any) -> bool:
    return is_member(user) and is_network_coordinator(user, report_network_id())


def ensure_report_coordinator(user: Any) -> None:
    """Only the coordinators of the report's network (and admins)."""
    ensure_coordinator(user)
    if not coordinates_report(user):
        raise ForbiddenError("Het eindrapport hoort bij een netwerk dat je niet coördineert.")


def candidate_threads() -> list[Recommendation]:
    """Every thread of the report's network that may be in the report, in the default
    order: per theme, by title."""
    return list(
        db.session.scalars(
            select(Recommendation)
            .join(Recommendation.theme)
            .options(selectinload(Recommendation.theme), selectinload(Recommendation.proeftuinen))
            .where(
                Recommendation.status.in_(CANDIDATE_STATUSES),
                Recommendation.network_id == report_network_id(),
            )
            .order_by(Theme.title, Recommendation.title, Recommendation.id)
        )
    )


def selected_threads(draft: FinalReport | None) -> list[Recommendation]:
    """The threads of the working version in report order.

    Without a choice yet, every candidate; a chosen thread that went back to "open" (or
    was deleted) drops out until it is a candidate again.
    """
    candidates = candidate_threads()
    if draft is None or draft.selection is None:
        return candidates
    by_id = {thread.id: thread for thread in candidates}
    return [by_id[thread_id] for thread_id in draft.selection if thread_id in by_id]


def selection_rows(draft: FinalReport | None) -> list[tuple[Recommendation, bool]]:
    """For the composing form: the chosen threads in order, then the others."""
    chosen = selected_threads(draft)
    chosen_ids = {thread.id for thread in chosen}
    rest = [thread for thread in candidate_threads() if thread.id not in chosen_ids]
    return [(thread, True) for thread in chosen] + [(thread, False) for thread in rest]


def save_working_version(
    user: Any, *, introduction: str, closing: str, chosen: list[int], order: dict[int, int]
) -> FinalReport:
    """A coordinator sets the introduction, the closing and which threads in which order.

    `order` maps a thread id to its position; ties keep the order of the form.
    """
    ensure_report_coordinator(user)
    introduction, closing = (introduction or "").strip(), (closing or "").strip()
    for text, name, label in (
        (introduction, "introduction", "inleiding"),
        (closing, "closing", "slot"),
    ):
        if len(text) > MAX_INTRO_LENGTH:
            raise RecommendationError(
                f"De {label} telt hoogstens {MAX_INTRO_LENGTH} tekens.", field=name
            )
    known = {thread.id for thread in candidate_threads()}
    unknown = [thread_id for thread_id in chosen if thread_id not in known]
    if unknown:
        raise RecommendationError(
            "Kies enkel aanbevelingen die aanvaard, in bespreking of verworpen zijn."
        )
    form_order = {thread_id: index for index, thread_id in enumerate(chosen)}
    ordered = sorted(
        dict.fromkeys(chosen),
        key=lambda thread_id: (order.get(thread_id, 10**6), form_order[thread_id]),
    )
    draft = working_version(create=True)
    draft.introduction, draft.closing, draft.selection = introduction, closing, ordered
    record_audit(user, "final_report.composed", None, f"{len(ordered)} aanbevelingen")
    db.session.flush()
    return draft


def freeze(user: Any, *, report_date: date | None, label: str = "") -> FinalReport:
    """A coordinator freezes the working version as it reads now, with a date."""
    ensure_report_coordinator(user)
    if report_date is None:
        raise RecommendationError("Geef de datum van deze versie.", field="report_date")
    label = " ".join((label or "").split())
    if len(label) > 200:
        raise RecommendationError("Een naam telt hoogstens 200 tekens.", field="label")
    draft = working_version(create=True)
    threads = selected_threads(draft)
    if not threads:
        raise RecommendationError("Kies eerst minstens één aanbeveling voor het rapport.")
    number = (
        db.session.scalar(
            select(db.func.count(FinalReport.id)).where(FinalReport.frozen_at.is_not(None))
        )
        or 0
    ) + 1
    label = label or f"Versie {number}"
    now = utcnow()
    version = FinalReport(
        introduction=draft.introduction,
        closing=draft.closing,
        selection=[thread.id for thread in threads],
        frozen_at=now,
        report_date=report_date,
        label=label,
        frozen_by_id=user.id,
    )
    version.snapshot = build_document(
        threads,
        introduction=draft.introduction,
        closing=draft.closing,
        report_date=report_date,
        label=label,
    )
    db.session.add(version)
    db.session.flush()
    record_audit(user, "final_report.frozen", version, f"{label} ({report_date.isoformat()})")
    return version


def frozen_versions() -> list[FinalReport]:
    """The frozen versions, newest first."""
    return list(
        db.session.scalars(
            select(FinalReport)
            .where(FinalReport.frozen_at.is_not(None))
            .order_by(FinalReport.frozen_at.desc(), FinalReport.id.desc())
        )
    )


def get_version(version_id: int) -> FinalReport:
    """A frozen version; 404 for the working version or an unknown id."""
    version = db.session.get(FinalReport, version_id)
    if version is None or not version.is_frozen or version.snapshot is None:
        raise NotFoundError()
    return version


# --- key arguments ----------------------------------------------------------------------


def set_key_argument(slug: str, post_id: int, user: Any, chosen: bool) -> Post:
    """A coordinator marks a reply as one of the main arguments, or unmarks it."""
    post = coordinated_post(slug, post_id, user)
    if chosen and post.is_hidden:
        raise RecommendationError("Een verborgen reactie kan geen kernargument zijn.")
    if post.key_argument == chosen:
        raise RecommendationError(
            "Deze reactie is al een kernargument."
            if chosen
            else "Deze reactie is geen kernargument."
        )
    post.key_argument = chosen
    record_audit(
        user,
        "reply.key_argument" if chosen else "reply.key_argument_removed",
        post,
        f"reactie #{post.id} in {slug}",
    )
    db.session.flush()
    return post


def argument_text(body: str) -> str:
    """A reply as the report quotes it: its own words (no quoted text), as plain text."""
    own = [line for line in body.splitlines() if not line.lstrip().startswith(">")]
    plain = markdown_to_text("\n".join(own))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", plain) if p.strip()]
    text = " ".join(paragraphs)
    if len(text) > MAX_ARGUMENT_LENGTH:
        text = text[:MAX_ARGUMENT_LENGTH].rsplit(" ", 1)[0].rstrip(",.;:") + " …"
    return text


# --- the document ---------------------------------------------------------------------


def _key_arguments(thread_ids: list[int]) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """The visible replies chosen as key arguments, per thread and stance, oldest first."""
    found: dict[int, dict[str, list[dict[str, Any]]]] = {
        thread_id: {stance: [] for stance in STANCES} for thread_id in thread_ids
    }
    if not thread_ids:
        return found
    posts = db.session.scalars(
        select(Post)
        .options(selectinload(Post.author))
        .where(
            Post.recommendation_id.in_(thread_ids),
            Post.key_argument.is_(True),
            Post.hidden_at.is_(None),
        )
        .order_by(Post.created_at, Post.id)
    )
    for post in posts:
        text = argument_text(post.body)
        if not text or post.stance not in STANCES:
            continue
        author = post.author
        organisation = author.organisation.title if author and author.organisation else None
        found[post.recommendation_id][post.stance].append(
            {"text": text, "organisation": organisation}
        )
    return found


def _entry(thread: Recommendation, tally: Tally, supports: int, arguments: dict) -> dict:
    return {
        "slug": thread.slug,
        "title": thread.title,
        "status": thread.status,
        "status_label": thread.status_label,
        "level_label": thread.level_label,
        "visibility": thread.visibility,
        "network_id": thread.network_id,
        "body": demote_headings(thread.body, 2),
        "reason": thread.status_reason or "",
        "supports": supports,
        "tally": {"eens": tally.eens, "oneens": tally.oneens, "neutraal": tally.neutraal},
        "arguments": arguments,
        "proeftuinen": [{"title": p.title, "slug": p.slug} for p in thread.proeftuinen],
    }


def build_document(
    threads: list[Recommendation],
    *,
    introduction: str,
    closing: str,
    report_date: date | None,
    label: str,
) -> dict[str, Any]:
    """The report as JSON-ready data: chapters per theme in the order of the threads.

    A theme's chapter comes where its first chosen thread comes; rejected threads go to
    the annex, in the same order.
    """
    ids = [thread.id for thread in threads]
    tallies, supports, arguments = stance_tallies(ids), support_counts(ids), _key_arguments(ids)
    chapters: dict[int, dict[str, Any]] = {}
    annex: list[dict[str, Any]] = []
    for thread in threads:
        entry = _entry(
            thread,
            tallies.get(thread.id, Tally()),
            supports.get(thread.id, 0),
            arguments[thread.id],
        )
        if thread.status == ANNEX_STATUS:
            annex.append(entry)
            continue
        chapter = chapters.setdefault(
            thread.theme_id,
            {"theme": thread.theme.title, "slug": thread.theme.slug, "entries": []},
        )
        chapter["entries"].append(entry)
    return {
        "title": REPORT_TITLE,
        "label": label,
        "date": report_date.isoformat() if report_date else None,
        "introduction": introduction,
        "closing": closing,
        "chapters": list(chapters.values()),
        "annex": annex,
    }


def working_document(user: Any, now: datetime | None = None) -> dict[str, Any]:
    """The working version as it reads now (coordinators only)."""
    ensure_report_coordinator(user)
    draft = working_version()
    return build_document(
        selected_threads(draft),
        introduction=draft.introduction if draft else "",
        closing=draft.closing if draft else "",
        report_date=to_local(now or utcnow()).date(),
        label="Werkversie",
    )


def for_viewer(document: dict[str, Any], user: Any) -> dict[str, Any]:
    """The document without the recommendations `user` may not see: members-only ones
    for visitors, network-only ones for those outside the thread's network."""
    if is_admin(user) or coordinates_report(user):
        return document
    mine = networks_of(user)

    def shown(entry: dict[str, Any]) -> bool:
        level = entry.get("visibility", "public")
        if level == "public":
            return True
        if level == "members":
            return bool(mine)
        return entry.get("network_id", report_network_id()) in mine

    def visible(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [entry for entry in entries if shown(entry)]

    chapters = [
        dict(chapter, entries=visible(chapter["entries"])) for chapter in document["chapters"]
    ]
    return dict(
        document,
        chapters=[chapter for chapter in chapters if chapter["entries"]],
        annex=visible(document["annex"]),
    )


def document_date(document: dict[str, Any]) -> date | None:
    return date.fromisoformat(document["date"]) if document.get("date") else None


# --- Markdown -------------------------------------------------------------------------


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _entry_markdown(entry: dict[str, Any], level: int) -> list[str]:
    hashes = "#" * level
    tally = entry["tally"]
    lines = [f"{hashes} {markdown_escape(entry['title'])}", ""]
    facts = [f"Niveau: {entry['level_label']}"]
    if entry["visibility"] == "members":
        facts.append("enkel voor leden")
    elif entry["visibility"] == "network":
        facts.append("enkel voor dit netwerk")
    lines += [f"*{markdown_escape(' · '.join(facts))}*", ""]
    if entry["body"].strip():
        lines += [entry["body"].strip(), ""]
    status_line = f"**Status:** {entry['status_label']}"
    reason = " ".join(entry["reason"].split())
    if reason:
        status_line += f" — {markdown_escape(reason)}"
    lines += [
        status_line,
        "",
        f"**Steun:** {_plural(entry['supports'], 'lid', 'leden')}",
        "",
        f"**Standpunten:** {tally['eens']} eens · {tally['oneens']} oneens · "
        f"{tally['neutraal']} neutraal",
        "",
    ]
    if entry["proeftuinen"]:
        names = ", ".join(markdown_escape(p["title"]) for p in entry["proeftuinen"])
        lines += [f"**Proeftuinen:** {names}", ""]
    for stance, heading in ARGUMENT_HEADINGS:
        items = entry["arguments"].get(stance, [])
        lines += [f"{hashes}# {heading}", ""]
        if not items:
            lines += ["Geen.", ""]
            continue
        for argument in items:
            item = f"- {markdown_escape(argument['text'])}"
            if argument["organisation"]:
                item += f" — *{markdown_escape(argument['organisation'])}*"
            lines.append(item)
        lines.append("")
    return lines


def to_markdown(document: dict[str, Any]) -> str:
    """The document as Markdown: introduction, a chapter per theme, closing, annex."""
    lines = [f"# {document['title']}", ""]
    when = document_date(document)
    subtitle = f"{document['label']} · {nl_date(when)}" if when else document["label"]
    lines += [f"*{markdown_escape(subtitle)}*", ""]
    if document["introduction"].strip():
        lines += ["## Inleiding", "", demote_headings(document["introduction"], 2).strip(), ""]
    if not document["chapters"]:
        lines += ["Er zijn nog geen aanbevelingen in dit rapport.", ""]
    for chapter in document["chapters"]:
        lines += [f"## {markdown_escape(chapter['theme'])}", ""]
        for entry in chapter["entries"]:
            lines += _entry_markdown(entry, 3)
    if document["closing"].strip():
        lines += ["## Slot", "", demote_headings(document["closing"], 2).strip(), ""]
    if document["annex"]:
        lines += ["## Bijlage: verworpen aanbevelingen", ""]
        for entry in document["annex"]:
            lines += _entry_markdown(entry, 3)
    return "\n".join(lines).rstrip() + "\n"
