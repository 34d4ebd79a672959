"""The payments core imports no domain: checkouts, invoices and pledges register with it, never the reverse."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "greensmile"
# What every domain stands on: not domains themselves. Anything else under greensmile/ with a package of its own
# is a domain, so a domain added later is covered without touching this list.
FOUNDATION = {"payments", "accounts", "media", "submissions", "places", "translations"}


def _module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every greensmile module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("greensmile"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("greensmile"))
    return found


def _graph() -> dict[str, set[str]]:
    return {_module_of(path): _imports(path) for path in PACKAGE.rglob("*.py")}


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [module for module in graph if module == start or module.startswith(start + ".")]
    while todo:
        module = todo.pop()
        if module in seen or module not in graph:
            continue
        seen.add(module)
        todo.extend(graph[module])
    return seen


def _domains() -> set[str]:
    return {path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").exists()} - FOUNDATION


def test_payments_reaches_no_domain_package_even_indirectly():
    graph = _graph()
    domains = _domains()
    assert {"orders", "bulk", "supporters", "listings", "certification"} <= domains
    reached = _reachable(graph, "greensmile.payments")
    assert "greensmile.payments.services" in reached  # the walk does start from the core
    into_domains = sorted(module for module in reached if module.split(".")[1] in domains)
    assert into_domains == []


def test_the_walk_would_see_a_domain_import():
    # The same walk from orders reaches payments and listings: it is not blind to imports.
    reached = _reachable(_graph(), "greensmile.orders")
    assert "greensmile.payments.services" in reached and "greensmile.listings.services" in reached
