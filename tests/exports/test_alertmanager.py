"""The Alertmanager export, read back by Alertmanager's own amtool: the sample's file
loads (``amtool check-config``) and an alert labelled with a model's rotation and severity
reaches that rotation's receivers, pages along the escalation (``amtool config routes
test``); receiver templates come from compliance-tool.yaml and never hold a secret."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from support.cli import invoke
from support.repos import REPO_ROOT, copy_sample

AMTOOL = "/usr/bin/amtool"
ROUTES = "monitoring/alertmanager/alertmanager.yml"

pytestmark = pytest.mark.skipif(
    not Path(AMTOOL).exists(), reason="amtool is missing: run scripts/bootstrap --test"
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's Alertmanager configuration, exported once for the module."""
    path = tmp_path_factory.mktemp("alertmanager") / "alertmanager.yml"
    result = invoke("--repo", REPO_ROOT, "export", "alertmanager", "--output", path)
    assert result.exit_code == 0, result.output
    return path


def _amtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [AMTOOL, *map(str, args)], capture_output=True, text=True, check=False, timeout=60
    )


def _routed(config: Path, *labels: str) -> str:
    result = _amtool("config", "routes", "test", f"--config.file={config}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_amtool_loads_the_sample_configuration(exported: Path) -> None:
    result = _amtool("check-config", exported)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout and " - 12 receivers" in result.stdout


def test_the_committed_file_is_what_the_sample_makes(exported: Path) -> None:
    assert (REPO_ROOT / ROUTES).read_bytes() == exported.read_bytes()


@pytest.mark.parametrize(
    "model", ["fraud-scoring", "credit-scoring", "churn-propensity", "support-assistant"]
)
def test_an_alert_reaches_its_rotation_and_a_page_its_escalation(
    exported: Path, model: str
) -> None:
    """The receivers, in order, of the model's rotation and of each escalation level the
    rotation's file names after the rotation itself."""
    record = yaml.safe_load((REPO_ROOT / f"inventory/models/{model}.yaml").read_text("utf-8"))
    rotation = record["operations"]["oncall"]
    chain = yaml.safe_load((REPO_ROOT / f"inventory/rotations/{rotation}.yaml").read_text("utf-8"))
    levels = [f"escalation-{s['to']}" for s in chain["escalation"] if s["to"] != "rotation"]
    assert levels  # every sample rotation escalates beyond itself
    paged = _routed(exported, f"model={model}", "severity=page", f"rotation={rotation}")
    assert paged == ",".join([f"{rotation}-page", *levels])
    warned = _routed(exported, f"model={model}", "severity=warn", f"rotation={rotation}")
    assert warned == f"{rotation}-warn"
    assert _routed(exported, f"model={model}", "severity=page") == "unrouted"


def test_each_escalation_level_waits_its_delay(exported: Path) -> None:
    """ml-sre-payments: level 2 (asmith) after PT15M, level 3 (hlindqvist) after PT45M."""
    config = yaml.safe_load(exported.read_text("utf-8"))
    (payments,) = [r for r in config["route"]["routes"] if r["receiver"] == "ml-sre-payments-warn"]
    pages = [r for r in payments["routes"] if r["matchers"] == ['severity="page"']]
    waits = {r["receiver"]: (r["group_wait"], r.get("continue")) for r in pages}
    assert waits["ml-sre-payments-page"] == ("30s", True)
    assert waits["escalation-asmith"] == ("15m", True)
    assert waits["escalation-hlindqvist"] == ("45m", None)


def _with_receivers(tmp_path: Path, receivers: str) -> Path:
    root = copy_sample(tmp_path / "repo", config=True)
    config = root / "compliance-tool.yaml"
    text = config.read_text("utf-8")
    assert text.count("\nexport:\n") == 1  # the sample's own export section: add to it
    text = text.replace(
        "\nexport:\n", "\nexport:\n  alertmanager:\n    receivers:\n" + receivers, 1
    )
    config.write_text(text, encoding="utf-8")
    return root


def test_receiver_templates_name_their_secrets_by_file(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "payments.key").write_text("a-routing-key\n", encoding="utf-8")
    root = _with_receivers(
        tmp_path,
        "      ml-sre-payments-page:\n"
        f"        pagerduty_configs: [{{routing_key_file: {secrets}/payments.key}}]\n"
        "      default:\n"
        f"        slack_configs: [{{api_url_file: {secrets}/slack.url, channel: '#{{receiver}}'}}]\n",
    )
    output = tmp_path / "alertmanager.yml"
    assert invoke("--repo", root, "export", "alertmanager", "--output", output).exit_code == 0
    (secrets / "slack.url").write_text("https://hooks.slack.invalid/x\n", encoding="utf-8")
    checked = _amtool("check-config", output)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    receivers = {r["name"]: r for r in yaml.safe_load(output.read_text("utf-8"))["receivers"]}
    assert receivers["ml-sre-payments-page"]["pagerduty_configs"][0]["routing_key_file"] == str(
        secrets / "payments.key"
    )
    assert receivers["escalation-asmith"]["slack_configs"][0]["channel"] == "#escalation-asmith"
    assert "a-routing-key" not in output.read_text("utf-8")


@pytest.mark.parametrize(
    ("receivers", "message"),
    [
        (
            "      ml-sre-payments:\n        pagerduty_configs: [{routing_key: abc123}]\n",
            "'routing_key' holds a secret",
        ),
        (
            "      default:\n        webhook_configs: [{url: 'https://x.invalid/h?token=s3'}]\n",
            "'url' holds a secret",
        ),
        (
            "      ml-sre-payment:\n        webhook_configs: [{url: 'https://x.invalid/'}]\n",
            "names 'ml-sre-payment', which is no receiver",
        ),
    ],
)
def test_a_bad_receiver_template_writes_nothing(
    tmp_path: Path, receivers: str, message: str
) -> None:
    root = _with_receivers(tmp_path, receivers)
    result = invoke("--repo", root, "export", "alertmanager")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not (root / ROUTES).exists()


def test_a_receiver_template_of_an_unknown_kind_is_refused_by_the_config_schema(
    tmp_path: Path,
) -> None:
    root = _with_receivers(tmp_path, "      default:\n        carrier_pigeon: [{}]\n")
    result = invoke("--repo", root, "export", "alertmanager")
    assert result.exit_code == 2, result.output
    assert "compliance-tool.yaml is not valid" in result.stderr
