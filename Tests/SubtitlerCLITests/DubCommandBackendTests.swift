import Foundation
import MediaAudio
import Testing
import TestSupport

/// `subtitler dub` end to end against the real local backend: Whisper translates the German sample, Piper speaks.
@Suite(.enabled(if: (LocalBackend.whisperURL != nil && LocalBackend.speechURL != nil) || LocalBackend.isRequired,
                "set SUBTITLER_TEST_WHISPER_URL and SUBTITLER_TEST_SPEECH_URL, or run scripts/test"),
       .serialized, .backendTurn)
struct DubCommandBackendTests {
    func environment(_ scratch: TemporaryDirectory) throws -> [String: String] {
        let whisper = try #require(LocalBackend.whisperURL, "SUBTITLER_TEST_WHISPER_URL is not set")
        let speech = try #require(LocalBackend.speechURL, "SUBTITLER_TEST_SPEECH_URL is not set")
        return CommandRunner.environment(["OPENAI_BASE_URL": whisper, "SUBTITLER_SPEECH_BASE_URL": speech],
                                         cache: scratch.cache)
    }

    /// Runs `subtitler dub ARGS --json` and returns the report.
    func dub(_ arguments: [String], env: [String: String]) async throws -> [String: Any] {
        let result = try await CommandRunner.run(["dub"] + arguments + ["--json"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any], "\(result.stderr)")
    }

    @Test func dubbingTheGermanSampleAddsAnEnglishTrackInTimeAndKeepsTheOriginal() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = try environment(scratch)
        let input = Samples.url("clip-de.mkv").path
        let output = scratch.path("clip-de.dub.mkv")
        let report = try await dub([input, "--output", output], env: env)
        let cues = try #require(report["cues"] as? [[String: Any]])
        #expect(cues.count >= 3)
        #expect(report["cueSource"] as? String == "translation")
        let translation = try #require(report["translation"] as? [String: Any])
        #expect(translation["task"] as? String == "translate")

        // The new track as ffprobe sees it: English, titled, a dub, not default; the originals unchanged.
        let probe = try TrackMeasurements.ffprobe(output, ["-show_streams", "-show_format"])
        let streams = try #require(probe["streams"] as? [[String: Any]])
        let before = try #require(try TrackMeasurements.ffprobe(input, ["-show_streams"])["streams"] as? [[String: Any]])
        #expect(streams.count == before.count + 1)
        for (old, new) in zip(before, streams) {
            #expect(old["codec_name"] as? String == new["codec_name"] as? String)
        }
        let dubIndex = try #require(report["dubTrack"] as? Int)
        let added = streams[dubIndex]
        #expect(added["codec_name"] as? String == "opus")
        let tags = added["tags"] as? [String: String] ?? [:]
        #expect(tags["language"] == "eng")
        #expect(tags["title"] == "English (dub)")
        let disposition = added["disposition"] as? [String: Int] ?? [:]
        #expect(disposition["dub"] == 1)
        #expect(disposition["default"] == 0)

        // The original audio and video are copied bit for bit.
        #expect(try TrackMeasurements.packetHash(input, "a:0") == TrackMeasurements.packetHash(output, "a:0"))
        #expect(try TrackMeasurements.packetHash(input, "v:0") == TrackMeasurements.packetHash(output, "v:0"))

        // The dub is as long as the media, within one Opus frame (20 ms).
        let media = try MediaProbe.probe(input)
        let mediaDuration = try #require(media.duration)
        let dubSamples = try TrackMeasurements.track(output, index: dubIndex)
        let dubDuration = Int64(dubSamples.count) * 1000 / 48_000
        #expect(abs(dubDuration - mediaDuration) <= 20, "dub \(dubDuration) ms, media \(mediaDuration) ms")

        // Speech energy starts within 100 ms of each cue's start (its actual start, which is the planned one for
        // every cue that fitted), and utterances never overlap.
        let energies = TrackMeasurements.energies(dubSamples)
        var previousEnd: Int64 = 0
        for cue in cues {
            guard let start = (cue["actualStart"] as? Int).map(Int64.init),
                  let end = (cue["actualEnd"] as? Int).map(Int64.init) else { continue }
            let planned = Int64(try #require(cue["plannedStart"] as? Int))
            if cue["status"] as? String == "fitted", previousEnd <= planned { #expect(start == planned) }
            #expect(start >= previousEnd)
            let onset = try #require(TrackMeasurements.onset(in: energies, from: max(previousEnd, start - 100)),
                                     "no speech after \(start) ms")
            #expect(abs(onset - start) <= 100, "cue \(cue["number"] ?? 0): speech at \(onset) ms, cue at \(start) ms")
            previousEnd = end
        }

        // Again with the original 12 dB down under the dub: nothing is sent again (cached), and where the dub is
        // silent the track is the original at -12 dB.
        let ducked = scratch.path("clip-de.duck.mkv")
        let duckReport = try await dub([input, "--output", ducked, "--duck", "12"], env: env)
        let speech = try #require(duckReport["speech"] as? [String: Any])
        #expect(speech["requests"] as? Int == 0)
        #expect((speech["cacheHits"] as? Int ?? 0) >= cues.count)
        #expect((duckReport["translation"] as? [String: Any])?["requests"] as? Int == 0)
        let mixed = TrackMeasurements.energies(try TrackMeasurements.track(ducked, index: try #require(duckReport["dubTrack"] as? Int)))
        let original = TrackMeasurements.energies(try TrackMeasurements.track(input, index: try #require(media.audioStreams.first).index))
        let duckCues = duckReport["cues"] as? [[String: Any]] ?? []
        let spoken: [ClosedRange<Int>] = duckCues.compactMap { cue -> ClosedRange<Int>? in
            guard let start = cue["actualStart"] as? Int, let end = cue["actualEnd"] as? Int else { return nil }
            return max(0, start / 20 - 5)...(end / 20 + 5)   // 100 ms either side
        }
        let quiet = original.indices.filter { frame in
            frame < mixed.count && original[frame] > -45 && !spoken.contains { range in range.contains(frame) }
        }
        #expect(quiet.count >= 25, "only \(quiet.count) frames of original speech outside the dub")
        let lowered = TrackMeasurements.meanLevel(mixed, frames: quiet) - TrackMeasurements.meanLevel(original, frames: quiet)
        #expect(abs(lowered + 12) <= 1, "the original is \(-lowered) dB down over \(quiet.count) frames")
    }
}
