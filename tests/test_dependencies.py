"""What a deploy installs: the lock files pin every declared dependency at a version the declaration allows, the
tests run on the versions the deploy runs, and the declared minimums leave out releases with published
vulnerabilities."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"
# The last vulnerable release of each, and the advisory it is affected by.
VULNERABLE = [
    pytest.param("jinja2", "3.1.5", id="jinja2-CVE-2025-27516-sandbox-escape"),
    pytest.param("starlette", "0.49.0", id="starlette-CVE-2025-62727-range-header-dos"),
    pytest.param("h11", "0.15.0", id="h11-CVE-2025-43859-request-smuggling"),
]


def declared(extra: str | None = None) -> dict[str, Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    dependencies = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {canonicalize_name(requirement.name): requirement for requirement in map(Requirement, dependencies)}


def locked(name: str) -> dict[str, str]:
    """The pins of a lock file (package: version), each with its hashes."""
    pins = {}
    lines = (ROOT / name).read_text().splitlines()
    for number, line in enumerate(lines):
        if line and not line.startswith((" ", "#")):
            package, version = line.split(" ", 1)[0].split("==")
            assert "--hash=sha256:" in lines[number + 1], f"{package} in {name} has no hash"
            pins[canonicalize_name(package)] = version
    return pins


@pytest.mark.parametrize(("lock", "extra"), [("requirements.txt", None), ("requirements-test.txt", "test")])
def test_every_declared_dependency_is_pinned_at_a_version_it_allows(lock, extra):
    pins = locked(lock)

    for name, requirement in declared(extra).items():
        assert name in pins, f"{name} is declared in pyproject.toml but not locked: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} in {lock}"


def test_the_tests_run_on_the_versions_a_deploy_runs():
    runtime, test = locked("requirements.txt"), locked("requirements-test.txt")

    assert {name: test.get(name) for name in runtime} == runtime
    for name, pinned in runtime.items():  # and this environment holds them
        assert version(name) == pinned, f"{name}: {version(name)} installed, {pinned} locked: run `make setup`"


@pytest.mark.parametrize(("package", "last_vulnerable"), VULNERABLE)
def test_no_release_with_a_published_vulnerability_can_be_installed(package, last_vulnerable):
    requirement = declared()[package]

    assert not requirement.specifier.contains(last_vulnerable)
    assert requirement.specifier.contains(version(package)), f"the installed {package} is outside what is declared"


def test_the_shipped_code_imports_only_what_the_runtime_lock_installs():
    """The test tools bring packages of their own (Playwright brought greenlet): code that relies on one works in
    CI and dies in a deploy. Every import in the shipped packages, inside functions too, must come from the
    standard library, the project, or a distribution in requirements.txt (or one they install)."""
    shipped = ("bot", "flows", "storage", "sandbox", "templates")
    runtime = set(locked("requirements.txt"))
    providers = packages_distributions()
    missing = set()
    for package in shipped:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                modules = (
                    [alias.name for alias in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module]
                    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                    else []
                )
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top in shipped:
                        continue
                    if not {canonicalize_name(name) for name in providers.get(top, [])} & runtime:
                        missing.add(f"{top} ({path.relative_to(ROOT)})")
    assert missing == set()
