"""Command line: ``budgetlint parse``, ``budgetlint check``, ``budgetlint rules …``.

Exit codes (check), the same for every ``--format`` (one rule,
core/reportstream.py ``exit_code``): 0 nothing at or above ``--fail-on``; 1 a
finding at or above it that is not waived — a root cause or one of its
consequences (with ``--fail-on …,not-evaluated`` also: a rule that applies was not
or only partly evaluated, or a file in a folder was skipped); 2 usage or
rule-pack error (nothing checked); 3 some input could not be read, or a
recognizer or check crashed on it (the others are still checked and reported).  Errors are one line on
stderr naming the file, the place and the fix — never a traceback (set
``BUDGETLINT_DEBUG=1`` to see one).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from budgetlint.core.errors import BudgetlintError, UsageError

def _fail(exc: BudgetlintError) -> None:
    click.echo(f"budgetlint: {exc}", err=True)
    sys.exit(exc.exit_code)


def _quiet_broken_pipe() -> None:
    """The reader went away (``budgetlint rules list | head -1``): stop
    quietly, as Unix tools do, without a traceback at interpreter exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(141)  # 128 + SIGPIPE, what a shell reports for a tool killed by a closed pipe


class _Group(click.Group):
    def main(self, args: Any = None, *a: Any, **kw: Any) -> Any:
        """``--help`` in Chinese with ``--lang zh`` (on any command) or a zh locale."""
        argv = list(sys.argv[1:] if args is None else args)
        if "--help" in argv or "-h" in argv or not argv:
            from budgetlint.core.clihelp import apply_help_language, help_language, strip_lang

            argv, asked = strip_lang(argv)
            apply_help_language(self, asked or help_language())
            args = argv
        return super().main(args, *a, **kw)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()
            return result
        except BrokenPipeError:
            _quiet_broken_pipe()
        except BudgetlintError as exc:
            _fail(exc)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("budgetlint: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # last resort: one line, no traceback
            if os.environ.get("BUDGETLINT_DEBUG"):
                raise
            from budgetlint.core.safe_text import printable

            click.echo(f"budgetlint: internal error: {type(exc).__name__}: {printable(str(exc), one_line=True)} "
                       "(set BUDGETLINT_DEBUG=1 for details and report it)", err=True)
            sys.exit(4)


def _add_rules_path(ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]) -> None:
    """``--rules-path DIR`` (repeatable) prepends to ``BUDGETLINT_RULES_PATH``:
    an environment variable, so worker processes see the bureau's packs too."""
    if value:
        from budgetlint.core.rulepack import RULES_PATH_ENV

        old = [p for p in os.environ.get(RULES_PATH_ENV, "").split(os.pathsep) if p]
        os.environ[RULES_PATH_ENV] = os.pathsep.join([*(str(v.resolve()) for v in value), *old])


