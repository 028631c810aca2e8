"""The remembered whole check: reused only when nothing it depended on changed."""

from __future__ import annotations

from pathlib import Path

from support.checks import check_json
from support.repos import AS_OF, edit


def _same(document: dict[str, object], other: dict[str, object]) -> bool:
    """The same findings, upcoming results (with their dates) and counts."""
    return all(document[key] == other[key] for key in ("findings", "upcoming", "summary"))


def test_a_remembered_check_answers_like_a_fresh_one(sample_copy: Path) -> None:
    date = ("--as-of", AS_OF.isoformat())
    _, fresh = check_json(sample_copy, *date)  # no cache at all
    first_run, first = check_json(sample_copy, *date, cache=True)
    assert (sample_copy / ".compliance-cache" / "check.marshal").is_file()
    again_run, again = check_json(sample_copy, *date, cache=True)  # from the memo
    assert first_run.exit_code == again_run.exit_code == 1
    assert _same(fresh, first) and _same(first, again)
    # an upcoming result remembers the date it becomes a failure (its rule's)
    assert [u["applies_from"]["date"] for u in again["upcoming"]] == ["2027-12-02"]

    # another evaluation date is another result
    _, later = check_json(sample_copy, "--as-of", "2027-01-15", cache=True)
    _, later_fresh = check_json(sample_copy, "--as-of", "2027-01-15")
    assert _same(later, later_fresh) and not _same(later, first)

    # a person leaves: every result that looked at them changes, through the memo too
    edit(sample_copy / "inventory/people/ljohansson.yaml", "\nname:", "\nstatus: left\nname:")
    _, changed = check_json(sample_copy, *date, cache=True)
    _, changed_fresh = check_json(sample_copy, *date)
    assert _same(changed, changed_fresh) and not _same(changed, first)
