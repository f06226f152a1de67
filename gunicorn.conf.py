"""gunicorn settings for production; each value can be overridden on the command line."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
# The master imports and builds the app once, and the workers are forks of it: they
# share its memory copy-on-write (lerend_netwerk/prefork.py: what is loaded before the
# fork, what each worker makes its own after it). A new deploy needs a restart of the
# master (not a HUP): it is the master that holds the code.
preload_app = True
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Restarting a worker now and then bounds a slow leak, but 2000 ± 200 restarted both
# workers together under load (a second of boot each, nobody serving, caches emptied). A
# wide jitter spreads the restarts over hours: the workers never recycle at once.
max_requests = 50000
max_requests_jitter = 25000


def _app(server):
    """The app the master loaded (None when preload_app is switched off)."""
    return server.app.wsgi() if server.cfg.preload_app else None


def when_ready(server):
    app = _app(server)
    if app is not None:
        from lerend_netwerk.prefork import before_fork

        before_fork(app)


def post_fork(server, worker):
    app = _app(server)
    if app is not None:
        from lerend_netwerk.prefork import after_fork

        after_fork(app)
