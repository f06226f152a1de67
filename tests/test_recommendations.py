"""Policy-recommendation threads: replies, tally, supports, follows, workflow, moderation,
edits, the final report, and who may do what."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from conftest import login, post_form
from lerend_netwerk.extensions import db
from lerend_netwerk.recommendations import reading, report, support, threads, workflow
from lerend_netwerk.recommendations.models import (
    Endorsement,
    Flag,
    Post,
    PostRevision,
    Recommendation,
    ThreadFollow,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def make_person(make_user):
    """A user who never signs in in the test: no password, so no slow hashing."""

    def factory(**kw):
        return make_user(password=None, **kw)

    return factory


@pytest.fixture
def make_post(app):
    """A reply written straight into the database (for setting up a thread)."""

    def factory(thread, author, stance="eens", body="Een reactie.", **kw):
        post = Post(recommendation=thread, author=author, stance=stance, body=body, **kw)
        db.session.add(post)
        db.session.commit()
        return post

    return factory


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def refreshed(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def text_of(response) -> str:
    return response.get_data(as_text=True)


def freeze_report_with_key_arguments(coordinator) -> None:
    """Every reply becomes a key argument, then the default report is frozen."""
    db.session.execute(update(Post).values(key_argument=True))
    report.freeze(coordinator, report_date=T0.date())
    db.session.commit()


def follow_redirect(client, response):
    assert response.status_code == 302, text_of(response)[:500]
    return client.get(response.headers["Location"])


# --- the index and the thread page ----------------------------------------------------


def test_index_groups_threads_per_theme_with_counts_and_tally(
    client, make_user, make_theme, make_recommendation, make_post, make_person
):
    financing = make_theme(title="Financiering", slug="financiering")
    mentors = make_theme(title="Mentoren", slug="mentoren")
    a = make_recommendation(title="Extra middelen voor begeleiding", theme=financing)
    b = make_recommendation(
        title="Mentoropleiding als standaard", theme=mentors, status="in-bespreking"
    )
    ann, bert, chris = make_person(), make_person(), make_person()
    make_post(a, ann, "eens")
    make_post(a, bert, "oneens")
    make_post(a, chris, "eens")
    make_post(a, chris, "neutraal", hidden_at=T0, hidden_reason="spam")
    db.session.add_all(
        [Endorsement(recommendation=a, user=ann), Endorsement(recommendation=a, user=bert)]
    )
    db.session.commit()

    page = text_of(client.get("/aanbevelingen"))
    assert page.index("Financiering") < page.index("Mentoren")
    card_a = page[page.index(a.title) : page.index(b.title)]
    assert "3 reacties" in card_a and "2 keer gesteund" in card_a
    assert "2 eens" in card_a and "1 oneens" in card_a and "0 neutraal" in card_a
    assert "Open" in card_a
    assert "In bespreking" in page[page.index(b.title) :]


def test_index_filters_by_theme_level_and_status(client, make_theme, make_recommendation):
    financing = make_theme(title="Financiering", slug="financiering")
    mentors = make_theme(title="Mentoren", slug="mentoren")
    make_recommendation(title="Hoger onderwijs apart", theme=financing, level="hoger-onderwijs")
    make_recommendation(title="Volwassenen apart", theme=financing, level="volwassenenonderwijs")
    make_recommendation(title="Voor iedereen", theme=mentors, status="aanvaard")

    by_theme = text_of(client.get("/aanbevelingen?thema=mentoren"))
    assert "Voor iedereen" in by_theme and "Hoger onderwijs apart" not in by_theme
    by_level = text_of(client.get("/aanbevelingen?niveau=hoger-onderwijs"))
    assert "Hoger onderwijs apart" in by_level and "Voor iedereen" in by_level
    assert "Volwassenen apart" not in by_level
    by_status = text_of(client.get("/aanbevelingen?status=aanvaard"))
    assert "Voor iedereen" in by_status and "Hoger onderwijs apart" not in by_status


def test_thread_page_shows_proposal_tally_status_supports_and_replies_in_order(
    client, make_user, make_organisation, make_recommendation, make_post, make_person
):
    org = make_organisation(title="Hogeschool Leie")
    ann = make_person(name="Ann Peeters", organisation=org)
    bert = make_person(name="Bert Claes")
    thread = make_recommendation(
        title="Leervergoeding voor studenten",
        body="Een **vaste** vergoeding.",
        status="in-bespreking",
        status_reason="Besproken op de stuurgroep.",
    )
    first = make_post(thread, ann, "eens", "Eerste: goed idee.", created_at=T0)
    make_post(
        thread, bert, "oneens", "Tweede: te duur.", created_at=T0 + timedelta(hours=1), parent=first
    )
    make_post(thread, ann, "neutraal", "Derde: hangt ervan af.", created_at=T0 + timedelta(hours=2))
    db.session.add(Endorsement(recommendation=thread, user=bert))
    db.session.commit()

    page = text_of(client.get(f"/aanbevelingen/{thread.slug}"))
    assert "Een <strong>vaste</strong> vergoeding." in page
    assert page.index("Stand van het debat") < page.index("Eerste: goed idee.")
    assert re.search(r'id="tally-eens">1<', page) and re.search(r'id="tally-oneens">1<', page)
    assert re.search(r'id="tally-neutraal">1<', page)
    assert "Status: In bespreking" in page and "Besproken op de stuurgroep." in page
    assert "<strong>1</strong> lid steunt dit voorstel." in page
    assert page.index("Eerste:") < page.index("Tweede:") < page.index("Derde:")
    assert "Ann Peeters" in page and "Hogeschool Leie" in page
    assert "maandag 2 maart 2026 om 10:00" in page  # 09:00 UTC in Brussels
    assert 'class="badge stance-badge stance-oneens">Oneens<' in page
    quote = page[page.index('class="reply-quote"') :]
    assert "Antwoord op" in quote[:400] and "Eerste: goed idee." in quote[:600]


def test_member_replies_with_a_stance_and_can_answer_another_reply(
    client, make_user, make_recommendation, make_post, make_person
):
    thread = make_recommendation()
    ann, bert = make_person(name="Ann"), make_user(name="Bert")
    earlier = make_post(thread, ann, "eens", "Mentoren verdienen erkenning.")
    login(client, bert)

    form = text_of(client.get(f"/aanbevelingen/{thread.slug}?antwoord={earlier.id}"))
    assert (
        "Je antwoordt op" in form and f'name="parent_id" type="hidden" value="{earlier.id}"' in form
    )

    response = post_form(
        client,
        f"/aanbevelingen/{thread.slug}/reacties",
        {"body": "Maar wie *betaalt* dat?", "stance": "oneens", "parent_id": str(earlier.id)},
    )
    reply = db.session.scalar(select(Post).where(Post.author_id == bert.id))
    assert response.headers["Location"].endswith(f"/aanbevelingen/{thread.slug}#reactie-{reply.id}")
    assert (reply.stance, reply.parent_id) == ("oneens", earlier.id)
    page = text_of(client.get(f"/aanbevelingen/{thread.slug}"))
    assert "Maar wie <em>betaalt</em> dat?" in page
    # Who replies follows the thread.
    assert count(ThreadFollow, ThreadFollow.user_id == bert.id) == 1


@pytest.mark.parametrize(
    "data,message",
    [
        ({"body": "Zonder standpunt."}, "Kies eens, oneens of neutraal."),
        ({"body": "Vreemd standpunt.", "stance": "misschien"}, "Kies eens, oneens of neutraal."),
        ({"body": "   ", "stance": "eens"}, "Schrijf een reactie."),
    ],
)
def test_invalid_replies_are_refused_with_a_message(
    client, make_user, make_recommendation, data, message
):
    thread = make_recommendation()
    login(client, make_user())
    response = post_form(client, f"/aanbevelingen/{thread.slug}/reacties", data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert count(Post) == 0


def test_a_reply_cannot_answer_a_reply_of_another_thread_or_a_hidden_one(
    client, make_user, make_recommendation, make_post, make_person
):
    thread, other = make_recommendation(), make_recommendation()
    author = make_person()
    elsewhere = make_post(other, author)
    hidden = make_post(thread, author, hidden_at=T0, hidden_reason="ongepast")
    login(client, make_user())
    for parent in (elsewhere, hidden):
        response = post_form(
            client,
            f"/aanbevelingen/{thread.slug}/reacties",
            {"body": "Antwoord", "stance": "eens", "parent_id": str(parent.id)},
        )
        assert response.status_code == 400
        assert "Je kan enkel antwoorden op een zichtbare reactie in deze draad." in text_of(
            response
        )
    assert count(Post) == 2


def test_reply_body_markdown_is_sanitised(client, make_user, make_recommendation):
    thread = make_recommendation(status="aanvaard", status_reason="Ja.")
    member = make_user()
    login(client, member)
    payload = (
        "Gevaarlijk <script>alert('xss')</script> "
        '<img src="x" onerror="alert(1)"> [klik](javascript:alert(2)) '
        '<a href="https://example.be" onclick="steal()">link</a>'
    )
    response = post_form(
        client, f"/aanbevelingen/{thread.slug}/reacties", {"body": payload, "stance": "eens"}
    )
    assert response.status_code == 302
    freeze_report_with_key_arguments(make_user(role="coordinator"))
    for url in (f"/aanbevelingen/{thread.slug}", "/aanbevelingen/eindrapport"):
        page = text_of(client.get(url))
        assert "Gevaarlijk" in page
        assert "<script>alert" not in page
        assert "onerror" not in page and "onclick" not in page
        assert "javascript:" not in page
        assert "<img" not in page
    markdown = text_of(client.get("/aanbevelingen/eindrapport.md"))
    assert "Gevaarlijk" in markdown and "<script>" not in markdown and "<img" not in markdown


# --- CSRF -----------------------------------------------------------------------------


def test_every_post_without_csrf_token_is_refused(
    client, make_user, make_recommendation, make_post, make_person
):
    thread = make_recommendation()
    post = make_post(thread, make_person())
    coordinator = make_user(role="coordinator")
    login(client, coordinator)
    base = f"/aanbevelingen/{thread.slug}"
    urls = {
        f"{base}/reacties": {"body": "x", "stance": "eens"},
        f"{base}/steunen": {},
        f"{base}/volgen": {},
        f"{base}/status": {"status": "in-bespreking", "reason": "x"},
        f"{base}/sluiten": {},
        f"{base}/heropenen": {},
        f"{base}/bewerken": {"title": "x", "slug": thread.slug},
        f"{base}/reacties/{post.id}/melden": {"reason": "spam"},
        f"{base}/reacties/{post.id}/verbergen": {"reason": "x"},
        f"{base}/reacties/{post.id}/tonen": {},
        f"{base}/reacties/{post.id}/meldingen-afhandelen": {},
        f"{base}/reacties/{post.id}/bewerken": {"body": "x", "stance": "eens"},
        f"{base}/reacties/{post.id}/kernargument": {},
        f"{base}/reacties/{post.id}/verborgen-houden": {},
        "/aanbevelingen/nieuw": {"title": "x", "slug": "x"},
        "/aanbevelingen/eindrapport/samenstellen": {"introduction": "x"},
        "/aanbevelingen/eindrapport/vastleggen": {"report_date": "2026-10-25"},
    }
    for url, data in urls.items():
        assert client.post(url, data=data).status_code == 400, url
        assert client.post(url, data=dict(data, csrf_token="fout")).status_code == 400, url
    thread = refreshed(thread)
    assert (thread.status, thread.closed) == ("open", False)
    assert count(Post) == 1 and count(Endorsement) == 0 and count(Flag) == 0
    assert refreshed(post).hidden_at is None


# --- workflow -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start,target",
    [
        ("open", "in-bespreking"),
        ("in-bespreking", "aanvaard"),
        ("in-bespreking", "verworpen"),
        ("in-bespreking", "open"),
        ("aanvaard", "in-bespreking"),
        ("verworpen", "in-bespreking"),
    ],
)
def test_allowed_status_transitions(client, make_user, make_recommendation, start, target):
    thread = make_recommendation(status=start)
    login(client, make_user(role="coordinator"))
    response = post_form(
        client,
        f"/aanbevelingen/{thread.slug}/status",
        {"status": target, "reason": "Besproken op de stuurgroep van 14 maart."},
    )
    page = text_of(follow_redirect(client, response))
    thread = refreshed(thread)
    assert thread.status == target
    assert thread.status_reason == "Besproken op de stuurgroep van 14 maart."
    assert thread.status_changed_at is not None
    assert f"Status: {thread.status_label}" in page and "stuurgroep van 14 maart" in page


@pytest.mark.parametrize(
    "start,target",
    [
        ("open", "aanvaard"),
        ("open", "verworpen"),
        ("open", "open"),
        ("aanvaard", "verworpen"),
        ("verworpen", "aanvaard"),
        ("aanvaard", "open"),
        ("in-bespreking", "gesloten"),
    ],
)
def test_refused_status_transitions(client, make_user, make_recommendation, start, target):
    thread = make_recommendation(status=start)
    login(client, make_user(role="coordinator"))
    response = post_form(
        client, f"/aanbevelingen/{thread.slug}/status", {"status": target, "reason": "Reden"}
    )
    page = text_of(follow_redirect(client, response))
    assert "kan niet naar" in page
    assert refreshed(thread).status == start


def test_a_decision_needs_a_reason(app, client, make_user, make_recommendation):
    thread = make_recommendation(status="in-bespreking")
    coordinator = make_user(role="coordinator")
    with pytest.raises(threads.RecommendationError, match="Geef een reden"):
        workflow.change_status(thread.slug, coordinator, "aanvaard", "  ")
    db.session.rollback()
    login(client, coordinator)
    response = post_form(
        client, f"/aanbevelingen/{thread.slug}/status", {"status": "verworpen", "reason": ""}
    )
    assert "Geef een reden" in text_of(follow_redirect(client, response))
    assert refreshed(thread).status == "in-bespreking"


def test_workflow_from_open_to_accepted_in_the_service(app, make_user, make_recommendation):
    thread = make_recommendation()
    coordinator = make_user(role="coordinator")
    assert workflow.allowed_transitions("open") == ("in-bespreking",)
    workflow.change_status(thread.slug, coordinator, "in-bespreking", "")
    workflow.change_status(thread.slug, coordinator, "aanvaard", "Unaniem in de stuurgroep.")
    assert (thread.status, thread.status_reason) == ("aanvaard", "Unaniem in de stuurgroep.")
    with pytest.raises(threads.RecommendationError):
        workflow.change_status(thread.slug, coordinator, "verworpen", "Toch niet.")


def test_closed_thread_refuses_new_replies_and_can_be_reopened(
    client, make_user, make_recommendation
):
    thread = make_recommendation()
    coordinator, member = make_user(role="coordinator"), make_user()
    login(client, coordinator)
    follow_redirect(client, post_form(client, f"/aanbevelingen/{thread.slug}/sluiten"))
    assert refreshed(thread).closed is True
    post_form(client, "/logout")

    login(client, member)
    page = text_of(client.get(f"/aanbevelingen/{thread.slug}"))
    assert "Deze draad is gesloten: er kunnen geen nieuwe reacties meer bij." in page
    assert 'action="/aanbevelingen/' + thread.slug + '/reacties"' not in page
    response = post_form(
        client, f"/aanbevelingen/{thread.slug}/reacties", {"body": "Te laat", "stance": "eens"}
    )
    page = text_of(follow_redirect(client, response))
    assert "Deze draad is gesloten: er kunnen geen nieuwe reacties meer bij." in page
    assert count(Post) == 0
    post_form(client, "/logout")

    login(client, coordinator)
    follow_redirect(client, post_form(client, f"/aanbevelingen/{thread.slug}/heropenen"))
    post_form(client, "/logout")
    login(client, member)
    response = post_form(
        client, f"/aanbevelingen/{thread.slug}/reacties", {"body": "Nu wel", "stance": "eens"}
    )
    assert response.status_code == 302 and count(Post) == 1


# --- tally ----------------------------------------------------------------------------


def test_tally_counts_visible_replies_only(
    app, client, make_user, make_recommendation, make_post, make_person
):
    thread = make_recommendation()
    users = [make_person() for _ in range(3)]
    make_post(thread, users[0], "eens")
    make_post(thread, users[1], "eens")
    make_post(thread, users[2], "oneens")
    make_post(thread, users[2], "oneens", hidden_at=T0, hidden_reason="herhaling")
    make_post(thread, users[0], "neutraal", hidden_at=T0, hidden_reason="ongepast")

    tally = reading.thread_page(thread.slug, None).tally
    assert (tally.eens, tally.oneens, tally.neutraal, tally.total) == (2, 1, 0, 3)
    # Coordinators see the hidden replies, but they do not count for them either.
    coordinator = make_user(role="coordinator")
    page = reading.thread_page(thread.slug, coordinator)
    assert len(page.posts) == 5
    assert (page.tally.eens, page.tally.oneens, page.tally.neutraal) == (2, 1, 0)
    login(client, coordinator)
    html = text_of(client.get(f"/aanbevelingen/{thread.slug}"))
    assert 'id="tally-oneens">1<' in html and 'id="tally-neutraal">0<' in html


# --- supports -------------------------------------------------------------------------


def test_a_member_supports_a_proposal_once_and_can_withdraw(
    client, make_user, make_recommendation, make_person
):
    thread = make_recommendation()
    member = make_user()
    login(client, member)
    url = f"/aanbevelingen/{thread.slug}/steunen"
    page = text_of(follow_redirect(client, post_form(client, url)))
    assert "Je steunt dit voorstel." in page and "<strong>1</strong> lid steunt" in page
    assert count(Endorsement, Endorsement.recommendation_id == thread.id) == 1
    page = text_of(follow_redirect(client, post_form(client, url)))
    assert "Je steun is ingetrokken." in page and "<strong>0</strong> leden steunen" in page
    assert count(Endorsement) == 0
    post_form(client, url)
    other = make_person()
    db.session.add(Endorsement(recommendation_id=thread.id, user_id=other.id))
    db.session.commit()
    assert count(Endorsement) == 2


def test_the_database_refuses_a_second_support_by_the_same_member(
    app, make_user, make_recommendation
):
    thread = make_recommendation()
    member = make_user()
    db.session.add(Endorsement(recommendation_id=thread.id, user_id=member.id))
    db.session.commit()
    db.session.add(Endorsement(recommendation_id=thread.id, user_id=member.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(Endorsement) == 1


def test_a_concurrent_second_support_is_absorbed_by_the_unique_constraint(
    app, make_person, make_recommendation
):
    thread = make_recommendation()
    member = make_person()
    first = Endorsement(recommendation_id=thread.id, user_id=member.id)
    second = Endorsement(recommendation_id=thread.id, user_id=member.id)
    assert threads.add_once(first) is True
    assert threads.add_once(second) is False
    db.session.commit()
    assert count(Endorsement) == 1


def test_supports_cannot_change_on_a_closed_thread(client, make_user, make_recommendation):
    thread = make_recommendation(closed=True)
    login(client, make_user())
    page = text_of(
        follow_redirect(client, post_form(client, f"/aanbevelingen/{thread.slug}/steunen"))
    )
    assert "Deze draad is gesloten: de steun kan niet meer wijzigen." in page
    assert count(Endorsement) == 0


# --- following and what is new --------------------------------------------------------


def test_followers_see_what_is_new_since_their_last_visit(
    client, make_user, make_recommendation, make_post, make_person
):
    thread = make_recommendation(title="Premie kwalificerend werkplekleren")
    quiet = make_recommendation(title="Een rustige draad")
    member, other = make_user(), make_person()
    login(client, member)
    follow_redirect(client, post_form(client, f"/aanbevelingen/{thread.slug}/volgen"))
    follow = db.session.scalar(select(ThreadFollow).where(ThreadFollow.user_id == member.id))
    follow.last_seen_at = T0
    db.session.commit()
    make_post(thread, other, "eens", "Gezien voor het bezoek.", created_at=T0 - timedelta(hours=1))
    make_post(thread, other, "oneens", "Nieuw na het bezoek.", created_at=T0 + timedelta(hours=1))
    make_post(thread, other, "eens", "Nog een nieuwe.", created_at=T0 + timedelta(hours=2))
    make_post(thread, member, "eens", "Mijn eigen reactie.", created_at=T0 + timedelta(hours=3))
    make_post(
        thread,
        other,
        "eens",
        "Verborgen nieuwe.",
        created_at=T0 + timedelta(hours=4),
        hidden_at=T0 + timedelta(hours=5),
    )

    index = text_of(client.get("/aanbevelingen"))
    card = index[index.index("Premie kwalificerend") :]
    assert "2 nieuw" in card[:1200] and "Gevolgd" in card[:1200]
    assert "nieuw" not in index[index.index("Een rustige draad") :].split("</li>")[0]

    page = text_of(client.get(f"/aanbevelingen/{thread.slug}"))
    new_articles = re.findall(r'<article id="reactie-(\d+)" class="reply[^"]*reply-new', page)
    bodies = {p.id: p.body for p in db.session.scalars(select(Post))}
    assert sorted(bodies[int(i)] for i in new_articles) == [
        "Nieuw na het bezoek.",
        "Nog een nieuwe.",
    ]
    assert refreshed(follow).last_seen_at > T0 + timedelta(days=1)

    page = text_of(client.get(f"/aanbevelingen/{thread.slug}"))
    assert "reply-new" not in page
    assert "nieuw</span>" not in text_of(client.get("/aanbevelingen"))
    assert quiet.id  # a thread the member does not follow never shows "nieuw"

    follow_redirect(client, post_form(client, f"/aanbevelingen/{thread.slug}/volgen"))
    assert count(ThreadFollow) == 0
    assert "Gevolgd" not in text_of(client.get("/aanbevelingen"))


def test_a_followers_visit_without_anything_new_writes_nothing(
    client, make_user, make_recommendation, make_post, make_person
):
    """Each write changes the data version and so every reader's cached pages."""
    from lerend_netwerk.core.pagecache import DataVersion

    thread = make_recommendation()
    member = make_user()
    db.session.add(ThreadFollow(recommendation=thread, user=member, last_seen_at=T0))
    db.session.commit()
    make_post(thread, make_person(), created_at=T0 + timedelta(hours=1))
    login(client, member)

    def version() -> int:
        db.session.expire_all()
        return db.session.get(DataVersion, 1).value

    client.get(f"/aanbevelingen/{thread.slug}")  # something new: seen now
    seen = refreshed(db.session.scalar(select(ThreadFollow))).last_seen_at
    assert seen > T0 + timedelta(days=1)
    before = version()
    for _ in range(3):
        assert client.get(f"/aanbevelingen/{thread.slug}").status_code == 200
    assert version() == before
    assert refreshed(db.session.scalar(select(ThreadFollow))).last_seen_at == seen


