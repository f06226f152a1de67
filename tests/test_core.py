"""Health check, configuration and error pages."""

from __future__ import annotations

import pytest

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
    with pytest.raises(ConfigurationError, match="FLASK_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})


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


def test_json_logs_carry_the_request(app_config, capsys):
    import json

    app = create_app(dict(app_config, LOG_FORMAT="json"))

    @app.get("/log-something")
    def log_something():
        app.logger.warning("iets om te melden")
        return "ok"

    app.test_client().get("/log-something")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]
    entry = next(line for line in lines if line["message"] == "iets om te melden")
    assert entry["level"] == "warning" and entry["path"] == "/log-something"


def test_proxy_fix_trusts_configured_hops(app_config):
    app = create_app(dict(app_config, PROXY_HOPS=1))

    @app.get("/whoami")
    def whoami():
        from flask import request

        return f"{request.remote_addr} {request.scheme}"

    response = app.test_client().get(
        "/whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert response.get_data(as_text=True) == "203.0.113.9 https"
