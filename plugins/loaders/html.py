"""HTML loader for reports published as web pages.

Government sites wrap the report in layout tables (a frame with a menu in
one cell and the article in another), so a ``<table>`` is not necessarily a
data table.  We treat as data tables only the innermost tables with at least
two rows and two columns holding text; a table whose cells contain tables is
layout and we walk into its cells as if they were ``<div>`` s.

Encoding: many of these pages declare ``gb2312`` but contain characters
outside GB2312 (``≧``, rare names).  Browsers decode such pages as GBK/GB18030;
lxml honours the label literally and silently truncates the page at the first
such character.  We therefore decode the bytes ourselves (BOM, then the
declared charset with gb2312/gbk promoted to GB18030) and hand lxml a string.
"""
from __future__ import annotations

import re
from typing import Any

from budgetlint.core.document import DocumentBuilder, make_cell, make_loc, new_document, parse_numbering
from budgetlint.core.errors import InputError

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "csgb2312",
              "gb_2312-80", "x-euc-cn", "hz-gb-2312"}
_SKIP = {"script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "object",
         "embed", "svg", "math", "button", "select", "input", "textarea", "option"}
_BLOCK = {"div", "p", "table", "ul", "ol", "li", "section", "article", "header", "footer", "main", "nav",
          "aside", "center", "form", "blockquote", "pre", "dl", "dt", "dd", "hr", "address", "figure",
          "figcaption", "body", "html", "tbody", "thead", "tfoot", "tr", "td", "th", "fieldset", "caption",
          "h1", "h2", "h3", "h4", "h5", "h6"}
_HEADING = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_MAX_SPAN = 1000