def test_followed_threads_for_the_account_page(
    app, make_user, make_person, make_recommendation, make_post
):
    from flask import render_template

    followed, other = make_recommendation(title="Gevolgde draad"), make_recommendation()
    member, author = make_user(), make_person()
    db.session.add(ThreadFollow(recommendation=followed, user=member, last_seen_at=T0))
    db.session.commit()
    make_post(followed, author, created_at=T0 + timedelta(minutes=5))
    make_post(other, author, created_at=T0 + timedelta(minutes=5))
    summaries = support.followed_threads(member)
    assert [(s.thread.id, s.new) for s in summaries] == [(followed.id, 1)]
    with app.test_request_context():
        html = render_template("recommendations/_account_follows.html", followed=summaries)
    assert "Gevolgde draad" in html and "1 nieuw" in html


def test_visitors_are_not_followers(app, make_recommendation):
    thread = make_recommendation()
    page = reading.thread_page(thread.slug, None)
    assert page.follow is None and page.new_ids == set()
    reading.record_visit(page, None)


# --- moderation -----------------------------------------------------------------------


def test_flag_hide_and_unhide_a_reply(client, make_user, make_recommendation, make_post):
    thread = make_recommendation()
    author, reporter, second = make_user(name="Auteur"), make_user(), make_user()
    coordinator = make_user(role="coordinator")
    post = make_post(thread, author, "oneens", "Een ongepaste opmerking.")
    base = f"/aanbevelingen/{thread.slug}/reacties/{post.id}"

    login(client, reporter)
    page = text_of(
        follow_redirect(
            client,
            post_form(client, f"{base}/melden", {"reason": "ongepast", "details": "Beledigend."}),
        )
    )
    assert "De moderatoren bekijken je melding." in page
    page = text_of(follow_redirect(client, post_form(client, f"{base}/melden", {"reason": "spam"})))
    assert "Je meldde deze reactie al" in page
    assert count(Flag) == 1
    post_form(client, "/logout")
    login(client, second)
    post_form(client, f"{base}/melden", {"reason": "spam"})
    assert count(Flag, Flag.post_id == post.id) == 2
    post_form(client, "/logout")

    login(client, coordinator)
    queue = text_of(client.get("/aanbevelingen/moderatie"))
    assert "Een ongepaste opmerking." in queue and "2 meldingen" in queue
    assert "Ongepast of beledigend" in queue and "Beledigend." in queue
    response = post_form(client, f"{base}/verbergen", {"reason": "", "terug": "moderatie"})
    assert refreshed(post).hidden_at is None
    response = post_form(
        client, f"{base}/verbergen", {"reason": "Persoonlijke aanval.", "terug": "moderatie"}
    )
    assert response.headers["Location"].endswith("/aanbevelingen/moderatie")
    hidden = refreshed(post)
    assert hidden.hidden_at is not None and hidden.hidden_reason == "Persoonlijke aanval."
    assert hidden.hidden_by_id == coordinator.id
    assert count(Post) == 1  # still in the database
    assert count(Flag, Flag.resolved_at.is_(None)) == 0
    queue = text_of(client.get("/aanbevelingen/moderatie"))
    assert "Geen open meldingen." in queue and "Persoonlijke aanval." in queue
    page = text_of(client.get(f"/aanbevelingen/{thread.slug}"))
    assert "Een ongepaste opmerking." in page and "verborgen</span>" in page
    assert "Reden: Persoonlijke aanval." in page
    post_form(client, "/logout")

    for who in (author, reporter):
        login(client, who)
        page = text_of(client.get(f"/aanbevelingen/{thread.slug}"))
        assert "Een ongepaste opmerking." not in page and "Reacties (0)" in page
        assert client.get(f"{base}/bewerken").status_code == 404
        post_form(client, "/logout")
    assert "Een ongepaste opmerking." not in text_of(client.get(f"/aanbevelingen/{thread.slug}"))

    login(client, coordinator)
    follow_redirect(client, post_form(client, f"{base}/tonen"))
    assert refreshed(post).hidden_at is None
    post_form(client, "/logout")
    assert "Een ongepaste opmerking." in text_of(client.get(f"/aanbevelingen/{thread.slug}"))


