import Foundation
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
@testable import SubtitlerJobs

/// The JSON of a job report is a contract: `--json` prints it, the service stores and returns it. These are the
/// bytes the reports encoded to before the report was typed; they must not change (a failed report gained one key,
/// `failure`, beside its `error` text).
struct JobReportContractTests {
    static func encoded(_ value: some Encodable, sorted: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = sorted ? [.prettyPrinted, .sortedKeys] : []
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A finished job with every figure set.
    static var done: JobReport {
        var report = JobReport(input: "/media/talk.mp4", status: .done)
        report.outputs = ["/media/talk.en.srt"]
        report.language = "en"
        report.task = .transcribe
        report.model = "whisper-1"
        report.cues = 2
        report.wallTimeMs = 1_234
        var run = SubtitleReport(
            input: "/media/talk.mp4", language: "en", task: .transcribe, model: "whisper-1", timing: .word,
            audioDuration: 40_700,
            chunks: [ChunkSummary(index: 0, start: 0, duration: 40_700, bytes: 10_000, requestBytes: 12_345,
                                  endsInSilence: true, cached: false, audioSent: 30_000)],
            requests: 1, cachedChunks: 0, retries: 1, bytesSent: 12_345,
            dropped: [DroppedSegment(start: 7_000, end: 8_000, text: "Thanks for watching!",
                                     rule: DroppedSegment.Rule.phantomPhrase)],
            violations: [StyleViolation(cueNumber: 2, rule: StyleViolation.Rule.readingSpeed, value: 21.5,
                                        limit: 20, message: "cue 2: too fast")],
            gaps: [], warnings: ["a cut without a pause at 00:05:00,000"], wallTime: 1_234, estimatedCost: 0.0041)
        run.audioSent = 30_000
        run.speechDuration = 20_350
        run.speechDetector = .silero
        run.doubtfulSpeech = [SpeechSpan(start: 12_000, end: 24_000)]
        run.omissions = [Omission(start: 0, end: 11_600, kind: .leftOutSound),
                         Omission(start: 30_000, end: 33_000, kind: .emptyJoin)]
        report.run = run
        return report
    }

    /// A skipped job.
    static var skipped: JobReport {
        var report = JobReport(input: "/media/old.mkv", status: .skipped)
        report.outputs = ["/media/old.en.srt"]
        report.skipReason = SkipReason(kind: .upToDate, message: "up to date, skipped (use --force to redo)",
                                       path: "/media/old.en.srt")
        return report
    }

    /// A job that failed after sending.
    static var failed: JobReport {
        var report = JobReport(input: "/media/bad.mp4", status: .failed)
        report.language = "de"
        report.task = .translate
        report.model = "whisper-1"
        report.sent = RequestsSent(requests: 3, retries: 2, bytesSent: 999)
        report.failure = JobFailure(.pipeline, path: "/media/bad.mp4",
                                    message: "/media/bad.mp4: 1 chunk failed, nothing written: boom")
        report.wallTimeMs = 50
        return report
    }

    /// A dry run.
    static var planned: JobReport {
        var report = JobReport(input: "/media/plan.mp4", status: .planned)
        report.task = .transcribe
        report.model = "gpt-4o-transcribe"
        var plan = PlanSummary(
            input: "/media/plan.mp4",
            chunks: [ChunkSummary(index: 0, start: 0, duration: 1_000, bytes: 10, requestBytes: 20,
                                  endsInSilence: false, cached: false)],
            audioDuration: 1_000, estimatedCost: 0.0001, warnings: [])
        plan.audioSent = 1_000
        plan.speechDuration = 0
        plan.speechDetector = .energy
        report.dryRun = plan
        return report
    }

    /// Pretty-printed with sorted keys, as `--json` prints them.
    static let expectedSorted: [String] = [
        #"""
{
  "audioDurationMs" : 40700,
  "audioSentMs" : 30000,
  "bytesSent" : 12345,
  "cachedChunks" : 0,
  "chunks" : 1,
  "cues" : 2,
  "doubtfulSpeech" : [
    {
      "end" : 24000,
      "start" : 12000
    }
  ],
  "droppedSegments" : [
    {
      "end" : 8000,
      "rule" : "phantom-phrase",
      "start" : 7000,
      "text" : "Thanks for watching!"
    }
  ],
  "estimatedCost" : 0.0041,
  "gaps" : [

  ],
  "input" : "\/media\/talk.mp4",
  "language" : "en",
  "model" : "whisper-1",
  "omissions" : [
    {
      "end" : 11600,
      "kind" : "left-out-sound",
      "start" : 0
    },
    {
      "end" : 33000,
      "kind" : "empty-join",
      "start" : 30000
    }
  ],
  "outputs" : [
    "\/media\/talk.en.srt"
  ],
  "plan" : [
    {
      "audioSent" : 30000,
      "bytes" : 10000,
      "cached" : false,
      "duration" : 40700,
      "endsInSilence" : true,
      "index" : 0,
      "requestBytes" : 12345,
      "start" : 0
    }
  ],
  "requests" : 1,
  "retries" : 1,
  "speechDetector" : "silero",
  "speechMs" : 20350,
  "speechShare" : 0.5,
  "status" : "done",
  "styleViolations" : [
    {
      "cueNumber" : 2,
      "limit" : 20,
      "message" : "cue 2: too fast",
      "rule" : "max-characters-per-second",
      "value" : 21.5
    }
  ],
  "task" : "transcribe",
  "timing" : "word",
  "wallTimeMs" : 1234,
  "warnings" : [
    "a cut without a pause at 00:05:00,000"
  ]
}
"""#,
        #"""
{
  "input" : "\/media\/old.mkv",
  "outputs" : [
    "\/media\/old.en.srt"
  ],
  "skipReason" : {
    "kind" : "up-to-date",
    "message" : "up to date, skipped (use --force to redo)",
    "path" : "\/media\/old.en.srt"
  },
  "status" : "skipped"
}
"""#,
        #"""
{
  "bytesSent" : 999,
  "error" : "\/media\/bad.mp4: 1 chunk failed, nothing written: boom",
  "failure" : {
    "message" : "\/media\/bad.mp4: 1 chunk failed, nothing written: boom",
    "path" : "\/media\/bad.mp4",
    "reason" : "pipeline"
  },
  "input" : "\/media\/bad.mp4",
  "language" : "de",
  "model" : "whisper-1",
  "outputs" : [

  ],
  "requests" : 3,
  "retries" : 2,
  "status" : "failed",
  "task" : "translate",
  "wallTimeMs" : 50
}
"""#,
        #"""
{
  "audioDurationMs" : 1000,
  "audioSentMs" : 1000,
  "bytesSent" : 20,
  "chunks" : 1,
  "estimatedCost" : 0.0001,
  "input" : "\/media\/plan.mp4",
  "model" : "gpt-4o-transcribe",
  "outputs" : [

  ],
  "plan" : [
    {
      "audioSent" : 0,
      "bytes" : 10,
      "cached" : false,
      "duration" : 1000,
      "endsInSilence" : false,
      "index" : 0,
      "requestBytes" : 20,
      "start" : 0
    }
  ],
  "requests" : 1,
  "speechDetector" : "energy",
  "speechMs" : 0,
  "speechShare" : 0,
  "status" : "planned",
  "task" : "transcribe",
  "warnings" : [

  ]
}
"""#,
    ]

    @Test func theReportsEncodeToTheSameBytesAsBefore() throws {
        let reports = [Self.done, Self.skipped, Self.failed, Self.planned]
        let sorted = try reports.map { try Self.encoded($0, sorted: true) }
        for (actual, expected) in zip(sorted, Self.expectedSorted) { #expect(actual == expected) }
        #expect(sorted.count == Self.expectedSorted.count)
    }

    @Test func theReportsDecodeToWhatWasEncoded() throws {
        for report in [Self.done, Self.skipped, Self.failed, Self.planned] {
            let data = try JSONEncoder().encode(report)
            let decoded = try JSONDecoder().decode(JobReport.self, from: data)
            #expect(try Self.encoded(decoded, sorted: true) == Self.encoded(report, sorted: true))
            #expect(decoded == report)
        }
    }

    @Test func omissionKindsAreStable() throws {
        #expect(Omission.Kind.allCases.map(\.rawValue) == ["left-out-sound", "empty-join", "empty-answer"])
        // A stored job report gives back the pipeline report a review page reads.
        let stored = try JSONDecoder().decode(JobReport.self, from: JSONEncoder().encode(Self.done))
        #expect(stored.run?.omissions == Self.done.run?.omissions)
        #expect(stored.run?.doubtfulSpeech == Self.done.run?.doubtfulSpeech)
    }

    @Test func aBatchReportKeepsItsShape() throws {
        let batch = BatchReport(command: "transcribe", inputs: [Self.skipped, Self.failed], wallTimeMs: 77)
        let text = try Self.encoded(batch, sorted: true)
        let decoded = try JSONDecoder().decode(BatchReport.self, from: Data(text.utf8))
        #expect(try Self.encoded(decoded, sorted: true) == text)
        #expect(text.hasPrefix("{\n  \"command\" : \"transcribe\",\n  \"done\" : 0,\n  \"failed\" : 1,"))
    }
}

/// Failures as data: stable reason codes, messages without command-line flags, old stored reports still readable.
struct JobFailureTests {
    @Test func reasonCodesAreStable() throws {
        #expect(JobFailure.Reason.allCases.map(\.rawValue) == [
            "invalid-path", "unreadable-input", "not-a-file", "no-media-files", "invalid-options", "output-collision",
            "output-is-input", "output-not-writable", "cannot-embed", "pipeline", "translation-incomplete", "write-failed",
            "outside-roots", "input-changed", "cancelled", "follow-up-failed", "sync-refused", "unknown",
        ])
        #expect(try TypedValuesTests.roundTrips(JobFailure.Reason.allCases))
    }

    @Test func aReportStoredWithOnlyItsErrorTextDecodes() throws {
        let json = #"{"input":"/m/a.mkv","status":"failed","outputs":[],"error":"/m/a.mkv: boom"}"#
        let report = try JSONDecoder().decode(JobReport.self, from: Data(json.utf8))
        #expect(report.failure == JobFailure(.unknown, path: "/m/a.mkv", message: "/m/a.mkv: boom"))
        #expect(report.error == "/m/a.mkv: boom")
    }

    @Test func discoveryReportsTypedReasonsWithoutFlags() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        try FileManager.default.createDirectory(atPath: scratch.path("empty"), withIntermediateDirectories: true)
        let result = InputDiscovery.discover([scratch.path("empty"), "http://example.com/a.mp4"], recursive: false)
        let reasons = result.reports.compactMap(\.failure?.reason)
        #expect(reasons == [.noMediaFiles, .invalidPath])
        #expect(result.reports.allSatisfy { !($0.error ?? "").contains("--") }, "\(result.reports.map(\.error))")
    }
}
