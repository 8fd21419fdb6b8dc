import Foundation
import Subtitles
import Testing
@testable import Subtitler
@testable import SubtitlerReview

/// The review document is derived from the library's own results: statuses, counts, cuts and tracks.
struct ReviewDocumentTests {
    func job() -> SubtitleResult {
        let cues = [
            Cue(start: 500, end: 2_500, lines: ["A calm first line."]),
            Cue(start: 2_520, end: 2_900, lines: ["Far too much text for such a very short cue, really."]),
            Cue(start: 4_000, end: 6_000, lines: ["Fine again."], speaker: "Ann"),
        ]
        let violations = Linter(style: .netflix).lint(cues)
        let report = SubtitleReport(
            input: "/media/talk.mp4", language: "en", task: .transcribe, model: "whisper-1", timing: .segment,
            audioDuration: 9_000,
            chunks: [
                ChunkSummary(index: 1, start: 3_000, duration: 3_000, bytes: 1, requestBytes: 1, endsInSilence: false, cached: false),
                ChunkSummary(index: 0, start: 0, duration: 3_000, bytes: 1, requestBytes: 1, endsInSilence: true, cached: false),
                ChunkSummary(index: 2, start: 6_000, duration: 3_000, bytes: 1, requestBytes: 1, endsInSilence: true, cached: true),
            ],
            requests: 2, cachedChunks: 1, retries: 0, bytesSent: 2,
            dropped: [
                DroppedSegment(start: 7_000, end: 8_000, text: "Thanks for watching!", rule: DroppedSegment.Rule.phantomPhrase),
                DroppedSegment(start: 3_000, end: 3_500, text: "la la la", rule: DroppedSegment.Rule.loop),
                DroppedSegment(start: 8_100, end: 8_500, text: "Subscribe!", rule: DroppedSegment.Rule.phantomPhrase),
            ],
            violations: violations, gaps: [], warnings: ["a cut found no pause"], wallTime: 100, estimatedCost: 0.0009
        )
        return SubtitleResult(cues: cues, report: report)
    }

    @Test func statusesRulesAndPlacesComeFromTheLinter() throws {
        let result = job()
        let violations = result.report.violations
        try #require(!violations.isEmpty && violations.allSatisfy { $0.cueNumber == 2 },
                     "the fixture should break rules in cue 2 only: \(violations)")
        let document = ReviewDocument(result: result, media: .init(path: "/media/talk.mp4", duration: 9_000))

