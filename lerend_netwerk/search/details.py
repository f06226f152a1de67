"""What a search result needs to be chosen: a session's date and place, a practice's proeftuin
and level, a thread's status and tally. Read from the database for the hits of one page only;
the hits are already limited to what the reader may see. Each content type says what its
results show (`SearchIndexing.details`)."""

from __future__ import annotations

from typing import Any

from lerend_netwerk.search.documents import indexings


def hit_details(hits: list[Any]) -> dict[str, str]:
    """One line of facts per hit URL (types without facts are left out)."""
    details: dict[str, str] = {}
    for spec in indexings().values():
        if spec.details is not None and any(hit.type == spec.doc_type for hit in hits):
            details.update(spec.details(hits))
    return details
