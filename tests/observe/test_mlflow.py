"""``observe mlflow`` against a real MLflow tracking server (one for the session, emptied
for each test) and, for the answers a real server does not give, a stand-in on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from support.cli import run
from support.http_server import FakeServer, free_port, send
from support.repos import REPO_ROOT
from support.schemas import load_schema, messages, validator_for

from compliance_tool.observe import mlflow_rest
from compliance_tool.observe.mlflow import MlflowRegistry

MLFLOW_VARIABLES = (
    mlflow_rest.TOKEN,
    mlflow_rest.USERNAME,
    mlflow_rest.PASSWORD,
    mlflow_rest.INSECURE_TLS,
    mlflow_rest.SERVER_CERT_PATH,
    mlflow_rest.CLIENT_CERT_PATH,
    "MLFLOW_TRACKING_URI",
)
SNAPSHOT = Path("inventory/observations/mlflow.yaml")
TOKEN = "tok-5f1c9e2b7a-never-shown"
USER, PASSWORD = "reader-3d8a", "pw-9b41e07c-never-shown"


def observe(repo: Path, uri: str, *args: str, env: dict[str, str] | None = None) -> Result:
    """``compliance-tool --repo REPO observe mlflow --tracking-uri URI ARGS...``."""
    environment: dict[str, str | None] = dict.fromkeys(MLFLOW_VARIABLES)
    environment.update(env or {})
    return run("--repo", repo, "observe", "mlflow", "--tracking-uri", uri, *args, env=environment)


def snapshot(repo: Path, path: Path = SNAPSHOT) -> dict[str, Any]:
    document = yaml.safe_load((repo / path).read_bytes())
    validator = validator_for(load_schema(REPO_ROOT / "schemas/observation.schema.json"))
    assert messages(validator, document) == []
    assert isinstance(document, dict)
    return document


def rfc3339(milliseconds: int) -> str:
    return dt.datetime.fromtimestamp(milliseconds // 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def populate(client: Any, models: int, versions: int) -> None:
    for index in range(models):
        name = f"model-{index:02d}"
        client.create_registered_model(name)
        for _ in range(versions):
            client.create_model_version(name, source=f"s3://models/{name}")


def test_the_entries_are_what_was_registered(registry: Any, minirepo: Path) -> None:
    experiment = registry.create_experiment("training")
    run_id = registry.create_run(experiment).info.run_id
    registry.create_registered_model("credit-scoring", tags={"team": "risk", "domain": "credit"})
    first = registry.create_model_version(
        "credit-scoring", source="s3://models/cs/1", tags={"governance.version": "1.0.0"}
    )
    second = registry.create_model_version(
        "credit-scoring", source="s3://models/cs/2", run_id=run_id
    )
    registry.set_registered_model_alias("credit-scoring", "champion", "2")
    registry.set_registered_model_alias("credit-scoring", "archive", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy stages are deprecated, and still served
        registry.transition_model_version_stage("credit-scoring", "1", "Production")
    registry.create_registered_model("alpha")

    result = observe(minirepo, registry.tracking_uri)

    assert result.exit_code == 0, result.output
    assert "wrote inventory/observations/mlflow.yaml: 2 entries" in result.stderr
    document = snapshot(minirepo)
    assert document["source"] == {"system": "mlflow", "address": registry.tracking_uri}
    assert document["entries"] == [
        {"name": "alpha", "aliases": {}, "versions": []},
        {
            "name": "credit-scoring",
            "tags": {"domain": "credit", "team": "risk"},
            "aliases": {"archive": "1", "champion": "2"},
            "versions": [
                {
                    "version": "1",
                    "status": "READY",
                    "stage": "Production",
                    "source": "s3://models/cs/1",
                    "created_at": rfc3339(first.creation_timestamp),
                    "tags": {"governance.version": "1.0.0"},
                },
                {
                    "version": "2",
                    "status": "READY",
                    "run_id": run_id,
                    "source": "s3://models/cs/2",
                    "created_at": rfc3339(second.creation_timestamp),
                },
            ],
        },
    ]
    assert list(document["entries"][1]) == ["name", "tags", "aliases", "versions"]


def test_small_pages_give_the_same_entries_as_one_page(registry: Any) -> None:
    populate(registry, models=5, versions=2)
    registry.create_model_version("model-03", source="s3://models/model-03")  # 11 versions

    small = MlflowRegistry(registry.tracking_uri, page_size=2, version_page_size=2)
    large = MlflowRegistry(registry.tracking_uri, page_size=100)
    small_entries, large_entries = small.observe().entries, large.observe().entries

    assert small_entries == large_entries
    assert [e["name"] for e in large_entries] == [f"model-{i:02d}" for i in range(5)]
    assert [v["version"] for v in large_entries[3]["versions"]] == ["1", "2", "3"]
    assert (small.requests, large.requests) == (3 + 6, 2)


def test_versions_sort_by_number_not_by_text(registry: Any) -> None:
    populate(registry, models=1, versions=11)
    entries = MlflowRegistry(registry.tracking_uri, version_page_size=4).observe().entries
    assert [v["version"] for v in entries[0]["versions"]] == [str(n) for n in range(1, 12)]


def test_an_unchanged_registry_gives_byte_identical_entries(registry: Any, minirepo: Path) -> None:
    populate(registry, models=3, versions=2)
    registry.set_registered_model_alias("model-01", "champion", "2")

    first = observe(minirepo, registry.tracking_uri)
    before = (minirepo / SNAPSHOT).read_bytes()
    time.sleep(1.1)  # a different observed_at
    second = observe(minirepo, registry.tracking_uri)
    after = (minirepo / SNAPSHOT).read_bytes()

    assert (first.exit_code, second.exit_code) == (0, 0), second.output
    assert "(changed)" in first.stderr
    assert "(unchanged since the last snapshot)" in second.stderr
    assert before != after  # observed_at moved ...
    assert before.split(b"\nentries:")[1] == after.split(b"\nentries:")[1]  # ... nothing else

    registry.set_model_version_tag("model-02", "1", "governance.version", "2.0.0")
    third = observe(minirepo, registry.tracking_uri)
    assert "(changed)" in third.stderr


def _all_bytes(*roots: Path) -> bytes:
    return b"".join(p.read_bytes() for root in roots for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("env", "secrets"),
    [
        ({"MLFLOW_TRACKING_TOKEN": TOKEN}, [TOKEN]),
        ({"MLFLOW_TRACKING_USERNAME": USER, "MLFLOW_TRACKING_PASSWORD": PASSWORD}, [PASSWORD]),
    ],
)
def test_credentials_are_sent_and_never_shown(
    registry: Any,
    minirepo: Path,
    fake_server: FakeServer,
    env: dict[str, str],
    secrets: list[str],
) -> None:
    registry.create_registered_model("credit-scoring")
    ok = observe(minirepo, registry.tracking_uri, env=env)
    fake_server.answer = lambda handler: send(handler, 401, b'{"error_code": "UNAUTHENTICATED"}')
    refused = observe(minirepo, fake_server.url, "--name", "refused", env=env)
    in_uri = observe(minirepo, f"http://{USER}:{PASSWORD}@127.0.0.1:1", "--name", "uri")

    assert ok.exit_code == 0, ok.output
    assert refused.exit_code == 2
    assert "refused the credentials of MLFLOW_TRACKING_" in refused.stderr
    assert fake_server.seen[0]["Authorization"].split()[0] in ("Bearer", "Basic")
    assert in_uri.exit_code == 2
    assert "holds a user name or password" in in_uri.stderr
    assert "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD" in in_uri.stderr
    shown = "".join(r.stdout + r.stderr for r in (ok, refused, in_uri))
    written = _all_bytes(minirepo)
    for secret in secrets:
        assert secret not in shown
        assert secret.encode() not in written
    assert not (minirepo / "inventory/observations/refused.yaml").exists()
    assert not (minirepo / "inventory/observations/uri.yaml").exists()


def _json(document: Any) -> bytes:
    return json.dumps(document).encode()


MODEL_PAGE = _json(
    {"registered_models": [{"name": "m", "aliases": [{"alias": "a", "version": "1"}]}]}
)
BAD_ANSWERS: dict[str, tuple[Any, list[str]]] = {
    "401": (
        lambda h: send(h, 401, b"{}"),
        ["asks for credentials (401)", "set MLFLOW_TRACKING_TOKEN"],
    ),
    "403": (
        lambda h: send(h, 403, b"{}"),
        ["refused access to the user of anonymous requests (403)", "READ permission"],
    ),
    "404": (
        lambda h: send(h, 404, b"<html>"),
        ["no such endpoint (404)", "MLflow tracking server"],
    ),
    "500": (
        lambda h: send(h, 500, _json({"error_code": "INTERNAL_ERROR", "message": "db is down"})),
        ["answered 500", "INTERNAL_ERROR: db is down", "server's log"],
    ),
    "redirect": (
        lambda h: send(h, 302, b"", {"Location": "http://elsewhere.invalid/x?token=1"}),
        ["redirects to http://elsewhere.invalid/x (302)", "as --tracking-uri"],
    ),
    "not JSON": (lambda h: send(h, 200, b"<html>hello</html>"), ["the answer is not JSON"]),
    "not an object": (lambda h: send(h, 200, b"[1, 2]"), ["not a JSON object"]),
    "no name": (
        lambda h: send(h, 200, _json({"registered_models": [{"tags": []}]})),
        ["page 1.registered_models[0].name is missing"],
    ),
    "alias version": (
        lambda h: send(
            h,
            200,
            _json(
                {
                    "registered_models": [
                        {"name": "m", "aliases": [{"alias": "a", "version": "one"}]}
                    ]
                }
            ),
        ),
        ["page 1.registered_models[0].aliases[0].version is 'one', not a version number"],
    ),
    "models not a list": (
        lambda h: send(h, 200, _json({"registered_models": {"name": "m"}})),
        ["page 1.registered_models is dict, not a list"],
    ),
    "version status": (
        lambda h: send(
            h,
            200,
            MODEL_PAGE
            if "registered-models" in h.path
            else _json({"model_versions": [{"name": "m", "version": "1"}]}),
        ),
        ["GET /api/2.0/mlflow/model-versions/search", "model_versions[0].status is missing"],
    ),
    "timestamp": (
        lambda h: send(
            h,
            200,
            MODEL_PAGE
            if "registered-models" in h.path
            else _json(
                {
                    "model_versions": [
                        {
                            "name": "m",
                            "version": "1",
                            "status": "READY",
                            "creation_timestamp": "yesterday",
                        }
                    ]
                }
            ),
        ),
        ["creation_timestamp is 'yesterday', not milliseconds"],
    ),
    "page token loop": (
        lambda h: send(h, 200, _json({"registered_models": [], "next_page_token": "same"})),
        ["page 2.next_page_token repeats an earlier page's token"],
    ),
    "slow": (
        lambda h: (time.sleep(1.5), send(h, 200, b"{}")),
        ["no complete answer within 0.3 s", "raise --timeout"],
    ),
    "huge by length": (
        lambda h: send(h, 200, b"{}", {"Content-Length": str(65 * 1024 * 1024)}),
        ["the answer is larger than 64 MiB", "lower --page-size"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_ANSWERS))
def test_an_answer_mlflow_would_not_give_is_an_error_and_writes_nothing(
    case: str, minirepo: Path, fake_server: FakeServer
) -> None:
    answer, expected = BAD_ANSWERS[case]
    fake_server.answer = answer
    existing = minirepo / SNAPSHOT
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"# the snapshot of an earlier run\n")

    result = observe(minirepo, fake_server.url, "--timeout", "0.3")

    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: MLflow at {fake_server.url}: GET /api/2.0/mlflow/"), (
        result.stderr
    )
    for text in expected:
        assert text in result.stderr
    assert "Traceback" not in result.output
    assert existing.read_bytes() == b"# the snapshot of an earlier run\n"
    assert sorted(p.name for p in existing.parent.iterdir()) == ["mlflow.yaml"]


def test_a_body_larger_than_the_bound_is_refused_while_it_streams(
    minirepo: Path, fake_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mlflow_rest, "MAX_RESPONSE_BYTES", 1024 * 1024)

    def stream(handler: Any) -> None:
        handler.send_response(200)
        handler.end_headers()  # no Content-Length: read until the server closes
        handler.wfile.write(b"[" + b"0," * (1024 * 1024))

    fake_server.answer = stream
    result = observe(minirepo, fake_server.url)
    assert result.exit_code == 2
    assert "the answer is larger than 1 MiB" in result.stderr
    assert not (minirepo / SNAPSHOT).exists()


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("file:///srv/mlruns", "not from a file or database"),
        ("/srv/mlruns", "not from a file or database"),
        ("sqlite:///mlflow.db", "start 'mlflow server --backend-store-uri STORE'"),
        ("databricks", "https://WORKSPACE.cloud.databricks.com and set MLFLOW_TRACKING_TOKEN"),
        ("databricks://profile", "a databricks profile is not an address"),
        ("http://127.0.0.1:99999", "is not a valid tracking URI"),
    ],
)
def test_an_address_that_is_not_a_tracking_server_is_refused(
    uri: str, expected: str, minirepo: Path
) -> None:
    result = observe(minirepo, uri)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert not (minirepo / SNAPSHOT).exists()


def test_an_unreachable_server_is_an_error(minirepo: Path) -> None:
    address = f"http://127.0.0.1:{free_port()}"
    result = observe(minirepo, address)
    assert result.exit_code == 2
    assert (
        f"error: MLflow at {address}: GET /api/2.0/mlflow/registered-models/search: "
        "connection refused (check --tracking-uri and that the server is running)"
    ) in result.stderr
    assert not (minirepo / SNAPSHOT).exists()


def test_a_name_with_control_characters_is_kept_with_a_warning(
    registry: Any, minirepo: Path
) -> None:
    registry.create_registered_model("evil\x1b[2Jname")
    registry.create_registered_model("plain")
    result = observe(minirepo, registry.tracking_uri)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stderr
    assert (
        "warning: " + registry.tracking_uri + ": the registered model 'evil\\x1b[2Jname' holds "
        "control characters: it is kept in the snapshot as the registry shows it, but no "
        "record can declare it"
    ) in result.stderr
    assert [e["name"] for e in snapshot(minirepo)["entries"]] == ["evil\x1b[2Jname", "plain"]


def test_a_name_that_looks_like_a_path_is_data_not_a_path(
    tmp_path: Path, minirepo: Path, fake_server: FakeServer
) -> None:
    names = ["../../escaped", "..", "a\\b"]
    fake_server.answer = lambda h: send(
        h,
        200,
        _json({"registered_models": [{"name": n} for n in names]})
        if "registered-models" in h.path
        else _json(
            {"model_versions": [{"name": "../../escaped", "version": "1", "status": "READY"}]}
        ),
    )
    before = sorted(p for p in tmp_path.rglob("*"))
    result = observe(minirepo, fake_server.url)
    assert result.exit_code == 0, result.output
    for name in names:
        assert f"the registered model {name!r} looks like a path" in result.stderr
    entries = snapshot(minirepo)["entries"]
    assert [e["name"] for e in entries] == sorted(names)
    escaped = next(e for e in entries if e["name"] == "../../escaped")
    assert escaped["versions"] == [{"version": "1", "status": "READY"}]
    created = sorted(set(tmp_path.rglob("*")) - set(before))
    assert created == [minirepo / "inventory/observations", minirepo / SNAPSHOT]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"MLFLOW_TRACKING_USERNAME": USER}, "MLFLOW_TRACKING_USERNAME is set but"),
        ({"MLFLOW_TRACKING_INSECURE_TLS": "maybe"}, "must be true or false"),
        (
            {"MLFLOW_TRACKING_INSECURE_TLS": "true", "MLFLOW_TRACKING_SERVER_CERT_PATH": "/x"},
            "cannot both be set",
        ),
        ({"MLFLOW_TRACKING_SERVER_CERT_PATH": "/no/such/ca.pem"}, "must name a readable PEM"),
    ],
)
def test_settings_of_the_mlflow_variables_that_cannot_work_are_errors(
    env: dict[str, str], expected: str, minirepo: Path
) -> None:
    result = observe(minirepo, "https://127.0.0.1:1", env=env)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert USER not in result.stderr
    assert not (minirepo / SNAPSHOT).exists()
