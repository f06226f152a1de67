"""What the gunicorn master does with the app before it forks the workers, and what each
worker does first (gunicorn.conf.py calls these from its hooks; the README, *Production*).

The master imports and builds the app once (`preload_app`); the workers are forks of it
and share those pages copy-on-write for as long as nobody writes to them. So the master
also loads what every worker would otherwise load for itself and then only reads (the
Dutch word list of the search analysis, Babel's data, the compiled templates) and runs
a visitor's pages once. `gc.freeze()` then moves every object made so far out of the
collector's reach: a collection in a worker would otherwise write to each object's
header and copy nearly every shared page.

Nothing the master opens may be used by two processes: the warm-up's database
connections and index files are closed before the fork, the master starts no thread
(it serves no request), and each worker starts from clean per-process state
(`after_fork`): its own database pool, its own index handles.
"""

from __future__ import annotations

import gc
import logging

from flask import Flask

log = logging.getLogger(__name__)


def _is_platform(app: Flask) -> bool:
    """Whether `app` was built by `create_app` (the benchmark's baseline is a plain
    Flask app served with the same settings: it only gets the freeze)."""
    from lerend_netwerk.extensions import db

    return app.extensions.get("sqlalchemy") is db


def before_fork(app: Flask) -> None:
    """In the master, after the app is built and before the first worker is forked."""
    if _is_platform(app):
        _load_shared(app)
    gc.collect()
    gc.freeze()


def _load_shared(app: Flask) -> None:
    from sqlalchemy.orm import configure_mappers

    from lerend_netwerk import timeutil
    from lerend_netwerk.extensions import db
    from lerend_netwerk.search import analysis, index

    # The word list (about 7 MB of strings) is read by every search and every index
    # sync; loaded here it is one copy for all workers.
    analysis.preload()
    # Babel's locale data (about 3 MB), read by every page with a date.
    timeutil.preload()
    # The mappers' relationships and the SQL they share, set up on first use otherwise.
    configure_mappers()
    # Every template compiled once (Jinja compiles on first use, per process).
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    warm_up(app)
    # The warm-up's connections and index files are the master's: closed before the
    # fork, so that no worker inherits one.
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
    index.forget_handles()


# Pages a visitor reads: they run (and so settle in the master) most of the code every
# request runs. Reading only; no feed (a big one is built in a thread) and no search (a
# missing index would be built). The workers get the master's cached copies too.
WARM_UP_ENDPOINTS = (
    "core.healthz",
    "core.home",
    "agenda.index",
    "proeftuinen.index",
    "practices.index",
    "recommendations.index",
    "api.sessions",
    "auth.login",
)


def warm_up(app: Flask) -> list[tuple[str, int]]:
    """GET each of WARM_UP_ENDPOINTS once as a visitor; (path, status) of each.

    Python settles much on first use: code specialised by the interpreter, SQLAlchemy's
    memoised attributes and compiled statements, Babel's and Jinja's caches, modules
    imported inside functions. Done here, every worker shares that instead of making
    it its own. A page that fails (say the database is not there yet) is logged and
    skipped: the workers then simply do the work themselves.
    """
    from lerend_netwerk.core.templating import site_path

    with app.app_context():
        paths = [site_path(endpoint) for endpoint in WARM_UP_ENDPOINTS]
    client = app.test_client()
    answers = []
    for path in paths:
        try:
            status = client.get(path).status_code
        except Exception:  # the app's own error handling normally answers 500
            log.warning("warm-up: GET %s failed", path, exc_info=True)
            status = 0
        answers.append((path, status))
    failed = [f"{path} {status}" for path, status in answers if status != 200]
    if failed:
        log.warning("warm-up before the fork: %s", ", ".join(failed))
    return answers


def after_fork(app: Flask) -> None:
    """In a worker, right after the fork and before it serves anything."""
    from lerend_netwerk.extensions import db

    if not _is_platform(app):
        return
    from lerend_netwerk.search import index

    with app.app_context():
        # SQLAlchemy's rule for a forked child: a fresh pool, the parent's connections
        # left alone (close=False: closing them here would end the master's too).
        for engine in db.engines.values():
            engine.dispose(close=False)
    # Whoosh file handles are not to be shared either: each worker opens its own.
    index.forget_handles(close=False)
