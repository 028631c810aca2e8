"""Hostile text in the inventory stays text: markup and CSS in a model's name, description
and purpose, and in the organisation's name, are printed literally, fetch nothing and add
no image. Output files are written whole or not at all, with exit 2 and no traceback."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from support.cli import process_env, run_tool, start_report
from support.git import commit_all, git
from support.pdf import flat, image_count, pdftotext, weasyprint_quiet
from support.repos import AS_OF_TEXT as AS_OF
from support.repos import write_minirepo


class Trap:
    """An HTTP server on 127.0.0.1 (a free port) that records every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                trap.requests.append(f"{self.command} {self.path}")
                self.send_response(404)
                self.end_headers()

            do_GET = do_POST = do_HEAD = _record

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Trap:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def trap() -> Iterator[Trap]:
    with Trap() as running:
        yield running


def _mini(base: Path) -> tuple[Path, dict[str, str]]:
    """The minimal repository (support.repos) in git; returns it and its environment."""
    env = process_env(base / "home")
    root = write_minirepo(base / "repo")
    git(root, "init", "-q", env=env)
    return root, env


def _commit(root: Path, env: dict[str, str]) -> str:
    return commit_all(root, "minimal repository", env)


def _hostile(base: str) -> dict[str, str]:
    return {
        "img": f'<img src="{base}/img.png">',
        "bold": "<b>bold</b>",
        "style": "</style><style>body{display:none}</style>",
        "css_url": f"url({base}/css-url.png)",
        "link": f'<link rel="stylesheet" href="{base}/sheet.css">',
        "inline": f'<span style="background:url({base}/inline.png)">styled</span>',
        "organisation": f'Evil Bank"; }} body {{ background: url("{base}/org.png") }} '
        '@page { x: "</style><img src=x>',
    }


@pytest.fixture(scope="module")
def rendered(
    trap: Trap, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, dict[str, str]]]:
    """The minimal repository rendered twice, at the same time: as it is, and with hostile
    text. Returns the PDFs and the hostile strings."""
    strings = _hostile(trap.base)
    started = {}
    for name in ("clean", "hostile"):
        root, env = _mini(tmp_path_factory.mktemp(f"safety-{name}"))
        env = {k: v for k, v in env.items() if "proxy" not in k.lower()}  # ask 127.0.0.1 itself
        if name == "hostile":
            model = root / "inventory" / "models" / "m1.yaml"
            title = " ".join(strings[k] for k in ("img", "bold", "style", "css_url"))
            purpose = " ".join(strings[k] for k in ("link", "inline", "bold"))
            text = model.read_text(encoding="utf-8").replace(
                "name: Example model\n",
                f"name: {json.dumps(title)}\ndescription: {json.dumps(title)}\n"
                f"intended_use:\n  purpose: {json.dumps(purpose)}\n",
            )
            model.write_text(text, encoding="utf-8")
            (root / "compliance-tool.yaml").write_text(
                f"organisation: {json.dumps(strings['organisation'])}\n", encoding="utf-8"
            )
        _commit(root, env)
        valid = run_tool(env, "--repo", root, "validate")
        assert valid.returncode == 0, valid.stdout + valid.stderr
        started[name] = start_report(env, root, root.parent / f"{name}.pdf", "--unsigned")
    try:
        for render in started.values():
            render.wait()
    finally:
        for render in started.values():
            render.stop()
    return {name: (render.pdf, strings) for name, render in started.items()}


def test_markup_in_names_is_printed_literally(
    rendered: dict[str, tuple[Path, dict[str, str]]],
) -> None:
    pdf, strings = rendered["hostile"]
    text = flat(pdftotext(pdf, "-layout"))
    squeezed = "".join(text.split())  # long URLs break anywhere at a line end
    for key in ("img", "bold", "style", "css_url", "link", "inline", "organisation"):
        assert "".join(strings[key].split()) in squeezed, key
    # nothing was hidden by the injected style: the body is all there
    for heading in ("Executive summary", "Model inventory", "Control coverage", "Provenance"):
        assert heading in text


