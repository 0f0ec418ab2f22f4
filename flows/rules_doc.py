"""``docs/review-rules.md``, written from ``flows.rules`` so the list can't drift from the code: each rule with its
trigger, severity, source, and the built-in catalog versions it applies to.

Refresh it with ``python -m flows.rules_doc > docs/review-rules.md``; a test fails while the file differs.
"""

from __future__ import annotations

from flows.catalog import DEFAULT_CATALOG_PATH, FIRST_CATALOG_PATH, Catalog, load_catalog
from flows.readiness import AREA_TITLES
from flows.review import applies
from flows.rules import RULES, Rule, Severity


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _versions(rule: Rule, catalogs: tuple[Catalog, ...]) -> str:
    return ", ".join(str(catalog.version) for catalog in catalogs if applies(rule, catalog)) or "none built in"


def markdown() -> str:
    catalogs = (load_catalog(FIRST_CATALOG_PATH), load_catalog(DEFAULT_CATALOG_PATH))
    risks = sum(rule.severity is Severity.RISK for rule in RULES)
    lines = [
        "# Review rules",
        "",
        "<!-- Written by `python -m flows.rules_doc` from flows/rules.py; edit the rules, not this file. -->",
        "",
        f"mldesign reviews each design against {len(RULES)} rules: {risks} *risks* (a decision likely to hurt in "
        f"production) and {len(RULES) - risks} *gaps* (something not decided yet). A rule reads choices and the "
        "numbers in replies; the few that read words (catalog version 1 asks some things only in free text) treat "
        "a denied term as absent, so “we don't have a holdout” is no holdout. A rule applies when the design's "
        "catalog has the questions it needs; answers to follow-up questions a later answer withdrew are not reviewed.",
        "",
        "| Rule | Severity | Fires when | Source | Catalog versions |",
        "| --- | --- | --- | --- | --- |",
    ]
    for rule in RULES:
        lines.append(
            f"| **{_cell(rule.title)}** (`{rule.id}`) | {rule.severity.value} | {_cell(rule.trigger)} "
            f"| {_cell(rule.source)} | {_versions(rule, catalogs)} |"
        )
    areas = ", ".join(AREA_TITLES.values())
    lines += [
        "",
        "## Readiness",
        "",
        f"Readiness is scored per area ({areas}), in the spirit of the ML Test Score. Each question that applies "
        "scores 0 when undecided (open, skipped, “TBD”, a bare “n/a”, or a “not decided yet” option), ½ when decided, "
        "and 1 when decided with evidence (a link, or a named check that runs: an alert, a test, a dashboard, a "
        "job). An open risk against a question sets it to 0 and a gap caps it at ½. An area's figure is its "
        "mean score, so small areas weigh as much as large ones, and the design is "
        "as ready as its weakest area. Completeness (how many questions have an answer) is shown beside it, "
        "separately.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
