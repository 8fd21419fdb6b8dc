import Foundation
import Subtitler
import SubtitlerSupport

/// Renders a ``ReviewDocument`` as one self-contained HTML page: the video with its subtitle tracks, a
/// zoomable timeline of loudness, speech probability, chunk cuts, cues and problems, and a summary table.
///
/// The page loads nothing but the video: styles, script and the document (as JSON) are inline, the tracks
/// become `blob:` URLs made from the embedded WebVTT text, and a content security policy forbids every other
/// request. It works from `file://` and from a server alike. The HTML, CSS and JavaScript are files in `Assets/`
/// (`review.html`, `review.css`, `review.js`), turned into ``ReviewAssets`` by `scripts/generate/review-assets`;
/// `scripts/check-generated` fails when the two differ, and checks and unit-tests the script.
///
/// For tests and scripts, the timeline `#timeline` carries `data-cue-count`, `data-problem-count` and
/// `data-cut-count` (totals), and `data-rendered-cues` / `data-rendered-problems` (marks in the DOM now).
/// Every cue mark has `data-cue` (its number) and `data-status`; every problem mark `data-problem` (its
/// place in time order), `data-kind` (`violation`, `dropped`, `gap`) and `data-rule`. Marks exist for the
/// visible range plus half a screen either side, so at the zoom that fits the whole file (the start zoom for
/// files up to 10 minutes, or `window.review.fit()`) every cue and problem has exactly one mark. A lane whose
/// marks would be too many (over 4,000) or too many and too narrow (over 500, the typical one under 2 px, as
/// a film's cues are when the whole film fits) is painted on the canvas instead and `data-condensed` is
/// `true`; a click on it still picks the cue or problem under the pointer.
public enum ReviewPage {
    /// The page for `document`, as HTML text: the template `Assets/review.html` with the version this page reads,
    /// the style sheet, the document and the script put in at its placeholders (see ``ReviewAssets``, made by
    /// `scripts/generate/review-assets`).
    ///
    /// The media's file name (the page's title and heading) and the track labels (file names too) are shown with
    /// control and bidirectional formatting characters as U+FFFD, as the command line prints them: a name holding
    /// U+202E cannot read backwards in the title while the heading reads otherwise.
    public static func render(_ document: ReviewDocument) -> String {
        var document = document
        document.media.fileName = TextSanitising.printable(document.media.fileName)
        for index in document.tracks.indices {
            document.tracks[index].label = TextSanitising.printable(document.tracks[index].label)
        }
        var page = ReviewAssets.pageBeforeDocumentVersion
        page += String(ReviewDocument.currentVersion)
        page += ReviewAssets.pageBeforeStyle
        page += ReviewAssets.style
        page += ReviewAssets.pageBeforeDocument
        page += embeddedJSON(document)
        page += ReviewAssets.pageBeforeScript
        page += ReviewAssets.script
        page += ReviewAssets.pageEnd
        return page
    }

    /// Writes the page for `document` to `url`: to a temporary file first, renamed when complete.
    /// - Throws: ``OutputError`` naming the file and the cause.
    public static func write(_ document: ReviewDocument, to url: URL) throws(OutputError) {
        try AtomicFile.write(render(document), to: url)
    }

    /// The document as JSON that is safe inside a `<script>` element: `<`, `>` and `&` become `\u003c`,
    /// `\u003e` and `\u0026` (so no `</script>` or `<!--` can appear), and U+2028 / U+2029 become escapes.
    /// Non-finite numbers are written as the strings `"Infinity"`, `"-Infinity"` and `"NaN"`.
    static func embeddedJSON(_ document: ReviewDocument) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let json: Data
        do {
            json = try encoder.encode(document)
        } catch {
            // Only non-finite numbers can fail, and the strategy above writes them as strings.
            preconditionFailure("a review document always encodes: \(error)")
        }
        var output: [UInt8] = []
        output.reserveCapacity(json.count + json.count / 16)
        let bytes = [UInt8](json)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "<"): output += Array(#"\u003c"#.utf8)
            case UInt8(ascii: ">"): output += Array(#"\u003e"#.utf8)
            case UInt8(ascii: "&"): output += Array(#"\u0026"#.utf8)
            case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80
                && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                output += Array((bytes[index + 2] == 0xA8 ? #"\u2028"# : #"\u2029"#).utf8)
                index += 2
            default: output.append(byte)
            }
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}
