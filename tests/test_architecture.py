"""DESIGN.md's rings, checked from the code's own imports: which way each ring may import, no
cycles, few files at the top, re-exports only at a package's face; plus the environment read in
one place and the documented settings exactly the ones config.py reads."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from bot.config import ENV_NAMES

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"
IO_MODULES = {"asyncio", "aiohttp", "slack_sdk", "slack_bolt", "assemblyai", "sqlite_utils",
              "sqlite3", "os", "time", "socket", "httpx", "subprocess", "psycopg", "procrastinate"}
RINGS = ("core", "edges", "pipeline", "slack_app", "cli", "sim")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of bot/ but the simulators (a product feature with rules of its own)."""
    return {module_name(p): p for p in BOT.rglob("*.py") if "sim" not in p.relative_to(BOT).parts}


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports(path: Path) -> set[str]:
    """Every module `path` imports at run time (inside functions too; not under TYPE_CHECKING),
    each named as precisely as it exists: `from bot.core import prompts` is bot.core.prompts."""
    tree = ast.parse(path.read_text())
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and _is_type_checking(node) for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                found.add(dotted if dotted in modules() else node.module)
    return found


def ring_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in RINGS) else None


def bot_imports(module: str) -> set[str]:
    return {m for m in imports(modules()[module]) if m.startswith("bot.") or m == "bot"}


def offenders(ring: str, allowed: set[str], banned: frozenset[str] = frozenset()) -> list:
    """(module, import) pairs of `ring` that import a ring or top-level module of bot outside
    `allowed`, or a third-party package in `banned`."""
    found = []
    for module in modules():
        if ring_of(module) != ring:
            continue
        for target in imports(modules()[module]):
            if target.startswith("bot."):
                top = target.split(".")[1]
                where = ring_of(target) if top in RINGS else top
                if where not in allowed:
                    found.append((module, target))
            elif target.split(".")[0] in banned:
                found.append((module, target))
    return found


def test_core_imports_no_io():
    for path in (BOT / "core").glob("*.py"):
        roots = {m.split(".")[0] for m in imports(path)}
        assert not roots & IO_MODULES, f"{path.name} imports I/O"


def test_core_imports_no_other_ring():
    assert offenders("core", {"core", "errors"}) == []


def test_edges_import_only_core_errors_and_edges():
    assert offenders("edges", {"core", "errors", "edges"}) == []


def test_the_pipeline_knows_no_face_and_no_slack_library():
    allowed = {"core", "errors", "edges", "pipeline", "deps", "config"}
    assert offenders("pipeline", allowed, frozenset({"slack_sdk", "slack_bolt"})) == []


def test_the_two_faces_do_not_import_each_other():
    def reaching(ring: str, other: str) -> list[tuple[str, str]]:
        return [(m, t) for m in modules() if ring_of(m) == ring
                for t in imports(modules()[m]) if t.startswith(f"bot.{other}")]

    assert reaching("slack_app", "cli") == []
    assert reaching("cli", "slack_app") == []


def test_only_the_slack_edge_calls_the_slack_web_api():
    callers = [module for module, path in modules().items()
               if re.search(r"SlackApiError|AsyncWebClient|\.chat_\w+\(|\.reactions_\w+\(|"
                            r"\.conversations_\w+\(|\.files_\w+\(|\.views_\w+\(|\.users_\w+\(",
                            path.read_text())]
    assert callers == ["bot.edges.slack_api"]


def test_there_is_no_import_cycle():
    graph = {m: {t for t in bot_imports(m) if t in modules() and t != m} for m in modules()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target] if target in path
                              else [node, target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_bot_reads_like_a_table_of_contents():
    top = sorted(p.name for p in BOT.glob("*.py"))
    assert len(top) <= 8, top
    assert {p.name for p in BOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == \
        set(RINGS)


def test_no_module_level_getattr_and_re_exports_only_at_a_face():
    for module, path in modules().items():
        tree = ast.parse(path.read_text())
        assert not any(isinstance(n, ast.FunctionDef) and n.name == "__getattr__"
                       for n in tree.body), module
        has_all = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "__all__"
                                                        for t in n.targets) for n in tree.body)
        assert not has_all or path.name == "__init__.py", f"{module} re-exports"


def test_the_faces_public_names_are_pinned():
    import bot.edges.store
    import bot.pipeline

    assert sorted(bot.pipeline.__all__) == [
        "Progress", "ProgressFn", "answer", "checked", "forget_transcript", "get_recap",
        "get_transcript", "judge", "quiet", "recap_key", "summarize"]
    for face in (bot.pipeline, bot.edges.store):
        assert all(hasattr(face, name) for name in face.__all__)


def test_no_may_import_comments_are_left_to_drift():
    assert [m for m, p in modules().items() if "May import:" in p.read_text()] == []


def test_only_config_and_main_read_the_environment():
    offenders = [
        str(p.relative_to(ROOT))
        for p in BOT.rglob("*.py")
        if re.search(r"os\.environ|os\.getenv|getenv\(", p.read_text())
        and p.name not in ("config.py", "__main__.py")
    ]
    assert offenders == []


def test_every_module_says_what_it_is_for():
    missing = [str(p.relative_to(ROOT)) for p in BOT.rglob("*.py")
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
