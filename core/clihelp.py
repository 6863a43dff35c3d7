"""Chinese ``--help`` (issue 15): a clerk reads the options in Chinese with
``--lang zh`` on any command, or with a zh locale (``LANG``/``LC_ALL``/
``LC_MESSAGES`` = ``zh_*``; ``BUDGETLINT_LANG`` overrides them).

The English help stays in the decorators (it is what a developer greps);
this table gives the Chinese text per command path and option.  A command or
option missing here keeps its English help — add it here when you add one.
"""
from __future__ import annotations

import os
from typing import Any

EXAMPLES = "示例："

#: command path → (description, {option long flag: help})
ZH: dict[tuple[str, ...], tuple[str, dict[str, str]]] = {
    (): ("budgetlint — 预决算公开与绩效自评合规检查。\n\n"
         "各命令的中文帮助：加 --lang zh，或使用中文区域设置（LANG=zh_CN.UTF-8）。\n\n"
         "\b\n示例：\n  budgetlint check 报告目录/\n  budgetlint check --help --lang zh",
         {"--version": "显示版本并退出。",
          "--rules-path": "本局规则包所在文件夹（或一个规则包文件夹）；其中的规则包按 select: 的年度、地区"
                          "参与自动选择。可重复；也可用环境变量 BUDGETLINT_RULES_PATH（多个文件夹以 : 分隔）。",
          "--no-cache": "不读写规则包缓存（缓存目录见 BUDGETLINT_CACHE_DIR）。"}),
    ("parse",): ("把报告解析为规范的 JSON 文档（或便于阅读的提纲），或列出算式规则可用的名称。\n\n"
                 "\b\n示例：\n  budgetlint parse 报告.pdf --format text\n"
                 "  budgetlint parse 报告.pdf --names 三公        # 算式规则可用的名称、数值和位置",
                 {"--format": "json（默认）：规范文档；text：提纲。与 --names 一起用时，text（默认）每行一个名称，"
                              "json 为名称到数值的映射。",
                  "--no-recognize": "只输出读取器的结果，不做识别（表格、部分、说明等）。",
                  "--names": "列出算式（formula）规则可用的命名值（名称、数值、位置）；FILTER 只保留包含该文字的名称。"}),
    ("check",): ("按规则包检查文件和文件夹。\n\n"
                 "\b\n示例：\n  budgetlint check 报告目录/                    # 终端文字报告：先错误，后警告\n"
                 "  budgetlint check 报告目录/ --show-info        # 同时显示尾数差异提示\n"
                 "  budgetlint check 报告目录/ --format xlsx -o 结果.xlsx --waivers 豁免.yaml\n"
                 "  budgetlint check 省/ --max-seconds 60 --max-memory-mb 1024   # 收紧每个文件的处理限制",
                 {"--rules": "所有文件都用这个规则包（名称或路径）；默认按每个部分的年度、地区自动选择。",
                  "--format": "报告格式：text、json、jsonl、sarif、junit、html、xlsx（见 budgetlint formats）。",
                  "--fail-on": "出现该级别及以上的问题时退出码为 1（error、warning、info、never）。加 ,not-evaluated "
                               "（如 error,not-evaluated）时，适用的规则未能（全部）评估或文件被跳过也算失败。",
                  "--lang": "问题说明、位置和未能评估原因的语言。",
                  "--show-skipped": "列出未能评估的规则。",
                  "--show-info": "文字报告中也显示提示级问题（尾数差异）；它们总计入汇总行，并保留在 JSON/HTML/XLSX 中。",
                  "--output": "把报告写入文件（整体写入，不会留下半个文件）。",
                  "--jobs": "并行进程数（默认：CPU 核数）。",
                  "--waivers": "豁免文件（YAML），见 docs/waivers.md。",
                  "--baseline": "上一次的 JSON 报告：只显示新出现的问题。",
                  "--progress": "显示进度条（默认：标准错误输出是终端时显示）。",
                  "--cache": "内容、程序和规则包都未变的文件直接沿用上次的检查结果。",
                  "--executor": "local：本机多进程（--jobs）；dask：Dask 集群（需安装 budgetlint[dask]）。",
                  "--scheduler": "--executor dask 时的调度器地址（tcp://主机:8786）；默认在本机启动。",
                  "--store": "把文件、命名值和问题记入存储库，并从中取上年/本年的相关文件（SQLite 路径或 "
                             "postgresql:// 地址；不写值时用用户数据目录中的文件）。",
                  "--evidence": "跨文件规则使用的相关文件（上年预算/决算、本年预算），不写入存储库。可重复。",
                  "--compare-previous": "与 --store 一起用：列出与上一次检查相比新增、已修复、未变的问题。",
                  "--max-seconds": "每个文件的处理时间上限（秒，默认 600 或环境变量 BUDGETLINT_MAX_SECONDS）；"
                                   "超出的文件记一行错误“超出处理限制”，其余文件照常检查。",
                  "--max-memory-mb": "每个文件的内存上限（MiB，默认 3072 或环境变量 BUDGETLINT_MAX_MEMORY_MB），"
                                     "在工作进程中执行：给出此项时即使只有一个文件也在单独的工作进程中检查。",
                  "--rules-path": "本局规则包所在文件夹；其中的规则包按 select: 的年度、地区参与自动选择。可重复；"
                                  "也可用环境变量 BUDGETLINT_RULES_PATH。"}),
    ("history",): ("列出存储库中的文件、版本、检查次数和问题数。\n\n\b\n示例：\n"
                   "  budgetlint history 某某局 --year 2024 --store reviews.sqlite",
                   {"--year": "年度。", "--store": "存储库（默认：用户数据目录中的文件）。",
                    "--format": "text：每行一个文件版本；json：供脚本使用。"}),
    ("serve",): ("启动供经办人员使用的网页：上传报告、在页面上查看问题位置、豁免与整改、下载报告（需安装 budgetlint[web]）。\n\n\b\n示例：\n"
                 "  budgetlint serve\n  budgetlint serve --host 0.0.0.0 --token \"$TOKEN\" --store reviews.sqlite",
                 {"--host": "监听地址（默认仅本机）。", "--port": "网页端口。",
                  "--store": "同时把每次检查记入存储库（按部门、年度的历史）。",
                  "--rules": "所有文件使用的规则包（默认按各部分自动选择）。",
                  "--token": "每个请求都须带 'Authorization: Bearer T'（或经登录页）；也可用环境变量 BUDGETLINT_TOKEN。",
                  "--max-upload-mb": "单个文件大小上限（超过返回 413）。", "--max-pages": "可检查的 PDF 最大页数。",
                  "--data-dir": "上传文件、结果和豁免的保存位置（默认：用户数据目录）。"}),
    ("rules",): ("查看、校验、比较和测试规则包。\n\n\b\n示例：\n  budgetlint rules list --rules hunan-2024\n"
                 "  budgetlint rules validate bureau-2025/", {}),
    ("rules", "list"): ("列出规则包中的规则（含继承）。\n\n\b\n示例：\n"
                        "  budgetlint rules list --rules hunan-2020 | grep scorecard",
                        {"--rules": "规则包名称或路径（默认：基础规则包）。",
                         "--format": "text：每行一条规则；json：供脚本使用。",
                         "--all": "包括已停用的规则。"}),
    ("rules", "show"): ("显示继承后的一条规则，并标明每个取值来自哪个文件的哪一行。\n\n\b\n示例：\n"
                        "  budgetlint rules show scorecard-grade --rules hunan-2024\n"
                        "  budgetlint rules show scorecard-grade --format json",
                        {"--rules": "规则包名称或路径（默认：基础规则包）。",
                         "--format": "text：便于阅读，每个取值标明来源 文件:行；json：供脚本使用。",
                         "--lang": "文字视图的语言。"}),
    ("rules", "explain"): ("说明一个检查类型，或一条规则背后的检查类型（检查内容、为何重要、参数、示例）。\n\n"
                           "\b\n示例：\n  budgetlint rules explain scorecard-grade\n"
                           "  budgetlint rules explain formula\n  budgetlint rules explain --list-checks",
                           {"--rules": "在哪个规则包中查找规则 id（默认：基础规则包）。",
                            "--list-checks": "列出已注册的检查类型。",
                            "--lang": "标题的语言（检查类型的说明文字按作者所写）。"}),
    ("rules", "validate"): ("校验规则包：结构、extends、overrides、检查类型、参数、算式中的名称；一次列出全部错误，"
                            "并提示无效的覆盖和与参数矛盾的依据。\n\n\b\n示例：\n"
                            "  budgetlint rules validate bureau-2025/pack.yaml", {}),
    ("rules", "diff"): ("比较两个规则包：新增、删除、修改的规则和参数；并提示 PACK_B 中无效的覆盖和与参数矛盾的依据。"
                        "\n\n\b\n示例：\n  budgetlint rules diff hunan-2024 bureau-2025/",
                        {"--format": "text：每行一处变化；json：供脚本使用。"}),
    ("rules", "test"): ("运行规则包的 YAML 用例（默认：全部内置规则包）；给出规则文件或其 .test.yaml 文件时只运行这一条规则的用例。"
                        "\n\n\b\n示例：\n"
                        "  budgetlint rules test bureau-2025/ --coverage\n"
                        "  budgetlint rules test bureau-2025/sangong-total.test.yaml   # 只运行一条规则的用例",
                        {"--coverage": "规则缺少触发/不触发用例或缺少依据时也算失败。"}),
    ("rules", "new"): ("生成一条规则及其用例文件（一个触发、一个不触发的示例）。\n\n\b\n示例：\n"
                       "  budgetlint rules new sangong-within-budget --check formula --pack bureau-2025",
                       {"--check": "规则使用的检查类型（见 budgetlint rules explain --list-checks）。",
                        "--pack": "写入的规则包文件夹（不存在时连同 pack.yaml 一起创建）。",
                        "--extends": "新建 pack.yaml 时继承的规则包。"}),
    ("waivers",): ("校验豁免文件（已接受的问题，写明理由、批准人、到期日）。\n\n\b\n示例：\n"
                   "  budgetlint waivers validate 豁免.yaml", {}),
    ("waivers", "check"): ("校验豁免文件：每个问题一行 文件:行，有问题时退出码为 2。\n\n\b\n示例（见 docs/waivers.md）：\n"
                           "  budgetlint waivers validate 豁免.yaml",
                           {"--rules": "同时按该规则包核对规则 id（默认：全部内置规则包）。"}),
    ("formats",): ("列出可读取的文件格式和报告格式。\n\n\b\n示例：\n  budgetlint formats", {}),
}
ZH[("waivers", "validate")] = ZH[("waivers", "check")]
_RULES_PATH_ZH = ZH[()][1]["--rules-path"]