def decode_html(data: bytes, path: str) -> tuple[str, str]:
    """Decode a page: BOM, declared charset (gb2312/gbk read as GB18030),
    then UTF-8, then GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"
    head = data[:4096]
    if b"\x00" in head:
        raise InputError("binary content, not an HTML page", culprit=path,
                         fix="give the page as saved by the browser (.html) or the original document")
    m = _XML_DECL.search(head) or _CHARSET.search(head)
    label = m.group(1).decode("ascii", "replace").lower() if m else None
    if label in _GB_FAMILY:
        return data.decode("gb18030", errors="replace"), "gb18030"
    if label:
        import codecs

        try:
            info = codecs.lookup(label)
        except LookupError:
            label = None
        else:
            # charset="base64"/"zlib"/"rot13" name bytes-to-bytes codecs, not text encodings
            if getattr(info, "_is_text_encoding", True) and not label.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
                try:
                    return data.decode(label), label
                except (UnicodeDecodeError, LookupError, ValueError):
                    pass  # mislabelled page: fall through to detection
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace"), "gb18030"


def _inline_text(el: Any) -> str:
    """Text of an element with ``<br>`` and block children as line breaks."""
    parts: list[str] = []

    def walk(e: Any) -> None:
        tag = e.tag if isinstance(e.tag, str) else ""
        if tag in _SKIP:
            if e.tail:
                parts.append(e.tail)
            return
        if tag == "br":
            parts.append("\n")
        elif tag in _BLOCK and e is not el:
            parts.append("\n")
        if e.text and tag:
            parts.append(e.text)
        for child in e:
            walk(child)
        if tag in _BLOCK and e is not el:
            parts.append("\n")
        if e.tail and e is not el:
            parts.append(e.tail)

    walk(el)
    text = "".join(parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


class _HtmlReader:
    def __init__(self, builder: DocumentBuilder, tree: Any) -> None:
        self.b = builder
        self.tree = tree

    def path(self, el: Any) -> str:
        return self.tree.getpath(el)

    def container(self, el: Any) -> None:
        """Walk a block container, emitting runs of inline text as
        paragraphs and recursing into block children in document order."""
        buf: list[str] = []
        anchor = [el]

        def flush() -> None:
            text = "".join(buf)
            buf.clear()
            for line in text.split("\n"):
                line = re.sub(r"\s+", " ", line.replace("\xa0", " ")).strip()
                if line:
                    self._text_block(line, anchor[0])

        if el.text:
            buf.append(el.text)
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if not tag or tag in _SKIP:
                pass
            elif tag == "br":
                buf.append("\n")
            elif tag in _BLOCK:
                flush()
                self.block(child)
                anchor[0] = el
            else:  # inline element: its text joins the running paragraph
                if not buf:
                    anchor[0] = child
                buf.append(_inline_text(child).replace("\n", "\n"))
            if child.tail:
                buf.append(child.tail)
        flush()

    def _text_block(self, text: str, el: Any, heading_level: int | None = None) -> None:
        from budgetlint.plugins.loaders.text import looks_like_heading

        loc = make_loc(path=self.path(el))
        if heading_level is not None:
            self.b.heading(text, loc, level=heading_level, style="html")
        elif looks_like_heading(text, parse_numbering(text)):
            self.b.heading(text, loc)
        else:
            self.b.paragraph(text, loc)

    def block(self, el: Any) -> None:
        tag = el.tag
        if tag in _HEADING:
            text = _inline_text(el).replace("\n", " ").strip()
            if text:
                self._text_block(text, el, heading_level=_HEADING[tag])
        elif tag == "table":
            self.table(el)
        elif tag in ("p", "li", "dt", "dd", "caption", "pre", "address", "figcaption"):
            if any(isinstance(d.tag, str) and d.tag in ("table", "div", "p") for d in el.iterdescendants()):
                self.container(el)
                return
            for line in _inline_text(el).split("\n"):
                if line.strip():
                    self._text_block(line.strip(), el)
        elif tag == "hr":
            return
        else:
            self.container(el)

    # ---------------------------------------------------------------- tables
    @staticmethod
    def _rows(table: Any) -> list[Any]:
        return table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")

    @staticmethod
    def _cells(tr: Any) -> list[Any]:
        return tr.xpath("./td|./th")

    def _is_data_table(self, table: Any) -> bool:
        if table.xpath(".//table"):
            return False
        rows = self._rows(table)
        texts = [[(_inline_text(c), _span(c, "colspan")) for c in self._cells(tr)] for tr in rows]
        full_rows = sum(1 for r in texts if any(t for t, _ in r))
        cols: set[int] = set()
        for r in texts:
            col = 0
            for t, span in r:
                if t:
                    cols.add(col)
                col += span
        return full_rows >= 2 and len(cols) >= 2

    def table(self, table: Any) -> None:
        if not self._is_data_table(table):
            for cap in table.xpath("./caption"):
                self.block(cap)
            for tr in self._rows(table):
                for td in self._cells(tr):
                    self.container(td)
            return
        for cap in table.xpath("./caption"):
            self.block(cap)
        trs = self._rows(table)
        tds = [self._cells(tr) for tr in trs]
        # the real grid is as wide as the row with most cells: a colspan never
        # widens a row beyond it (a 14 KB table with colspan=1000 on every cell
        # would otherwise be a grid of millions of empty slots)
        width = max((len(r) for r in tds), default=0)
        rows: list[list[dict[str, Any]]] = []
        for r, cells in enumerate(tds):
            row = []
            used = 0
            for i, td in enumerate(cells):
                rowspan = min(_span(td, "rowspan"), len(trs) - r)
                colspan = max(1, min(_span(td, "colspan"), width - used - (len(cells) - i - 1)))
                used += colspan
                cell = make_cell(_inline_text(td), make_loc(path=self.path(td)), rowspan=max(rowspan, 1),
                                 colspan=colspan)
                row.append(cell)
            rows.append(row)
        if any(rows):
            self.b.table(rows, make_loc(path=self.path(table)), source_shape="html")


def _span(el: Any, name: str) -> int:
    raw = (el.get(name) or "1").strip()
    m = re.match(r"\d+", raw)
    n = int(m.group(0)) if m else 1
    return min(max(n, 1), _MAX_SPAN)


def load_html(data: bytes, path: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Loader entry point for ``.html``/``.htm``."""
    import lxml.html
    from lxml import etree

    text, encoding = decode_html(data, path)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an encoding declaration
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True, huge_tree=False,
                                  default_doctype=False)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"not a readable HTML page ({exc})", culprit=path,
                         fix="save the page again from the browser as 'HTML only'") from exc
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    doc = new_document(path, "html", data, encoding)
    reader = _HtmlReader(DocumentBuilder(doc), root.getroottree())
    body = root.find("body")
    reader.container(body if body is not None else root)
    return doc


def register(registry) -> None:
    registry.add_loader("html", [".html", ".htm", ".xhtml"], "budgetlint.plugins.loaders.html:load_html",
                        "web pages (layout tables unwrapped, rowspan/colspan, gb2312 pages read as GB18030)")
