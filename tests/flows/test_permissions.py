from __future__ import annotations

import pytest

from flows.permissions import NotAnOwner, OwnerAction, owners_of, require_owner


def test_the_starter_comes_first_and_each_owner_once():
    assert owners_of("U1", ["U2", "U1", "U3", "U2"]) == ("U1", "U2", "U3")


@pytest.mark.parametrize("action", list(OwnerAction), ids=[a.name for a in OwnerAction])
def test_only_owners_may_act_and_the_refusal_names_them(action):
    require_owner("U2", ("U1", "U2"), action, "Churn model")

    with pytest.raises(NotAnOwner) as refused:
        require_owner("U3", ("U1", "U2"), action, "Churn model")

    assert (refused.value.action, refused.value.owners, refused.value.design_name) == (
        action,
        ("U1", "U2"),
        "Churn model",
    )
