"""Ruled-table reconstruction for the PDF loader.

Published 部门决算 tables are drawn, not tagged: a PDF only holds line
segments (stroked paths, or thin filled rectangles when Word/WPS exported
the file) and characters at positions.  This module turns the rulings of a
page into tables: merge collinear pieces, group crossing rulings into
tables, derive the cell grid from the distinct ruling positions, and merge
grid cells wherever a ruling is absent (colspan/rowspan).  Everything works
in *display* coordinates (points, origin top-left, page rotation applied) so
that reading order and ``bbox`` mean what a reader sees.
"""
from __future__ import annotations

import struct
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any, Callable

SNAP = 2.5        # rulings closer than this (points) are the same line
JOIN_GAP = 3.0    # collinear pieces with a gap up to this are one ruling
MIN_LEN = 3.0     # shorter segments are dots/decoration, not rulings
THIN = 3.0        # a filled rectangle thinner than this is a ruling


@dataclass
class Seg:
    """An axis-aligned ruling: ``pos`` is y for horizontal, x for vertical;
    ``a``..``b`` its extent along the other axis."""
    pos: float
    a: float
    b: float


@dataclass
class Region:
    """One table cell: grid rows r0..r1 and columns c0..c1 (inclusive)."""
    r0: int
    c0: int
    r1: int
    c1: int
    chars: list[Any] = field(default_factory=list)


@dataclass
class Grid:
    xs: list[float]
    ys: list[float]
    regions: list[Region]
    owner: list[list[int]]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def contains(self, x: float, y: float, slack: float = 1.0) -> bool:
        return self.xs[0] - slack <= x <= self.xs[-1] + slack and self.ys[0] - slack <= y <= self.ys[-1] + slack

    def region_at(self, x: float, y: float) -> Region:
        c = min(max(bisect_right(self.xs, x) - 1, 0), len(self.xs) - 2)
        r = min(max(bisect_right(self.ys, y) - 1, 0), len(self.ys) - 2)
        return self.regions[self.owner[r][c]]


