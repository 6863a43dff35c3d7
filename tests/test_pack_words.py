"""A bureau writes its pack in its own words: severities as the report
prints them (错误/警告/提示)."""
from __future__ import annotations

from pathlib import Path

from budgetlint.core.engine import Checker


def test_chinese_severities_in_a_pack(tmp_path: Path, host) -> None:
    pack = tmp_path / "bureau"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "name: bureau-x\nextends: national\noverrides:\n  template-placeholder-left: {severity: 警告}\n"
        "  hygiene-latin-in-prose: {severity: 提示}\n", encoding="utf-8")
    loaded = Checker(host=host).packs.load(str(pack))
    assert loaded.rules["template-placeholder-left"].severity == "warning"
    assert loaded.rules["hygiene-latin-in-prose"].severity == "info"
