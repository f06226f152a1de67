"""Networks as a content type: `networks/<slug>.md`, imported before everything else.

The default network is the one whose file says `default: true`. An import does not
choose another default: a database has its default network from the start, and only
that network's file may say `default: true` (its file may also leave the key out).
"""

from __future__ import annotations

from typing import Any

from lerend_netwerk.content_io.document import Problem
from lerend_netwerk.content_io.schema import BOOL, CHOICES, INT, NETWORKS, TEXT, Field, Kind
from lerend_netwerk.core.content_types import ContentType
from lerend_netwerk.levels import LEVELS
from lerend_netwerk.networks.context import NETWORK_PATH
from lerend_netwerk.networks.models import Network

COLOUR_PATTERN = r"#[0-9a-fA-F]{6}"


def complete_default(entries: list[Any], existing: dict[str, Any]) -> list[Problem]:
    """Keep the database's default network the default; at most one file says so."""
    current = next((slug for slug, network in existing.items() if network.is_default), None)
    problems: list[Problem] = []
    claimed: list[Any] = []
    for entry in entries:
        if entry.parsed is None or entry.parsed.record is None:
            continue
        record = entry.parsed.record
        if entry.slug == current:
            # The default network's file may leave `default` out: it stays the default.
            record["default"] = True
        elif record["default"]:
            claimed.append(entry)
    if current is not None:
        problems.extend(
            Problem(
                entry.display,
                1,
                f"'default: true' kan alleen bij het standaardnetwerk van deze installatie, "
                f"{current!r}: een import kiest geen ander standaardnetwerk",
            )
            for entry in claimed
        )
    elif len(claimed) > 1:
        problems.extend(
            Problem(entry.display, 1, "maar één netwerk kan 'default: true' hebben")
            for entry in claimed
        )
    return problems


KIND = Kind(
    NETWORKS,
    "network",
    Network,
    (
        Field("title", TEXT, required=True),
        Field("summary", TEXT),
        Field("region", TEXT),
        Field("levels", CHOICES, choices=LEVELS),
        Field(
            "colour",
            TEXT,
            pattern=COLOUR_PATTERN,
            pattern_hint="a colour written #rrggbb, like #1f6f8b",
        ),
        Field("logo", TEXT),
        Field("position", INT, default=0),
        Field("default", BOOL, default=False, attr="is_default"),
    ),
    url_prefix=NETWORK_PATH,
    complete=complete_default,
)

NETWORK = ContentType(name="network", model=Network, endpoint=None, content=KIND)
