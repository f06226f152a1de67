"""Files on documents through HTTP and the service: upload, dedupe, versions, rename,
remove, refused uploads that store nothing, the body-size limits and the cleanup."""

from __future__ import annotations

import http.client
import io
import threading
from datetime import timedelta

import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.serving import make_server
from werkzeug.test import encode_multipart

from conftest import csrf_token, login
from file_samples import docx, exe, jpeg_with_gps, pdf, zip_bomb_docx
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.files import service
from lerend_netwerk.files.models import Attachment, AttachmentVersion, FileBlob
from lerend_netwerk.files.storage import sha256_of, storage

JSON = {"Accept": "application/json"}


@pytest.fixture
def coordinator(make_user):
    return make_user("coordinator")


@pytest.fixture
def practice(make_practice):
    return make_practice(slug="leidraad-werkplekleren")


def multipart(fields: dict[str, str], files: list[tuple[str, bytes, str]]) -> dict:
    """A multipart body encoded in memory (the test client would spool a large one to a
    temporary file it never closes)."""
    data = MultiDict(fields)
    for field, content, filename in files:
        data.add(field, FileStorage(io.BytesIO(content), filename=filename))
    boundary, body = encode_multipart(data)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(client, url: str, files: list[tuple[bytes, str]], token: str | None = None, **kw):
    token = token or csrf_token(client, "/praktijken")
    body = multipart({"csrf_token": token}, [("files", content, name) for content, name in files])
    return client.post(url, **body, **kw)


def upload_url(parent_type: str, parent) -> str:
    return f"/bestanden/nieuw/{parent_type}/{parent.id}"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored() -> set[str]:
    return set(storage().all())


