"""Guests without an account: request, confirm, hold, waiting list, cancel, erase, merge.

Through HTTP where a visitor acts (the guest form, the link from the mail), through the
services where time or the scheduled job matter. Mails are read back from the outbox.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from conftest import csrf_token, login, post_form
from lerend_netwerk.agenda import guests, registrations, service
from lerend_netwerk.agenda.models import Registration
from lerend_netwerk.auth.models import ThrottleEvent
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail
from tests.mailbox import rendered

LINK_RE = re.compile(r"http://localhost(/inschrijving/[0-9]+\.[A-Za-z0-9_-]+)")
SAME_ANSWER = "Controleer je mailbox"


def guest_form(email: str, name: str = "Gast Een", **extra) -> dict:
    return {
        "name": name,
        "email": email,
        "organisation": extra.pop("organisation", "Bedrijf NV"),
        "function": extra.pop("function", "Opleidingsverantwoordelijke"),
        "remark": extra.pop("remark", ""),
        **extra,
    }


def request_as_guest(client, meeting, email: str, **extra):
    # A session closed to guests shows visitors no form: take a token from the login page.
    page = f"/sessies/{meeting.slug}" if meeting.open_to_guests else "/login"
    token = csrf_token(client, page)
    data = guest_form(email, **extra)
    data["csrf_token"] = token
    return client.post(f"/sessies/{meeting.slug}/inschrijven", data=data)


def mails_to(address: str) -> list[OutgoingMail]:
    db.session.expire_all()
    return rendered(
        db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.recipient == address).order_by(OutgoingMail.id)
        )
    )


def link_in(mail: OutgoingMail) -> str:
    match = LINK_RE.search(mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def row(email: str) -> Registration:
    db.session.expire_all()
    return db.session.scalars(select(Registration).where(Registration.email_key == email)).one()


def confirm_link(client, path: str):
    page = client.get(path)
    assert page.status_code == 200
    assert "Inschrijving bevestigen" in page.get_data(as_text=True)
    return post_form(client, path, {}, follow_redirects=True)


@pytest.fixture
def open_meeting(make_meeting):
    return make_meeting(slug="inspiratie-event", kind="inspiratie", capacity=2, open_to_guests=True)


def test_the_guest_form_shows_only_for_a_session_open_to_guests(client, make_meeting):
    closed = make_meeting(slug="enkel-leden")
    opened = make_meeting(slug="open-event", open_to_guests=True)
    assert 'name="email"' not in client.get(f"/sessies/{closed.slug}").get_data(as_text=True)
    page = client.get(f"/sessies/{opened.slug}").get_data(as_text=True)
    assert 'name="email"' in page and 'name="website"' in page
    # What is stored and why, before submitting.
    assert "Wat we bewaren en waarom" in page and "12 maanden na de sessie" in page
    assert "Open voor externen" in client.get("/sessies").get_data(as_text=True)
    # A visitor posting to a members-only session is sent to the login page.
    response = request_as_guest(client, closed, "iemand@bedrijf.be")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_request_confirm_and_the_confirmed_mail_with_the_invitation(client, open_meeting):
    response = request_as_guest(client, open_meeting, "An.Peeters@Bedrijf.be")
    assert response.status_code == 200
    assert SAME_ANSWER in response.get_data(as_text=True)
    registration = row("an.peeters@bedrijf.be")
    assert registration.status == "pending" and registration.user_id is None
    assert registration.person_name == "Gast Een"
    assert registration.person_organisation == "Bedrijf NV"
    assert registration.hold_expires_at is not None
    # The hold counts as a taken seat for everybody, the API too.
    assert service.seats(open_meeting).left == 1
    api = client.get(f"/api/v1/sessions/{open_meeting.slug}").get_json()
    assert (api["confirmed"], api["seats_left"]) == (0, 1)

    [confirmation] = mails_to("an.peeters@bedrijf.be")
    assert confirmation.kind == "guest-confirm"
    path = link_in(confirmation)
    # Following the link alone confirms nothing (mail scanners follow links too).
    assert row("an.peeters@bedrijf.be").status == "pending"
    page = confirm_link(client, path).get_data(as_text=True)
    assert "Je bent ingeschreven" in page
    registration = row("an.peeters@bedrijf.be")
    assert registration.status == "confirmed" and registration.guest_confirmed_at
    confirmed = mails_to("an.peeters@bedrijf.be")[-1]
    assert confirmed.kind == "registration-confirmed"
    assert path in confirmed.body_text  # the personal link comes along
    [invite] = [a for a in confirmed.attachments if a["content_type"] == "text/calendar"]
    assert invite["params"]["method"] == "REQUEST"

    api = client.get(f"/api/v1/sessions/{open_meeting.slug}").get_json()
    assert (api["confirmed"], api["waitlisted"], api["seats_left"]) == (1, 0, 1)
    ics = client.get(f"{path}.ics")
    assert ics.status_code == 200 and b"BEGIN:VEVENT" in ics.data
    assert open_meeting.uid.encode() in ics.data


def test_a_full_session_puts_the_confirmed_guest_on_the_waiting_list_and_moves_up(
    client, open_meeting, make_user
):
    first, second = make_user(), make_user()
    registrations.register(open_meeting, first)
    registrations.register(open_meeting, second)
    db.session.commit()
    request_as_guest(client, open_meeting, "wachter@bedrijf.be")
    assert row("wachter@bedrijf.be").hold_expires_at is None  # no seat to hold
    path = link_in(mails_to("wachter@bedrijf.be")[0])
    page = confirm_link(client, path).get_data(as_text=True)
    assert "wachtlijst" in page
    assert row("wachter@bedrijf.be").status == "waitlisted"
    assert mails_to("wachter@bedrijf.be")[-1].kind == "registration-waitlisted"
    api = client.get(f"/api/v1/sessions/{open_meeting.slug}").get_json()
    assert (api["confirmed"], api["waitlisted"]) == (2, 1)

    # A member cancels: the guest moves up and is mailed like a member.
    login(client, first)
    post_form(client, f"/sessies/{open_meeting.slug}/uitschrijven")
    assert row("wachter@bedrijf.be").status == "confirmed"
    promoted = mails_to("wachter@bedrijf.be")[-1]
    assert promoted.kind == "registration-promoted" and path in promoted.body_text


def test_an_expired_hold_stops_counting_without_any_job_and_the_job_moves_the_line_up(
    app, client, open_meeting, make_user
):
    request_as_guest(client, open_meeting, "traag@bedrijf.be")
    request_as_guest(client, open_meeting, "snel@bedrijf.be")  # the share (1 of 2) is spent
    assert row("traag@bedrijf.be").hold_expires_at is not None
    assert row("snel@bedrijf.be").hold_expires_at is None
    member, waiting = make_user(), make_user()
    registrations.register(open_meeting, member)
    assert registrations.register(open_meeting, waiting).status == "waitlisted"
    db.session.commit()

    # Thirty minutes later the hold has lapsed: it no longer counts, no cron needed.
    traag = row("traag@bedrijf.be")
    traag.hold_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert service.seats(open_meeting).left == 1
    # The scheduled job lets it go and the waiting list moves up.
    assert guests.release_expired_holds() == 1
    db.session.commit()
    waiting_row = db.session.scalars(
        select(Registration).where(Registration.user_id == waiting.id)
    ).one()
    assert waiting_row.status == "confirmed"
    # Confirming late: no seat left, so the waiting list.
    confirm_link(client, link_in(mails_to("traag@bedrijf.be")[0]))
    assert row("traag@bedrijf.be").status == "waitlisted"


def test_unconfirmed_requests_cannot_fill_the_session(client, make_meeting):
    meeting = make_meeting(slug="groot-event", capacity=8, open_to_guests=True)
    for n in range(6):
        request_as_guest(client, meeting, f"aanvraag{n}@bedrijf.be")
    held = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.hold_expires_at.is_not(None))
    )
    assert held == 2  # GUEST_HOLD_SHARE 0.25 of 8
    assert service.seats(meeting).left == 6


def test_unconfirmed_requests_are_deleted_when_their_link_expired(client, open_meeting):
    request_as_guest(client, open_meeting, "vergeten@bedrijf.be")
    path = link_in(mails_to("vergeten@bedrijf.be")[0])
    stale = row("vergeten@bedrijf.be")
    stale.registered_at = datetime.now(UTC) - timedelta(hours=49)
    stale.hold_expires_at = datetime.now(UTC) - timedelta(hours=48)
    db.session.commit()
    response = post_form(client, path, {}, follow_redirects=True)
    assert "verlopen" in response.get_data(as_text=True)
    guests.release_expired_holds()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert client.get(path).status_code == 404


def test_cancel_by_link_frees_the_seat_for_the_waiting_list(client, open_meeting, make_user):
    request_as_guest(client, open_meeting, "gast@bedrijf.be")
    path = link_in(mails_to("gast@bedrijf.be")[0])
    confirm_link(client, path)
    member, waiting = make_user(), make_user()
    registrations.register(open_meeting, member)
    assert registrations.register(open_meeting, waiting).status == "waitlisted"
    db.session.commit()
    post_form(client, f"{path}/uitschrijven", {})
    assert row("gast@bedrijf.be").status == "cancelled"
    assert mails_to("gast@bedrijf.be")[-1].kind == "registration-cancelled"
    waiting_row = db.session.scalars(
        select(Registration).where(Registration.user_id == waiting.id)
    ).one()
    assert waiting_row.status == "confirmed"
    # The cancelled guest may ask again and goes to the back of the line.
    request_as_guest(client, open_meeting, "gast@bedrijf.be")
    assert row("gast@bedrijf.be").status == "pending"


def test_erase_by_link_wipes_the_personal_data(client, open_meeting):
    request_as_guest(client, open_meeting, "wis@bedrijf.be", remark="Vegetarisch")
    path = link_in(mails_to("wis@bedrijf.be")[0])
    confirm_link(client, path)
    registration_id = row("wis@bedrijf.be").id
    page = post_form(client, f"{path}/wissen", {})
    assert "Je gegevens zijn gewist" in page.get_data(as_text=True)
    db.session.expire_all()
    erased = db.session.get(Registration, registration_id)
    assert erased.status == "cancelled" and erased.erased_at is not None
    assert (erased.guest_name, erased.guest_email, erased.email_key) == (None, None, None)
    assert (erased.guest_organisation, erased.guest_token_hash, erased.remark) == (None, None, "")
    assert client.get(path).status_code == 404


def test_guest_data_is_erased_after_the_retention_period_keeping_counts(app, runner, make_meeting):
    long_ago = datetime.now(UTC) - timedelta(days=400)
    recent = datetime.now(UTC) - timedelta(days=30)
    old = make_meeting(slug="oud-event", starts_at=long_ago, open_to_guests=True)
    new = make_meeting(slug="recent-event", starts_at=recent, open_to_guests=True)
    for meeting in (old, new):
        db.session.add(
            Registration(
                meeting_id=meeting.id,
                status="confirmed",
                guest_name="Gast",
                guest_email=f"gast@{meeting.slug}.be",
                email_key=f"gast@{meeting.slug}.be",
                guest_organisation="Bedrijf",
                checked_in_at=meeting.starts_at,
            )
        )
    db.session.commit()
    result = runner.invoke(args=["guests", "cleanup"])
    assert result.exit_code == 0, result.output
    assert "erased the data of 1 guest" in result.output
    db.session.expire_all()
    kept = {r.meeting_id: r for r in db.session.scalars(select(Registration))}
    assert kept[old.id].guest_email is None and kept[old.id].erased_at is not None
    assert kept[old.id].status == "confirmed" and kept[old.id].checked_in_at is not None
    assert kept[new.id].guest_email == "gast@recent-event.be"


def test_no_enumeration_one_answer_for_new_known_and_registered_addresses(
    client, open_meeting, make_user
):
    member = make_user(email="lid@school.be")
    answers = []
    for email in ("nieuw@bedrijf.be", "lid@school.be", "nieuw@bedrijf.be"):
        response = request_as_guest(client, open_meeting, email)
        body = response.get_data(as_text=True)
        # The CSRF token carries a timestamp: it differs between any two pages.
        body = re.sub(r"<[^>]*csrf[^>]*>", "", body)
        answers.append((response.status_code, body.replace(email, "ADRES")))
    assert answers[0] == answers[1] == answers[2]
    # The member's address gets a mail that says to sign in; no guest place is made.
    assert [m.kind for m in mails_to(member.email)] == ["guest-member"]
    assert (
        db.session.scalar(
            select(func.count()).select_from(Registration).where(Registration.user_id.is_(None))
        )
        == 1
    )
    # Asking again while pending resends the same link: one row, one place.
    first, second = mails_to("nieuw@bedrijf.be")
    assert link_in(first) == link_in(second)


def test_one_address_one_place_member_and_guest_are_one_person(client, open_meeting, make_user):
    request_as_guest(client, open_meeting, "later.lid@bedrijf.be")
    confirm_link(client, link_in(mails_to("later.lid@bedrijf.be")[0]))
    # The same address again as a guest: its link again, no second place.
    request_as_guest(client, open_meeting, "Later.Lid@bedrijf.be")
    assert mails_to("later.lid@bedrijf.be")[-1].kind == "guest-link"
    # A member with that address (created directly) cannot take a second place either.
    member = make_user(email="later.lid@bedrijf.be")
    with pytest.raises(service.AgendaError):
        registrations.register(open_meeting, member)
    db.session.rollback()
    # The database refuses it too.
    db.session.add(Registration(meeting_id=open_meeting.id, user_id=member.id, status="confirmed"))
    with pytest.raises(Exception, match=r"(?i)unique"):
        db.session.flush()
    db.session.rollback()


def test_accepting_an_invitation_makes_the_guest_places_the_members(
    app, client, open_meeting, make_user
):
    from lerend_netwerk.auth.service import invite

    request_as_guest(client, open_meeting, "wordt.lid@bedrijf.be")
    path = link_in(mails_to("wordt.lid@bedrijf.be")[0])
    confirm_link(client, path)
    coordinator = make_user("coordinator")
    with app.test_request_context():
        invite(inviter=coordinator, email="wordt.lid@bedrijf.be", name="Wordt Lid")
        db.session.commit()
    mail = mails_to("wordt.lid@bedrijf.be")[-1]
    invitation = re.search(r"http://localhost(/uitnodiging/\S+)", mail.body_text).group(1)
    response = post_form(
        client,
        invitation,
        {
            "name": "Wordt Lid",
            "password": "een-lang-wachtwoord-42",
            "confirm": "een-lang-wachtwoord-42",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    registration = row("wordt.lid@bedrijf.be")
    assert registration.user is not None and registration.user.email == "wordt.lid@bedrijf.be"
    assert registration.status == "confirmed" and registration.guest_email is None
    assert client.get(path).status_code == 404  # the guest link is retired
    assert "Je bent ingeschreven" in client.get(f"/sessies/{open_meeting.slug}").get_data(
        as_text=True
    )


def test_the_honeypot_gets_the_same_answer_and_nothing_happens(client, open_meeting):
    response = request_as_guest(client, open_meeting, "bot@spam.example", website="http://x")
    assert response.status_code == 200 and SAME_ANSWER in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert mails_to("bot@spam.example") == []


def test_requests_are_limited_per_typed_address_and_per_client_address(app, client, open_meeting):
    app.config["GUEST_REQUESTS_PER_EMAIL"] = "3 per hour"
    app.config["GUEST_REQUESTS_PER_ADDRESS"] = "5 per hour"
    statuses = [request_as_guest(client, open_meeting, "veel@bedrijf.be").status_code]
    statuses += [request_as_guest(client, open_meeting, "Veel@bedrijf.be").status_code]
    statuses += [request_as_guest(client, open_meeting, "veel@bedrijf.be").status_code]
    refused = request_as_guest(client, open_meeting, "veel@bedrijf.be")
    assert statuses == [200, 200, 200] and refused.status_code == 429
    assert "te vaak" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    assert len(mails_to("veel@bedrijf.be")) == 3
    # Other addresses from the same network: the per-address budget (5) counts them all.
    codes = [
        request_as_guest(client, open_meeting, f"ander{n}@bedrijf.be").status_code for n in range(3)
    ]
    assert codes == [200, 200, 429]
    assert db.session.scalar(select(func.count()).select_from(ThrottleEvent)) >= 5


def test_default_limits_let_a_room_of_guests_behind_one_network_register(client, make_meeting):
    meeting = make_meeting(slug="slotsessie", capacity=80, open_to_guests=True)
    codes = {
        request_as_guest(client, meeting, f"deelnemer{n}@school.be").status_code for n in range(60)
    }
    assert codes == {200}


def test_the_token_has_256_bits_is_stored_hashed_and_compared_in_constant_time(
    client, open_meeting, monkeypatch
):
    request_as_guest(client, open_meeting, "token@bedrijf.be")
    path = link_in(mails_to("token@bedrijf.be")[0])
    token = path.rsplit("/", 1)[1]
    row_id, secret = token.split(".")
    assert len(secret) >= 43  # base64 of 32 bytes: 256 bits (>= 128 required)
    registration = row("token@bedrijf.be")
    assert secret not in (registration.guest_token_hash or "")
    assert registration.guest_token_hash and len(registration.guest_token_hash) == 64
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(guests.hmac, "compare_digest", spy)
    assert guests.find_by_token(token).id == registration.id
    assert guests.find_by_token(f"{row_id}.{secret[:-1]}x") is None
    assert guests.find_by_token(f"999999.{secret}") is None
    assert len(calls) == 3  # every lookup, found or not, goes through compare_digest
    assert client.get(f"/inschrijving/{row_id}.{secret[:-1]}x").status_code == 404


def test_walk_ins_are_added_at_the_door_and_shown_as_guests(client, make_meeting, make_user):
    coordinator = make_user("coordinator")
    member = make_user(email="lid@school.be")
    meeting = make_meeting(
        slug="vandaag", starts_at=datetime.now(UTC) - timedelta(minutes=10), capacity=50
    )
    db.session.add(Registration(meeting_id=meeting.id, user_id=member.id, status="confirmed"))
    db.session.commit()
    login(client, coordinator)
    page = client.get(f"/sessies/{meeting.slug}/deelnemers").get_data(as_text=True)
    assert "Iemand ter plaatse toevoegen" in page
    response = post_form(
        client,
        f"/sessies/{meeting.slug}/deelnemers/ter-plaatse",
        {"name": "Walter Binnen", "organisation": "Bouwbedrijf", "email": ""},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Walter Binnen is toegevoegd en aanwezig." in page
    assert "Ter plaatse" in page
    walk_in = db.session.scalars(select(Registration).where(Registration.walk_in)).one()
    assert walk_in.status == "confirmed" and walk_in.checked_in_at is not None
    # An address that already has a place is the same person: no second row.
    response = post_form(
        client,
        f"/sessies/{meeting.slug}/deelnemers/ter-plaatse",
        {"name": "Lid", "organisation": "", "email": "LID@school.be"},
        follow_redirects=True,
    )
    assert "heeft al een plaats" in response.get_data(as_text=True)
    csv = client.get(f"/sessies/{meeting.slug}/deelnemers.csv").data.decode("utf-8-sig")
    assert "Walter Binnen;;Bouwbedrijf;Ingeschreven" in csv and "Ter plaatse" in csv
    assert service.attendance_count(meeting) is None  # not ended yet
    # Members may not add walk-ins.
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, member)
    response = post_form(client, f"/sessies/{meeting.slug}/deelnemers/ter-plaatse", {"name": "X"})
    assert response.status_code == 403


def test_the_session_form_opens_a_session_to_guests(client, make_meeting, make_user):
    coordinator = make_user("coordinator")
    meeting = make_meeting(slug="wordt-open")
    login(client, coordinator)
    page = client.get(f"/sessies/{meeting.slug}/bewerken").get_data(as_text=True)
    assert "Open voor externen" in page
    from lerend_netwerk.agenda.meetings import form_values

    data = {k: v for k, v in form_values(meeting).items() if v is not None}
    data["starts_at"] = data["starts_at"].strftime("%Y-%m-%dT%H:%M")
    data["ends_at"] = data["ends_at"].strftime("%Y-%m-%dT%H:%M")
    data.pop("theme_ids")
    data["open_to_guests"] = "y"
    response = post_form(client, f"/sessies/{meeting.slug}/bewerken", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).open_to_guests is True


def test_guests_and_walk_ins_count_in_the_indicators(
    app, make_meeting, make_user, make_organisation
):
    from lerend_netwerk.indicators.periods import custom
    from lerend_netwerk.indicators.service import build_report

    organisation = make_organisation(title="Hogeschool Noord")
    member = make_user(email="lid@noord.be", organisation=organisation)
    coordinator = make_user("coordinator")
    held = datetime.now(UTC) - timedelta(days=3)
    first = make_meeting(slug="event-een", starts_at=held)
    second = make_meeting(slug="event-twee", starts_at=held + timedelta(hours=4))
    rows = [
        # The member, and a guest with the member's address in another session: one person.
        Registration(
            meeting_id=first.id, user_id=member.id, status="confirmed", checked_in_at=held
        ),
        Registration(
            meeting_id=second.id,
            status="confirmed",
            guest_name="Lid Als Gast",
            guest_email="lid@noord.be",
            email_key="lid@noord.be",
            guest_organisation="hogeschool noord",
            checked_in_at=held,
        ),
        # A guest from a company, in both sessions: one person, one organisation.
        *(
            Registration(
                meeting_id=meeting.id,
                status="confirmed",
                guest_name="Bea Bedrijf",
                guest_email="bea@bedrijf.be",
                email_key="bea@bedrijf.be",
                guest_organisation="Bedrijf NV",
            )
            for meeting in (first, second)
        ),
        # A walk-in without address, by name and organisation; twice the same person.
        *(
            Registration(
                meeting_id=meeting.id,
                status="confirmed",
                walk_in=True,
                guest_name="Walter Binnen",
                guest_organisation="Bouw BV",
                checked_in_at=held,
            )
            for meeting in (first, second)
        ),
        # An unconfirmed request does not count.
        Registration(
            meeting_id=first.id,
            status="pending",
            guest_name="Nooit Bevestigd",
            guest_email="nooit@x.be",
            email_key="nooit@x.be",
        ),
    ]
    db.session.add_all(rows)
    db.session.commit()
    today = datetime.now(UTC).date()
    period = custom(today - timedelta(days=30), today + timedelta(days=1))
    report = build_report(period, None, coordinator)
    figures = report.figures
    assert figures.registrations_confirmed == 6
    assert figures.checked_in == 4
    assert figures.unique_participants == 3
    assert figures.unique_organisations == 3


def test_content_round_trip_keeps_guests(app, runner, tmp_path, make_meeting):
    make_meeting(slug="open-sessie", open_to_guests=True)
    make_meeting(slug="gesloten-sessie")
    out = tmp_path / "export"
    assert runner.invoke(args=["content", "export", str(out)]).exit_code == 0
    assert "guests: true" in (out / "sessions" / "open-sessie.md").read_text()
    assert "guests:" not in (out / "sessions" / "gesloten-sessie.md").read_text()
    text = (out / "sessions" / "gesloten-sessie.md").read_text()
    (out / "sessions" / "gesloten-sessie.md").write_text(
        text.replace("---\n", "---\nguests: true\n", 1)
    )
    result = runner.invoke(args=["content", "import", str(out)])
    assert result.exit_code == 0, result.output
    from lerend_netwerk.agenda.models import Meeting

    db.session.expire_all()
    flags = {m.slug: m.open_to_guests for m in db.session.scalars(select(Meeting))}
    assert flags == {"open-sessie": True, "gesloten-sessie": True}


def test_a_changed_or_cancelled_session_mails_guests_like_members(client, open_meeting):
    from lerend_netwerk.agenda import meetings

    request_as_guest(client, open_meeting, "volgt@bedrijf.be")
    path = link_in(mails_to("volgt@bedrijf.be")[0])
    confirm_link(client, path)
    values = meetings.MeetingValues(
        **{k: v for k, v in meetings.form_values(open_meeting).items() if k != "slug"}
    )
    values.location = "Een andere zaal"
    assert meetings.update_meeting(open_meeting, values).rescheduled
    db.session.commit()
    changed = mails_to("volgt@bedrijf.be")[-1]
    assert changed.kind == "meeting-rescheduled" and "Een andere zaal" in changed.body_text
    assert path in changed.body_text
    meetings.cancel_meeting(open_meeting)
    db.session.commit()
    cancelled = mails_to("volgt@bedrijf.be")[-1]
    assert cancelled.kind == "meeting-cancelled" and path in cancelled.body_text
    [invite] = [a for a in cancelled.attachments if a["content_type"] == "text/calendar"]
    assert invite["params"]["method"] == "CANCEL"


def test_an_invalid_guest_form_is_shown_again_with_its_errors(client, open_meeting):
    response = request_as_guest(client, open_meeting, "geen-adres", name="")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Vul je naam in." in page and "geen geldig e-mailadres" in page
    assert 'value="geen-adres"' in page
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_every_mail_round_runs_the_guests_job(client, open_meeting, make_user):
    from lerend_netwerk.mail.commands import queue_scheduled_mail

    request_as_guest(client, open_meeting, "ronde@bedrijf.be")
    member, waiting = make_user(), make_user()
    registrations.register(open_meeting, member)
    assert registrations.register(open_meeting, waiting).status == "waitlisted"
    held = row("ronde@bedrijf.be")
    held.hold_expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    queue_scheduled_mail()
    db.session.expire_all()
    assert row("ronde@bedrijf.be").hold_expires_at is None
    promoted = db.session.scalars(
        select(Registration).where(Registration.user_id == waiting.id)
    ).one()
    assert promoted.status == "confirmed"


def test_the_page_with_the_guest_form_is_never_a_shared_cached_page(app, open_meeting):
    first, second = app.test_client(), app.test_client()
    first.get("/login")  # a visitor whose session already holds a CSRF secret
    for client in (first, second, first):
        response = client.get(f"/sessies/{open_meeting.slug}")
        assert response.headers.get("X-Page-Cache") is None
        assert "no-store" in response.headers["Cache-Control"]
    # Each visitor's own token works.
    for n, client in enumerate((first, second)):
        assert request_as_guest(client, open_meeting, f"cache{n}@bedrijf.be").status_code == 200
