import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
@testable import SubtitlerReview

/// The review page for the English sample, with subtitles made by the real pipeline against the local backend,
/// checked in headless Chromium: the video's track holds exactly the file's cues, the timeline has one mark
/// per cue and per problem, clicks and keys seek, and a screenshot is written (`.build/review/review-sample.png`).
@Suite(.enabled(if: LocalBackend.isWhisperConfigured && BrowserDriver.isEnabled,
                "needs the local backend (SUBTITLER_TEST_WHISPER_URL or scripts/test) and Debian's chromium"),
       .serialized, .backendTurn)
struct ReviewSampleTests {
    /// Runs the pipeline on the sample so every kind of mark is real: 15 s chunks (chunk cuts), a reading speed
    /// of 12 characters per second (style violations), and two sentences of the talk declared phantom through the
    /// user's own list (dropped segments: a user's phrases are dropped even inside speech, the built-in ones never).
    func makeSubtitles(cache: URL) async throws -> SubtitleResult {
        let url = try #require(LocalBackend.whisperURL, "SUBTITLER_TEST_WHISPER_URL is not set")
        let client = OpenAIAudioClient(configuration: OpenAIConfiguration(baseURL: url, apiKey: nil))
        var options = SubtitleOptions()
        options.language = "en"
        options.targetChunkDuration = 15_000
        options.style.maxCharactersPerSecond = 12
        options.hallucinationGuard.additionalPhantomPhrases = PhantomPhraseList(
            patterns: ["more than a transcript", "rest of the show"])
        return try await Subtitler(client: client, cache: ResponseCache(directory: cache))
            .makeSubtitles(for: ReviewFixtures.sample.path, options: options)
    }

    /// Loudness from the media layer's meter, and its energy speech map as a 0/1 probability.
    func activity() throws -> ReviewDocument.ActivityMap {
        let reader = try AudioReader(path: ReviewFixtures.sample.path)
        var meter = EnergyMeter(sampleRate: reader.sampleRate)
        while let block = try reader.nextBlock() { meter.append(block.samples) }
        meter.finish()
        let speech = EnergySpeechDetector.speechFrames(from: meter.energies).map { $0 ? Float(1) : 0 }
        return ReviewDocument.ActivityMap(energy: meter.energies, speechProbabilities: speech, speechFrameDuration: 20)
    }

    struct TrackCue: Decodable {
        var start: Double
        var end: Double
        var text: String
    }

    struct Timeline: Decodable {
        var cues: [Int]
        var statuses: [String]
        var kinds: [String]
        var cuts: Int
        var cueCount: String
        var problemCount: String
    }

    struct Seek: Decodable {
        var seekedAt: Double
        var paused: Bool
    }

    @Test func theSamplesPageShowsExactlyItsSubtitles() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let result = try await makeSubtitles(cache: scratch.cache)
        try #require(!result.report.violations.isEmpty, "the run should break the 12 cps limit somewhere")
        try #require(!result.report.dropped.isEmpty, "the run should drop a sentence declared phantom")
        try #require(result.report.chunks.count >= 2, "the run should cut the audio into chunks")

