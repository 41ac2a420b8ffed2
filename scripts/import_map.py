"""The package-level import map of the first-party code, its back arrows and its circles.

    .venv/bin/python scripts/import_map.py          # the map, its back arrows and circles
    .venv/bin/python scripts/import_map.py --check  # exit 1 on a back arrow or a circle

Standard library only (``ast``): every ``import`` anywhere in a module counts, at the top or
inside a function, and so does a string naming a first-party module (``"centers.cases.referrals
.referral_receive"`` handed to ``import_string``, a Celery task name, a dotted path in a dict).
Units are the apps: ``centers.cases``, ``tenants.exchange``, ``tenants`` (its own modules),
``cityplatform``… Tests, migrations and the project's composition root (settings, URL confs,
the Celery app, WSGI/ASGI), which exists to import every app, are left out.

The layer order is ``LAYERS`` below (bottom first), the one docs/architecture.md describes and
pyproject.toml's import-linter contracts enforce.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "cityplatform": ROOT / "platform" / "cityplatform",
    "tenants": ROOT / "tenants",
    "catalog_cms": ROOT / "catalog_cms",
    "centers": ROOT / "centers",
    "evaluation": ROOT / "evaluation",
    "portal": ROOT / "portal",
}
if (ROOT / "demo" / "__init__.py").exists():  # the demo data, above every app
    SOURCES["demo"] = ROOT / "demo"
# Folders of apps: each sub-package with an apps.py is a unit of its own.
APP_FOLDERS = {"tenants", "catalog_cms", "centers", "evaluation"}
# The composition root: modules that exist to wire every app together.
COMPOSITION_ROOT = (
    "cityplatform.settings",
    "cityplatform.urls_common",
    "cityplatform.urls_public",
    "cityplatform.urls_tenant",
    "cityplatform.celery",
    "cityplatform.wsgi",
    "cityplatform.asgi",
)

# The tenancy layer's operations, above its apps: the commands and the per-center backup.
OPERATIONS = ("tenants.management", "tenants.backup")
# The tenants app's center life (provisioning and status services, their screens and API),
# which creates a center's first user and audits: above accounts and audit, which need only
# the tenancy core (the Center model, the domain lookup, schemas).
CENTER_LIFE = ("tenants.services", "tenants.views", "tenants.wagtail_hooks", "tenants.api")

# Bottom first. A unit may import its own layer's units only where SIBLINGS allows it, and any
# unit of a lower layer.
LAYERS: list[list[str]] = [
    ["cityplatform"],
    ["tenants", "tenants.accounts", "tenants.audit", "tenants.health", "tenants.exchange",
     "tenants (center life)", "tenants.backup", "tenants.management"],
    ["catalog_cms.standards", "catalog_cms.search_index"],
    ["centers.workspace", "centers.catalog", "centers.cases", "centers.feedback",
     "centers.ratings", "centers.appointments", "centers.ledger", "centers.retention"],
    ["evaluation.metrics", "evaluation.supervision", "evaluation.rectification",
     "evaluation.scoring", "evaluation.conduct"],
    ["portal"],
    ["demo"],
]  # fmt: skip


def module_name(path: Path) -> str | None:
    for package, folder in SOURCES.items():
        if folder in path.parents or path.parent == folder:
            rel = path.relative_to(folder).with_suffix("")
            parts = [package, *rel.parts]
            if parts[-1] == "__init__":
                parts.pop()
            return ".".join(parts)
    return None


def unit_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] not in SOURCES:
        return None
    if module.startswith(COMPOSITION_ROOT):
        return None
    if module.startswith(OPERATIONS):
        return ".".join(parts[:2])
    if module.startswith(CENTER_LIFE):
        return "tenants (center life)"
    if parts[0] in APP_FOLDERS and len(parts) > 1:
        candidate = f"{parts[0]}.{parts[1]}"
        if (SOURCES[parts[0]] / parts[1] / "apps.py").exists():
            return candidate
    return parts[0]


DOTTED = re.compile(rf"^({'|'.join(SOURCES)})(\.\w+)+$")


def imports_of(path: Path, module: str) -> list[tuple[str, int, str]]:
    """(imported module, line, how) for every import and dotted-path string in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((alias.name, node.lineno, "import"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                found.append((f"{target}.{alias.name}", node.lineno, "import"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and DOTTED.match(node.value)
        ):
            found.append((node.value, node.lineno, "string"))
    return found


def graph() -> dict[tuple[str, str], list[str]]:
    """(importer unit, imported unit) → where ("module:line how")."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for folder in SOURCES.values():
        for path in sorted(folder.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = module_name(path)
            if module is None:
                continue
            source = unit_of(module)
            if source is None:
                continue
            for target, line, how in imports_of(path, module):
                unit = unit_of(target)
                if unit is None or unit == source:
                    continue
                edges[(source, unit)].append(
                    f"{module}:{line}{' (string)' if how == 'string' else ''}"
                )
    return edges


def layer_index(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise SystemExit(f"{unit} is in no layer of scripts/import_map.py")


def back_arrows(edges) -> list[tuple[str, str]]:
    return sorted(pair for pair in edges if layer_index(pair[0]) < layer_index(pair[1]))


def circles(edges) -> list[list[str]]:
    """Strongly connected components of more than one unit (Tarjan)."""
    successors: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        successors[source].add(target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(successors[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted({unit for pair in edges for unit in pair}):
        if node not in index:
            visit(node)
    return sorted(found)


def main(argv: list[str]) -> int:
    edges = graph()
    check = "--check" in argv
    if not check:
        print("import map (importer -> imported: modules)")
        for source, target in sorted(edges):
            print(f"  {source} -> {target}  [{len(edges[(source, target)])}]")
    backs = back_arrows(edges)
    print(f"\nback arrows (up the layers): {len(backs)}")
    for source, target in backs:
        where = edges[(source, target)]
        print(f"  {source} -> {target}: {', '.join(where[:6])}{' …' if len(where) > 6 else ''}")
    mutual = sorted((a, b) for a, b in edges if a < b and (b, a) in edges)
    print(f"\ntwo-way arrows (units importing each other): {len(mutual)}")
    for source, target in mutual:
        print(f"  {source} <-> {target}")
    found = circles(edges)
    print(f"\ncircles (strongly connected components): {len(found)}")
    for component in found:
        print("  " + " <-> ".join(component))
        members = set(component)
        for source, target in sorted(edges):
            if source in members and target in members:
                where = edges[(source, target)]
                print(f"      {source} -> {target}: {', '.join(where[:4])}"
                      f"{' …' if len(where) > 4 else ''}")  # fmt: skip
    return 1 if check and (backs or mutual or found) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
