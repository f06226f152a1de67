"""The outbox and the index sync: every change reaches the index and nothing is lost.

- changes are recorded in the outbox in the same transaction (and vanish on rollback);
- create, update, publish, unpublish, delete and related changes reach the index;
- a "crash" between the database commit and the index write loses nothing;
- a taken writer lock is waited for (LockError retried), or the rows wait for later;
- several syncs at once (threads and processes) while documents change leave the index
  equal to the database; out-of-order commits on PostgreSQL are not skipped;
- `search reindex` and `search sync` on the command line; /healthz reports the lag.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import post_form
from lerend_netwerk.extensions import db
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.recommendations.models import Post
from lerend_netwerk.search import service
from lerend_netwerk.search.documents import iter_documents
from lerend_netwerk.search.index import SyncState, forget_handle, write_state
from lerend_netwerk.search.models import SearchChange
from lerend_netwerk.search.sync import background, handle_for
from lerend_netwerk.sqlite import begin_write_transaction


def sync(app, **options):
    result = service.sync_index(app, **options)
    assert not result.locked
    return result


def index_docs(app) -> dict[str, str]:
    """key -> fingerprint of every document in the index (the state left out)."""
    searcher = handle_for(app).searcher()
    return {
        fields["key"]: fields.get("fingerprint")
        for fields in searcher.all_stored_fields()
        if fields["key"] != "_state"
    }


def db_docs() -> dict[str, str]:
    with Session(db.engine) as session:
        return {doc.key: doc.fingerprint for doc in iter_documents(session)}


def assert_index_matches_db(app) -> None:
    assert index_docs(app) == db_docs()


def outbox() -> list[tuple[str, int]]:
    return [
        (row.doc_type, row.doc_id)
        for row in db.session.scalars(select(SearchChange).order_by(SearchChange.id))
    ]


def found(word: str, user=None) -> list[str]:
    return [hit.title for hit in service.search(word, user).hits]


# The outbox --------------------------------------------------------------------------


def test_changes_are_recorded_in_the_same_transaction(app, make_practice):
    practice = make_practice()
    assert outbox() == [("practice", practice.id)]
    db.session.add(Practice(slug="weg", title="Weg", summary="Teruggedraaid."))
    db.session.flush()
    assert len(outbox()) == 2
    db.session.rollback()
    assert outbox() == [("practice", practice.id)]
    # A change that alters nothing indexed... is still cheap, but no-op writes record nothing.
    practice.title = practice.title
    db.session.commit()
    assert len(outbox()) == 1


def test_one_row_per_document_per_transaction(app, make_theme):
    theme = make_theme()
    practice = Practice(slug="een", title="Een", summary="Eerst.", themes=[theme])
    db.session.add(practice)
    db.session.flush()
    practice.title = "Twee"
    db.session.flush()
    practice.summary = "Daarna."
    db.session.commit()
    assert outbox().count(("practice", practice.id)) == 1


# Every change reaches the index ----------------------------------------------------------


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator")


@pytest.fixture
def member(make_user):
    return make_user()


def test_practice_create_update_publish_unpublish_delete(app, make_practice, member, coordinator):
    sync(app)
    practice = make_practice(title="Alfawoord praktijk", summary="x", status="draft")
    sync(app)
    assert found("alfawoord") == []
    assert found("alfawoord", coordinator) == ["Alfawoord praktijk"]
    practice.status = "published"
    db.session.commit()
    sync(app)
    assert found("alfawoord") == ["Alfawoord praktijk"]
    practice.title = "Betawoord praktijk"
    db.session.commit()
    sync(app)
    assert found("alfawoord") == [] and found("betawoord") == ["Betawoord praktijk"]
    practice.visibility = "members"
    db.session.commit()
    sync(app)
    assert found("betawoord") == [] and found("betawoord", member) == ["Betawoord praktijk"]
    practice.status = "draft"  # unpublish
    db.session.commit()
    sync(app)
    assert found("betawoord", member) == []
    db.session.delete(practice)
    db.session.commit()
    sync(app)
    assert found("betawoord", coordinator) == []
    assert_index_matches_db(app)


def test_report_publish_unpublish_and_delete(app, make_report, member, coordinator):
    sync(app)
    report = make_report(title="Gammawoord bezoek", status="draft")
    sync(app)
    assert found("gammawoord", member) == [] and found("gammawoord", coordinator) != []
    report.status = "published"
    db.session.commit()
    sync(app)
    assert found("gammawoord", member) == ["Gammawoord bezoek"] and found("gammawoord") == []
    report.visibility = "public"
    db.session.commit()
    sync(app)
    assert found("gammawoord") == ["Gammawoord bezoek"]
    db.session.delete(report)
    db.session.commit()
    sync(app)
    assert found("gammawoord", coordinator) == []
    assert_index_matches_db(app)


@pytest.mark.parametrize("kind", ["meeting", "proeftuin", "recommendation"])
def test_sessions_proeftuinen_and_threads_follow_every_change(
    app, kind, make_meeting, make_proeftuin, make_recommendation, member
):
    factory = {"meeting": make_meeting, "proeftuin": make_proeftuin}.get(kind, make_recommendation)
    sync(app)
    obj = factory(title="Deltawoord document", body="Eerste versie.")
    sync(app)
    assert found("deltawoord") == ["Deltawoord document"]
    obj.body = "Tweede versie met epsilonwoord."
    db.session.commit()
    sync(app)
    assert found("epsilonwoord") == ["Deltawoord document"]
    if kind != "proeftuin":
        obj.visibility = "members"
        db.session.commit()
        sync(app)
        assert found("deltawoord") == [] and found("deltawoord", member) != []
    db.session.delete(obj)
    db.session.commit()
    sync(app)
    assert found("deltawoord", member) == []
    assert_index_matches_db(app)


def test_related_changes_reach_the_documents_that_show_them(
    app,
    make_theme,
    make_practice,
    make_recommendation,
    make_user,
    make_organisation,
    make_proeftuin,
    make_report,
    make_meeting,
    member,
):
    theme = make_theme(title="Oudethemanaam")
    org = make_organisation(title="Hogeschool Zetawoord")
    proeftuin = make_proeftuin(title="Proeftuin Etawoord", organisations=[org], themes=[theme])
    make_practice(title="P", summary="x", themes=[theme], proeftuin=proeftuin)
    make_report(title="R", proeftuin=proeftuin)
    make_meeting(title="S", host=proeftuin)
    rec = make_recommendation(title="A", theme=theme)
    sync(app)
    # The theme's own page, and every document that shows the theme's name.
    assert sorted(found("oudethemanaam", member)) == [
        "A",
        "Oudethemanaam",
        "P",
        "Proeftuin Etawoord",
        "R",
    ]

    theme.title = "Nieuwethemanaam"
    db.session.commit()
    sync(app)
    assert found("oudethemanaam", member) == []
    assert sorted(found("nieuwethemanaam", member)) == [
        "A",
        "Nieuwethemanaam",
        "P",
        "Proeftuin Etawoord",
        "R",
    ]

    org.title = "Hogeschool Thetawoord"
    db.session.commit()
    sync(app)
    assert sorted(found("thetawoord")) == ["Hogeschool Thetawoord", "Proeftuin Etawoord"]

    proeftuin.title = "Proeftuin Iotawoord"
    db.session.commit()
    sync(app)
    assert sorted(found("iotawoord", member)) == ["P", "Proeftuin Iotawoord", "R", "S"]

    post = Post(recommendation=rec, author=make_user(), stance="eens", body="Kappawoord erbij.")
    db.session.add(post)
    db.session.commit()
    sync(app)
    assert found("kappawoord") == ["A"]
    post.hidden_at = datetime.now(UTC)
    db.session.commit()
    sync(app)
    assert found("kappawoord") == []
    post.hidden_at = None
    db.session.commit()
    sync(app)
    assert found("kappawoord") == ["A"]
    db.session.delete(post)
    db.session.commit()
    sync(app)
    assert found("kappawoord") == []
    assert_index_matches_db(app)


# Nothing is lost ---------------------------------------------------------------------------


def test_a_crash_between_commit_and_index_write_loses_nothing(app, make_practice, monkeypatch):
    sync(app)
    make_practice(title="Lambdawoord", summary="x")  # committed; the index never heard of it
    # The process "dies" while writing the index: the Whoosh commit never happens.
    from lerend_netwerk.search import sync as sync_module

    def die(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(sync_module, "write_state", die)
    with pytest.raises(SystemExit):
        service.sync_index(app)
    monkeypatch.undo()
    forget_handle(app.config["SEARCH_INDEX_DIR"])  # a new process
    assert "practice:" not in " ".join(index_docs(app))
    result = sync(app)
    assert result.applied == 1
    assert found("lambdawoord") == ["Lambdawoord"]
    assert_index_matches_db(app)


def test_search_catches_up_with_what_was_committed(app, make_practice):
    sync(app)
    make_practice(title="Muwoord", summary="x")
    # No explicit sync: a search notices the lag and lets the index catch up first.
    assert found("muwoord") == ["Muwoord"]


def test_a_taken_writer_lock_is_waited_for(app, make_practice):
    sync(app)
    make_practice(title="Nuwoord", summary="x")
    writer = handle_for(app).open().writer()  # another worker holds the lock
    outcome = {}

    def run():
        with app.app_context():
            outcome["result"] = service.sync_index(app, lock_timeout=120)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.3)  # let it meet the lock (LockError) a few times
    writer.cancel()
    thread.join()
    assert outcome["result"].applied == 1 and not outcome["result"].locked
    assert found("nuwoord") == ["Nuwoord"]


def test_a_lock_that_stays_taken_leaves_the_rows_for_the_next_sync(app, make_practice):
    sync(app)
    make_practice(title="Xiwoord", summary="x")
    writer = handle_for(app).open().writer()
    try:
        result = service.sync_index(app, lock_timeout=0)
    finally:
        writer.cancel()
    assert result.locked and result.pending == 1
    assert len(outbox()) == 1
    assert sync(app).applied == 1
    assert_index_matches_db(app)


def _mutate(rng: random.Random, n: int, owner: str = "w") -> None:
    """One random change to one of `owner`'s practices: create, edit, (un)publish or delete."""
    begin_write_transaction(db.session)  # as a request that writes does (SQLite)
    practices = list(db.session.scalars(select(Practice).where(Practice.slug.like(f"{owner}-%"))))
    action = rng.choice(["create", "create", "edit", "status", "delete"]) if practices else "create"
    if action == "create":
        db.session.add(
            Practice(slug=f"{owner}-{n}", title=f"Gelijktijdig {n}", summary=f"Versie {n}.")
        )
    else:
        practice = rng.choice(practices)
        if action == "edit":
            practice.summary = f"Bewerkt {n}."
        elif action == "status":
            practice.status = "draft" if practice.status == "published" else "published"
        else:
            db.session.delete(practice)
    db.session.commit()


