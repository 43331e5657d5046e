"""pyproject.toml declares what bot/ imports: every third-party module bot/ imports comes from a
declared dependency, and each declared floor is one the code works with (the store needs
sqlite-utils 4: `Store.open` fails on 3.x)."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]


def declared() -> dict[str, Requirement]:
    """The dependencies, and the `postgres` extra (what DATABASE_URL needs, imported lazily)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["postgres"]
    reqs = [Requirement(line) for line in lines]
    return {re.sub(r"[-_.]+", "-", r.name).lower(): r for r in reqs}


def imported_top_modules() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("bot", "__future__")}


def test_every_third_party_import_of_bot_is_a_declared_dependency() -> None:
    owners = metadata.packages_distributions()
    deps = declared()
    missing = sorted(
        module for module in imported_top_modules()
        if not any(re.sub(r"[-_.]+", "-", d).lower() in deps for d in owners.get(module, [module]))
    )
    assert missing == []


def test_the_sqlite_utils_floor_is_the_major_version_the_store_needs() -> None:
    requirement = declared()["sqlite-utils"]
    assert not requirement.specifier.contains(Version("3.39"))
    assert requirement.specifier.contains(Version("4.0"))
