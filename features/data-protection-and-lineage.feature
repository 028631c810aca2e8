Feature: Data protection and lineage
  Personal data stays personal data when it is cleaned, joined, aggregated or turned into
  features. Every dataset that holds it, or derives from one that does, has a lawful basis
  and a data protection impact assessment (DPIA) on file, and every model's training data
  can be traced back to its sources.

  @DAT-03
  Scenario: Every dataset with personal data, or derived from it, has a DPIA on file
    Given the datasets with personal data
    Then the selection is not empty
    And each has a DPIA on file

  @DAT-03
  Scenario: Personal data is processed on a lawful basis
    Given the datasets with personal data
    Then each has a field legal.lawful_basis
    And none has legal.lawful_basis equal to not-applicable

  @DAT-03
  Scenario: Models that affect people are trained only on personal data covered by a DPIA
    Given the production models that affect people
    And the datasets they are trained on, directly or through lineage
    And only those with personal data
    Then the selection is not empty
    And each has a DPIA on file

  @DAT-03
  Scenario: A feature set derived from personal data needs a DPIA even when it holds none itself
    Given a dataset record:
      | field                       | value               |
      | id                          | customer-aggregates |
      | parents                     | [crm-customers]     |
      | classification.contains_pii | false               |
      | legal.lawful_basis          | legitimate-interest |
    When the rules are checked
    Then rule DAT-03-dpia-personal-data fails for it

  @DAT-03
  Scenario: Reference data without personal data needs no DPIA
    Given a dataset record:
      | field                       | value          |
      | id                          | branch-codes   |
      | classification.contains_pii | false          |
      | legal.lawful_basis          | not-applicable |
    When the rules are checked
    Then rule DAT-03-dpia-personal-data does not apply to it

  @DAT-01
  Scenario: The credit scoring model's training data traces back to the core banking source
    Given the model credit-scoring
    And the datasets they are trained on, directly or through lineage
    Then the selection includes credit-training-2026q1, credit-features, account-behaviour-monthly and core-banking-transactions-raw

  @DAT-01
  Scenario: Every dataset's lineage resolves to known datasets, without cycles
    Given all datasets
    Then rule DAT-01-lineage-complete passes for each

  @DAT-02
  Scenario: The data quality checks of every dataset pass
    Given all datasets
    Then rule DAT-02-quality-checks passes for each

  @DAT-04
  Scenario: Every dataset declares its retention and is not kept past its deletion date
    Given all datasets
    Then each has a field retention.period
    And each has retention.delete_after on or after the evaluation date
