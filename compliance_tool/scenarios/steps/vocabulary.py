"""The words and regular-expression pieces that the steps share: kinds, their plurals,
lifecycle stages, counts written as words, and dotted field paths."""

from __future__ import annotations

from compliance_tool.repository.kinds import Kind

KIND_WORDS: dict[str, Kind] = {
    "model": Kind.MODEL,
    "dataset": Kind.DATASET,
    "person": Kind.PERSON,
    "rotation": Kind.ROTATION,
    "incident": Kind.INCIDENT,
    "waiver": Kind.WAIVER,
    "team": Kind.TEAM,
}
PLURAL_WORDS: dict[str, Kind] = {
    "models": Kind.MODEL,
    "datasets": Kind.DATASET,
    "people": Kind.PERSON,
    "rotations": Kind.ROTATION,
    "incidents": Kind.INCIDENT,
    "waivers": Kind.WAIVER,
    "teams": Kind.TEAM,
}
IN_USE = ("development", "validation", "production", "deprecated")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}

# regular-expression pieces shared by the steps
PATH = r"(?P<path>[A-Za-z_][\w-]*(?:\.[\w-]+)*)"
OTHER = r"(?P<other>[A-Za-z_][\w-]*(?:\.[\w-]+)*)"
COUNT = r"(?P<count>one|two|three|four|five|\d+)"
KINDS = "|".join(KIND_WORDS)
PLURALS = "|".join(PLURAL_WORDS)
LIFECYCLES = "proposed|development|validation|production|deprecated|retired"
