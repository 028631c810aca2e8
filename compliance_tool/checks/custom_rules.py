"""Custom Cerberus rules: checks that need other records or the evaluation date.

Any rule file may use these by name inside ``when`` or ``require``, like Cerberus's own
rules. Each method's docstring is its documentation (shown by ``rules explain`` and
``rules custom``) and ends with the schema Cerberus validates the rule's argument with.
Dates are ``YYYY-MM-DD`` strings; "today" is the run's evaluation date (``--as-of``).
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
from typing import Any

import cerberus

from compliance_tool.checks.continuity import bus_factor, capabilities
from compliance_tool.checks.facts import (
    Facts,
    date_after,
    parse_date,
    parse_datetime,
    parse_duration,
)
from compliance_tool.checks.schedule import coming_shifts
from compliance_tool.repository.kinds import Kind


def _lookup(document: Any, dotted: str) -> Any:
    value = document
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


_MAX_DAYS = dt.timedelta.max.days
"""The longest span of days a date can be moved by."""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class GovernanceValidator(cerberus.Validator):
    """Cerberus with the tool's custom rules; ``facts`` are passed as a keyword argument."""

    @property
    def facts(self) -> Facts:
        facts: Facts = self._config["facts"]
        return facts

    def _fact(self, name: str, key: str = "") -> Any:
        """A fact, recorded among the reads of this evaluation (see Facts.fact)."""
        value = self.facts.fact(name, key)
        reads = self._config.get("reads")
        if reads is not None:
            reads.append((name, key, value))
        return value

    def _capable(self) -> tuple[dict[str, list[str]], set[str]]:
        """Who can operate and roll back the model (this record), by capability (see
        continuity.capabilities), and which of them are active, read through facts."""
        document = self.root_document
        rotation = (document.get("operations") or {}).get("oncall")
        members = self._fact("rotation", str(rotation)) if rotation else None
        able = capabilities(document, [str(m) for m, _ in members or ()])
        everyone = {p for people in able.values() for p in people}
        active = {p for p in everyone if (self._fact("person", p) or (False,))[0]}
        return able, active

    @property
    def today(self) -> dt.date:
        self._fact("today")
        return self.facts.as_of

    def _validate_active_person(self, constraint: Any, field: str, value: Any) -> None:
        """The value (or each item of a list) names an active person; with a list of
        roles, a person who holds at least one of them. A person is active when their
        status is ``active`` and, for a contractor, the contract has not ended.

        Example: ``approved_by: {active_person: [model-risk, risk-officer]}``

        The rule's arguments are validated against this schema:
        {'type': ['boolean', 'list'], 'schema': {'type': 'string'}}
        """
        if constraint is False:
            return
        roles = set(constraint) if isinstance(constraint, list) else set()
        for person_id in _as_list(value):
            self._fact("person", str(person_id))
            person = self.facts.people.get(str(person_id))
            if person is None:
                self._error(field, f"'{person_id}' is not a person in the inventory")
            elif not person.active:
                self._error(field, f"'{person_id}' is not an active person")
            elif roles and not roles & person.roles:
                self._error(
                    field, f"'{person_id}' holds none of the roles {', '.join(sorted(roles))}"
                )

    def _validate_within_days(self, constraint: Any, field: str, value: Any) -> None:
        """The date is at most N days before today (and not in the future). N may depend
        on another field of the record: ``{by: risk.tier, days: {high: 365, medium: 730}}``
        (a value not listed means no limit).

        Example: ``training: {schema: {ai_literacy: {within_days: 365}}}``

        The rule's arguments are validated against this schema:
        {'type': ['integer', 'dict']}
        """
        limit = constraint
        if isinstance(constraint, dict):
            key = _lookup(self.root_document, str(constraint.get("by", "")))
            limit = (constraint.get("days") or {}).get(str(key))
            if limit is None:
                return
        day = parse_date(value)
        if day is None:
            self._error(field, f"'{value}' is not a date")
            return
        age = (self.facts.as_of - day).days
        if age > int(limit):
            self._error(field, f"{value} is {age} days before {self.today}, more than {limit}")
        elif age < 0:
            self._error(field, f"{value} is in the future (evaluation date {self.today})")
        else:  # a pass holds for every date of the window: that is what it depended on
            last = date_after(day, dt.timedelta(days=min(int(limit), _MAX_DAYS)))
            self._fact("between", f"{day}|{last or dt.date.max}")

    def _validate_within_days_of(self, constraint: Any, field: str, value: Any) -> None:
        """The date or date-time is at most ``days`` days after the date in ``field``
        (a path from the record's top), and not before it.

        Example: ``postmortem_completed: {within_days_of: {field: resolved_at, days: 10}}``

        The rule's arguments are validated against this schema:
        {'type': 'dict', 'schema': {'field': {'type': 'string', 'required': True},
         'days': {'type': 'integer', 'required': True}}}
        """
        start = parse_datetime(_lookup(self.root_document, constraint["field"]))
        end = parse_datetime(value)
        if start is None or end is None:
            self._error(field, f"cannot compare '{value}' with {constraint['field']}")
            return
        gap = (end - start).total_seconds() / 86400
        if gap > constraint["days"]:
            self._error(
                field,
                f"{value} is {gap:.0f} days after {constraint['field']}, "
                f"more than {constraint['days']}",
            )
        elif gap < 0:
            self._error(field, f"{value} is before {constraint['field']}")

    def _validate_within_cadence(self, constraint: Any, field: str, value: Any) -> None:
        """The date is no older than the ISO 8601 duration held by a sibling field.

        Example: ``access_review: {schema: {last: {within_cadence: cadence}}}``

        The rule's arguments are validated against this schema:
        {'type': 'string'}
        """
        cadence_text = (self.document or {}).get(constraint)
        day = parse_date(value)
        try:
            cadence = parse_duration(str(cadence_text))
        except ValueError:
            self._error(field, f"no valid cadence in '{constraint}'")
            return
        if day is None:
            self._error(field, f"'{value}' is not a date")
            return
        due = date_after(day, cadence)
        if due is None:  # fail closed: a review nobody can date is not a current one
            self._error(
                field,
                f"{value} plus the {cadence_text} cadence is after {dt.date.max}, "
                "beyond any date that can be checked",
            )
        elif due < self.facts.as_of:
            self._error(
                field,
                f"{value} plus the {cadence_text} cadence fell due on {due}, before {self.today}",
            )
        else:
            self._fact("between", f"{dt.date.min}|{due}")

    def _validate_not_past(self, constraint: Any, field: str, value: Any) -> None:
        """The date is today or later (a due date, an expiry, a contract end).

        Example: ``expires: {not_past: true}``

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        day = parse_date(value)
        if not constraint:
            return
        if day is None or day < self.facts.as_of:
            self._error(field, f"{value} is before {self.today}")
        else:
            self._fact("between", f"{dt.date.min}|{day}")

    def _validate_max_duration(self, constraint: Any, field: str, value: Any) -> None:
        """The ISO 8601 duration is at most the given one.

        Example: ``access_review: {schema: {cadence: {max_duration: P90D}}}``

        The rule's arguments are validated against this schema:
        {'type': 'string'}
        """
        try:
            too_long = parse_duration(str(value)) > parse_duration(constraint)
        except ValueError:
            self._error(field, f"'{value}' is not an ISO 8601 duration")
            return
        if too_long:
            self._error(field, f"{value} is longer than {constraint}")

    def _validate_personal_data_lineage(self, constraint: Any, field: str, value: Any) -> None:
        """The dataset id (or each id of a list) holds personal data or derives from a
        dataset that does, through any number of lineage steps; ``false`` requires the
        opposite. Use it in ``when`` on ``id`` to select datasets.

        Example: ``when: {id: {personal_data_lineage: true}}``

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        for dataset_id in _as_list(value):
            if self._fact("personal_data", str(dataset_id)) != constraint:
                state = "does not carry" if constraint else "carries"
                self._error(field, f"dataset '{dataset_id}' {state} personal data")

    def _validate_lineage_complete(self, constraint: Any, field: str, value: Any) -> None:
        """Every ancestor of the dataset resolves to a dataset file and the lineage has no
        cycle.

        Example: ``id: {lineage_complete: true}``

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        if constraint and not self._fact("lineage_complete", str(value)):
            self._error(field, f"the lineage of '{value}' is incomplete or circular")

    def _validate_rotation_staffed(self, constraint: Any, field: str, value: Any) -> None:
        """The rotation (by id) has at least ``min_members`` active members, of whom at
        least ``min_internal`` are internal staff.

        Example: ``operations: {schema: {oncall: {rotation_staffed: {min_members: 2,
        min_internal: 1}}}}``

        The rule's arguments are validated against this schema:
        {'type': 'dict', 'schema': {'min_members': {'type': 'integer'},
         'min_internal': {'type': 'integer'}}}
        """
        self._fact("rotation", str(value))
        rotation = self.facts.rotations.get(str(value))
        if rotation is None:
            self._error(field, f"'{value}' is not a rotation in the inventory")
            return
        people = [self.facts.people.get(str(m)) for m in rotation.data.get("members") or ()]
        active = [p for p in people if p is not None and p.active]
        internal = [p for p in active if not p.external]
        wanted = constraint.get("min_members", 0)
        if len(active) < wanted:
            self._error(
                field, f"rotation '{value}' has {len(active)} active member(s), needs {wanted}"
            )
        wanted_internal = constraint.get("min_internal", 0)
        if len(internal) < wanted_internal:
            self._error(
                field,
                f"rotation '{value}' has {len(internal)} active internal member(s), "
                f"needs {wanted_internal}",
            )

    def _validate_deputies_not_one_supplier(self, constraint: Any, field: str, value: Any) -> None:
        """The rollback deputies (a list of person ids) are not all external people of one
        organisation; a single external deputy is one supplier too. Rolling a model back
        must not depend on one supplier's contract.

        Example: ``rollback_authority: {schema: {deputies: {deputies_not_one_supplier: true}}}``

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        deputies = [str(d) for d in _as_list(value)]
        if not constraint or not deputies:
            return
        affiliations = [self._fact("affiliation", d) for d in deputies]
        organisations = {a[1] for a in affiliations if a is not None}
        if all(a is not None and a[0] for a in affiliations) and len(organisations) == 1:
            self._error(
                field,
                f"every rollback deputy ({', '.join(deputies)}) is external "
                f"and works for {organisations.pop() or 'one organisation'}",
            )

    def _validate_min_bus_factor(self, constraint: Any, field: str, value: Any) -> None:
        """The model (this record) has a bus factor of at least N: it takes N departures
        of active people to leave nobody able to operate it (its operator and the members
        of its ``operations.oncall`` rotation) or to roll it back (the rollback authority's
        primary and deputies). Use it on ``id``.

        Example: ``id: {min_bus_factor: 2}``

        The rule's arguments are validated against this schema:
        {'type': 'integer'}
        """
        able, active = self._capable()
        factor = bus_factor(able, active)
        if factor >= constraint:
            return
        weakest = [c for c, people in able.items() if sum(p in active for p in people) == factor]
        for capability in weakest:
            left = [p for p in able[capability] if p in active]
            who = f"only {', '.join(left)}" if left else "nobody active"
            self._error(
                field,
                f"bus factor {factor} (needs {constraint}): {who} can do its {capability}",
            )

    def _validate_contract_ending_cover(self, constraint: Any, field: str, value: Any) -> None:
        """No active person whose contract ends within N days of today is the sole
        rollback deputy of the model (this record) or the last active person able to
        operate it or to roll it back. Use it on ``id``.

        Example: ``id: {contract_ending_cover: 30}``

        The rule's arguments are validated against this schema:
        {'type': 'integer', 'min': 0}
        """
        able, active = self._capable()
        rollback = (self.root_document.get("ownership") or {}).get("rollback_authority") or {}
        deputies = [str(d) for d in _as_list(rollback.get("deputies"))]
        for person in dict.fromkeys(p for people in able.values() for p in people):
            end = parse_date((self._fact("affiliation", person) or (None, None, None))[2])
            if person not in active or end is None:
                continue
            start = date_after(end, -dt.timedelta(days=min(int(constraint), _MAX_DAYS)))
            if not self._fact("between", f"{start or dt.date.min}|{end}"):
                continue
            ends = f"'{person}', whose contract ends on {end},"
            if deputies == [person]:
                self._error(field, f"{ends} is the sole rollback deputy")
            for capability, people in able.items():
                if [p for p in people if p in active] == [person]:
                    self._error(field, f"{ends} is the last active person for its {capability}")

    def _validate_on_rotation(self, constraint: Any, field: str, value: Any) -> None:
        """The person (by id) is (``true``) or is not (``false``) a member of any rotation.
        Use it in ``when`` on ``id`` to select people who operate models.

        Example: ``when: {id: {on_rotation: true}}``

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        if self._fact("on_rotation", str(value)) != constraint:
            self._error(field, f"'{value}' is {'not ' if constraint else ''}on a rotation")

    def _validate_role_requirements(self, constraint: Any, field: str, value: Any) -> None:
        """The person holds what each of their roles requires (the role's Role record in
        inventory/roles/, ``requires``): every training it names recorded in ``training``,
        and an ``access_review`` when it asks for one. A role without a Role record
        requires nothing.

        Example: ``roles: {role_requirements: true}``

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        if not constraint:
            return
        document = self.root_document
        trainings = document.get("training") if isinstance(document.get("training"), dict) else {}
        for role, missing, requires in self._unmet(_as_list(value), trainings):
            if missing:
                self._error(field, f"role '{role}' requires the training {', '.join(missing)}")
            if requires.get("access_review") and not document.get("access_review"):
                self._error(field, f"role '{role}' requires an access review (access_review)")

    def _unmet(
        self, roles: list[Any], trainings: dict[str, Any]
    ) -> list[tuple[str, list[str], dict[str, Any]]]:
        """(role, trainings it requires and ``trainings`` lacks, all it requires) per Role."""
        found = []
        for role in roles:
            requires = self._fact("role", str(role))
            needs = json.loads(requires) if requires is not None else None
            if needs is not None:
                lacking = [t for t in needs.get("trainings") or () if not trainings.get(t)]
                found.append((str(role), lacking, needs))
        return found

    def _validate_covers_week(self, constraint: Any, field: str, value: Any) -> None:
        """The rotation (by id) has someone on call every hour of the week that holds
        today, in its schedule's time zone: its ``schedule`` is structured (time zone,
        layers, overrides) and leaves no gap. Each gap is named in local days and times.

        Example: ``operations: {schema: {oncall: {covers_week: true}}}``

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        if not constraint:
            return
        monday = self.facts.as_of - dt.timedelta(days=self.facts.as_of.weekday())
        self._fact("between", f"{monday}|{monday + dt.timedelta(days=6)}")
        for problem in self._fact("week_gaps", f"{value}|{monday}"):
            self._error(field, problem)

    def _validate_shifts_within_contract(self, constraint: Any, field: str, value: Any) -> None:
        """No shift of the rotation (this record) from today for the given ISO 8601
        period falls, even in part, to someone after their ``affiliation.contract_end``.
        Use it on ``id``; each person is named with their first such shift.

        Example: ``id: {shifts_within_contract: P28D}``

        The rule's arguments are validated against this schema:
        {'type': 'string'}
        """
        told: set[str] = set()
        for person, words, layer, last in coming_shifts(
            self.root_document, self.today, parse_duration(constraint)
        ):
            end = parse_date((self._fact("affiliation", person) or (None, None, None))[2])
            if end is not None and last > end and person not in told:
                told.add(person)
                self._error(
                    field,
                    f"'{person}' is on call {words} ({layer}), after their contract ended on {end}",
                )

    def _validate_shifts_trained(self, constraint: Any, field: str, value: Any) -> None:
        """No shift of the rotation (this record) from today for the given ISO 8601
        period falls to someone who lacks a training one of their roles requires (the
        Role record's ``requires.trainings``). Use it on ``id``; each person is named
        with their first shift.

        Example: ``id: {shifts_trained: P28D}``

        The rule's arguments are validated against this schema:
        {'type': 'string'}
        """
        told: set[str] = set()
        for person, words, layer, _ in coming_shifts(
            self.root_document, self.today, parse_duration(constraint)
        ):
            roles = [] if person in told else (self._fact("person", person) or (0, 0, ()))[2]
            told.add(person)
            trainings = json.loads(self._fact("training", person))
            for role, missing, _ in self._unmet(list(roles), trainings):
                if missing:
                    lacking = ", ".join(missing)
                    self._error(
                        field,
                        f"'{person}' is on call {words} ({layer}) without the training {lacking} that role '{role}' requires",
                    )

    def _validate_repo_file(self, constraint: Any, field: str, value: Any) -> None:
        """The value is the path of a file that exists inside the repository (at the
        commit being checked).

        Example: ``operations: {schema: {runbook: {required: true, repo_file: true}}}``

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        if not constraint:
            return
        problem = self._fact("file", str(value))
        if problem:
            self._error(field, f"'{value}' {problem}")

    def _validate_distinct_from(self, constraint: Any, field: str, value: Any) -> None:
        """The person named here is not among the people named by other fields (paths
        from the record's top; each may hold an id or a list of ids).

        Example: ``validation: {schema: {validator: {distinct_from: [ownership.developers]}}}``

        The rule's arguments are validated against this schema:
        {'type': 'list', 'schema': {'type': 'string'}}
        """
        for other in constraint:
            named = {str(v) for v in _as_list(_lookup(self.root_document, other))}
            clash = [str(v) for v in _as_list(value) if str(v) in named]
            if clash:
                self._error(field, f"'{', '.join(clash)}' is also named in {other}")

    def _validate_at_most_field(self, constraint: Any, field: str, value: Any) -> None:
        """The number is at most the number held by another field (a budget).

        Example: ``cost_per_1k_inferences_usd: {at_most_field:
        monitoring.thresholds.cost_per_1k_inferences_usd.max}``

        The rule's arguments are validated against this schema:
        {'type': 'string'}
        """
        limit = _lookup(self.root_document, constraint)
        if isinstance(limit, int | float) and isinstance(value, int | float) and value > limit:
            self._error(field, f"{value} is above the budget {limit} ({constraint})")

    def _validate_approved_current_version(self, constraint: Any, field: str, value: Any) -> None:
        """The list of approvals holds one for the given stage and the record's current
        ``version``, by an active person who is not among the developers.

        Example: ``approvals: {required: true, approved_current_version: deploy}``

        The rule's arguments are validated against this schema:
        {'type': 'string'}
        """
        version = _lookup(self.root_document, "version")
        developers = {str(d) for d in _as_list(_lookup(self.root_document, "ownership.developers"))}
        candidates = [
            a
            for a in _as_list(value)
            if isinstance(a, dict) and a.get("stage") == constraint and a.get("version") == version
        ]
        if not candidates:
            self._error(field, f"no '{constraint}' approval for version {version}")
            return
        for approval in candidates:
            self._fact("person", str(approval.get("by")))
            person = self.facts.people.get(str(approval.get("by")))
            if str(approval.get("by")) not in developers and person is not None and person.active:
                return
        self._error(
            field,
            f"the '{constraint}' approval of version {version} is by a developer "
            "or an inactive person",
        )

    def _validate_reconciled(self, constraint: Any, field: str | int, value: Any) -> None:
        """What the committed snapshots of inventory/observations/ show agrees with the
        record: no disagreement of the given kind (a kind of ``compliance-tool reconcile``,
        such as ``unapproved-version-serving``) is about this record. On a snapshot's
        ``entries`` list (``entries: {schema: {reconciled: undeclared-model}}``) each
        entry is checked on its own, so a finding points at the entry's line.

        Example: ``version: {reconciled: unapproved-version-serving}``

        The rule's arguments are validated against this schema:
        {'type': 'string', 'allowed': ['undeclared-model', 'unapproved-version-serving', 'version-mismatch', 'retired-but-serving', 'serving-before-production', 'declared-not-observed', 'metric-breach', 'declared-metric-differs', 'stale-observation']}
        """
        document = self.root_document
        key = f"{constraint}\0{document.get('kind')}\0{document.get('id')}"
        found = json.loads(self._fact("reconciled", key))
        index = field if isinstance(field, int) else None
        for at, message in found:
            if at == index:
                self._error(field, str(message))

    def _validate_waiver_matches_failure(self, constraint: Any, field: str, value: Any) -> None:
        """The waiver (this record) names a rule and a subject that exist, and that rule
        fails for that subject: a waiver that waives nothing is itself a finding. Rules on
        waivers run after all others, so the failures are known.

        Example: ``id: {waiver_matches_failure: true}``

        The rule's arguments are validated against this schema:
        {'type': 'boolean'}
        """
        if not constraint:
            return
        document = self.root_document
        rule = str(document.get("rule"))
        subject = document.get("subject") or {}
        kind, subject_id = str(subject.get("kind")), str(subject.get("id"))
        inventory = self.facts.inventory
        if not inventory.has(Kind.RULE, rule):
            self._error(field, f"rule '{rule}' does not exist")
        elif kind not in Kind._value2member_map_ or not inventory.has(Kind(kind), subject_id):
            self._error(field, f"subject {kind} '{subject_id}' does not exist")
        elif self.facts.failing is not None and (rule, kind, subject_id) not in self.facts.failing:
            self._error(
                field, f"rule '{rule}' does not fail for {kind} '{subject_id}': nothing to waive"
            )


CUSTOM_RULES: dict[str, Any] = {
    name[len("_validate_") :]: member
    for name, member in inspect.getmembers(GovernanceValidator, inspect.isfunction)
    if name.startswith("_validate_") and member.__qualname__.startswith("GovernanceValidator.")
}
"""Every custom rule by name, for ``rules custom`` and the tests."""


def describe(name: str) -> str:
    """The documentation of one custom rule, without Cerberus's argument schema."""
    doc = inspect.getdoc(CUSTOM_RULES[name]) or ""
    return doc.split("The rule's arguments")[0].strip()
