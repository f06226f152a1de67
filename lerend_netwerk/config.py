"""Configuration defaults, every one of them. instance/config.py and FLASK_* variables
override them; modules read a value with `setting(config, NAME)`."""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any


class DefaultConfig:
    SECRET_KEY: str | None = None
    # None means: SQLite in the instance folder (filled in by the factory).
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SEARCH_INDEX_DIR: str | None = None
    # A request never waits for Whoosh: it commits to the database, the index catches up.
    SEARCH_SYNC_ON_REQUEST: bool = True
    # Sync in a background thread after a request; None: yes, except under tests.
    SEARCH_SYNC_IN_BACKGROUND: bool | None = None
    # Seconds to wait for the Whoosh writer lock (a sync, a full rebuild).
    SEARCH_LOCK_TIMEOUT = 10.0
    SEARCH_REINDEX_LOCK_TIMEOUT = 300.0
    # An outbox id missing for longer than this is a rolled-back transaction, not a late one.
    SEARCH_OUTBOX_GAP_SECONDS = 3600.0
    SEARCH_SYNC_BATCH = 2000
    # A rebuild's postings stay in memory up to this many MB (the writer's estimate, about
    # 40 bytes a posting: some 36,000 documents of 300 words) before they spill to sorted
    # runs on disk, merged term by term at commit (little extra CPU).
    SEARCH_REINDEX_LIMITMB = 512
    # How long a request waits for the very first index build (seconds).
    SEARCH_FIRST_BUILD_WAIT = 5.0

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None

    # Rate limits (Flask-Limiter): shared between workers when this points at Redis.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in and reset throttling, counted in the database (shared by every worker and
    # host; see lerend_netwerk/auth/throttle.py). Only failed sign-ins count: a room of
    # 60 members behind one address signs in freely.
    LOGIN_FAILURES_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_FAILURES_PER_ADDRESS = "100 per 15 minutes"
    PASSWORD_RESET_PER_ACCOUNT = "5 per hour"
    PASSWORD_RESET_PER_ADDRESS = "30 per hour"
    # Per member, register and cancel together: generous for people, a wall for scripts.
    REGISTRATION_RATE_LIMIT = "20 per minute; 200 per day"
    # Guests (docs/guests.md): registrations per typed e-mail address and per client
    # address (a school network with a room full of guests stays well below it).
    GUEST_REQUESTS_PER_EMAIL = "5 per hour"
    GUEST_REQUESTS_PER_ADDRESS = "200 per hour"
    # How long an unconfirmed guest request holds a seat, and which share of the seats
    # unconfirmed requests may hold together (the rest waits for a confirmation).
    GUEST_HOLD_MINUTES = 30
    GUEST_HOLD_SHARE = 0.25
    # How long the confirmation link of a request works; unconfirmed requests are
    # deleted afterwards.
    GUEST_CONFIRM_HOURS = 48
    # Guests' personal data is erased this long after the session (anonymous counts stay).
    GUEST_RETENTION_MONTHS = 12
    # Per member, the editors' "Voorbeeld" button (POST /markdown/voorbeeld).
    MARKDOWN_PREVIEW_RATE_LIMIT = "30 per minute; 600 per day"

    TIMEZONE = "Europe/Brussels"
    BABEL_LOCALE = "nl_BE"
    SITE_NAME = "Lerend netwerk duaal leren"
    # A network's own look without other templates: an extra stylesheet (a path under
    # static/) that overrides the colour variables and the logo of site.css.
    SITE_STYLESHEET: str | None = None
    # Absolute base for links in feeds and mails when no request is around.
    SITE_URL = "http://127.0.0.1:5000"

    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Lerend netwerk duaal leren <noreply@lerend-netwerk.example>"
    # The mail queue (`mail send`): attempts, backoff, a stale claim, SMTP timeout, the
    # watch loop's pause (seconds).
    MAIL_MAX_ATTEMPTS = 10
    MAIL_RETRY_BASE_SECONDS = 60
    MAIL_RETRY_MAX_SECONDS = 6 * 3600
    MAIL_SENDING_TIMEOUT_SECONDS = 15 * 60
    MAIL_TIMEOUT = 30
    MAIL_WATCH_INTERVAL = 30
    # Reminders this many days before a session; the weekly digest on this weekday
    # (0 = Monday) and hour (Brussels), with the sessions of the coming days.
    MAIL_REMINDER_DAYS = 2
    MAIL_DIGEST_WEEKDAY = 0
    MAIL_DIGEST_HOUR = 8
    MAIL_DIGEST_UPCOMING_DAYS = 21
    # Calendar answers (docs/calendar.md): the organizer address of invitations, a
    # mailbox `lerend-netwerk mail receive` reads over IMAP. Unset: RSVP=FALSE.
    MAIL_REPLY_ADDRESS: str | None = None
    IMAP_HOST: str | None = None
    IMAP_PORT: int | None = None  # 993 with "ssl", 143 otherwise
    IMAP_SECURITY = "ssl"  # "ssl", "starttls" or "none"
    IMAP_USERNAME: str | None = None
    IMAP_PASSWORD: str | None = None
    IMAP_MAILBOX = "INBOX"
    IMAP_SSL_CAFILE: str | None = None

    # "text" for people, "json" for log collectors (one JSON object per line).
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
    PROXY_HOPS = 0

    # How long authors may edit their reply in a recommendation thread.
    RECOMMENDATION_EDIT_WINDOW_MINUTES = 30
    # After this many open reports a reply is hidden until a coordinator decides (0: never).
    RECOMMENDATION_FLAG_THRESHOLD = 3
    # Replies per page of a thread.
    RECOMMENDATION_REPLIES_PER_PAGE = 50

    # Evaluations: sent this long after a session ends, for sessions that ended at most
    # LOOKBACK days ago, and open for answers (and changes) this many days.
    EVALUATION_DELAY_HOURS = 1
    EVALUATION_LOOKBACK_DAYS = 14
    EVALUATION_OPEN_DAYS = 14

    # Calendar feeds: how often clients should refresh.
    FEED_REFRESH_MINUTES = 60
    # Memory for the cached small feeds (personal, one session) per worker.
    FEED_CACHE_MAX_BYTES = 32 * 1024 * 1024
    # Where each worker keeps the files of the public feeds, in a folder of its own
    # removed when it ends (None: the system's temporary folder).
    FEED_FILES_DIR: str | None = None

    # Attached files (lerend_netwerk/files, docs/files.md): where they are stored (None: a
    # `files` folder in the instance folder; a shared mount when several hosts serve the
    # platform), the largest file and the most in one upload request.
    FILES_ROOT: str | None = None
    FILES_MAX_BYTES = 25 * 1024 * 1024
    FILES_MAX_REQUEST_BYTES = 100 * 1024 * 1024
    # Images with more pixels are refused before they are decoded (48 MP phone photos pass).
    FILES_MAX_IMAGE_PIXELS = 50_000_000
    # The text of attached files for search (files/extract.py, docs/search.md): at most so
    # many characters per file, pages (PDF) or slides read, spreadsheet rows read, bytes
    # unpacked from an office file, and seconds per file (what was read by then is kept).
    FILES_TEXT_MAX_CHARS = 1_000_000
    FILES_TEXT_MAX_PAGES = 2000
    FILES_TEXT_MAX_ROWS = 100_000
    FILES_TEXT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
    FILES_TEXT_SECONDS = 30.0
    # The index sync extracts this many files per pass at most; a failed extraction is
    # retried after RETRY_MINUTES, doubling each time, until MAX_ATTEMPTS.
    FILES_TEXT_BATCH = 50
    FILES_TEXT_MAX_ATTEMPTS = 5
    FILES_TEXT_RETRY_MINUTES = 5.0

    # Pages for visitors, rendered once per change (lerend_netwerk/core/pagecache.py).
    PAGE_CACHE_ENABLED = True
    # How long a page that depends on the clock is served at most (seconds).
    PAGE_CACHE_SECONDS = 60
    # Per-worker memory for cached pages (some 400 pages of 20 kB; the least recently
    # read are rendered again), within the memory goal of a worker; or one Redis for
    # all workers (redis://…), which holds as much as Redis is given.
    PAGE_CACHE_MAX_BYTES = 8 * 1024 * 1024
    PAGE_CACHE_REDIS_URL: str | None = None
    # s-maxage for a reverse proxy in front of the site (0: it revalidates every time).
    PAGE_PROXY_MAX_AGE = 0


def setting(config: Mapping[str, Any], name: str) -> Any:
    """A configuration value; unset or None means the default above."""
    value = config.get(name)
    return getattr(DefaultConfig, name) if value is None else value
