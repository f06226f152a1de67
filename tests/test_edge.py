"""What every route gets for free: NUL refused, huge numbers bounded, bodies limited."""

from __future__ import annotations

import http.client
import threading

import pytest
from werkzeug.serving import make_server

from conftest import csrf_token, login, post_form
from lerend_netwerk.core.edge import MAX_INT, NUL_MESSAGE, bounded_int

HUGE = "99999999999999999999999"


def _refused_for_nul(response) -> None:
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/sessies/a%00b", "/api/v1/sessions/a%00b", "/a%00"])
def test_nul_in_the_path_is_not_found(client, make_user, make_meeting, url):
    make_meeting(slug="ab")
    login(client, make_user())
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/sessies?thema=%00",
        "/agenda.ics?thema=%00",
        "/api/v1/search?q=%00",
        "/zoeken?q=a%00b",
        "/leden?q=%00",
        "/proeftuinen?jaar=%00",
        "/api/v1/sessions?q=%00",
        "/aanbevelingen?x%00=1",
    ],
)
def test_nul_in_the_query_string_is_refused(client, make_user, make_meeting, url):
    make_meeting(slug="ab")
    login(client, make_user())
    _refused_for_nul(client.get(url))


def test_nul_in_a_form_is_refused_and_nothing_is_stored(
    client, make_user, make_recommendation, make_meeting
):
    from lerend_netwerk.agenda.models import Registration
    from lerend_netwerk.extensions import db
    from lerend_netwerk.recommendations.models import Post

    thread = make_recommendation()
    make_meeting(slug="met-opmerking", capacity=None)
    login(client, make_user())
    reply = {"body": "Eens\x00, zeker.", "stance": "eens"}
    _refused_for_nul(post_form(client, f"/aanbevelingen/{thread.slug}/reacties", reply))
    remark = {"remark": "Ik kom\x00 later."}
    _refused_for_nul(post_form(client, "/sessies/met-opmerking/inschrijven", remark))
    _refused_for_nul(post_form(client, "/account/profiel", {"name": "An\x00 Peeters"}))
    assert db.session.query(Post).count() == 0
    assert db.session.query(Registration).count() == 0


def test_nul_in_a_sign_in_or_json_body_is_refused(client):
    token = csrf_token(client, "/login")
    _refused_for_nul(
        client.post("/login", data={"email": "a\x00@b.be", "password": "x", "csrf_token": token})
    )
    response = client.post("/api/v1/sessions", json={"title": "a\u0000b"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.get_json()["detail"]


def test_bounded_int_takes_what_an_integer_column_holds():
    assert bounded_int("0") == 0
    assert bounded_int(str(MAX_INT)) == MAX_INT
    for bad in [str(MAX_INT + 1), HUGE, "-1", "1e3", "١٢", "", " "]:
        with pytest.raises(ValueError):
            bounded_int(bad)


@pytest.mark.parametrize(
    ("url", "statuses"),
    [
        (f"/sessies?page={HUGE}", {200}),
        (f"/sessies?page={MAX_INT}", {200}),
        (f"/leden?page={HUGE}", {200}),
        (f"/leden/{HUGE}", {404}),
        (f"/leden/{MAX_INT}", {404}),
        (f"/bijdragen/{HUGE}", {404}),
        (f"/beheer/accounts/{HUGE}", {404}),
        (f"/zoeken?q=mentor&page={HUGE}", {200}),
        (f"/aanbevelingen/THREAD?antwoord={HUGE}", {200}),
        (f"/aanbevelingen/THREAD/reacties/{HUGE}/geschiedenis", {404}),
    ],
)
def test_huge_numbers_in_urls_are_not_found_or_ignored(
    client, make_user, make_recommendation, url, statuses
):
    thread = make_recommendation()
    login(client, make_user(role="admin"))
    response = client.get(url.replace("THREAD", thread.slug))
    assert response.status_code in statuses


def test_a_huge_parent_id_on_a_reply_is_a_form_error(client, make_user, make_recommendation):
    from lerend_netwerk.extensions import db
    from lerend_netwerk.recommendations.models import Post

    thread = make_recommendation()
    login(client, make_user())
    for parent in (HUGE, str(MAX_INT + 1)):
        response = post_form(
            client,
            f"/aanbevelingen/{thread.slug}/reacties",
            {"body": "Eens.", "stance": "eens", "parent_id": parent},
        )
        assert response.status_code == 400
        assert "Deze reactie bestaat niet (meer)." in response.get_data(as_text=True)
    assert db.session.query(Post).count() == 0


def test_a_huge_theme_on_a_new_thread_is_a_form_error(client, make_user, make_theme):
    make_theme()
    login(client, make_user(role="coordinator"))
    response = post_form(
        client,
        "/aanbevelingen/nieuw",
        {"title": "Een voorstel", "slug": "een-voorstel", "theme_id": HUGE, "body": "Tekst"},
    )
    assert response.status_code in (200, 400)
    assert "Kies een thema." in response.get_data(as_text=True)


def _post_only_rules(app):
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if methods == {"POST"}:
            yield rule


def test_other_methods_on_post_only_routes_are_405_with_allow(app, client, make_user):
    """The README's choice: 405 Method Not Allowed (with Allow: POST), as HTTP says."""
    login(client, make_user(role="admin"))
    rules = list(_post_only_rules(app))
    assert len(rules) > 20
    for rule in rules:
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<{name}>", "x").replace(f"<int:{name}>", "1")
        url = url.replace("<slug>", "x")
        for method in ("GET", "PUT", "DELETE"):
            response = client.open(url, method=method)
            assert response.status_code == 405, (method, url)
            assert "POST" in response.headers["Allow"]


@pytest.fixture
def served(app):
    """The app behind a real HTTP server (Werkzeug's, which reads chunked bodies)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


def _chunked_post(port: int, path: str, body: bytes) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def chunks():
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    try:
        connection.request(
            "POST",
            path,
            body=chunks(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, response.read().decode()
    except (BrokenPipeError, ConnectionResetError):
        # The server may close the connection before the client is done sending.
        return 413, ""
    finally:
        connection.close()


def test_a_chunked_body_over_the_limit_is_refused_with_413(app, served):
    limit = app.config["MAX_CONTENT_LENGTH"]
    status, page = _chunked_post(served, "/login", b"email=" + b"a" * limit)
    assert status == 413
    assert page == "" or "Te groot" in page


def test_a_chunked_body_under_the_limit_is_read_whole(app, served):
    # No CSRF token: the form is read (400 from the CSRF check), not refused as too large.
    status, page = _chunked_post(served, "/login", b"email=" + b"a" * 100_000)
    assert status == 400
    assert "Je formulier is verlopen of ongeldig" in page