        // The files as the job writes them; the page's track is the WebVTT file's text.
        let directory = BrowserDriver.outputDirectory.appendingPathComponent("sample", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let srt = directory.appendingPathComponent("talk-en.en.srt")
        let vtt = directory.appendingPathComponent("talk-en.en.vtt")
        try Subtitler.write(result.cues, as: .srt, to: srt, language: "en")
        try Subtitler.write(result.cues, as: .vtt, to: vtt, language: "en")
        let track = ReviewDocument.Track(label: "English", language: "en", isDefault: true,
                                         webVTT: try String(contentsOf: vtt, encoding: .utf8))
        let media = ReviewDocument.Media(path: ReviewFixtures.sample.path, duration: result.report.audioDuration,
                                         pageDirectory: directory)
        #expect(media.source.hasPrefix("../"), "the page finds the video by a relative URL")
        let document = ReviewDocument(result: result, media: media, tracks: [track], activity: try activity())
        let page = directory.appendingPathComponent("talk-en.review.html")
        try ReviewPage.write(document, to: page)

        let third = try #require(document.cues.dropFirst(2).first)
        let light = BrowserDriver.outputDirectory.appendingPathComponent("review-sample.png")
        let dark = BrowserDriver.outputDirectory.appendingPathComponent("review-sample-dark.png")
        let armSeek = """
            window.seeked = new Promise((resolve) => {
              // The target is read when the seek starts: by 'seeked' a playing video may have moved on, as far as
              // a busy machine lets it.
              const video = document.getElementById('video');
              video.addEventListener('seeking', () => {
                const target = video.currentTime;
                video.addEventListener('seeked', () => resolve({seekedAt: target, paused: video.paused}), {once: true});
              }, {once: true});
            }), true
            """
        let report = try await BrowserDriver.run(page: page, steps: [
            .wait("ready", """
                document.documentElement.dataset.ready === 'true' && video.readyState >= 1 &&
                video.textTracks.length > 0 && video.textTracks[0].cues !== null && video.textTracks[0].cues.length > 0
                """.replacingOccurrences(of: "video.", with: "document.getElementById('video').")),
            .eval("trackCues", """
                [...document.getElementById('video').textTracks[0].cues].map((cue) => ({start: cue.startTime,
                  end: cue.endTime, text: cue.getCueAsHTML().textContent}))
                """),
            .eval("timeline", """
                ({cues: [...document.querySelectorAll('[data-cue]')].map((n) => +n.dataset.cue),
                  statuses: [...document.querySelectorAll('[data-cue]')].map((n) => n.dataset.status),
                  kinds: [...document.querySelectorAll('[data-problem]')].map((n) => n.dataset.kind),
                  cuts: document.querySelectorAll('[data-cut]').length,
                  cueCount: document.getElementById('timeline').dataset.cueCount,
                  problemCount: document.getElementById('timeline').dataset.problemCount})
                """),
            .eval("arm", armSeek),
            .click("clickCue", #"[data-cue="3"]"#),
            .eval("afterClick", "window.seeked"),
            .key(" "),
            .eval("paused", "({paused: document.getElementById('video').paused, time: document.getElementById('video').currentTime})"),
            .eval("armNext", armSeek),
            .key("n"),
            .eval("afterNext", "window.seeked"),
            .eval("armNext2", armSeek),
            .key("n"),
            .eval("afterNext2", "window.seeked"),
            .eval("armPrevious", armSeek),
            .key("p"),
            .eval("afterPrevious", "window.seeked"),
            .eval("armNext3", armSeek),
            .key("]"),
            .eval("afterNext3", "window.seeked"),
            .key(" "),
            .wait("pausedAgain", "document.getElementById('video').paused"),
            .eval("details", "document.getElementById('details').textContent"),
            .screenshot("light", light),
            .colorScheme("dark"),
            .screenshot("dark", dark),
        ])
        #expect(report.ok, "\(report.error ?? "")")
        #expect(report.problems.isEmpty, "console errors, exceptions or failed loads: \(report.problems)")

        // The browser's track holds exactly the cues of the files: same count, times and text.
        let trackCues: [TrackCue] = try report.value("trackCues")
        for file in [srt, vtt] {
            let parsed = try SubtitleParser().parse(contentsOf: file)
            #expect(trackCues.count == parsed.count, "\(file.lastPathComponent)")
            for (shown, cue) in zip(trackCues, parsed) {
                #expect(abs(shown.start * 1000 - Double(cue.start)) < 0.5 && abs(shown.end * 1000 - Double(cue.end)) < 0.5,
                        "\(file.lastPathComponent): \(shown) against \(cue)")
                #expect(shown.text == cue.lines.joined(separator: "\n"))
            }
        }
        #expect(trackCues.count == result.cues.count)

        // One mark per cue (with the library's status), one per violation and per dropped segment, one per cut.
        let timeline: Timeline = try report.value("timeline")
        #expect(timeline.cues == document.cues.map(\.number))
        #expect(timeline.statuses == document.cues.map(\.status.rawValue))
        #expect(timeline.kinds.filter { $0 == "violation" }.count == result.report.violations.count)
        #expect(timeline.kinds.filter { $0 == "dropped" }.count == result.report.dropped.count)
        #expect(timeline.kinds.count == result.report.violations.count + result.report.dropped.count)
        #expect(timeline.cuts == result.report.chunks.count - 1)
        #expect(timeline.cueCount == String(result.cues.count))
        #expect(timeline.problemCount == String(timeline.kinds.count))

        // Clicking the third cue seeks to its start and plays.
        let click: Seek = try report.value("afterClick")
        #expect(abs(click.seekedAt - Double(third.start) / 1000) < 0.05, "seeked to \(click.seekedAt), cue starts at \(third.start) ms")
        #expect(!click.paused)
        // Space pauses; n goes to the first problem after the playhead, n again to the one after it, p back,
        // ] forward again (each seeks, and plays).
        struct Paused: Decodable { var paused: Bool; var time: Double }
        let paused: Paused = try report.value("paused")
        #expect(paused.paused)
        let starts = (document.violations.map(\.start) + document.dropped.map(\.start)).sorted()
        let next = try #require(starts.firstIndex { Double($0) > paused.time * 1000 + 1 })
        try #require(next + 1 < starts.count, "the sample should have two problems after cue 3")
        for (step, index) in [("afterNext", next), ("afterNext2", next + 1), ("afterPrevious", next),
                              ("afterNext3", next + 1)] {
            let jump: Seek = try report.value(step)
            #expect(abs(jump.seekedAt - Double(starts[index]) / 1000) < 0.05,
                    "\(step): went to \(jump.seekedAt) s, problem \(index + 1) is at \(starts[index]) ms")
        }
        let details: String = try report.value("details")
        #expect(details.contains("problem \(next + 2) of \(starts.count)"), "\(details)")

        // The screenshots are real pictures: many colours, no single colour covering the page.
        for name in ["light", "dark"] {
            let shot: ScreenshotStatistics = try report.value(name)
            #expect(shot.decoded && shot.width == 1280 && shot.height == 720)
            #expect((shot.distinctColors ?? 0) > 500 && (shot.dominantShare ?? 1) < 0.8 && (shot.luminanceStdDev ?? 0) > 20,
                    "\(name) screenshot looks blank: \(shot)")
        }
    }
}
