"""Abbreviations (what the search expands) as a content type: they travel in content
directories, and are not searchable documents themselves."""

from __future__ import annotations

from lerend_netwerk.content_io.schema import TEXT, Field, Kind
from lerend_netwerk.core.content_types import ContentType
from lerend_netwerk.search.models import Abbreviation

# "VDAB" also finds "Vlaamse Dienst voor Arbeidsbemiddeling".
ABBREVIATION = ContentType(
    name="abbreviation",
    model=Abbreviation,
    content=Kind(
        "abbreviations",
        "abbreviation",
        Abbreviation,
        (
            Field("title", TEXT, required=True),
            Field("meaning", TEXT, required=True),
        ),
    ),
)
