"""observe manifests: real manifests on disk and in another git repository at a ref, the
environment mapping of compliance-tool.yaml, the snapshot it writes, every refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from support.cli import Invoke
from support.git import commit_all, git
from support.observing import refused
from support.repos import development_model, write_minirepo

SNAPSHOT = Path("inventory/observations/manifests.yaml")

CONFIG = """\
observe:
  manifests:
    cluster: eu-central-1
    environments:
      - {cluster: eu-central-1, namespace: ml-prod, environment: prod-eu}
      - {namespace: ml-staging, environment: staging-eu}
"""


def deployment(name: str, model: str, version: str | None = "1.0.0", **extra: Any) -> str:
    """A Deployment of ``model`` in ml-prod, its labels on the pod template only."""
    version_label = f'\n        governance/model-version: "{version}"' if version else ""
    namespace = extra.get("namespace", "ml-prod")
    kind = extra.get("kind", "Deployment")
    return f"""\
apiVersion: apps/v1
kind: {kind}
metadata:
  name: {name}
  namespace: {namespace}
spec:
  replicas: {extra.get("replicas", 2)}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels:
        app: {name}
        governance/model-id: {model}{version_label}
    spec:
      containers:
        - name: server
          image: registry.example.com/{name}:{version}
          readinessProbe:
            httpGet: {{path: /ready, port: 8080}}
"""


INFERENCE_SERVICE = """\
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: m2-isvc
  namespace: ml-staging
  labels:
    governance/model-id: m2
spec:
  predictor:
    model:
      modelFormat: {name: sklearn}
      storageUri: s3://models/m2/0.1.0
"""

CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: m1-settings
  namespace: ml-prod
  labels:
    governance/model-id: m1
data:
  THRESHOLD: "0.7"
"""

