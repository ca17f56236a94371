"""House rules of tests/: helpers in tests/support, no test imports another, unit mirrors app/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
SUPPORT = TESTS / "support"
APP = ROOT / "app"


def _is_test_file(path: Path) -> bool:
    return path.name.startswith("test_") or path.name == "conftest.py"


def _tests_imports(path: Path) -> set[str]:
    """The ``tests.*`` modules a file imports (relative imports count as ``tests.?``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "tests")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.add(f"tests.?{'.' * node.level}{node.module or ''}")
            elif node.module and node.module.split(".")[0] == "tests":
                found.add(node.module)
    return found


def _outside_support(module: str) -> bool:
    return module != "tests.support" and not module.startswith("tests.support.")


def test_no_test_module_imports_another() -> None:
    """Test modules and conftest.py files import from tests/ only what tests/support holds."""
    offenders = {str(p.relative_to(TESTS)): sorted(m for m in _tests_imports(p)
                                                    if _outside_support(m))
                 for p in TESTS.rglob("*.py") if _is_test_file(p)}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_support_imports_only_support() -> None:
    """tests/support never reaches back into a test folder."""
    offenders = {str(p.relative_to(TESTS)): sorted(m for m in _tests_imports(p)
                                                    if _outside_support(m))
                 for p in SUPPORT.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_helpers_live_in_support() -> None:
    """Outside tests/support every Python file is a test module or a conftest.py."""
    strays = sorted(str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py")
                    if not p.is_relative_to(SUPPORT) and not _is_test_file(p))
    assert strays == []


def test_unit_folders_mirror_app_packages() -> None:
    """Each folder of tests/unit is named for a package of app/ (top-level modules are tested
    by tests/unit/test_<module>.py)."""
    folders = {p.name for p in (TESTS / "unit").iterdir()
               if p.is_dir() and not p.name.startswith((".", "__"))}
    packages = {p.name for p in APP.iterdir() if p.is_dir() and any(p.glob("*.py"))}
    assert folders - packages == set()
