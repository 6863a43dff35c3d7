"""Command line: ``budgetlint parse``, ``budgetlint check``, ``budgetlint rules …``.

Exit codes (check): 0 nothing at or above ``--fail-on``; 1 findings at or
above it; 2 usage or rule-pack error (nothing checked); 3 some input could not
be read (the others are still checked and reported).  Errors are one line on
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

SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3, "never": 99}


def _fail(exc: BudgetlintError) -> None:
    click.echo(f"budgetlint: {exc}", err=True)
    sys.exit(exc.exit_code)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="budgetlint", prog_name="budgetlint")
def main() -> None:
    """budgetlint — 预决算公开与绩效自评合规检查 (compliance checker for Chinese
    public-sector budget documents)."""


def _checker(rules: str | None = None, lang: str = "zh"):
    from budgetlint.core.engine import Checker

    return Checker(rules=rules, lang=lang)


# ------------------------------------------------------------------ parse
@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--no-recognize", is_flag=True, help="Only the loader's output, without recognizers.")
def parse(file: Path, fmt: str, no_recognize: bool) -> None:
    """Parse FILE into the canonical JSON document (or a readable outline)."""
    from budgetlint.core.loading import load_document

    checker = _checker()
    if not file.exists():
        raise UsageError("no such file", culprit=str(file), fix="check the path")
    try:
        doc = load_document(file, checker.host, recognize=not no_recognize)
    except BudgetlintError as exc:
        click.echo(f"budgetlint: {exc}", err=True)
        sys.exit(3)
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=1))
    else:
        from budgetlint.core.outline import render_outline

        click.echo(render_outline(doc), nl=False)


# ------------------------------------------------------------------ check
@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--rules", "rules", metavar="PACK", help="Rule pack name or path for every document (default: picked per part).")
@click.option("--format", "fmt", default="text", show_default=True,
              help="Report format: text, json, sarif, junit, html, xlsx (see `budgetlint formats`).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default="error", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("--show-skipped", is_flag=True, help="List rules that could not be evaluated.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE (atomically).")
@click.option("--jobs", "-j", type=int, default=None, help="Parallel worker processes (default: number of cores).")
@click.option("--waivers", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Waiver file (YAML).")
@click.option("--baseline", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Previous JSON report: show only new findings.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on when stderr is a terminal).")
def check(paths: tuple[Path, ...], rules: str | None, fmt: str, fail_on: str, lang: str, show_skipped: bool,
          output: Path | None, jobs: int | None, waivers: Path | None, baseline: Path | None,
          progress: bool | None) -> None:
    """Check files and folders against the rule packs."""
    from budgetlint.core.batch import run_batch
    from budgetlint.core.reporting import write_report

    checker = _checker(rules, lang)
    if fmt not in checker.host.registry.reporters:
        raise UsageError(f"unknown report format {fmt!r}", culprit="--format",
                         fix="use one of " + ", ".join(sorted(checker.host.registry.reporters)))
    checker.validate_rules()
    report = run_batch(checker, [str(p) for p in paths], jobs=jobs, progress=progress,
                       waivers=str(waivers) if waivers else None, baseline=str(baseline) if baseline else None)
    options = {"lang": lang, "show_skipped": show_skipped, "fail_on": fail_on,
               "color": output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")}
    write_report(checker.host, report, fmt, output, options)
    sys.exit(exit_code(report, fail_on))


def exit_code(report: dict[str, Any], fail_on: str) -> int:
    if report["summary"]["documents_unreadable"]:
        return 3
    threshold = SEVERITY_RANK[fail_on]
    for f in report["findings"]:
        if not f.get("waived") and SEVERITY_RANK[f["severity"]] >= threshold:
            return 1
    return 0


# ------------------------------------------------------------------ rules
@main.group(cls=_Group)
def rules() -> None:
    """Inspect, validate, compare and test rule packs."""


def _load_pack(checker: Any, ref: str | None):
    if ref:
        return checker.packs.load(ref)
    return checker.packs.load(checker.packs.select_builtin({}))


@rules.command("list")
@click.option("--rules", "ref", metavar="PACK", help="Pack name or path (default: the base pack).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--all", "show_all", is_flag=True, help="Include disabled rules.")
def rules_list(ref: str | None, fmt: str, show_all: bool) -> None:
    """List the rules of a pack (after inheritance)."""
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
@click.argument("rule_id")
@click.option("--rules", "ref", metavar="PACK")
def rules_show(rule_id: str, ref: str | None) -> None:
    """Show a rule after inheritance, with where each value came from."""
    checker = _checker()
    pack = _load_pack(checker, ref)
    rule = pack.rules.get(rule_id)
    if rule is None:
        import difflib

        close = difflib.get_close_matches(rule_id, list(pack.rules), n=3)
        raise UsageError(f"no rule {rule_id!r} in pack {pack.name}", culprit=rule_id,
                         fix=("did you mean " + ", ".join(close) + "?") if close else "run `budgetlint rules list`")
    data = rule.to_json()
    click.echo(json.dumps({"pack": pack.name, "rule": data, "provenance": rule.provenance}, ensure_ascii=False, indent=2))


@rules.command("explain")
@click.argument("target", required=False)
@click.option("--rules", "ref", metavar="PACK")
@click.option("--list-checks", is_flag=True, help="List registered check types.")
def rules_explain(target: str | None, ref: str | None, list_checks: bool) -> None:
    """Documentation of a check type, or of the check behind a rule."""
    from budgetlint.core.checks import doc_sections

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
    secs = doc_sections(cls)
    if rule:
        click.echo(f"rule {rule.id}  ({rule.severity})  — {rule.title}")
        if rule.description:
            click.echo(rule.description)
        click.echo(f"defined at {rule.where}")
        click.echo("")
    click.echo(f"check type {cls.id} — {cls.title}")
    for name in ("What it checks", "Why it matters", "Parameters", "Example"):
        click.echo(f"\n{name}\n" + "\n".join("    " + ln for ln in secs.get(name, "").splitlines()))
    click.echo("\nParameter schema:\n" + json.dumps(cls.params_schema, ensure_ascii=False, indent=2))


@rules.command("validate")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
def rules_validate(file: Path) -> None:
    """Lint a rule pack (schema, extends, overrides, check types, params)."""
    checker = _checker()
    pack = checker.packs.load(str(file))
    click.echo(f"{file}: OK — pack {pack.name}, {len(pack.enabled_rules())} enabled rule(s)"
               + (f", extends {' → '.join(pack.chain[1:])}" if len(pack.chain) > 1 else ""))


@rules.command("diff")
@click.argument("pack_a")
@click.argument("pack_b")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_diff(pack_a: str, pack_b: str, fmt: str) -> None:
    """What changed between two packs: added/removed/changed rules and params."""
    from budgetlint.core.packdiff import diff_packs

    checker = _checker()
    a, b = checker.packs.load(pack_a), checker.packs.load(pack_b)
    diff = diff_packs(a, b)
    if fmt == "json":
        click.echo(json.dumps(diff, ensure_ascii=False, indent=2))
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


@rules.command("test")
@click.argument("pack_path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--coverage", is_flag=True, help="Also fail when a rule lacks a firing/non-firing case or a basis.")
def rules_test(pack_path: Path | None, coverage: bool) -> None:
    """Run the YAML cases of a pack (default: every built-in pack).

    The same gate pytest applies in this repository, for a bureau's pack
    anywhere on disk."""
    from budgetlint.core.errors import SharedInputMissing
    from budgetlint.core.testing import cases_files_for, coverage_problems, load_cases, run_case

    checker = _checker()
    refs = [pack_path] if pack_path else sorted(checker.packs.builtins().values())
    failed = passed = xfailed = skipped = 0
    problems: list[str] = []
    for ref in refs:
        pack = checker.packs.load(str(ref))
        for cases_file in cases_files_for(Path(ref)):
            for case in load_cases(cases_file):
                try:
                    result = run_case(case, pack=Path(ref), roots=[Path.cwd()], host=checker.host)
                except SharedInputMissing as exc:
                    skipped += 1
                    click.echo(f"skipped {case.test_id}: {exc}", err=True)
                    continue
                if case.todo:
                    xfailed += 1
                    continue
                if result.ok:
                    passed += 1
                else:
                    failed += 1
                    click.echo(result.report(case), err=True)
        if coverage:
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
    """Scaffold a rule and its cases file (one firing, one non-firing example)."""
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
    """Validate waiver files (accepted findings with reason, approver, expiry)."""


@waivers.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rules", "ref", metavar="PACK", help="Also check rule ids against this pack (default: all built-in packs).")
def waivers_check(file: Path, ref: str | None) -> None:
    """Validate a waiver file: one `file:line` error per problem, exit 2."""
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


@main.command()
def formats() -> None:
    """List input formats and report formats."""
    checker = _checker()
    reg = checker.host.registry
    click.echo("input:  " + ", ".join(reg.supported_extensions()))
    click.echo("report: " + ", ".join(sorted(reg.reporters)))


if __name__ == "__main__":  # pragma: no cover
    main()
