"""Relevance measurement: does a query put one of the expected documents in the top 3?

A query set is JSON: {"audience": "member", "queries": [{"q": ..., "expect": [...]}]},
each expected document written `type:slug` (as in the index's keys, with the slug).
Used by the relevance test in tests/ and by benchmarks/relevance.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lerend_netwerk.search.documents import STAND_INS

TOP = 3


# A member (of a network none of the judged documents is in) and a coordinator who
# sees everything, drafts included.
VIEWERS: dict[str, Any] = {
    "public": None,
    "member": STAND_INS["member"],
    "coordinator": STAND_INS["admin"],
}


@dataclass
class Judged:
    query: str
    expected: list[str]
    got: list[str]

    @property
    def ok(self) -> bool:
        return any(key in self.expected for key in self.got[:TOP])


def load_set(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def judge(query_set: dict[str, Any]) -> list[Judged]:
    """Run every query of the set (inside an app context) and compare with its expectation."""
    from lerend_netwerk.search import service

    viewer = VIEWERS[query_set.get("audience", "member")]
    judged = []
    for item in query_set["queries"]:
        found = service.search(item["q"], viewer, per_page=TOP)
        got = [f"{hit.type}:{hit.slug}" for hit in found.hits]
        judged.append(Judged(item["q"], list(item["expect"]), got))
    return judged


def score(judged: list[Judged]) -> float:
    return sum(item.ok for item in judged) / len(judged) if judged else 0.0