def page_rulings(page: Any, to_display: Callable[[float, float], tuple[float, float]]) -> tuple[list[Seg], list[Seg]]:
    """Horizontal and vertical rulings of a page in display coordinates.

    Thin paths (lines, hairline rectangles) are read from their bounds, one
    call each; only larger paths (cell borders drawn as rectangles, boxes)
    are walked segment by segment."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    hs: list[Seg] = []
    vs: list[Seg] = []
    upright = page.get_rotation() % 360 == 0
    if upright:  # to_display inlined: (x - left, top - y)
        m_left, _, _, m_top = page.get_mediabox()

    def add(x0: float, y0: float, x1: float, y1: float) -> None:
        if upright:
            ax, ay, bx, by = x0 - m_left, m_top - y0, x1 - m_left, m_top - y1
        else:
            (ax, ay), (bx, by) = to_display(x0, y0), to_display(x1, y1)
        if abs(ay - by) <= 1.0 and abs(ax - bx) >= MIN_LEN:
            hs.append(Seg((ay + by) / 2, min(ax, bx), max(ax, bx)))
        elif abs(ax - bx) <= 1.0 and abs(ay - by) >= MIN_LEN:
            vs.append(Seg((ax + bx) / 2, min(ay, by), max(ay, by)))

    api = _lean_path_api()
    vp = ctypes.c_void_p  # out-parameters as pointer objects: the lean prototypes declare no argument types
    fx, fy = ctypes.c_float(), ctypes.c_float()
    # the four bounds (left, bottom, right, top) in one buffer, read with one unpack
    bounds = (ctypes.c_float * 4)()
    m = pdfium_c.FS_MATRIX()
    fx_p, fy_p, m_p = vp(ctypes.addressof(fx)), vp(ctypes.addressof(fy)), vp(ctypes.addressof(m))
    b_left, b_bottom, b_right, b_top = (vp(ctypes.addressof(bounds) + 4 * k) for k in range(4))
    unpack_bounds = _BOUNDS.unpack_from
    get_bounds, count_segments, get_matrix = api["bounds"], api["count_segments"], api["get_matrix"]
    get_segment, seg_point, seg_type, seg_close = api["get_segment"], api["seg_point"], api["seg_type"], api["seg_close"]
    moveto, lineto = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO
    for obj, parent in _path_objects(page):
        get_bounds(obj, b_left, b_bottom, b_right, b_top)
        if parent is None:
            left, bottom, right, top = unpack_bounds(bounds)
        else:  # inside a form XObject: bounds are in form space
            fl, fb, fr, ft = unpack_bounds(bounds)
            pts = [_apply(parent, x, y) for x in (fl, fr) for y in (fb, ft)]
            left, right = min(p[0] for p in pts), max(p[0] for p in pts)
            bottom, top = min(p[1] for p in pts), max(p[1] for p in pts)
        w, h = right - left, top - bottom
        if w < MIN_LEN and h < MIN_LEN:
            continue
        if h <= THIN:
            if upright:  # add() of a horizontal line inlined (top and bottom are finite here)
                y = m_top - (bottom + top) / 2
                ax, bx = left - m_left, right - m_left
                if abs(ax - bx) >= MIN_LEN:
                    hs.append(Seg((y + y) / 2, min(ax, bx), max(ax, bx)))
            else:
                add(left, (bottom + top) / 2, right, (bottom + top) / 2)
            continue
        if w <= THIN:
            if upright:  # add() of a vertical line inlined
                x = (left + right) / 2 - m_left
                ay, by = m_top - bottom, m_top - top
                if abs(ay - by) >= MIN_LEN:
                    vs.append(Seg((x + x) / 2, min(ay, by), max(ay, by)))
            else:
                add((left + right) / 2, bottom, (left + right) / 2, top)
            continue
        n = count_segments(obj)
        if n <= 1 or n > 400:
            continue
        get_matrix(obj, m_p)
        own = (m.a, m.b, m.c, m.d, m.e, m.f)
        start = prev = None
        for k in range(n):
            seg = get_segment(obj, k)
            seg_point(seg, fx_p, fy_p)
            pt = _apply(own, fx.value, fy.value)
            if parent is not None:
                pt = _apply(parent, *pt)
            kind = seg_type(seg)
            if kind == moveto:
                start = prev = pt
                continue
            if kind == lineto and prev is not None:
                add(prev[0], prev[1], pt[0], pt[1])
            prev = pt
            if seg_close(seg) and start is not None:
                add(pt[0], pt[1], start[0], start[1])
                prev = start
    return merge(hs), merge(vs)


Matrix = tuple[float, float, float, float, float, float]
_BOUNDS = struct.Struct("4f")


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying ``inner`` first, then ``outer``."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_objects(page: Any) -> Any:
    """Raw path objects (addresses) of a page with the matrix of the form
    XObjects around them (None at top level): some producers wrap a whole
    page, or a rotated landscape table, in a form."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    api = _lean_path_api()
    get_object, get_type, form_count, form_object = api["get_object"], api["get_type"], api["form_count"], api["form_object"]
    path_kind, form_kind = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
    m = pdfium_c.FS_MATRIX()
    m_p = ctypes.c_void_p(ctypes.addressof(m))
    raw = ctypes.c_void_p(ctypes.cast(page.raw, ctypes.c_void_p).value)
    stack: list[tuple[Any, Matrix | None, int]] = []
    n = pdfium_c.FPDFPage_CountObjects(page.raw)
    for i in reversed(range(n)):
        stack.append((get_object(raw, i), None, 0))
    out = []
    append = out.append
    while stack:
        obj, parent, depth = stack.pop()
        kind = get_type(obj)
        if kind == path_kind:
            append((obj, parent))
        elif kind == form_kind and depth < 4:
            api["get_matrix"](obj, m_p)
            own = (m.a, m.b, m.c, m.d, m.e, m.f)
            matrix = own if parent is None else _compose(own, parent)
            for k in reversed(range(form_count(obj))):
                stack.append((form_object(obj, k), matrix, depth + 1))
    return out