STATEFUL_SET_LIST = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: {name: m1-index}
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: m1-index
      labels:
        governance/model-id: m1
        governance/model-version: "1.0.0"
    spec:
      serviceName: m1-index
      selector:
        matchLabels: {app: m1-index}
      template:
        metadata:
          labels: {app: m1-index}
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A governance repository declaring m1 and m2, with an environment mapping and a
    folder of manifests: a multi-document file (a Deployment and a ConfigMap that names
    a model but is no workload), a StatefulSet inside a kind: List, an InferenceService."""
    root = write_minirepo(tmp_path / "repo")
    (root / "inventory/models/m2.yaml").write_text(development_model("m2", "Model two"))
    (root / "compliance-tool.yaml").write_text(CONFIG)
    deploy = root / "deploy"
    (deploy / "prod").mkdir(parents=True)
    (deploy / "staging").mkdir()
    (deploy / "prod/m1.yaml").write_text(
        "# m1 serving\n---\n" + CONFIG_MAP + "---\n" + deployment("m1-api", "m1")
    )
    (deploy / "prod/index.yml").write_text(STATEFUL_SET_LIST)
    (deploy / "staging/m2.yaml").write_text(INFERENCE_SERVICE)
    (deploy / "README.md").write_text("kind: Deployment\n")  # not a manifest: not read
    monkeypatch.chdir(root)
    return root


def committed(folder: Path) -> Path:
    """A git repository at ``folder`` with one commit: a Deployment of m1 in m1.yaml."""
    folder.mkdir()
    (folder / "m1.yaml").write_text(deployment("m1-api", "m1"))
    git(folder, "init", "-q")
    commit_all(folder, "m1")
    return folder


def observe(run_cli: Invoke, *args: str | Path) -> Result:
    return run_cli("observe", "manifests", *args)


def entries(root: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load((root / SNAPSHOT).read_text())["entries"])


def test_every_workload_that_names_a_model_with_its_environment(
    repo: Path, run_cli: Invoke
) -> None:
    result = observe(run_cli, "deploy")
    assert result.exit_code == 0, result.output
    assert "wrote inventory/observations/manifests.yaml: 3 entries from deploy" in result.output
    assert entries(repo) == [
        {
            "workload": "StatefulSet",
            "name": "m1-index",
            "namespace": "default",
            "cluster": "eu-central-1",
            "model_id": "m1",
            "model_version": "1.0.0",
            "file": "deploy/prod/index.yml",
            "line": 7,
        },
        {
            "workload": "Deployment",
            "name": "m1-api",
            "namespace": "ml-prod",
            "cluster": "eu-central-1",
            "environment": "prod-eu",
            "production": True,
            "model_id": "m1",
            "model_version": "1.0.0",
            "replicas": 2,
            "file": "deploy/prod/m1.yaml",
            "line": 13,
        },
        {
            "workload": "InferenceService",
            "name": "m2-isvc",
            "namespace": "ml-staging",
            "cluster": "eu-central-1",
            "environment": "staging-eu",
            "production": False,
            "model_id": "m2",
            "file": "deploy/staging/m2.yaml",
            "line": 1,
        },
    ]
    snapshot = yaml.safe_load((repo / SNAPSHOT).read_text())
    assert snapshot["source"] == {"system": "kubernetes", "address": "deploy"}
    assert "warning" not in result.output


def test_cluster_flag_changes_the_mapping_and_files_are_named_from_the_repository(
    repo: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo / "deploy")
    result = run_cli("--repo", repo, "observe", "manifests", "prod/m1.yaml", "--cluster", "us-1")
    assert result.exit_code == 0, result.output
    [entry] = entries(repo)
    assert entry["cluster"] == "us-1"
    assert "environment" not in entry and "production" not in entry
    assert entry["file"] == "deploy/prod/m1.yaml"
    assert yaml.safe_load((repo / SNAPSHOT).read_text())["source"]["address"] == (
        "deploy/prod/m1.yaml"
    )


def test_observing_again_gives_the_same_entries_unchanged(repo: Path, run_cli: Invoke) -> None:
    first = observe(run_cli, "deploy/")
    assert "(changed)" in first.output
    before = entries(repo)
    second = observe(run_cli, "deploy/")
    assert second.exit_code == 0, second.output
    assert "unchanged since the last snapshot" in second.output
    assert entries(repo) == before


def test_an_undeclared_model_is_a_warning_not_an_error(repo: Path, run_cli: Invoke) -> None:
    (repo / "deploy/prod/shadow.yaml").write_text(deployment("shadow-api", "shadow-model"))
    result = observe(run_cli, "deploy")
    assert result.exit_code == 0, result.output
    assert (
        "deploy/prod/shadow.yaml:1: Deployment 'shadow-api' names model 'shadow-model' that "
        "no record declares; reconcile reports it as undeclared-model"
    ) in result.output
    assert [e["model_id"] for e in entries(repo)] == ["m1", "m1", "m2", "shadow-model"]


def test_from_another_repository_at_a_ref_not_its_working_tree(
    repo: Path, run_cli: Invoke, tmp_path: Path, git_env: None
) -> None:
    other = tmp_path / "cluster-config"
    (other / "apps").mkdir(parents=True)
    (other / "apps/m1.yaml").write_text(deployment("m1-api", "m1", "1.0.0", replicas=3))
    git(other, "init", "-q")
    commit_all(other, "m1 at 1.0.0")
    git(other, "tag", "v1")
    (other / "apps/m1.yaml").write_text(deployment("m1-api", "m1", "2.0.0", replicas=5))
    commit_all(other, "m1 at 2.0.0")
    git(other, "remote", "add", "origin", "https://deployer:s3cret@git.example.com/ops/cluster")
    (other / "apps/m1.yaml").write_text("not: [valid\n")  # the working tree: never read
    (other / "apps/new.yaml").write_text(deployment("m2-api", "m2"))  # untracked: never read

    at_tag = observe(run_cli, "--from-repo", other, "--ref", "v1", "apps")
    assert at_tag.exit_code == 0, at_tag.output
    [entry] = entries(repo)
    assert (entry["model_version"], entry["replicas"], entry["file"]) == (
        "1.0.0",
        3,
        "apps/m1.yaml",
    )
    address = yaml.safe_load((repo / SNAPSHOT).read_text())["source"]["address"]
    assert address == "https://git.example.com/ops/cluster//apps@v1"
    assert "s3cret" not in (repo / SNAPSHOT).read_text() and "s3cret" not in at_tag.output

    at_head = observe(run_cli, "--from-repo", other, "apps/")
    assert at_head.exit_code == 0, at_head.output
    assert [(e["model_version"], e["replicas"]) for e in entries(repo)] == [("2.0.0", 5)]
    again = observe(run_cli, "--from-repo", other, "apps/")
    assert "unchanged since the last snapshot" in again.output


def test_a_repository_without_origin_is_named_by_its_folder(
    repo: Path, run_cli: Invoke, tmp_path: Path, git_env: None
) -> None:
    other = committed(tmp_path / "ops-manifests")
    result = observe(run_cli, "--from-repo", other, "m1.yaml")
    assert result.exit_code == 0, result.output
    address = yaml.safe_load((repo / SNAPSHOT).read_text())["source"]["address"]
    assert address == "ops-manifests//m1.yaml@HEAD"


def test_a_ref_that_does_not_exist(
    repo: Path, run_cli: Invoke, tmp_path: Path, git_env: None
) -> None:
    other = committed(tmp_path / "cluster-config")
    result = observe(run_cli, "--from-repo", other, "--ref", "no-such-tag", ".")
    refused(result, repo / SNAPSHOT, "unknown revision 'no-such-tag'")
    missing = observe(run_cli, "--from-repo", other, "deploy")
    refused(missing, repo / SNAPSHOT, "deploy: no such file or folder at ")


def test_a_path_that_does_not_exist(repo: Path, run_cli: Invoke) -> None:
    refused(
        observe(run_cli, "deploy", "k8s/"), repo / SNAPSHOT, "k8s/: no such file or folder on disk"
    )


def test_a_file_that_is_not_yaml(repo: Path, run_cli: Invoke) -> None:
    (repo / "deploy/prod/broken.yaml").write_text(
        deployment("m3-api", "m1") + "---\nkind: Deployment\nmetadata: {name: [x\n"
    )
    refused(
        observe(run_cli, "deploy"),
        repo / SNAPSHOT,
        "deploy/prod/broken.yaml:",
        "not a YAML manifest",
    )
    (repo / "deploy/prod/broken.yaml").write_bytes(b"kind: Deployment\nname: \xff\n")
    refused(
        observe(run_cli, "deploy"),
        repo / SNAPSHOT,
        "deploy/prod/broken.yaml:2:7",
        "not valid UTF-8",
    )


def test_a_label_that_is_not_a_record_id(repo: Path, run_cli: Invoke) -> None:
    (repo / "deploy/prod/bad.yaml").write_text(deployment("bad-api", "'-not an id'"))
    refused(
        observe(run_cli, "deploy"),
        repo / SNAPSHOT,
        "deploy/prod/bad.yaml:14:30: label governance/model-id '-not an id' is not a valid "
        "record id",
        "use the id of the model's record",
    )


def test_a_label_that_is_not_a_string(repo: Path, run_cli: Invoke) -> None:
    (repo / "deploy/prod/m1.yaml").write_text(deployment("m1-api", "m1").replace('"1.0.0"', "2"))
    refused(
        observe(run_cli, "deploy/prod"),
        repo / SNAPSHOT,
        "deploy/prod/m1.yaml:15:35:",
        "label governance/model-version is 2, not a string",
        "quote it",
    )


def test_two_workloads_claiming_one_model_in_one_environment(repo: Path, run_cli: Invoke) -> None:
    (repo / "deploy/prod/copy.yaml").write_text(
        "# a second m1\n" + deployment("m1-canary", "m1", "1.1.0", kind="StatefulSet")
    )
    refused(
        observe(run_cli, "deploy"),
        repo / SNAPSHOT,
        "deploy/prod/m1.yaml:13: Deployment 'm1-api' claims model 'm1' in environment "
        "'prod-eu', and so does StatefulSet 'm1-canary' at deploy/prod/copy.yaml:2",
    )


def test_one_model_in_two_environments_is_no_claim_conflict(repo: Path, run_cli: Invoke) -> None:
    (repo / "deploy/staging/m1.yaml").write_text(
        deployment("m1-api", "m1", "1.1.0", namespace="ml-staging")
    )
    result = observe(run_cli, "deploy")
    assert result.exit_code == 0, result.output
    assert [(e["model_id"], e.get("environment")) for e in entries(repo)] == [
        ("m1", None),
        ("m1", "prod-eu"),
        ("m1", "staging-eu"),
        ("m2", "staging-eu"),
    ]
