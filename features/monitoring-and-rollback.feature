Feature: Monitoring and rollback authority
  A production model is watched while it runs: drift in its input data pages someone,
  its performance has a floor, models that affect people are watched for unequal
  treatment, logs are kept, and someone is always allowed to roll it back.

  @MON-01
  Scenario: Every production model pages someone when its input data drifts
    Given the production models
    Then each has a field monitoring.thresholds.data_drift.metric
    And each has a field monitoring.thresholds.data_drift.page
    And each has a field monitoring.thresholds.data_drift.window

  @MON-01
  Scenario: A warning threshold alone does not satisfy the drift rule
    Given a model record:
      """yaml
      lifecycle: production
      monitoring:
        thresholds:
          data_drift: {metric: psi, warn: 0.1, window: P7D}
      """
    When the rules are checked
    Then rule MON-01-drift-thresholds fails for it

  @MON-01
  Scenario: A drift threshold that pages satisfies the drift rule
    Given a model record:
      | field                                   | value      |
      | lifecycle                               | production |
      | monitoring.thresholds.data_drift.metric | psi        |
      | monitoring.thresholds.data_drift.warn   | 0.1        |
      | monitoring.thresholds.data_drift.page   | 0.25       |
      | monitoring.thresholds.data_drift.window | P7D        |
    When the rules are checked
    Then rule MON-01-drift-thresholds passes for it

  @MON-01
  Scenario: Models still in development are not yet held to the drift rule
    Given a model record:
      | field     | value       |
      | lifecycle | development |
    When the rules are checked
    Then rule MON-01-drift-thresholds does not apply to it

  @MON-02
  Scenario: Every production model has a monitored performance floor
    Given the production models
    Then each has a field monitoring.thresholds.performance.metric

  @MON-04
  Scenario: Production models that affect people are watched for unequal treatment
    Given the production models that affect people
    Then the selection is not empty
    And each has a field monitoring.thresholds.fairness.metric
    And each has a field monitoring.thresholds.fairness.max

  @MON-03
  Scenario: Production models run within their latency and cost budgets
    Given the production models
    Then each has operations.metrics.latency_p99_ms of at most its monitoring.thresholds.latency_p99_ms.max
    And each has operations.metrics.cost_per_1k_inferences_usd of at most its monitoring.thresholds.cost_per_1k_inferences_usd.max

  @LOG-01
  Scenario: Inference logs of production models are kept for at least six months
    Given the production models
    Then each has monitoring.logging.enabled equal to true
    And each has monitoring.logging.retention_days of at least 183

  @RB-01
  Scenario: Someone is always allowed to roll a production model back
    Given the production models
    Then each has a rollback authority who is an active person
    And each has at least one rollback deputy
    And each has ownership.rollback_authority.deputies naming an active person

  @RUN-01
  Scenario: The people on call have a written runbook for every production model
    Given the production models
    Then each has operations.runbook pointing to a file in the repository

  @HO-01
  Scenario: A person can override every high-tier production model
    Given the production models with risk tier high
    Then each has a field operations.human_oversight.mode
    And each has a field operations.human_oversight.override_role