def rules_path_option(f: Any) -> Any:
    return click.option("--rules-path", "rules_path", multiple=True, expose_value=False, is_eager=True,
                        callback=_add_rules_path,
                        type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR",
                        help="A folder of the bureau's own rule packs (or one pack folder); its packs join "
                             "automatic selection by their select: years/regions. Repeatable; also "
                             "BUDGETLINT_RULES_PATH (folders separated by ':').")(f)


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version`` as click's version option prints it, from
    ``budgetlint.core.__version__`` (kept in the cache dir) instead of
    importing importlib.metadata on every start."""
    if not value or ctx.resilient_parsing:
        return
    from budgetlint.core import __version__

    click.echo(f"budgetlint, version {__version__}", color=ctx.color)
    ctx.exit()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and exit.")
@rules_path_option
@click.option("--no-cache", is_flag=True,
              help="Do not read or write compiled rule packs in the cache dir (BUDGETLINT_CACHE_DIR).")
def main(no_cache: bool = False) -> None:
    """budgetlint — 预决算公开与绩效自评合规检查 (compliance checker for Chinese
    public-sector budget documents).

    Help in Chinese: add --lang zh, or use a zh locale (LANG=zh_CN.UTF-8).

    \b
    Examples:
      budgetlint check 报告目录/
      budgetlint check --help --lang zh
    """
    if no_cache:
        os.environ["BUDGETLINT_NO_CACHE"] = "1"  # also reaches worker processes
    from budgetlint.core import regexcache

    regexcache.install()  # compiled patterns from the cache dir (off with --no-cache)


def _checker(rules: str | None = None, lang: str = "zh"):
    from budgetlint.core.engine import Checker

    return Checker(rules=rules, lang=lang)


# ------------------------------------------------------------------ parse
@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default=None,
              help="json (default): the canonical document; text: a readable outline. With --names: "
                   "text (default) is one name a line, json a mapping.")
@click.option("--no-recognize", is_flag=True, help="Only the loader's output, without recognizers.")
@click.option("--names", "names", is_flag=True,
              help="List the named values a formula rule can use (name, value, place); "
                   "FILTER keeps the names containing it.")
@click.argument("name_filter", required=False, metavar="[FILTER]")
def parse(file: Path, fmt: str, no_recognize: bool, names: bool, name_filter: str | None) -> None:
    """Parse FILE into the canonical JSON document (or a readable outline).

    \b
    Examples:
      budgetlint parse report.pdf --format text
      budgetlint parse report.pdf --names 三公        # names for a formula rule, with values and places
    """
    from budgetlint.core.loading import load_document

    checker = _checker()
    if not file.exists():
        raise UsageError("no such file", culprit=str(file), fix="check the path")
    try:
        doc = load_document(file, checker.host, recognize=not no_recognize)
    except BudgetlintError as exc:
        click.echo(f"budgetlint: {exc}", err=True)
        sys.exit(3)
    if names:
        _print_names(doc, name_filter, fmt or "text")
        return
    fmt = fmt or "json"
    if name_filter:
        raise UsageError(f"unexpected argument {name_filter!r}", culprit="parse",
                         fix="FILTER is only used with --names")
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        from budgetlint.core.outline import render_outline

        click.echo(render_outline(doc), nl=False)


def _print_names(doc: dict[str, Any], name_filter: str | None, fmt: str) -> None:
    """The named values of a document, for writing ``formula`` rules."""
    from budgetlint.core.findings import human_location

    values = doc.get("named_values") or {}
    rows = [(k, v) for k, v in sorted(values.items()) if not name_filter or name_filter in k]
    if fmt == "json":
        click.echo(json.dumps({k: v for k, v in rows}, ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo(f"{doc['source']['path']}: no named value" + (f" contains {name_filter!r}" if name_filter else "")
                   + f" ({len(values)} in all)", err=True)
        sys.exit(1)
    for k, v in rows:
        where = human_location({**(v.get("loc") or {}), "table": v.get("table")}, "zh")
        click.echo(f"{k}\t{v.get('text', v.get('value'))}\t{where}")


# ------------------------------------------------------------------ check
@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@rules_path_option
@click.option("--rules", "rules", metavar="PACK", help="Rule pack name or path for every document (default: picked per part).")
@click.option("--format", "fmt", default="text", show_default=True,
              help="Report format: text, json, jsonl, sarif, junit, html, xlsx (see `budgetlint formats`).")
@click.option("--fail-on", "fail_on", default="error", show_default=True, metavar="LEVEL[,not-evaluated]",
              help="Exit 1 on findings at or above LEVEL (error, warning, info, never).  Add not-evaluated "
                   "(`--fail-on error,not-evaluated`, or alone: errors and not evaluated) for a strict gate that "
                   "also fails when a rule that applies could not be evaluated (wholly or some of its relations) "
                   "or a file in a folder was skipped.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of messages, places and not-evaluated reasons.")
@click.option("--show-skipped", is_flag=True, help="List rules that could not be evaluated.")
@click.option("--show-info", is_flag=True,
              help="Also print info findings (rounding differences 尾数差异) in text output; they are always counted "
                   "in the summary line and kept in JSON/HTML/XLSX.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE (atomically).")
@click.option("--jobs", "-j", type=int, default=None, help="Parallel worker processes (default: number of cores).")
@click.option("--waivers", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Waiver file (YAML).")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Previous JSON report: show only new findings.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on when stderr is a terminal).")
@click.option("--cache", "use_cache", is_flag=True,
              help="Reuse the results of documents already checked with the same content, code and packs.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local: worker processes here (--jobs); dask: a Dask cluster (pip install 'budgetlint[dask]').")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler (tcp://HOST:8786) for --executor dask; default: a local cluster of --jobs workers.")
@click.option("--store", "store", is_flag=False, flag_value="", default=None, metavar="PATH|URL",
              help="Record documents, named values and findings in a store and use it for 上年/本年 documents "
                   "(SQLite path, postgresql:// URL; without a value: a file in the user data dir).")
@click.option("--evidence", "evidence", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A related document (last year's budget/决算, this year's budget) used for cross-document rules; "
                   "nothing is written.  Repeatable.")
@click.option("--compare-previous", is_flag=True, help="With --store: findings new / fixed / unchanged since the previous check.")
@click.option("--max-seconds", type=click.FloatRange(min=1), default=None, metavar="SECONDS",
              help="Time budget per document (default 600, or BUDGETLINT_MAX_SECONDS): a document over it gets a "
                   "one-line error “超出处理限制” and the batch goes on.")
@click.option("--max-memory-mb", type=click.IntRange(min=16), default=None, metavar="MIB",
              help="Memory budget per document (default 3072, or BUDGETLINT_MAX_MEMORY_MB), enforced in worker "
                   "processes: with this option even one file is checked in a worker of its own.")
def check(paths: tuple[Path, ...], rules: str | None, fmt: str, fail_on: str, lang: str, show_skipped: bool,
          show_info: bool, output: Path | None, jobs: int | None, waivers: Path | None, baseline: Path | None,
          progress: bool | None, use_cache: bool = False, executor: str = "local",
          scheduler: str | None = None, store: str | None = None, evidence: tuple[Path, ...] = (),
          compare_previous: bool = False, max_seconds: float | None = None,
          max_memory_mb: int | None = None) -> None:
    """Check files and folders against the rule packs.

    \b
    Examples:
      budgetlint check reports/                          # text for the terminal: errors, then warnings
      budgetlint check reports/ --show-info              # also the 尾数差异 (rounding) notes
      budgetlint check reports/ --format xlsx -o 结果.xlsx --waivers waivers.yaml
      budgetlint check 省/ --max-seconds 60 --max-memory-mb 1024   # tighter budgets per document
    """
    from budgetlint.core import reportstream
    from budgetlint.core.batch import run_batch, tune_gc
    from budgetlint.core.reporting import write_report

    tune_gc()
    fail_on, strict = parse_fail_on(fail_on)
    checker = _checker(rules, lang)
    checker.options.update({k: v for k, v in (("max_seconds", max_seconds), ("max_memory_mb", max_memory_mb)) if v})
    _cross_document_options(checker, paths, store, evidence, compare_previous)  # issue 17
    if fmt not in checker.host.registry.reporters:
        raise UsageError(f"unknown report format {fmt!r}", culprit="--format",
                         fix="use one of " + ", ".join(sorted(checker.host.registry.reporters)))
    if output is None and checker.host.registry.reporters[fmt].binary and sys.stdout.isatty():
        raise UsageError(f"the {fmt} report is a binary file and would garble the terminal", culprit="--format",
                         fix=f"write it to a file: -o report.{fmt} (or redirect: > report.{fmt})")
    checker.validate_rules()
    cache = _result_cache(checker) if use_cache else None
    if scheduler and executor != "dask":
        raise UsageError("--scheduler is for the Dask executor", culprit="--scheduler", fix="add --executor dask")
    run = {"executor": executor, "scheduler": scheduler} if executor == "dask" else {}
    options = {"lang": lang, "show_skipped": show_skipped, "show_info": show_info, "fail_on": fail_on,
               "fail_on_not_evaluated": strict,
               "color": output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")}
    spec = checker.host.registry.reporters[fmt]
    if spec.load_stream() is None:  # a third-party reporter with only render(report): the whole report in memory
        report = run_batch(checker, [str(p) for p in paths], jobs=jobs, progress=progress,
                           waivers=str(waivers) if waivers else None, baseline=str(baseline) if baseline else None,
                           **({"cache": cache} if cache is not None else {}), **run)
        write_report(checker.host, report, fmt, output, options)
        summary, documents = report["summary"], report["documents"]
        code = reportstream.exit_code(reportstream.ReportStream.from_report(report), fail_on, not_evaluated=strict)
    else:  # built-in formats: written from the on-disk store, flat memory whatever the batch size
        streamed = reportstream.stream_report(
            checker, [str(p) for p in paths], jobs=jobs, progress=progress, cache=cache,
            waivers=str(waivers) if waivers else None, baseline=str(baseline) if baseline else None, **run)
        try:
            _write_streamed(spec, streamed, output, options)
            summary = streamed.summary
            code = reportstream.exit_code(streamed, fail_on, not_evaluated=strict)
            documents = list(streamed.documents()) if compare_previous else []
        finally:
            streamed.close()
    if output is not None:  # the report went to a file: the terminal still learns the outcome and where it is
        from budgetlint.plugins.reporters.basic import summary_line

        click.echo(summary_line({"summary": summary}, lang) + ("；报告已写入 " if lang == "zh" else "; report written to ")
                   + str(output), err=True)
    if compare_previous:
        _echo_comparisons({"documents": documents}, lang)
    sys.exit(code)


def _write_streamed(spec: Any, report: Any, output: Path | None, options: dict[str, Any]) -> None:
    """A reporter's ``render_stream`` to stdout or, through a temporary file
    renamed at the end, to OUTPUT (never half-written)."""
    from budgetlint.core.reporting import atomic_output

    render = spec.load_stream()
    if output is None:
        out = sys.stdout.buffer if spec.binary else sys.stdout
        if spec.binary:  # a zip needs a seekable file: build it aside, then copy
            import tempfile

            with tempfile.TemporaryFile() as tmp:
                render(report, options, tmp)
                tmp.seek(0)
                import shutil

                shutil.copyfileobj(tmp, out)
        else:
            render(report, options, out)
        out.flush()
        return
    with atomic_output(output, text=not spec.binary) as fh:
        render(report, options, fh)


def _result_cache(checker: Any) -> Any:
    from budgetlint.core.rulepack import cache_dir
    from budgetlint.core.stream import ResultCache

    folder = cache_dir()
    if folder is None:
        raise UsageError("--cache needs a cache directory, but caching is off", culprit="--cache",
                         fix="drop --no-cache / BUDGETLINT_NO_CACHE, or drop --cache")
    return ResultCache(checker, folder)


#: Up to this many files checked together are each other's related documents (beyond: use --store).
BATCH_EVIDENCE_LIMIT = 50


def _cross_document_options(checker: Any, paths: tuple[Path, ...], store: str | None,
                            evidence: tuple[Path, ...], compare_previous: bool) -> None:
    """Issue 17: ``--store``/``--evidence`` become checker options (plain
    data, so worker processes get them).  Several files checked together are
    each other's evidence."""
    if compare_previous and store is None:
        raise UsageError("--compare-previous needs a store", culprit="--compare-previous",
                         fix="add --store PATH (the store that holds the previous check)")
    if store is not None:
        from budgetlint.store.db import open_store

        if "://" not in store and Path(store).suffix.lower() in checker.host.registry.supported_extensions():
            raise UsageError(f"--store {store} looks like a document to check, not a store", culprit="--store",
                             fix="give a store path such as reviews.sqlite, or put --store after the files")
        open_store(store or None)  # a bad path/URL or missing extra stops here, before any file
        checker.options["store"] = store
        checker.options["compare_previous"] = compare_previous
    from budgetlint.core.engine import walk

    files, _ = walk([str(p) for p in paths], checker.host.registry.supported_extensions())
    peers = 1 < len(files) <= BATCH_EVIDENCE_LIMIT  # each worker parses its peers once more: keep it small
    ev = [str(p) for p in evidence] + (files if peers else [])
    if ev:
        checker.options["evidence"] = ev


