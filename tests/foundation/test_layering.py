"""Architecture rules that code review alone would let slip."""

from __future__ import annotations

import re
from pathlib import Path

import alongside

SRC = Path(alongside.__file__).parent
APPS = sorted(p.name for p in SRC.iterdir() if (p / "apps.py").exists())


def _imports(path: Path) -> set[str]:
    text = path.read_text()
    return set(re.findall(r"^\s*(?:from|import) alongside\.(\w+)", text, flags=re.M))


def test_core_imports_no_other_app() -> None:
    offenders = {
        str(path.relative_to(SRC)): sorted(_imports(path) - {"core"})
        for path in (SRC / "core").rglob("*.py")
        if _imports(path) - {"core"}
    }
    assert not offenders, offenders


def test_apps_never_import_each_others_views_or_internals() -> None:
    # models for foreign keys, middleware for actor_for_request, inventory/purposes/tasks
    # as the privacy and jobs registries every app plugs into, demo for the demo-data seeders
    allowed = {
        "demo",
        "services",
        "selectors",
        "access",
        "models",
        "middleware",
        "inventory",
        "purposes",
        "tasks",
    }
    problems = []
    for app in APPS:
        for path in (SRC / app).rglob("*.py"):
            for other, module in re.findall(
                r"^\s*from alongside\.(\w+)\.(\w+)", path.read_text(), flags=re.M
            ):
                if other not in (app, "core") and other in APPS and module not in allowed:
                    problems.append(f"{path.relative_to(SRC)} imports {other}.{module}")
    assert not problems, problems
