from __future__ import annotations

import pytest

from flows.catalog import CatalogError, QuestionKind, parse_catalog

MINIMAL = """
id = "mini"
version = 1
title = "Mini"
[[areas]]
id = "only"
title = "Only area"
[[areas.questions]]
id = "first"
prompt = "First?"
help = "Because."
"""


def test_built_in_catalog_follows_the_article_areas_in_order(catalog):
    assert [area.id for area in catalog.areas] == ["foundation", "data", "model", "value"]
    assert catalog.questions[0].id == "manual-process"
    assert catalog.questions[-1].id == "value-communication"


@pytest.mark.parametrize(
    "question_id",
    [
        "domain-experts",
        "push-back",
        "success-metric",
        "inference-mode",
        "latency-target",
        "concurrent-users",
        "constraints",
        "compliance",
        "data-exists",
        "labels",
        "feedback-loop",
        "outcome-delay",
        "storage",
        "personal-data",
        "data-security",
        "batch-or-stream",
        "tasks",
        "model-selection",
        "baselines",
        "refresh-cadence",
        "refresh-monitoring",
        "system-data-pipelines",
        "extensibility",
        "release-path",
        "rollback",
        "scalability",
        "serving",
        "stakeholders",
    ],
)
def test_built_in_catalog_covers_each_topic_with_help(catalog, question_id):
    question = catalog.question(question_id)
    assert question.prompt.endswith("?")
    assert len(question.help) > 40


@pytest.mark.parametrize(
    ("question_id", "kind", "some_options"),
    [
        ("inference-mode", QuestionKind.CHOICE, {"real-time", "near-real-time", "batch"}),
        ("batch-or-stream", QuestionKind.CHOICE, {"batch", "stream", "mixed"}),
        ("labels", QuestionKind.CHOICE, {"labelled", "partly", "unlabelled"}),
        ("refresh-cadence", QuestionKind.CHOICE, {"continual", "weekly", "quarterly", "triggered"}),
        ("baselines", QuestionKind.MULTI, {"random", "heuristic", "zero-rule", "human", "existing-system"}),
        ("release-path", QuestionKind.CHOICE, {"shadow", "canary", "none"}),
        ("personal-data", QuestionKind.CHOICE, {"yes", "no"}),
    ],
)
def test_categorical_questions_offer_choices(catalog, question_id, kind, some_options):
    question = catalog.question(question_id)
    assert question.kind is kind
    assert some_options <= {option.id for option in question.options}


def test_refresh_and_feedback_loop_questions_are_revisited_after_deployment(catalog):
    revisited = {question.id for question in catalog.questions if question.revisit_after_deployment}
    assert {"feedback-loop", "outcome-delay", "refresh-cadence", "refresh-monitoring"} <= revisited
    assert "goals" not in revisited


def test_a_minimal_catalog_loads():
    catalog = parse_catalog(MINIMAL)
    assert [question.id for question in catalog.questions] == ["first"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda text: text.replace('id = "first"', 'id = "First Question"'),
            "areas[only].questions[First Question].id: String should match pattern",
        ),
        (lambda text: text + '\nkind = "choice"\n', "needs at least 2 options"),
        (lambda text: text.replace("version = 1", "version = 0"), "version"),
        (lambda text: text + '\n[[areas]]\nid = "only"\ntitle = "Again"\n', "areas[only].questions: Field required"),
        (lambda text: text.replace('title = "Mini"', 'title = "Mini"\nextra = 1'), "extra"),
        (lambda text: text.replace("[[areas]]", "[[areas"), "not valid TOML"),
    ],
    ids=["bad-id", "choice-without-options", "version-zero", "area-without-questions", "unknown-key", "bad-toml"],
)
def test_a_bad_catalog_fails_with_one_line_naming_the_entry(change, message):
    with pytest.raises(CatalogError) as raised:
        parse_catalog(change(MINIMAL), origin="team.toml")
    assert str(raised.value).startswith("team.toml: ")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_duplicate_question_ids_are_refused():
    text = MINIMAL + '\n[[areas.questions]]\nid = "first"\nprompt = "Again?"\nhelp = "Dup."\n'
    with pytest.raises(CatalogError, match="duplicate question id: 'first'"):
        parse_catalog(text)