def _echo_comparisons(report: dict[str, Any], lang: str) -> None:
    """One line per document on stderr: new / fixed / unchanged since the previous check."""
    for d in report["documents"]:
        cmp_ = d.get("comparison")
        if d.get("status") != "checked":
            continue
        if not cmp_:
            click.echo(f"{d['path']}: 存储库中无上一次检查 (no previous check in the store)", err=True)
            continue
        click.echo(f"{d['path']}: 与上一版本（第{cmp_['previous_version']}版，{cmp_['previous_checked_at'][:19]}）相比 "
                   f"新增 {len(cmp_['new'])}，已修复 {len(cmp_['fixed'])}，未变 {cmp_['unchanged']} "
                   f"(new {len(cmp_['new'])}, fixed {len(cmp_['fixed'])}, unchanged {cmp_['unchanged']})", err=True)
        for f in cmp_["new"]:
            click.echo(f"  + {f['rule_id']}: {f['message']}", err=True)
        for f in cmp_["fixed"]:
            click.echo(f"  - {f['rule_id']}: {f['message']}", err=True)


# ------------------------------------------------------------------ history
@main.command()
@click.argument("department", required=False)
@click.option("--year", type=int, help="Fiscal year.")
@click.option("--store", "store", default="", metavar="PATH|URL", help="The store (default: the user data dir file).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one document version a line; json: for scripts.")
def history(department: str | None, year: int | None, store: str, fmt: str) -> None:
    """List stored documents, their versions, checks and finding counts (issue 17).

    \b
    Example:
      budgetlint history 某某局 --year 2024 --store reviews.sqlite
    """
    from budgetlint.store.db import open_store

    rows = open_store(store or None).history(department, year)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("（存储库中没有符合条件的文件）(no stored documents match)")
        return
    for r in rows:
        click.echo(f"{r['department']}  {r['fiscal_year']}  {r['doc_type']}  第{r['version']}版  "
                   f"检查{r['checks']}次  最近问题{r['findings']}条  {r['last_checked_at'][:19] if r['last_checked_at'] else ''}  "
                   f"{r['path'] or ''}  sha256:{r['sha256'][:12]}")


