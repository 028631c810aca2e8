"""Generate a large, valid synthetic governance repository for benchmarks.

``generate(root)`` writes people, teams, on-call rotations, datasets with acyclic lineage,
models, a handful of incidents and waivers, and a copy of the sample repository's
``policies/`` (frameworks, controls and rules). Every file is schema-valid and every
reference resolves, so ``compliance-tool validate`` reports nothing: the benchmark measures
the cost of checking a healthy repository, not of printing problems.

Files are written from plain string templates (no YAML dumper), so the full size (about
32,000 files) takes seconds. The output depends only on ``seed`` and on the sample's
``policies/`` folder, which is copied as it is when the generator runs.

Usage::

    python benchmarks/synthetic.py OUT_DIR [--models N --datasets N --people N --seed N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import random
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compliance_tool.repository.kinds import FILE_FIELDS, FOLDERS, REFERENCES, Kind, walk
from compliance_tool.repository.yamlio import parse_document

SAMPLE_ROOT = Path(__file__).resolve().parent.parent
"""The project root, whose ``policies/`` folder is copied into every synthetic repository."""

RUNBOOK = "runbooks/synthetic.md"
DPIA = "evidence/dpia/synthetic.md"
POSTMORTEM = "docs/pir/synthetic.md"
HEADER = "# yaml-language-server: $schema=../../schemas/{}.schema.json\n"
TODAY = dt.date(2026, 11, 25)
"""Dates in the generated files are spread around this day."""

INTERNAL_ORG = "Northmoor Bank"
INTERNAL_DOMAIN = "northmoorbank.eu"
EXTERNAL_ORGS = (
    ("Lattice MLOps", "lattice-mlops.example"),
    ("Quorum Data Services", "quorum-data.example"),
    ("Bluefin Analytics", "bluefin-analytics.example"),
    ("Kestrel Consulting", "kestrel-consulting.example"),
)
FIRST_NAMES = (
    "Marco", "Laura", "Aisha", "Oliver", "Ingrid", "Tomas", "Priya", "Kenji", "Fatima", "Lukas",
    "Sofia", "Rahul", "Emma", "Nikolai", "Chloe", "Mateo", "Hannah", "Omar", "Elena", "Jonas",
    "Grace", "Farah", "Daniel", "Zara", "Pedro", "Mei", "Ruth", "Samuel", "Ines", "Viktor",
    "Amara", "Felix", "Lena", "Hugo", "Nadia", "Oskar", "Clara", "Tariq", "Julia", "Erik",
)  # fmt: skip
LAST_NAMES = (
    "Rossi", "Keller", "Haddad", "Jensen", "Patel", "Nowak", "Okafor", "Schmidt", "Dubois",
    "Campbell", "Hughes", "Murphy", "Khan", "Johansson", "Smith", "Kowalski", "Lindqvist",
    "Fernandes", "Bauer", "Hoffmann", "Voss", "Marino", "Grant", "Joshi", "Carter", "Jansen",
    "Weber", "Thompson", "Brennan", "Ahmed", "Karimi", "Wu", "Li", "Mueller", "Brooks",
    "Silva", "Novak", "Costa", "Berg", "Moreau",
)  # fmt: skip
ROLES = (
    "ml-platform-engineer", "data-reliability-engineer", "ml-sre", "model-governance-engineer",
    "data-scientist", "ml-engineer", "model-risk", "model-validator", "risk-officer",
    "privacy-officer", "security-engineer", "product-owner", "engineering-manager",
    "head-of-mlops",
)  # fmt: skip
ROLE_WEIGHTS = (8, 6, 8, 3, 16, 14, 4, 5, 2, 2, 2, 8, 5, 1)
DOMAINS = (
    "fraud", "credit", "aml", "treasury", "retail", "payments", "collections", "marketing",
    "pricing", "churn", "cards", "mortgages", "insurance", "wealth", "kyc", "deposits", "atm",
    "support", "claims", "lending",
)  # fmt: skip
TEAM_SUFFIXES = ("analytics", "ml", "data", "platform", "modelling")
MODEL_TASKS = (
    "scoring", "detection", "forecast", "ranking", "classifier", "segmentation",
    "recommender", "propensity", "anomaly", "pricing",
)  # fmt: skip
RAW_KINDS = ("transactions-raw", "events-raw", "applications-raw", "profiles-raw", "reference")
DERIVED_KINDS = ("clean", "features", "training", "holdout", "labels", "aggregates", "snapshot")
RAW_SYSTEMS = (
    ("core-banking", "jdbc://core-banking/{}"),
    ("card-authorisation-switch", "kafka://payments.{}.v3"),
    ("crm", "s3://crm-exports/{}"),
    ("web-analytics", "kafka://digital.{}.v1"),
    ("loan-origination", "jdbc://origination/{}"),
)
DERIVED_SYSTEMS = (
    ("feature-store", "feast://{}"),
    ("lakehouse", "delta://lakehouse/{}"),
    ("warehouse", "warehouse://analytics/{}"),
)
PII_FIELDS = (
    "customer_id", "card_token", "ip_address", "device_id", "email", "date_of_birth",
    "postcode", "account_number", "phone",
)  # fmt: skip
LAWFUL_BASES = ("contract", "legitimate-interest", "legal-obligation", "consent")
QUALITY_CHECKS = (
    "id_unique", "amount_not_null", "freshness_under_1h", "row_count_within_5pct",
    "schema_unchanged", "null_rate_under_2pct",
)  # fmt: skip
LIFECYCLES = ("proposed", "development", "validation", "production", "deprecated", "retired")
LIFECYCLE_WEIGHTS = (8, 14, 8, 50, 10, 10)
TIERS = ("low", "medium", "high")
AI_ACT = (
    ("deployer", "high-risk", "Annex III 5(b)", "Scores natural persons' credit"),
    ("deployer", "limited-risk", "Art. 50", "Talks to customers"),
    ("provider", "minimal-risk", None, "No effect on persons"),
    ("not-applicable", "out-of-scope", None, "Not an AI system"),
)
PERF_METRICS = (("auc", "min", 0.86), ("f1", "min", 0.7), ("mape", "max", 0.12))
OVERSIGHT = ("in-the-loop", "on-the-loop", "in-command", "none")
DATASET_ROLES_EXTRA = ("inference", "validation", "reference", "retrieval")


@functools.cache
def day(offset: int) -> str:
    """The ISO date ``offset`` days from TODAY (memoized: a few thousand distinct values)."""
    return (TODAY + dt.timedelta(days=offset)).isoformat()


@dataclass(slots=True)
class Person:
    """What the generator needs to remember about a generated person."""

    id: str
    name: str
    external: bool
    active: bool
    roles: list[str]
    teams: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PolicyNeeds:
    """Ids and files that the copied policies refer to and the inventory must provide."""

    people: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Counts:
    """How many files of each kind were written."""

    by_kind: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def _write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _flow(items: Sequence[str]) -> str:
    return "[" + ", ".join(items) + "]"


# -- policies ---------------------------------------------------------------------------


def copy_policies(root: Path, sample: Path = SAMPLE_ROOT) -> PolicyNeeds:
    """Copy the sample's frameworks, controls and rules, and list what they refer to."""
    needs = PolicyNeeds()
    seen_people: set[str] = set()
    seen_teams: set[str] = set()
    policy_kinds = (Kind.FRAMEWORK, Kind.CONTROL, Kind.RULE)
    for kind in policy_kinds:
        source = sample / FOLDERS[kind]
        target = root / FOLDERS[kind]
        target.mkdir(parents=True, exist_ok=True)
        listed = {
            Kind.FRAMEWORK: needs.frameworks,
            Kind.CONTROL: needs.controls,
            Kind.RULE: needs.rules,
        }[kind]
        if not source.is_dir():
            continue
        for file in sorted(source.iterdir()):
            if not file.is_file() or file.suffix not in (".yaml", ".yml"):
                continue
            raw = file.read_bytes()
            (target / file.name).write_bytes(raw)
            data = parse_document(raw).data or {}
            listed.append(file.stem)
            for ref in REFERENCES[kind]:
                for _, value in walk(data, ref.pattern):
                    if not isinstance(value, str):
                        continue
                    if ref.target is Kind.PERSON and value not in seen_people:
                        seen_people.add(value)
                        needs.people.append(value)
                    elif ref.target is Kind.TEAM and value not in seen_teams:
                        seen_teams.add(value)
                        needs.teams.append(value)
            for pattern in FILE_FIELDS.get(kind, ()):
                for _, value in walk(data, pattern):
                    if isinstance(value, str) and value not in needs.files:
                        needs.files.append(value)
    readme = sample / "policies" / "README.md"
    if readme.is_file():
        shutil.copyfile(readme, root / "policies" / "README.md")
    for relative in needs.files:
        source_file = sample / relative
        target_file = root / relative
        target_file.parent.mkdir(parents=True, exist_ok=True)
        if source_file.is_file():
            shutil.copyfile(source_file, target_file)
        else:
            _write(target_file, f"# Placeholder for {relative} (synthetic benchmark)\n")
    return needs


