"""Health check, configuration and error pages."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import PASSWORD, login, post_form
from lerend_netwerk import ConfigurationError, create_app


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"


def test_healthz_reports_503_when_the_database_is_gone(app_config, tmp_path):
    broken = dict(
        app_config, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none"
    )
    app = create_app(broken)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"]["status"] == "error"


def test_missing_secret_key_outside_debug_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    # An instance folder of its own: the checkout's may hold the demo's instance/config.py.
    with pytest.raises(ConfigurationError, match="FLASK_SECRET_KEY"):
        create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"},
            instance_path=str(tmp_path / "instance"),
        )


def test_environment_overrides_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-env")
    monkeypatch.setenv("FLASK_SEARCH_INDEX_DIR", str(tmp_path / "idx"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "idx")


def test_unknown_page_gets_dutch_404(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_pages_are_dutch(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nl-BE">' in page


def test_json_logs_carry_the_request(make_app, capsys):
    import json

    app = make_app(LOG_FORMAT="json")

    @app.get("/log-something")
    def log_something():
        app.logger.warning("iets om te melden")
        return "ok"

    app.test_client().get("/log-something")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    entry = next(line for line in lines if line["message"] == "iets om te melden")
    assert entry["level"] == "warning" and entry["path"] == "/log-something"


def test_proxy_fix_trusts_configured_hops(make_app):
    app = make_app(PROXY_HOPS=1)

    @app.get("/whoami")
    def whoami():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    response = app.test_client().get(
        "/whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert response.get_data(as_text=True) == "203.0.113.9 https"


def test_members_only_link_is_404_with_a_sign_in_that_comes_back(client, make_user, make_meeting):
    meeting = make_meeting(visibility="members", title="Intervisie enkel voor leden")
    path = f"/sessies/{meeting.slug}"
    response = client.get(path)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Intervisie enkel voor leden" not in page
    sign_in = re.search(r'<a href="(/login\?next=[^"]+)">Meld je aan</a>', page)
    assert sign_in, page
    login_url = html.unescape(sign_in.group(1))
    assert parse_qs(urlsplit(login_url).query)["next"] == [path]

    member = make_user()
    response = post_form(
        client, login_url, {"email": member.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 302
    assert response.headers["Location"] == path
    assert "Intervisie enkel voor leden" in client.get(path).get_data(as_text=True)


def test_the_sign_in_link_keeps_the_query_string(client):
    page = client.get("/bestaat-niet?tab=verslag").get_data(as_text=True)
    assert 'href="/login?next=/bestaat-niet?tab%3Dverslag"' in page


def test_a_signed_in_404_offers_no_sign_in(client, make_user):
    login(client, make_user())
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Meld je aan</a> en je komt terug" not in response.get_data(as_text=True)


def test_favicon_ico_answers_with_an_icon(client):
    with client.get("/favicon.ico") as response:
        response.direct_passthrough = False
        data = response.data
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    # ICONDIR: reserved 0, type 1 (icon), at least one image.
    assert data[:4] == b"\x00\x00\x01\x00"
    assert int.from_bytes(data[4:6], "little") >= 1
    assert response.cache_control.max_age == 604800


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_healthz_shows_no_paths_to_visitors_and_members(client, app, make_user):
    index_dir = app.config["SEARCH_INDEX_DIR"]
    anonymous = client.get("/healthz").get_json()
    assert anonymous["status"] == "ok"
    assert anonymous["database"]["status"] == "ok"
    assert anonymous["search"]["status"] == "ok"
    assert not [text for text in _strings(anonymous) if "/" in text or index_dir in text]
    login(client, make_user())
    assert "directory" not in client.get("/healthz").get_json()["search"]


def test_healthz_shows_details_to_coordinators(client, app, make_user):
    login(client, make_user(role="coordinator"))
    report = client.get("/healthz").get_json()
    assert report["search"]["directory"] == app.config["SEARCH_INDEX_DIR"]


def test_an_unusable_index_is_503_without_its_path_for_visitors(app_config, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    broken = create_app(dict(app_config, SEARCH_INDEX_DIR=str(blocker / "index")))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    report = response.get_json()
    assert report["status"] == "error"
    assert report["search"] == {"status": "error"}
    assert str(tmp_path) not in response.get_data(as_text=True)
    from lerend_netwerk.extensions import db

    with broken.app_context():
        db.engine.dispose()


def test_downloads_are_named_safely_and_kept_by_nobody(app):
    from lerend_netwerk.core.downloads import attachment, content_disposition

    assert content_disposition("deelnemers-intervisie.csv") == (
        'attachment; filename="deelnemers-intervisie.csv"'
    )
    # Quotes, backslashes and line breaks cannot break out of the header.
    header = content_disposition('verslag "x"\\\r\nX-Evil: 1.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="verslag xX-Evil: 1.pdf"; filename*=')
    assert content_disposition("evaluatie-café.csv").endswith(
        "filename*=UTF-8''evaluatie-caf%C3%A9.csv"
    )
    response = attachment(b"a;b\r\n", "text/csv", "x.csv")
    assert "no-store" in response.headers["Cache-Control"]
    assert "no-store" not in attachment(b"", "text/csv", "x.csv", private=False).headers.get(
        "Cache-Control", ""
    )