# ------------------------------------------------------------------ serve (issue 18)
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (default: this machine only).")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port of the page.")
@click.option("--store", "store", is_flag=False, flag_value="", default=None, metavar="PATH|URL",
              help="Also record every check in the store (history per department and year).")
@click.option("--rules", "rules", metavar="PACK", help="Rule pack for every document (default: picked per part).")
@click.option("--token", envvar="BUDGETLINT_TOKEN", default=None, metavar="T",
              help="Require 'Authorization: Bearer T' (or the login page) on every request [env BUDGETLINT_TOKEN].")
@click.option("--max-upload-mb", default=50.0, show_default=True, type=float, help="Largest file accepted (413 above).")
@click.option("--max-pages", default=2000, show_default=True, type=int, help="Longest PDF checked (pages).")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where uploads, results and waivers are kept (default: the user data dir).")
def serve(host: str, port: int, store: str | None, rules: str | None, token: str | None,
          max_upload_mb: float, max_pages: int, data_dir: Path | None) -> None:
    """Start the web page for clerks: upload, findings on the page, waivers, downloads (needs budgetlint[web]).

    \b
    Example:
      budgetlint serve                                   # http://127.0.0.1:8000, this machine only
      budgetlint serve --host 0.0.0.0 --token "$TOKEN" --store reviews.sqlite
    """
    from budgetlint.web.server import serve as run_server

    run_server(host=host, port=port, store=store, rules=rules, token=token or None,
               max_upload_mb=max_upload_mb, max_pages=max_pages, data_dir=data_dir)