def test_a_coordinator_uploads_several_files_at_once(client, coordinator, practice) -> None:
    login(client, coordinator)
    response = upload(
        client,
        upload_url("practice", practice),
        [(pdf(), "Leidraad één.pdf"), (docx(), "sjabloon.docx")],
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/praktijken/leidraad-werkplekleren#bestanden")
    files = service.attachments_of("practice", practice.id)
    assert [a.filename for a in files] == ["Leidraad één.pdf", "sjabloon.docx"]
    assert files[0].uploaded_by_id == coordinator.id
    assert [v.number for v in files[0].versions] == [1]
    page = client.get("/praktijken/leidraad-werkplekleren").get_data(as_text=True)
    assert "2 bestanden toegevoegd." in page
    assert "Leidraad één.pdf" in page and "sjabloon.docx" in page
    assert "PDF · " in page and "Word · " in page
    # The stored content is the uploaded content, addressed by its checksum.
    with storage().open(files[0].blob.sha256) as stream:
        assert stream.read() == pdf()


def test_the_script_gets_json(client, coordinator, practice) -> None:
    login(client, coordinator)
    response = upload(client, upload_url("practice", practice), [(pdf(), "a.pdf")], headers=JSON)
    assert response.status_code == 200
    body = response.get_json()
    assert body["message"] == "Het bestand is toegevoegd."
    assert body["files"][0]["filename"] == "a.pdf"
    assert body["files"][0]["url"] == f"/bestanden/{body['files'][0]['id']}/a.pdf"
    refused = upload(client, upload_url("practice", practice), [(exe(), "b.pdf")], headers=JSON)
    assert refused.status_code == 422
    assert "Programma's" in refused.get_json()["error"]


def test_the_same_bytes_are_stored_once(app, coordinator, practice, make_practice) -> None:
    other = make_practice()
    first = service.attach("practice", practice, "a.pdf", pdf(), coordinator)
    second = service.attach("practice", other, "kopie.pdf", pdf(), coordinator)
    again = service.store_blob(pdf())
    db.session.commit()
    assert first.blob_id == second.blob_id == again.id
    assert count(FileBlob) == 1
    assert stored() == {first.blob.sha256}


def test_names_are_unique_per_document(app, coordinator, practice) -> None:
    names = [
        service.attach("practice", practice, "nota.pdf", pdf(n), None).filename for n in (1, 2, 3)
    ]
    assert names == ["nota.pdf", "nota (2).pdf", "nota (3).pdf"]


def test_a_name_gets_the_extension_of_its_content(app, practice) -> None:
    assert service.attach("practice", practice, "rapport.exe", pdf(), None).filename == (
        "rapport.exe.pdf"
    )
    assert service.attach("practice", practice, "../../etc/passwd", docx(), None).filename == (
        "passwd.docx"
    )
    long = service.attach("practice", practice, "x" * 200 + ".pdf", pdf(2), None)
    assert len(long.filename) == 120 and long.filename.endswith(".pdf")


def test_versions_rename_and_remove(client, coordinator, practice) -> None:
    attachment = service.attach("practice", practice, "slides.pdf", pdf(1), coordinator)
    db.session.commit()
    login(client, coordinator)
    token = csrf_token(client, "/praktijken/leidraad-werkplekleren")
    response = client.post(
        f"/bestanden/{attachment.id}/wijzigen/vervangen",
        **multipart({"csrf_token": token}, [("file", pdf(2), "slides-v2.pdf")]),
    )
    assert response.status_code == 302
    db.session.expire_all()
    attachment = db.session.get(Attachment, attachment.id)
    assert [v.number for v in attachment.versions] == [2, 1]
    assert attachment.filename == "slides.pdf"
    assert attachment.blob.sha256 == sha256_of(pdf(2))
    # The same content again is no new version.
    service.replace(attachment, "slides.pdf", pdf(2), coordinator)
    assert len(attachment.versions) == 2

    current = client.get(f"/bestanden/{attachment.id}/slides.pdf")
    assert current.get_data() == pdf(2)
    old = client.get(f"/bestanden/{attachment.id}/versies/1/slides.pdf")
    assert old.status_code == 200 and old.get_data() == pdf(1)
    assert "private" in old.headers["Cache-Control"]
    assert client.get(f"/bestanden/{attachment.id}/versies/7/slides.pdf").status_code == 404
    page = client.get("/praktijken/leidraad-werkplekleren").get_data(as_text=True)
    assert "Versie 2 (huidige)" in page
    assert f"/bestanden/{attachment.id}/versies/1/slides.pdf" in page

    response = client.post(
        f"/bestanden/{attachment.id}/wijzigen/naam",
        data={"csrf_token": token, "filename": "Presentatie"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Attachment, attachment.id).filename == "Presentatie.pdf"
    # An old link finds the file under its new name.
    moved = client.get(f"/bestanden/{attachment.id}/slides.pdf")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith(f"/bestanden/{attachment.id}/Presentatie.pdf")

    attachment_id = attachment.id
    response = client.post(
        f"/bestanden/{attachment_id}/wijzigen/verwijderen", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert count(Attachment) == 0 and count(AttachmentVersion) == 0
    assert client.get(f"/bestanden/{attachment_id}/Presentatie.pdf").status_code == 404


def test_replacing_with_another_type_changes_the_extension(app, practice) -> None:
    attachment = service.attach("practice", practice, "planning.pdf", pdf(), None)
    service.attach("practice", practice, "planning.docx", docx("andere"), None)
    service.replace(attachment, "nieuw.docx", docx(), None)
    assert attachment.filename == "planning (2).docx"


def test_a_refused_file_stores_nothing_of_the_request(client, coordinator, practice) -> None:
    login(client, coordinator)
    response = upload(
        client,
        upload_url("practice", practice),
        [(pdf(), "goed.pdf"), (zip_bomb_docx(), "bom.docx"), (exe(), "setup.pdf")],
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Niets opgeladen." in page
    assert "‘bom.docx’" in page and "zip-bom" in page
    assert "‘setup.pdf’" in page and "Programma" in page
    assert count(Attachment) == 0 and count(FileBlob) == 0
    assert stored() == set()


def test_a_failed_commit_leaves_only_content_the_cleanup_removes(app, practice) -> None:
    service.attach("practice", practice, "weg.pdf", pdf(), None)
    db.session.rollback()
    assert count(FileBlob) == 0
    assert stored() == {sha256_of(pdf())}
    # Recent content is spared: its row may still be on its way in another worker.
    assert service.cleanup().contents == 0
    assert stored() == {sha256_of(pdf())}
    result = service.cleanup(now=utcnow() + timedelta(hours=2))
    assert result.contents == 1
    assert stored() == set()


def test_the_cleanup_removes_removed_files_and_keeps_the_rest(app, practice) -> None:
    kept = service.attach("practice", practice, "blijft.pdf", pdf(1), None)
    photo = service.attach("practice", practice, "foto.jpg", jpeg_with_gps(), None)
    gone = service.attach("practice", practice, "weg.pdf", pdf(2), None)
    service.replace(kept, "blijft.pdf", pdf(3), None)
    db.session.commit()
    gone_sha = gone.blob.sha256
    service.remove(gone)
    db.session.commit()
    (storage().root / "ab" / "cd").mkdir(parents=True)
    (storage().root / "ab" / "cd" / ".upload-half").write_bytes(b"half")
    result = service.cleanup(now=utcnow() + timedelta(hours=2))
    assert (result.rows, result.contents, result.temporaries) == (1, 1, 1)
    remaining = stored()
    assert gone_sha not in remaining
    # Both versions of the kept file, the photo and its thumbnail stay.
    assert {sha256_of(pdf(1)), sha256_of(pdf(3)), photo.blob.sha256} <= remaining
    assert photo.blob.thumbnail_sha256 in remaining
    assert count(FileBlob) == 3


def test_the_cleanup_command(app, runner, practice) -> None:
    service.attach("practice", practice, "weg.pdf", pdf(), None)
    db.session.rollback()
    result = runner.invoke(args=["files", "cleanup"])
    assert result.exit_code == 0, result.output
    assert "Removed 0 unused file row(s), 0 stored content(s)" in result.output


def test_an_uploaded_photo_is_served_without_exif(client, coordinator, practice) -> None:
    login(client, coordinator)
    upload(client, upload_url("practice", practice), [(jpeg_with_gps(), "IMG_0001.JPG")])
    attachment = service.attachments_of("practice", practice.id)[0]
    assert attachment.filename == "IMG_0001.jpg"
    assert (attachment.blob.width, attachment.blob.height) == (800, 600)
    for url in (
        f"/bestanden/{attachment.id}/IMG_0001.jpg",
        f"/bestanden/{attachment.id}/miniatuur",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        image = Image.open(io.BytesIO(response.get_data()))
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "exif" not in image.info
    page = client.get("/praktijken/leidraad-werkplekleren").get_data(as_text=True)
    assert f'src="/bestanden/{attachment.id}/miniatuur"' in page
    assert "800 × 600 px" in page


def test_download_headers(client, practice, make_practice) -> None:
    attachment = service.attach("practice", practice, "Leidraad één.pdf", pdf(), None)
    sheet = service.attach("practice", practice, "cijfers.csv", b"a;b\n1;2\n", None)
    db.session.commit()
    response = client.get(f"/bestanden/{attachment.id}/Leidraad%20%C3%A9%C3%A9n.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "inline; filename=\"Leidraad n.pdf\"; filename*=UTF-8''Leidraad%20%C3%A9%C3%A9n.pdf"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] == f'"{attachment.blob.sha256}"'
    assert response.headers["Cache-Control"] in ("no-cache, public", "public, no-cache")
    assert int(response.headers["Content-Length"]) == len(pdf())
    again = client.get(
        f"/bestanden/{attachment.id}/Leidraad%20%C3%A9%C3%A9n.pdf",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304
    part = client.get(
        f"/bestanden/{attachment.id}/Leidraad%20%C3%A9%C3%A9n.pdf", headers={"Range": "bytes=0-4"}
    )
    assert part.status_code == 206 and part.get_data() == b"%PDF-"
    csv = client.get(f"/bestanden/{sheet.id}/cijfers.csv")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.headers["Content-Disposition"] == 'attachment; filename="cijfers.csv"'
    assert "sandbox" in csv.headers["Content-Security-Policy"]


def test_members_only_files_are_cached_privately(client, make_user, make_practice) -> None:
    hidden = make_practice(visibility="members")
    attachment = service.attach("practice", hidden, "intern.pdf", pdf(), None)
    db.session.commit()
    login(client, make_user())
    response = client.get(f"/bestanden/{attachment.id}/intern.pdf")
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]


def test_a_thumbnail_only_for_images(client, practice) -> None:
    attachment = service.attach("practice", practice, "a.pdf", pdf(), None)
    db.session.commit()
    assert client.get(f"/bestanden/{attachment.id}/miniatuur").status_code == 404


@pytest.fixture
def app_config(app_config):
    # Small limits so that the tests send little: 1 MB a file, 2 MB a request.
    return {
        **app_config,
        "FILES_MAX_BYTES": 1024 * 1024,
        "FILES_MAX_REQUEST_BYTES": 2 * 1024 * 1024,
    }


def test_a_file_over_the_file_limit(client, coordinator, practice) -> None:
    login(client, coordinator)
    big = pdf() + b"\n%" + bytes(1024 * 1024)
    response = upload(client, upload_url("practice", practice), [(big, "groot.pdf")], headers=JSON)
    assert response.status_code == 422
    assert response.get_json()["error"] == (
        "‘groot.pdf’ is niet opgeladen: Het bestand is groter dan 1 MB, het maximum."
    )


def test_a_request_over_the_request_limit_is_a_dutch_413(client, coordinator, practice) -> None:
    login(client, coordinator)
    token = csrf_token(client, "/praktijken")
    files = [(pdf(n) + bytes(900 * 1024), f"deel{n}.pdf") for n in (1, 2, 3)]
    response = upload(client, upload_url("practice", practice), files, token=token)
    assert response.status_code == 413
    assert "groter dan 2 MB, het maximum per keer" in response.get_data(as_text=True)
    as_json = upload(client, upload_url("practice", practice), files, token=token, headers=JSON)
    assert as_json.status_code == 413
    assert "in kleinere groepen" in as_json.get_json()["error"]
    assert count(Attachment) == 0


def test_uploads_under_the_request_limit_pass_the_edge_but_other_routes_keep_theirs(
    client, app, coordinator, practice
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024
    login(client, coordinator)
    token = csrf_token(client, "/praktijken")
    files = [(pdf(n) + b"\n%" + bytes(700 * 1024), f"deel{n}.pdf") for n in (1, 2)]
    assert upload(client, upload_url("practice", practice), files, token=token).status_code == 302
    assert count(Attachment) == 2
    big_form = client.post(
        "/login", data={"csrf_token": token, "email": "x" * (600 * 1024), "password": "y"}
    )
    assert big_form.status_code == 413
    assert "het maximum per keer" not in big_form.get_data(as_text=True)


@pytest.fixture
def served(app):
    """The app behind a real HTTP server (Werkzeug's, which reads chunked bodies)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Request threads are joined on close, so none still holds a database connection
    # when the test's database goes away.
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def _chunked_post(port: int, path: str, body: bytes) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def chunks():
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    try:
        connection.request(
            "POST",
            path,
            body=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=grens"},
            encode_chunked=True,
        )
        return connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        # The server may close the connection before the client is done sending.
        return 413
    finally:
        connection.close()


def test_a_chunked_upload_gets_the_upload_limit(app, served, practice) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024
    url = upload_url("practice", practice)
    part = b'--grens\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n'
    # Over MAX_CONTENT_LENGTH, under the upload limit: read whole (then refused for its
    # missing CSRF token), not cut off as too large.
    body = part + bytes(1024 * 1024) + b"\r\n--grens--\r\n"
    assert _chunked_post(served, url, body) == 400
    # Over the upload limit: 413.
    assert _chunked_post(served, url, part + bytes(3 * 1024 * 1024)) == 413
    # Another route keeps the small limit.
    assert _chunked_post(served, "/login", part + bytes(1024 * 1024)) == 413


def test_an_upload_without_csrf_is_refused(client, coordinator, practice) -> None:
    login(client, coordinator)
    response = client.post(
        upload_url("practice", practice),
        data={"files": [(io.BytesIO(pdf()), "a.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert count(Attachment) == 0


def test_an_upload_without_files(client, coordinator, practice) -> None:
    login(client, coordinator)
    response = client.post(
        upload_url("practice", practice),
        data={"csrf_token": csrf_token(client, "/praktijken")},
        headers=JSON,
    )
    assert response.status_code == 422
    assert response.get_json()["error"] == "Kies minstens één bestand."


def test_a_kind_without_files_is_not_found(client, coordinator, make_theme) -> None:
    theme = make_theme()
    login(client, coordinator)
    token = csrf_token(client, "/praktijken")
    assert (
        upload(
            client, f"/bestanden/nieuw/theme/{theme.id}", [(pdf(), "a.pdf")], token=token
        ).status_code
        == 404
    )
    assert (
        upload(client, "/bestanden/nieuw/onbekend/1", [(pdf(), "a.pdf")], token=token).status_code
        == 404
    )


def test_two_uploads_of_the_same_bytes_at_once_share_one_row(app, practice, monkeypatch) -> None:
    """The other upload commits its row between our look-up and our insert: ours uses it."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers: a request holds the write lock from its start")
    from lerend_netwerk.files.storage import LocalStorage

    content = pdf(4)
    sha256 = sha256_of(content)
    put = LocalStorage.put
    raced = []

    def put_while_another_commits(self, data: bytes) -> str:
        if not raced:
            raced.append(True)
            with db.engine.begin() as other:
                other.execute(
                    FileBlob.__table__.insert().values(
                        sha256=sha256,
                        size=len(content),
                        mimetype="application/pdf",
                        created_at=utcnow(),
                        text_status=FileBlob.PENDING,
                        text_attempts=0,
                    )
                )
        return put(self, data)

    monkeypatch.setattr(LocalStorage, "put", put_while_another_commits)
    attachment = service.attach("practice", practice, "gelijk.pdf", content, None)
    db.session.commit()
    assert raced
    assert count(FileBlob) == 1
    assert attachment.blob.sha256 == sha256
    assert count(Attachment) == 1
