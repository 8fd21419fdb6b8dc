import Foundation
import Subtitles
import Testing
@testable import Subtitler
@testable import SubtitlerReview
import SubtitlerSupport

/// The rendered page is one self-contained file, and the document inside it is inert data.
struct ReviewPageTests {
    static let dataOpening = #"<script type="application/json" id="review-data">"#

    /// The embedded JSON, as the page holds it.
    func embeddedJSON(in page: String) throws -> String {
        let start = try #require(page.range(of: Self.dataOpening), "no embedded document")
        let end = try #require(page.range(of: "</script>", range: start.upperBound..<page.endIndex))
        return String(page[start.upperBound..<end.lowerBound])
    }

    func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func thePageLoadsNothingButTheVideo() throws {
        let page = ReviewPage.render(ReviewFixtures.longFilm(duration: 600_000, cueCount: 100, droppedCount: 5))
        let lowered = page.lowercased()
        for forbidden in ["http:", "https:", "<link", "<iframe", "<img", "<object", "<embed", " src=\"", " href="] {
            #expect(!lowered.contains(forbidden), "the page contains \(forbidden)")
        }
        // The style sheet fetches nothing either.
        let styleStart = try #require(lowered.range(of: "<style>"))
        let styleEnd = try #require(lowered.range(of: "</style>"))
        let sheet = lowered[styleStart.upperBound..<styleEnd.lowerBound]
        #expect(!sheet.contains("url(") && !sheet.contains("@import") && !sheet.contains("@font-face"))
        #expect(occurrences(of: "<script", in: lowered) == 2)
        #expect(occurrences(of: "</script>", in: lowered) == 2)
        #expect(page.contains("Content-Security-Policy"))
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.hasSuffix("</html>\n"))
    }

    @Test func hostileTextCannotLeaveTheDataElement() throws {
        let document = ReviewFixtures.hostileDocument()
        let page = ReviewPage.render(document)
        let json = try embeddedJSON(in: page)
        // Nothing in the data can end the element, open a comment, or end a JavaScript line.
        for forbidden in ["<", ">", "&", "\u{2028}", "\u{2029}"] {
            #expect(!json.contains(forbidden), "raw \(forbidden.unicodeScalars.map { String($0.value, radix: 16) }) in the data")
        }
        #expect(occurrences(of: "</script", in: page.lowercased()) == 2)
        #expect(!page.contains("<!--"))
        #expect(!page.contains("\u{2028}") && !page.contains("\u{2029}"))
        // …and it still decodes to exactly the document.
        let decoded = try JSONDecoder().decode(ReviewDocument.self, from: Data(json.utf8))
        #expect(decoded == document)
        #expect(decoded.cues[1].lines[0] == ReviewFixtures.scriptBreakout)
        #expect(decoded.cues[2].lines[0] == ReviewFixtures.separators)
    }

    @Test func nonFiniteValuesStillRender() throws {
        var document = ReviewFixtures.hostileDocument()
        try #require(!document.violations.isEmpty)
        document.violations[0].value = .infinity
        document.summary.estimatedCost = .nan
        let json = try embeddedJSON(in: ReviewPage.render(document))
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let decoded = try decoder.decode(ReviewDocument.self, from: Data(json.utf8))
        #expect(decoded.violations[0].value == .infinity)
        #expect(decoded.summary.estimatedCost?.isNaN == true)
    }

    @Test func writingReplacesThePageWhole() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("review-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("talk.review.html")
        try Data("old".utf8).write(to: url)
        let document = ReviewFixtures.hostileDocument()
        try ReviewPage.write(document, to: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == ReviewPage.render(document))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["talk.review.html"])
        // A directory that does not exist: a readable error naming the file, nothing written.
        let missing = directory.appendingPathComponent("missing/page.html")
        #expect(throws: OutputError.self) { try ReviewPage.write(document, to: missing) }
        do {
            try ReviewPage.write(document, to: missing)
        } catch {
            #expect(error.description.contains(missing.path))
        }
    }

    /// Writes a page and its figures into `.build/review/` for the browser tests and `Benchmarks/run-review`.
    func keep(_ document: ReviewDocument, named name: String) throws -> Int {
        let clock = ContinuousClock()
        var page = ""
        let elapsed = clock.measure { page = ReviewPage.render(document) }
        let directory = BrowserDriver.outputDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try AtomicFile.write(page, to: directory.appendingPathComponent(name + ".html"))
        let bytes = page.utf8.count
        let figures = #"{"renderMilliseconds": \#(Subtitler.milliseconds(elapsed)), "bytes": \#(bytes), "cues": \#(document.cues.count), "violations": \#(document.violations.count), "dropped": \#(document.dropped.count), "activityValues": \#(document.activity?.energy?.count ?? 0), "activityStep": \#(document.activity?.step ?? 0)}"#
        try AtomicFile.write(figures + "\n", to: directory.appendingPathComponent(name + ".figures.json"))
        return bytes
    }

    /// The sample video, as the pages in `.build/review/` find it.
    var sampleFromBuildDirectory: String {
        ReviewDocument.Media.relativeURL(of: ReviewFixtures.sample, from: BrowserDriver.outputDirectory)
    }

    /// A three-hour film's page stays a few megabytes. Also leaves it in `.build/review/long-film.html` for
    /// `Benchmarks/run-review`, with the time Swift took to render it beside it (not judged here).
    @Test func aThreeHourFilmsPageStaysCompact() throws {
        var document = ReviewFixtures.longFilm()
        document.media.source = sampleFromBuildDirectory   // the page plays the (shorter) English sample
        #expect(document.cues.count == 2_500)
        #expect(document.activity?.energy?.count == 108_000 && document.activity?.speech?.count == 108_000)
        let problems = document.violations.count + document.dropped.count
        #expect(problems >= 200 && problems <= 2_000, "hundreds of problems, not \(problems)")
        let bytes = try keep(document, named: "long-film")
        #expect(bytes < 4_000_000, "the page has \(bytes) bytes")
    }

    /// Ten hours and 10,000 cues: the activity map's step grows to keep 200,000 values, and the page stays
    /// bounded (left in `.build/review/long-film-10h.html` for the benchmark).
    @Test func aTenHourFilmsPageStaysBounded() throws {
        var document = ReviewFixtures.longFilm(duration: 36_000_000, cueCount: 10_000, droppedCount: 400)
        document.media.source = sampleFromBuildDirectory
        #expect(document.activity?.step == 180 && document.activity?.energy?.count == 200_000)
        let bytes = try keep(document, named: "long-film-10h")
        #expect(bytes < 12_000_000, "the page has \(bytes) bytes")
    }

    @Test func controlAndBidiCharactersInFileNamesAreShownAsReplacementCharacters() throws {
        var document = ReviewFixtures.hostileDocument()
        // U+202E (right-to-left override) makes "film\u{202E}vkm.exe" read as "filmexe.mkv"; a bell and an isolate too.
        document.media.fileName = "film\u{202E}vkm.exe\u{07}\u{2066}.mkv"
        document.tracks = [ReviewDocument.Track(label: "film\u{200F}.en.srt\u{1B}", language: "en",
                                                cues: [Cue(start: 0, end: 1_000, lines: ["Hello."])])]
        let page = ReviewPage.render(document)
        let shown = try JSONDecoder().decode(ReviewDocument.self, from: Data(try embeddedJSON(in: page).utf8))
        // The title and the heading are both made from this one value, so they show the same.
        #expect(shown.media.fileName == "film\u{FFFD}vkm.exe\u{FFFD}\u{FFFD}.mkv")
        #expect(shown.tracks.map(\.label) == ["film\u{FFFD}.en.srt\u{FFFD}"])
        for raw in ["\u{202E}", "\u{2066}", "\u{200F}", "\u{07}", "\u{1B}", "\\u202e", "\\u001b", "\\u0007"] {
            #expect(!page.lowercased().contains(raw), "\(raw.unicodeScalars.map { String($0.value, radix: 16) }) in the page")
        }
        // Cue text keeps a right-to-left mark: Arabic and Hebrew subtitles need it.
        document.cues = [ReviewDocument.Cue(number: 1, start: 0, end: 1_000, lines: ["\u{200F}שלום"], status: .ok)]
        #expect(ReviewPage.render(document).contains("\u{200F}שלום"))
    }
}
