"""Observations of the systems that run the models: a model registry, the workload
manifests kept in git, a metrics exposition. Each source is one module behind the small
interface of :mod:`compliance_tool.observe.base`; :mod:`compliance_tool.observe.snapshot`
writes what a source showed into ``inventory/observations/`` as an ``Observation``
record, which ``reconcile``, ``check`` and ``report`` read (never the live system)."""