_LEAN: dict[str, Any] | None = None


def _lean_path_api() -> dict[str, Any]:
    """pdfium's page-object and path functions as ctypes prototypes that
    declare only their result type, like the character functions of the
    loader: pointers go in as ``c_void_p`` objects and indices as plain ints
    (a C ``int``, the parameters' type), so ctypes converts no argument.  A
    returned handle stays a pointer object (``_Handle``, a subclass, which
    ctypes does not turn into an int) that is passed back as it is.  The
    path walk makes ~80,000 calls for the Shanghai 决算 PDFs (21,000 page
    objects, each asked for its type)."""
    global _LEAN
    if _LEAN is None:
        import ctypes
        import sys

        import pypdfium2.raw as pdfium_c

        # pdfium's FPDF_CALLCONV: stdcall on 32-bit Windows, the C convention elsewhere
        proto = ctypes.WINFUNCTYPE if sys.platform == "win32" else ctypes.CFUNCTYPE
        vp, i = ctypes.c_void_p, ctypes.c_int

        class _Handle(ctypes.c_void_p):
            """A pdfium handle as returned: a subclass, so ctypes keeps the object."""

        def lean(fn: Any, restype: Any, *argtypes: Any) -> Any:
            return proto(restype, *argtypes)(ctypes.cast(fn, vp).value)

        _LEAN = {"get_object": lean(pdfium_c.FPDFPage_GetObject, _Handle),
                 "get_type": lean(pdfium_c.FPDFPageObj_GetType, i),
                 "get_matrix": lean(pdfium_c.FPDFPageObj_GetMatrix, i),
                 "form_count": lean(pdfium_c.FPDFFormObj_CountObjects, i),
                 # an unsigned long index: declared, so it is widened properly (forms are few)
                 "form_object": lean(pdfium_c.FPDFFormObj_GetObject, _Handle, vp, ctypes.c_ulong),
                 "bounds": lean(pdfium_c.FPDFPageObj_GetBounds, i),
                 "count_segments": lean(pdfium_c.FPDFPath_CountSegments, i),
                 "get_segment": lean(pdfium_c.FPDFPath_GetPathSegment, _Handle),
                 "seg_point": lean(pdfium_c.FPDFPathSegment_GetPoint, i),
                 "seg_type": lean(pdfium_c.FPDFPathSegment_GetType, i),
                 "seg_close": lean(pdfium_c.FPDFPathSegment_GetClose, i)}
    return _LEAN


def merge(segs: list[Seg]) -> list[Seg]:
    """Snap rulings at nearly the same position and join collinear pieces
    (tables are often drawn cell border by cell border)."""
    out: list[Seg] = []
    segs = sorted(segs, key=lambda s: s.pos)
    i = 0
    while i < len(segs):
        group = [segs[i]]
        j = i + 1
        while j < len(segs) and segs[j].pos - group[-1].pos <= SNAP:
            group.append(segs[j])
            j += 1
        pos = sum(s.pos for s in group) / len(group)
        group.sort(key=lambda s: s.a)
        cur = Seg(pos, group[0].a, group[0].b)
        for s in group[1:]:
            if s.a <= cur.b + JOIN_GAP:
                cur.b = max(cur.b, s.b)
            else:
                out.append(cur)
                cur = Seg(pos, s.a, s.b)
        out.append(cur)
        i = j
    return out


