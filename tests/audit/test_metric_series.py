"""`metrics`: each figure at the period end of its own date, read from every version of
the model files and of the metrics snapshot in a scripted history, with late commits,
a commit that does not validate, a model without metrics, and the CLI's text and JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from support.cli import run
from support.git import ALICE, Script, identity, isolated_config
from support.repos import REPO_ROOT
from support.schemas import load_schema, messages, validator_for

from compliance_tool.audit.metric_series import MetricHistory, MetricSeries, metric_history
from compliance_tool.audit.trend import parse_period
from compliance_tool.errors import InventoryError

M1 = "inventory/models/m1.yaml"
SNAPSHOT = "inventory/observations/metrics.yaml"
THRESHOLDS = """\
monitoring:
  thresholds:
    cost_per_1k_inferences_usd: {max: 0.4}
    availability: {min: 0.99}
"""
WEEKLY = parse_period("P7D")
AS_OF = dt.date(2026, 3, 31)
"""Four weekly ends: 2026-03-10, 03-17, 03-24, 03-31."""


def _metrics(as_of: str, **values: float) -> str:
    fields = "".join(f"    {name}: {value}\n" for name, value in values.items())
    return f"  metrics:\n    as_of: {as_of}\n{fields}"


def _snapshot(observed_at: str, cost: float) -> str:
    return f"""\
apiVersion: governance/v1
kind: Observation
id: metrics
source: {{system: openmetrics, address: deploy/metrics.prom}}
observed_at: '{observed_at}'
tool_version: 0.1.0
entries:
- model: m1
  environment: prod
  metrics: {{cost_per_1k_inferences_usd: {cost}, data_drift: 0.05}}
"""


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """m1 with thresholds and weekly figures; m2 in production without any; one commit
    that breaks m1's file; a late commit whose figure is dated a week before."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in isolated_config(tmp_path_factory.mktemp("git-home")).items():
            patch.setenv(name, value)
        script = Script.minimal(tmp_path_factory.mktemp("weeks") / "repo")
        base = script.read(M1)
        script.write("inventory/models/m2.yaml", base.replace("id: m1", "id: m2"))

        def m1(metrics: str) -> None:
            script.write(M1, base + metrics + THRESHOLDS)

        commits = {}
        m1(
            _metrics(
                "2026-03-01",
                failed_deployments_90d=1,
                retraining_backlog_days=4,
                cost_per_1k_inferences_usd=0.30,
                availability_30d=0.995,
            )
        )
        commits["c1"] = script.commit("m1 figures", "2026-03-02T09:00:00+00:00")
        m1(_metrics("2026-03-11", failed_deployments_90d=1, retraining_backlog_days=6))
        script.write(SNAPSHOT, _snapshot("2026-03-15T06:00:00Z", 0.33))
        commits["c2"] = script.commit("m1 figures, first snapshot", "2026-03-12T09:00:00+00:00")
        script.write(M1, base.replace("lifecycle: production", "lifecycle: live"))
        commits["bad"] = script.commit("m1 broken", "2026-03-20T09:00:00+00:00")
        m1(_metrics("2026-03-16", retraining_backlog_days=3, cost_per_1k_inferences_usd=0.35))
        commits["late"] = script.commit("m1 figures of 16 March", "2026-03-28T09:00:00+00:00")
        m1(
            _metrics(
                "2026-03-29",
                failed_deployments_90d=0,
                retraining_backlog_days=5,
                cost_per_1k_inferences_usd=0.45,
                availability_30d=0.99,
            )
        )
        script.write(SNAPSHOT, _snapshot("2026-03-30T06:00:00Z", 0.36))
        commits["c5"] = script.commit("m1 figures, snapshot", "2026-03-30T09:00:00+00:00")
        return script.root, commits


def _one(history: MetricHistory, model: str, metric: str, source: str = "declared") -> MetricSeries:
    (found,) = [
        s for s in history.series if (s.model, s.metric, s.source) == (model, metric, source)
    ]
    return found


def _values(series: MetricSeries) -> list[float | None]:
    return [p.value for p in series.points]