def test_coordinators_can_dismiss_unfounded_flags(
    client, make_user, make_recommendation, make_post, make_person
):
    thread = make_recommendation()
    post = make_post(thread, make_person(), body="Een scherpe maar eerlijke kritiek.")
    db.session.add(Flag(post=post, user=make_person(), reason="andere"))
    db.session.commit()
    login(client, make_user(role="coordinator"))
    response = post_form(
        client,
        f"/aanbevelingen/{thread.slug}/reacties/{post.id}/meldingen-afhandelen",
        {"terug": "moderatie"},
    )
    queue = text_of(follow_redirect(client, response))
    assert "De meldingen zijn afgehandeld" in queue and "Geen open meldingen." in queue
    assert refreshed(post).hidden_at is None and count(Flag) == 1


def test_the_flag_and_hide_forms_show_the_reply(
    client, make_user, make_person, make_recommendation, make_post
):
    thread = make_recommendation()
    post = make_post(thread, make_person(), body="Een reactie om te melden.")
    base = f"/aanbevelingen/{thread.slug}/reacties/{post.id}"
    login(client, make_user(role="coordinator"))
    page = text_of(client.get(f"/aanbevelingen/{thread.slug}"))
    assert f'href="{base}/melden"' in page and f'href="{base}/verbergen"' in page
    for url, label in ((f"{base}/melden", "Reden"), (f"{base}/verbergen", "Reden")):
        form = text_of(client.get(url))
        assert "Een reactie om te melden." in form and f'for="reason">{label}<' in form
    response = post_form(client, f"{base}/verbergen", {"reason": ""})
    assert response.status_code == 400 and "Geef een reden." in text_of(response)
    follow_redirect(client, post_form(client, f"{base}/verbergen", {"reason": "Spam."}))
    page = text_of(follow_redirect(client, client.get(f"{base}/verbergen")))
    assert "Deze reactie is al verborgen." in page


