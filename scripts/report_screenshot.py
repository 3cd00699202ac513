"""Render the report of the examples and save a screenshot of it, one quantity's tooltip shown.

    python scripts/report_screenshot.py [--out docs/report.png] [--first-screen] [--html KEEP.html]

Analyses examples/documents.jsonl and examples/report-excerpt.txt with the shipped model (as
``policytagger analyze --include-text`` does), renders the page, opens it in headless Chromium
(/usr/bin/chromium, or $CHROMIUM) at 1280 px wide, hovers the first TARGET and saves a PNG of the
whole page (256 colours when Pillow is installed, which keeps it near 150 KB).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model.analyzer import Analyzer  # noqa: E402
from policytagger.io import BadRecord, read_documents  # noqa: E402
from policytagger.report import render_report  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def example_records() -> list[dict]:
    inputs = read_documents([ROOT / "examples" / "documents.jsonl", ROOT / "examples" / "report-excerpt.txt"])
    docs = [d for d in inputs if not isinstance(d, BadRecord)]
    analyzer = Analyzer.load()
    analysed = analyzer.analyze_batch([d.text for d in docs], ids=[d.id for d in docs], metas=[d.meta for d in docs])
    return [json.loads(json.dumps(d.to_dict(include_text=True), ensure_ascii=False)) for d in analysed]


def _shrink(png: Path):
    """Re-save with a 256-colour palette (text and flat colours survive it): a third of the size."""
    try:
        from PIL import Image
    except ImportError:
        return  # Pillow is optional here: the full-colour PNG stays
    with Image.open(png) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(png, optimize=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    parser.add_argument("--first-screen", action="store_true", help="only the first 1280x1000 screen, not the whole page")
    parser.add_argument("--html", type=Path, help="also keep the rendered page here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    html = render_report(example_records(), title="policytagger report — examples")
    with tempfile.TemporaryDirectory() as tmp:
        page_path = args.html or Path(tmp) / "report.html"
        page_path.write_text(html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                        args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(page_path.resolve().as_uri())
            # the first document's TARGET (with its period and region): its tooltip covers only blank space
            page.locator("#documents mark.t-TARGET").first.hover()
            page.wait_for_selector("#tip:not([hidden])")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=not args.first_screen)
            browser.close()
    _shrink(args.out)
    print(f"{args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