def test_concurrent_syncs_and_writers_in_threads_keep_the_index_equal(app, make_practice):
    sync(app)
    stop = threading.Event()
    errors: list[BaseException] = []

    def syncer():
        with app.app_context():
            while not stop.is_set():
                try:
                    service.sync_index(app, lock_timeout=60)
                except BaseException as error:  # collected and reported below
                    errors.append(error)
                    return

    def writer(seed: int):
        rng = random.Random(seed)
        with app.app_context():
            try:
                for n in range(15):
                    _mutate(rng, n, owner=f"w{seed}")
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    syncers = [threading.Thread(target=syncer) for _ in range(3)]
    writers = [threading.Thread(target=writer, args=(seed,)) for seed in (1, 2)]
    for thread in syncers + writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    for thread in syncers:
        thread.join()
    assert errors == []
    sync(app)
    assert len(index_docs(app)) > 0
    assert_index_matches_db(app)


def test_concurrent_sync_processes_keep_the_index_equal(app, app_config, tmp_path):
    sync(app)
    stopfile = tmp_path / "stop"
    script = textwrap.dedent(
        f"""
        import os, time
        from lerend_netwerk import create_app
        from lerend_netwerk.search.service import sync_index
        app = create_app({{
            "TESTING": True, "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": {app_config["SQLALCHEMY_DATABASE_URI"]!r},
            "SEARCH_INDEX_DIR": {app_config["SEARCH_INDEX_DIR"]!r},
        }})
        with app.app_context():
            runs = 0
            while not os.path.exists({str(stopfile)!r}) or runs == 0:
                sync_index(app, lock_timeout=60)
                runs += 1
        print(runs)
        """
    )
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        for _ in range(3)
    ]
    rng = random.Random(7)
    for n in range(40):
        _mutate(rng, n)
    stopfile.write_text("stop")
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err.decode()
        assert int(out.decode().split()[-1]) >= 1
    sync(app)
    assert_index_matches_db(app)


