"""Read one YAML file as data, fast, with the line and column of every key and value.

The hot path composes nodes with libyaml (PyYAML's C parser, which keeps every node's
start mark) and builds plain Python values from them here, so positions cost nothing
extra over a plain safe load. Scalars follow the YAML 1.2 core schema, which is what
users expect: ``NO``, ``yes`` and ``off`` stay strings, and unquoted dates stay strings
(JSON Schema checks their format). Only the core tags are accepted: YAML is data, never
code. Aliases are allowed but their expansion is bounded ("billion laughs").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

MAX_FILE_BYTES = 1 << 20
"""Files above this size are refused before parsing (1 MiB)."""

MAX_SNAPSHOT_BYTES = 64 << 20
"""The limit of a snapshot in inventory/observations/: one file holds everything one
system showed (a registry of thousands of models), written by observe, not by hand."""

SNAPSHOT_FOLDER = "inventory/observations/"


def file_limit(path: str) -> int:
    """How many bytes the file at repository path ``path`` may have."""
    return MAX_SNAPSHOT_BYTES if path.startswith(SNAPSHOT_FOLDER) else MAX_FILE_BYTES


MAX_VALUES = 50_000
"""A document may expand to at most this many values, aliases included."""

SNAPSHOT_BYTES_PER_VALUE = 8
"""A snapshot above :data:`MAX_FILE_BYTES` may hold one value per this many bytes (a
value written out takes more: its key, indentation and line), so that only aliases could
expand it further."""

MAX_DEPTH = 64
"""Nesting deeper than this is refused (it is never needed, and guards recursion)."""

Path = tuple[str | int, ...]
"""A path into a document: mapping keys and sequence indexes."""

_TAG = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_TAG + t for t in ("str", "int", "float", "bool", "null"))
SEQ, MAP = _TAG + "seq", _TAG + "map"


class _Core12Resolver(BaseResolver):
    """Implicit typing of plain scalars by the YAML 1.2 core schema, nothing more."""

    yaml_implicit_resolvers = {}  # noqa: RUF012  (filled by add_implicit_resolver below)


_Core12Resolver.add_implicit_resolver(
    NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_Core12Resolver.add_implicit_resolver(
    BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Core12Resolver.add_implicit_resolver(
    INT,
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Core12Resolver.add_implicit_resolver(
    FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)

if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser as _ParserBase

    class _Composer(_ParserBase, _Core12Resolver):
        """libyaml parser and composer with the 1.2 core resolver."""

        def __init__(self, stream: str) -> None:
            _ParserBase.__init__(self, stream)
            _Core12Resolver.__init__(self)

else:  # pragma: no cover - exercised only where PyYAML was built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Composer(Reader, Scanner, Parser, Composer, _Core12Resolver):  # type: ignore[no-redef]
        """Pure-Python parser and composer with the 1.2 core resolver."""

        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            _Core12Resolver.__init__(self)


LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))


@dataclass(frozen=True, slots=True)
class YamlIssue:
    """A reason a file cannot be read as one YAML mapping, or a duplicate key in it."""

    line: int
    column: int
    message: str
    hint: str
    code: str
    path: Path = ()


class Document:
    """One parsed file: its data, the 1-based (line, column) of each value and key.

    Positions may be left out (a document restored from the cache) and are then taken
    from ``reload``, a re-parse of the same bytes, the first time one is asked for.
    """

    __slots__ = ("_keys", "_reload", "_values", "data", "issues")

    def __init__(
        self,
        data: dict[str, Any] | None,
        values: dict[Path, tuple[int, int]] | None,
        keys: dict[Path, tuple[int, int]] | None,
        issues: tuple[YamlIssue, ...],
        reload: Callable[[], Document] | None = None,
    ) -> None:
        self.data = data
        self._values = values
        self._keys = keys
        self.issues = issues
        self._reload = reload

    def _marks(self) -> None:
        if self._values is None:
            again = self._reload() if self._reload is not None else None
            self._values = again._values if again is not None and again._values else {}
            self._keys = again._keys if again is not None and again._keys else {}

    @property
    def values(self) -> dict[Path, tuple[int, int]]:
        self._marks()
        assert self._values is not None
        return self._values

    @property
    def keys(self) -> dict[Path, tuple[int, int]]:
        self._marks()
        assert self._keys is not None
        return self._keys

    def position(self, path: Path) -> tuple[int, int]:
        """Where the value at ``path`` starts, or its nearest enclosing value."""
        values = self.values
        for end in range(len(path), -1, -1):
            found = values.get(path[:end])
            if found is not None:
                return found
        return (1, 1)

    def key_position(self, path: Path) -> tuple[int, int]:
        """Where the key of the entry at ``path`` starts (its value if it has no key)."""
        return self.keys.get(path) or self.position(path)


class _Refused(Exception):
    def __init__(self, issue: YamlIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def _fail(code: str, message: str, hint: str, line: int = 1, column: int = 1) -> Document:
    return Document(None, {}, {}, (YamlIssue(line, column, message, hint, code),))


def size_issue(size: int, limit: int = MAX_FILE_BYTES) -> YamlIssue | None:
    """The finding for a file of ``size`` bytes above ``limit`` (see :func:`file_limit`),
    or None. Sources ask it with the size from ``stat`` or git before reading, so a huge
    file is refused without being read."""
    if size <= limit:
        return None
    return YamlIssue(
        1,
        1,
        f"file is {size:,} bytes, above the {limit:,}-byte limit",
        "split it: one entity per file",
        "too-large",
    )


def decode(raw: bytes, limit: int = MAX_FILE_BYTES) -> str | YamlIssue:
    """Bytes to text, refusing what an inventory file must never be."""
    too_large = size_issue(len(raw), limit)
    if too_large is not None:
        return too_large
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return YamlIssue(
            1, 1, "file starts with a byte-order mark", "save it as UTF-8 without BOM", "bom"
        )
    if b"\x00" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\x00")) + 1
        return YamlIssue(
            line,
            1,
            "file is binary (contains NUL bytes)",
            "inventory files are UTF-8 YAML",
            "binary",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return YamlIssue(
            line,
            column,
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            "re-save the file as UTF-8",
            "encoding",
        )


def parse_document(raw: bytes, limit: int = MAX_FILE_BYTES) -> Document:
    """Parse one file's bytes into a :class:`Document`; problems become issues, never raise."""
    text = decode(raw, limit)
    if isinstance(text, YamlIssue):
        return Document(None, {}, {}, (text,))
    if _blank(text):
        return _fail("empty", "file is empty", "write apiVersion, kind and id, or delete the file")
    composer = _Composer(text)
    try:
        root = composer.get_single_node()
    except yaml.composer.ComposerError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 1
        if "single document" in f"{exc.context} {exc.problem}":
            return _fail(
                "multi-document",
                "file holds several YAML documents",
                "one entity per file: move each document after '---' into its own file",
                line,
            )
        return _fail("syntax", f"YAML error: {exc.problem}", "fix the YAML syntax", line)
    except yaml.YAMLError as exc:
        return _syntax_failure(exc, text)
    finally:
        composer.dispose()
    if root is None:
        return _fail("empty", "file is empty", "write apiVersion, kind and id, or delete the file")
    if not isinstance(root, MappingNode):
        what = "a list" if isinstance(root, SequenceNode) else "a single value"
        return _fail(
            "not-a-mapping",
            f"top level is {what}, not a mapping",
            "a file holds one entity: start with 'apiVersion:', 'kind:', 'id:'",
            root.start_mark.line + 1,
            root.start_mark.column + 1,
        )
    allowed = MAX_VALUES
    if limit > MAX_FILE_BYTES:
        allowed = max(MAX_VALUES, len(raw) // SNAPSHOT_BYTES_PER_VALUE)
    return _build(root, allowed)


def parse_stream(raw: bytes) -> list[Document]:
    """Parse every YAML document of one file (separated by ``---``), each with the
    positions :func:`parse_document` gives, as file lines; empty documents are left out.

    A document whose top level is not a mapping has ``data`` None and a "not-a-mapping"
    issue. When the file cannot be read as YAML at all (bad bytes, a syntax error in any
    document), the answer is that one failure: a single document whose issue says where."""
    text = decode(raw)
    if isinstance(text, YamlIssue):
        return [Document(None, {}, {}, (text,))]
    if _blank(text):
        return []
    composer = _Composer(text)
    roots: list[Node] = []
    try:
        while composer.check_node():
            node = composer.get_node()
            if node is not None and not (type(node) is ScalarNode and node.tag == NULL):
                roots.append(node)
    except yaml.YAMLError as exc:
        return [_syntax_failure(exc, text)]
    finally:
        composer.dispose()
    documents = []
    for root in roots:
        if isinstance(root, MappingNode):
            documents.append(_build(root))
            continue
        what = "a list" if isinstance(root, SequenceNode) else "a single value"
        line, column = root.start_mark.line + 1, root.start_mark.column + 1
        issue = YamlIssue(line, column, f"top level is {what}, not a mapping", "", "not-a-mapping")
        documents.append(Document(None, {(): (line, column)}, {}, (issue,)))
    return documents


def _blank(text: str) -> bool:
    """Whether ``text`` holds nothing but blank lines and comments."""
    return not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    )