FOLLOW_UP = """
id = "f"
version = 1
title = "F"
[[areas]]
id = "only"
title = "Only"
[[areas.questions]]
id = "parent"
prompt = "P?"
help = "h"
kind = "choice"
options = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" }]
[[areas.questions]]
id = "child"
prompt = "C?"
help = "h"
when = { question = "parent", any = ["yes"] }
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda text: text.replace('question = "parent"', 'question = "child"'),
            "'child' follows up on 'child', which is not asked before it",
        ),
        (
            lambda text: text.replace('question = "parent"', 'question = "later"'),
            "'child' follows up on 'later', which is not asked before it",
        ),
        (lambda text: text.replace('any = ["yes"]', 'any = ["maybe"]'), "options it doesn't have: ['maybe']"),
        (lambda text: text.replace('any = ["yes"]', "any = []"), "when.any: Tuple should have at least 1 item"),
        (
            lambda text: text.replace(
                'kind = "choice"\noptions = [{ id = "yes", label = "Yes" }, { id = "no", label = "No" }]\n', ""
            ),
            "by a free-text question",
        ),
    ],
    ids=["itself", "unknown-or-later", "unknown-option", "no-options", "free-text-parent"],
)
def test_a_follow_up_must_read_an_earlier_choice_question_by_its_options(change, message):
    with pytest.raises(CatalogError) as raised:
        parse_catalog(change(FOLLOW_UP), origin="team.toml")
    assert message in str(raised.value)


def test_a_follow_up_applies_when_its_parent_picked_one_of_its_options():
    catalog = parse_catalog(FOLLOW_UP)
    assert catalog.has_follow_ups
    assert [q.id for q in catalog.applicable({"parent": ["yes"]})] == ["parent", "child"]
    assert [q.id for q in catalog.applicable({"parent": ["no"]})] == ["parent"]
    assert [q.id for q in catalog.applicable({})] == ["parent"]


# --- version 2, the catalog new designs get ------------------------------------------------------------


def test_version_2_keeps_the_article_backbone_and_the_id_of_version_1(default_catalog, catalog):
    assert (default_catalog.id, default_catalog.version) == (catalog.id, 2)
    assert default_catalog.digest != catalog.digest
    assert [area.id for area in default_catalog.areas] == ["foundation", "data", "model", "production", "value"]
    assert default_catalog.questions[0].id == "manual-process"


def test_version_2s_base_walk_stays_close_to_version_1s_and_follow_ups_add_depth(default_catalog, catalog):
    base = [question for question in default_catalog.questions if question.when is None]
    follow_ups = [question for question in default_catalog.questions if question.when is not None]
    assert len(catalog.questions) == 31
    assert len(base) <= 36
    assert len(follow_ups) >= 12


@pytest.mark.parametrize(
    ("topic", "question_ids"),
    [
        ("offline evaluation: metric, out-of-time split, leakage", ["offline-evaluation"]),
        ("train/serve skew", ["train-serve-skew"]),
        ("data validation and input drift", ["data-validation", "monitoring"]),
        ("the cost of errors and thresholds", ["error-costs", "threshold"]),
        ("fallback and SLOs", ["fallback"]),
        ("human in the loop, GDPR Art. 22", ["decision-use", "human-review"]),
        ("slices and fairness", ["slices"]),
        ("serving and compute cost", ["constraints"]),
        ("ownership and on-call, reproducibility, model card", ["ownership", "reproducibility", "model-card"]),
        ("upstream dependencies and undeclared consumers", ["dependencies"]),
        ("the article's other teams' needs, familiar interfaces, trade-offs", ["other-teams"]),
        ("scalability, split", ["scaling-components", "training-scale"]),
    ],
)
def test_version_2_asks_what_ml_practice_asks(default_catalog, topic, question_ids):
    for question_id in question_ids:
        assert question_id in default_catalog, topic


@pytest.mark.parametrize(
    ("parent", "picked", "follow_ups"),
    [
        ("personal-data", "yes", {"retention", "legal-basis", "dpia"}),
        ("personal-data", "pseudonymised", {"retention", "legal-basis", "dpia"}),  # still personal: Recital 26
        ("compliance", "regulatory", {"explainability", "audit-log", "model-card"}),
        ("inference-mode", "real-time", {"latency-target", "feature-freshness", "fallback", "concurrent-users"}),
        ("labels", "unlabelled", {"annotation-plan"}),
        ("push-back", "none", {"affected-people"}),
        ("decision-use", "fully-automated", {"human-review"}),
    ],
)
def test_version_2s_follow_ups_appear_only_for_the_answers_that_call_for_them(
    default_catalog, parent, picked, follow_ups
):
    without = {question.id for question in default_catalog.applicable({})}
    with_answer = {question.id for question in default_catalog.applicable({parent: {picked}})}
    assert follow_ups <= with_answer - without


def test_personal_data_that_is_anonymous_asks_no_privacy_follow_ups(default_catalog):
    applying = {question.id for question in default_catalog.applicable({"personal-data": {"anonymous"}})}
    assert not {"retention", "legal-basis", "dpia"} & applying


def test_every_version_2_question_shows_an_example_of_a_good_answer(default_catalog):
    assert [question.id for question in default_catalog.questions if not question.example] == []


def test_version_2_asks_for_several_options_where_several_apply(default_catalog):
    for question_id in ("serving", "release-path", "feedback-loop", "monitoring", "model-selection"):
        assert default_catalog.question(question_id).kind is QuestionKind.MULTI, question_id


def test_version_2_reads_numbers_from_the_questions_that_ask_for_a_quantity(default_catalog):
    quantities = {question.id: question.quantity for question in default_catalog.questions if question.quantity}
    assert quantities == {
        "success-target": "change",
        "latency-target": "latency",
        "concurrent-users": "rate",
        "outcome-delay": "duration",
        "retention": "duration",
    }


def test_every_version_2_question_is_scored_in_a_readiness_area(default_catalog):
    areas = {question.readiness for question in default_catalog.questions}
    assert None not in areas
    assert {"data", "model", "infrastructure", "monitoring", "value"} <= areas