def test_figures_land_at_the_end_of_their_own_date(weeks: tuple[Path, dict[str, str]]) -> None:
    root, commits = weeks
    history = metric_history(root, as_of=AS_OF, period=WEEKLY, points=4)
    assert [e.isoformat() for e in history.ends] == [
        "2026-03-10",
        "2026-03-17",
        "2026-03-24",
        "2026-03-31",
    ]
    cost = _one(history, "m1", "cost_per_1k_inferences_usd")
    # the figure of 16 March, committed on 28 March, is the one in force on 17 and 24 March
    assert _values(cost) == [0.30, 0.35, 0.35, 0.45]
    assert [p.commit for p in cost.points] == [
        commits["c1"],
        commits["late"],
        commits["late"],
        commits["c5"],
    ]
    assert cost.points[1].as_of == dt.date(2026, 3, 16) and cost.points[1].source == "declared"
    assert cost.points[1].path == M1
    backlog = _one(history, "m1", "retraining_backlog_days")
    assert _values(backlog) == [4, 3, 3, 5]
    assert (backlog.previous, backlog.latest, backlog.change) == (3, 5, 2)


def test_directions_against_max_and_min_thresholds(weeks: tuple[Path, dict[str, str]]) -> None:
    root, _ = weeks
    history = metric_history(root, as_of=AS_OF, period=WEEKLY, points=4)
    cost = _one(history, "m1", "cost_per_1k_inferences_usd")
    assert (cost.threshold, cost.limit, cost.higher_is_worse) == ("at most 0.4", 0.4, True)
    assert cost.direction == "breached"  # 0.45 is above 0.4
    availability = _one(history, "m1", "availability_30d")
    assert (availability.threshold, availability.higher_is_worse) == ("at least 0.99", False)
    assert availability.change == pytest.approx(-0.005)
    assert availability.direction == "worse"  # down towards its floor, not beyond it
    assert _one(history, "m1", "retraining_backlog_days").direction == "worse"
    assert _one(history, "m1", "failed_deployments_90d").direction == "better"
    # on 24 March the figure of 16 March is still the latest: compared with the one before
    earlier = metric_history(root, as_of=dt.date(2026, 3, 24), period=WEEKLY, points=4)
    cost = _one(earlier, "m1", "cost_per_1k_inferences_usd")
    assert (cost.previous, cost.latest, cost.previous_end) == (0.30, 0.35, dt.date(2026, 3, 10))
    assert cost.direction == "worse"
    # one figure all along: nothing to compare with
    assert _one(earlier, "m1", "availability_30d").direction == "no-previous"
    steady = metric_history(root, as_of=dt.date(2026, 3, 17), period=WEEKLY, points=3)
    assert _one(steady, "m1", "failed_deployments_90d").direction == "steady"  # 1, then 1
    first = metric_history(root, as_of=dt.date(2026, 3, 5), period=WEEKLY, points=2)
    assert _one(first, "m1", "cost_per_1k_inferences_usd").direction == "no-previous"


def test_a_model_without_metrics_is_missing_not_zero(weeks: tuple[Path, dict[str, str]]) -> None:
    root, _ = weeks
    history = metric_history(root, as_of=AS_OF, period=WEEKLY, points=4)
    assert history.models == ("m1", "m2")
    m2 = [s for s in history.series if s.model == "m2"]
    assert [s.metric for s in m2] == [
        "failed_deployments_90d",
        "retraining_backlog_days",
        "cost_per_1k_inferences_usd",
    ]
    assert all(_values(s) == [None] * 4 and s.direction == "missing" for s in m2)


def test_a_commit_that_does_not_validate_is_a_gap(weeks: tuple[Path, dict[str, str]]) -> None:
    root, commits = weeks
    history = metric_history(root, as_of=AS_OF, period=WEEKLY, points=4)
    (gap,) = history.gaps
    assert (gap.commit, gap.date, gap.path) == (commits["bad"], dt.date(2026, 3, 20), M1)
    assert gap.reason.startswith("does not validate: lifecycle")
    # out of the window, the gap is not listed
    assert not metric_history(root, as_of=AS_OF, period=WEEKLY, points=1).gaps


def test_observed_snapshots_have_series_of_their_own(weeks: tuple[Path, dict[str, str]]) -> None:
    root, commits = weeks
    history = metric_history(root, as_of=AS_OF, period=WEEKLY, points=4, models={"m1"})
    cost = _one(history, "m1", "cost_per_1k_inferences_usd", "observed")
    assert cost.environment == "prod"
    assert _values(cost) == [None, 0.33, 0.33, 0.36]
    assert cost.points[1].as_of == dt.date(2026, 3, 15) and cost.points[1].commit == commits["c2"]
    assert cost.points[1].path == SNAPSHOT and cost.direction == "worse"
    drift = _one(history, "m1", "data_drift", "observed")
    assert drift.threshold is None and drift.direction == "steady"


