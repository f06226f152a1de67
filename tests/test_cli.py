"""The `lerend-netwerk` command line: `users create` and the `content` commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lerend_netwerk.auth.models import User
from lerend_netwerk.extensions import db
from lerend_netwerk.themes.models import Theme

GOOD_PASSWORD = "Kwartaal-Intervisie-2024"


def _create(runner, *args: str, password: str = GOOD_PASSWORD):
    return runner.invoke(args=["users", "create", *args, "--password-stdin"], input=f"{password}\n")


def _one_line_error(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("role", ["member", "coordinator", "admin"])
def test_users_create_reads_the_password_from_stdin(runner, role):
    result = _create(
        runner, "--email", "An.Peeters@Example.be", "--name", "An Peeters", "--role", role
    )
    assert result.exit_code == 0, result.stderr
    assert "an.peeters@example.be" in result.stdout
    user = db.session.scalar(select(User).where(User.email == "an.peeters@example.be"))
    assert user is not None
    assert user.role == role
    assert user.name == "An Peeters"
    assert user.check_password(GOOD_PASSWORD)
    assert not user.check_password(GOOD_PASSWORD + "\n")


def test_users_create_default_role_is_member(runner):
    result = _create(runner, "--email", "lid@example.be", "--name", "Lid")
    assert result.exit_code == 0, result.stderr
    assert db.session.scalar(select(User.role).where(User.email == "lid@example.be")) == "member"


def test_users_create_refuses_an_existing_email_case_insensitively(runner, make_user):
    make_user(email="jan@example.be")
    result = _create(runner, "--email", "JAN@Example.BE", "--name", "Jan bis")
    assert result.exit_code == 1
    assert "already exists" in _one_line_error(result)
    count = db.session.scalar(
        select(func.count()).select_from(User).where(func.lower(User.email) == "jan@example.be")
    )
    assert count == 1


def test_users_create_refuses_an_unknown_organisation(runner):
    result = _create(
        runner, "--email", "x@example.be", "--name", "X", "--organisation", "Hogeschool Nergens"
    )
    assert result.exit_code == 1
    assert "unknown organisation" in _one_line_error(result)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("given", ["hogeschool-leie", "hogeschool leie", "Hogeschool Leie"])
def test_users_create_links_an_organisation_by_slug_or_title(runner, make_organisation, given):
    org = make_organisation(slug="hogeschool-leie", title="Hogeschool Leie")
    result = _create(runner, "--email", "m@example.be", "--name", "M", "--organisation", given)
    assert result.exit_code == 0, result.stderr
    user = db.session.scalar(select(User).where(User.email == "m@example.be"))
    assert user.organisation_id == org.id


@pytest.mark.parametrize("role", ["superuser", "", "root"])
def test_users_create_validates_the_role(runner, role):
    result = _create(runner, "--email", "r@example.be", "--name", "R", "--role", role)
    assert result.exit_code != 0
    assert "role" in _one_line_error(result)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_accepts_a_role_in_capitals(runner):
    result = _create(runner, "--email", "c@example.be", "--name", "C", "--role", "Coordinator")
    assert result.exit_code == 0, result.stderr
    assert db.session.scalar(select(User.role).where(User.email == "c@example.be")) == (
        "coordinator"
    )


@pytest.mark.parametrize("password", ["", "kort"])
def test_users_create_refuses_a_weak_password(runner, password):
    result = _create(runner, "--email", "w@example.be", "--name", "W", password=password)
    assert result.exit_code == 1
    _one_line_error(result)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_users_create_prompts_for_the_password_without_stdin(runner):
    result = runner.invoke(
        args=["users", "create", "--email", "p@example.be", "--name", "P"],
        input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.stderr
    user = db.session.scalar(select(User).where(User.email == "p@example.be"))
    assert user.check_password(GOOD_PASSWORD)


def test_content_import_prints_one_summary_line_and_no_progress_off_a_terminal(
    runner, tmp_path: Path
):
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "mentoren.md").write_text("---\ntitle: Mentoren\n---\nTekst.\n")
    result = runner.invoke(args=["content", "import", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "Imported: 1 documents (themes 1 created, 0 updated, 0 unchanged)"
    ]
    assert db.session.scalar(select(Theme.title).where(Theme.slug == "mentoren")) == "Mentoren"


@pytest.mark.parametrize("command", ["import", "export"])
def test_content_commands_fail_with_one_line_on_a_file_instead_of_a_directory(
    runner, tmp_path: Path, command
):
    target = tmp_path / "gewoon-een-bestand.txt"
    target.write_text("x")
    result = runner.invoke(args=["content", command, str(target)])
    assert result.exit_code == 1
    assert str(target) in _one_line_error(result)


def test_content_import_of_a_missing_directory_fails(runner, tmp_path: Path):
    result = runner.invoke(args=["content", "import", str(tmp_path / "bestaat-niet")])
    assert result.exit_code == 1
    assert "not a directory" in result.stderr


def test_content_export_prints_a_summary(runner, tmp_path: Path, make_theme):
    make_theme(slug="financiering", title="Financiering")
    result = runner.invoke(args=["content", "export", str(tmp_path / "uit")])
    assert result.exit_code == 0, result.stderr
    # The theme and the default network every installation has.
    assert "Exported 2 documents" in result.stdout
    assert "(networks 1, themes 1," in result.stdout
    assert (tmp_path / "uit" / "themes" / "financiering.md").read_text() == (
        "---\ntitle: Financiering\n---\n"
    )
