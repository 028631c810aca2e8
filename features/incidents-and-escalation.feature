Feature: Incidents and escalation
  Every incident is assessed against the EU AI Act's definition of a serious incident
  (Art. 73); serious incidents reach the authority within the limit of their case (15 days;
  2 days when widespread or disrupting critical infrastructure; 10 days after a death);
  lessons are drawn in a post-incident review within 10 days of resolution; and a page that
  nobody answers escalates to named people with the authority to act.

  @INC-01
  Scenario: Every incident is assessed for seriousness under Art. 73
    Given all incidents
    Then the selection is not empty
    And each has serious_incident.assessed equal to true
    And each has a field serious_incident.is_serious

  @INC-01
  Scenario: A serious incident reported 19 days after detection breaks the reporting deadline
    Given an incident record:
      """yaml
      id: INC-EXAMPLE-1
      detected_at: 2026-10-01T09:00:00Z
      serious_incident:
        assessed: true
        is_serious: true
        case: standard
        reported_at: 2026-10-20T09:00:00Z
        authority: BaFin
      """
    When the rules are checked
    Then rule INC-01-serious-incident-reported fails for it
    And rule INC-01-serious-incident-triage passes for it

  @INC-01
  Scenario: Widespread or critical-infrastructure serious incidents are reported within 2 days
    Given the serious incidents
    And only those with serious_incident.case equal to widespread-or-critical-infrastructure
    Then the selection is not empty
    And rule INC-01-serious-incident-reported-2-days passes for each

  @INC-01
  Scenario: A widespread serious incident reported on day six is late, though 15 days would allow it
    Given an incident record:
      """yaml
      id: INC-EXAMPLE-2
      detected_at: 2026-10-06T08:10:00Z
      serious_incident:
        assessed: true
        is_serious: true
        case: widespread-or-critical-infrastructure
        reported_at: 2026-10-12T15:00:00Z
        authority: BaFin
      """
    When the rules are checked
    Then rule INC-01-serious-incident-reported-2-days fails for it
    And rule INC-01-serious-incident-case passes for it

  @INC-02
  Scenario: Resolved incidents have a post-incident review within 10 days
    Given the resolved incidents
    Then the selection is not empty
    And each has postmortem pointing to a file in the repository
    And each has postmortem_completed within 10 days after resolved_at

  @INC-02
  Scenario: A review completed five days after resolution is in time
    Given an incident record:
      """yaml
      id: INC-EXAMPLE-2
      resolved_at: 2026-09-10T16:05:00Z
      postmortem: docs/pir/INC-2026-0057.md
      postmortem_completed: 2026-09-15
      """
    When the rules are checked
    Then rule INC-02-post-incident-review passes for it

  @INC-02
  Scenario: A review without a document in the repository does not count
    Given an incident record:
      """yaml
      id: INC-EXAMPLE-3
      resolved_at: 2026-09-10T16:05:00Z
      postmortem: docs/pir/missing-review.md
      postmortem_completed: 2026-09-12
      """
    When the rules are checked
    Then rule INC-02-post-incident-review fails for it

  @ONC-01
  Scenario: Every rotation escalates in three levels to named, active people
    Given all rotations
    Then the selection is not empty
    And each has at least 3 entries in escalation
    And each has escalation.1.to naming an active person
    And each has escalation.2.to naming an active person
