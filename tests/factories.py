"""Factories for the rows tests need, with defaults that read like a real design review."""

from __future__ import annotations

from typing import Any

from storage.models import Answer, Design


def make_design(**overrides: Any) -> Design:
    name = overrides.pop("name", "Churn model")
    values: dict[str, Any] = {
        "team_id": "T1",
        "channel_id": "C1",
        "name": name,
        "name_key": name.casefold(),
        "started_by": "U0ALICE",
        "catalog_id": "designing-effective-ml-systems",
        "catalog_version": 1,
        "current_question_id": "manual-process",
    }
    return Design(**(values | overrides))


def make_answer(**overrides: Any) -> Answer:
    values: dict[str, Any] = {
        "team_id": "T1",
        "question_id": "manual-process",
        "status": "answered",
        "text": "",
        "author_id": "U0BOB",
        "choices": [],
    }
    return Answer(**(values | overrides))
