"""Malformed inputs from real samples, and the one rule for judging what
budgetlint did with them.

Shared by the property tests (tests/test_fuzz.py, run by ``make test``) and
the longer campaign (scripts/fuzz_campaign.py).  Every input must end in one
of three clean outcomes — read, a one-line error, or over budget — never a
traceback, a hang or an internal error.
"""
from __future__ import annotations

import io
import json
import re
import random
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: outcome names, in report order
OUTCOMES = ("read", "one-line error", "over budget", "internal error", "traceback")


def flip_bytes(data: bytes, rng: random.Random, n: int = 3) -> bytes:
    b = bytearray(data)
    for _ in range(n):
        if b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(max(1, len(data)))]


def splice(data: bytes, rng: random.Random, pieces: list[bytes]) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(pieces) * rng.randint(1, 2000) + data[at:]


HOSTILE_PIECES = [b"\x1b]0;t\x07", "\u202e".encode(), b"|", b"\t", b"<p ", b"[bookmark:", b"9" * 50, b"\xff\xfe",
                  b"\x00", b"1e308", "万元".encode(), "增长".encode() + b"1.", b"#"]


def mutate_zip(data: bytes, rng: random.Random) -> bytes:
    """Damage one member of an Office container: flip bytes inside it, drop
    it, or replace it with hostile XML (entities, deep nesting, huge spans)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    infos = src.infolist()
    victim = rng.choice(infos).filename
    action = rng.choice(["flip", "drop", "xml", "deep"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            body = src.read(info)
            if info.filename == victim:
                if action == "drop":
                    continue
                if action == "flip":
                    body = flip_bytes(body, rng, 5)
                elif action == "xml":
                    body = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">'
                            b'<!ENTITY c SYSTEM "file:///etc/passwd">]><x>&b;&c;</x>')
                else:
                    body = b"<a>" * 5000 + b"</a>" * 5000
            dst.writestr(info.filename, body)
    return out.getvalue()


def mutants(seed_bytes: bytes, suffix: str, rng: random.Random) -> bytes:
    """One malformed variant of ``seed_bytes`` for its format."""
    if suffix in (".docx", ".xlsx") and rng.random() < 0.5:
        try:
            return mutate_zip(seed_bytes, rng)
        except (zipfile.BadZipFile, ValueError):
            pass
    kind = rng.choice(["flip", "truncate", "splice"])
    if kind == "flip":
        return flip_bytes(seed_bytes, rng, rng.randint(1, 8))
    if kind == "truncate":
        return truncate(seed_bytes, rng)
    return splice(seed_bytes, rng, HOSTILE_PIECES)


def classify(result: dict[str, Any] | BaseException) -> str:
    """Judge one outcome of :func:`budgetlint.core.batch.check_path`."""
    if isinstance(result, BaseException):
        return "traceback"
    if "fatal" in result:
        return "internal error"
    doc = result.get("document", {})
    if doc.get("status") != "error":
        reasons = [r for e in result.get("evaluations", []) for r in e.get("reasons", [])]
        return "internal error" if any("internal error" in r for r in reasons) else "read"
    error = str(doc.get("error", ""))
    if "internal error" in error:
        return "internal error"
    if "\n" in error.strip() or not error.strip():
        return "traceback"
    return "over budget" if "超出处理限制" in error else "one-line error"


def run_one(check: Callable[[str], dict[str, Any]], path: Path) -> str:
    try:
        return classify(check(str(path)))
    except Exception as exc:  # noqa: BLE001 - that is what is being measured
        return classify(exc)


# ------------------------------------------------------------------ attack families
# Each generator builds one hostile input of a class the issue-16 campaign
# found (unbounded spans, far cells, lying zip members, long lines, damaged
# encodings, hostile rule packs …) with random parameters, so the campaign
# explores around each class instead of replaying one file.

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
LONG_LINE_PIECES = ["<p ", "9", "|", "[bookmark:", "#", "（", "1.", "、", "\t", "  ", "万元", "<td>", "**", "- ",
                    "增长", "%", "第", "一、", "0.00 "]


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


def docx_bytes(body: str, numbering: str | None = None) -> bytes:
    """A minimal DOCX: ``body`` is WordprocessingML inside ``<w:body>``."""
    members = {"[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                                      b'package/2006/content-types"/>',
               "word/document.xml": f'<?xml version="1.0"?><w:document xmlns:w="{W_NS}"><w:body>{body}'
                                    '</w:body></w:document>'.encode()}
    if numbering:
        members["word/numbering.xml"] = (f'<?xml version="1.0"?><w:numbering xmlns:w="{W_NS}">{numbering}'
                                         '</w:numbering>').encode()
    return _zip(members)


def docx_para(text: str, num: bool = False) -> str:
    """A WordprocessingML paragraph, numbered by list 1 when ``num``."""
    ppr = '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>' if num else ""
    return f"<w:p>{ppr}<w:r><w:t>{text}</w:t></w:r></w:p>"


def attack_encoding(rng: random.Random, text: str) -> tuple[str, bytes]:
    """The report re-encoded, cut or mixed: GB18030, UTF-16 with and without
    BOM and with an odd byte count, UTF-8 with stray bytes, two encodings
    in one file."""
    kind = rng.choice(["gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "mixed", "stray", "odd"])
    if kind == "mixed":
        cut = rng.randrange(len(text))
        data = text[:cut].encode("utf-8") + text[cut:].encode("gb18030")
    elif kind == "stray":
        data = flip_bytes(text.encode("utf-8"), rng, rng.randint(1, 40))
    elif kind == "odd":
        data = text.encode(rng.choice(["utf-16", "utf-16-le"]))[:-1] + b"A"
    else:
        data = text.encode(kind)
        if rng.random() < 0.3:
            data = flip_bytes(data, rng, rng.randint(1, 10))
    return rng.choice([".txt", ".md"]), data


def attack_long_line(rng: random.Random, text: str) -> tuple[str, bytes]:
    """One line of up to 3 MB of a piece that a backtracking regex chokes on,
    inside a real report (text, Markdown or HTML)."""
    piece = rng.choice(LONG_LINE_PIECES)
    line = piece * (rng.randint(1000, 3_000_000) // len(piece))
    lines = text.splitlines()
    at = rng.randrange(len(lines) + 1)
    body = "\n".join(lines[:at] + [line] + lines[at:])
    suffix = rng.choice([".txt", ".md", ".html"])
    if suffix == ".html":
        body = "<html><body>" + "".join(f"<p>{ln}</p>" for ln in body.splitlines()) + "</body></html>"
    return suffix, body.encode("utf-8")


def attack_html(rng: random.Random, text: str) -> tuple[str, bytes]:
    """Tables with huge or negative spans, deep nesting, many cells, odd charsets."""
    kind = rng.choice(["spans", "nest", "wide", "charset"])
    if kind == "spans":
        span = rng.choice(["1000", "65534", "999999999999", "-5", "0", "1e9", "x"])
        rows = "".join("<tr>" + f'<td rowspan="{span}" colspan="{rng.choice([span, "1000", "3"])}">1.00</td>'
                       * rng.randint(1, 6) + "</tr>" for _ in range(rng.randint(1, 400)))
        body = f"<table><tr><td>项目</td><td>金额</td></tr>{rows}</table>"
    elif kind == "nest":
        depth = rng.randint(100, 5000)
        body = "<table><tr><td>" * depth + "收入合计 1.00" + "</td></tr></table>" * depth
    elif kind == "wide":
        body = "<table>" + ("<tr>" + "<td>1.00</td>" * rng.randint(100, 3000) + "</tr>") * rng.randint(1, 50) + "</table>"
    else:
        body = "<p>" + "</p><p>".join(text.splitlines()[:200]) + "</p>"
        charset = rng.choice(["base64", "zlib", "rot13", "utf-7", "utf-16", "no-such", "gbk", "\x00"])
        return ".html", (f'<html><head><meta charset="{charset}"></head><body>{body}</body></html>').encode("utf-8")
    return ".html", f"<html><body><p>2020年度部门决算</p>{body}</body></html>".encode()


def attack_docx(rng: random.Random, text: str) -> tuple[str, bytes]:
    """Numbering with huge starts, huge gridSpans, deep XML, a big inflating body."""
    kind = rng.choice(["numbering", "gridspan", "deep", "bulk"])
    if kind == "numbering":
        start = rng.choice(["1000000000", "9" * rng.randint(10, 5000), "-7", "0", "x"])
        fmt = rng.choice(["lowerRoman", "upperRoman", "chineseCounting", "decimal", "upperLetter", "ideographTraditional"])
        numbering = (f'<w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="{start}"/>'
                     f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>'
                     '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>')
        return ".docx", docx_bytes(docx_para("收入决算情况", num=True) * rng.randint(1, 50), numbering)
    if kind == "gridspan":
        span = rng.choice(["1000000000000", "64", "100000", "-1", "abc"])
        cell = f'<w:tc><w:tcPr><w:gridSpan w:val="{span}"/><w:vMerge w:val="restart"/></w:tcPr>' + docx_para("合计") + "</w:tc>"
        plain = "<w:tc>" + docx_para("1.00") + "</w:tc>"
        rows = (f"<w:tr>{cell}{plain}</w:tr>" + f"<w:tr>{plain}{plain}</w:tr>") * rng.randint(1, 200)
        return ".docx", docx_bytes(f"<w:tbl>{rows}</w:tbl>")
    if kind == "deep":
        depth = rng.randint(1000, 20000)
        return ".docx", docx_bytes("<w:sdt><w:sdtContent>" * depth + docx_para("收入") + "</w:sdtContent></w:sdt>" * depth)
    paras = "".join(docx_para(line) for line in text.splitlines()[:300])
    return ".docx", docx_bytes(paras * rng.randint(1, 60))


#: a row holding one cell at Excel's last address (XFD1048576)
FAR_CELL_ROW = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far</t></is></c></row>'


def attack_xlsx(rng: random.Random, seed: bytes) -> tuple[str, bytes]:
    """A real workbook with one sheet damaged: whole-sheet merges, a far
    cell, huge or odd numbers, a formula with no saved value, a zip of a
    newer version."""
    src = zipfile.ZipFile(io.BytesIO(seed))
    sheets = [i.filename for i in src.infolist() if i.filename.startswith("xl/worksheets/sheet")]
    victim = rng.choice(sheets) if sheets else ""
    kind = rng.choice(["merge", "far", "number", "formula", "dimension"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == victim:
                if kind == "merge":
                    ref = rng.choice(["A1:XFD1048576", "C1:XFD1048576", "A1:A1048576", "B2:XFD2"])
                    merge = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode()
                    data = data.replace(b"</sheetData>", b"</sheetData>" + merge, 1) if b"<mergeCells" not in data \
                        else data.replace(b"<mergeCells", merge + b"<mergeCells", 1)
                elif kind == "far":
                    data = data.replace(b"</sheetData>", FAR_CELL_ROW + b"</sheetData>", 1)
                elif kind == "number":
                    num = rng.choice(["1e308", "1E+30", "-1e400", "nan", "inf", "9" * 5000, "0x10", "1,000"])
                    data = re.sub(rb"<v>[^<]*</v>", b"<v>" + num.encode() + b"</v>", data, count=1)
                elif kind == "formula":
                    data = re.sub(rb"<v>[^<]*</v>", b"<f>SUM(A1:A9)</f>", data, count=1)
                else:
                    data = data.replace(b'<dimension ref="', b'<dimension ref="A1:XFD1048576" x="', 1)
            dst.writestr(info, data)
    blob = bytearray(out.getvalue())
    if rng.random() < 0.1:  # "version needed to extract" 7.2 in every header
        for sig in (b"PK\x03\x04", b"PK\x01\x02"):
            at = blob.find(sig)
            while at >= 0:
                blob[at + (4 if sig == b"PK\x03\x04" else 6):at + (6 if sig == b"PK\x03\x04" else 8)] = (72).to_bytes(2, "little")
                at = blob.find(sig, at + 4)
    return ".xlsx", bytes(blob)


def attack_zip(rng: random.Random, seed: bytes, suffix: str) -> tuple[str, bytes]:
    """Container attacks: a member that lies about its size, a highly
    compressible member just under or over the limits, thousands of members."""
    src = zipfile.ZipFile(io.BytesIO(seed))
    members = {i.filename: src.read(i) for i in src.infolist()}
    main = "word/document.xml" if suffix == ".docx" else next((n for n in members if n.startswith("xl/worksheets/")), "")
    kind = rng.choice(["lie", "bulk", "many"])
    if kind == "many":
        for k in range(rng.randint(1000, 20000)):
            members[f"customXml/item{k}.xml"] = b"<a/>"
        return suffix, _zip(members)
    if kind == "bulk":
        members["docProps/padding.xml"] = b"<a>" + b" " * rng.randint(1, 300) * 1024 * 1024 + b"</a>"
        return suffix, _zip(members)
    blob = _zip(members)
    return suffix, lie_about_size(blob, main, rng.choice([100, 0, 2**32 - 1])) if main else blob


def lie_about_size(blob: bytes, member: str, size: int) -> bytes:
    """The zip ``blob`` with ``member``'s declared uncompressed size (local
    header and central directory) replaced by ``size``; its stream still
    inflates to the real length."""
    declared = zipfile.ZipFile(io.BytesIO(blob)).getinfo(member).file_size.to_bytes(4, "little")
    raw = bytearray(blob)
    at, patched = raw.find(declared), 0
    while at >= 0 and patched < 4:
        raw[at:at + 4] = size.to_bytes(4, "little")
        patched += 1
        at = raw.find(declared, at + 4)
    return bytes(raw)


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal PDF: one text line per string, Helvetica, on each page."""
    objs: list[bytes] = [b"", b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        ops = ["BT /F1 10 Tf 40 800 Td 12 TL"] + ["(" + ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                                                 + ") '" for ln in lines] + ["ET"]
        stream = "\n".join(ops).encode("latin-1", "replace")
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
                    b"/Contents %d 0 R >>" % (len(objs) - 1))
        kids.append(len(objs) - 1)
    objs[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs[1:], start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % len(objs) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs), xref)
    return bytes(out)


