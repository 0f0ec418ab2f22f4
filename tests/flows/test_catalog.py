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
