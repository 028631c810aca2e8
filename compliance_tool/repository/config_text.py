"""The text of a new repository's ``compliance-tool.yaml`` and ``.gitignore``.

The configuration file is written from the schema that checks it
(``config.schema.json``): every setting appears, commented out, under its description, so
that the file and the schema cannot drift apart. Settings given (the sample
organisation's, for ``init --example``) are written as values instead.
"""

from __future__ import annotations

import json
import re
from typing import Any

from compliance_tool.repository.config import CONFIG_FILE

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._/-]*[A-Za-z0-9./]$")
_YAML_WORDS = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def _scalar(value: Any) -> str:
    """``value`` as YAML: plain when it reads back as the same text, JSON-quoted else."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, dict):  # an item of a list of mappings, in flow style
        return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS and ": " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _example(schema: dict[str, Any]) -> str:
    """A value to show for a setting: its 'e.g.' or '(default ...)' or one of its type."""
    description = str(schema.get("description", ""))
    kind = schema.get("type")
    default = re.search(r"\(default ([^)]+)\)", description)
    if default:
        return _scalar(int(default.group(1)) if kind == "integer" else default.group(1))
    example = re.search(r"e\.g\. (.+?)\.?$", description)
    if example and kind == "string":
        return _scalar(example.group(1))
    if kind == "array":
        return "[]"
    if kind == "integer":
        return str(schema.get("minimum", 0))
    return '""'


def _comment_lines(text: str, indent: str, width: int = 88) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(indent) + 2 + len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return [f"{indent}# {each}" for each in lines]


def _settings(
    schema: dict[str, Any], values: dict[str, Any], depth: int, examples: bool = False
) -> list[str]:
    """The lines of every setting of ``schema``: a description, then the setting, set
    when ``values`` has it and commented out otherwise (a mapping none of whose settings
    is given is commented out whole, its settings shown with ``examples`` as values)."""
    indent = "  " * depth
    out: list[str] = []
    for name, prop in schema.get("properties", {}).items():
        if name == "starter_version":
            continue  # written by init and upgrade, first in the file
        if depth == 0:
            out.append("")
        out.extend(_comment_lines(str(prop.get("description", "")), indent))
        given = values.get(name)
        if prop.get("type") == "object":
            block = [f"{indent}{name}:"]
            inner: dict[str, Any] = given if isinstance(given, dict) else {}
            is_set = isinstance(given, dict)
            block += _settings(prop, inner, depth + 1, examples or not is_set)
            block += _unlisted(prop, inner, depth + 1)
            if not is_set and not examples:
                block = [_commented(line, indent) for line in block]
            elif not any(line.strip() and not line.lstrip().startswith("#") for line in block[1:]):
                block[0] += " {}"  # set, but nothing in it: still a mapping, not null
            out.extend(block)
        elif given is not None:
            text = "[" + ", ".join(map(_scalar, given)) + "]" if isinstance(given, list) else ""
            out.append(f"{indent}{name}: {text or _scalar(given)}")
        elif examples:
            out.append(f"{indent}{name}: {_example(prop)}")
        else:
            out.append(f"{indent}# {name}: {_example(prop)}")
    return out


def _unlisted(schema: dict[str, Any], values: dict[str, Any], depth: int) -> list[str]:
    """The settings of ``values`` that ``schema`` allows without listing them (its
    ``additionalProperties``, such as the settings of an export by its name), each on one
    line as a flow mapping, so that none given is dropped."""
    listed = schema.get("properties", {})
    return [
        f"{'  ' * depth}{name}: {json.dumps(value, ensure_ascii=False, default=str)}"
        for name, value in values.items()
        if name not in listed
    ]


def _commented(line: str, indent: str) -> str:
    """A line of a commented-out mapping, commented at the mapping's indentation."""
    return f"{indent}#" if not line.strip() else f"{indent}# {line[len(indent) :]}"


def config_text(example: bytes | None = None) -> str:
    """``compliance-tool.yaml`` for a new repository: every setting of the schema,
    commented out, and those of ``example`` (a configuration file's bytes) set."""
    from compliance_tool.repository.resources import config_schema, tool_version
    from compliance_tool.repository.yamlio import parse_document

    values: dict[str, Any] = {}
    if example is not None:
        parsed = parse_document(example).data
        values = parsed if isinstance(parsed, dict) else {}
    schema = config_schema()
    lines = [
        f"# {CONFIG_FILE}: the settings of compliance-tool for this governance repository.",
        "# Every setting is listed with what it means; remove the '# ' in front of a setting",
        "# to use it. Command-line flags and COMPLIANCE_TOOL_* environment variables win",
        "# over this file. The tool checks this file against its schema on every run.",
        "",
        *_comment_lines(str(schema["properties"]["starter_version"]["description"]), ""),
        f'starter_version: "{tool_version()}"',
        *_settings(schema, {k: v for k, v in values.items() if k != "starter_version"}, 0),
    ]
    return "\n".join(lines) + "\n"


def gitignore_text() -> str:
    """``.gitignore`` for a new repository: the tool's caches and signing keys."""
    return "\n".join(
        [
            "# compliance-tool: its caches (per user, never shared) and signing keys",
            ".compliance-cache/",
            ".compliance-keys/",
            "*.p12",
            "*.pfx",
            "*.key",
            "# temporary files of reports being written",
            "reports/.*.tmp",
            "reports/*.tmp",
            "# Python and editors",
            "__pycache__/",
            ".venv/",
            ".DS_Store",
            "",
        ]
    )
