"""Issue 15, the bureau's side: every pack error in one run, unknown formula
names at validate time, bureau packs selected automatically, readable
``rules show``/``explain``, help in Chinese, an HTML report for the clerk.
Everything runs through the CLI (a fresh interpreter) on the real packs and
samples."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED_002 = REPO / "samples" / "002_5ce8aee0cc10826a.txt"

BROKEN_PACK = """\
name: broken-bureau
extends: hunan-2024
overrides:
  fa-text-facts-agre:
    severity: error
"""

RULE_LE = """\
id: bureau-vehicles-le
check: formula
title: 公务用车保有量不超过车辆数
severity: error
pure_arithmetic: true
params:
  expression: 说明.公务用车保有量.count =< 说明.车辆.count
message: {zh: "公务用车{actual}辆", en: "{actual} vehicles"}
"""

RULE_TYPO = """\
id: bureau-vehicles-typo
check: formula
title: 公务用车保有量与车辆数一致
severity: 警告
pure_arithmetic: true
params:
  expresion: 说明.公务用车保有量.count == 说明.车辆.count
message: {zh: "公务用车{actual}辆", en: "{actual} vehicles"}
"""

RULE_BAD_YAML = """\
id: bureau-bad-yaml
check: formula
  title: [
"""


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# ------------------------------------------------------------- 1. all errors
def test_validate_reports_every_error_of_a_pack_in_one_run(cli, tmp_path: Path) -> None:
    pack = _write(tmp_path / "broken", {"pack.yaml": BROKEN_PACK, "a-le.yaml": RULE_LE,
                                        "b-typo.yaml": RULE_TYPO, "c-yaml.yaml": RULE_BAD_YAML})
    r = cli("rules", "validate", pack)
    assert r.returncode == 2
    lines = [ln.strip() for ln in r.stderr.splitlines() if ln.strip()]
    assert "3 处错误" in lines[0] or "处错误" in lines[0], r.stderr
    text = r.stderr
    # each error names its file and line
    assert f"{pack / 'pack.yaml'}:4:" in text and "did you mean 'fa-text-facts-agree'?" in text
    assert f"{pack / 'a-le.yaml'}:7:" in text and "'<='" in text and "'=<'" in text
    assert f"{pack / 'b-typo.yaml'}:" in text and "did you mean 'expression'?" in text
    assert f"{pack / 'c-yaml.yaml'}:3:" in text and "malformed YAML" in text
    assert "Traceback" not in text
    # the same list stops `check` before any file is read
    r = cli("check", SEED_002, "--rules", pack)
    assert r.returncode == 2 and "did you mean 'expression'?" in r.stderr and "'<='" in r.stderr


def test_a_single_error_stays_one_line(cli, tmp_path: Path) -> None:
    pack = _write(tmp_path / "one", {"pack.yaml": "name: one\nextends: hunan-2024\n", "a-le.yaml": RULE_LE})
    r = cli("rules", "validate", pack)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "a-le.yaml:7:" in r.stderr and "write '<=' instead of '=<'" in r.stderr


# ------------------------------------------------------ 2. formula names
RULE_NAMES = """\
id: bureau-names
check: formula
title: 名称拼错的算式
severity: error
pure_arithmetic: true
params:
  expression: 支出决算总表.合计.基本支出 + 说明.公务用车保有量.cnt <= 收入支出决算总表.收人.本年收入合计.金额 + 三公.决算.合计
message: {zh: "合计{actual}", en: "total {actual}"}
"""


def test_unknown_formula_names_are_reported_at_validate_time(cli, tmp_path: Path) -> None:
    pack = _write(tmp_path / "names", {"pack.yaml": "name: names\nextends: hunan-2024\n", "r.yaml": RULE_NAMES})
    r = cli("rules", "validate", pack)
    assert r.returncode == 2, r.stdout + r.stderr
    err = r.stderr
    assert "r.yaml:7:" in err
    # Chinese first, then did-you-mean against the templates' table names / fields / sides
    assert "不是已知的表名或前缀" in err and "是否指“支出决算表”" in err
    assert "字段“cnt”不存在" in err and "did you mean 'count'?" in err
    assert "第二段应为收入/支出" in err and "是否指“收入”" in err
    # 三公.决算.合计 is known by prefix only: not reported as unknown
    assert "三公.决算.合计”" not in err


def test_builtin_packs_name_only_known_values_and_say_what_was_not_checked(cli) -> None:
    r = cli("rules", "validate", "rules/national")
    assert r.returncode == 0, r.stderr
    assert "未能静态检查" in r.stdout and "说明." in r.stdout


# ------------------------------------------- 3. bureau packs join selection
BUREAU_2024 = """\
name: bureau-2024
title: 某市财政局 2024 年度规则包
extends: hunan-2024
select:
  years: [2024]
  regions: [湖南]
overrides:
  fa-text-facts-agree:
    severity: error
  scorecard-grade:
    params:
      bands:
        - {grade: 优, min: 85}
        - {grade: 良, min: 75}
        - {grade: 中, min: 60}
        - {grade: 差, min: 0}
  hygiene-section-numbering:
    enabled: false
    severity: warning
"""
SEED_004 = REPO / "samples" / "004_4b65da696dc0427c.txt"  # a 2020 Hunan report


def _packs_used(report: dict) -> set[str]:
    return {p["rule_pack"] for d in report["documents"] for p in d.get("parts") or []}


@pytest.fixture()
def bureau_dir(tmp_path: Path) -> Path:
    _write(tmp_path / "packs" / "bureau-2024", {"pack.yaml": BUREAU_2024})
    return tmp_path / "packs"


def test_a_bureau_pack_is_selected_by_its_years_and_regions(cli, bureau_dir: Path) -> None:
    r = cli("check", SEED_002, "--rules-path", bureau_dir, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    assert _packs_used(json.loads(r.stdout)) == {"bureau-2024"}
    # a 2020 report is not checked with the 2024 pack
    r = cli("check", SEED_004, "--rules-path", bureau_dir, "--format", "json")
    assert "bureau-2024" not in _packs_used(json.loads(r.stdout))
    assert _packs_used(json.loads(r.stdout)) == {"hunan-2020"}


def test_the_rules_path_environment_variable_works_like_the_option(cli, bureau_dir: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETLINT_RULES_PATH", str(bureau_dir))
    r = cli("check", SEED_002, "--format", "json")
    assert _packs_used(json.loads(r.stdout)) == {"bureau-2024"}
    monkeypatch.setenv("BUDGETLINT_RULES_PATH", str(bureau_dir / "nowhere"))
    r = cli("check", SEED_002)
    assert r.returncode == 2 and "BUDGETLINT_RULES_PATH" in r.stderr and "nowhere" in r.stderr


def test_validate_and_diff_warn_about_inert_overrides_and_a_contradicted_basis(cli, bureau_dir: Path) -> None:
    pack = bureau_dir / "bureau-2024"
    for r in (cli("rules", "validate", pack), cli("rules", "diff", "hunan-2024", pack)):
        assert r.returncode == 0, r.stderr
        err = r.stderr
        assert "scorecard-grade: 覆盖的参数 bands 不起作用" in err and "prefer_printed_bands: false" in err
        assert "继承的依据引用了 80、90" in err
        assert "hygiene-section-numbering: 规则已停用" in err
        assert f"{pack / 'pack.yaml'}:" in err


# ------------------------------------------------ 4. readable show/explain
def test_rules_show_is_readable_text_by_default_and_json_on_request(cli, bureau_dir: Path) -> None:
    pack = bureau_dir / "bureau-2024"
    r = cli("rules", "show", "scorecard-grade", "--rules", pack)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("规则 scorecard-grade — 未评定等级或等级与得分不符")
    assert "继承 (extends) hunan-2024 → national" in out and "严重程度 (severity): 错误 (error)" in out
    assert f"← {pack / 'pack.yaml'}:12" in out  # the overridden bands name the bureau's line
    assert "依据 (basis):" in out and "财预〔2020〕10号" in out
    assert not out.lstrip().startswith("{")
    r = cli("rules", "show", "scorecard-grade", "--rules", pack, "--format", "json")
    data = json.loads(r.stdout)
    assert data["rule"]["params"]["bands"][0]["min"] == 85


def test_rules_explain_renders_the_docstring_as_text_chinese_first(cli) -> None:
    r = cli("rules", "explain", "scorecard-grade")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("规则 scorecard-grade（错误 error）— 未评定等级或等级与得分不符")
    assert "检查类型 scorecard.grade — 评价等级" in out
    assert "检查内容 (What it checks)" in out and "参数 (Parameters)" in out
    assert "`" not in out  # no reStructuredText literals
    assert "Bands come from bands unless" in out
    assert "prefer_printed_bands: boolean，默认 default true" in out


# ------------------------------------------------------------ 5. help
def _commands():
    import click

    from budgetlint.core.cli import main

    def walk(cmd, path):
        yield path, cmd
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                if sub.name == name:  # aliases (waivers validate) share their command
                    yield from walk(sub, (*path, name))

    return list(walk(main, ()))


def test_every_command_documents_every_option_and_gives_an_example() -> None:
    import click

    for path, cmd in _commands():
        assert cmd.help and ("Example" in cmd.help), f"budgetlint {' '.join(path)}: no example in --help"
        for p in cmd.params:
            if isinstance(p, click.Option):
                assert p.help, f"budgetlint {' '.join(path)} {p.opts[0]}: option without help"


ZH_COMMANDS = [("check",), ("parse",), ("rules",), ("rules", "list"), ("rules", "show"), ("rules", "explain"),
               ("rules", "validate"), ("rules", "diff"), ("rules", "test"), ("rules", "new"), ("waivers",),
               ("waivers", "check"), ("waivers", "validate")]


@pytest.fixture()
def english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "BUDGETLINT_LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.mark.parametrize("path", ZH_COMMANDS, ids=lambda p: "-".join(p))
def test_help_is_chinese_with_lang_zh(cli, english_locale: None, path: tuple[str, ...]) -> None:
    from budgetlint.core.clihelp import ZH

    r = cli(*path, "--help", "--lang", "zh")
    assert r.returncode == 0, r.stderr
    assert "用法:" in r.stdout and "示例" in r.stdout
    assert ZH[path][0].split("\n")[0] in r.stdout  # the Chinese description
    for flag, text in ZH[path][1].items():
        assert text.replace(" ", "")[:8] in r.stdout.replace("\n", "").replace(" ", ""), f"{flag} not in Chinese"
    # and in English without it
    r = cli(*path, "--help")
    assert "Usage:" in r.stdout and "用法" not in r.stdout


def test_help_follows_a_chinese_locale(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("BUDGETLINT_LANG", raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    r = cli("check", "--help")
    assert r.returncode == 0 and "按规则包检查文件和文件夹" in r.stdout and "问题说明、位置和未能评估原因的语言" in r.stdout
    r = cli("waivers", "--help")
    assert "校验豁免文件" in r.stdout


# ------------------------------------------------------------ 6. HTML
@pytest.fixture(scope="module")
def html_report(tmp_path_factory: pytest.TempPathFactory, cli) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("html")
    page = out / "报告.html"
    r = cli("check", SEED_004, SEED_002, "--format", "html", "-o", page)
    assert r.returncode == 1, r.stderr
    rj = cli("check", SEED_004, SEED_002, "--format", "json")
    return page.read_text(encoding="utf-8"), json.loads(rj.stdout)


def test_html_shows_findings_before_the_matrix(html_report: tuple[str, dict]) -> None:
    page, _ = html_report
    assert page.index('id="filters"') < page.index('class="finding') < page.index('id="matrix"')


def test_html_rule_filter_names_the_rules_in_chinese(html_report: tuple[str, dict]) -> None:
    import re

    page, report = html_report
    titles = {r["id"]: r["title"] for r in report["summary"]["matrix"]["rules"]}
    select = page[page.index('id="filter-rule"'):]
    select = select[:select.index("</select>")]
    options = {k: v for k, v in re.findall(r'<option value="([a-z0-9-]+)">([^<]*)</option>', select)}
    assert options and set(options) == {f["rule_id"] for f in report["findings"]}
    for rid, label in options.items():
        assert label == f"{titles[rid]}（{rid}）" if rid in titles else rid in label


def test_html_matrix_gives_the_reasons_for_not_evaluated(html_report: tuple[str, dict]) -> None:
    import html as htmllib

    page, report = html_report
    cells = report["summary"]["matrix"]["cells"]
    reasons = {r for by_doc in cells.values() for c in by_doc.values() if c["status"] == "not_evaluated"
               for r in c.get("reasons", [])}
    assert reasons
    matrix = htmllib.unescape(page[page.index('id="matrix"'):])
    for reason in reasons:
        assert reason in matrix, reason


def test_html_has_a_per_document_summary_with_the_gate(html_report: tuple[str, dict], cli, tmp_path: Path) -> None:
    import re

    page, report = html_report
    summaries = re.findall(r'<p class="doc-summary">(.*?)</p>', page, re.S)
    assert len(summaries) == 2
    for block, doc in zip(summaries, report["documents"]):
        fs = [f for f in report["findings"] if f["source"] == doc["path"] and not f.get("related_to")
              and not f.get("waived")]
        errors = sum(f["severity"] == "error" for f in fs)
        warnings = sum(f["severity"] == "warning" for f in fs)
        assert f"错误 {errors}<" in block and f"警告 {warnings}<" in block
        assert ("不通过" in block) == (errors > 0)
    # the table of documents has the gate too; a gate that never fails passes every document
    page2 = tmp_path / "never.html"
    cli("check", SEED_004, "--format", "html", "-o", page2, "--fail-on", "never")
    text = page2.read_text(encoding="utf-8")
    assert 'class="gate gate-pass"' in text and 'class="gate gate-fail"' not in text