def test_the_history_stops_at_the_ref(weeks: tuple[Path, dict[str, str]]) -> None:
    root, commits = weeks
    history = metric_history(root, ref=commits["c2"], as_of=AS_OF, period=WEEKLY, points=4)
    assert history.ref == commits["c2"]
    assert _values(_one(history, "m1", "retraining_backlog_days")) == [4, 6, 6, 6]


def test_unknown_models_and_teams_name_the_closest(weeks: tuple[Path, dict[str, str]]) -> None:
    root, _ = weeks
    with pytest.raises(InventoryError, match="no model 'm3'") as raised:
        metric_history(root, as_of=AS_OF, period=WEEKLY, models={"m3"})
    assert "m1" in raised.value.hint
    with pytest.raises(InventoryError, match="no team 'ml-platfrom'") as raised:
        metric_history(root, as_of=AS_OF, period=WEEKLY, team="ml-platfrom")
    assert raised.value.hint == "did you mean ml-platform?"
    assert metric_history(root, as_of=AS_OF, period=WEEKLY, team="ml-platform").models


def test_the_command_in_text_and_json(weeks: tuple[Path, dict[str, str]]) -> None:
    root, commits = weeks
    common = ["--repo", root, "metrics", "--as-of", "2026-03-31", "--points", "4"]
    text = run(*common, "--model", "m1")
    assert text.exit_code == 0, text.output
    line = next(row for row in text.stdout.splitlines() if row.startswith("m1  ") and "cost" in row)
    assert line.split() == [
        "m1",
        "cost",
        "per",
        "1k",
        "inferences",
        "(USD)",
        "0.3",
        "0.35",
        "0.35",
        "0.45",
        "+0.1",
        "breached",
        "(at",
        "most",
        "0.4)",
    ]
    assert f"gap: 2026-03-20 {commits['bad'][:12]} {M1}: does not validate" in text.stdout
    result = run(*common, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    schema = load_schema(REPO_ROOT / "schemas" / "metrics-result.schema.json")
    assert messages(validator_for(schema), document) == []
    assert document["models"] == ["m1", "m2"] and document["ref"] == commits["c5"]
    assert {s["direction"] for s in document["series"] if s["model"] == "m2"} == {"missing"}


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--team", "ml-platfrom"], "did you mean ml-platform?"),
        (["--model", "m3"], "no model 'm3'"),
        (["--period", "P1X"], "is not an ISO 8601 duration"),
        (["--points", "0"], "--points"),
    ],
)
def test_bad_input_exits_2(weeks: tuple[Path, dict[str, str]], args: list[str], said: str) -> None:
    root, _ = weeks
    result = run("--repo", root, "metrics", "--as-of", "2026-03-31", *args)
    assert result.exit_code == 2
    assert said in result.output


def test_a_figure_written_on_a_merged_branch_counts(tmp_path: Path) -> None:
    """The branch's weekly figure is overwritten before the merge, so the merge commit
    itself changes nothing against its first parent: the figure is only in the branch's
    commit, which the first-parent line alone would never show."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in isolated_config(tmp_path / "git-home").items():
            patch.setenv(name, value)
        script = Script.minimal(tmp_path / "repo")
        base = script.read(M1)
        script.write(M1, base + _metrics("2026-03-01", cost_per_1k_inferences_usd=0.30))
        script.commit("figures of 1 March", "2026-03-02T09:00:00+00:00")
        script.git("checkout", "-q", "-b", "figures")
        script.write(M1, base + _metrics("2026-03-16", cost_per_1k_inferences_usd=0.35))
        script.commit("figures of 16 March", "2026-03-17T09:00:00+00:00")
        script.write(M1, base + _metrics("2026-03-01", cost_per_1k_inferences_usd=0.30))
        script.commit("back to the figures of 1 March", "2026-03-18T09:00:00+00:00")
        script.git("checkout", "-q", "main")
        for name, value in identity(ALICE, when="2026-03-19T09:00:00+00:00").items():
            patch.setenv(name, value)
        script.git("merge", "-q", "--no-ff", "--no-edit", "figures")
        history = metric_history(script.root, as_of=AS_OF, period=WEEKLY, points=4)
    cost = _one(history, "m1", "cost_per_1k_inferences_usd")
    assert _values(cost) == [0.30, 0.35, 0.35, 0.35]