def _synthetic_rule(root: Path, control: str) -> str:
    """A rule for waivers to name, written only when the sample has no rules yet."""
    rule_id = "synthetic-waivable"
    _write(
        root / FOLDERS[Kind.RULE] / f"{rule_id}.yaml",
        HEADER.format("rule")
        + "# Written by benchmarks/synthetic.py because the sample has no rules yet.\n"
        "apiVersion: governance/v1\n"
        "kind: Rule\n"
        f"id: {rule_id}\n"
        "title: Models record a lifecycle\n"
        "rationale: A placeholder rule that synthetic waivers can name.\n"
        "severity: low\n"
        f"controls: [{control}]\n"
        "applies_to: Model\n"
        "require: {lifecycle: {required: true}}\n"
        "remediation: Add lifecycle to the model file.\n",
    )
    return rule_id


# -- people and teams -------------------------------------------------------------------


def _make_people(rng: random.Random, count: int, reserved: Sequence[str]) -> list[Person]:
    people: list[Person] = []
    used: set[str] = set()
    for index in range(max(count, len(reserved))):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        if index < len(reserved):
            person_id = reserved[index]
        else:
            base = f"{first[0]}{last}".lower()
            person_id = base
            suffix = 2
            while person_id in used or person_id in reserved:
                person_id = f"{base}{suffix}"
                suffix += 1
        used.add(person_id)
        external = index >= len(reserved) and rng.random() < 0.2
        active = index < len(reserved) or rng.random() < 0.96
        roles = rng.choices(ROLES, ROLE_WEIGHTS, k=2)
        if rng.random() < 0.6 or roles[0] == roles[1]:
            roles = roles[:1]
        people.append(Person(person_id, f"{first} {last}", external, active, roles))
    return people


