"""Property tests: malformed variants of the real samples, for every loader
and the rule-pack loader, end in a clean outcome — a document, or one
:class:`InputError`/:class:`RulePackError` line naming the file — never any
other exception.  Bounded (derandomized, few examples each, about a minute in
all); ``scripts/fuzz_campaign.py`` runs the long campaign."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is in the test extra: pip install -e '.[test]'")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from budgetlint.core.errors import InputError, RulePackError  # noqa: E402
from budgetlint.core.fuzzing import mutants  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SEEDS = {
    ".txt": REPO / "samples" / "004_4b65da696dc0427c.txt",
    ".html": REPO / "samples" / "000_report_2020.html",
    ".docx": REPO / "samples" / "002_final_accounts_2024.docx",
    ".xlsx": REPO / "samples" / "004_scorecards_2020.xlsx",
    ".pdf": REPO / "samples" / "004_4b65da696dc0427c.pdf",
}
EXAMPLES = {".txt": 25, ".html": 20, ".docx": 20, ".xlsx": 15, ".pdf": 6}
def fuzz(max_examples: int) -> settings:
    return settings(max_examples=max_examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _one_line(text: str, name: str) -> bool:
    return "\n" not in text and "Traceback" not in text and name in text


@pytest.mark.parametrize("suffix", list(SEEDS))
def test_every_loader_ends_cleanly_on_malformed_input(suffix, host, tmp_path_factory):
    from budgetlint.core.loading import load_document

    seed = SEEDS[suffix].read_bytes()
    folder = tmp_path_factory.mktemp("fuzz")

    @fuzz(EXAMPLES[suffix])
    @given(st.integers(min_value=0, max_value=2**32 - 1))
    def run(n: int) -> None:
        data = mutants(seed, suffix, random.Random(n))
        path = folder / f"m{n}{suffix}"
        path.write_bytes(data)
        try:
            doc = load_document(path, host)
        except InputError as exc:
            assert _one_line(str(exc), path.name), str(exc)
        else:
            assert doc["source"]["path"] == str(path) and isinstance(doc["blocks"], list)
        finally:
            path.unlink()

    run()


def test_whole_check_of_malformed_text_never_loses_the_document(tmp_path_factory):
    """Loader, recognizers and every rule: a check that raises is an
    evaluation, never an internal error of the document."""
    from budgetlint.core.batch import check_path
    from budgetlint.core.engine import Checker
    from budgetlint.core.fuzzing import classify

    checker = Checker()
    seed = SEEDS[".txt"].read_bytes()
    folder = tmp_path_factory.mktemp("fuzzcheck")

    @fuzz(8)
    @given(st.integers(min_value=0, max_value=2**32 - 1))
    def run(n: int) -> None:
        path = folder / f"c{n}.txt"
        path.write_bytes(mutants(seed, ".txt", random.Random(n)))
        assert classify(check_path(checker, str(path))) in ("read", "one-line error", "over budget")

    run()


RULE_FILE = REPO / "rules" / "national" / "fa-row-sum.yaml"


@fuzz(40)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_pack_loader_ends_cleanly_on_malformed_packs(tmp_path_factory, n):
    from budgetlint.core.rulepack import PackLoader
    from budgetlint.core.testing import make_host

    rng = random.Random(n)
    rule = RULE_FILE.read_bytes()
    pieces = [b"&a [*a, *a]", b"{", b"[" * 60, b"\x00", b"{expected:>99}", b"'1-999999999'", b"extends: /dev/zero\n",
              b"rule_files: ['/etc/*']\n", b"\t", b"- ", b"~", b"!!python/object:os.system ls"]
    data = mutants(rule, ".yaml", rng) if rng.random() < 0.5 else rule[:rng.randrange(len(rule))] + rng.choice(pieces)
    folder = tmp_path_factory.mktemp("pack")
    (folder / "pack.yaml").write_bytes(b"name: fuzz\nextends: national\n")
    (folder / "fuzzed-rule.yaml").write_bytes(data)
    host = _HOST.get("host") or _HOST.setdefault("host", make_host())
    try:
        PackLoader(host.registry, host.rule_pack_dirs()).load(str(folder))
    except RulePackError as exc:
        # one line per error (a pack with several errors lists them all, each naming its file:line)
        lines = str(exc).splitlines()
        assert "Traceback" not in str(exc)
        assert len(lines) == 1 or all(str(folder) in line for line in lines[1:]), str(exc)


_HOST: dict[str, object] = {}
