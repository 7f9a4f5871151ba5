"""Every message people read goes through gettext: a domain error, a field error, a spreadsheet
row's problem or a flash message built from a plain string or an f-string would show English on
a Chinese page. This reads the source of every app (the pure engines, which import no Django and
keep English texts for their CLIs, aside) and names each such call."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "liangcao"
APPS = sorted(p.parent.name for p in PACKAGE.glob("*/apps.py"))
# No Django there: stable codes and English texts, worded for people by the Django side.
ENGINES = ("allocation/engine/", "logistics/routing/", "readiness/forecasting.py")
ERRORS = {"DomainError", "BadRequest", "Invalid", "Forbidden", "NotFound", "Conflict"}
ERRORS |= {"Unavailable"}
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext"}
FLASH = {"debug", "info", "success", "warning", "error"}


def _plain(node: ast.expr) -> bool:
    """A text that no catalogue will ever translate."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value != ""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return _plain(node.left) or (isinstance(node.op, ast.Add) and _plain(node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in {"format", "join"} and _plain(node.func.value)
    if isinstance(node, ast.IfExp):
        return _plain(node.body) or _plain(node.orelse)
    return False


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _messages(call: ast.Call) -> Iterator[ast.expr]:
    """The arguments of `call` that people read, if it is a call that shows them."""
    name = _name(call.func)
    keywords = {k.arg: k.value for k in call.keywords}
    if name in ERRORS:
        yield from call.args[:1]
        yield from [v for k, v in keywords.items() if k == "message"]
    elif name == "FieldError":
        yield from call.args[1:2]
        yield from [v for k, v in keywords.items() if k == "message"]
    elif name == "fail":  # RowChecker.fail(row, column, reason): a spreadsheet row's problem
        yield from call.args[2:3]
    elif name == "_raise":  # _raise(errors, message): Invalid when there are field errors
        yield from call.args[1:2]
    elif name in FLASH and isinstance(call.func, ast.Attribute):
        owner = call.func.value
        if isinstance(owner, ast.Name) and owner.id == "messages":
            yield from call.args[1:2]
    elif name in GETTEXT and call.args and not isinstance(call.args[0], ast.Constant):
        yield call.args[0]  # _(f"…") or _(variable): never found in a catalogue


def untranslated(source: str) -> list[str]:
    """`line: text` of every message in `source` that is not a gettext call."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        for message in _messages(node):
            is_gettext = _name(node.func) in GETTEXT
            if (is_gettext and not isinstance(message, ast.Constant)) or _plain(message):
                found.append(f"{node.lineno}: {ast.unparse(message)[:90]}")
    return found


def _sources(app: str) -> Iterator[Path]:
    for path in sorted((PACKAGE / app).rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if "/migrations/" not in relative and not relative.startswith(ENGINES):
            yield path


def test_every_app_is_read() -> None:
    assert {"donations", "fleet", "logistics", "procurement", "market", "stock"} <= set(APPS)
    assert all(any(_sources(app)) for app in APPS)


@pytest.mark.parametrize("app", APPS)
def test_no_message_is_a_plain_string(app: str) -> None:
    bad = {
        str(path.relative_to(PACKAGE)): found
        for path in _sources(app)
        if (found := untranslated(path.read_text(encoding="utf-8")))
    }
    assert bad == {}, "wrap each message in gettext with %(name)s placeholders"


@pytest.mark.parametrize(
    "source",
    [
        'raise Invalid("Bad price")',
        'raise Conflict(f"Shipment {pk} is {state}")',
        'FieldError("day", "not after today")',
        "FieldError(field, f'at most {limit} characters', row)",
        'check.fail(row, "code", "%s appears twice" % code)',
        'messages.error(request, "Saved")',
        '_raise(errors, "The pass is invalid")',
        'raise NotFound(_(f"No such {thing}"))',
        'raise Invalid("Nothing" if empty else _("Bad"))',
    ],
)
def test_the_check_finds_plain_messages(source: str) -> None:
    assert untranslated(source) != []


@pytest.mark.parametrize(
    "source",
    [
        'raise Invalid(_("Bad price"), [FieldError("price", _("not a number"), row)])',
        'raise Conflict(_("Shipment %(id)s is %(state)s") % {"id": pk, "state": label})',
        'FieldError(f"lines.{i}.quantity", _("must be a positive integer"))',
        "raise Invalid(exc.message, exc.errors)",
        'messages.success(request, _("%(n)d prices imported.") % {"n": n})',
    ],
)
def test_the_check_lets_translated_messages_pass(source: str) -> None:
    assert untranslated(source) == []


def _names_bound_outside_comprehensions(node: ast.AST) -> Iterator[ast.Name]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            continue  # a comprehension's `_` is its own
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            yield child
        yield from _names_bound_outside_comprehensions(child)


def hidden_gettext(source: str) -> list[str]:
    """Functions that bind `_` (`_, rows = …`) and call `_(…)`: the call finds the tuple item."""
    found = []
    for fn in ast.walk(ast.parse(source)):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        binds = any(n.id == "_" for n in _names_bound_outside_comprehensions(fn))
        calls = any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
            for n in ast.walk(fn)
        )
        if binds and calls:
            found.append(f"{fn.lineno}: {fn.name}")
    return found


@pytest.mark.parametrize("app", APPS)
def test_no_function_hides_gettext_behind_a_throwaway_name(app: str) -> None:
    bad = {
        str(path.relative_to(PACKAGE)): found
        for path in _sources(app)
        if (found := hidden_gettext(path.read_text(encoding="utf-8")))
    }
    assert bad == {}


def test_the_check_finds_a_hidden_gettext() -> None:
    source = "def view():\n    _, rows = load()\n    return [_('Site')]\n"
    assert hidden_gettext(source) == ["1: view"]
    assert hidden_gettext(source.replace("_, rows", "_filters, rows")) == []
