"""The education levels of the network, shared by every kind of content that has one."""

LEVELS = ("hoger-onderwijs", "volwassenenonderwijs", "secundair")
LEVEL_LABELS = {
    "hoger-onderwijs": "Hoger onderwijs",
    "volwassenenonderwijs": "Volwassenenonderwijs",
    "secundair": "Secundair onderwijs",
}


def level_label(level: str | None) -> str | None:
    """The level's name for people; None for no level."""
    return LEVEL_LABELS.get(level, level) if level else None
