"""The questionnaire an attendee fills in."""

from __future__ import annotations

from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lerend_netwerk.core.forms import Form
from lerend_netwerk.evaluations.service import TEXT_MAX, Answer

SCORE_LABELS = [
    ("5", "5 — heel goed"),
    ("4", "4 — goed"),
    ("3", "3 — gemiddeld"),
    ("2", "2 — matig"),
    ("1", "1 — slecht"),
]
TOO_LONG = f"Hou je antwoord onder {TEXT_MAX} tekens."


class EvaluationForm(Form):
    score = RadioField(
        "Hoe tevreden ben je over deze sessie?",
        choices=SCORE_LABELS,
        validators=[DataRequired("Kies een score van 1 tot 5.")],
    )
    useful = TextAreaField(
        "Wat was nuttig?", validators=[Optional(), Length(max=TEXT_MAX, message=TOO_LONG)]
    )
    better = TextAreaField(
        "Wat kan beter?", validators=[Optional(), Length(max=TEXT_MAX, message=TOO_LONG)]
    )
    topics = TextAreaField(
        "Welke onderwerpen wil je bespreken in een volgende intervisie?",
        validators=[Optional(), Length(max=TEXT_MAX, message=TOO_LONG)],
    )

    def answer(self) -> Answer:
        return Answer(
            score=int(self.score.data),
            useful=self.useful.data or "",
            better=self.better.data or "",
            topics=self.topics.data or "",
        )
