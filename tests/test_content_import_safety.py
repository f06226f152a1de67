"""The import refuses what could hang, exhaust or crash it, with `path:line: message`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lerend_netwerk.content_io.document import parse_document
from lerend_netwerk.content_io.schema import kinds_by_name
from lerend_netwerk.content_io.service import DOCUMENT_MAX_BYTES
from lerend_netwerk.extensions import db
from lerend_netwerk.themes.models import Theme

SESSION = "---\ntitle: S\nkind: webinar\nstarts: {starts}\nends: {ends}\n{extra}---\nTekst.\n"


def session(starts="2031-03-18T10:00", ends="2031-03-18T12:00", extra="") -> str:
    return SESSION.format(starts=starts, ends=ends, extra=extra)


def problems_of(kind: str, text: str) -> list[tuple[int, str]]:
    return parse_document(kinds_by_name()[kind], text).problems


@pytest.mark.parametrize(
    ("kind", "text", "line", "message"),
    [
        ("sessions", session(starts="0001-01-01T00:00"), 4, "'starts': 0001-01-01T00:00 is not"),
        ("sessions", session(ends="9999-12-31T23:00-05:00"), 5, "is not between 2000 and 2100"),
        ("sessions", session(starts="1999-12-31T10:00"), 4, "is not between 2000 and 2100"),
        (
            "sessions",
            session(extra="registration_deadline: 0001-01-01T00:30+01:00\n"),
            6,
            "'registration_deadline': 0001-01-01T00:30+01:00 is not between 2000 and 2100",
        ),
        (
            "sessions",
            session(extra="capacity: " + "9" * 23 + "\n"),
            6,
            "'capacity' is too large (99999999999999999999…, at most 10000)",
        ),
        ("sessions", session(extra="capacity: 10001\n"), 6, "at most 10000"),
        (
            "sessions",
            session(starts="2031-03-30T02:30", ends="2031-03-30T04:00"),
            4,
            "does not exist in Brussels",
        ),
        (
            "sessions",
            session(extra='location: "Gent\\tlokaal 3"\n'),
            6,
            "'location' must be a single line, without control characters",
        ),
        (
            "sessions",
            session(extra='online_url: "https://meet.example/a\\rb"\n'),
            6,
            "must be a single line",
        ),
        ("themes", "---\ntitle: T\n---\nEen\n\nmet \x00 erin\n", 6, "contains a NUL character"),
        ("themes", "---\ntitle: T\n---\nEen \x1b[31m kleur\n", 4, "a control character"),
        ("themes", "---\ntitle: T\n---\n" + "[" * 200_001 + "\n", 4, "the text is too long"),
        ("themes", "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\n", 1, "nested too deeply"),
        ("themes", "---\ntitle: T\nx: " + "{a: " * 3000 + "\n---\n", 1, "nested too deeply"),
        (
            "reports",
            "---\ntitle: R\nproeftuin: p\nvisited: 0001-01-01\n---\n",
            4,
            "'visited': 0001-01-01 is not between 2000 and 2100",
        ),
    ],
)
def test_bad_values_are_problems_at_their_line(kind, text, line, message):
    problems = problems_of(kind, text)
    assert any(n == line and message in m for n, m in problems), problems


def test_an_ambiguous_autumn_time_is_the_first_unless_an_offset_says_otherwise():
    first = parse_document(
        kinds_by_name()["sessions"], session("2031-10-26T02:30", "2031-10-26T05:00")
    )
    second = parse_document(
        kinds_by_name()["sessions"], session("2031-10-26T02:30+01:00", "2031-10-26T05:00")
    )
    assert first.record["starts"].isoformat() == "2031-10-26T00:30:00+00:00"
    assert second.record["starts"].isoformat() == "2031-10-26T01:30:00+00:00"


def _write_theme(root: Path, slug: str = "goed") -> None:
    (root / "themes").mkdir(parents=True, exist_ok=True)
    (root / "themes" / f"{slug}.md").write_text("---\ntitle: Een goed thema\n---\n")


def _theme_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Theme))


def _import(runner, root: Path):
    result = runner.invoke(args=["content", "import", str(root)])
    return result.exit_code, result.stderr


def test_a_link_to_dev_zero_is_refused_not_read(runner, app, tmp_path):
    _write_theme(tmp_path)
    os.symlink("/dev/zero", tmp_path / "themes" / "nul.md")
    code, errors = _import(runner, tmp_path)
    assert code == 1
    assert f"{tmp_path}/themes/nul.md:1: a symbolic link: links are not followed" in errors
    assert _theme_count() == 0


def test_links_out_of_the_folder_are_refused(runner, app, tmp_path):
    outside = tmp_path / "elders"
    _write_theme(outside, "buiten")
    root = tmp_path / "content"
    _write_theme(root)
    os.symlink(outside / "themes" / "buiten.md", root / "themes" / "buiten.md")
    (root / "sessions").symlink_to(outside / "themes", target_is_directory=True)
    code, errors = _import(runner, root)
    assert code == 1
    assert f"{root}/themes/buiten.md:1: a symbolic link" in errors
    assert f"{root}/sessions:1: a symbolic link" in errors
    assert _theme_count() == 0


def test_a_fifo_is_refused_without_hanging(app, app_config, tmp_path):
    """The real command in a child process with a timeout: reading a FIFO blocks forever."""
    root = tmp_path / "content"
    _write_theme(root)
    os.mkfifo(root / "themes" / "pijp.md")
    env = dict(
        os.environ,
        FLASK_SECRET_KEY="test",
        FLASK_SQLALCHEMY_DATABASE_URI=app_config["SQLALCHEMY_DATABASE_URI"],
        FLASK_SEARCH_INDEX_DIR=str(tmp_path / "index"),
    )
    command = Path(sys.executable).parent / "lerend-netwerk"
    done = subprocess.run(
        [str(command), "content", "import", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    assert f"{root}/themes/pijp.md:1: not a regular file (a FIFO" in done.stderr
    assert "Traceback" not in done.stderr
    assert _theme_count() == 0


def test_a_document_over_the_size_limit_is_refused_and_nothing_is_imported(runner, app, tmp_path):
    _write_theme(tmp_path)
    big = tmp_path / "themes" / "groot.md"
    big.write_text("---\ntitle: Groot\n---\n" + "tekst " * (DOCUMENT_MAX_BYTES // 6 + 10))
    code, errors = _import(runner, tmp_path)
    assert code == 1
    assert f"{big}:1: too large (" in errors and "at most 1,048,576" in errors
    assert _theme_count() == 0


def test_year_one_and_huge_numbers_give_messages_not_tracebacks(runner, app, tmp_path):
    (tmp_path / "sessions").mkdir()
    (tmp_path / "sessions" / "oud.md").write_text(session(starts="0001-01-01T00:00"))
    (tmp_path / "sessions" / "laat.md").write_text(
        session(starts="2031-03-18T10:00", ends="9999-12-31T23:00-05:00")
    )
    (tmp_path / "sessions" / "vol.md").write_text(session(extra="capacity: " + "1" * 23 + "\n"))
    code, errors = _import(runner, tmp_path)
    assert code == 1
    assert "Traceback" not in errors
    assert f"{tmp_path}/sessions/oud.md:4: 'starts'" in errors
    assert f"{tmp_path}/sessions/laat.md:5: 'ends'" in errors
    assert f"{tmp_path}/sessions/vol.md:6: 'capacity' is too large" in errors
