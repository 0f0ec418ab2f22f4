"""The domain stays pure: flows/ imports no Slack, database or template library, and sandbox/ no bot code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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