def help_language() -> str:
    """``zh`` under a Chinese locale or ``BUDGETLINT_LANG=zh``, else ``en``."""
    explicit = os.environ.get("BUDGETLINT_LANG", "")
    if explicit:
        return "zh" if explicit.lower().startswith("zh") else "en"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def strip_lang(argv: list[str]) -> tuple[list[str], str | None]:
    """Take ``--lang zh``/``--lang=zh`` out of a ``--help`` command line (every
    command accepts it for help, even one without a ``--lang`` option)."""
    out: list[str] = []
    asked: str | None = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--lang" and i + 1 < len(argv):
            asked = argv[i + 1]
            i += 2
            continue
        if a.startswith("--lang="):
            asked = a.split("=", 1)[1]
            i += 1
            continue
        out.append(a)
        i += 1
    return out, (None if asked is None else ("zh" if asked.lower().startswith("zh") else "en"))


def apply_help_language(root: Any, lang: str) -> None:
    """Replace the help texts of ``root``'s command tree by the Chinese ones."""
    if lang != "zh":
        return
    import click

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        entry = ZH.get(path)
        if entry:
            cmd.help = entry[0]
            cmd.short_help = entry[0].split("\n", 1)[0].rstrip("。")
        for p in cmd.params:
            if isinstance(p, click.Option):
                flag = next((o for o in p.opts if o.startswith("--")), p.opts[0])
                text = (entry[1].get(flag) if entry else None) or (_RULES_PATH_ZH if flag == "--rules-path" else None)
                if text:
                    p.help = text
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, (*path, name))

    walk(root, ())
    _translate_click_words()


#: click's own words in a help page (it asks gettext, which has no Chinese catalogue here)
CLICK_ZH = {"Usage:": "用法:", "Options": "选项", "Commands": "命令", "Show this message and exit.": "显示本帮助并退出。",
            "default: {default}": "默认：{default}", "Show the version and exit.": "显示版本并退出。",
            "Positional arguments": "参数"}


def _translate_click_words() -> None:
    """Point click's ``_`` (gettext) at :data:`CLICK_ZH` for this process:
    only a help page is printed after this, then the process exits."""
    import click.core
    import click.decorators
    import click.formatting

    def zh(text: str) -> str:
        return CLICK_ZH.get(text, text)

    for module in (click.core, click.formatting, click.decorators):
        if hasattr(module, "_"):
            module._ = zh  # type: ignore[attr-defined]