def _syntax_failure(exc: yaml.YAMLError, text: str) -> Document:
    """The document of a file the parser refused, with where it stopped."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return _fail("syntax", f"not valid YAML: {exc}", "fix the YAML syntax")
    mark = exc.problem_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or str(exc)
    return _fail("syntax", f"not valid YAML: {problem}", _syntax_hint(exc, text), line, column)


def _build(root: Node, allowed: int = MAX_VALUES) -> Document:
    """The document of one composed top-level mapping of at most ``allowed`` values."""
    builder = _Builder(allowed)
    try:
        data = builder.build(root, (), 0)
    except _Refused as refused:
        return Document(None, {}, {}, (refused.issue,))
    return Document(data, builder.values, builder.keys, tuple(builder.issues))


class _Builder:
    """Turns composed nodes into plain values, recording positions and duplicate keys."""

    __slots__ = ("allowed", "count", "entry", "issues", "keys", "values")

    def __init__(self, allowed: int = MAX_VALUES) -> None:
        self.allowed = allowed
        self.values: dict[Path, tuple[int, int]] = {}
        self.keys: dict[Path, tuple[int, int]] = {}
        self.issues: list[YamlIssue] = []
        self.count = 0
        self.entry: tuple[int, int] = (1, 1)
        """The top-level value being built: where an alias bomb is reported."""

    def build(self, node: Node, path: Path, depth: int) -> Any:
        self.count += 1
        if depth == 1:
            self.entry = (node.start_mark.line + 1, node.start_mark.column + 1)
        if self.count > self.allowed:
            raise _Refused(
                YamlIssue(
                    *self.entry,
                    f"aliases expand to more than {self.allowed:,} values",
                    "remove the anchors and aliases ('&name', '*name'); write values out",
                    "alias-bomb",
                )
            )
        mark = node.start_mark
        self.values[path] = (mark.line + 1, mark.column + 1)
        tag = node.tag
        if type(node) is ScalarNode:
            return self._scalar(node, tag)
        if depth >= MAX_DEPTH:
            raise _Refused(
                YamlIssue(
                    mark.line + 1,
                    mark.column + 1,
                    f"nesting deeper than {MAX_DEPTH} levels",
                    "flatten the structure (a recursive alias?)",
                    "too-deep",
                )
            )
        if type(node) is SequenceNode:
            if tag != SEQ:
                raise _Refused(_tag_issue(node))
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if tag != MAP:
            raise _Refused(_tag_issue(node))
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:
                raise _Refused(
                    YamlIssue(
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        "a mapping key must be a plain word, not a list or mapping",
                        "use a simple key such as 'owner:'",
                        "complex-key",
                    )
                )
            if key_node.tag not in _SCALAR_TAGS:
                raise _Refused(_tag_issue(key_node))
            key = key_node.value
            key_mark = key_node.start_mark
            child = (*path, key)
            if key in result:
                first = self.keys[child]
                self.issues.append(
                    YamlIssue(
                        key_mark.line + 1,
                        key_mark.column + 1,
                        f"duplicate key '{key}' (first at line {first[0]})",
                        "keep one of them: YAML keeps only the last silently",
                        "duplicate-key",
                        child,
                    )
                )
                continue
            self.keys[child] = (key_mark.line + 1, key_mark.column + 1)
            result[key] = self.build(value_node, child, depth + 1)
        return result

    def _scalar(self, node: ScalarNode, tag: str) -> Any:
        value: str = node.value
        if tag == STR:
            return value
        try:
            if tag == INT:
                if value.startswith("0o"):
                    return int(value[2:], 8)
                return int(value, 16) if value.startswith("0x") else int(value)
            if tag == FLOAT:
                lowered = value.lower()
                if lowered.endswith(".inf"):
                    return float("-inf") if lowered.startswith("-") else float("inf")
                return float("nan") if lowered == ".nan" else float(value)
        except ValueError:
            raise _Refused(
                YamlIssue(
                    node.start_mark.line + 1,
                    node.start_mark.column + 1,
                    f"'{value}' is not a valid {tag.rsplit(':', 1)[-1]}",
                    "remove the explicit tag or fix the value",
                    "bad-scalar",
                )
            ) from None
        if tag == BOOL:
            if value.lower() not in ("true", "false"):
                raise _Refused(_tag_issue(node))
            return value.lower() == "true"
        if tag == NULL:
            return None
        raise _Refused(_tag_issue(node))


_SCALAR_TAGS = frozenset((STR, INT, FLOAT, BOOL, NULL))


_OPENERS = {
    "flow sequence": "the '[' at line {line}, column {column} is not closed",
    "flow mapping": "the '{{' at line {line}, column {column} is not closed",
    "quoted scalar": "the quote at line {line}, column {column} is not closed",
}


def _syntax_hint(error: yaml.MarkedYAMLError, text: str) -> str:
    """Where the construct the parser was reading began, when it says so."""
    hint = "check indentation and quoting around this position"
    mark, context = error.context_mark, str(error.context or "")
    if mark is None or not context:
        return hint
    where = {"line": mark.line + 1, "column": mark.column + 1}
    for name, template in _OPENERS.items():
        if name in context:
            return f"{template.format(**where)}: {hint}"
    return f"{context} from line {where['line']}, column {where['column']}: {hint}"


def _tag_issue(node: Node) -> YamlIssue:
    tag = str(node.tag)
    written = "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag
    return YamlIssue(
        node.start_mark.line + 1,
        node.start_mark.column + 1,
        f"tag '{written}' is not allowed",
        "YAML here is plain data: remove the '!' tag",
        "tag",
    )
