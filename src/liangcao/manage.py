"""`manage.py` for Liangcao (also installed as the `liangcao` command)."""

from __future__ import annotations

import os
import sys

# Schema-changing commands run as the table owner when MIGRATION_DATABASE_URL is set.
_MIGRATING_COMMANDS = {"migrate", "createcachetable", "flush", "sqlflush"}


def main(argv: list[str] | None = None) -> None:
    """Run a Django management command with Liangcao's settings."""
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangcao.config.settings")
    if len(args) > 1 and args[1] in _MIGRATING_COMMANDS:
        os.environ.setdefault("LIANGCAO_MIGRATING", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
