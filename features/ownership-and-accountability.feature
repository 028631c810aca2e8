Feature: Ownership and accountability
  Every model the bank uses has named people who answer for it and who are still with
  the bank. Models that carry risk are challenged by someone who did not build or run
  them, and no model reaches production without an independent approval.

  @OWN-01
  Scenario: Every model in use has an active owner and an accountable operator
    Given the models in use
    Then the selection is not empty
    And each has ownership.owner naming an active person
    And each has ownership.operator naming an active person

  @OWN-01
  Scenario: A model whose owner has left the bank fails the ownership rule
    Given a model record:
      """yaml
      id: orphaned-model
      lifecycle: production
      ownership:
        owner: gthompson
        operator: tbauer
      """
    When the rules are checked
    Then rule OWN-01-owner-operator-active fails for it

  @OWN-02
  Scenario: High-tier models are validated by someone who neither built nor runs them
    Given the production models with risk tier high
    Then the selection is not empty
    And each has validation.validator naming an active person with one of the roles model-risk, model-validator
    And each has validation.validator not listed in ownership.developers
    And each has validation.validator not listed in ownership.operator

  @VAL-01
  Scenario: Every production model has a recorded validation
    Given the production models
    Then each has a field validation.last
    And each has validation.validator naming an active person

  @VAL-01
  Scenario: High-tier production models were validated within a year, or carry a valid waiver
    Given the production models with risk tier high
    Then rule VAL-01-validation-current passes for each, or is waived

  @APP-01
  Scenario: The running version of each production model was approved by someone independent
    Given the production models
    Then rule APP-01-deploy-approval passes for each

  @APP-01
  Scenario: A deployment approved only by the model's own developer is not an approval
    Given a model record:
      """yaml
      id: self-approved-model
      lifecycle: production
      version: 2.0.0
      ownership:
        developers: [lwu]
      approvals:
        - {stage: deploy, version: 2.0.0, by: lwu, at: 2026-11-02, evidence: "PR models#1"}
      """
    When the rules are checked
    Then rule APP-01-deploy-approval fails for it

  @RISK-01
  Scenario: Every model in use records its EU AI Act classification and the reasoning
    Given the models in use
    Then each has a field risk.tier
    And each has a field risk.eu_ai_act.role
    And each has a field risk.eu_ai_act.class
    And each has a field risk.eu_ai_act.rationale

  @USE-01
  Scenario: Every production model states what it is for and what it must not be used for
    Given the production models
    Then each has a field intended_use.purpose
    And each has at least 1 entry in intended_use.out_of_scope

  @DEC-01
  Scenario: Retired models keep their record and no longer serve
    Given the retired models
    Then the selection is not empty
    And rule DEC-01-retired-not-deployed passes for each
