"""The shipped model (model/default) on sentences the project wrote itself: specific spans and themes."""
import pytest

from model.analyzer import DEFAULT_MODEL_DIR, Analyzer

TEXT = (
    "今年经济社会发展的主要预期目标是：地区生产总值增长5.5%左右，城镇调查失业率5.5%以内，研发投入强度提高到3%以上。\n"
    "去年全市规上工业增加值增长7.8%，新增城镇就业12.5万人。\n"
    "宁波市市长汤飞帆在会上表示，要深入实施“八八战略”。\n"
    "大力发展新能源汽车、集成电路和生物医药产业。\n"
    "支持华为、中国石化等企业扩大投资。\n"
    "持续优化营商环境，深化“最多跑一次”改革。\n"
    "加快科技创新，建设高水平实验室，培育高新技术企业。"
)


@pytest.fixture(scope="module")
def doc():
    return Analyzer.load()(TEXT)


def spans_of(doc, sentence_index):
    return {(s.type, s.text) for s in doc.spans_in(doc.sentences[sentence_index])}


def themes_of(doc, sentence_index):
    return {t.label for t in doc.sentences[sentence_index].themes}


def test_the_shipped_model_is_in_the_repository():
    assert (DEFAULT_MODEL_DIR / "model.safetensors").stat().st_size < 80_000_000
    assert (DEFAULT_MODEL_DIR / "README.md").exists()


def test_targets_in_a_plan_sentence(doc):
    assert len(doc.sentences) == 7
    assert {("TARGET", "城镇调查失业率5.5%以内"), ("TARGET", "研发投入强度提高到3%以上")} <= spans_of(doc, 0)


def test_reported_results(doc):
    assert {("STAT", "规上工业增加值增长7.8%"), ("STAT", "新增城镇就业12.5万人")} <= spans_of(doc, 1)


def test_people_policies_industries_companies(doc):
    assert {("PER", "汤飞帆"), ("POLICY", "八八战略")} <= spans_of(doc, 2)
    assert {("INDUSTRY", "新能源汽车"), ("INDUSTRY", "集成电路")} <= spans_of(doc, 3)
    assert ("COMPANY", "华为") in spans_of(doc, 4)
    assert ("POLICY", "“最多跑一次”改革") in spans_of(doc, 5)


def test_themes(doc):
    assert "industry" in themes_of(doc, 3)
    assert "reform" in themes_of(doc, 5)
    assert "innovation" in themes_of(doc, 6)


def test_targets_command_writes_one_row_per_quantity(tmp_path):
    import csv

    from typer.testing import CliRunner

    from policytagger.cli import app
    src = tmp_path / "docs.jsonl"
    src.write_text('{"id": "nb", "region": "宁波", "year": 2025, "text": "去年全市规上工业增加值增长7.8%，新增城镇就业12.5万人。"}\n',
                   encoding="utf-8")
    out = tmp_path / "targets.csv"
    result = CliRunner().invoke(app, ["targets", str(src), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    found = {(r["doc_id"], r["type"], r["metric"], r["value"], r["unit"], r["change"], r["region"], r["period"])
             for r in rows}
    assert ("nb", "STAT", "规上工业增加值", "7.8", "%", "growth_rate", "宁波", "2024") in found
    assert ("nb", "STAT", "新增城镇就业", "125000", "人", "increase", "宁波", "2024") in found
