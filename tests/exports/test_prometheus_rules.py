"""The Prometheus rules export, read back by Prometheus's own promtool: the sample's file
loads (``promtool check rules``), and series that cross each threshold of four models fire
exactly the alerts their records declare, with exactly their labels, and none inside the
thresholds (``promtool test rules``, on a test file written here from the model files)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.cli import invoke
from support.repos import REPO_ROOT, copy_sample, edit

PROMTOOL = "/usr/bin/promtool"
RULES = "monitoring/prometheus/model-alerts.rules.yaml"

MODELS = ("fraud-scoring", "credit-scoring", "churn-propensity", "support-assistant")
"""Four production models of four rotations; churn-propensity warns on drift but never pages."""

GAUGE = {
    "data_drift": ("model_data_drift", "ModelDataDrift"),
    "performance": ("model_performance", "ModelPerformanceBelowMin"),
    "fairness": ("model_fairness", "ModelFairnessAboveMax"),
    "latency_p99_ms": ("model_latency_p99_ms", "ModelLatencyP99MsAboveMax"),
    "availability": ("model_availability_ratio", "ModelAvailabilityBelowMin"),
    "cost_per_1k_inferences_usd": (
        "model_cost_per_1k_inferences_usd",
        "ModelCostPer1kInferencesUsdAboveMax",
    ),
}
"""The default metric name and the alert of each threshold."""

SEVERITY = {
    "performance": "page",
    "latency_p99_ms": "page",
    "availability": "page",
    "fairness": "warn",
    "cost_per_1k_inferences_usd": "warn",
}
"""The documented severity of a single bound."""

pytestmark = pytest.mark.skipif(
    not Path(PROMTOOL).exists(), reason="promtool is missing: run scripts/bootstrap --test"
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's rules, exported once for the module."""
    path = tmp_path_factory.mktemp("prometheus") / "rules.yaml"
    result = invoke("--repo", REPO_ROOT, "export", "prometheus-rules", "--output", path)
    assert result.exit_code == 0, result.output
    return path


def _promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROMTOOL, *map(str, args)], capture_output=True, text=True, check=False, timeout=60
    )


def test_promtool_loads_the_sample_rules(exported: Path) -> None:
    result = _promtool("check", "rules", exported)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 71 rules found" in result.stdout


def test_the_committed_file_is_what_the_sample_makes(exported: Path) -> None:
    assert (REPO_ROOT / RULES).read_bytes() == exported.read_bytes()
    text = exported.read_text("utf-8")
    assert text.startswith("# Prometheus alerting rules")
    assert "compliance-tool export prometheus-rules" in text.split("groups:")[0]


def _model(model_id: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (REPO_ROOT / "inventory" / "models" / f"{model_id}.yaml").read_text("utf-8")
    )
    return data


def _cases(limit: dict[str, Any], name: str) -> list[tuple[float, list[str]]]:
    """Values of the threshold's metric and the severities each fires, from inside the
    threshold (none) to beyond each level; a level reached fires, a max or min reached not."""
    if name == "data_drift":
        warn, page = limit["warn"], limit.get("page")
        cases = [(warn * 0.9, []), (warn, ["warn"])]
        if page is not None:
            cases += [((warn + page) / 2, ["warn"]), (page * 1.1, ["warn", "page"])]
        return cases
    if "max" in limit:
        high = limit["max"]
        return [(high * 0.9, []), (high, []), (high * 1.1, [SEVERITY[name]])]
    low = limit["min"]
    return [(low + (1 - low) / 2, []), (low, []), (low * 0.99, [SEVERITY[name]])]


def _annotations(rules: Path) -> dict[tuple[str, str, str], dict[str, str]]:
    """The annotations of each rule of ``rules`` by model, alert and severity (promtool
    compares them too), each checked against the record: its threshold and runbook."""
    found = {}
    for group in yaml.safe_load(rules.read_text("utf-8"))["groups"]:
        for rule in group["rules"]:
            labels = rule["labels"]
            found[labels["model"], rule["alert"], labels["severity"]] = rule["annotations"]
    return found


def _test_file(tmp_path: Path, rules: Path, models: tuple[str, ...] = MODELS) -> tuple[Path, int]:
    """A promtool test file: one test per model, threshold and value; and their count.
    The rules it loads are the groups of ``models`` only, as exported (evaluating the
    others would only cost time)."""
    names = sorted({alert for _, alert in GAUGE.values()})
    annotations = _annotations(rules)
    groups = yaml.safe_load(rules.read_text("utf-8"))["groups"]
    subset = tmp_path / "subset.rules.yaml"
    wanted = [g for g in groups if g["name"].removeprefix("model-thresholds/") in models]
    assert len(wanted) == len(models)
    subset.write_text(yaml.safe_dump({"groups": wanted}, sort_keys=False), encoding="utf-8")
    tests = []
    for model_id in models:
        record = _model(model_id)
        environment = record["deployments"][0]["environment"]
        rotation = record["operations"]["oncall"]
        for name, limit in record["monitoring"]["thresholds"].items():
            gauge, alert = GAUGE[name]
            labels = {"model": model_id, "environment": environment}
            if name in ("performance", "fairness"):
                labels["metric"] = limit["metric"]
            series = gauge + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
            for value, severities in _cases(limit, name):
                expected = [
                    {
                        "exp_labels": {**labels, "rotation": rotation, "severity": severity},
                        "exp_annotations": annotations[model_id, alert, severity],
                    }
                    for severity in severities
                ]
                checks = [
                    {
                        "eval_time": "20m",
                        "alertname": n,
                        "exp_alerts": expected if n == alert else [],
                    }
                    for n in names
                ]
                tests.append(
                    {
                        "interval": "5m",
                        "name": f"{model_id} {name} at {value:g}",
                        "input_series": [{"series": series, "values": f"{value!r}x6"}],
                        "alert_rule_test": checks,
                    }
                )
    path = tmp_path / "rules.test.yaml"
    document = {"rule_files": [str(subset)], "evaluation_interval": "5m", "tests": tests}
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path, len(tests)