def _team_ids(rng: random.Random, count: int, reserved: Sequence[str]) -> list[str]:
    teams = list(reserved)
    pool = [f"{d}-{s}" for d in DOMAINS for s in TEAM_SUFFIXES]
    rng.shuffle(pool)
    for candidate in pool:
        if len(teams) >= count:
            break
        if candidate not in teams:
            teams.append(candidate)
    return teams


def _person_yaml(rng: random.Random, person: Person) -> str:
    first, last = person.name.split(" ", 1)
    if person.external:
        organisation, domain = EXTERNAL_ORGS[rng.randrange(len(EXTERNAL_ORGS))]
    else:
        organisation, domain = INTERNAL_ORG, INTERNAL_DOMAIN
    lines = [
        HEADER.format("person"),
        "apiVersion: governance/v1\n",
        "kind: Person\n",
        f"id: {person.id}\n",
        f"name: {person.name}\n",
        f"email: {first.lower()}.{last.lower()}.{person.id}@{domain}\n",
    ]
    if not person.active:
        lines.append(f"status: {rng.choice(('on-leave', 'left'))}\n")
    lines.append("affiliation:\n")
    lines.append(f"  type: {'external' if person.external else 'internal'}\n")
    lines.append(f"  organisation: {organisation}\n")
    if person.external:
        lines.append(f"  contract_end: {day(rng.randrange(30, 700))}\n")
    lines.append("roles:\n")
    lines.extend(f"  - {role}\n" for role in person.roles)
    if person.teams:
        lines.append("teams:\n")
        lines.extend(f"  - {team}\n" for team in person.teams)
    lines.append(
        f"access_review:\n  last: {day(-rng.randrange(1, 120))}\n  cadence: P90D\n"
        f"training:\n  ai_literacy: {day(-rng.randrange(10, 400))}\n"
    )
    return "".join(lines)