def test_members_cannot_flag_their_own_reply(client, make_user, make_recommendation, make_post):
    thread = make_recommendation()
    author = make_user()
    post = make_post(thread, author)
    login(client, author)
    response = post_form(
        client, f"/aanbevelingen/{thread.slug}/reacties/{post.id}/melden", {"reason": "spam"}
    )
    assert "Je kan je eigen reactie niet melden." in text_of(follow_redirect(client, response))
    response = client.get(f"/aanbevelingen/{thread.slug}/reacties/{post.id}/melden")
    assert "Je kan je eigen reactie niet melden." in text_of(follow_redirect(client, response))
    assert count(Flag) == 0


# --- editing within the window, with history ------------------------------------------


def test_author_edits_within_the_window_and_the_history_is_kept(
    client, make_user, make_recommendation, make_post
):
    thread = make_recommendation()
    author = make_user()
    post = make_post(thread, author, "eens", "Eerste versie.", created_at=datetime.now(UTC))
    url = f"/aanbevelingen/{thread.slug}/reacties/{post.id}/bewerken"
    login(client, author)
    assert "Eerste versie." in text_of(client.get(url))
    response = post_form(client, url, {"body": "Tweede versie.", "stance": "neutraal"})
    page = text_of(follow_redirect(client, response))
    assert "Tweede versie." in page and "Eerste versie." not in page
    assert 'class="meta reply-edited">bewerkt<' in page
    post_form(client, url, {"body": "Derde versie.", "stance": "neutraal"})
    # Saving without a change makes no revision.
    post_form(client, url, {"body": "Derde versie.", "stance": "neutraal"})

    edited = refreshed(post)
    assert (edited.body, edited.stance) == ("Derde versie.", "neutraal")
    revisions = list(
        db.session.scalars(select(PostRevision).order_by(PostRevision.created_at, PostRevision.id))
    )
    assert [(r.body, r.stance) for r in revisions] == [
        ("Eerste versie.", "eens"),
        ("Tweede versie.", "neutraal"),
    ]
    assert revisions[0].written_at == edited.created_at
    assert revisions[1].written_at == revisions[0].created_at
    history_url = f"/aanbevelingen/{thread.slug}/reacties/{post.id}/geschiedenis"
    assert client.get(history_url).status_code == 403
    post_form(client, "/logout")

    login(client, make_user(role="coordinator"))
    history = text_of(client.get(history_url))
    assert history.index("Derde versie.") < history.index("Tweede versie.")
    assert "Eerste versie." in history
    assert "bewerkt op" in text_of(client.get(f"/aanbevelingen/{thread.slug}"))


