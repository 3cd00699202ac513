"""Refresh the example output in README.md from the shipped model (run after shipping a new model)."""
import json
import re
import subprocess
from pathlib import Path

out = subprocess.run(["policytagger", "analyze", "--input", "examples/documents.jsonl", "-q"],
                     capture_output=True, text=True, check=True).stdout.splitlines()[0]
doc = json.loads(out)
block = ('{"id": "demo-1",\n "sentences": [\n' + ",\n".join("   " + json.dumps(s, ensure_ascii=False) for s in doc["sentences"])
         + '],\n "spans": [\n' + ",\n".join("   " + json.dumps(s, ensure_ascii=False) for s in doc["spans"]) + "]}")
readme = Path("README.md")
text = readme.read_text(encoding="utf-8")
text = re.sub(r"(the shipped model writes \(real output, line-wrapped here\):\n\n```json\n).*?(\n```)",
              lambda m: m.group(1) + block + m.group(2), text, flags=re.S)
readme.write_text(text, encoding="utf-8")
print(block)
