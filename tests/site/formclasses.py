"""Every WTForms class the app defines, found by walking the subclasses of WTForms' Form once each domain's forms
module is imported: a new form is covered by the tests that walk them without being listed."""
from __future__ import annotations

import importlib
import pkgutil

from wtforms import Form

import greensmile


def _import_form_modules() -> None:
    importlib.import_module("greensmile.forms")
    for info in pkgutil.iter_modules(greensmile.__path__):
        if info.ispkg and importlib.util.find_spec(f"greensmile.{info.name}.forms") is not None:
            importlib.import_module(f"greensmile.{info.name}.forms")


def form_classes() -> list[type[Form]]:
    """Every form class defined in greensmile (a form made in a routes module too), by qualified name."""
    _import_form_modules()
    found, todo = {}, [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("greensmile."):
                found[f"{sub.__module__}.{sub.__qualname__}"] = sub
    return [found[name] for name in sorted(found)]


def form_id(form_class: type[Form]) -> str:
    return f"{form_class.__module__.removeprefix('greensmile.')}.{form_class.__qualname__}"
