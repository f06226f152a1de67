"""The agenda: listing, registration with capacity and a waiting list, coordinators' tools."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from conftest import csrf_token, login, post_form
from lerend_netwerk.agenda import service
from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.extensions import db
from lerend_netwerk.signals import meeting_changed, registration_changed


def now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def recorded(signal) -> Iterator[list[tuple]]:
    """The (sender, change, session-in-transaction) of every send during the block."""
    events: list[tuple] = []

    def receiver(sender, **kw):
        events.append((sender, kw["change"], db.session().in_transaction()))

    signal.connect(receiver)
    try:
        yield events
    finally:
        signal.disconnect(receiver)


def statuses(meeting: Meeting) -> dict[int, str]:
    rows = db.session.execute(
        select(Registration.user_id, Registration.status).where(
            Registration.meeting_id == meeting.id
        )
    )
    return {row[0]: row[1] for row in rows}


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- the service: registration and the waiting list -------------------------------------


def test_register_confirms_while_seats_are_left_then_waitlists_in_order(
    app, make_meeting, make_user
):
    meeting = make_meeting(capacity=2)
    users = [make_user() for _ in range(4)]
    results = [service.register(meeting, user, "") for user in users]
    db.session.commit()
    assert [r.status for r in results] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [r.waitlist_position for r in results] == [None, None, 1, 2]
    assert results[0].confirmed_at is not None and results[2].confirmed_at is None
    assert service.seats(meeting) == service.Seats(capacity=2, confirmed=2, waitlisted=2)


def test_unlimited_capacity_confirms_everybody(app, make_meeting, make_user):
    meeting = make_meeting(capacity=None)
    results = [service.register(meeting, make_user()) for _ in range(5)]
    assert {r.status for r in results} == {"confirmed"}
    assert service.seats(meeting).left is None


def test_registering_twice_keeps_one_row_and_updates_the_remark(app, make_meeting, make_user):
    meeting, user = make_meeting(capacity=5), make_user()
    first = service.register(meeting, user, "Vegetarisch")
    second = service.register(meeting, user, "Veganistisch")
    db.session.commit()
    assert first.id == second.id and second.status == "confirmed"
    assert second.remark == "Veganistisch"
    count = db.session.scalar(select(func.count()).select_from(Registration))
    assert count == 1


def test_cancel_of_a_confirmed_place_promotes_the_first_on_the_waiting_list(
    app, make_meeting, make_user
):
    meeting = make_meeting(capacity=1)
    confirmed, first, second = make_user(), make_user(), make_user()
    for user in (confirmed, first, second):
        service.register(meeting, user)
    db.session.commit()
    with recorded(registration_changed) as events:
        service.cancel(meeting, confirmed)
    db.session.commit()
    assert statuses(meeting) == {
        confirmed.id: "cancelled",
        first.id: "confirmed",
        second.id: "waitlisted",
    }
    assert [(e[0].user_id, e[1]) for e in events] == [
        (confirmed.id, "cancelled"),
        (first.id, "promoted"),
    ]
    assert all(in_transaction for *_, in_transaction in events)
    assert service.registration_of(meeting, second).waitlist_position == 1


def test_waiting_list_order_breaks_ties_on_id(app, make_meeting, make_user):
    meeting = make_meeting(capacity=1)
    holder, lower_id, higher_id = make_user(), make_user(), make_user()
    service.register(meeting, holder)
    a = service.register(meeting, lower_id)
    b = service.register(meeting, higher_id)
    assert a.id < b.id
    # Equal registration times, the later one even written first: the lower id wins.
    b.registered_at = a.registered_at = now() - timedelta(minutes=5)
    db.session.commit()
    service.cancel(meeting, holder)
    db.session.commit()
    assert statuses(meeting)[lower_id.id] == "confirmed"
    assert statuses(meeting)[higher_id.id] == "waitlisted"


def test_cancel_from_the_waiting_list_moves_the_others_up_without_promoting(
    app, make_meeting, make_user
):
    meeting = make_meeting(capacity=1)
    holder, first, second = make_user(), make_user(), make_user()
    for user in (holder, first, second):
        service.register(meeting, user)
    service.cancel(meeting, first)
    db.session.commit()
    assert statuses(meeting) == {
        holder.id: "confirmed",
        first.id: "cancelled",
        second.id: "waitlisted",
    }
    assert service.registration_of(meeting, second).waitlist_position == 1


def test_re_registering_after_a_cancel_reuses_the_row_and_goes_to_the_back(
    app, make_meeting, make_user
):
    meeting = make_meeting(capacity=1)
    holder, waiting, other = make_user(), make_user(), make_user()
    original = service.register(meeting, holder, "eerste keer")
    service.register(meeting, waiting)
    service.cancel(meeting, holder)  # waiting moves up
    service.register(meeting, other)  # waitlist position 1
    again = service.register(meeting, holder, "tweede keer")
    db.session.commit()
    assert again.id == original.id
    assert again.status == "waitlisted" and again.waitlist_position == 2
    assert again.cancelled_at is None and again.remark == "tweede keer"


def test_signals_for_confirmed_and_waitlisted_are_sent_inside_the_transaction(
    app, make_meeting, make_user
):
    meeting = make_meeting(capacity=1)
    with recorded(registration_changed) as events:
        service.register(meeting, make_user())
        service.register(meeting, make_user())
    assert [e[1] for e in events] == ["confirmed", "waitlisted"]
    assert all(e[0].id is not None and e[2] for e in events)


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"status": "cancelled"}, "geannuleerd"),
        ({"starts_at": now() - timedelta(days=2)}, "al begonnen of voorbij"),
        ({"starts_at": now() - timedelta(minutes=30)}, "al begonnen of voorbij"),
        ({"registration_deadline": now() - timedelta(hours=1)}, "afgesloten sinds"),
    ],
    ids=["cancelled", "past", "started", "after-deadline"],
)
def test_closed_sessions_refuse_registration_and_change_nothing(
    app, make_meeting, make_user, overrides, message
):
    meeting = make_meeting(capacity=10, **overrides)
    with recorded(registration_changed) as events, pytest.raises(service.AgendaError) as error:
        service.register(meeting, make_user(), "graag")
    assert message in str(error.value)
    db.session.rollback()
    assert statuses(meeting) == {} and events == []


def test_cancel_without_registration_is_refused(app, make_meeting, make_user):
    with pytest.raises(service.AgendaError, match="niet ingeschreven"):
        service.cancel(make_meeting(), make_user())


def test_promote_waitlist_fills_free_seats_first_come_first_served(app, make_meeting, make_user):
    meeting = make_meeting(capacity=1)
    users = [make_user() for _ in range(4)]
    for user in users:
        service.register(meeting, user)
    meeting.capacity = 3  # e.g. raised by an import
    db.session.commit()
    promoted = service.promote_waitlist(meeting)
    assert [r.user_id for r in promoted] == [users[1].id, users[2].id]
    assert statuses(meeting)[users[3].id] == "waitlisted"


def test_a_newcomer_never_jumps_the_waiting_list(app, make_meeting, make_user):
    meeting = make_meeting(capacity=1)
    holder, waiting, newcomer = make_user(), make_user(), make_user()
    service.register(meeting, holder)
    service.register(meeting, waiting)
    meeting.capacity = 2  # raised without promoting (outside the service)
    db.session.commit()
    result = service.register(meeting, newcomer)
    assert statuses(meeting)[waiting.id] == "confirmed"
    assert result.status == "waitlisted" and result.waitlist_position == 1


# --- the service: coordinators ----------------------------------------------------------


def values_of(meeting: Meeting, **changes) -> service.MeetingValues:
    data = service.form_values(meeting)
    data.pop("slug")
    data["host_id"] = data["host_id"] or None
    data.update(changes)
    return service.MeetingValues(**data)


def test_rescheduling_bumps_sequence_and_tells_listeners(app, make_meeting):
    meeting = make_meeting(location="Gent")
    with recorded(meeting_changed) as events:
        update = service.update_meeting(meeting, values_of(meeting, location="Brussel"))
    assert update.rescheduled and meeting.sequence == 1
    assert [(e[0].id, e[1], e[2]) for e in events] == [(meeting.id, "rescheduled", True)]


def test_changing_the_title_bumps_sequence_and_sends_an_update(app, make_meeting):
    meeting = make_meeting(location="Gent")
    with recorded(meeting_changed) as events:
        update = service.update_meeting(meeting, values_of(meeting, title="Nieuwe titel"))
    assert update.rescheduled and meeting.sequence == 1
    assert [e[1] for e in events] == ["rescheduled"]
    assert meeting.title == "Nieuwe titel"


def test_changing_only_the_description_does_not_bump_sequence(app, make_meeting):
    meeting = make_meeting(location="Gent")
    with recorded(meeting_changed) as events:
        update = service.update_meeting(meeting, values_of(meeting, body="Meer uitleg."))
    assert not update.rescheduled and meeting.sequence == 0 and events == []


def test_raising_capacity_confirms_people_from_the_waiting_list(app, make_meeting, make_user):
    meeting = make_meeting(capacity=1)
    users = [make_user() for _ in range(4)]
    for user in users:
        service.register(meeting, user)
    db.session.commit()
    with recorded(registration_changed) as events:
        update = service.update_meeting(meeting, values_of(meeting, capacity=3))
    db.session.commit()
    assert [r.user_id for r in update.promoted] == [users[1].id, users[2].id]
    assert [e[1] for e in events] == ["promoted", "promoted"]
    assert service.seats(meeting) == service.Seats(capacity=3, confirmed=3, waitlisted=1)


def test_lowering_capacity_signs_nobody_out(app, make_meeting, make_user):
    meeting = make_meeting(capacity=3)
    for _ in range(3):
        service.register(meeting, make_user())
    update = service.update_meeting(meeting, values_of(meeting, capacity=1))
    assert update.over_capacity == 2
    assert service.seats(meeting).confirmed == 3
    assert service.register(meeting, make_user()).status == "waitlisted"


def test_cancelling_a_session_bumps_sequence_keeps_registrations_and_closes_it(
    app, make_meeting, make_user
):
    meeting = make_meeting(capacity=5)
    member = make_user()
    service.register(meeting, member)
    with recorded(meeting_changed) as events:
        service.cancel_meeting(meeting)
    assert meeting.status == "cancelled" and meeting.sequence == 1
    assert [e[1] for e in events] == ["cancelled"]
    assert statuses(meeting) == {member.id: "confirmed"}
    with pytest.raises(service.AgendaError, match="geannuleerd"):
        service.cancel_meeting(meeting)
    with pytest.raises(service.AgendaError, match="geannuleerd"):
        service.register(meeting, make_user())


def test_csv_export_is_excel_friendly_and_formula_safe(
    app, make_meeting, make_user, make_organisation
):
    meeting = make_meeting(capacity=1)
    evil = make_user(name='=HYPERLINK("http://evil")', organisation=make_organisation(title="+Org"))
    other = make_user(name="Ève Dupont")
    service.register(meeting, evil, "@SUM(A1)")
    service.register(meeting, other, "-5 of\nmeer")
    db.session.commit()
    data = service.attendees_csv(meeting).decode("utf-8")
    assert data.startswith("\ufeffNaam;E-mailadres;")
    # Every record ends in CRLF; the only bare LF is inside the quoted remark.
    assert data.endswith("\r\n")
    assert data.replace("of\nmeer", "").count("\n") == data.count("\r\n") == 3
    rows = list(csv.reader(io.StringIO(data.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert rows[0][0] == "Naam"
    first, second = rows[1], rows[2]
    assert first[0] == '\'=HYPERLINK("http://evil")' and first[2] == "'+Org"
    assert first[3] == "Ingeschreven" and first[7] == "'@SUM(A1)"
    assert second[0] == "Ève Dupont" and second[3] == "Wachtlijst" and second[4] == "1"
    assert second[7] == "'-5 of\nmeer"


# --- pages: the agenda ------------------------------------------------------------------


def test_agenda_lists_upcoming_sessions_and_past_ones_on_their_own_tab(client, make_meeting):
    make_meeting(title="Intervisie mentoren", starts_at=now() + timedelta(days=3))
    make_meeting(title="Kick-off 2021", kind="kick-off", starts_at=now() - timedelta(days=300))
    upcoming = page(client, "/sessies")
    assert "Intervisie mentoren" in upcoming and "Kick-off 2021" not in upcoming
    past = page(client, "/sessies?wanneer=voorbij")
    assert "Kick-off 2021" in past and "Intervisie mentoren" not in past


def test_past_sessions_are_paginated(client, make_meeting):
    for day in range(25):
        make_meeting(title=f"Oude sessie {day:02d}", starts_at=now() - timedelta(days=10 + day))
    first = page(client, "/sessies?wanneer=voorbij")
    assert "Oude sessie 00" in first and "Oude sessie 24" not in first
    assert "Pagina 1 van 2" in first
    second = page(client, "/sessies?wanneer=voorbij&page=2")
    assert "Oude sessie 24" in second and "Oude sessie 00" not in second


def test_agenda_filters_by_kind_theme_and_level(client, make_meeting, make_theme, make_proeftuin):
    mentoren = make_theme(title="Mentoren", slug="mentoren")
    cvo = make_proeftuin(level="volwassenenonderwijs")
    ho = make_proeftuin(level="hoger-onderwijs")
    make_meeting(title="Webinar mentoren", kind="webinar", themes=[mentoren])
    make_meeting(title="Netwerkmoment CVO", kind="netwerkmoment", host=cvo)
    make_meeting(title="Netwerkmoment hogeschool", kind="netwerkmoment", host=ho)
    make_meeting(title="Slotsessie voor iedereen", kind="slotsessie")

    by_kind = page(client, "/sessies?soort=netwerkmoment")
    assert "Netwerkmoment CVO" in by_kind and "Netwerkmoment hogeschool" in by_kind
    assert "Webinar mentoren" not in by_kind
    by_theme = page(client, "/sessies?thema=mentoren")
    assert "Webinar mentoren" in by_theme and "Netwerkmoment CVO" not in by_theme
    by_level = page(client, "/sessies?niveau=volwassenenonderwijs")
    assert "Netwerkmoment CVO" in by_level and "Netwerkmoment hogeschool" not in by_level
    # Network-wide sessions (no host) belong to every level.
    assert "Slotsessie voor iedereen" in by_level
    unknown = page(client, "/sessies?soort=bestaat-niet")
    assert "Webinar mentoren" in unknown


def test_agenda_shows_seats_left_volzet_wachtlijst_and_geannuleerd(client, make_meeting, make_user):
    open_meeting = make_meeting(title="Nog plaats", capacity=5)
    full = make_meeting(title="Volle sessie", capacity=1)
    make_meeting(title="Afgelast", status="cancelled")
    service.register(open_meeting, make_user())
    service.register(full, make_user())
    service.register(full, make_user())
    html = page(client, "/sessies")
    assert "Nog 4 plaatsen vrij" in html
    assert "Volzet" in html and "Wachtlijst: 1 wachtend" in html
    assert "Geannuleerd" in html


def test_members_only_sessions_are_hidden_from_visitors(client, make_meeting, make_user):
    make_meeting(title="Interne intervisie", slug="intern", visibility="members")
    assert "Interne intervisie" not in page(client, "/sessies")
    assert client.get("/sessies/intern").status_code == 404
    login(client, make_user())
    assert "Interne intervisie" in page(client, "/sessies")
    assert "Interne intervisie" in page(client, "/sessies/intern")


# --- pages: one session -----------------------------------------------------------------


def test_session_page_shows_flemish_time_place_host_themes_and_markdown(
    client, make_meeting, make_theme, make_proeftuin
):
    host = make_proeftuin(title="Proeftuin Zorg")
    meeting = make_meeting(
        slug="intervisie-zorg",
        starts_at=datetime(2031, 9, 23, 11, 30, tzinfo=UTC),
        ends_at=datetime(2031, 9, 23, 14, 0, tzinfo=UTC),
        location="Campus Schoonmeersen, Gent",
        host=host,
        themes=[make_theme(title="Werkplekleren")],
        body="## Programma\n\n<script>alert(1)</script>**Welkom**",
    )
    html = page(client, f"/sessies/{meeting.slug}")
    assert "dinsdag 23 september 2031, 13:30–16:00" in html
    assert "Campus Schoonmeersen, Gent" in html and "Proeftuin Zorg" in html
    assert "Werkplekleren" in html
    assert "<strong>Welkom</strong>" in html and "<script>alert(1)" not in html


def test_online_link_only_for_registered_members_and_coordinators(client, make_meeting, make_user):
    meeting = make_meeting(slug="webinar", kind="webinar", online_url="https://meet.example/abc")
    link = "https://meet.example/abc"
    assert link not in page(client, "/sessies/webinar")
    member = make_user()
    login(client, member)
    html = page(client, "/sessies/webinar")
    assert link not in html and "zodra je een plaats hebt" in html
    service.register(meeting, member)
    assert link in page(client, "/sessies/webinar")
    service.cancel(meeting, member)
    assert link not in page(client, "/sessies/webinar")
    post_form(client, "/logout")
    login(client, make_user(role="coordinator"))
    assert link in page(client, "/sessies/webinar")


def test_waitlisted_member_sees_position_but_not_the_online_link(client, make_meeting, make_user):
    """One rule everywhere (page, feeds, invites, mails): a waiting-list place is no seat."""
    meeting = make_meeting(slug="vol", capacity=1, online_url="https://meet.example/x")
    service.register(meeting, make_user())
    member = make_user()
    service.register(meeting, make_user())
    service.register(meeting, member)
    login(client, member)
    html = page(client, "/sessies/vol")
    assert "Je staat op de wachtlijst, op plaats 2." in html
    assert "https://meet.example/x" not in html and "zodra je een plaats hebt" in html


# --- pages: registering and cancelling --------------------------------------------------


def test_registering_through_the_page(client, make_meeting, make_user):
    meeting = make_meeting(slug="intervisie", title="Intervisie werkplekken", capacity=1)
    first, second = make_user(), make_user()
    login(client, first)
    response = post_form(client, "/sessies/intervisie/inschrijven", {"remark": "Ik eet geen vlees"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/sessies/intervisie"
    html = page(client, "/sessies/intervisie")
    assert "Je bent ingeschreven voor “Intervisie werkplekken”." in html
    assert "Ik eet geen vlees" in html
    post_form(client, "/logout")

    login(client, second)
    post_form(client, "/sessies/intervisie/inschrijven")
    html = page(client, "/sessies/intervisie")
    assert "is volzet: je staat op de wachtlijst op plaats 1" in html
    assert statuses(meeting) == {first.id: "confirmed", second.id: "waitlisted"}


def test_cancelling_through_the_page_moves_the_waiting_list_up(client, make_meeting, make_user):
    meeting = make_meeting(slug="sessie", capacity=1)
    first, second = make_user(), make_user()
    service.register(meeting, first)
    service.register(meeting, second)
    login(client, first)
    response = post_form(client, "/sessies/sessie/uitschrijven")
    assert response.status_code == 302
    assert "Je bent uitgeschreven" in page(client, "/sessies/sessie")
    assert statuses(meeting) == {first.id: "cancelled", second.id: "confirmed"}


def test_registration_after_the_deadline_gets_a_clear_message(client, make_meeting, make_user):
    meeting = make_meeting(slug="te-laat", registration_deadline=now() - timedelta(days=1))
    login(client, make_user())
    post_form(client, "/sessies/te-laat/inschrijven")
    html = page(client, "/sessies/te-laat")
    assert "De inschrijvingen voor deze sessie zijn afgesloten sinds" in html
    assert statuses(meeting) == {}


def test_registration_needs_csrf_and_login(client, make_meeting, make_user):
    meeting = make_meeting(slug="s")
    response = post_form(client, "/sessies/s/inschrijven")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/sessies/s")
    login(client, make_user())
    assert client.post("/sessies/s/inschrijven").status_code == 400
    assert client.get("/sessies/s/inschrijven").status_code == 405
    assert statuses(meeting) == {}


def test_too_long_remark_is_refused(client, make_meeting, make_user):
    meeting = make_meeting(slug="s")
    login(client, make_user())
    post_form(client, "/sessies/s/inschrijven", {"remark": "x" * 1001})
    assert "onder 1000 tekens" in page(client, "/sessies/s")
    assert statuses(meeting) == {}


def test_account_page_lists_my_sessions_with_status_and_position(client, make_meeting, make_user):
    ok = make_meeting(title="Sessie met plaats", slug="plaats", capacity=5)
    full = make_meeting(title="Volle sessie", slug="vol", capacity=1)
    past = make_meeting(title="Vorig jaar", slug="vorig", starts_at=now() - timedelta(days=365))
    member = make_user()
    service.register(ok, member)
    service.register(full, make_user())
    service.register(full, member)
    db.session.add(Registration(meeting_id=past.id, user_id=member.id, status="confirmed"))
    login(client, member)
    html = page(client, "/account")
    assert "Sessie met plaats" in html and 'href="/sessies/plaats"' in html
    assert "Wachtlijst: plaats 1" in html and 'href="/sessies/vol"' in html
    assert 'href="/sessies/plaats.ics"' in html
    assert "Voorbije sessies" in html and "Vorig jaar" in html


# --- pages: coordinators ----------------------------------------------------------------


def meeting_form(**changes) -> dict:
    data = {
        "title": "Intervisie financiering",
        "slug": "intervisie-financiering",
        "kind": "intervisie",
        "starts_at": "2031-03-18T13:30",
        "ends_at": "2031-03-18T16:00",
        "location": "Brussel",
        "online_url": "",
        "capacity": "12",
        "registration_deadline": "2031-03-11T23:59",
        "host_id": "0",
        "visibility": "public",
        "body": "Over **leervergoedingen**.",
    }
    data.update(changes)
    return data


def test_coordinator_creates_a_session_in_brussels_time(
    client, make_user, make_theme, make_proeftuin
):
    theme_a, theme_b = make_theme(title="Financiering"), make_theme(title="Kader")
    host = make_proeftuin()
    login(client, make_user(role="coordinator"))
    assert client.get("/sessies/nieuw").status_code == 200
    response = post_form(
        client,
        "/sessies/nieuw",
        meeting_form(theme_ids=[str(theme_a.id), str(theme_b.id)], host_id=str(host.id)),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.scalar(select(Meeting).where(Meeting.slug == "intervisie-financiering"))
    # 13:30 in Brussels in March (CET) is 12:30 UTC.
    assert meeting.starts_at == datetime(2031, 3, 18, 12, 30, tzinfo=UTC)
    assert meeting.registration_deadline == datetime(2031, 3, 11, 22, 59, tzinfo=UTC)
    assert meeting.capacity == 12 and meeting.host_id == host.id
    assert {t.title for t in meeting.themes} == {"Financiering", "Kader"}
    assert "dinsdag 18 maart 2031, 13:30–16:00" in page(client, "/sessies/intervisie-financiering")


@pytest.mark.parametrize(
    "changes,error",
    [
        ({"slug": "Met Spaties"}, "kleine letters"),
        ({"slug": "nieuw"}, "al in gebruik"),
        ({"ends_at": "2031-03-18T12:00"}, "na het begin"),
        ({"registration_deadline": "2031-03-19T10:00"}, "ten laatste bij het begin"),
        ({"online_url": "javascript://alert(1)"}, "https://"),
        ({"capacity": "0"}, "Minstens 1 plaats"),
        ({"starts_at": "morgen"}, "Geef een datum en uur"),
    ],
)
def test_session_form_validates_in_dutch(client, make_user, changes, error):
    login(client, make_user(role="coordinator"))
    response = post_form(client, "/sessies/nieuw", meeting_form(**changes))
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_duplicate_slug_is_refused(client, make_user, make_meeting):
    make_meeting(slug="intervisie-financiering")
    login(client, make_user(role="coordinator"))
    response = post_form(client, "/sessies/nieuw", meeting_form())
    assert "al in gebruik" in response.get_data(as_text=True)


def test_coordinator_edits_time_which_bumps_sequence_and_keeps_slug(
    client, make_user, make_meeting
):
    meeting = make_meeting(slug="verplaatst", capacity=1, location="Gent")
    waiting = make_user()
    service.register(meeting, make_user())
    service.register(meeting, waiting)
    login(client, make_user(role="coordinator"))
    form = page(client, "/sessies/verplaatst/bewerken")
    assert 'name="slug"' not in form and 'placeholder="dd/mm/jjjj uu:mm"' in form
    with recorded(meeting_changed) as events:
        response = post_form(
            client,
            "/sessies/verplaatst/bewerken",
            meeting_form(slug="poging-tot-wijzigen", capacity="2", location="Antwerpen"),
        )
    assert response.status_code == 302
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.slug == "verplaatst" and meeting.location == "Antwerpen"
    assert meeting.sequence == 1 and [e[1] for e in events] == ["rescheduled"]
    assert statuses(meeting)[waiting.id] == "confirmed"
    assert "Van de wachtlijst ingeschreven" in page(client, "/sessies/verplaatst")


def test_removing_all_themes_in_the_form_sticks(client, make_user, make_meeting, make_theme):
    meeting = make_meeting(slug="thema", themes=[make_theme()])
    login(client, make_user(role="coordinator"))
    post_form(client, "/sessies/thema/bewerken", meeting_form())
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).themes == []


def test_coordinator_cancels_a_session(client, make_user, make_meeting):
    meeting = make_meeting(slug="afgelast")
    login(client, make_user(role="coordinator"))
    response = post_form(client, "/sessies/afgelast/annuleren")
    assert response.status_code == 302
    html = page(client, "/sessies/afgelast")
    assert "is geannuleerd" in html and "Deze sessie is geannuleerd en gaat niet door." in html
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).sequence == 1


def test_coordinator_reinstates_a_cancelled_session(client, make_user, make_meeting):
    from lerend_netwerk.signals import meeting_changed

    meeting = make_meeting(slug="toch", capacity=2)
    member = make_user()
    service.register(meeting, member)
    db.session.commit()
    login(client, make_user(role="coordinator"))
    post_form(client, "/sessies/toch/annuleren")
    changes = []

    def listen(sender, change):
        changes.append((sender.slug, change))

    with meeting_changed.connected_to(listen):
        response = post_form(client, "/sessies/toch/heropnemen")
    assert response.status_code == 302
    assert "gaat toch door" in page(client, "/sessies/toch")
    db.session.expire_all()
    again = db.session.get(Meeting, meeting.id)
    assert again.status == "scheduled" and again.sequence == 2
    assert changes == [("toch", "reinstated")]
    # The registration survived the cancellation and holds its seat.
    assert [r.status for r in again.registrations] == ["confirmed"]
    # Only a cancelled session can be taken up again.
    response = post_form(client, "/sessies/toch/heropnemen")
    assert "niet geannuleerd" in page(client, response.headers["Location"])


def test_attendee_list_and_check_in_toggle(client, make_user, make_meeting):
    meeting = make_meeting(slug="nu", capacity=1, starts_at=now() + timedelta(hours=1))
    present, waiting = make_user(name="Anna Aanwezig"), make_user(name="Wout Wachtend")
    registration = service.register(meeting, present, "Komt met de trein")
    service.register(meeting, waiting)
    db.session.commit()
    login(client, make_user(role="coordinator"))
    html = page(client, "/sessies/nu/deelnemers")
    assert "Anna Aanwezig" in html and "Komt met de trein" in html and "Wout Wachtend" in html
    url = f"/sessies/nu/deelnemers/{registration.id}/aanwezig"
    response = post_form(client, url, {"aanwezig": "ja"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessies/nu/deelnemers#r{registration.id}")
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).checked_in_at is not None
    post_form(client, url, {"aanwezig": "ja"})  # a second click does not undo it
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).checked_in_at is not None
    post_form(client, url, {"aanwezig": "nee"})
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).checked_in_at is None
    post_form(client, url)  # no value: toggles
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).checked_in_at is not None


def test_check_in_of_a_registration_of_another_session_is_404(client, make_user, make_meeting):
    make_meeting(slug="een")
    other = make_meeting(slug="twee")
    registration = service.register(other, make_user())
    db.session.commit()
    login(client, make_user(role="coordinator"))
    response = post_form(client, f"/sessies/een/deelnemers/{registration.id}/aanwezig")
    assert response.status_code == 404


def test_csv_download_headers(client, make_user, make_meeting):
    meeting = make_meeting(slug="csv")
    service.register(meeting, make_user(name="Jana"))
    login(client, make_user(role="coordinator"))
    response = client.get("/sessies/csv/deelnemers.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="deelnemers-csv.csv"' in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbfNaam;") and b"\r\nJana;" in body


def test_report_is_shared_with_the_members_of_the_network(client, make_user, make_meeting):
    meeting = make_meeting(slug="voorbij", starts_at=now() - timedelta(days=2))
    registered, outsider = make_user(), make_user()
    db.session.add(Registration(meeting_id=meeting.id, user_id=registered.id, status="confirmed"))
    coordinator = make_user(role="coordinator")
    login(client, coordinator)
    response = post_form(
        client,
        "/sessies/voorbij/verslag/bewerken",
        {"report": "## Besluiten\n\nMentoren krijgen **vorming**.<script>x()</script>"},
    )
    assert response.status_code == 302
    html = page(client, "/sessies/voorbij")
    assert "<strong>vorming</strong>" in html and "<script>x()" not in html
    post_form(client, "/logout")

    # Every member reads it, registered or not; a visitor is asked to sign in.
    for member in (registered, outsider):
        login(client, member)
        assert "<strong>vorming</strong>" in page(client, "/sessies/voorbij")
        post_form(client, "/logout")
    html = page(client, "/sessies/voorbij")
    assert "vorming" not in html and "gedeeld met de leden van het netwerk" in html


def test_report_cannot_be_written_before_the_session(client, make_user, make_meeting):
    meeting = make_meeting(slug="later")
    login(client, make_user(role="coordinator"))
    assert "zodra de sessie begonnen is" in page(client, "/sessies/later/verslag/bewerken")
    post_form(client, "/sessies/later/verslag/bewerken", {"report": "te vroeg"})
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).report == ""


def test_agenda_pages_carry_a_csrf_token_for_members_only(client, make_meeting, make_user):
    make_meeting(slug="s")
    # A visitor has no form to send: no token, so no session cookie either.
    for path in ("/sessies", "/sessies/s"):
        response = client.get(path)
        assert 'name="csrf-token"' not in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers
    login(client, make_user())
    assert csrf_token(client, "/sessies") and csrf_token(client, "/sessies/s")
