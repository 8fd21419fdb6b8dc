"""Writes Sources/Subtitles/Generated/HTMLEntities.swift, the table of HTML named character references that the
WebVTT cue text parser decodes: the list of the HTML standard, as Python ships it in html.entities.html5 (no
network needed)."""
import html.entities
import sys

from swiftgen import ROOT, header, main, raw_string

OUTPUT = ROOT / "Sources/Subtitles/Generated/HTMLEntities.swift"


def make():
    rows = [name + "\t" + " ".join("%X" % ord(character) for character in value)
            for name, value in sorted(html.entities.html5.items())]
    text = (header("html-entities", "Python's html.entities.html5 (the HTML standard's list)")
            + "\n/// The HTML named character references: one `name<TAB>hex code points` per line. Names that end"
            + " without `;` are\n/// the legacy forms the HTML tokenizer also accepts.\n"
            + "let htmlEntityTable = " + raw_string("\n".join(rows), "html.entities.html5") + "\n")
    return text, f"{len(rows)} references"


if __name__ == "__main__":
    sys.exit(main("html-entities", __doc__.split("\n\n")[0], OUTPUT, make))
