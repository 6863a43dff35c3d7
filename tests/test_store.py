"""Issue 17: the store of published facts and cross-document evidence.

Real documents (the 万里街道 2024 and 2025 budgets) are read from ../shared at
test time and never copied into the repository; those tests skip without
them.  Every store test runs against SQLite and against a throw-away
PostgreSQL server started here with initdb/pg_ctl (skipped, with the reason,
when PostgreSQL or psycopg is not installed).
"""
from __future__ import annotations

import copy
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from budgetlint.core.testing import shared_dir

pytest.importorskip("sqlalchemy", reason="the store needs budgetlint[store] (SQLAlchemy, Alembic)")
pytest.importorskip("alembic", reason="the store needs budgetlint[store] (SQLAlchemy, Alembic)")

SHARED = shared_dir(Path(__file__).resolve().parent)
BUDGETS = SHARED / "real-docs" / "budgets" if SHARED else None
W2024 = BUDGETS / "wanli-street-2024-budget.pdf" if BUDGETS else None
W2025 = BUDGETS / "wanli-street-2025-budget.pdf" if BUDGETS else None
needs_wanli = pytest.mark.skipif(not (W2024 and W2024.exists() and W2025.exists()),
                                 reason="../shared/real-docs/budgets/wanli-street-*.pdf not available here")
RULE = "related-text-change-last-year"
BIN = [sys.executable, "-m", "budgetlint.core.cli"]


