"""The weekly review pack: on a copy of the sample with a scripted past, the pack's
figures, findings, incidents and what falls due, as Markdown (parsed by a CommonMark
parser) and as a PDF read back (text, attachment, signature)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from support.cli import invoke
from support.git import git, identity, isolated_config
from support.markdown import tables
from support.pdf import attachments, flat, pdfsig, pdftotext, weasyprint_quiet
from support.repos import CONFIG, REPO_ROOT, copy_sample, edit

from compliance_tool.audit.review import ReviewPack, review_pack
from compliance_tool.audit.trend import parse_period
from compliance_tool.reporters.review import render_markdown, sparkline
from compliance_tool.repository.kinds import Kind, Lifecycle
from compliance_tool.repository.session import Where, open_inventory

MEETING = dt.date(2026, 12, 1)
WEEK = parse_period("P7D")


def _commit(root: Path, message: str, when: str, env: dict[str, str]) -> None:
    full = {**os.environ, **env, **identity(("Alice Adams", "alice@example.com"), when=when)}
    git(root, "add", "-A", env=full)
    git(root, "commit", "-q", "--no-gpg-sign", "-m", message, env=full)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample with two commits: on 2026-11-20 last week's figures for fraud-scoring
    (cost 0.27, as of 2026-11-17) and credit-scoring without out-of-scope uses (USE-01
    fails); on 2026-11-28 the sample as it is."""
    base = tmp_path_factory.mktemp("review")
    root = copy_sample(base / "repo", config=True)
    env = isolated_config(base / "home")
    git(root, "init", "-q", env={**os.environ, **env})
    model = root / "inventory/models/fraud-scoring.yaml"
    current = model.read_text(encoding="utf-8")
    edit(model, "    as_of: 2026-11-24\n", "    as_of: 2026-11-17\n")
    edit(model, "cost_per_1k_inferences_usd: 0.31", "cost_per_1k_inferences_usd: 0.27")
    credit = root / "inventory/models/credit-scoring.yaml"
    credit_text = credit.read_text(encoding="utf-8")
    edit(
        credit,
        "  out_of_scope:\n    - mortgage lending (see mortgage-affordability)\n"
        "    - SME or corporate lending\n"
        "    - existing-customer limit increases without a new application\n",
        "",
    )
    _commit(root, "last week", "2026-11-20T10:00:00+00:00", env)
    model.write_text(current, encoding="utf-8")
    credit.write_text(credit_text, encoding="utf-8")
    _commit(root, "this week", "2026-11-28T10:00:00+00:00", env)
    return root


@pytest.fixture(scope="module")
def pack(history: Path) -> ReviewPack:
    return review_pack(history, ref=None, as_of=MEETING, period=WEEK)


def _production(root: Path) -> set[str]:
    inventory = open_inventory(Where(root, use_cache=False))
    return {
        m.id
        for m in inventory.records(Kind.MODEL)
        if m.data.get("lifecycle") == Lifecycle.PRODUCTION.value
    }


def test_every_production_model_has_its_three_headline_figures(
    pack: ReviewPack, history: Path
) -> None:
    models = {m.id: m for team in pack.teams for m in team.models}
    assert set(models) == _production(history)
    for model in models.values():
        assert [h.metric for h in model.headlines] == [
            "failed_deployments_90d",
            "retraining_backlog_days",
            "cost_per_1k_inferences_usd",
        ], model.id


def test_a_figure_has_its_direction_since_the_previous_review(pack: ReviewPack) -> None:
    fraud = next(m for t in pack.teams for m in t.models if m.id == "fraud-scoring")
    cost = next(h.series for h in fraud.headlines if h.metric == "cost_per_1k_inferences_usd")
    assert (cost.latest, cost.previous) == (0.31, 0.27)
    assert cost.direction == "worse"  # a cost budget is a maximum: up is worse
    assert cost.change == pytest.approx(0.04)


def test_findings_are_compared_with_the_previous_review(pack: ReviewPack) -> None:
    """The previous review (2026-11-24) saw the commit of 2026-11-20: credit-scoring's
    missing out-of-scope uses are resolved since; demand-forecast's weekly retraining,
    due on 2026-11-30, is a new finding of the calendar."""
    assert pack.previous == dt.date(2026, 11, 24)
    assert pack.previous_commit is not None
    resolved = {(f.rule, f.subject) for f in pack.resolved_findings}
    new = {(f.rule, f.subject) for f in pack.new_findings}
    assert ("USE-01-intended-use", "credit-scoring") in resolved
    assert ("RET-01-retraining-cadence", "demand-forecast") in new
    assert not resolved & new


def test_what_falls_due_and_the_decisions_come_most_urgent_first(pack: ReviewPack) -> None:
    waiver = next(o for o in pack.due if o.record_id == "W-2026-014")
    assert waiver.date == dt.date(2026, 12, 31)
    assert [d.urgency for d in pack.decisions] == sorted(d.urgency for d in pack.decisions)
    overdue = [d for d in pack.decisions if "overdue" in d.text]
    assert overdue and overdue == sorted(overdue, key=lambda d: (d.urgency, d.day))


