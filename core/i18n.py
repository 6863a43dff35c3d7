"""Words a clerk reads: not-evaluated reasons in the report's language and
internal names (``说明.机关运行经费支出.amount``, ``本年支出.合计``) shown as
a person names them.

Checks write their reasons once, in plain English with the Chinese terms of
the form (``"table(s) not found: 收入决算表"``); :func:`localize_reason`
gives the Chinese wording for ``--lang zh`` from the catalogue below, and
drops Chinese glosses for ``--lang en``.  A check whose reason is not in the
catalogue can pass its own Chinese wording: ``ctx.not_evaluated(reason,
zh="…")``.  tests/test_clerk_words.py fails on any reason that stays English
in a Chinese report of the samples and real documents.
"""
from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["display_name", "humanize_names", "localize_reason"]

_SUFFIX = {"amount": ("金额", "amount"), "count": ("数量", "count"), "rate": ("比率", "rate")}
_ROOTS = {"说明": ("情况说明", "narrative"), "三公": ("“三公”经费表", "三公 table")}

# a dotted name: two or more segments, the first not a bare number (“1.本表…” in quoted text is not a name)
# a name starts where a run of its characters starts (not after “（”): the same
# matches, and one attempt per run instead of one per character (a line of
# 2 MB of “（（（…” took minutes)
_NAME = re.compile(r"(?<![\w.（）()“”])(?!\d+\.)[\w（）()“”]+(?:\.[\w（）()“”]+)+(?![\w.])")
_CJK = re.compile(r"[\u3400-\u9fff]")
_NUMBER = re.compile(r"^[\d.]+$")
_DECIMAL = re.compile(r"\d\.\d")
_ENUMERATED = re.compile(r"^[“”（）()]*\d+\.")  # “1.本表…” is a numbered list item, not a name
_FILE_NAME = re.compile(r"\.(?:pdf|docx?|xlsx?|html?|txt|md|json|ya?ml)$", re.I)  # 2023.pdf names a file


def display_name(name: str, lang: str = "zh") -> str:
    """``说明.机关运行经费支出.amount`` → ``情况说明“机关运行经费支出”金额``;
    ``收入支出决算总表.收入.总计.金额`` → ``收入支出决算总表 · 收入 · 总计 · 金额``."""
    segs = name.split(".")
    i = 0 if lang == "zh" else 1
    if len(segs) >= 2 and segs[-1] in _SUFFIX:
        head = segs[:-1]
        root = _ROOTS.get(head[0], (head[0], head[0]))[i] if head[0] in _ROOTS else None
        subject = " · ".join(head[1:] if root else head)
        kind = _SUFFIX[segs[-1]][i]
        if lang == "zh":
            return f"{root or ''}“{subject}”{kind}"
        return f"{kind} of “{subject}”" + (f" in the {root}" if root else "")
    if segs[0] in _ROOTS:
        segs = [_ROOTS[segs[0]][i], *segs[1:]]
    return " · ".join(segs)


def humanize_names(text: str, lang: str = "zh") -> str:
    """Replace every dotted internal name in ``text`` by :func:`display_name`
    (decimals and numbered list items are left alone)."""

    def sub(m: re.Match[str]) -> str:
        token = m.group(0)
        if _NUMBER.match(token) or _DECIMAL.search(token) or _ENUMERATED.match(token) or _FILE_NAME.search(token) \
                or not (_CJK.search(token) or token.rsplit(".", 1)[-1] in _SUFFIX):
            return token  # a decimal number inside quoted text (“增加12.00万元”) is not a name
        return display_name(token, lang)

    return _NAME.sub(sub, text)


def _names(text: str, lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    return sep.join(display_name(n.strip(), lang) for n in re.split(r"、|,\s*", text) if n.strip())


Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str], Callable[[re.Match[str]], str]]


def _r(pattern: str, zh: str | Callable[[re.Match[str]], str],
       en: str | Callable[[re.Match[str]], str] | None = None) -> Rule:
    def fmt(t: str | Callable[[re.Match[str]], str] | None, lang: str) -> Callable[[re.Match[str]], str]:
        if callable(t):
            return t
        if t is None:
            return lambda m: humanize_names(m.group(0), lang)
        return lambda m: t.format(*[humanize_names(g or "", lang) for g in m.groups()])

    return re.compile(pattern + r"$"), fmt(zh, "zh"), fmt(en, "en")


_RELATION_EN = {"上年决算": "last year's final accounts", "上年预算": "last year's budget",
                "本年预算": "this year's budget", "本年决算": "this year's final accounts"}
_WHERE_EN = {"存储库": "the store", "证据文件": "the evidence files", "证据文件或存储库": "the evidence files or the store"}

