"""Who may take actions that are not tied to one place in the tree."""

from __future__ import annotations

from liangcao.orgs.models import Role, User
from liangcao.orgs.selectors import user_is_city_level

CATALOG_MANAGERS = frozenset({Role.COMMANDER, Role.PROCUREMENT_OFFICER})


def can_manage_catalog(user: User) -> bool:
    """The catalog is city-wide: city-level commanders and procurement officers edit it."""
    return user.is_authenticated and user_is_city_level(user=user, roles=CATALOG_MANAGERS)
