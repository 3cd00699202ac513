from training.agreement import span_agreement, theme_agreement


def test_agreement_counts_exact_matches_per_type():
    a = [{"text": "浙江宁波市", "spans": [[0, 2, "REGION"], [2, 5, "REGION"]], "themes": ["economy"]},
         {"text": "新开工项目120个", "spans": [[0, 9, "TARGET"]], "themes": ["projects_investment"]}]
    b = [{"text": "浙江宁波市", "spans": [[0, 5, "REGION"]], "themes": ["economy"]},
         {"text": "新开工项目120个", "spans": [[0, 9, "TARGET"]], "themes": []}]
    spans = span_agreement(a, b)
    assert spans["REGION"] == {"f1": 0.0, "first": 2, "second": 1, "matched": 0}
    assert spans["TARGET"]["f1"] == 1.0
    assert spans["all"]["f1"] == 2 * 1 / (3 + 2)
    themes = theme_agreement(a, b)
    assert themes["sentences"] == 2 and themes["exact_set_match"] == 0.5
    assert themes["per_theme"]["economy"]["kappa"] == 1.0