def parse_fail_on(value: str) -> tuple[str, bool]:
    """``error`` / ``warning,not-evaluated`` / ``not-evaluated`` → (severity
    threshold, strict).  ``not-evaluated`` alone keeps the ``error`` threshold."""
    from budgetlint.core.reportstream import SEVERITY_RANK

    levels = [v.strip().lower().replace("_", "-") for v in value.split(",") if v.strip()]
    strict = "not-evaluated" in levels
    sev = [v for v in levels if v != "not-evaluated"]
    bad = [v for v in sev if v not in SEVERITY_RANK]
    if bad or len(sev) > 1:
        raise UsageError(f"invalid --fail-on {value!r}", culprit="--fail-on",
                         fix="use one of error, warning, info, never, optionally with ,not-evaluated")
    return (sev[0] if sev else "error"), strict


# ------------------------------------------------------------------ rules
@main.group(cls=_Group)
def rules() -> None:
    """Inspect, validate, compare and test rule packs.

    \b
    Examples:
      budgetlint rules list --rules hunan-2024
      budgetlint rules validate bureau-2025/
    """


def _load_pack(checker: Any, ref: str | None):
    if ref:
        return checker.packs.load(ref)
    return checker.packs.load(checker.packs.select_builtin({}))


@rules.command("list")
@rules_path_option
@click.option("--rules", "ref", metavar="PACK", help="Pack name or path (default: the base pack).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one rule a line; json: for scripts.")
@click.option("--all", "show_all", is_flag=True, help="Include disabled rules.")
def rules_list(ref: str | None, fmt: str, show_all: bool) -> None:
    """List the rules of a pack (after inheritance).

    \b
    Example:
      budgetlint rules list --rules hunan-2020 | grep scorecard
    """
    checker = _checker()
    pack = _load_pack(checker, ref)
    rows = [r for r in pack.rules.values() if show_all or r.enabled]
    if fmt == "json":
        click.echo(json.dumps([{"id": r.id, "check": r.check, "severity": r.severity, "enabled": r.enabled,
                                "applies_to": r.applies_to, "title": r.title} for r in rows],
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"# {pack.name}" + (f" (extends {' → '.join(pack.chain[1:])})" if len(pack.chain) > 1 else ""))
    for r in rows:
        types = ",".join(r.applies_to.get("part_types", [])) or "*"
        flag = "" if r.enabled else " [disabled]"
        click.echo(f"{r.id:<44} {r.check:<30} {r.severity:<8} {types:<30} {r.title}{flag}")


@rules.command("show")
@rules_path_option
@click.argument("rule_id")
@click.option("--rules", "ref", metavar="PACK", help="Pack name or path (default: the base pack).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: readable, each value with the file:line it came from; json: for scripts.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the text view.")
def rules_show(rule_id: str, ref: str | None, fmt: str = "text", lang: str = "zh") -> None:
    """Show a rule after inheritance, with where each value came from.

    \b
    Example:
      budgetlint rules show scorecard-grade --rules hunan-2024
      budgetlint rules show scorecard-grade --format json
    """
    checker = _checker()
    pack = _load_pack(checker, ref)
    rule = pack.rules.get(rule_id)
    if rule is None:
        import difflib

        close = difflib.get_close_matches(rule_id, list(pack.rules), n=3)
        raise UsageError(f"no rule {rule_id!r} in pack {pack.name}", culprit=rule_id,
                         fix=("did you mean " + ", ".join(close) + "?") if close else "run `budgetlint rules list`")
    if fmt == "text":
        from budgetlint.core.ruletext import show_text

        click.echo(show_text(pack, rule, lang), nl=False)
        return
    data = rule.to_json()
    click.echo(json.dumps({"pack": pack.name, "rule": data, "provenance": rule.provenance}, ensure_ascii=False, indent=2))


@rules.command("explain")
@rules_path_option
@click.argument("target", required=False)
@click.option("--rules", "ref", metavar="PACK", help="Pack the rule id is looked up in (default: the base pack).")
@click.option("--list-checks", is_flag=True, help="List registered check types.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the headings (the check's own text is as its author wrote it).")
def rules_explain(target: str | None, ref: str | None, list_checks: bool, lang: str = "zh") -> None:
    """Documentation of a check type, or of the check behind a rule.

    \b
    Examples:
      budgetlint rules explain scorecard-grade          # a rule: its check, parameters, example
      budgetlint rules explain formula
      budgetlint rules explain --list-checks
    """
    from budgetlint.core.ruletext import explain_text

    checker = _checker()
    reg = checker.host.registry
    if list_checks or not target:
        for cid, cls in sorted(reg.checks.items()):
            click.echo(f"{cid:<34} {cls.title}")
        return
    rule = None
    if target in reg.checks:
        cls = reg.checks[target]
    else:
        pack = _load_pack(checker, ref)
        rule = pack.rules.get(target)
        if rule is None:
            raise UsageError(f"{target!r} is neither a check type nor a rule id", culprit=target,
                             fix="run `budgetlint rules explain --list-checks` or `budgetlint rules list`")
        cls = reg.checks[rule.check]
    click.echo(explain_text(cls, rule, lang), nl=False)


@rules.command("validate")
@rules_path_option
@click.argument("file", type=click.Path(exists=True, path_type=Path))
def rules_validate(file: Path) -> None:
    """Lint a rule pack (schema, extends, overrides, check types, params).

    \b
    Example:
      budgetlint rules validate bureau-2025/pack.yaml
    """
    checker = _checker()
    pack = checker.packs.load(str(file))
    skipped = _validate_formula_names(pack)
    click.echo(f"{file}: OK — pack {pack.name}, {len(pack.enabled_rules())} enabled rule(s)"
               + (f", extends {' → '.join(pack.chain[1:])}" if len(pack.chain) > 1 else ""))
    _echo_pack_warnings(checker, pack)
    if skipped:
        click.echo(f"注意：{len(skipped)} 个名称的后续部分（行、列、事项、指标名）取决于报告内容，未能静态检查 "
                   f"(not checkable before a report is read): " + ", ".join(skipped[:3])
                   + (" …" if len(skipped) > 3 else "") + " — 用 `budgetlint parse 报告 --names` 核对")


def _echo_pack_warnings(checker: Any, pack: Any) -> None:
    """Inert overrides and an inherited 依据 the new parameters contradict
    (core/packlint.py): warnings on stderr, the exit code is unchanged."""
    from budgetlint.core.packlint import pack_warnings, parent_of

    for line in pack_warnings(pack, parent_of(checker.packs, pack)):
        click.echo(f"警告 (warning): {line}", err=True)


def _validate_formula_names(pack: Any) -> list[str]:
    """Every name of the pack's ``formula`` rules against the names the
    templates define (core/formula_names.py); unknown names are pack errors
    (file:line, with "did you mean"), names whose tail depends on the report
    are returned to be mentioned, not guessed."""
    from budgetlint.core.errors import RulePackError
    from budgetlint.core.formula_names import check_names, expression_names
    from budgetlint.core.rulepack import pack_errors

    errors: list[RulePackError] = []
    skipped: list[str] = []
    for rule in pack.rules.values():
        if rule.check != "formula" or not rule.enabled:
            continue
        expression = str(rule.params.get("expression") or "")
        found = check_names(expression_names(expression))
        where = rule.provenance.get("params.expression") or rule.where
        file, _, line = where.rpartition(":")
        for name, col, problem in found.unknown:
            errors.append(RulePackError(f"rule {rule.id}: params.expression 第{col}列 (col {col}): {problem}",
                                        culprit=file or where, where=line or None))
        skipped += [n for n in found.skipped if n not in skipped]
    if errors:
        raise pack_errors(errors)
    return skipped


@rules.command("diff")
@rules_path_option
@click.argument("pack_a")
@click.argument("pack_b")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one change a line; json: for scripts.")
def rules_diff(pack_a: str, pack_b: str, fmt: str) -> None:
    """What changed between two packs: added/removed/changed rules and params.

    Also warns where an override of PACK_B is inert or contradicts its inherited 依据.

    \b
    Example:
      budgetlint rules diff hunan-2024 bureau-2025/
    """
    from budgetlint.core.packdiff import diff_packs

    checker = _checker()
    a, b = checker.packs.load(pack_a), checker.packs.load(pack_b)
    diff = diff_packs(a, b)
    if fmt == "json":
        click.echo(json.dumps(diff, ensure_ascii=False, indent=2))
        _echo_pack_warnings(checker, b)
        return
    click.echo(f"{a.name} → {b.name}")
    for rid in diff["added"]:
        click.echo(f"+ {rid}")
    for rid in diff["removed"]:
        click.echo(f"- {rid}")
    for rid, changes in diff["changed"].items():
        click.echo(f"~ {rid}")
        for key, (old, new) in changes.items():
            click.echo(f"    {key}: {json.dumps(old, ensure_ascii=False)} → {json.dumps(new, ensure_ascii=False)}")
    if not any(diff.values()):
        click.echo("(no differences)")
    _echo_pack_warnings(checker, b)


@rules.command("test")
@rules_path_option
@click.argument("pack_path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--coverage", is_flag=True, help="Also fail when a rule lacks a firing/non-firing case or a basis.")
def rules_test(pack_path: Path | None, coverage: bool) -> None:
    """Run the YAML cases of a pack (default: every built-in pack), or of one
    rule: give its rule file or its .test.yaml file.

    The same gate pytest applies in this repository, for a bureau's pack
    anywhere on disk.

    \b
    Example:
      budgetlint rules test bureau-2025/ --coverage
      budgetlint rules test bureau-2025/sangong-total.test.yaml   # one rule's cases
    """
    from budgetlint.core.errors import SharedInputMissing
    from budgetlint.core.testing import TEST_SUFFIX, cases_files_for, coverage_problems, load_cases, run_case

    checker = _checker()
    only: Path | None = None
    if pack_path is not None and pack_path.is_file() and pack_path.name != "pack.yaml":
        only = pack_path if pack_path.name.endswith(TEST_SUFFIX) else pack_path.with_name(
            pack_path.name.removesuffix(".yaml") + TEST_SUFFIX)
        if not only.is_file():
            raise UsageError(f"{pack_path} has no cases file {only.name}", culprit=str(pack_path),
                             fix=f"write its cases in {only} (budgetlint rules new scaffolds one)")
        pack_path = pack_path.parent
    refs = [pack_path] if pack_path else sorted(checker.packs.builtins().values())
    failed = passed = xfailed = skipped = 0
    problems: list[str] = []
    for ref in refs:
        pack = checker.packs.load(str(ref))
        for cases_file in ([only] if only else cases_files_for(Path(ref))):
            for case in load_cases(cases_file):
                try:
                    result = run_case(case, pack=Path(ref), roots=[Path.cwd()], host=checker.host)
                except SharedInputMissing as exc:
                    skipped += 1
                    click.echo(f"skipped {case.test_id}: {exc}", err=True)
                    continue
                if case.todo:
                    if result.ok:  # strict: a gap that is fixed must lose its todo, or it hides the fix
                        failed += 1
                        click.echo(f"{case.file}:{case.line}: case {case.test_id} passes but is marked todo — "
                                   "remove the todo", err=True)
                    else:
                        xfailed += 1
                    continue
                if result.ok:
                    passed += 1
                else:
                    failed += 1
                    click.echo(result.report(case), err=True)
        if coverage and only is None:
            problems += coverage_problems(pack, Path(ref), checker.host)
    for p in problems:
        click.echo(f"coverage: {p}", err=True)
    click.echo(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "")
               + (f", {xfailed} xfailed" if xfailed else "")
               + (f"; {len(problems)} coverage problem(s)" if coverage else ""))
    if failed or problems:
        sys.exit(1)