def test_editing_after_the_window_is_refused(client, make_user, make_recommendation, make_post):
    thread = make_recommendation()
    author = make_user()
    post = make_post(
        thread, author, "eens", "Te laat.", created_at=datetime.now(UTC) - timedelta(minutes=31)
    )
    url = f"/aanbevelingen/{thread.slug}/reacties/{post.id}/bewerken"
    login(client, author)
    assert 'href="' + url not in text_of(client.get(f"/aanbevelingen/{thread.slug}"))
    response = post_form(client, url, {"body": "Toch gewijzigd.", "stance": "oneens"})
    page = text_of(follow_redirect(client, response))
    assert "tot 30 minuten na het plaatsen" in page
    assert refreshed(post).body == "Te laat." and count(PostRevision) == 0


def test_the_edit_window_is_configurable(app, client, make_user, make_recommendation, make_post):
    app.config["RECOMMENDATION_EDIT_WINDOW_MINUTES"] = 45
    thread = make_recommendation()
    author = make_user()
    post = make_post(thread, author, created_at=datetime.now(UTC) - timedelta(minutes=40))
    login(client, author)
    response = post_form(
        client,
        f"/aanbevelingen/{thread.slug}/reacties/{post.id}/bewerken",
        {"body": "Binnen 45 minuten.", "stance": "eens"},
    )
    assert response.status_code == 302
    assert refreshed(post).body == "Binnen 45 minuten."


