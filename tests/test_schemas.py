"""The published schemas hold for what budgetlint really produces on the
real seeds, and they reject what they must reject."""
from __future__ import annotations

import copy
import json

import pytest

from budgetlint.core.schemas import load_schema, validate_document, validate_report

SEED_IDS = ["000", "001", "002", "003", "004"]


@pytest.fixture(scope="module")
def docs(seeds, load) -> dict[str, dict]:
    return {k: load(p) for k, p in seeds.items()}


def test_schemas_are_valid_2020_12():
    import jsonschema

    for name in ("document", "findings", "rulepack"):
        schema = load_schema(name)
        assert schema["$schema"].endswith("2020-12/schema")
        jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("seed", SEED_IDS)
def test_every_seed_validates_against_document_schema(docs, seed):
    doc = docs[seed]
    assert validate_document(doc) == []
    # the document is substantial, not an empty shell that trivially validates
    assert doc["parts"] and any(b["type"] == "table" for b in doc["blocks"])


def test_cli_parse_json_validates(cli, seeds):
    proc = cli("parse", seeds["004"], "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert validate_document(json.loads(proc.stdout)) == []


def test_part_type_enum_matches_recognizer():
    from budgetlint.plugins.recognizers.parts import PART_TYPES

    assert load_schema("document")["$defs"]["part_type"]["enum"] == list(PART_TYPES)


def _first_number_cell(doc: dict) -> tuple[int, int, int]:
    for bi, b in enumerate(doc["blocks"]):
        if b["type"] != "table":
            continue
        for ri, row in enumerate(b["rows"]):
            for ci, c in enumerate(row):
                if c.get("value", {}).get("kind") == "number":
                    return bi, ri, ci
    raise AssertionError("no number cell")


def test_document_schema_rejects_float_amounts_and_broken_shapes(docs):
    doc = docs["004"]
    bi, ri, ci = _first_number_cell(doc)

    bad = copy.deepcopy(doc)
    bad["blocks"][bi]["rows"][ri][ci]["value"]["number"] = 7.92
    errors = validate_document(bad)
    assert errors and errors[0].startswith(f"$.blocks[{bi}].rows[{ri}][{ci}].value.number"), errors

    bad = copy.deepcopy(doc)
    bad["blocks"][bi]["rows"][ri][ci]["value"]["number"] = "1,049.47"
    assert any(".value.number" in e for e in validate_document(bad))

    bad = copy.deepcopy(doc)
    del bad["blocks"][bi]["rows"][ri][ci]["loc"]
    assert any(e.startswith(f"$.blocks[{bi}].rows[{ri}][{ci}]") and "'loc'" in e for e in validate_document(bad))

    bad = copy.deepcopy(doc)
    bad["parts"][0]["type"] = "决算"
    assert any(e.startswith("$.parts[0].type") for e in validate_document(bad))

    bad = copy.deepcopy(doc)
    bad["blocks"][0]["loc"] = {"end_line": 3}
    assert any(e.startswith("$.blocks[0].loc") for e in validate_document(bad))

    bad = copy.deepcopy(doc)
    bad["blocks"][0]["colour"] = "red"
    assert any(e.startswith("$.blocks[0]") and "colour" in e for e in validate_document(bad))

    bad = copy.deepcopy(doc)
    bad["source"]["sha256"] = "xyz"
    assert any(e.startswith("$.source.sha256") for e in validate_document(bad))


def test_document_schema_loc_variants_and_recognizer_sections(docs):
    doc = copy.deepcopy(docs["000"])
    cell = next(c for b in doc["blocks"] if b["type"] == "table" for r in b["rows"] for c in r)
    for loc in ({"paragraph": 3}, {"table": 0, "row": 2, "col": 1}, {"sheet": "公开05表", "cell_ref": "C7"},
                {"path": "/html/body/table[2]/tr[3]/td[1]"}, {"page": 4, "bbox": [10.5, 20, 300, 40.25]}):
        cell["loc"] = loc
        assert validate_document(doc) == [], loc
    cell["loc"] = {"sheet": "s", "cell_ref": "not a ref"}
    assert validate_document(doc)
    cell["loc"] = {"line": 3}
    # recognizers being written add these sections; their inner shape is not fixed yet
    doc.update({"scorecards": [{"anything": 1}], "final_accounts": {"tables": {}}, "statements": [],
                "named_values": {"x": "1.00"}, "recognizer_errors": ["scorecards: KeyError: 'x'"]})
    assert validate_document(doc) == []
    doc["glossary"] = [{"term": "机关运行经费"}]  # other recognizer sections: snake_case keys, object or array
    assert validate_document(doc) == []
    for key, value in (("unexpected", "a scalar"), ("Odd-Key", {}), ("count", 3)):
        bad = {**doc, key: value}
        assert any(key in e for e in validate_document(bad)), key


@pytest.mark.parametrize("text,kind", [("7.92", "number"), ("100%", "percent"), ("≥98%", "percent"),
                                       ("300篇以上", "target"), ("—", "dash"), ("2次会议70个以上文件", "multi")])
def test_value_shapes_validate(docs, text, kind):
    from budgetlint.core.document import make_cell

    doc = copy.deepcopy(docs["000"])
    table = next(b for b in doc["blocks"] if b["type"] == "table")
    cell = make_cell(text, {"line": table["loc"]["line"]})
    assert cell["value"]["kind"] == kind
    cell.update(row=0, col=0)
    table["rows"][0][0] = cell
    assert validate_document(doc) == []


@pytest.fixture(scope="module")
def report(cli, repo) -> dict:
    proc = cli("check", "--format", "json", "--fail-on", "never", repo / "samples")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_check_json_report_validates(report):
    assert validate_report(report) == []
    assert report["summary"]["documents_checked"] == len(report["documents"]) >= 5
    assert report["evaluations"]


def test_findings_schema_rejects_broken_reports(report):
    bad = copy.deepcopy(report)
    del bad["summary"]
    assert any("summary" in e for e in validate_report(bad))

    bad = copy.deepcopy(report)
    bad["documents"].append({"path": "x.txt", "status": "error"})  # an unreadable file must say why
    assert any(e.startswith(f"$.documents[{len(report['documents'])}]") for e in validate_report(bad))

    finding = {"rule_id": "x-rule", "check": "text.forbidden_pattern", "severity": "fatal", "message": "m",
               "source": "a.txt", "part": {"id": "p0", "type": "部门决算"}, "location": {"line": 3},
               "basis": [], "fingerprint": "0123456789abcdef", "expected": 1.5, "actual": "2"}
    bad = copy.deepcopy(report)
    bad["findings"] = [finding]
    assert any(e.startswith("$.findings[0].severity") for e in validate_report(bad))
    bad["findings"][0]["severity"] = "error"
    assert validate_report(bad) == []
    bad["findings"][0]["expected"] = {"value": 1}
    assert any(e.startswith("$.findings[0].expected") for e in validate_report(bad))
    bad["findings"][0]["expected"] = 1.5
    bad["findings"][0]["location"]["table"] = {"nested": True}
    assert any(e.startswith("$.findings[0].location.table") for e in validate_report(bad))


def test_rulepack_schema_rejects_malformed_pack(tmp_path, cli):
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema("rulepack"))
    good = {"name": "my-pack", "extends": "national",
            "rules": [{"id": "my-rule", "check": "text.forbidden_pattern", "severity": "error",
                       "message": {"zh": "模板文字", "en": "template text"}}]}
    assert list(validator.iter_errors(good)) == []
    for broken in ({**good, "rulez": []},
                   {**good, "rules": [{**good["rules"][0], "severity": "fatal"}]},
                   {**good, "rules": [{**good["rules"][0], "id": "My Rule"}]},
                   {**good, "rules": [{k: v for k, v in good["rules"][0].items() if k != "message"}]},
                   {**good, "overrides": {"some-rule": {}}}):
        assert list(validator.iter_errors(broken)), broken
    # and the engine refuses such a pack with a one-line file:line message (exit 2)
    pack = tmp_path / "pack.yaml"
    pack.write_text("name: my-pack\nrules:\n  - id: my-rule\n    check: text.forbidden_pattern\n"
                    "    severity: fatal\n    message: {zh: 模板文字}\n", encoding="utf-8")
    proc = cli("rules", "validate", pack)
    assert proc.returncode == 2
    err = proc.stderr.strip()
    assert "\n" not in err and f"{pack}:5" in err and "fatal" in err, err
