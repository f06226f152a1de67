"""`lerend-netwerk demo`: the address it serves is the SITE_URL, and its mail is delivered."""

from __future__ import annotations

import threading
import time

import pytest

from lerend_netwerk import create_app
from lerend_netwerk.demo import deliver_mail_until, demo_site_url, mail_destination
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.outbox import queue_mail


@pytest.mark.parametrize(
    "host,port,url",
    [
        ("127.0.0.1", 5000, "http://127.0.0.1:5000"),
        ("127.0.0.1", 8080, "http://127.0.0.1:8080"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080"),
        ("localhost", 5001, "http://localhost:5001"),
        ("::", 8080, "http://[::1]:8080"),
        ("::1", 8080, "http://[::1]:8080"),
        ("192.168.1.20", 80, "http://192.168.1.20:80"),
    ],
)
def test_the_site_url_is_what_the_demo_serves(host, port, url):
    assert demo_site_url(host, port) == url


@pytest.mark.slow
def test_demo_on_another_port_links_to_that_port(tmp_path):
    """Feeds and calendar links of `demo --port 8080` point at 8080, not at 5000."""
    app = create_app(
        {
            "SECRET_KEY": "demo-test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite'}",
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        },
        instance_path=str(tmp_path / "instance"),
    )
    result = app.test_cli_runner().invoke(args=["demo", "--port", "8080", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "lid@lerend-netwerk.example" in result.output
    assert app.config["SITE_URL"] == "http://127.0.0.1:8080"
    feed = app.test_client().get("/agenda.ics").get_data(as_text=True)
    assert "http://127.0.0.1:8080/sessies/" in feed
    assert ":5000" not in feed
    with app.app_context():
        db.engine.dispose()


def test_the_demo_delivers_queued_mail_to_the_instance_folder(
    app, make_user, tmp_path, monkeypatch
):
    app.config["MAIL_SERVER"] = None
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    assert str(tmp_path / "mail") in mail_destination(app)
    queue_mail(make_user(email="demo@example.be"), "Welkom", "Hallo", kind="test")
    db.session.commit()
    stop = threading.Event()
    worker = threading.Thread(target=deliver_mail_until, args=(app, stop, 0.1))
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while not list((tmp_path / "mail").glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    [path] = (tmp_path / "mail").glob("*.eml")
    assert b"Subject: Welkom" in path.read_bytes()


def test_mail_destination_names_the_smtp_server(app):
    app.config["MAIL_SERVER"] = "smtp.example"
    app.config["MAIL_PORT"] = 587
    assert mail_destination(app) == "sent through smtp.example:587"
