"""The label schema of ANNOTATION.md v1.1: 9 span types and 19 sentence themes."""

SPAN_TYPES = (
    "PER", "REGION", "ORG", "COMPANY", "PROJECT", "INDUSTRY", "POLICY", "TARGET", "STAT",
)
QUANTITY_TYPES = ("TARGET", "STAT")

THEMES = (
    "economy", "innovation", "talent", "business_env", "investment_attraction",
    "projects_investment", "industry", "private_economy", "opening_up", "consumption",
    "reform", "finance", "green", "rural", "urban_infra", "livelihood", "safety",
    "party_conduct", "culture",
)


def bio_tags(span_types=SPAN_TYPES) -> list[str]:
    """BIO tag inventory: O first, then B-/I- per type, in schema order."""
    return ["O"] + [f"{p}-{t}" for t in span_types for p in ("B", "I")]
