"""Consecutive 部门决算 titles: two units' reports in one file are two parts,
a cover and an inner title page that abbreviates the unit's name are one
(plugins/recognizers/parts.py ``_other_unit``)."""
from __future__ import annotations

from pathlib import Path

from budgetlint.core.loading import load_document
from budgetlint.core.testing import make_host

_REPORT = """{title}

目录

收入支出决算总表

公开01表

单位：万元

收入			支出		
项目	行次	决算数	项目	行次	决算数
一、一般公共预算财政拨款收入	1	100.00	一、一般公共服务支出	9	100.00
本年收入合计	3	100.00	本年支出合计	11	100.00

"""


def _parts(tmp_path: Path, first: str, second: str) -> list[dict]:
    src = tmp_path / "bundle.txt"
    src.write_text(_REPORT.format(title=first) + _REPORT.format(title=second), encoding="utf-8")
    return load_document(str(src), make_host())["parts"]


def test_two_units_titles_back_to_back_are_two_parts(tmp_path: Path) -> None:
    parts = _parts(tmp_path, "上海市普陀区财政局2024年度部门决算", "上海市普陀区规划和自然资源局2024年度部门决算")
    assert [(p["type"], p["title"], p["group"]) for p in parts] == [
        ("部门决算", "上海市普陀区财政局2024年度部门决算", 0),
        ("部门决算", "上海市普陀区规划和自然资源局2024年度部门决算", 1)]
    assert parts[0]["last_block"] + 1 == parts[1]["first_block"]


def test_unit_named_on_its_own_title_line_splits_too(tmp_path: Path) -> None:
    parts = _parts(tmp_path, "石泉路街道办事处\n\n2025年度部门决算", "万里街道办事处\n\n2025年度部门决算")
    assert [p["type"] for p in parts] == ["部门决算", "部门决算"]


def test_a_cover_abbreviating_the_units_name_is_one_part(tmp_path: Path) -> None:
    parts = _parts(tmp_path, "普陀区财政局2024年度部门决算", "上海市普陀区财政局2024年度部门决算")
    assert [(p["type"], p["title"]) for p in parts] == [("部门决算", "普陀区财政局2024年度部门决算")]


def test_a_title_without_a_unit_never_splits(tmp_path: Path) -> None:
    parts = _parts(tmp_path, "上海市普陀区财政局2024年度部门决算", "2024年度部门决算")
    assert [p["type"] for p in parts] == ["部门决算"]
