import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
@testable import SubtitlerDub

/// The dubber against the real speech server (Piper), with cues too tight for its speech: the tempo change does the
/// fitting (Piper ignores `speed`), on real speech, and the placement rules hold.
@Suite(.enabled(if: LocalBackend.isSpeechConfigured, "set SUBTITLER_TEST_SPEECH_URL or run scripts/test"), .serialized, .backendTurn)
struct DubBackendTests {
    @Test func tightCuesAreSpedUpWithinTheLimitAndNeverOverlap() async throws {
        let speechURL = try #require(LocalBackend.speechURL, "SUBTITLER_TEST_SPEECH_URL is not set")
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var configuration = OpenAIConfiguration(baseURL: speechURL, apiKey: nil)
        configuration.requestTimeout = .seconds(120)
        let dubber = Dubber(subtitler: Subtitler(client: OpenAIAudioClient(configuration: configuration),
                                                 cache: ResponseCache(directory: directory.cache)))
        let cues = [
            Cue(start: 0, end: 1_500, lines: ["Good day, and welcome to the weather report", "from Berlin."]),
            Cue(start: 2_000, end: 3_000, lines: ["It is cold."]),
            Cue(start: 7_100, end: 9_000, lines: ["The sun comes out in the afternoon."]),
            Cue(start: 12_500, end: 14_200, lines: ["Thank you, and see you tomorrow!"]),
        ]
        var job = DubJob(input: Samples.url("clip-de.mkv").path, cues: .cues(cues),
                         destination: .file(directory.path("out.mkv")))
        job.options.concurrency = 2
        let report = try await dubber.dub(job).report

        let first = report.cues[0]
        // Some 3 s of speech for a 2 s slot: a faster answer was asked for, then the tempo did what it could.
        #expect(try #require(first.naturalDuration) > 2_300)
        #expect(report.speech.speedRequests >= 1)
        #expect(first.tempo > 1 && first.tempo <= 1.35)
        for cue in report.cues {
            #expect(cue.tempo <= 1.35)
            #expect(cue.speed >= 1 && cue.speed <= 1.5)
        }
        if first.speed == 1 { #expect(report.warnings.contains { $0.contains("ignore `speed`") }) }

        // In order, never overlapping; fitted cues start where planned unless pushed by an overrun.
        var previousEnd: Int64 = 0
        let dub = try TrackMeasurements.track(directory.path("out.mkv"), index: try #require(report.dubTrack))
        let energies = TrackMeasurements.energies(dub)
        for cue in report.cues {
            let start = try #require(cue.actualStart)
            let end = try #require(cue.actualEnd)
            #expect(start >= previousEnd)
            if previousEnd <= cue.plannedStart { #expect(start == cue.plannedStart) }
            if cue.status == .fitted { #expect(end <= cue.slotEnd + 20) }
            let onset = try #require(TrackMeasurements.onset(in: energies, from: max(previousEnd, start - 100)))
            #expect(abs(onset - start) <= 100, "cue \(cue.number): speech at \(onset) ms, placed at \(start) ms")
            previousEnd = end
        }
        #expect(abs(Int64(dub.count) * 1000 / 48_000 - report.mediaDuration) <= 20)
    }
}
