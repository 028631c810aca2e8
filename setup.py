"""Build hook: the wheel carries the JSON Schemas, the starter catalogue and scenarios and
the sample organisation under ``compliance_tool/_data/``, made at build time from the
project's top-level folders, which stay the one source of truth.
``compliance_tool/repository/bundle.py`` says which files go in and how each is made;
everything else about the package is in pyproject.toml."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _bundle() -> ModuleType:
    """bundle.py on its own: importing the package would need its dependencies."""
    spec = importlib.util.spec_from_file_location(
        "compliance_tool_bundle", HERE / "compliance_tool" / "repository" / "bundle.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithData(build_py):
    """build_py, then the packaged copies of the top-level folders."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the source checkout itself
            return
        bundle = _bundle()
        target = Path(self.build_lib) / "compliance_tool" / bundle.DATA_FOLDER
        shutil.rmtree(target, ignore_errors=True)  # no file of an earlier build stays
        for path, data in bundle.produce(HERE).items():
            out = target / path
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)


setup(cmdclass={"build_py": BuildWithData})
