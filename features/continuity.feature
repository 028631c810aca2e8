Feature: Continuity of operations
  No model may depend on a single person. External specialists from Quantile Partners and
  Lattice MLOps serve on the rotations on the same footing as staff: the same rotations,
  the same 90-day access reviews, the same AI-literacy training, and a contract that is
  current for as long as they are on call. At least one member of every rotation is staff,
  so that knowledge stays in the bank when a contract ends.

  @CONT-01 @ONC-01
  Scenario: No production model can be operated by a single person
    Given the production models
    And their on-call rotations
    Then the selection is not empty
    And no rotation has fewer than 2 active members

  @CONT-01
  Scenario: Knowledge stays in the bank when a contract ends
    Given the production models
    And their on-call rotations
    Then at least one member of each rotation is internal

  @CONT-01
  Scenario: A model on a rotation with two active members, one of them staff, can be operated
    Given a model record:
      """yaml
      id: payments-model
      lifecycle: production
      operations:
        oncall: ml-sre-payments
      """
    When the rules are checked
    Then rule CONT-01-two-operators passes for it

  @ONC-01
  Scenario: Every production model has an on-call rotation
    Given the production models
    Then each has a field operations.oncall

  @ONC-01
  Scenario: A rotation of one person is not a rotation
    Given a rotation record:
      """yaml
      id: solo-rotation
      members: [ljohansson]
      escalation:
        - {level: 1, to: rotation}
        - {level: 2, to: tbauer, after: PT30M}
        - {level: 3, to: hlindqvist, after: PT1H}
      """
    When the rules are checked
    Then rule ONC-01-rotation-escalation fails for it

  @EXT-01
  Scenario: External specialists on a rotation hold a current contract
    Given the external specialists on a rotation
    Then the selection is not empty
    And each has affiliation.contract_end on or after the evaluation date

  @EXT-01
  Scenario: Nobody whose contract has ended is still on call for a production model
    Given the production models
    And their on-call rotations
    And the members of those rotations
    Then each is an active person

  @EXT-01
  Scenario: Staff and external specialists have their access reviewed on the same 90-day cadence
    Given the people on a rotation
    Then each has access_review.cadence equal to P90D
    And each has access_review.last within 90 days before the evaluation date

  @EXT-01 @TRN-01
  Scenario: Everyone on a rotation, staff or external, completed AI-literacy training within a year
    Given the people on a rotation
    Then each has training.ai_literacy within 365 days before the evaluation date
