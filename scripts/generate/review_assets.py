"""Turns the review page's assets (Sources/SubtitlerReview/Assets: review.html, review.css, review.js) into
Sources/SubtitlerReview/Generated/ReviewAssets.swift, the string constants ReviewPage.render puts together.

review.html is the page with four placeholders, in this order: {{document-version}}, {{style}},
{{document-json}} and {{script}}. The generator cuts it at them (so nothing in a rendered document can be
taken for a placeholder) and checks that the style sheet and the script cannot end their elements early."""
import re
import sys

from swiftgen import ROOT, GenerationError, header, main, raw_string, read_text, relative

ASSETS = ROOT / "Sources/SubtitlerReview/Assets"
OUTPUT = ROOT / "Sources/SubtitlerReview/Generated/ReviewAssets.swift"
PLACEHOLDERS = ["document-version", "style", "document-json", "script"]
PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
# The constant that holds the template's text before each placeholder, and after the last.
PIECES = {
    "document-version": "pageBeforeDocumentVersion",
    "style": "pageBeforeStyle",
    "document-json": "pageBeforeDocument",
    "script": "pageBeforeScript",
    None: "pageEnd",
}


def template_pieces(template, source):
    found = [match.group(1) for match in PLACEHOLDER.finditer(template)]
    if found != PLACEHOLDERS:
        raise GenerationError(
            f"{source}: placeholders are {', '.join('{{%s}}' % p for p in found) or 'none'}; "
            f"want each of {', '.join('{{%s}}' % p for p in PLACEHOLDERS)} once, in that order")
    pieces = PLACEHOLDER.split(template)[0::2]   # split keeps the group: text, name, text, name, …
    return list(zip(PLACEHOLDERS + [None], pieces))


def refuse(text, source, forbidden, why):
    for sequence in forbidden:
        at = text.lower().find(sequence)
        if at >= 0:
            line = text.count("\n", 0, at) + 1
            raise GenerationError(f"{source}:{line}: contains {sequence!r}, {why}")


def constant(name, documentation, text, source):
    return f"    /// {documentation}\n    static let {name} = {raw_string(text, source)}\n"


def make():
    html, css, js = (ASSETS / "review.html", ASSETS / "review.css", ASSETS / "review.js")
    template, style, script = read_text(html), read_text(css), read_text(js)
    refuse(style, relative(css), ["</style"], "which would end the <style> element")
    refuse(script, relative(js), ["</script", "<script", "<!--"],
           "which the HTML parser would read inside a <script> element")
    body = ""
    for placeholder, piece in template_pieces(template, relative(html)):
        where = f"up to {{{{{placeholder}}}}}" if placeholder else "after {{script}}"
        body += constant(PIECES[placeholder], f"review.html {where}.", piece, relative(html)) + "\n"
    body += constant("style", "review.css, for `{{style}}`.", style, relative(css)) + "\n"
    body += constant("script", "review.js, for `{{script}}`.", script, relative(js))
    text = (header("review-assets", "Sources/SubtitlerReview/Assets (review.html, .css, .js)")
            + "\n/// The review page's assets, cut at the template's placeholders; ``ReviewPage/render(_:)`` joins"
            + " them.\nenum ReviewAssets {\n" + body + "}\n")
    return text, f"{len(template) + len(style) + len(script)} characters of assets"


if __name__ == "__main__":
    sys.exit(main("review-assets", __doc__.split("\n\n")[0], OUTPUT, make))
