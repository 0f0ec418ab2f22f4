from __future__ import annotations

from datetime import date

import pytest

from flows.commands import (
    Alerts,
    Changes,
    CommandError,
    Delete,
    Deployed,
    Export,
    Help,
    ListDesigns,
    Owners,
    Remind,
    RequestReview,
    Start,
    Status,
    Summary,
    mentioned_ids,
    name_key,
    parse_command,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("  HELP ", Help()),
        ("list", ListDesigns()),
        ("start Churn model", Start("Churn model")),
        ("start   Churn \t model  ", Start("Churn model")),
        ("status Churn model", Status("Churn model")),
        ("Start <!channel> & co", Start("<!channel> & co")),
        ("start\tChurn\nmodel", Start("Churn model")),
        ("\nlist", ListDesigns()),
        ("summary Churn model", Summary("Churn model")),
        ("EXPORT  churn model ", Export("churn model")),
        ("deployed Churn model", Deployed("Churn model", None)),
        ("deployed Churn model 2026-11-30", Deployed("Churn model", date(2026, 11, 30))),
        ("remind Churn model every 30d", Remind("Churn model", "every 30d")),
        ("remind Churn model every 2 weeks", Remind("Churn model", "every 2 weeks")),
        ("remind churn model OFF", Remind("churn model", "OFF")),
        ("remind Churn model now", Remind("Churn model", "now")),
        ("owners Churn model", Owners("Churn model", None)),
        ("owners Churn model add <@U0BOB|bob> <@W0DANA>", Owners("Churn model", "add", ("U0BOB", "W0DANA"))),
        ("owners Churn model REMOVE <@U0BOB>, <@U0BOB>", Owners("Churn model", "remove", ("U0BOB",))),
        ("delete Churn model", Delete("Churn model")),
        ("review Churn model <@U0BOB|bob> <@W0DANA>", RequestReview("Churn model", ("U0BOB", "W0DANA"))),
        ("REVIEW Churn model <@U0BOB>, <@U0BOB>", RequestReview("Churn model", ("U0BOB",))),
        ("changes Churn model", Changes("Churn model", "approval")),
        ("changes Churn model since 2027-01-04", Changes("Churn model", date(2027, 1, 4))),
        ("changes Churn model since Revisit", Changes("Churn model", "revisit")),
        (
            "changes Churn model since 2027-01-04 until approval",
            Changes("Churn model", date(2027, 1, 4), "approval"),
        ),
        ("changes Churn model since approval until 2027-02-01", Changes("Churn model", "approval", date(2027, 2, 1))),
        ("alerts Churn model", Alerts("Churn model")),
        ("alerts Churn model ROTATE", Alerts("Churn model", rotate=True)),
        ("alerts rotate", Alerts("rotate")),
    ],
)
def test_commands_parse(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("start", "Give the design a name"),
        ("status   ", "Give the design a name"),
        ("summary", "Give the design a name"),
        ("export", "Give the design a name"),
        ("deployed Churn 2026-02-30", "is not a date"),
        ("remind Churn model", "Say which design and what to do"),
        ("remind now", "Say which design"),
        ("start " + "x" * 81, "at most 80 characters"),
        ("frobnicate", "I don't know the command “frobnicate”"),
        ("changes Churn model since 2027-01-04 until soon", "“soon” is not a date"),
        ("changes Churn model until 2027-01-04", "Say where to start too"),
        ("alerts", "Give the design a name"),
        ("owners Churn model add bob", "Mention the people to add or remove"),
        ("owners Churn model add <@U0BOB> and bob", "Mention the people to add or remove"),
        ("delete", "Give the design a name"),
        ("review Churn model", "mention its reviewers"),
        ("review Churn model <@U0BOB> and bob", "mention its reviewers"),
        ("review <@U0BOB>", "mention its reviewers"),
        ("changes Churn model since yesterday", "is not a date"),
        ("changes Churn model since 2027-02-30", "is not a date"),
        ("changes", "Give the design a name"),
    ],
)
def test_bad_commands_explain_themselves(text, message):
    with pytest.raises(CommandError, match=message):
        parse_command(text)


def test_names_compare_without_case_or_extra_spaces():
    assert name_key("Churn  Model") == name_key("churn model")


def test_only_the_people_slack_marked_as_mentions_can_be_made_owners():
    """Slack sends a typed-out <@U0EVE> as &lt;@U0EVE&gt;: unescaped, it would look like a real mention."""
    typed = "owners Churn model add &lt;@U0EVE&gt;"

    assert mentioned_ids(typed) == frozenset()
    with pytest.raises(CommandError, match="Mention the people to add or remove"):
        parse_command("owners Churn model add <@U0EVE>", mentioned=mentioned_ids(typed))
    real = "owners Churn model add <@U0BOB|bob>"
    assert parse_command(real, mentioned=mentioned_ids(real)) == Owners("Churn model", "add", ("U0BOB",))