def test_each_rule_says_its_threshold_and_runbook(exported: Path) -> None:
    annotations = _annotations(exported)
    fraud = annotations["fraud-scoring", "ModelDataDrift", "page"]
    assert fraud["threshold"] == "data drift (psi over P7D) pages at 0.25"
    assert fraud["runbook"] == "runbooks/fraud-scoring.md"
    floor = annotations["credit-scoring", "ModelPerformanceBelowMin", "page"]
    assert floor["threshold"] == "performance (gini) at least 0.6"
    assert ("churn-propensity", "ModelDataDrift", "page") not in annotations  # warns only


def test_series_that_cross_a_threshold_fire_exactly_its_alerts(
    exported: Path, tmp_path: Path
) -> None:
    test_file, count = _test_file(tmp_path, exported)
    assert count >= 60  # four models, every threshold, inside and beyond each level
    result = _promtool("test", "rules", test_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_test_fails_when_an_alert_would_be_missing(exported: Path, tmp_path: Path) -> None:
    """The test file is a real check: with fraud-scoring's drift page level raised, the
    series above the declared level no longer pages, and promtool says so."""
    raised = tmp_path / "raised.yaml"
    text = exported.read_text("utf-8")
    old = 'model_data_drift{model="fraud-scoring",environment=~"prod-eu|prod-us"}[7d]) >= 0.25'
    assert text.count(old) == 1
    raised.write_text(text.replace(old, old.replace("0.25", "0.5")), encoding="utf-8")
    test_file, _ = _test_file(tmp_path, raised, ("fraud-scoring",))
    result = _promtool("test", "rules", test_file)
    assert result.returncode == 1
    assert "fraud-scoring data_drift at 0.275" in result.stdout + result.stderr


def test_a_changed_threshold_makes_check_fail_until_the_file_is_rewritten(
    tmp_path: Path,
) -> None:
    root = copy_sample(tmp_path / "repo", config=True)
    (root / RULES).parent.mkdir(parents=True)
    (root / RULES).write_bytes((REPO_ROOT / RULES).read_bytes())
    assert invoke("--repo", root, "export", "prometheus-rules", "--check").exit_code == 0
    model = root / "inventory/models/fraud-scoring.yaml"
    edit(model, "latency_p99_ms: {max: 150}", "latency_p99_ms: {max: 180}")
    stale = invoke("--repo", root, "export", "prometheus-rules", "--check")
    assert stale.exit_code == 1, stale.output
    assert '-    expr: model_latency_p99_ms{model="fraud-scoring"' in stale.stdout
    assert "> 180" in stale.stdout and "out of date" in stale.stderr
    assert invoke("--repo", root, "export", "prometheus-rules").exit_code == 0
    assert invoke("--repo", root, "export", "prometheus-rules", "--check").exit_code == 0


def test_a_threshold_without_a_metric_name_writes_nothing(tmp_path: Path) -> None:
    """A repository's own model schema may declare a threshold the tool has no metric for."""
    root = copy_sample(tmp_path / "repo", config=True)
    schema = yaml.safe_load((REPO_ROOT / "schemas/model.schema.json").read_text("utf-8"))
    thresholds = schema["properties"]["monitoring"]["properties"]["thresholds"]
    thresholds["properties"]["error_rate"] = {"type": "object"}
    (root / "schemas").mkdir()
    (root / "schemas/model.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    edit(
        root / "inventory/models/credit-scoring.yaml",
        "    availability: {min: 0.999}\n",
        "    availability: {min: 0.999}\n    error_rate: {max: 0.01}\n",
    )
    target = root / RULES
    result = invoke("--repo", root, "export", "prometheus-rules")
    assert result.exit_code == 2, result.output
    assert "model credit-scoring, threshold monitoring.thresholds.error_rate" in result.stderr
    assert "export.prometheus-rules.metrics" in result.stderr
    assert not target.exists()
    edit(
        root / "compliance-tool.yaml",
        "\nexport:\n",
        "\nexport:\n  prometheus-rules:\n    metrics: {error_rate: model_error_ratio}\n",
    )
    assert invoke("--repo", root, "export", "prometheus-rules").exit_code == 0
    assert 'model_error_ratio{model="credit-scoring",environment="prod-eu"} > 0.01' in (
        target.read_text("utf-8")
    )
