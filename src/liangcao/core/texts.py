"""Messages stored for people to read later (a background task's error), in their language.

A task runs in whatever language its worker has, and its readers may use either language of
the site; so what it records is a code and its values (`stored_error`), worded when read
(`stored_message`). A value may itself be a text in every language (`error_texts`, `texts_in`),
stored as {language: text} and read in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import DomainError


def texts_in(render: Callable[[], str], limit: int = 1000) -> dict[str, str]:
    """`render()`'s text in every language of the site, to store for readers of any language."""
    texts = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts[language] = render()[:limit]
    return texts


def error_text(exc: DomainError) -> str:
    """A domain error and its field errors as one line (a page's flash message, a stored
    error), in the active language."""
    details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    if details:
        return str(_("%(message)s: %(details)s") % {"message": exc.message, "details": details})
    return str(exc.message)


def error_texts(exc: BaseException) -> dict[str, str]:
    """An error's text in every language of the site: a domain error's message and field errors
    are translated where they are lazy (an already formatted message stays in the language
    active when it was raised); anything else is a bug report, kept as it is."""
    if not isinstance(exc, DomainError):
        return {"": f"{type(exc).__name__}: {exc}"[:1000]}
    return texts_in(lambda: error_text(exc))


def in_active_language(texts: Mapping[str, str] | str) -> str:
    """A stored {language: text} in the active language (else the default one, else any)."""
    if isinstance(texts, str):
        return texts
    language = translation.get_language() or settings.LANGUAGE_CODE
    for key in (language, language.split("-")[0], settings.LANGUAGE_CODE, ""):
        if key in texts:
            return texts[key]
    return next(iter(texts.values()), "")


def stored_message(templates: Mapping[str, Promise], code: str, params: Mapping[str, Any]) -> str:
    """A stored message (its code and values) in the active language; an unknown code reads as
    itself."""
    template = templates.get(code)
    if template is None:
        return code
    values = {name: in_active_language(value) for name, value in params.items()}
    return str(template) % values if values else str(template)


def stored_error(templates: Mapping[str, Promise], code: str, **params: Any) -> dict[str, Any]:
    """The fields that record an error (`error_code`, `error_params`) and an English `error`
    text for logs and the admin."""
    with translation.override("en"):
        english = stored_message(templates, code, params)
    return {"error_code": code, "error_params": params, "error": english[:2000]}