def attack_pdf(rng: random.Random, seed: bytes) -> tuple[str, bytes]:
    """Damaged real PDFs (cut streams, broken xref) and generated ones with
    many pages or one page of up to 100,000 characters."""
    kind = rng.choice(["xref", "cut", "dense", "pages"])
    if kind == "xref":
        at = seed.rfind(b"startxref")
        return ".pdf", seed[:at] + b"startxref\n" + str(rng.randrange(len(seed) * 2)).encode() + b"\n%%EOF\n"
    if kind == "cut":
        data = bytearray(seed)
        for _ in range(rng.randint(1, 20)):
            at = data.find(b"stream", rng.randrange(len(data)))
            if at >= 0:
                data[at + 7:at + 7 + rng.randint(1, 200)] = b""
        return ".pdf", bytes(data)
    if kind == "dense":
        width = rng.choice([100, 1000, 10000])
        return ".pdf", pdf_bytes([["1.00 " * (width // 5)] * (rng.randint(10, 100_000) // width or 1)])
    return ".pdf", pdf_bytes([[f"Page {p} 1.00 2.00 3.00"] * rng.randint(1, 40) for p in range(rng.randint(50, 800))])


# ------------------------------------------------------------------ hostile rule packs
PACK_PIECES = [
    "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n",
    "x: " + "[" * 5000 + "]" * 5000 + "\n",
    "extends: /dev/zero\n", "extends: /etc/passwd\n", "rule_files: ['/etc/*']\n", "rule_files: ['../../*']\n",
    "rule_files: ['**/*']\n", "name: ''\n", "rules: []\n", "rules: 7\n", "!!python/object/apply:os.system [ls]\n",
]


def hostile_rule(rng: random.Random) -> str:
    """One rule whose expression, message, years or check is hostile."""
    expression = rng.choice([
        "(" * rng.randint(50, 1000) + "1" + ")" * rng.randint(50, 1000) + " >= 0",
        "-" * rng.randint(50, 2000) + "1 >= 0",
        "收入支出决算总表.收入.总计.金额 / 0 >= 0",
        "收入支出决算总表.收入.总计.金额 / (收入支出决算总表.收入.总计.金额 - 收入支出决算总表.收入.总计.金额) >= 0",
        "sum(" + "*" * rng.randint(1, 200) + "a" * rng.randint(1, 50) + "*) >= 0",
        "10 ** 10 ** 10 >= 0", "1e999999 >= 0", "收入支出决算总表.收入.总计.金额 >= ", "",
    ])
    message = rng.choice(["{expected:>1000000000}", "{expected.__class__.__mro__}", "{0}", "{", "合计 {actual}",
                          "{expected!r}", "%s%s%s"])
    years = rng.choice(["['1-999999999999']", "['2020-2019']", "[-1]", "['x']", "[2020]", "'2020'"])
    check = rng.choice(["formula", "formula", "no-such-check", "fa.row_sum", ""])
    return (f"  - id: r{rng.randrange(10**6)}\n    check: {check}\n    severity: error\n"
            f"    basis: [{{document: test}}]\n    applies_to: {{years: {years}}}\n"
            f"    params: {{expression: {json.dumps(expression, ensure_ascii=False)}}}\n"
            f"    message: {{zh: {json.dumps(message, ensure_ascii=False)}}}\n")


def hostile_pack(rng: random.Random, rule_sources: list[bytes]) -> dict[str, bytes]:
    """Files of a pack folder (name → bytes): a pack.yaml and a rule file,
    one of them hostile (pieces above, a mutated real rule, or a hostile rule)."""
    kind = rng.choice(["piece", "mutant", "rule", "rule"])
    files = {"pack.yaml": b"name: fuzz\nextends: national\n"}
    if kind == "piece":
        where = rng.choice(["pack.yaml", "fuzzed-rule.yaml"])
        piece = rng.choice(PACK_PIECES).encode()
        files[where] = (files.get(where, b"") + piece) if rng.random() < 0.5 else piece
    elif kind == "mutant":
        files["fuzzed-rule.yaml"] = mutants(rng.choice(rule_sources), ".yaml", rng)
    else:
        files["pack.yaml"] = ("name: fuzz\nrules:\n" + "".join(hostile_rule(rng) for _ in range(rng.randint(1, 3))))\
            .encode()
    return files
