"""Files the platform hands out: an attachment with a safe file name, kept by nobody."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response


def attachment(
    data: bytes | str, mimetype: str, filename: str, *, private: bool = True
) -> Response:
    """`data` as a download named `filename`.

    The name is quoted ASCII, with the full name as `filename*` when it is not plain
    ASCII (RFC 6266). A private file (attendee lists, answers, personal data) may not be
    kept by a browser or proxy.
    """
    # A type that names its charset is taken as it is; Flask adds utf-8 to text types.
    if "charset=" in mimetype:
        response = Response(data, content_type=mimetype)
    else:
        response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    if private:
        response.cache_control.no_store = True
        response.cache_control.private = True
    return response


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """`attachment` (or `inline`, shown by the browser) with the name quoted as ASCII, and
    the full name as `filename*` (RFC 6266, RFC 5987) when it is not plain ASCII."""
    plain = "".join(c for c in filename if 32 <= ord(c) < 127 and c not in '"\\')
    header = f'{"inline" if inline else "attachment"}; filename="{plain}"'
    if plain != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header
