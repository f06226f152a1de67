"""The baseline of the goals: a plain Flask app, one view returning a short string.

Served by the same gunicorn settings as the platform in the same run; none of the
platform's hooks (edge checks, page cache, security headers, sign-in) run here.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/bench/bare")
def bare() -> str:
    """The baseline: a constant answer."""
    return "ok"


@app.get("/healthz")
def healthz() -> str:
    return "ok"
