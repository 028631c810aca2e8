Feature: Production as observed
  The records say which models serve, which versions are approved and which thresholds
  hold; the snapshots that 'compliance-tool observe' commits to inventory/observations/
  say what the model registry, the cluster manifests and the metrics really showed.
  Governance holds only where the two agree.

  @INV-01
  Scenario: Every model serving in production is declared in the inventory
    Given the committed snapshots
    Then every model serving in production is declared

  @APP-01
  Scenario: Every version that serves has a deploy approval
    Given the committed snapshots
    Then every serving version has a deploy approval

  @DEC-01
  Scenario: No retired model is still serving
    Given the committed snapshots
    Then no retired model is serving

  @MON-03
  Scenario: The observed metrics are within the thresholds the records set
    Given the committed snapshots
    Then the observed metrics are within their thresholds

  @INV-01
  Scenario: Every snapshot of production is at most a week old
    Given the committed snapshots
    Then every snapshot is at most 7 days old
