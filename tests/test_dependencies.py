"""What a deploy installs: the declared minimums leave out the releases with published vulnerabilities, and the
environment the tests run in holds releases past them."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
# The last vulnerable release of each, and the advisory it is affected by.
VULNERABLE = [
    pytest.param("jinja2", "3.1.5", id="jinja2-CVE-2025-27516-sandbox-escape"),
    pytest.param("starlette", "0.49.0", id="starlette-CVE-2025-62727-range-header-dos"),
    pytest.param("h11", "0.15.0", id="h11-CVE-2025-43859-request-smuggling"),
]


def declared() -> dict[str, Requirement]:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return {requirement.name.lower(): requirement for requirement in map(Requirement, dependencies)}


@pytest.mark.parametrize(("package", "last_vulnerable"), VULNERABLE)
def test_no_release_with_a_published_vulnerability_can_be_installed(package, last_vulnerable):
    requirement = declared()[package]

    assert not requirement.specifier.contains(last_vulnerable)
    assert requirement.specifier.contains(version(package)), f"the installed {package} is outside what is declared"
