"""Files on documents: upload, rename, replace, remove, and the downloads.

Who may see a file is who may see its document (`AttachmentHost.can_view`): a hidden
document's files are 404, never 403. Who may change them is the host's `can_manage`.
Upload and the other changes answer JSON to the file list's script (it asks with
`Accept: application/json`) and redirect back to the document otherwise.
"""

from __future__ import annotations

import os
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import is_resource_modified
from werkzeug.wsgi import wrap_file

from lerend_netwerk import config
from lerend_netwerk.access import require_member
from lerend_netwerk.core.downloads import content_disposition
from lerend_netwerk.core.edge import large_body
from lerend_netwerk.core.errors import NotFoundError, render_error
from lerend_netwerk.extensions import db
from lerend_netwerk.files import service
from lerend_netwerk.files.forms import RemoveForm, RenameForm, ReplaceForm, UploadForm
from lerend_netwerk.files.images import thumbnail_mimetype
from lerend_netwerk.files.storage import storage
from lerend_netwerk.files.validation import INLINE_TYPES, FileRefused, megabytes

bp = Blueprint("files", __name__, template_folder="templates")

# Files up to this size are read at once (the file is closed before the answer goes out);
# larger ones are streamed.
IN_MEMORY = 4 * 1024 * 1024


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _too_large_message() -> str:
    limit = config.setting(current_app.config, "FILES_MAX_REQUEST_BYTES")
    return (
        f"Wat je doorstuurde is groter dan {megabytes(limit)}, het maximum per keer. "
        "Laad de bestanden in kleinere groepen op."
    )


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A body over the limit on an upload route: the message says how much may be sent."""
    message = _too_large_message()
    if _wants_json():
        return jsonify({"error": message}), 413
    return render_error(413, message)


def _done(parent_type: str, parent: Any, message: str, payload: dict | None = None):
    db.session.commit()
    if _wants_json():
        return jsonify({"message": message, **(payload or {})})
    flash(message, "success")
    return redirect(service.parent_url(parent_type, parent) + "#bestanden")


def _refused(parent_type: str, parent: Any, message: str, status: int = 422):
    db.session.rollback()
    if _wants_json():
        return jsonify({"error": message}), status
    flash(message, "error")
    return redirect(service.parent_url(parent_type, parent) + "#bestanden")


def _form_errors(form) -> str:
    return " ".join(error for errors in form.errors.values() for error in errors)


def _managed(attachment_id: int):
    """The file and its document for a change: 404 if hidden, sign-in, then 403."""
    attachment, parent = service.visible_attachment(attachment_id, current_user)
    require_member()
    service.ensure_may_manage(attachment.parent_type, parent, current_user)
    return attachment, parent


# --- changes ----------------------------------------------------------------------------


@bp.post("/bestanden/nieuw/<parent_type>/<int:parent_id>")
@large_body("FILES_MAX_REQUEST_BYTES")
def upload(parent_type: str, parent_id: int):
    """Managers of the document: one or more files in one multipart POST."""
    parent = service.visible_parent(parent_type, parent_id, current_user)
    require_member()
    service.ensure_may_manage(parent_type, parent, current_user)
    form = UploadForm()
    if not form.validate_on_submit():
        return _refused(parent_type, parent, _form_errors(form), 400)
    uploads = [
        (storage_file.filename or "", storage_file.read())
        for storage_file in request.files.getlist(form.files.name)
        if storage_file and (storage_file.filename or storage_file.content_length)
    ]
    try:
        result = service.attach_many(parent_type, parent, uploads, current_user)
    except FileRefused as error:
        return _refused(parent_type, parent, str(error))
    if len(uploads) == 1 and result.refused:
        refusal = result.refused[0]
        return _refused(
            parent_type, parent, f"‘{refusal.filename}’ is niet opgeladen: {refusal.message}"
        )
    if result.refused:
        lines = [f"‘{refusal.filename}’: {refusal.message}" for refusal in result.refused]
        return _refused(parent_type, parent, "Niets opgeladen. " + " ".join(lines))
    count = len(result.attachments)
    message = "Het bestand is toegevoegd." if count == 1 else f"{count} bestanden toegevoegd."
    return _done(
        parent_type,
        parent,
        message,
        {"files": [_summary(attachment) for attachment in result.attachments]},
    )


@bp.post("/bestanden/<int:attachment_id>/wijzigen/vervangen")
@large_body("FILES_MAX_REQUEST_BYTES")
def replace(attachment_id: int):
    """Managers: a new version of the file (the old one stays for coordinators)."""
    attachment, parent = _managed(attachment_id)
    form = ReplaceForm()
    if not form.validate_on_submit():
        return _refused(attachment.parent_type, parent, _form_errors(form), 400)
    upload_file = form.file.data
    try:
        service.replace(attachment, upload_file.filename or "", upload_file.read(), current_user)
    except FileRefused as error:
        return _refused(attachment.parent_type, parent, str(error))
    return _done(
        attachment.parent_type,
        parent,
        f"Er is een nieuwe versie van ‘{attachment.filename}’.",
        {"files": [_summary(attachment)]},
    )


@bp.post("/bestanden/<int:attachment_id>/wijzigen/naam")
def rename(attachment_id: int):
    """Managers: another name for the file."""
    attachment, parent = _managed(attachment_id)
    form = RenameForm()
    if not form.validate_on_submit():
        return _refused(attachment.parent_type, parent, _form_errors(form), 400)
    try:
        service.rename(attachment, form.filename.data)
    except FileRefused as error:
        return _refused(attachment.parent_type, parent, str(error))
    return _done(
        attachment.parent_type,
        parent,
        f"Het bestand heet nu ‘{attachment.filename}’.",
        {"files": [_summary(attachment)]},
    )


@bp.post("/bestanden/<int:attachment_id>/wijzigen/verwijderen")
def remove(attachment_id: int):
    """Managers: the file and its versions off the document."""
    attachment, parent = _managed(attachment_id)
    form = RemoveForm()
    if not form.validate_on_submit():
        return _refused(attachment.parent_type, parent, _form_errors(form), 400)
    name, parent_type = attachment.filename, attachment.parent_type
    service.remove(attachment)
    return _done(parent_type, parent, f"‘{name}’ is verwijderd.")


def _summary(attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "size": attachment.blob.size,
        "type": attachment.blob.mimetype,
        "url": url_for("files.download", attachment_id=attachment.id, filename=attachment.filename),
    }


# --- downloads --------------------------------------------------------------------------


def _serve(sha256: str, mimetype: str, filename: str, *, public: bool, inline: bool):
    """A stored content as a download: ETag (its checksum), 304, ranges, safe headers."""
    response = current_app.response_class(mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(sha256)
    # Every request asks again (a replaced file keeps its address); a members-only file
    # is kept by the reader's browser only, never by a shared cache.
    response.cache_control.no_cache = True
    if public:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
    if not inline:
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if not is_resource_modified(request.environ, etag=sha256):
        # Answered without touching the storage.
        return response.make_conditional(request)
    stream = storage().open(sha256)
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    if size <= IN_MEMORY:
        with stream:
            response.set_data(stream.read())
    else:
        response.response = wrap_file(request.environ, stream)
        response.direct_passthrough = True
        response.call_on_close(stream.close)
        response.content_length = size
    return response.make_conditional(request, accept_ranges=True, complete_length=size)


@bp.get("/bestanden/<int:attachment_id>/<filename>")
def download(attachment_id: int, filename: str):
    """The current version, for whoever may see the document."""
    attachment, parent = service.visible_attachment(attachment_id, current_user)
    if filename != attachment.filename:
        # An old link after a rename: the same file under its current name.
        return redirect(
            url_for("files.download", attachment_id=attachment.id, filename=attachment.filename)
        )
    blob = attachment.blob
    return _serve(
        blob.sha256,
        blob.mimetype,
        attachment.filename,
        public=service.is_public(attachment.parent_type, parent),
        inline=blob.mimetype in INLINE_TYPES,
    )


@bp.get("/bestanden/<int:attachment_id>/versies/<int:number>/<filename>")
def version(attachment_id: int, number: int, filename: str):
    """Coordinators: an older version of the file."""
    service.visible_attachment(attachment_id, current_user)
    require_member()
    found, _parent = service.old_version(attachment_id, number, current_user)
    if filename != found.filename:
        return redirect(
            url_for(
                "files.version",
                attachment_id=attachment_id,
                number=number,
                filename=found.filename,
            )
        )
    blob = found.blob
    return _serve(
        blob.sha256,
        blob.mimetype,
        found.filename,
        public=False,
        inline=blob.mimetype in INLINE_TYPES,
    )


@bp.get("/bestanden/<int:attachment_id>/miniatuur")
def thumbnail(attachment_id: int):
    """The thumbnail of an image, for whoever may see the document."""
    attachment, parent = service.visible_attachment(attachment_id, current_user)
    blob = attachment.blob
    if not blob.thumbnail_sha256:
        raise NotFoundError()
    return _serve(
        blob.thumbnail_sha256,
        thumbnail_mimetype_of(blob.thumbnail_sha256),
        f"miniatuur-{attachment.filename}",
        public=service.is_public(attachment.parent_type, parent),
        inline=True,
    )


def thumbnail_mimetype_of(sha256: str) -> str:
    with storage().open(sha256) as stream:
        return thumbnail_mimetype(stream.read(8))