def _team_yaml(team_id: str, lead: str, members: Sequence[str]) -> str:
    domain, _, suffix = team_id.partition("-")
    words = team_id.replace("-", " ")
    return (
        HEADER.format("team") + "apiVersion: governance/v1\n"
        "kind: Team\n"
        f"id: {team_id}\n"
        f"name: {words.title()}\n"
        "description: >-\n"
        f"  Builds and runs the {domain} {suffix or 'work'} of the bank; synthetic team for\n"
        "  benchmarks.\n"
        f"lead: {lead}\n"
        "members:\n" + "".join(f"  - {m}\n" for m in members)
    )


def _rotation_yaml(
    rotation_id: str, team: str, members: Sequence[str], second: str, third: str
) -> str:
    return (
        HEADER.format("rotation") + "apiVersion: governance/v1\n"
        "kind: Rotation\n"
        f"id: {rotation_id}\n"
        f"name: ML SRE rotation {rotation_id}\n"
        f"team: {team}\n"
        'schedule: "Weekly hand-over Monday 09:00 CET; PagerDuty out of hours"\n'
        "members:\n" + "".join(f"  - {m}\n" for m in members) + "escalation:\n"
        "  - level: 1\n"
        "    to: rotation\n"
        "  - level: 2\n"
        f"    to: {second}\n"
        "    after: PT15M\n"
        "  - level: 3\n"
        f"    to: {third}\n"
        "    after: PT30M\n"
    )


# -- datasets and models ----------------------------------------------------------------


def _dataset_yaml(
    rng: random.Random,
    dataset_id: str,
    parents: Sequence[str],
    owner: str,
    pii: bool,
) -> str:
    domain = dataset_id.split("-", 1)[0]
    words = dataset_id.rsplit("-", 1)[0].replace("-", " ")
    lines = [
        HEADER.format("dataset"),
        "apiVersion: governance/v1\n",
        "kind: Dataset\n",
        f"id: {dataset_id}\n",
        f"name: {words.capitalize()} {dataset_id.rsplit('-', 1)[1]}\n",
        "description: >-\n",
        f"  Synthetic {words} data for the {domain} portfolio, refreshed daily and kept under\n",
        "  the data reliability team's quality checks.\n",
    ]
    if parents:
        system, uri = rng.choice(DERIVED_SYSTEMS)
    else:
        system, uri = rng.choice(RAW_SYSTEMS)
    lines.append(f'source:\n  system: {system}\n  uri: "{uri.format(dataset_id)}"\n')
    if parents:
        lines.append(f"parents: {_flow(parents)}\n")
    lines.append(f"owner: {owner}\n")
    if pii:
        fields = rng.sample(PII_FIELDS, rng.randint(1, 4))
        level = rng.choice(("confidential", "restricted"))
        lines.append(
            f"classification:\n  level: {level}\n  contains_pii: true\n"
            f"  pii_fields: {_flow(fields)}\n"
            f"legal:\n  lawful_basis: {rng.choice(LAWFUL_BASES)}\n  dpia: {DPIA}\n"
        )
    else:
        level = rng.choice(("public", "internal", "internal", "confidential"))
        lines.append(f"classification:\n  level: {level}\n  contains_pii: false\n")
    lines.append("quality_checks:\n")
    for check in rng.sample(QUALITY_CHECKS, rng.randint(1, 3)):
        result = "pass" if rng.random() < 0.9 else rng.choice(("warn", "fail", "not-run"))
        at = day(-rng.randrange(5))
        lines.append(f"  - {{name: {check}, last_result: {result}, at: {at}}}\n")
    years = rng.choice((1, 2, 5, 7))
    lines.append(f"retention:\n  period: P{years}Y\n  delete_after: {day(365 * years)}\n")
    return "".join(lines)


