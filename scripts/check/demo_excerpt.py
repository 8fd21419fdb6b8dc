#!/usr/bin/env python3
"""Checks that the README's demo excerpt is what scripts/demo printed: every line of the fenced block after
"What the demo prints" appears in the demo's output, in order ("..." lines stand for lines left out).

Usage: demo_excerpt.py README.md DEMO-OUTPUT [ROOT]

ROOT (the repository's folder) is removed from the output's paths, so the excerpt reads the same on every machine.
"""
import re
import sys


def excerpt(readme: str) -> list[str]:
    lines = readme.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("What the demo prints"))
    fence = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
    end = next(i for i in range(fence + 1, len(lines)) if lines[i].startswith("```"))
    return lines[fence + 1:end]


def main() -> int:
    readme, output = sys.argv[1], sys.argv[2]
    root = sys.argv[3].rstrip("/") + "/" if len(sys.argv) > 3 else None
    wanted = [line.rstrip() for line in excerpt(open(readme, encoding="utf-8").read())]
    text = open(output, encoding="utf-8", errors="replace").read()
    if root:
        text = text.replace(root, "")
    # A second run answers from the resume cache and says so; the README shows a first run.
    text = re.sub(r", \d+ from cache", "", text)
    printed = [line.rstrip() for line in text.splitlines()]
    position = 0
    for number, line in enumerate(wanted, 1):
        if line.strip() in ("...", "…"):
            continue
        try:
            position = printed.index(line, position) + 1
        except ValueError:
            print(f"{readme}: line {number} of the demo excerpt is not in this run's output (in order): {line!r}")
            return 1
    print(f"demo: the README's excerpt ({len(wanted)} lines) matches this run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
