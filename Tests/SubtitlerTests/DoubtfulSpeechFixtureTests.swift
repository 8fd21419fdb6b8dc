import Foundation
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler

/// Speech a detector may doubt (issue 21, item 8), generated from the sample's Piper speech with ffmpeg filters
/// (`SpeechFixtures.Transformation`), through the real Silero VAD: whatever the detector makes of it, the speech is
/// heard (as speech or as doubtful speech) and so sent.
@Suite(.serialized)
struct DoubtfulSpeechFixtureTests {
    /// Six seconds of music, the talk's first 12 s changed by `transformation`, six seconds of music.
    static func programme(_ transformation: SpeechFixtures.Transformation, in directory: TemporaryDirectory) throws
        -> SpeechFixtures.Programme
    {
        try SpeechFixtures.programme([.music(seconds: 6), .transformed(from: 0, to: 12, transformation),
                                      .music(seconds: 6)],
                                     in: directory, name: "\(transformation.rawValue).wav")
    }

    /// The speech map of `samples` as the pipeline records it.
    static func activity(of samples: [Int16]) -> SpeechActivity {
        let recorder = SpeechMapRecorder(detection: .silero, sampleRate: SpeechFixtures.rate)
        for start in stride(from: 0, to: samples.count, by: 16_000) {
            recorder.append(samples[start..<min(samples.count, start + 16_000)])
        }
        recorder.finish(sampleCount: Int64(samples.count))
        return recorder.activity(energies: [], energyFrameLength: 320)
    }

    /// The share of `part` that `spans` cover.
    static func coverage(_ spans: [SpeechSpan], of part: Range<Int64>) -> Double {
        let covered = spans.reduce(Int64(0)) { $0 + max(0, min($1.end, part.upperBound) - max($1.start, part.lowerBound)) }
        return Double(covered) / Double(part.count)
    }

    @Test(arguments: SpeechFixtures.Transformation.allCases)
    func transformedSpeechIsHeard(_ transformation: SpeechFixtures.Transformation) throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try Self.programme(transformation, in: directory)
        let activity = Self.activity(of: programme.samples)
        let speech = programme.span(1)
        let speechShare = Self.coverage(activity.regions, of: speech)
        let heardShare = Self.coverage(activity.heardRegions, of: speech)
        // The talk's own pauses: Silero's regions cover 72 % of the untouched 12 s.
        #expect(heardShare >= 0.6, "\(transformation): heard \(heardShare), speech \(speechShare)")
        // The music around it is neither speech nor doubt.
        let music = Self.coverage(activity.heardRegions, of: 0..<(speech.lowerBound - 1_000))
            + Self.coverage(activity.heardRegions, of: (speech.upperBound + 1_000)..<programme.span(2).upperBound)
        #expect(music == 0, "\(transformation): music heard \(music)")
        if transformation == .musicBed {
            // Under the music bed Silero hears almost none of it as speech: without the doubt it was left out.
            #expect(speechShare < 0.2, "speech \(speechShare)")
            #expect(Self.coverage(activity.doubtfulRegions, of: speech) >= 0.6)
        } else {
            // Silero holds up on the others.
            #expect(speechShare >= 0.6, "\(transformation): speech \(speechShare)")
        }
    }
}

/// Speech under a music bed through the whole pipeline and the real local Whisper.
@Suite(.enabled(if: LocalBackend.isConfigured, "set SUBTITLER_TEST_WHISPER_URL or run scripts/test"), .serialized,
       .backendTurn)
struct DoubtfulSpeechBackendTests {
    @Test func speechUnderAMusicBedIsSentTranscribedAndKept() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // Silence first, so the energy map's floor is silence and the music counts as loud.
        let programme = try SpeechFixtures.programme([.silence(seconds: 3), .music(seconds: 6),
                                                      .transformed(from: 0, to: 12, .musicBed), .music(seconds: 3)],
                                                     in: directory)
        let url = try #require(LocalBackend.whisperURL, "SUBTITLER_TEST_WHISPER_URL is not set")
        let subtitler = Subtitler(client: OpenAIAudioClient(configuration: OpenAIConfiguration(baseURL: url, apiKey: nil)),
                                  cache: nil)
        var options = SubtitleOptions()
        options.language = "en"
        let result = try await subtitler.makeSubtitles(for: programme.path, options: options)

        let speech = programme.span(2)
        let text = result.cues.map(\.text).joined(separator: " ").lowercased()
        let reference = "welcome to the short talk about subtitles and why they matter millions of people watch videos"
        let recall = Samples.wordRecall(reference: reference, recognized: text)
        #expect(recall >= 0.8, "recall \(recall): \(text)")
        #expect(!result.report.doubtfulSpeech.isEmpty)
        #expect(!result.report.dropped.contains { $0.start < speech.upperBound && $0.end > speech.lowerBound },
                "dropped over the speech: \(result.report.dropped)")
        // The music before the speech was left out, and is named.
        #expect(result.report.omissions.contains { $0.kind == .leftOutSound && $0.start < 5_000 && $0.end > 7_000 },
                "omissions: \(result.report.omissions)")
        #expect(result.cues.allSatisfy { $0.start >= speech.lowerBound - 1_000 && $0.end <= speech.upperBound + 1_500 })
    }
}
