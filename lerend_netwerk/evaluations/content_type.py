"""Evaluations as a content type: what the central modules need to know of them."""

from __future__ import annotations

from typing import Any

from lerend_netwerk.core.content_types import ContentType
from lerend_netwerk.evaluations.indicators import satisfaction_indicators
from lerend_netwerk.evaluations.models import Evaluation


def personal_data(user: Any) -> dict[str, Any]:
    from lerend_netwerk.evaluations.service import evaluations_of

    return {"evaluations": evaluations_of(user)}


# Account deletion needs no hook: an evaluation goes with its registration (CASCADE).
EVALUATION = ContentType(
    name="evaluation",
    model=Evaluation,
    personal_data=personal_data,
    indicators=satisfaction_indicators,
)
