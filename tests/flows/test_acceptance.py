"""Accepted findings: the form's checks, which acceptance holds on a day, and what an accepted finding does to the
review and readiness."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.acceptance import Acceptance, check, holding, revisit_key, rule_of_revisit
from flows.assessment import assess
from flows.catalog import FIRST_CATALOG_PATH, load_catalog
from tests.flows.test_rules import SOUND_V1, pick

TODAY = date(2027, 1, 4)
V1 = load_catalog(FIRST_CATALOG_PATH)


def accepted(rule_id: str, until: date, at: datetime = datetime(2027, 1, 4, 9, tzinfo=UTC)) -> Acceptance:
    return Acceptance(rule_id, "Support agents review every flag this quarter.", "U_OWNER", at, until)


@pytest.mark.parametrize(
    ("rationale", "until", "field"),
    [
        ("", date(2027, 3, 1), "rationale"),
        ("   ", date(2027, 3, 1), "rationale"),
        ("TBD", date(2027, 3, 1), "rationale"),
        ("x" * 1001, date(2027, 3, 1), "rationale"),
        ("Known and small.", None, "until"),
        ("Known and small.", TODAY, "until"),
        ("Known and small.", date(2027, 1, 3), "until"),
        ("Known and small.", date(2028, 1, 6), "until"),
    ],
)
def test_an_acceptance_needs_a_reason_and_an_expiry_within_a_year(rationale, until, field):
    problems = check(rationale, until, TODAY)
    assert problems
    assert getattr(problems, field) is not None
    assert getattr(problems, {"rationale": "until", "until": "rationale"}[field]) is None


def test_a_reason_and_a_date_in_the_coming_year_pass():
    assert not check("Agents review every flag this quarter.", date(2028, 1, 5), TODAY)


def test_the_latest_acceptance_of_a_rule_holds_until_its_expiry_day():
    older = accepted("no-rollback", date(2027, 6, 1), at=datetime(2027, 1, 1, tzinfo=UTC))
    newer = accepted("no-rollback", date(2027, 2, 1), at=datetime(2027, 1, 3, tzinfo=UTC))
    assert holding([newer, older], TODAY) == {"no-rollback": newer}
    assert holding([older, newer], date(2027, 1, 31)) == {"no-rollback": newer}
    assert holding([older, newer], date(2027, 2, 1)) == {}  # expired on its day, although the older ran longer


def test_an_accepted_finding_counts_as_decided_and_comes_after_the_open_ones_until_it_expires():
    answers = {**SOUND_V1, "rollback": pick("none")}
    plain = assess(V1, answers)
    rollback = next(finding for finding in plain.findings if finding.rule_id == "no-rollback")
    assert not rollback.accepted

    acceptance = accepted("no-rollback", date(2027, 3, 1))
    taken = assess(V1, answers, [acceptance], today=TODAY)
    finding = next(finding for finding in taken.findings if finding.rule_id == "no-rollback")
    assert finding.accepted and finding.acceptance == acceptance
    assert taken.findings[-1] == finding
    area = next(area for area in taken.readiness.areas if area.area_id == "infrastructure")
    before = next(area for area in plain.readiness.areas if area.area_id == "infrastructure")
    assert area.score > before.score

    expired = assess(V1, answers, [acceptance], today=date(2027, 3, 1))
    assert not next(finding for finding in expired.findings if finding.rule_id == "no-rollback").accepted
    assert expired.readiness == plain.readiness


def test_an_acceptance_of_a_rule_that_no_longer_fires_changes_nothing():
    plain = assess(V1, SOUND_V1)
    assert assess(V1, SOUND_V1, [accepted("no-rollback", date(2027, 3, 1))], today=TODAY) == plain


def test_an_acceptances_revisit_is_named_apart_from_any_questions():
    assert rule_of_revisit(revisit_key("no-rollback")) == "no-rollback"
    assert rule_of_revisit("rollback") is None
    assert revisit_key("no-rollback") not in V1