def _clusters(values: list[float]) -> list[float]:
    values = sorted(values)
    out: list[list[float]] = []
    for v in values:
        if out and v - out[-1][-1] <= SNAP:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def find_grids(hs: list[Seg], vs: list[Seg]) -> list[Grid]:
    """Group crossing rulings into tables and build each table's cell grid."""
    n_h = len(hs)
    parent = list(range(n_h + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h.a - SNAP <= v.pos <= h.b + SNAP and v.a - SNAP <= h.pos <= v.b + SNAP:
                ri, rj = find(i), find(n_h + j)
                if ri != rj:
                    parent[ri] = rj
    groups: dict[int, tuple[list[Seg], list[Seg]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(n_h + j), ([], []))[1].append(v)
    grids = []
    for gh, gv in groups.values():
        if len(gh) < 2 or len(gv) < 2:
            continue
        grid = _build_grid(gh, gv)
        if grid is not None:
            grids.append(grid)
    grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
    return grids


def _drawn(segs: list[Seg], a: float, b: float) -> bool:
    """Is the boundary between ``a`` and ``b`` drawn (mostly) by ``segs``,
    the rulings lying at that boundary?"""
    got = 0.0
    for s in segs:
        got += max(0.0, min(s.b, b) - max(s.a, a))
    return got >= 0.5 * (b - a)


def _drawn_sides(segs: list[Seg], edges: list[float]) -> list[bool]:
    """:func:`_drawn` for every interval between consecutive ``edges`` (the
    sides of a line's cells), in one pass: the same sums in the same order."""
    spans = [(s.a, s.b) for s in segs]
    out = []
    for k in range(len(edges) - 1):
        a, b = edges[k], edges[k + 1]
        got = 0.0
        for sa, sb in spans:
            # max(0.0, min(sb, b) - max(sa, a)), the builtins' choices spelled out
            d = (b if b < sb else sb) - (a if a > sa else sa)
            if d > 0.0:
                got += d
        out.append(got >= 0.5 * (b - a))
    return out


def _build_grid(hs: list[Seg], vs: list[Seg]) -> Grid | None:
    xs = _clusters([v.pos for v in vs] + [min(h.a for h in hs), max(h.b for h in hs)])
    ys = _clusters([h.pos for h in hs] + [min(v.a for v in vs), max(v.b for v in vs)])
    if len(xs) < 2 or len(ys) < 2:
        return None
    n_r, n_c = len(ys) - 1, len(xs) - 1
    # union grid cells across absent rulings
    parent = list(range(n_r * n_c))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # whether each inner grid line is drawn along each cell side, from the
    # rulings at that line, found once per line (same order, so the same sums)
    x_drawn = [_drawn_sides([s for s in vs if abs(s.pos - x) <= SNAP], ys) for x in xs]
    y_drawn = [_drawn_sides([s for s in hs if abs(s.pos - y) <= SNAP], xs) for y in ys]
    for r in range(n_r):
        for c in range(n_c):
            if c + 1 < n_c and not x_drawn[c + 1][r]:
                parent[find(r * n_c + c)] = find(r * n_c + c + 1)
            if r + 1 < n_r and not y_drawn[r + 1][c]:
                parent[find(r * n_c + c)] = find((r + 1) * n_c + c)
    boxes: dict[int, list[int]] = {}
    for r in range(n_r):  # row by row: a region's first cell has its top row, its last seen its bottom row
        for c in range(n_c):
            key = find(r * n_c + c)
            b = boxes.get(key)
            if b is None:
                boxes[key] = [r, c, r, c]
                continue
            if c < b[1]:
                b[1] = c
            b[2] = r
            if c > b[3]:
                b[3] = c
    owner = [[-1] * n_c for _ in range(n_r)]
    regions: list[Region] = []
    for r0, c0, r1, c1 in sorted(boxes.values()):
        if owner[r0][c0] != -1:
            continue  # a non-rectangular merge already claimed by its bounding box
        idx = len(regions)
        regions.append(Region(r0, c0, r1, c1))
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if owner[r][c] == -1:
                    owner[r][c] = idx
    if len(regions) < 2:
        return None  # a framed box (text box, border) is not a table
    return Grid(xs, ys, regions, owner)