CATALOGUE: list[Rule] = [
    _r(r"nothing to evaluate in this part.*", "规则在本部分未找到可检查的内容", "nothing to evaluate in this part"),
    _r(r"no 部门决算 tables recognized in this part", "本部分未识别出部门决算表"),
    _r(r"no tables recognized in this part", "本部分未识别出表格"),
    _r(r"the part's fiscal year is unknown", "本部分的年度未识别"),
    _r(r"table\(s\) not found or empty: (.+)", "未找到以下表或表为空：{}"),
    _r(r"table\(s\) not found: (.+)", "未找到以下表：{}"),
    _r(r"named value\(s\) not found: (.+)", lambda m: "未找到以下数值：" + _names(m.group(1), "zh"),
       lambda m: "named value(s) not found: " + _names(m.group(1), "en")),
    _r(r"not found: (.+)", "未找到：{}"),
    _r(r"no table carries a code \(公开NN表 / 财决批复NN表\)", "没有表格印有表号（公开NN表／财决批复NN表）"),
    _r(r"no template given for code prefix (.+)", "规则包未给出表号前缀{}的模板"),
    _r(r"no 目录 entries naming the tables", "目录中没有列出表格的条目"),
    _r(r"no narrative statements: the statements recognizer did not run", "未提取情况说明中的陈述（陈述识别未运行）"),
    _r(r"部门决算 tables not recognised \(no final_accounts\): cannot compare the text with them",
       "未识别出部门决算表，无法将文字与表格核对", "final-accounts tables not recognised: cannot compare the text with them"),
    _r(r"no glossary: the statements recognizer did not run", "没有名词解释（陈述识别未运行）"),
    _r(r"no tables in this part to compare the glossary with", "本部分没有可与名词解释对照的表格"),
    _r(r"no 绩效自评表 table recognized in this part", "本部分未识别出绩效自评表"),
    _r(r"funds block without 执行率 or amounts", "资金情况栏没有执行率或金额"),
    _r(r"funds block without 执行率", "资金情况栏没有执行率"),
    _r(r"funds block without 分值, 得分 or 执行率", "资金情况栏没有分值、得分或执行率"),
    _r(r"the funds block is not scored on this form", "本表资金情况栏不计分"),
    _r(r"the funds block scores nothing", "资金情况栏不计分"),
    _r(r"no 年度指标值 could be compared with its 实际完成值 \((\d+) qualitative or unparseable target\(s\), e.g\. (.+)\)",
       "没有可与实际完成值比较的年度指标值（{}项为定性或无法解析的指标值，如“{}”）"),
    _r(r"the form has no 扣分标准 column", "本表没有扣分标准栏"),
    _r(r"no indicator states a numeric minimum target \(≥ N 篇/件/次\)", "没有指标给出数量下限目标（≥N篇/件/次）"),
    _r(r"no item scores", "没有指标得分"),
    _r(r"no total score to grade", "没有可据以评定等级的总得分"),
    _r(r"items of (.+) without 分值", "“{}”下的指标没有分值"),
    _r(r"the form prints no (一级|二级) weights", "本表未印{}指标分值"),
    _r(r"the pack sets no weight scheme for (.+) scorecards", "规则包未规定{}自评表的分值方案"),
    _r(r"no 一级 weights found", "未找到一级指标分值"),
    _r(r"items without 分值", "指标没有分值"),
    _r(r"invalid pattern (.+?): (.+)", "规则中的正则表达式{}无效：{}"),
    _r(r"internal error in check (\S+): (.+)", "检查{}出现内部错误：{}（请报告此问题）"),
    # store/related.py: a cross-document rule whose related document is absent
    _r(r"未找到(上年决算|上年预算|本年预算|本年决算)：(.+?) — (?:未指定 --store 或 --evidence.*|（未指定 --store 或 --evidence）)",
       "未找到{}：“{}”（未提供相关文件，请用“--store”或“--evidence”指定）",
       lambda m: f"no {_RELATION_EN[m.group(1)]} found: {m.group(2)} — give it with --store or --evidence"),
    _r(r"未找到(上年决算|上年预算|本年预算|本年决算)：(.+?) — (存储库|证据文件|证据文件或存储库)",
       "未找到{}：“{}”（已查{}）",
       lambda m: f"no {_RELATION_EN[m.group(1)]} found in {_WHERE_EN[m.group(3)]}: {m.group(2)}"),
    _r(r"no comparison with last year in the text", "文字中无与上年比较的表述"),
    _r(r"(\d+) “决算数…预算数” statement\(s\) without 预算数 and 决算数 before them: (.+)",
       lambda m: f"{m.group(1)} 处“决算数…预算数”表述前未找到年初预算与决算数：{_lines_zh(m.group(2))}"),
]


def _lines_zh(text: str) -> str:
    return "、".join(re.sub(r"^line (\d+)$", r"第\1行", x.strip()) for x in text.split(","))


def localize_reason(reason: str, lang: str = "zh", zh: str | None = None) -> str:
    """The reason a rule was not evaluated, in the report's language."""
    if lang == "zh" and zh:
        return zh
    for pattern, to_zh, to_en in CATALOGUE:
        m = pattern.match(reason)
        if m:
            return to_zh(m) if lang == "zh" else to_en(m)
    return humanize_names(reason, lang)