def test_out_of_order_commits_are_not_skipped(app, make_practice):
    """On PostgreSQL an earlier id can commit after a later one has been applied."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: ids commit in order")
    sync(app)
    slow = Session(db.engine)
    slow.add(Practice(slug="traag", title="Omicronwoord traag", summary="x"))
    slow.flush()  # its outbox row has an id now, but is not committed
    make_practice(title="Snel", summary="x")  # a later id, committed first
    sync(app)
    assert found("omicronwoord") == []
    assert handle_for(app).read_state().gaps  # the earlier id is still expected
    slow.commit()
    slow.close()
    sync(app)
    assert found("omicronwoord") == ["Omicronwoord traag"]
    assert handle_for(app).read_state().gaps == []
    assert_index_matches_db(app)


def test_sync_state_remembers_gaps_until_they_show_up_or_expire():
    state = SyncState(last_id=10)
    after = state.advance([11, 14, 15], now=100.0, gap_seconds=60)
    assert after.last_id == 15 and after.gaps == [[12, 13, 100.0]]
    after = after.advance([13, 16], now=120.0, gap_seconds=60)
    assert after.last_id == 16 and after.gaps == [[12, 12, 100.0]]
    after = after.advance([], now=200.0, gap_seconds=60)
    assert after.last_id == 16 and after.gaps == []
    assert SyncState.from_json(after.to_json()) == after


# Rebuilding, the command line and the health check -------------------------------------


def test_reindex_command_rebuilds_from_scratch(app, runner, make_practice, make_meeting):
    make_practice(title="Piwoord", summary="x")
    make_meeting(title="Rhowoord")
    sync(app)
    # Something the database does not have (a lost delete, say) is gone after a rebuild.
    writer = handle_for(app).open().writer()
    writer.add_document(key="practice:999", type="practice", title="Spook", audience="public")
    writer.commit()
    assert "practice:999" in index_docs(app)
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 3 documents." in result.output  # and the final report
    assert "practice:999" not in index_docs(app)
    assert_index_matches_db(app)
    assert found("piwoord") == ["Piwoord"]


def test_sync_command_applies_the_outbox(app, runner, make_practice):
    sync(app)
    make_practice(title="Sigmawoord", summary="x")
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert "Applied 1 changes (1 documents)." in result.output
    assert "practice:" in " ".join(index_docs(app))


def test_sync_command_fails_clearly_when_the_lock_stays_taken(app, runner, make_practice):
    sync(app)
    make_practice(title="Tauwoord", summary="x")
    app.config["SEARCH_LOCK_TIMEOUT"] = 0
    writer = handle_for(app).open().writer()
    try:
        result = runner.invoke(args=["search", "sync"])
    finally:
        writer.cancel()
    assert result.exit_code == 1
    assert "1 changes wait in the outbox" in result.output


def test_an_index_from_an_older_version_is_rebuilt(app, make_practice):
    make_practice(title="Upsilonwoord", summary="x")
    sync(app)
    writer = handle_for(app).open().writer()
    writer.add_document(key="practice:999", type="practice", title="Spook", audience="public")
    write_state(writer, SyncState(last_id=0, schema_version=0))
    writer.commit()
    sync(app)
    assert handle_for(app).read_state().schema_version > 0
    assert_index_matches_db(app)


def test_a_rebuild_brings_an_old_schema_up_to_date(app, make_practice):
    make_practice(title="Omegawoord", summary="x")
    sync(app)
    # An index written by an older version: a field missing, an older schema version.
    writer = handle_for(app).open().writer()
    writer.remove_field("content")
    write_state(writer, SyncState(last_id=0, schema_version=1))
    writer.commit()
    forget_handle(app.config["SEARCH_INDEX_DIR"])
    sync(app)
    assert "content" in handle_for(app).open().schema
    assert found("omegawoord") == ["Omegawoord"]
    assert_index_matches_db(app)


def test_healthz_reports_how_far_the_index_lags(client, app, make_practice):
    sync(app)
    make_practice()
    make_practice()
    report = client.get("/healthz").get_json()["search"]
    assert report["status"] == "ok" and report["lag"] == 2
    sync(app)
    report = client.get("/healthz").get_json()["search"]
    assert report["lag"] == 0 and report["documents"] == 3  # and the final report


def test_healthz_is_503_when_the_index_cannot_be_created(app_config, tmp_path):
    from lerend_netwerk import create_app

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    broken = create_app(dict(app_config, SEARCH_INDEX_DIR=str(blocker / "index")))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["search"]["status"] == "error"
    with broken.app_context():
        db.engine.dispose()


# After a request that writes -----------------------------------------------------------------


@pytest.fixture
def writing_route(app):
    """A POST route that creates a practice, as any feature's form would."""
    from flask import request

    def create():
        db.session.add(
            Practice(slug=request.form["slug"], title=request.form["title"], summary="x")
        )
        db.session.commit()
        return "ok"

    app.add_url_rule("/_test/praktijk", "test_create_practice", create, methods=["POST"])


def test_a_request_that_writes_brings_the_index_up_to_date(client, app, writing_route):
    sync(app)
    response = post_form(client, "/_test/praktijk", {"slug": "phi", "title": "Phiwoord"})
    assert response.status_code == 200
    # No sync and no search yet: the request itself let the index catch up.
    assert handle_for(app).read_state().last_id == max(
        row.id for row in db.session.scalars(select(SearchChange))
    )
    assert any(key.startswith("practice:") for key in index_docs(app))


def test_in_production_a_background_thread_syncs_after_the_request(client, app, writing_route):
    app.config["SEARCH_SYNC_IN_BACKGROUND"] = True
    sync(app)
    response = post_form(client, "/_test/praktijk", {"slug": "chi", "title": "Chiwoord"})
    assert response.status_code == 200
    assert background.wait_idle(app, timeout=120)
    assert any(key.startswith("practice:") for key in index_docs(app))


def test_in_production_a_brand_new_index_is_built_before_the_first_search(app, make_practice):
    app.config["SEARCH_SYNC_IN_BACKGROUND"] = True
    make_practice(title="Psiwoord", summary="x")  # committed; no index exists yet
    assert found("psiwoord") == ["Psiwoord"]
    assert background.wait_idle(app, timeout=120)