def test_only_the_author_edits_and_not_in_a_closed_thread(
    client, make_user, make_recommendation, make_post
):
    thread = make_recommendation()
    author = make_user()
    post = make_post(thread, author, created_at=datetime.now(UTC))
    url = f"/aanbevelingen/{thread.slug}/reacties/{post.id}/bewerken"
    login(client, make_user())
    assert client.get(url).status_code == 403
    post_form(client, "/logout")
    thread.closed = True
    db.session.commit()
    login(client, author)
    page = text_of(follow_redirect(client, client.get(url)))
    assert "Deze draad is gesloten: reacties kunnen niet meer bewerkt worden." in page


# --- threads by coordinators ----------------------------------------------------------


def test_coordinator_creates_and_edits_a_thread(client, make_user, make_theme, make_recommendation):
    theme = make_theme(title="Werkplekken")
    make_recommendation(slug="bestaat-al")
    coordinator = make_user(role="coordinator")
    login(client, coordinator)
    data = {
        "title": "Gedeelde werkplekken tussen centra",
        "slug": "gedeelde-werkplekken",
        "theme_id": str(theme.id),
        "level": "volwassenenonderwijs",
        "visibility": "members",
        "body": "Centra delen een **pool** van werkplekken.",
    }
    for slug, message in (
        ("eindrapport", "Dit webadres is voorbehouden"),
        ("bestaat-al", "Er is al een aanbeveling met dit webadres."),
        ("Met Hoofdletters", "Enkel kleine letters"),
    ):
        response = post_form(client, "/aanbevelingen/nieuw", dict(data, slug=slug))
        assert response.status_code == 400 and message in text_of(response)
    response = post_form(client, "/aanbevelingen/nieuw", data)
    assert response.headers["Location"].endswith("/aanbevelingen/gedeelde-werkplekken")
    thread = db.session.scalar(
        select(Recommendation).where(Recommendation.slug == "gedeelde-werkplekken")
    )
    assert (thread.theme_id, thread.level, thread.visibility, thread.status) == (
        theme.id,
        "volwassenenonderwijs",
        "members",
        "open",
    )
    assert thread.author_id == coordinator.id

    form = text_of(client.get("/aanbevelingen/gedeelde-werkplekken/bewerken"))
    assert 'value="Gedeelde werkplekken tussen centra"' in form
    response = post_form(
        client,
        "/aanbevelingen/gedeelde-werkplekken/bewerken",
        dict(data, title="Werkplekpool", slug="werkplekpool", level="", visibility="public"),
    )
    assert response.headers["Location"].endswith("/aanbevelingen/werkplekpool")
    thread = refreshed(thread)
    assert (thread.title, thread.slug, thread.level, thread.visibility) == (
        "Werkplekpool",
        "werkplekpool",
        None,
        "public",
    )


