import Foundation
import SubtitlerSupport

/// Renders a ``ReviewDocument`` as one self-contained HTML page: the video with its subtitle tracks, a
/// zoomable timeline of loudness, speech probability, chunk cuts, cues and problems, and a summary table.
///
/// The page loads nothing but the video: styles, script and the document (as JSON) are inline, the tracks
/// become `blob:` URLs made from the embedded WebVTT text, and a content security policy forbids every other
/// request. It works from `file://` and from a server alike.
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
    /// The page for `document`, as HTML text.
    public static func render(_ document: ReviewDocument) -> String {
        var page = head
        page += style
        page += body
        page += embeddedJSON(document)
        page += "</script>\n<script>\n(() => {\n'use strict';\nconst DOCUMENT_VERSION = \(ReviewDocument.currentVersion);\n"
        page += scriptSetup
        page += scriptTimeline
        page += scriptInteraction
        page += "})();\n</script>\n</body>\n</html>\n"
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

    /// Everything up to the style sheet.
    static let head = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
        style-src 'unsafe-inline'; media-src * file: blob: data:; img-src data: blob:">
        <meta name="generator" content="subtitler review">
        <title>Subtitle review</title>
        <style>

        """

    /// From the end of the style sheet to the start of the embedded JSON.
    static let body = """
        </style>
        </head>
        <body>
        <header><h1 id="title"></h1><span id="headline"></span></header>
        <div id="main">
          <section id="player" aria-label="Player">
            <video id="video" controls preload="auto" playsinline></video>
            <div id="transport">
              <button id="play" type="button" title="Play or pause (Space)">Play</button>
              <button id="back" type="button" title="Back 5 s (←; Shift: 1 s)">−5 s</button>
              <button id="forward" type="button" title="Forward 5 s (→; Shift: 1 s)">+5 s</button>
              <button id="previous-problem" type="button" title="Previous problem (p or [)">◀ Problem</button>
              <button id="next-problem" type="button" title="Next problem (n or ])">Problem ▶</button>
              <span id="clock"></span>
            </div>
            <div id="notice" role="status"></div>
          </section>
          <aside id="side" aria-label="Summary">
            <table id="summary"><tbody></tbody></table>
            <ul id="warnings"></ul>
            <h2 id="problem-heading">Problems</h2>
            <ol id="problem-list"></ol>
          </aside>
        </div>
        <section id="timeline-pane" aria-label="Timeline">
          <div id="toolbar">
            <span id="range"></span>
            <span class="legend"><i class="swatch energy"></i>loudness</span>
            <span class="legend"><i class="swatch speech"></i>speech</span>
            <span class="legend"><i class="swatch ok"></i>cue</span>
            <span class="legend"><i class="swatch bad"></i>cue breaking the style</span>
            <span class="legend"><i class="swatch violation"></i>violation</span>
            <span class="legend"><i class="swatch dropped"></i>dropped</span>
            <span class="legend"><i class="swatch chunk"></i>chunk cut</span>
            <button id="zoom-out" type="button" title="Zoom out (−)">−</button>
            <button id="zoom-in" type="button" title="Zoom in (+)">+</button>
            <button id="fit" type="button" title="The whole file (0)">Fit</button>
            <label title="Keep the playhead in view while playing"><input id="follow" type="checkbox" checked> follow</label>
          </div>
          <div id="timeline" tabindex="0" aria-label="Timeline: cues, problems, chunk cuts">
            <div id="content">
              <canvas id="activity"></canvas>
              <div id="layers"><div id="cut-layer"></div><div id="cue-layer"></div><div id="problem-layer"></div>\
        <div id="playhead"></div></div>
            </div>
          </div>
          <div id="details" aria-live="polite"></div>
        </section>
        <footer>Keys: <kbd>Space</kbd> play/pause · <kbd>←</kbd> <kbd>→</kbd> 5 s (<kbd>Shift</kbd> 1 s) · \
        <kbd>n</kbd> or <kbd>]</kbd> next problem · <kbd>p</kbd> or <kbd>[</kbd> previous · \
        <kbd>+</kbd> <kbd>−</kbd> zoom · <kbd>0</kbd> whole file · Ctrl+wheel zooms · \
        click a cue or marker to play it</footer>
        <script type="application/json" id="review-data">
        """
}