        #expect(document.cues.map(\.number) == [1, 2, 3])
        #expect(document.cues.map(\.status) == [.ok, .violation, .ok])
        #expect(document.cues[1].rules == violations.map(\.rule))
        #expect(document.cues[2].speaker == "Ann")
        #expect(document.cues.map(\.lines) == result.cues.map(\.lines))
        #expect(document.violations.count == violations.count)
        for violation in document.violations {
            #expect(violation.start == 2_520 && violation.end == 2_900, "placed at its cue")
        }
        #expect(document.violations.map(\.message) == violations.map(\.message))
        #expect(document.violations.map(\.value) == violations.map(\.value))
    }

    @Test func cutsDroppedAndSummaryComeFromTheReport() {
        let result = job()
        let document = ReviewDocument(result: result, media: .init(path: "/media/talk.mp4", duration: 9_000))

        // Chunks sorted by index; a cut is in a pause when the chunk before it ends in silence.
        #expect(document.chunkCuts == [.init(time: 3_000, isInPause: true), .init(time: 6_000, isInPause: false)])
        #expect(document.dropped.map(\.text) == ["Thanks for watching!", "la la la", "Subscribe!"])
        let summary = document.summary
        #expect(summary.cueCount == 3)
        #expect(summary.cuesWithViolations == 1)
        #expect(summary.violationCount == result.report.violations.count)
        #expect(summary.violationsByRule.reduce(0) { $0 + $1.count } == result.report.violations.count)
        #expect(summary.droppedCount == 3)
        #expect(summary.droppedByRule == [.init(rule: "phantom-phrase", count: 2), .init(rule: "loop", count: 1)])
        #expect(summary.chunkCount == 3)
        #expect(summary.language == "en" && summary.model == "whisper-1" && summary.task == .transcribe)
        #expect(summary.estimatedCost == 0.0009)
        #expect(summary.audioDuration == 9_000)
        #expect(summary.warnings == ["a cut found no pause"])
        #expect(document.media.fileName == "talk.mp4")
        #expect(document.media.source == "file:///media/talk.mp4")
    }

    @Test func doubtfulSpeechAndOmissionsComeFromTheReport() throws {
        var result = job()
        result.report.doubtfulSpeech = [SpeechSpan(start: 1_000, end: 2_500), SpeechSpan(start: 5_000, end: 5_500)]
        result.report.omissions = [Omission(start: 6_000, end: 7_000, kind: .emptyJoin)]
        let document = ReviewDocument(result: result, media: .init(path: "/media/talk.mp4", duration: 9_000))
        #expect(document.doubtful == result.report.doubtfulSpeech)
        #expect(document.omissions == result.report.omissions)
        #expect(document.summary.omissionCount == 1)
        #expect(document.summary.doubtfulDuration == 2_000)
        // A document the service stored before they were drawn still decodes, without them.
        let encoded = try JSONEncoder().encode(document)
        var object = try #require(JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        object["doubtful"] = nil
        object["omissions"] = nil
        var summary = try #require(object["summary"] as? [String: Any])
        summary["omissionCount"] = nil
        summary["doubtfulDuration"] = nil
        object["summary"] = summary
        let old = try JSONDecoder().decode(ReviewDocument.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.omissions == nil && old.doubtful == nil && old.summary.omissionCount == nil)
        #expect(old.cues == document.cues)
    }

    @Test func theDefaultTrackIsTheWebVTTTheJobWrites() {
        let result = job()
        let document = ReviewDocument(result: result, media: .init(path: "/media/talk.mp4", duration: 9_000))
        #expect(document.tracks.count == 1)
        let track = document.tracks[0]
        #expect(track.isDefault && track.kind == .subtitles && track.language == "en")
        #expect(track.webVTT == Subtitler.render(result.cues, as: .vtt, language: "en"))
    }

    @Test func withoutAReportThereAreNoJobFigures() {
        let cues = [Cue(start: 0, end: 400, lines: ["Quick."])]
        let violations = Linter(style: .netflix).lint(cues)
        let document = ReviewDocument(cues: cues, violations: violations,
                                      media: .init(fileName: "clip.mkv", source: "clip.mkv", duration: 5_000),
                                      language: "de")
        #expect(document.summary.model == nil && document.summary.estimatedCost == nil && document.summary.chunkCount == nil)
        #expect(document.dropped.isEmpty && document.chunkCuts.isEmpty && document.gaps.isEmpty)
        #expect(document.summary.audioDuration == 5_000)
        #expect(document.summary.language == "de")
        #expect(document.cues[0].status == (violations.isEmpty ? .ok : .violation))
        #expect(document.tracks[0].label == "Subtitles (de)")
    }

    @Test func theJSONRoundTrips() throws {
        var document = ReviewDocument(result: job(), media: .init(path: "/media/talk.mp4", duration: 9_000))
        document.activity = .init(step: 100, energy: [-60, -20, 0], speech: [0, 90, 100])
        let data = try JSONEncoder().encode(document)
        #expect(try JSONDecoder().decode(ReviewDocument.self, from: data) == document)
        #expect(document.version == ReviewDocument.currentVersion)
    }

    @Test func activityEnergyIsThePowerMeanAndSpeechThePeak() throws {
        // 20 ms energy frames: 5 per 100 ms step. Step 0: all -20 dB. Step 1: 0 dB and four silent frames.
        let energy: [Float] = [-20, -20, -20, -20, -20, 0, -120, -120, -120, -120, -40]
        // 32 ms speech frames: step 0 overlaps frames 0...3, step 1 frames 3...6.
        let speech: [Float] = [0.1, 0.2, 0.05, 0.9, 0.3, 0.2, 0.1]
        let map = ReviewDocument.ActivityMap(energy: energy, speechProbabilities: speech)
        #expect(map.step == 100)
        let levels = try #require(map.energy)
        #expect(levels.count == 3)   // 220 ms of frames
        #expect(levels[0] == -20)
        #expect(levels[1] == -7)     // 10·log10(1/5) = -6.99
        #expect(levels[2] == -40)
        #expect(map.speech == [90, 90, 10])
    }

    @Test func longMediaGetALongerStep() throws {
        let frames = [Float](repeating: -30, count: 50_000)   // 1000 s of 20 ms frames
        let map = ReviewDocument.ActivityMap(energy: frames, maximumCount: 1_000)
        #expect(map.step == 1_000)
        #expect(try #require(map.energy).count == 1_000)
        #expect(map.speech == nil)
    }

    @Test func storedValuesAreClamped() {
        let map = ReviewDocument.ActivityMap(step: 0, energy: [-200, 5, -12], speech: [-3, 140, 42])
        #expect(map.step == 1 && map.energy == [-120, 0, -12] && map.speech == [0, 100, 42])
    }

    @Test(arguments: [
        ("/work/out/talk.mp4", "/work/out", "talk.mp4"),
        ("/work/media/talk one.mp4", "/work/out", "../media/talk%20one.mp4"),
        ("/media/a#b?c;d.mkv", "/work/out/pages", "../../../media/a%23b%3Fc%3Bd.mkv"),
        ("/work/é/ñ.mp4", "/work", "%C3%A9/%C3%B1.mp4"),
        ("/work/out/../media/x.mp4", "/work/./out", "../media/x.mp4"),
    ])
    func relativeMediaURLs(file: String, directory: String, expected: String) {
        let url = ReviewDocument.Media.relativeURL(of: URL(fileURLWithPath: file),
                                                   from: URL(fileURLWithPath: directory, isDirectory: true))
        #expect(url == expected)
    }

    @Test func mediaOnDiskIsNamedAndLocated() {
        let media = ReviewDocument.Media(path: "/work/media/talk.mp4", duration: 1_000,
                                         pageDirectory: URL(fileURLWithPath: "/work/out"))
        #expect(media.fileName == "talk.mp4" && media.source == "../media/talk.mp4" && media.duration == 1_000)
    }
}
