"""The sign-in backend reads the signed-in user and their memberships (scope) together
(orgs/backends.py): the same user and the same scope as Django's backend and scope_for_user."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liangcao.orgs.backends import UserBackend
from liangcao.orgs.models import Membership, Node, Role, User
from liangcao.orgs.selectors import scope_for_user


@pytest.mark.django_db
def test_the_user_comes_with_their_scope_and_an_inactive_user_does_not_come() -> None:
    root = Node.objects.create(code="R", name_zh="根", kind="city")
    user = User.objects.create_user(username="backend-grid", password="unused-password-1")
    Membership.objects.create(user=user, role=Role.GRID_WORKER, node=root)
    Membership.objects.create(user=user, role=Role.COMMANDER, node=root)
    expected = ModelBackend().get_user(user.pk)
    assert expected is not None
    with CaptureQueriesContext(connection) as reads:
        loaded = UserBackend().get_user(str(user.pk))
        assert loaded is not None
        scope = scope_for_user(loaded)
    assert (loaded.pk, loaded.username, loaded.is_active) == (user.pk, "backend-grid", True)
    assert loaded.date_joined == expected.date_joined
    assert scope == scope_for_user(expected)
    assert scope.roles == {Role.GRID_WORKER, Role.COMMANDER}
    if connection.vendor == "postgresql":
        assert len(reads.captured_queries) == 1  # user and memberships in one statement

    nobody = User.objects.create_user(username="backend-none", password="unused-password-2")
    loaded_nobody = UserBackend().get_user(nobody.pk)
    assert loaded_nobody is not None and scope_for_user(loaded_nobody).is_empty

    User.objects.filter(pk=user.pk).update(is_active=False)
    assert UserBackend().get_user(user.pk) is None
    assert UserBackend().get_user(10**9) is None