def test_incidents_of_the_period_with_their_review(history: Path) -> None:
    """INC-2026-0071 was detected on 2026-11-17 and resolved the next day; its review
    is recorded."""
    at = review_pack(history, ref=None, as_of=dt.date(2026, 11, 20), period=WEEK)
    incident = next(i for i in at.incidents if i.id == "INC-2026-0071")
    assert incident.opened and incident.closed
    assert incident.review.startswith("recorded (docs/pir/INC-2026-0071.md")
    assert not incident.review_late


def test_the_markdown_reads_as_an_agenda(pack: ReviewPack) -> None:
    text = render_markdown(pack)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert [h.split(" ", 2)[2].split(" (")[0].split(",")[0] for h in headings[:6]] == [
        "Decisions needed",
        "Headline figures",
        "Incidents",
        "Findings since the previous review",
        "Falling due",
        "On-call hand-overs",
    ]
    html = MarkdownIt("commonmark", {"html": True}).enable(["table"]).render(text)
    cells = [cell for table in tables(html).tables for row in table for cell in row]
    fraud = next(c for c in cells if c.startswith("$0.31"))
    assert "+$0.04 since 2026-11-17, worse" in fraud


def test_a_series_is_drawn_from_its_first_figure() -> None:
    assert sparkline([None, None, 1.0, 2.0, 3.0]) == "▁▅█"
    assert sparkline([2.0, None, 2.0]) == "▁ ▁"
    assert sparkline([None, None]) == ""


def test_a_team_sees_its_own_models(history: Path) -> None:
    retail = review_pack(history, ref=None, as_of=MEETING, period=WEEK, team="retail-analytics")
    assert [t.id for t in retail.teams] == ["retail-analytics"]
    assert {m.id for m in retail.teams[0].models} == {
        "churn-propensity",
        "demand-forecast",
        "product-recommendations",
    }
    assert all(
        f.subject in {"churn-propensity", "demand-forecast", "product-recommendations"}
        for f in retail.new_findings
    )


def test_the_pdf_shows_the_figures_and_carries_the_markdown(history: Path, tmp_path: Path) -> None:
    target = tmp_path / "review.pdf"
    with weasyprint_quiet():
        result = invoke(
            "--repo",
            history,
            "review",
            "--as-of",
            "2026-12-01",
            "--format",
            "pdf",
            "--output",
            target,
            "--sign",
        )
    assert result.exit_code == 0, result.output
    text = flat(pdftotext(target))
    for heading in ("Decisions needed", "Headline figures", "Falling due"):
        assert heading in text
    for model in _production(history):  # a hyphen where a name wraps is dropped by pdftotext
        assert model.replace("-", "") in text.replace("-", "")
    assert "▲ +$0.04 since 2026-11-17, worse" in text
    markdown = attachments(target)["review.md"].decode("utf-8")
    assert markdown == render_markdown(review_pack(history, ref=None, as_of=MEETING, period=WEEK))
    assert "Signature is Valid" in pdfsig(target)


def test_bad_input_is_refused_and_writes_nothing(history: Path, tmp_path: Path) -> None:
    unknown = invoke("--repo", history, "review", "--team", "retail-analytic")
    assert unknown.exit_code == 2
    assert "retail-analytics" in unknown.output  # the closest id
    period = invoke("--repo", history, "review", "--period", "weekly")
    assert period.exit_code == 2 and "ISO 8601" in period.output
    missing = tmp_path / "no-such-folder" / "review.pdf"
    folder = invoke("--repo", history, "review", "--format", "pdf", "--output", missing)
    assert folder.exit_code == 2 and "does not exist" in folder.output
    assert not missing.parent.exists()


def test_the_sample_checkout_has_a_previous_week(monkeypatch: pytest.MonkeyPatch) -> None:
    """This project's own history holds the sample's figures of the week before: the
    review of the sample shows a direction, not only 'no earlier figure'. (The sample
    is only read: no cache is written into it.)"""
    monkeypatch.setenv("COMPLIANCE_TOOL_NO_CACHE", "1")
    if shutil.which("git") is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    assert (REPO_ROOT / CONFIG).exists()
    at = review_pack(REPO_ROOT, ref="HEAD", as_of=MEETING, period=WEEK)
    directions = {h.series.direction for t in at.teams for m in t.models for h in m.headlines}
    assert directions & {"worse", "better"}


def test_the_hand_overs_of_the_coming_week_say_who_staff_or_external(pack: ReviewPack) -> None:
    """ml-sre-payments hands the week over on Monday 09:00 Berlin time, and London takes
    the night at 18:00; ml-sre-credit's weekend cover ends on Sunday 22:00 (P14)."""
    payments = [h for h in pack.handovers if h.rotation == "ml-sre-payments"]
    assert [(h.at, h.from_person, h.to_person, h.to_external) for h in payments] == [
        ("2026-12-07T09:00+01:00", "mvoss", "tbauer", False),
        ("2026-12-07T18:00+01:00", "tbauer", "rpatel", True),
    ]
    assert payments[1].organisation == "Lattice MLOps Ltd"
    credit = next(g for g in pack.cover_gaps if g.rotation == "ml-sre-credit")
    assert credit.first == "Sun 22:00–Mon 09:00 Europe/Berlin"
    assert "**Nobody on call** on `ml-sre-credit`" in render_markdown(pack)