# --- visibility -----------------------------------------------------------------------


def test_members_only_threads_are_invisible_to_visitors(
    client, make_user, make_recommendation, make_post, make_person
):
    public = make_recommendation(title="Openbare aanbeveling", status="aanvaard")
    members = make_recommendation(
        title="Interne aanbeveling", visibility="members", status="aanvaard"
    )
    make_post(members, make_person(), body="Interne reactie.")
    assert "Interne aanbeveling" not in text_of(client.get("/aanbevelingen"))
    assert client.get(f"/aanbevelingen/{members.slug}").status_code == 404
    assert client.get(f"/aanbevelingen/{public.slug}").status_code == 200
    freeze_report_with_key_arguments(make_user(role="coordinator"))
    for url in ("/aanbevelingen/eindrapport", "/aanbevelingen/eindrapport.md"):
        body = text_of(client.get(url))
        assert "Openbare aanbeveling" in body
        assert "Interne aanbeveling" not in body and "Interne reactie." not in body
    login(client, make_user())
    assert "Interne aanbeveling" in text_of(client.get("/aanbevelingen"))
    assert "Interne reactie." in text_of(client.get(f"/aanbevelingen/{members.slug}"))


# --- the final report -----------------------------------------------------------------


def test_markdown_escape_keeps_user_text_literal():
    assert report.markdown_escape("**vet** <b>x</b> [a](b) 3. punt") == (
        r"\*\*vet\*\* &lt;b&gt;x&lt;/b&gt; \[a\](b) 3. punt"
    )
    assert report.markdown_escape("- geen lijst") == r"\- geen lijst"
    assert report.markdown_escape("2024. Een jaar") == r"2024\. Een jaar"


# --- who may do what ------------------------------------------------------------------

ROLES = ("anonymous", "member", "coordinator", "admin")
OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", 403, 404
EVERYONE = dict.fromkeys(ROLES, OK)
MEMBERS = {"anonymous": LOGIN, "member": OK, "coordinator": OK, "admin": OK}
COORDINATORS = {"anonymous": LOGIN, "member": FORBIDDEN, "coordinator": OK, "admin": OK}
AUTHOR_ONLY = {
    "anonymous": LOGIN,
    "member": FORBIDDEN,
    "coordinator": FORBIDDEN,
    "admin": FORBIDDEN,
}

