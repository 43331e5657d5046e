"""DESIGN.md's rings, checked: core stays pure, the environment is read in one place,
and the documented settings are exactly the ones config.py reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from bot.config import ENV_NAMES

ROOT = Path(__file__).resolve().parents[1]
IO_MODULES = {"asyncio", "aiohttp", "slack_sdk", "slack_bolt", "assemblyai", "sqlite_utils",
              "sqlite3", "os", "time", "socket", "httpx", "subprocess"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_no_io():
    for path in (ROOT / "bot" / "core").glob("*.py"):
        assert not imported_roots(path) & IO_MODULES, f"{path.name} imports I/O"


def test_only_config_and_main_read_the_environment():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "bot").rglob("*.py")
        if re.search(r"os\.environ|os\.getenv|getenv\(", p.read_text())
        and p.name not in ("config.py", "__main__.py")
    ]
    assert offenders == []


def test_every_module_says_what_it_is_for():
    missing = [str(p.relative_to(ROOT)) for p in (ROOT / "bot").rglob("*.py")
               if p.stat().st_size and ast.get_docstring(ast.parse(p.read_text())) is None]
    assert missing == []


def test_env_example_lists_exactly_the_settings():
    text = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, flags=re.M))
    assert listed == set(ENV_NAMES)


def test_readme_lists_exactly_the_settings():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", section, flags=re.M))
    assert listed == set(ENV_NAMES)


def test_readme_test_command_is_what_ci_runs():
    readme_first_lines = (ROOT / "README.md").read_text().splitlines()[:15]
    ci = (ROOT / ".ci" / "run").read_text()
    assert any("python -m pytest" in line for line in readme_first_lines)
    assert "python -m pytest" in ci
