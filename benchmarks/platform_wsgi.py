"""The app exactly as gunicorn serves it, plus a bare endpoint as the benchmark's baseline.

`/bench/bare` goes through the same app, middleware and after-request hooks as every
page, but renders nothing and touches no database: what is left is the cost of gunicorn,
WSGI and Flask themselves.
"""

from lerend_netwerk import create_app

app = create_app()


@app.get("/bench/bare")
def bare() -> str:
    """The baseline: a constant answer."""
    return "ok"