@rules.command("new")
@click.argument("rule_id")
@click.option("--check", "check_id", required=True, help="Check type the rule instantiates.")
@click.option("--pack", "pack_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Pack folder to write into (created with pack.yaml if missing).")
@click.option("--extends", "extends", default="default", show_default=True, help="Parent pack for a new pack.yaml.")
def rules_new(rule_id: str, check_id: str, pack_dir: Path, extends: str) -> None:
    """Scaffold a rule and its cases file (one firing, one non-firing example).

    \b
    Example:
      budgetlint rules new sangong-within-budget --check formula --pack bureau-2025
    """
    from budgetlint.core.scaffold import scaffold_rule

    checker = _checker()
    written = scaffold_rule(checker.host.registry, rule_id, check_id, pack_dir, extends=extends)
    for p in written:
        click.echo(f"wrote {p}")
    click.echo(f"next: edit the cases, run `budgetlint rules test {pack_dir}` (red), then the rule (green); "
               f"`budgetlint rules explain {check_id}` documents the parameters")


# ------------------------------------------------------------------ waivers
@main.group(cls=_Group)
def waivers() -> None:
    """Validate waiver files (accepted findings with reason, approver, expiry).

    \b
    Example:
      budgetlint waivers validate waivers.yaml
    """


@waivers.command("check")
@rules_path_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rules", "ref", metavar="PACK", help="Also check rule ids against this pack (default: all built-in packs).")
def waivers_check(file: Path, ref: str | None) -> None:
    """Validate a waiver file: one `file:line` error per problem, exit 2.

    \b
    Example (see docs/waivers.md):
      budgetlint waivers validate waivers.yaml
    """
    from budgetlint.core.waivers import WAIVER_RULES, parse_waivers, today

    checker = _checker()
    known: set[str] = set(WAIVER_RULES)
    packs = [checker.packs.load(ref)] if ref else [checker.packs.load(n) for n in checker.packs.builtins()]
    for pack in packs:
        known.update(pack.rules)
    entries, errors = parse_waivers(file, known_rules=known)
    for err in errors:
        click.echo(f"budgetlint: {err}", err=True)
    if errors:
        sys.exit(2)
    when = today()
    expired = [w for w in entries if w.expired(when)]
    for w in expired:
        click.echo(f"{w.file}:{w.line}: warning: waiver for {w.rule} expired on {w.expires} — renew or remove it")
    click.echo(f"{file}: OK — {len(entries)} waiver(s)" + (f", {len(expired)} expired" if expired else ""))


waivers.add_command(waivers_check, name="validate")


@main.command()
def formats() -> None:
    """List input formats and report formats.

    \b
    Example:
      budgetlint formats
    """
    checker = _checker()
    reg = checker.host.registry
    click.echo("input:  " + ", ".join(reg.supported_extensions()))
    click.echo("report: " + ", ".join(sorted(reg.reporters)))


if __name__ == "__main__":  # pragma: no cover
    main()
