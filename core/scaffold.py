"""``budgetlint rules new``: write a rule stub and its cases file.

The stub lists the check's parameters with their documentation as comments,
so a rule author fills in policy without reading Python."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from budgetlint.core.checks import doc_sections
from budgetlint.core.errors import UsageError
from budgetlint.core.plugins import Registry
from budgetlint.core.rulepack import PACK_FILE, TEST_SUFFIX

_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


def _param_docs(cls: type) -> dict[str, str]:
    text = doc_sections(cls).get("Parameters", "")
    docs: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^\s*`{0,2}([A-Za-z_][A-Za-z0-9_]*)`{0,2}\s*[:：]\s*(.*)$", line)
        if m:
            current = m.group(1)
            docs[current] = m.group(2).strip()
        elif current and line.strip():
            docs[current] += " " + line.strip()
    return docs


def _example_value(schema: dict[str, Any]) -> str:
    if "default" in schema:
        import json

        return json.dumps(schema["default"], ensure_ascii=False)
    t = schema.get("type")
    if "enum" in schema:
        return str(schema["enum"][0])
    return {"string": '""', "number": "0", "integer": "0", "boolean": "false", "array": "[]",
            "object": "{}"}.get(t if isinstance(t, str) else "", "null")


def scaffold_rule(registry: Registry, rule_id: str, check_id: str, pack_dir: Path,
                  extends: str = "default") -> list[Path]:
    if not _ID.match(rule_id):
        raise UsageError(f"invalid rule id {rule_id!r}", culprit=rule_id,
                         fix="use lower-case words joined by '-', e.g. sangong-not-above-last-year")
    cls = registry.checks.get(check_id)
    if cls is None:
        import difflib

        close = difflib.get_close_matches(check_id, list(registry.checks), n=1)
        raise UsageError(f"unknown check type {check_id!r}", culprit="--check",
                         fix=(f"did you mean {close[0]!r}? " if close else "") +
                         "see `budgetlint rules explain --list-checks`")
    pack_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    pack_file = pack_dir / PACK_FILE
    if not pack_file.exists():
        name = re.sub(r"[^a-z0-9._-]+", "-", pack_dir.resolve().name.lower()).strip("-") or "my-pack"
        pack_file.write_text(f"name: {name}\nextends: {extends}\n", encoding="utf-8")
        written.append(pack_file)
    rule_file = pack_dir / f"{rule_id}.yaml"
    cases_file = pack_dir / f"{rule_id}{TEST_SUFFIX}"
    for p in (rule_file, cases_file):
        if p.exists():
            raise UsageError("file exists already", culprit=str(p), fix="choose another rule id or edit the file")
    docs = _param_docs(cls)
    props = cls.params_schema.get("properties", {})
    required = set(cls.params_schema.get("required", []))
    lines = [f"id: {rule_id}", f"check: {check_id}", "title: TODO 规则标题", "severity: error",
             "description: >-", "  TODO 说明这条规则检查什么、为什么。", "params:"]
    for key, sub in props.items():
        doc = docs.get(key, "")
        lines.append(f"  # {key}{' (required)' if key in required else ''}: {doc}")
        lines.append(f"  {key}: {_example_value(sub)}" if key in required else f"  # {key}: {_example_value(sub)}")
    if not props:
        lines[-1] = "params: {}"
    lines += ["basis:", "  - document: TODO 《文件名称》", "    number: TODO 文号", "    article: TODO 条款",
              "message:", '  zh: "TODO 中文提示：应为{expected}，实为{actual}"',
              '  en: "TODO English message: expected {expected}, found {actual}"', ""]
    rule_file.write_text("\n".join(lines), encoding="utf-8")
    cases = [f"rule: {rule_id}", "cases:", "  - name: fires-on-a-real-problem", "    input:", "      text: |",
             "        TODO 粘贴一段会触发本规则的最小文本（表格可用 Markdown 管道表）", "    expect:", "      fires: 1",
             "  - name: silent-on-a-correct-document", "    input:", "      text: |",
             "        TODO 粘贴一段正确、不应触发本规则的文本", "    expect:", "      fires: 0", ""]
    cases_file.write_text("\n".join(cases), encoding="utf-8")
    written += [rule_file, cases_file]
    return written