def test_nothing_was_fetched(rendered: dict[str, tuple[Path, dict[str, str]]], trap: Trap) -> None:
    assert rendered["hostile"]  # rendered while the trap listened
    assert trap.requests == []
    # the trap works: WeasyPrint with its default URL fetcher does ask it for an <img>
    import weasyprint

    with weasyprint_quiet():
        weasyprint.HTML(string=f'<p><img src="{trap.base}/control.png"></p>').write_pdf()
    assert trap.requests == ["GET /control.png"]
    trap.requests.clear()


def test_no_image_was_added(rendered: dict[str, tuple[Path, dict[str, str]]]) -> None:
    clean, hostile = rendered["clean"][0], rendered["hostile"][0]
    assert image_count(hostile) == image_count(clean) == 0  # the charts are vector graphics


# -- writing the output ---------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_output_inside_a_file_writes_nothing(tmp_path: Path) -> None:
    root, env = _mini(tmp_path)
    _commit(root, env)
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder\n", encoding="utf-8")
    target = blocker / "report.pdf"
    done = run_tool(
        env, "--repo", root, "report", "--unsigned", "--as-of", AS_OF, "--output", target
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        f"error: cannot create the report folder {blocker}: {blocker} is a file "
        "(move the file away, or give another --output)"
    )
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert blocker.read_text(encoding="utf-8") == "a file, not a folder\n"
    assert not (root / "reports").exists()
    assert [p for p in _leftovers(tmp_path) if p.endswith((".pdf", ".json", ".tmp"))] == []


def test_invalid_configuration_writes_nothing(tmp_path: Path) -> None:
    root, env = _mini(tmp_path)
    (root / "compliance-tool.yaml").write_text(
        "organisation: Example Bank\nreport:\n  detail_limit: 0\n", encoding="utf-8"
    )
    _commit(root, env)
    out = tmp_path / "out"
    done = run_tool(env, "--repo", root, "report", "--as-of", AS_OF, "--output", out / "report.pdf")
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "error: compliance-tool.yaml is not valid (see compliance_tool/repository/config.schema.json)",
        "compliance-tool.yaml:3:17: report.detail_limit: 0 is less than the minimum of 1",
    ]
    assert not out.exists() and not (root / "reports").exists()
    assert not (root / ".compliance-keys").exists()  # not even a development key


def test_output_that_is_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    root, env = _mini(tmp_path)
    _commit(root, env)
    folder = tmp_path / "out" / "report.pdf"
    folder.mkdir(parents=True)
    done = run_tool(env, "--repo", root, "report", "--unsigned", "--output", folder)
    assert done.returncode == 2
    assert f"Invalid value for '--output': File '{folder}' is a directory." in done.stderr
    assert _leftovers(tmp_path / "out") == []


@pytest.fixture(scope="module")
def pdf_place_taken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The minimal repository whose default report path is taken by a folder, so the PDF
    cannot be written; `report --unsigned` was run."""
    root, env = _mini(tmp_path_factory.mktemp("place-taken"))
    commit = _commit(root, env)
    stem = f"compliance-report-{AS_OF}-{commit[:12]}"
    (root / "reports" / f"{stem}.pdf").mkdir(parents=True)
    done = run_tool(env, "--repo", root, "report", "--unsigned", "--as-of", AS_OF)
    return root / "reports", done


def test_a_pdf_that_cannot_be_written_is_an_input_error(pdf_place_taken: tuple[Path, Any]) -> None:
    folder, done = pdf_place_taken
    assert "Traceback" not in done.stderr
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: the report path {folder}/compliance-report-")
    assert done.stderr.endswith(
        ".pdf is a folder (remove it, or set report.output_dir in compliance-tool.yaml or "
        "give --output)\n"
    )


def test_a_pdf_that_cannot_be_written_leaves_no_manifest(
    pdf_place_taken: tuple[Path, Any],
) -> None:
    folder, done = pdf_place_taken
    assert done.returncode != 0
    assert _leftovers(folder) == []


def test_reports_get_the_usual_file_mode(
    rendered: dict[str, tuple[Path, dict[str, str]]],
) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    if umask & 0o044:
        pytest.skip(f"umask {umask:04o} hides files from others anyway")
    pdf = rendered["clean"][0]
    manifest = pdf.with_name(pdf.stem + ".manifest.json")
    assert oct(pdf.stat().st_mode & 0o777) == oct(0o666 & ~umask)
    assert oct(manifest.stat().st_mode & 0o777) == oct(0o666 & ~umask)