@dataclass(frozen=True, slots=True)
class Pools:
    """People grouped by what they can do, for plausible assignments."""

    owners: list[str]
    operators: list[str]
    developers: list[str]
    validators: list[str]
    approvers: list[str]
    data_owners: list[str]
    everyone: list[str]

    @classmethod
    def of(cls, people: Sequence[Person]) -> Pools:
        active = [p for p in people if p.active]

        def having(*roles: str) -> list[str]:
            found = [p.id for p in active if any(r in roles for r in p.roles)]
            return found or [p.id for p in active] or [p.id for p in people]

        return cls(
            owners=having("product-owner", "engineering-manager"),
            operators=having("ml-sre", "ml-platform-engineer"),
            developers=having("data-scientist", "ml-engineer"),
            validators=having("model-validator", "model-risk"),
            approvers=having("model-risk", "risk-officer", "head-of-mlops"),
            data_owners=having("data-reliability-engineer", "data-scientist"),
            everyone=[p.id for p in people],
        )


def _model_yaml(
    rng: random.Random,
    model_id: str,
    pools: Pools,
    team: str,
    rotation: str,
    inputs: Sequence[tuple[str, str]],
    upstream: Sequence[str],
    pii: bool,
) -> str:
    domain, task = model_id.split("-")[:2]
    lifecycle = rng.choices(LIFECYCLES, LIFECYCLE_WEIGHTS)[0]
    tier = rng.choice(TIERS)
    version = f"{rng.randint(0, 6)}.{rng.randint(0, 12)}.{rng.randint(0, 20)}"
    operator = rng.choice(pools.operators)
    developers = list(dict.fromkeys(rng.choice(pools.developers) for _ in range(rng.randint(1, 2))))
    deputy = rng.choice(pools.operators)
    validator = rng.choice([v for v in pools.validators if v not in developers] or pools.everyone)
    out = [
        HEADER.format("model"),
        "apiVersion: governance/v1\n",
        "kind: Model\n",
        f"id: {model_id}\n",
        f"name: {domain.capitalize()} {task} model {model_id.rsplit('-', 1)[1]}\n",
        f"version: {version}\n",
        f"description: Synthetic {domain} {task} model for validation benchmarks.\n",
        f"lifecycle: {lifecycle}\n",
        f"risk:\n  tier: {tier}\n",
    ]
    if tier != "low":
        role, klass, basis, rationale = rng.choice(AI_ACT)
        basis_text = f', basis: "{basis}"' if basis else ""
        out.append(
            f'  eu_ai_act: {{role: {role}, class: {klass}{basis_text}, rationale: "{rationale}"}}\n'
        )
    out.append(
        f"ownership:\n  owner: {rng.choice(pools.owners)}\n  operator: {operator}\n"
        f"  team: {team}\n  developers: {_flow(developers)}\n"
    )
    deputies = f", deputies: [{deputy}]" if deputy != operator else ""
    out.append(f"  rollback_authority: {{primary: {operator}{deputies}}}\n")
    out.append(
        f'intended_use:\n  purpose: "Support {domain} decisions with {task} outputs"\n'
        f"  users: [{domain} analysts]\n"
    )
    if rng.random() < 0.5:
        out.append("  out_of_scope: [fully automated decisions]\n")
    out.append(f"  affects_people: {'true' if pii else 'false'}\n")
    out.append("inputs:\n  datasets:\n")
    out.extend(f"    - {{ref: {ref}, role: {role}}}\n" for ref, role in inputs)
    if upstream:
        out.append(f"  upstream_models: {_flow(upstream)}\n")
    deployed = lifecycle in ("production", "deprecated", "retired")
    if deployed:
        since = -rng.randrange(60, 900)
        until = ""
        if lifecycle == "retired":
            until = f", until: {day(-rng.randrange(1, 59))}"
        elif lifecycle == "deprecated":
            until = f", until: {day(rng.randrange(10, 180))}"
        out.append(
            "deployments:\n  - {environment: prod-eu, "
            f"target: k8s/{domain}-{task}, since: {day(since)}{until}}}\n"
        )
    if lifecycle not in ("proposed",):
        metric, bound, value = rng.choice(PERF_METRICS)
        warn = rng.choice((0.1, 0.15, 0.2))
        out.append(
            "monitoring:\n  thresholds:\n"
            f"    data_drift: {{metric: psi, warn: {warn}, page: {warn + 0.15:.2f}, window: P7D}}\n"
            f"    performance: {{metric: {metric}, {bound}: {value}}}\n"
        )
        if pii:
            out.append("    fairness: {metric: tpr_gap, max: 0.05}\n")
        out.append(
            f"    latency_p99_ms: {{max: {rng.choice((50, 100, 150, 250))}}}\n"
            f"    cost_per_1k_inferences_usd: {{max: {rng.choice((0.2, 0.4, 0.8))}}}\n"
            f"  logging: {{enabled: true, retention_days: {rng.choice((90, 180, 400))}}}\n"
            f"  dashboard: https://grafana.example.com/d/{model_id}\n"
        )
    out.append(
        f"operations:\n  runbook: {RUNBOOK}\n  oncall: {rotation}\n"
        f"  retraining: {{cadence: P{rng.choice((30, 60, 90))}D, "
        f"last_trained: {day(-rng.randrange(1, 120))}}}\n"
        f"  human_oversight: {{mode: {rng.choice(OVERSIGHT)}, override_role: {domain}-analyst}}\n"
    )
    if deployed:
        out.append(
            f"  metrics: {{as_of: {day(-rng.randrange(1, 7))}, "
            f"failed_deployments_90d: {rng.randrange(4)}, "
            f"retraining_backlog_days: {rng.randrange(10)},\n"
            f"            cost_per_1k_inferences_usd: {rng.randrange(5, 60) / 100}, "
            f"latency_p99_ms: {rng.randrange(20, 240)}}}\n"
        )
    if lifecycle in ("validation", "production", "deprecated", "retired"):
        last = -rng.randrange(10, 500)
        out.append(
            f"validation: {{last: {day(last)}, next_due: {day(last + 365)}, "
            f"validator: {validator}, open_findings: {rng.randrange(3)}}}\n"
        )
        approver = rng.choice([a for a in pools.approvers if a not in developers] or [validator])
        out.append(
            "approvals:\n"
            f"  - {{stage: validation, version: {version}, by: {validator}, "
            f'at: {day(last + 2)}, evidence: "VR-{rng.randrange(100, 999)}"}}\n'
        )
        if deployed:
            out.append(
                f"  - {{stage: deploy, version: {version}, by: {approver}, "
                f'at: {day(last + 9)}, evidence: "PR {rng.randrange(1000, 9999)}"}}\n'
            )
        if lifecycle == "retired":
            out.append(
                f"  - {{stage: retire, version: {version}, by: {approver}, at: {day(-60)}}}\n"
            )
    if pii:
        out.append(f"documentation:\n  dpia: {DPIA}\n")
    return "".join(out)


