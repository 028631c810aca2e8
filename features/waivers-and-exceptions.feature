Feature: Waivers and exceptions
  A waiver is a time-boxed exception to one rule for one record, approved by someone
  allowed to approve who did not ask for it. It waives only while it is valid: once it
  expires, the finding it covered is a finding again.

  @WAV-01
  Scenario: No waiver has expired
    Given all waivers
    Then each has expires on or after the evaluation date

  @WAV-01
  Scenario: Waivers last at most 90 days from their approval
    Given all waivers
    Then each has expires within 90 days after approved_at

  @WAV-01
  Scenario: Waivers are approved independently, by someone allowed to approve
    Given all waivers
    Then each has approved_by naming an active person with one of the roles model-risk, risk-officer, head-of-mlops
    And each has approved_by not listed in requested_by

  @WAV-01
  Scenario: A self-approved waiver is not an approval
    Given a waiver record:
      """yaml
      id: W-EXAMPLE
      rule: VAL-01-validation-current
      subject: {kind: Model, id: aml-transaction-monitoring}
      justification: Revalidation is booked for January.
      requested_by: okarimi
      approved_by: okarimi
      approved_at: 2026-11-20
      ticket: GOV-999
      expires: 2027-01-31
      """
    When the rules are checked
    Then rule WAV-01-waiver-independent-approval fails for it
    And rule WAV-01-waiver-time-boxed passes for it

  @VAL-01 @WAV-01
  Scenario: An overdue validation is accepted while a valid waiver covers it
    Given the model fraud-scoring
    Then rule VAL-01-validation-current is waived for each

  @MON-02 @WAV-01
  Scenario: A finding whose waiver has expired is a finding again
    Given the production models
    Then rule MON-02-performance-floor passes for each, or is waived