# ------------------------------------------------------------------ PostgreSQL
def _pg_bindir() -> str | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    found = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(found)) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """A throw-away PostgreSQL cluster in a temp dir (initdb + pg_ctl)."""
    bindir = _pg_bindir()
    if not bindir:
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql) — PostgreSQL store tests skipped")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip('psycopg is not installed (pip install "budgetlint[postgres]") — PostgreSQL store tests skipped')
    base = tempfile.mkdtemp(prefix="budgetlint-pg-")
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        import pwd

        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run initdb")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(base, "data"), _free_port()
    subprocess.run(as_user + [f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                              "--locale=C", "--no-sync"], check=True, capture_output=True)
    subprocess.run(as_user + [f"{bindir}/pg_ctl", "-D", data, "-l", os.path.join(base, "log"), "-w", "-o",
                              f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(as_user + [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_ref(request, tmp_path) -> str:
    """A fresh, empty store: a SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    server = request.getfixturevalue("pg_server")
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


# ------------------------------------------------------------------ helpers
def _checker(options):
    from budgetlint.core.engine import Checker

    return Checker(options=options)


@pytest.fixture(scope="module")
def wanli_docs():
    """The two budgets, parsed once (checks below attach related documents to copies)."""
    if not (W2024 and W2024.exists() and W2025.exists()):
        pytest.skip("../shared/real-docs/budgets/wanli-street-*.pdf not available here")
    c = _checker({})
    return {2024: c.load(W2024), 2025: c.load(W2025)}


def _check_loaded(checker, doc):
    """Checker.check_file without loading again: the same hooks, in order."""
    from budgetlint.store.related import after_check, before_check

    doc = copy.deepcopy(doc)
    before_check(checker, doc)
    result = checker.check_document(doc)
    after_check(checker, doc, result)
    return result


def _evaluation(result, rule=RULE):
    return next(e for e in result["evaluations"] if e["rule_id"] == rule)


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, HOME=str(tmp_path / "home"), XDG_DATA_HOME=str(tmp_path / "xdg"), NO_COLOR="1")
    env.pop("BUDGETLINT_SHARED", None) if SHARED is None else env.setdefault("BUDGETLINT_SHARED", str(SHARED))
    return env


def _make_docs(folder: Path, n: int, start: int = 0) -> list[Path]:
    """Small 部门决算 texts of distinct departments, each with a wrong rate (a finding)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(start, start + n):
        p = folder / f"dept{i:03d}.txt"
        p.write_text(f"上海市普陀区第{i}测试局2024年度部门决算\n\n一、收入支出决算总体情况说明\n\n"
                     f"2024年度收入总计{500 + i}.47万元。与上年相比，增加197.95万元，增长37.9%，主要是因为职能增加。\n",
                     encoding="utf-8")
        out.append(p)
    return out


def _consistent(ref: str) -> dict[str, int]:
    """Every check has exactly the findings it counted and every document a
    check: nothing half-written.  Returns the table counts."""
    from sqlalchemy import func, select

    from budgetlint.store import schema as s
    from budgetlint.store.db import Store

    st = Store(ref)
    with st.engine.connect() as conn:
        for cid, n in conn.execute(select(s.checks.c.id, s.checks.c.findings_count)):
            got = conn.execute(select(func.count()).select_from(s.findings).where(s.findings.c.check_id == cid)).scalar()
            assert got == n, f"check {cid}: {got} findings stored, {n} counted"
        orphans = conn.execute(select(func.count()).select_from(s.documents).where(
            ~s.documents.c.id.in_(select(s.checks.c.document_id)))).scalar()
        assert orphans == 0, "a document without its check"
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    return st.counts()


# ------------------------------------------------------------------ tests
def test_wanli_2025_against_stored_2024(wanli_docs, store_ref):
    """2025 alone: not evaluated, with the reason; after 2024 is stored: the
    2025 comparisons with 2024 are evaluated against the stored figures."""
    checker = _checker({"store": store_ref, "compare_previous": True})
    first = _check_loaded(checker, wanli_docs[2025])
    ev = _evaluation(first)
    assert ev["status"] == "not_evaluated"
    assert any("未找到上年预算" in r and "上海市普陀区人民政府万里街道办事处 2024" in r for r in ev["reasons"]), ev
    assert first["document"]["comparison"] is None

    _check_loaded(checker, wanli_docs[2024])
    second = _check_loaded(checker, wanli_docs[2025])
    ev = _evaluation(second)
    assert ev["status"] in ("passed", "failed") and ev["checked"] >= 5, ev
    # the wanli 2025 text's changes against 2024 (3,355.65万元, 三公 −10万元 …) agree with the 2024 budget
    assert ev["status"] == "passed", second["findings"]
    assert second["document"]["store"]["version"] == 1 and not second["document"]["store"]["new_version"]
    cmp_ = second["document"]["comparison"]
    assert cmp_ is not None and cmp_["previous_version"] == 1

    from budgetlint.store.db import Store

    rows = Store(store_ref).history("万里街道")
    assert [(r["fiscal_year"], r["version"], r["checks"]) for r in rows] == [(2024, 1, 1), (2025, 1, 2)]
    counts = _consistent(store_ref)
    assert counts["documents"] == 2 and counts["checks"] == 3 and counts["named_values"] > 50


def test_wanli_stored_figures_are_what_the_check_compares(wanli_docs, tmp_path):
    """A stored 2024 figure that differs from the 2025 text makes the rule fail,
    naming both places (this year's page and last year's document and page)."""
    ref = str(tmp_path / "s.sqlite")
    checker = _checker({"store": ref})
    doc24 = copy.deepcopy(wanli_docs[2024])
    doc24["named_values"]["说明.财政拨款收入.amount"]["value"] = "15600.00"
    doc24["source"]["sha256"] = "0" * 64  # a different file: a new document in the store
    _check_loaded(checker, doc24)
    result = _check_loaded(checker, wanli_docs[2025])
    bad = [f for f in result["findings"] if f["rule_id"] == RULE]
    assert bad, result["evaluations"]
    f = bad[0]
    assert f["expected"] == pytest.approx(3376.76) and f["actual"] == pytest.approx(3355.65)
    assert "第6页" in f["message"] and "wanli-street-2024-budget.pdf" in f["message"]
    assert f["location"]["page"] == 6


@needs_wanli
def test_evidence_gives_the_same_result_and_writes_nothing(tmp_path):
    work = tmp_path / "cwd"
    work.mkdir()
    out = subprocess.run(BIN + ["check", str(W2025), "--evidence", str(W2024), "--format", "json", "--jobs", "1"],
                         cwd=work, env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert out.returncode in (0, 1), out.stderr
    report = json.loads(out.stdout)
    ev = _evaluation(report)
    assert ev["status"] == "passed" and ev["checked"] >= 5, ev
    assert not any(work.iterdir()), "nothing may be written with --evidence"
    assert not (tmp_path / "home").exists() and not (tmp_path / "xdg").exists()

    # both budgets in one batch: each is the other's related document, still nothing written
    out = subprocess.run(BIN + ["check", str(W2024), str(W2025), "--format", "json", "--jobs", "1"],
                         cwd=work, env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    report = json.loads(out.stdout)
    ev = next(e for e in report["evaluations"] if e["rule_id"] == RULE and e["document"] == str(W2025))
    assert ev["status"] == "passed" and ev["checked"] >= 5, ev
    assert not any(work.iterdir())

    # without the 2024 budget: not evaluated, with the reason — never a pass
    out = subprocess.run(BIN + ["check", str(W2025), "--format", "json", "--jobs", "1"], cwd=work,
                         env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    ev = _evaluation(json.loads(out.stdout))
    assert ev["status"] == "not_evaluated" and "未找到上年预算" in ev["reasons"][0], ev


@needs_wanli
def test_files_checked_together_are_each_loaded_once(monkeypatch):
    """Issue 14: peers are each other's evidence, yet every file is parsed
    once — a peer loaded as evidence is handed back when its turn comes."""
    from budgetlint.core.engine import Checker

    paths = [str(W2024), str(W2025)]
    checker = _checker({"evidence": list(paths)})
    loads: list[str] = []
    real = Checker.load
    monkeypatch.setattr(Checker, "load", lambda self, path: loads.append(str(path)) or real(self, path))
    results = [checker.check_file(p) for p in paths]
    assert sorted(loads) == sorted(paths), loads
    ev = next(e for e in results[1]["evaluations"] if e["rule_id"] == RULE)
    assert ev["status"] == "passed" and ev["checked"] >= 5, ev


def test_same_file_twice_is_one_document_changed_file_a_new_version(tmp_path, store_ref):
    from budgetlint.store.db import Store

    (p,) = _make_docs(tmp_path / "docs", 1)
    checker = _checker({"store": store_ref, "compare_previous": True})
    r1 = checker.check_file(p)
    r2 = checker.check_file(p)
    assert r1["document"]["store"]["version"] == r2["document"]["store"]["version"] == 1
    assert r2["document"]["comparison"]["unchanged"] == len(r2["findings"]) > 0
    p.write_text(p.read_text(encoding="utf-8").replace("增长37.9%", "增长61.0%"), encoding="utf-8")
    r3 = checker.check_file(p)
    assert r3["document"]["store"] == {**r3["document"]["store"], "version": 2, "new_version": True}
    cmp_ = r3["document"]["comparison"]
    assert cmp_["previous_version"] == 1 and cmp_["fixed"], cmp_  # the wrong rate was corrected
    rows = Store(store_ref).history("第0测试局", 2024)
    assert [(r["version"], r["checks"]) for r in rows] == [(1, 2), (2, 1)]
    assert _consistent(store_ref)["documents"] == 2


def test_cli_store_history_and_compare_previous(tmp_path):
    ref = str(tmp_path / "s.sqlite")
    (p,) = _make_docs(tmp_path / "docs", 1)
    env = _env(tmp_path)
    for _ in range(2):
        out = subprocess.run(BIN + ["check", str(p), "--store", ref, "--compare-previous", "--jobs", "1"],
                             env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 1, out.stderr  # the wrong rate is an error
    assert "未变" in out.stderr and "unchanged" in out.stderr
    hist = subprocess.run(BIN + ["history", "第0测试局", "--year", "2024", "--store", ref], env=env,
                          capture_output=True, text=True, timeout=300)
    assert hist.returncode == 0 and "上海市普陀区第0测试局" in hist.stdout and "检查2次" in hist.stdout, hist.stdout
    bad = subprocess.run(BIN + ["check", str(p), "--compare-previous"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "--store" in bad.stderr and "Traceback" not in bad.stderr


def test_store_without_path_uses_the_user_data_dir(tmp_path):
    (p,) = _make_docs(tmp_path / "docs", 1)
    env = _env(tmp_path)
    out = subprocess.run(BIN + ["check", str(p), "--store", "--jobs", "1"], env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 1, out.stderr
    assert list((tmp_path / "xdg").rglob("budgetlint.sqlite")), "default store not created in the user data dir"


def test_killed_batch_leaves_the_store_consistent(tmp_path, store_ref):
    files = _make_docs(tmp_path / "docs", 60)
    proc = subprocess.Popen(BIN + ["check", str(tmp_path / "docs"), "--store", store_ref, "--jobs", "2",
                                   "--format", "json"], env=_env(tmp_path), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    from budgetlint.store.db import Store

    deadline = time.monotonic() + 300
    killed_at = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if Store(store_ref).counts()["checks"] >= 3:
                os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, mid-run
                killed_at = True
                break
        except Exception:
            pass  # not created yet
        time.sleep(0.05)
    proc.wait(timeout=60)
    counts = _consistent(store_ref)
    assert killed_at, "the batch finished before it could be killed"
    assert counts["documents"] < len(files)
    # the batch run again completes the store: every file once
    out = subprocess.run(BIN + ["check", str(tmp_path / "docs"), "--store", store_ref, "--jobs", "2"],
                         env=_env(tmp_path), capture_output=True, text=True, timeout=600)
    assert out.returncode == 1, out.stderr
    counts = _consistent(store_ref)
    assert counts["documents"] == len(files)


def test_two_concurrent_batches_lose_nothing(tmp_path, store_ref):
    a = _make_docs(tmp_path / "a", 15, 0)
    b = _make_docs(tmp_path / "b", 15, 10)  # departments 10-14 in both batches (different paths, same text)
    procs = [subprocess.Popen(BIN + ["check", str(d), "--store", store_ref, "--jobs", "1", "--format", "json"],
                              env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for d in (tmp_path / "a", tmp_path / "b")]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 1, err
    counts = _consistent(store_ref)
    assert counts["documents"] == 25  # identical files of one department are one document
    assert counts["checks"] == len(a) + len(b)


def test_report_with_store_entries_is_valid(tmp_path):
    from budgetlint.core.schemas import validate_report

    (p,) = _make_docs(tmp_path / "docs", 1)
    checker = _checker({"store": str(tmp_path / "s.sqlite"), "compare_previous": True})
    results = [checker.check_file(p), checker.check_file(p)]
    report = checker.build_report(results)
    assert report["documents"][1]["comparison"]["unchanged"] >= 1
    assert validate_report(report) == []


def test_department_aliases_and_ambiguity(tmp_path, monkeypatch):
    from budgetlint.store import identity

    assert identity.canonical_department("上海市普陀区规划资源局") == "上海市普陀区规划和自然资源局"
    assert identity.canonical_department("预算主管部门：上海市普陀区 规划和自然资源局（部门）") == "上海市普陀区规划和自然资源局"
    assert identity.canonical_department("某县财政局") == "某县财政局"  # unknown: itself, normalised
    extra = tmp_path / "depts.yaml"
    extra.write_text("departments:\n  甲市财政局: [财政局]\n  乙市财政局: [财政局]\n", encoding="utf-8")
    monkeypatch.setenv("BUDGETLINT_DEPARTMENTS", str(extra))
    identity.alias_table.cache_clear()
    try:
        with pytest.raises(identity.AmbiguousDepartment, match="有歧义"):
            identity.canonical_department("财政局")
        doc = {"meta": {"department": "财政局", "fiscal_year": 2025, "doc_types": [{"type": "部门预算"}]},
               "source": {"sha256": "x"}, "parts": [{"type": "部门预算"}]}
        from budgetlint.store.related import related_for

        rel = related_for(doc)
        assert "有歧义" in rel["上年预算"]["missing"]  # reported, never guessed
    finally:
        monkeypatch.delenv("BUDGETLINT_DEPARTMENTS")
        identity.alias_table.cache_clear()