def _incident_yaml(
    rng: random.Random, number: int, models: Sequence[str], commander: str, actor: str
) -> str:
    detected = TODAY - dt.timedelta(days=rng.randrange(5, 200))
    stamp = f"{detected.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z"
    resolved = f"{(detected + dt.timedelta(days=1)).isoformat()}T09:30:00Z"
    return (
        HEADER.format("incident") + "apiVersion: governance/v1\n"
        "kind: Incident\n"
        f"id: INC-SYN-{number:04d}\n"
        f"title: Drift alert and degraded scores on {models[0]}\n"
        "summary: >-\n"
        "  Input drift after an upstream schema change degraded scores; the model was\n"
        "  rolled back to the previous version while the feature pipeline was fixed.\n"
        f"models: {_flow(models)}\n"
        f"severity: {rng.choice(('sev1', 'sev2', 'sev3', 'sev4'))}\n"
        f"detected_at: {stamp}\n"
        f"resolved_at: {resolved}\n"
        f"commander: {commander}\n"
        "serious_incident: {assessed: true, is_serious: false}\n"
        "actions:\n"
        f'  - {{type: rollback, from: "2.1.0", to: "2.0.3", by: {actor}, at: {stamp}}}\n'
        f"  - {{type: notification, by: {commander}, note: Risk committee informed}}\n"
        f"postmortem: {POSTMORTEM}\n"
        f"postmortem_completed: {(detected + dt.timedelta(days=7)).isoformat()}\n"
    )


