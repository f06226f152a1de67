"""The embedded demo: content from content/ and its demo accounts."""

from __future__ import annotations

import logging
import secrets
import signal
import threading
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from lerend_netwerk.auth.models import User
from lerend_netwerk.auth.service import create_user, find_user_by_email
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import DEFAULT_NETWORK_SLUG, Network
from lerend_netwerk.networks.service import ensure_membership

log = logging.getLogger("lerend_netwerk.demo")

SECOND_NETWORK = "duaal-so-leiestreek"
# (what the list calls it, e-mail, name, the account's role, its networks and roles there)
DEMO_ACCOUNTS = (
    (
        "coordinator",
        "coordinator@lerend-netwerk.example",
        "Demo Coördinator",
        "coordinator",
        ((DEFAULT_NETWORK_SLUG, "coordinator"),),
    ),
    (
        "member",
        "lid@lerend-netwerk.example",
        "Demo Lid",
        "member",
        ((DEFAULT_NETWORK_SLUG, "member"),),
    ),
    (
        "coordinator-leiestreek",
        "coordinator-leiestreek@lerend-netwerk.example",
        "Demo Coördinator Leiestreek",
        "member",
        ((SECOND_NETWORK, "coordinator"),),
    ),
    (
        "member-two-networks",
        "lid-twee-netwerken@lerend-netwerk.example",
        "Demo Lid van twee netwerken",
        "member",
        ((DEFAULT_NETWORK_SLUG, "member"), (SECOND_NETWORK, "member")),
    ),
)


def prepare_demo(content_dir: Path) -> list[tuple[str, str, str]]:
    """Import the demo content and (re)set demo accounts; return (role, email, password)."""
    if content_dir.is_dir():
        from lerend_netwerk.content_io.service import import_directory

        import_directory(content_dir)
    accounts = []
    networks = {network.slug: network for network in db.session.scalars(select(Network))}
    for label, email, name, role, memberships in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        user: User | None = find_user_by_email(email)
        if user is None:
            user = create_user(email=email, name=name, role=role, password=password)
        else:
            user.set_password(password)
        for slug, network_role in memberships:
            if slug in networks:
                ensure_membership(user, networks[slug], network_role)
        accounts.append((label, email, password))
    if content_dir.is_dir():
        from lerend_netwerk.demo_activity import seed_activity

        seed_activity()
    db.session.commit()
    # Build the search index now rather than on the first search.
    from lerend_netwerk.search.service import sync_index

    sync_index()
    return accounts


def demo_site_url(host: str, port: int) -> str:
    """The base URL of what `demo` serves; a wildcard address is reached via loopback."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def mail_destination(app: Flask) -> str:
    """Where the demo's mail goes, in one line for the console."""
    if app.config.get("MAIL_SERVER"):
        return f"sent through {app.config['MAIL_SERVER']}:{app.config.get('MAIL_PORT')}"
    return f"each message is written to {Path(app.instance_path) / 'mail'}/ as an .eml file"


def deliver_mail_until(app: Flask, stop: threading.Event, interval: float = 2.0) -> None:
    """Send the queued mail every few seconds, as `mail send --watch` would, until stopped."""
    from lerend_netwerk.mail.sender import send_due_mail

    while not stop.is_set():
        with app.app_context():
            try:
                send_due_mail(stop=stop)
            except Exception:
                db.session.rollback()
                log.exception("Demo mail round failed; trying again")
            finally:
                db.session.remove()
        stop.wait(interval)


def serve_demo(app: Flask, host: str, port: int) -> None:
    """Serve the app with Werkzeug's threaded server and deliver mail, until Ctrl+C."""
    from werkzeug.serving import run_simple

    stop = threading.Event()
    mailer = threading.Thread(
        target=deliver_mail_until, args=(app, stop), name="demo-mail", daemon=True
    )
    mailer.start()
    # Ctrl+C and SIGTERM both stop cleanly, also when started in the background (where
    # the shell leaves SIGINT ignored and Python would not turn it into KeyboardInterrupt).
    previous = {
        sig: signal.signal(sig, _raise_keyboard_interrupt)
        for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop.set()
        mailer.join(timeout=10)


def _raise_keyboard_interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt
