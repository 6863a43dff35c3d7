"""A large synthetic corpus from the real seed reports (a generator, not a test).

Each generated document is a real seed (``samples/00*.txt``) with

* the department renamed (the seed's own name, found by ``budgetlint parse``,
  replaced everywhere by ``<county><office>`` from the lists below);
* the fiscal year moved by −1…+1 when the seed's pack covers that year
  (2020/2021 seeds stay in 2019–2022, 2024 in 2023–2025), in titles and text;
* 0–2 planted errors: a money amount in a table row changed in its last
  digit, so the row, column or cross-table sums no longer hold.

``planted.jsonl`` beside the documents lists every planted change (file,
line, old → new), so recall can be measured on the corpus as well as speed
and memory.  Deterministic for a given ``--seed``.

    .venv/bin/python bench/corpus.py /tmp/corpus --count 10000
"""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

COUNTIES = ["株洲市", "湘潭市", "衡阳市", "岳阳市", "常德市", "益阳市", "郴州市", "永州市", "怀化市", "娄底市",
            "浏阳市", "醴陵市", "攸县", "茶陵县", "炎陵县", "湘乡市", "韶山市", "耒阳市", "常宁市", "汨罗市"]
OFFICES = ["人民政府办公室", "发展和改革局", "教育局", "财政局", "民政局", "司法局", "自然资源局", "交通运输局",
           "农业农村局", "文化旅游广电体育局", "卫生健康局", "应急管理局", "市场监督管理局", "统计局", "医疗保障局"]
_AMOUNT = re.compile(r"(?<![\d.])(\d{1,6}\.\d{2})(?![\d.%])")


def seed_info(path: Path) -> tuple[str | None, int | None]:
    out = subprocess.run([str(Path(sys.executable).with_name("budgetlint")), "parse", str(path)],
                         capture_output=True, text=True, check=True).stdout
    meta = json.loads(out)["meta"]
    return meta.get("department"), meta.get("fiscal_year")


def plant(lines: list[str], rng: random.Random, n: int) -> list[dict[str, object]]:
    """Change the last digit of ``n`` amounts on table rows (lines with
    several amounts: a pipe/tab row), in place; return what was changed."""
    rows = [i for i, ln in enumerate(lines) if len(_AMOUNT.findall(ln)) >= 3]
    planted = []
    for i in rng.sample(rows, min(n, len(rows))):
        matches = list(_AMOUNT.finditer(lines[i]))
        m = rng.choice(matches)
        old = m.group(1)
        last = int(old[-1])
        new = old[:-1] + str((last + rng.choice([1, 2, 3])) % 10)
        lines[i] = lines[i][:m.start(1)] + new + lines[i][m.end(1):]
        planted.append({"line": i + 1, "old": old, "new": new})
    return planted


def generate(out: Path, count: int, seed: int = 2024, max_lines: int | None = None) -> list[Path]:
    """Write ``count`` documents under ``out`` (1,000 per sub-folder);
    ``max_lines`` keeps only the head of each (cheap documents, to measure
    the parent's memory at 10,000+ documents in minutes)."""
    rng = random.Random(seed)
    seeds = sorted((REPO / "samples").glob("00*.txt"))
    infos = [(p, p.read_text(encoding="utf-8"), *seed_info(p)) for p in seeds]
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with (out / "planted.jsonl").open("w", encoding="utf-8") as log:
        for k in range(count):
            src, text, dept, year = infos[k % len(infos)]
            new_dept = rng.choice(COUNTIES) + rng.choice(OFFICES)
            if dept:
                text = text.replace(dept, new_dept)
            new_year = year
            if year:
                span = (2019, 2022) if year <= 2021 else (2023, 2025)
                new_year = min(max(year + rng.choice([-1, 0, 1]), span[0]), span[1])
                if new_year != year:
                    text = text.replace(f"{year}年", f"{new_year}年").replace(f"{year - 1}年", f"{new_year - 1}年")
            lines = text.split("\n")[:max_lines]
            changes = plant(lines, rng, rng.choice([0, 1, 1, 2]))
            sub = out / f"{k // 1000:03d}"
            sub.mkdir(exist_ok=True)
            path = sub / f"{k:05d}_{new_year}_{src.stem[:3]}.txt"
            path.write_text("\n".join(lines), encoding="utf-8")
            written.append(path)
            log.write(json.dumps({"file": str(path.relative_to(out)), "seed": src.name, "department": new_dept,
                                  "year": new_year, "planted": changes}, ensure_ascii=False) + "\n")
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--lines", type=int, help="keep only the first N lines of each document")
    args = ap.parse_args()
    files = generate(args.out, args.count, args.seed, args.lines)
    print(f"{len(files)} documents in {args.out} (planted errors listed in {args.out / 'planted.jsonl'})")


if __name__ == "__main__":
    main()