def _waiver_yaml(
    number: int, rule: str, model: str, requested_by: str, approved_by: str, approved_at: int
) -> str:
    return (
        HEADER.format("waiver") + "apiVersion: governance/v1\n"
        "kind: Waiver\n"
        f"id: W-SYN-{number:04d}\n"
        f"rule: {rule}\n"
        f"subject: {{kind: Model, id: {model}}}\n"
        'justification: "Revalidation booked; weekly backtest compensates meanwhile"\n'
        f"requested_by: {requested_by}\n"
        f"approved_by: {approved_by}\n"
        f"approved_at: {day(approved_at)}\n"
        f"ticket: GOV-{number + 300}\n"
        f"expires: {day(approved_at + 90)}\n"
    )


# -- the whole repository ---------------------------------------------------------------


def generate(
    root: Path,
    models: int = 10_000,
    datasets: int = 20_000,
    people: int = 2_000,
    seed: int = 0,
) -> Counts:
    """Write a valid synthetic governance repository under ``root`` and count its files.

    ``root`` must not already hold ``inventory/`` or ``policies/``. The same ``seed`` (and
    the same sample policies) always gives the same files.
    """
    if models < 1 or datasets < 1 or people < 1:
        raise ValueError("models, datasets and people must each be at least 1")
    for top in ("inventory", "policies"):
        if (root / top).exists():
            raise FileExistsError(f"{root / top} exists: generate into an empty folder")
    rng = random.Random(seed)
    for kind in Kind:
        (root / FOLDERS[kind]).mkdir(parents=True, exist_ok=True)
    for relative, text in (
        (RUNBOOK, "# Synthetic runbook\n\nShared by every synthetic model.\n"),
        (DPIA, "# Synthetic DPIA\n\nShared by every synthetic dataset holding PII.\n"),
        (POSTMORTEM, "# Synthetic post-incident review\n"),
    ):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        _write(root / relative, text)

    needs = copy_policies(root)
    counts: dict[str, int] = {}

    # people, then teams built from the people's memberships
    staff = _make_people(rng, people, needs.people)
    team_ids = _team_ids(rng, max(len(needs.teams), min(50, max(5, people // 4))), needs.teams)
    members: dict[str, list[str]] = {t: [] for t in team_ids}
    for person in staff:
        for team in rng.sample(team_ids, min(len(team_ids), rng.choice((1, 1, 1, 2)))):
            person.teams.append(team)
            members[team].append(person.id)
    for team in team_ids:
        if not members[team]:
            person = rng.choice(staff)
            person.teams.append(team)
            members[team].append(person.id)
    folder = root / FOLDERS[Kind.PERSON]
    for person in staff:
        _write(folder / f"{person.id}.yaml", _person_yaml(rng, person))
    counts["Person"] = len(staff)
    by_id = {p.id: p for p in staff}
    leads: dict[str, str] = {}
    folder = root / FOLDERS[Kind.TEAM]
    for team in team_ids:
        active = [m for m in members[team] if by_id[m].active] or members[team]
        leads[team] = rng.choice(active)
        _write(folder / f"{team}.yaml", _team_yaml(team, leads[team], members[team]))
    counts["Team"] = len(team_ids)
    pools = Pools.of(staff)

    # rotations: 3-5 members, an external one where possible, three escalation levels
    internal = [p.id for p in staff if p.active and not p.external] or pools.everyone
    external = [p.id for p in staff if p.active and p.external]
    rotation_ids = [f"oncall-{i:04d}" for i in range(max(1, models // 20))]
    folder = root / FOLDERS[Kind.ROTATION]
    for rotation_id in rotation_ids:
        size = rng.randint(3, 5)
        chosen = rng.sample(internal, min(size - 1, len(internal)))
        if external:
            chosen.append(rng.choice(external))
        chosen = list(dict.fromkeys(chosen))
        team = rng.choice(team_ids)
        second = leads[team]
        third = rng.choice(pools.approvers)
        _write(
            folder / f"{rotation_id}.yaml",
            _rotation_yaml(rotation_id, team, chosen, second, third),
        )
    counts["Rotation"] = len(rotation_ids)

    # datasets: raw sources first, then derived ones whose parents come earlier (no cycles)
    dataset_ids: list[str] = []
    depth: list[int] = []
    can_parent: list[int] = []  # indexes of datasets with depth < 5
    pii_flags: list[bool] = []
    folder = root / FOLDERS[Kind.DATASET]
    seed_count = max(3, datasets // 50)
    for index in range(datasets):
        domain = rng.choice(DOMAINS)
        raw = index < seed_count or rng.random() < 0.25 or not can_parent
        if raw:
            parents: list[int] = []
            level = 0
            dataset_id = f"{domain}-{rng.choice(RAW_KINDS)}-{index:05d}"
        else:
            wanted = rng.choice((1, 1, 2, 2, 3))
            # prefer recent datasets so that lineage chains get deep
            window = can_parent[-200:] if rng.random() < 0.7 else can_parent
            parents = sorted(set(rng.choice(window) for _ in range(wanted)))
            level = 1 + max(depth[p] for p in parents)
            dataset_id = f"{domain}-{rng.choice(DERIVED_KINDS)}-{index:05d}"
        pii = rng.random() < 0.3
        text = _dataset_yaml(
            rng, dataset_id, [dataset_ids[p] for p in parents], rng.choice(pools.data_owners), pii
        )
        _write(folder / f"{dataset_id}.yaml", text)
        dataset_ids.append(dataset_id)
        depth.append(level)
        pii_flags.append(pii)
        if level < 5:
            can_parent.append(index)
    counts["Dataset"] = datasets

    # models: inputs from the datasets, upstream models only from earlier models
    model_ids: list[str] = []
    folder = root / FOLDERS[Kind.MODEL]
    for index in range(models):
        model_id = f"{rng.choice(DOMAINS)}-{rng.choice(MODEL_TASKS)}-{index:05d}"
        picks = list(dict.fromkeys(rng.randrange(datasets) for _ in range(rng.randint(2, 3))))
        roles = ["training", "evaluation", *rng.sample(DATASET_ROLES_EXTRA, 2)]
        inputs = [(dataset_ids[p], roles[i]) for i, p in enumerate(picks)]
        upstream: list[str] = []
        if model_ids and rng.random() < 0.15:
            upstream = list(dict.fromkeys(rng.choice(model_ids) for _ in range(rng.randint(1, 2))))
        pii = any(pii_flags[p] for p in picks)
        text = _model_yaml(
            rng,
            model_id,
            pools,
            rng.choice(team_ids),
            rng.choice(rotation_ids),
            inputs,
            upstream,
            pii,
        )
        _write(folder / f"{model_id}.yaml", text)
        model_ids.append(model_id)
    counts["Model"] = models

    # a handful of incidents and waivers
    folder = root / FOLDERS[Kind.INCIDENT]
    incidents = max(3, models // 1000)
    for number in range(1, incidents + 1):
        involved = list(dict.fromkeys(rng.choice(model_ids) for _ in range(rng.randint(1, 2))))
        text = _incident_yaml(
            rng, number, involved, rng.choice(pools.operators), rng.choice(pools.operators)
        )
        _write(folder / f"INC-SYN-{number:04d}.yaml", text)
    counts["Incident"] = incidents
    rules = needs.rules
    if not rules and needs.controls:
        rules = [_synthetic_rule(root, needs.controls[0])]
        counts["Rule (synthetic)"] = 1
    waivers = max(2, models // 2000) if rules else 0
    folder = root / FOLDERS[Kind.WAIVER]
    for number in range(1, waivers + 1):
        requested = rng.choice(pools.developers)
        approved = rng.choice([a for a in pools.approvers if a != requested] or pools.everyone)
        _write(
            folder / f"W-SYN-{number:04d}.yaml",
            _waiver_yaml(
                number,
                rng.choice(rules),
                rng.choice(model_ids),
                requested,
                approved,
                -rng.randrange(1, 60),
            ),
        )
    counts["Waiver"] = waivers
    counts["Framework"] = len(needs.frameworks)
    counts["Control"] = len(needs.controls)
    counts["Rule"] = len(needs.rules)
    return Counts(counts)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``synthetic.py OUT_DIR [--models N --datasets N --people N --seed N]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to write (must not hold inventory/)")
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--datasets", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        counts = generate(args.out, args.models, args.datasets, args.people, args.seed)
    except (FileExistsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    detail = ", ".join(f"{n} {k}" for k, n in counts.by_kind.items())
    print(f"wrote {counts.total} governance files to {args.out} in {elapsed:.1f} s ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
