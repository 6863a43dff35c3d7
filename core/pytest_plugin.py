"""pytest plugin (entry point ``pytest11``): every case in every
``*.test.yaml`` becomes its own test item ``<rule-id>::<case-name>``.

Cases are collected from the paths pytest walks (the project's ``rules/``)
and from ``--budgetlint-rules PATH`` (a bureau's own pack folder, anywhere).
A failing case shows the input, the expectation and the findings produced.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from budgetlint.core.rulepack import TEST_SUFFIX


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("budgetlint")
    group.addoption("--budgetlint-rules", action="append", default=[], metavar="PATH",
                    help="also collect rule cases (*.test.yaml) from this pack folder")


def pytest_configure(config: pytest.Config) -> None:
    """Rule cases build many throw-away packs: keep their compiled copies in a
    session directory rather than the user's cache (unless one is set)."""
    import os
    import tempfile

    if not os.environ.get("BUDGETLINT_CACHE_DIR"):
        os.environ["BUDGETLINT_CACHE_DIR"] = tempfile.mkdtemp(prefix="budgetlint-test-cache-")
        config._budgetlint_cache_dir = os.environ["BUDGETLINT_CACHE_DIR"]


def pytest_unconfigure(config: pytest.Config) -> None:
    import os
    import shutil

    folder = getattr(config, "_budgetlint_cache_dir", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        if os.environ.get("BUDGETLINT_CACHE_DIR") == folder:
            del os.environ["BUDGETLINT_CACHE_DIR"]


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.name.endswith(TEST_SUFFIX):
        return RuleCasesFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[Any]) -> None:
    extra = config.getoption("--budgetlint-rules") or []
    if not extra or getattr(config, "_budgetlint_extra_done", False):
        return
    config._budgetlint_extra_done = True
    for ref in extra:
        root = Path(ref).resolve()
        files = [root] if root.is_file() else sorted(root.rglob(f"*{TEST_SUFFIX}"))
        for f in files:
            coll = RuleCasesFile.from_parent(session, path=f)
            items.extend(coll.collect())


@pytest.fixture
def budgetlint_host():
    """Factory fixture: a plugin host with only the plugins under test.

    ``budgetlint_host("budgetlint.plugins.loaders", "budgetlint.plugins.recognizers", my_plugin)``
    registers exactly those (module paths or objects), without entry points,
    so a plugin's tests do not depend on what else is installed."""
    from budgetlint.core.plugins import PluginHost

    def make(*plugins: Any) -> PluginHost:
        return PluginHost(entry_points=False, plugins=plugins)

    return make


class RuleCasesFile(pytest.File):
    def collect(self):  # type: ignore[override]
        from budgetlint.core.testing import load_cases

        for case in load_cases(Path(self.path)):
            item = RuleCaseItem.from_parent(self, name=case.test_id, case=case)
            if case.todo:
                # strict: a todo case that starts passing must lose its todo, or it hides a fixed gap
                item.add_marker(pytest.mark.xfail(reason=str(case.todo), strict=True))
            yield item


class RuleCaseError(Exception):
    pass


class RuleCaseItem(pytest.Item):
    def __init__(self, *, case: Any, **kw: Any) -> None:
        super().__init__(**kw)
        self.case = case

    def runtest(self) -> None:
        from budgetlint.core.testing import run_case

        from budgetlint.core.errors import SharedInputMissing

        roots = [Path(str(self.config.rootpath))]
        try:
            result = run_case(self.case, roots=roots)
        except SharedInputMissing as exc:
            pytest.skip(str(exc))
        if not result.ok:
            raise RuleCaseError(result.report(self.case))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:  # type: ignore[override]
        if isinstance(excinfo.value, RuleCaseError):
            return str(excinfo.value)
        from budgetlint.core.errors import BudgetlintError

        if isinstance(excinfo.value, BudgetlintError):
            return f"{self.case.file}:{self.case.line}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Any, int, str]:
        return self.path, self.case.line, f"rule case {self.case.test_id}"
