"""The report's sections as typed values: one module per section (or a few close ones),
each with a builder that takes the evaluation and returns a frozen dataclass the template
reads. The sections hold no logic of the template's and the template none of theirs.
"""