P = "/aanbevelingen/publiek"
R = "/aanbevelingen/publiek/reacties/{post}"
MATRIX = [
    ("GET", "/aanbevelingen", None, EVERYONE),
    ("GET", P, None, EVERYONE),
    ("GET", "/aanbevelingen/leden", None, dict(MEMBERS, anonymous=NOT_FOUND)),
    ("GET", "/aanbevelingen/bestaat-niet", None, dict.fromkeys(ROLES, NOT_FOUND)),
    ("GET", "/aanbevelingen/eindrapport", None, EVERYONE),
    (
        "GET",
        "/aanbevelingen/eindrapport.md",
        None,
        dict(COORDINATORS, member=NOT_FOUND, anonymous=NOT_FOUND),
    ),
    (
        "GET",
        "/aanbevelingen/eindrapport.pdf",
        None,
        dict(COORDINATORS, member=NOT_FOUND, anonymous=NOT_FOUND),
    ),
    (
        "GET",
        "/aanbevelingen/eindrapport.docx",
        None,
        dict(COORDINATORS, member=NOT_FOUND, anonymous=NOT_FOUND),
    ),
    ("GET", "/aanbevelingen/eindrapport/samenstellen", None, COORDINATORS),
    ("POST", "/aanbevelingen/eindrapport/samenstellen", {"introduction": "In."}, COORDINATORS),
    ("POST", "/aanbevelingen/eindrapport/vastleggen", {"report_date": "2026-10-25"}, COORDINATORS),
    ("POST", f"{R}/kernargument", {}, COORDINATORS),
    ("POST", f"{R}/verborgen-houden", {}, COORDINATORS),
    ("GET", "/aanbevelingen/moderatie", None, COORDINATORS),
    ("GET", "/aanbevelingen/nieuw", None, COORDINATORS),
    ("GET", f"{P}/bewerken", None, COORDINATORS),
    ("GET", "/aanbevelingen/leden/bewerken", None, COORDINATORS),
    ("GET", f"{R}/geschiedenis", None, COORDINATORS),
    ("GET", f"{R}/bewerken", None, AUTHOR_ONLY),
    ("POST", f"{P}/reacties", {"body": "Akkoord.", "stance": "eens"}, MEMBERS),
    ("POST", "/aanbevelingen/leden/reacties", {"body": "Ok.", "stance": "eens"}, MEMBERS),
    ("POST", f"{P}/steunen", {}, MEMBERS),
    ("POST", f"{P}/volgen", {}, MEMBERS),
    ("GET", f"{R}/melden", None, MEMBERS),
    ("GET", f"{R}/verbergen", None, COORDINATORS),
    ("POST", f"{R}/melden", {"reason": "spam"}, MEMBERS),
    ("POST", f"{R}/bewerken", {"body": "Anders.", "stance": "oneens"}, AUTHOR_ONLY),
    ("POST", f"{R}/verbergen", {"reason": "Ongepast."}, COORDINATORS),
    ("POST", f"{R}/tonen", {}, COORDINATORS),
    ("POST", f"{R}/meldingen-afhandelen", {}, COORDINATORS),
    ("POST", f"{P}/status", {"status": "in-bespreking", "reason": ""}, COORDINATORS),
    ("POST", f"{P}/sluiten", {}, COORDINATORS),
    ("POST", f"{P}/heropenen", {}, COORDINATORS),
    ("POST", "/aanbevelingen/nieuw", {"title": "Nieuw", "slug": "nieuw-voorstel"}, COORDINATORS),
    ("POST", f"{P}/bewerken", {"title": "Publiek", "slug": "publiek"}, COORDINATORS),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "method,url,data,expected", MATRIX, ids=[f"{m} {u}" for m, u, _, _ in MATRIX]
)
def test_authorisation_matrix(
    client,
    make_user,
    make_theme,
    make_recommendation,
    make_post,
    role,
    method,
    url,
    data,
    expected,
    make_person,
):
    theme = make_theme()
    public = make_recommendation(slug="publiek", title="Publiek", theme=theme)
    make_recommendation(slug="leden", title="Leden", theme=theme, visibility="members")
    post = make_post(public, make_person(), created_at=datetime.now(UTC))
    url = url.format(post=post.id)
    if role != "anonymous":
        login(client, make_user(role=role))
    if method == "GET":
        response = client.get(url)
    else:
        payload = dict(data)
        if "theme_id" not in payload and url.endswith(("/nieuw", "/bewerken")):
            payload["theme_id"] = str(theme.id)
        response = post_form(client, url, payload)
    expected_outcome = expected[role]
    location = response.headers.get("Location", "")
    if expected_outcome == OK:
        assert response.status_code in (200, 302), text_of(response)[:300]
        assert "/login" not in location
    elif expected_outcome == LOGIN:
        assert response.status_code == 302 and "/login" in location
    else:
        assert response.status_code == expected_outcome


def test_deleting_an_account_removes_its_supports_follows_and_flags_but_keeps_replies(
    app, make_person, make_recommendation, make_post
):
    from lerend_netwerk.auth.service import delete_account

    thread = make_recommendation()
    leaving, other = make_person(), make_person()
    reply = make_post(thread, leaving, body="Mijn argument.")
    flagged = make_post(thread, other, body="Iets anders.", hidden_at=T0, hidden_by=leaving)
    db.session.add_all(
        [
            Endorsement(recommendation=thread, user=leaving),
            ThreadFollow(recommendation=thread, user=leaving),
            Flag(post=flagged, user=leaving, reason="spam"),
            PostRevision(post=reply, body="Eerder.", stance="eens", written_at=T0, editor=leaving),
        ]
    )
    db.session.commit()
    delete_account(leaving)
    db.session.commit()
    db.session.expire_all()
    assert count(Endorsement) == count(ThreadFollow) == count(Flag) == 0
    assert refreshed(reply).author_id is None and refreshed(reply).body == "Mijn argument."
    assert refreshed(flagged).hidden_by_id is None and refreshed(flagged).hidden_at is not None
    assert db.session.scalar(select(PostRevision)).editor_id is None
