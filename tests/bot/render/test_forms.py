"""The answer form's modal stays within Slack's limits, and a submission the bot never built is refused clearly."""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.views import View

from bot.render import forms
from tests.factories import make_answer, make_design


def test_every_area_of_the_catalog_fits_one_modal_prefilled_with_its_answers(catalog):
    design = make_design(id=7, name="*Fraud* <!here>")
    for area in catalog.areas:
        answers = {q.id: make_answer(id=i + 1, question_id=q.id, text="x" * 5000) for i, q in enumerate(area.questions)}
        view = forms.answer_form(design=design, catalog=catalog, questions=area.questions, answers=answers)

        assert View(**view).to_dict() == view
        assert len(view["blocks"]) <= 100 and len(view["private_metadata"]) <= 3000
        assert "&lt;!here&gt;" in view["blocks"][0]["text"]["text"]
        texts = [b["element"] for b in view["blocks"] if b["type"] == "input" and b["block_id"].startswith("text:")]
        assert all("initial_value" not in element for element in texts), "too long to prefill: left empty, kept"


@pytest.mark.parametrize(
    "metadata",
    [
        "[]",
        "not json",
        json.dumps({"design_id": "seven", "questions": ["manual-process"]}),
        json.dumps({"design_id": 7, "questions": []}),
        json.dumps({"design_id": 7, "questions": ["manual-process"], "shown": {"manual-process": "x"}}),
    ],
)
def test_a_submission_the_bot_never_built_is_refused_with_what_to_do(metadata):
    with pytest.raises(forms.MalformedForm, match="open it again"):
        forms.submission({"private_metadata": metadata, "state": {"values": {}}})


def test_a_submission_reads_picks_and_text_per_question():
    metadata = json.dumps({"design_id": 7, "questions": ["manual-process", "compliance"], "shown": {"compliance": 3}})
    values = {
        "text:manual-process": {"text": {"type": "plain_text_input", "value": "  By hand.  "}},
        "choice:compliance": {"choice": {"type": "checkboxes", "selected_options": [{"value": "statutory"}]}},
    }

    form = forms.submission({"private_metadata": metadata, "state": {"values": values}})

    assert form.design_id == 7 and form.shown == {"compliance": 3}
    assert [(a.question_id, a.choices, a.text) for a in form.answers] == [
        ("manual-process", None, "By hand."),
        ("compliance", ("statutory",), ""),
    ]
