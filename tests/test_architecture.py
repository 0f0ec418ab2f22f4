"""Imports point one way: flows/ imports no Slack, database or template library, sandbox/ no bot code, and inside
bot/ each room imports only the rooms below it, with no cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "flows": {"slack_bolt", "slack_sdk", "sqlmodel", "sqlalchemy", "jinja2", "bot", "storage", "sandbox"},
    "storage": {"slack_bolt", "slack_sdk", "jinja2", "bot", "sandbox"},
    "sandbox": {"bot", "flows", "storage"},
}
# slack_sdk's SQLAlchemy stores (and the bot row they read back) are a schema, not Slack's protocol: storage owns
# their tables.
ALLOWED = {
    "storage": {
        "slack_sdk.oauth.installation_store.sqlalchemy",
        "slack_sdk.oauth.installation_store.models.bot",
        "slack_sdk.oauth.state_store.sqlalchemy",
    }
}


def imported_top_levels(path: Path, allowed: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return {module.split(".")[0] for module in modules - allowed}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_point_one_way(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_levels(path, ALLOWED.get(package, set())) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


# bot/'s rooms, each importing only the rooms after it (and itself): the front door wires the processes, the
# processes start what serves requests and runs jobs, and so on down to the settings and the clock.
ROOMS = ("cli", "runtime", "inbound", "outbound", "jobs", "usecases", "render", "base")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def bot_imports(path: Path, modules: set[str]) -> set[str]:
    """Every bot module ``path`` imports, wherever the import is: at the top, in a function, under TYPE_CHECKING."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {imported for imported in found if imported in modules and imported != name}


def bot_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in (ROOT / "bot").rglob("*.py")}
    return {name: bot_imports(path, set(paths)) for name, path in paths.items()}


def room_of(module: str) -> int | None:
    parts = module.split(".")
    return ROOMS.index(parts[1]) if len(parts) > 1 and parts[1] in ROOMS else None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    offences = []
    for module, imported in graph.items():
        room = room_of(module)
        for target in imported:
            target_room = room_of(target)
            if room is None or target_room is None or target_room < room:
                offences.append(f"{module} -> {target}")
    return sorted(offences)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while (member := stack.pop()) != module:
                component.append(member)
            if component:
                found.append(sorted([module, *component]))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_every_bot_module_lives_in_a_room():
    assert [module for module in bot_graph() if module != "bot" and room_of(module) is None] == []


def test_bot_rooms_import_only_the_rooms_below_them():
    assert upward_imports(bot_graph()) == []


def test_no_cycle_among_bot_modules_counting_imports_in_functions_and_type_checking():
    assert cycles(bot_graph()) == []


def test_the_checks_see_an_upward_import_and_a_cycle():
    """The checks themselves: a render module reaching up to the walkthrough, and two modules importing each
    other, are both caught."""
    graph = {
        "bot.render.summary": {"bot.usecases.walkthrough"},
        "bot.usecases.walkthrough": {"bot.usecases.ownership"},
        "bot.usecases.ownership": {"bot.usecases.walkthrough"},
    }
    assert upward_imports(graph) == ["bot.render.summary -> bot.usecases.walkthrough"]
    assert cycles(graph) == [["bot.usecases.ownership", "bot.usecases.walkthrough"]]


# A module a newcomer can read in one sitting holds one job; past this it has usually taken on a second.
MAX_MODULE_LINES = 350


def test_no_bot_module_is_over_the_line_limit():
    lengths = {module_name(path): len(path.read_text().splitlines()) for path in (ROOT / "bot").rglob("*.py")}
    assert {module: n for module, n in lengths.items() if n > MAX_MODULE_LINES} == {}


def test_listeners_reach_the_database_only_through_use_cases():
    """A listener parses, calls a use case, commits and submits jobs: a query of its own would be a use case hiding
    in the wrong room, out of reach of the use-case tests."""
    listeners = ROOT / "bot" / "inbound" / "listeners"
    reaching = {
        module_name(path): sorted(imports & {"storage", "sqlmodel", "sqlalchemy"})
        for path in listeners.rglob("*.py")
        if (imports := imported_top_levels(path, set()))
    }
    assert {module: found for module, found in reaching.items() if found} == {}
