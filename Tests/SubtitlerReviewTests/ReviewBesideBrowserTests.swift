import Foundation
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
@testable import SubtitlerReview

/// A second subtitle file beside the cues (a translation, or the file before a sync), in headless Chromium: its
/// lane, its legend, and its text named beside the cue it overlaps.
@Suite(.enabled(if: BrowserDriver.isEnabled, "install Debian's chromium (scripts/setup does) to run the page tests"),
       .serialized)
struct ReviewBesideBrowserTests {
    static let source = [
        Cue(start: 1_000, end: 3_000, lines: ["Good evening."]),
        Cue(start: 4_000, end: 6_500, lines: ["The weather is fine today."]),
        Cue(start: 8_000, end: 10_000, lines: ["See you tomorrow."]),
    ]
    static let translation = [
        Cue(start: 1_000, end: 3_000, lines: ["Buenas noches."]),
        Cue(start: 4_000, end: 6_500, lines: ["Hoy hace buen tiempo."]),
        Cue(start: 8_000, end: 10_000, lines: ["Hasta mañana."]),
    ]

    static func page(_ document: ReviewDocument, named name: String) throws -> URL {
        let directory = BrowserDriver.outputDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try ReviewPage.write(document, to: url)
        return url
    }

    static func document() -> ReviewDocument {
        let media = ReviewDocument.Media(path: ReviewFixtures.sample.path, duration: 40_700)
        return ReviewDocument(cues: source, violations: [], media: media, language: "en")
    }

    struct Lane: Decodable, Equatable {
        var marks: [String]
        var titles: [String]
        var legend: String?
        var height: Double
    }

    static let lane = """
        ({marks: [...document.querySelectorAll('[data-beside]')].map((n) => n.textContent),
          titles: [...document.querySelectorAll('[data-beside]')].map((n) => n.title.split('\\n')[1]),
          legend: document.getElementById('beside-legend').hidden ? null
            : document.getElementById('beside-legend').textContent,
          height: document.getElementById('content').getBoundingClientRect().height})
        """

    @Test func aTranslationIsDrawnBesideItsSourceAndNamedUnderEachCue() async throws {
        let beside = ReviewDocument.Beside(role: .translation, label: "talk.es.srt", language: "es",
                                           cues: Self.translation.reversed())
        let page = try Self.page(Self.document().drawing(beside), named: "beside-translation.html")
        let report = try await BrowserDriver.run(page: page, steps: [
            .wait("ready", "document.documentElement.dataset.ready === 'true'"),
            .eval("zoom", "window.review.zoomTo(100)"),
            .eval("lane", Self.lane),
            .click("cue", #"[data-cue="2"]"#),
            .eval("cueDetails", "[...document.querySelectorAll('#details .beside')].map((n) => n.textContent)"),
            .click("besideMark", #"[data-beside="3"]"#),
            .eval("besideDetails", "document.querySelector('#details .head').textContent"),
        ])
        #expect(report.ok, "\(report.error ?? "")")
        #expect(report.problems.isEmpty, "\(report.problems)")
        let lane: Lane = try report.value("lane")
        #expect(lane.marks == Self.translation.map { $0.lines.joined() })   // in time order, whatever the file's order
        #expect(lane.titles == Self.translation.map { $0.lines.joined() })
        #expect(lane.legend == "Translation (es): talk.es.srt")
        #expect(lane.height == 186)
        let cueDetails: [String] = try report.value("cueDetails")
        #expect(cueDetails == ["Translation (es): Hoy hace buen tiempo."])
        let head: String = try report.value("besideDetails")
        #expect(head.hasPrefix("Cue 3 "), "\(head)")   // the source cue under the translated one
    }

    @Test func aFileBeforeItsSyncShowsEveryCueItOverlaps() async throws {
        // The file before a sync moved it 1.5 s: cue 2 of the synced file overlaps two of the old cues.
        let before = Self.source.map { Cue(start: $0.start + 1_500, end: $0.end + 1_500, lines: $0.lines) }
        let beside = ReviewDocument.Beside(role: .before, label: "talk.en.srt", language: "en", cues: before)
        let page = try Self.page(Self.document().drawing(beside), named: "beside-before.html")
        let report = try await BrowserDriver.run(page: page, steps: [
            .wait("ready", "document.documentElement.dataset.ready === 'true'"),
            .eval("zoom", "window.review.zoomTo(100)"),
            .eval("lane", Self.lane),
            .click("cue", #"[data-cue="2"]"#),
            .eval("cueDetails", "[...document.querySelectorAll('#details .beside')].map((n) => n.textContent)"),
        ])
        #expect(report.ok, "\(report.error ?? "")")
        let lane: Lane = try report.value("lane")
        #expect(lane.legend == "Before the sync (en): talk.en.srt")
        let cueDetails: [String] = try report.value("cueDetails")
        #expect(cueDetails == ["Before the sync (en): Good evening.", "Before the sync (en): The weather is fine today."])
    }

    @Test func aPageWithNothingBesideHasNoLane() async throws {
        let page = try Self.page(Self.document(), named: "beside-none.html")
        let report = try await BrowserDriver.run(page: page, steps: [
            .wait("ready", "document.documentElement.dataset.ready === 'true'"),
            .eval("lane", Self.lane),
        ])
        #expect(report.ok, "\(report.error ?? "")")
        let lane: Lane = try report.value("lane")
        #expect(lane == Lane(marks: [], titles: [], legend: nil, height: 158))
    }
}
