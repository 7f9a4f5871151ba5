"""Background tasks of allocation (django-tasks; `manage.py worker` runs them)."""

from datetime import timedelta

from django.conf import settings
from django.utils import translation
from django_tasks import task

from liangcao.allocation import services
from liangcao.core.schedule import periodic


@task()
def execute_run(run_id: int, language: str | None = None) -> None:
    """Solve one queued allocation run (in the language of whoever started it)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        services.run_execute(run_id=run_id)


@task()
def commit_run(run_id: int, language: str | None = None) -> None:
    """Commit one run: every reservation of its plan, or none."""
    with translation.override(language or settings.LANGUAGE_CODE):
        services.run_commit_execute(run_id=run_id)


@periodic(every=timedelta(minutes=1))
@task()
def sweep_stale_runs() -> int:
    """Fail solves whose worker died; return interrupted commits to `proposed`."""
    return services.allocation_run_sweep()
