"""gunicorn settings for production; each value can be overridden on the command line."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
# Each worker builds its app (and its search index handle) after the fork.
preload_app = False
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Restarting a worker now and then bounds a slow leak, but 2000 ± 200 restarted both
# workers together under load (a second of boot each, nobody serving, caches emptied). A
# wide jitter spreads the restarts over hours: the workers never recycle at once.
max_requests = 50000
max_requests_jitter = 25000
