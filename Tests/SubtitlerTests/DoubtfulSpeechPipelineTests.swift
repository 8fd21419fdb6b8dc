import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler

/// The doubt tracker on scripted readings: where the detector's probability stays low but not near zero.
struct SpeechDoubtTrackerTests {
    /// The doubtful frames of `levels` (one per 32 ms frame), as runs in seconds rounded down.
    static func runs(_ levels: [UInt8]) -> [Range<Int64>] {
        var tracker = SpeechDoubtTracker()
        tracker.append(levels[..<(levels.count / 2)])
        tracker.append(levels[(levels.count / 2)...])
        tracker.finish()
        return tracker.runs
    }

    @Test func silenceMusicAndOrdinarySpeechAreNotDoubtful() {
        // Silence: 0.002. Music: near zero with four spikes of 0.15 a second (the chord changes).
        #expect(Self.runs([UInt8](repeating: 1, count: 600)).isEmpty)
        let music = (0..<600).map { frame -> UInt8 in frame % 31 < 4 ? 38 : 0 }
        #expect(Self.runs(music).isEmpty)
        // Speech at 0.95 whose edges fall through 0.4, 0.2, 0.1, 0.05 and 0.02 into silence.
        let edge: [UInt8] = [102, 51, 26, 13, 5]
        let speech = [UInt8](repeating: 0, count: 100) + edge.reversed() + [UInt8](repeating: 242, count: 200) + edge
            + [UInt8](repeating: 0, count: 100)
        #expect(Self.runs(speech).isEmpty)
    }

    @Test func lowSustainedReadingsAndBurstsAreDoubtful() throws {
        // The field recording: 12 s of speech read at 0.01 to 0.1 (mean 0.05) between stretches of 0.0.
        let low = (0..<375).map { frame -> UInt8 in [3, 8, 13, 20, 26, 13, 8][frame % 7] }
        let field = [UInt8](repeating: 0, count: 300) + low + [UInt8](repeating: 0, count: 300)
        let runs = Self.runs(field)
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        // Judged by the second around each frame: at most half a window (15 frames) beyond it on either side.
        #expect(run.lowerBound >= 300 - 15 && run.lowerBound <= 300)
        #expect(run.upperBound >= 675 && run.upperBound <= 675 + 15)
        // Speech under a loud music bed: mostly 0.005, with bursts of six frames at 0.08 a second.
        let bursts = (0..<400).map { frame -> UInt8 in frame % 31 < 6 ? 20 : 1 }
        #expect(Self.runs(bursts) == [15..<385])
    }

    @Test func theDetectorsAnswerToASuddenSoundIsNotDoubt() {
        // Noise after music: about 0.6 s at 0.04 to 0.06, then falling back to zero.
        let onset = [UInt8](repeating: 0, count: 200) + [UInt8](repeating: 13, count: 20) + [8, 6, 5, 4, 3]
            + [UInt8](repeating: 1, count: 200)
        #expect(Self.runs(onset).isEmpty)
        // The same readings for three seconds are.
        let long = [UInt8](repeating: 0, count: 200) + [UInt8](repeating: 13, count: 94) + [UInt8](repeating: 1, count: 200)
        #expect(Self.runs(long).count == 1)
    }
}

/// The omissions a report names, on numbers.
struct OmissionFinderTests {
    @Test func loudStretchesLeftOutOfTheUploadAreNamed() {
        // 0–10 s music (loud), 10–20 s sent, 20–30 s silence, 30–32 s a click of 100 ms, 32–40 s sent.
        var loud = [Bool](repeating: false, count: 2_000)
        for frame in 0..<500 { loud[frame] = true }
        for frame in 1_550..<1_555 { loud[frame] = true }
        let sent = [SpeechSpan(start: 32_000, end: 40_000), SpeechSpan(start: 10_000, end: 20_000)]
        let found = OmissionFinder.leftOutSound(sent: sent, duration: 40_000, loud: loud, frameDuration: 20)
        #expect(found == [Omission(start: 0, end: 10_000, kind: .leftOutSound)])
        // Nothing is left out when everything is sent.
        #expect(OmissionFinder.leftOutSound(sent: [SpeechSpan(start: 0, end: 40_000)], duration: 40_000, loud: loud,
                                            frameDuration: 20).isEmpty)
    }

    @Test func speechBesideAJoinWithoutWordsIsNamed() {
        let activity = DoubtfulSpeechFixtures.activity(speech: [(2_000, 6_000), (40_000, 44_000)], length: 50_000)
        // One upload of two pieces around a left-out pause; words came back only for the first.
        let pieces = [SpeechSpan(start: 1_600, end: 6_400), SpeechSpan(start: 39_600, end: 44_400)]
        let answer = OmissionFinder.Answer(pieces: pieces, segments: [SpeechSpan(start: 1_600, end: 6_000)])
        #expect(OmissionFinder.emptyJoins([answer], activity: activity)
                == [Omission(start: 40_000, end: 44_000, kind: .emptyJoin)])
        let both = OmissionFinder.Answer(pieces: pieces, segments: [SpeechSpan(start: 1_600, end: 44_000)])
        #expect(OmissionFinder.emptyJoins([both], activity: activity).isEmpty)
        // An upload of one piece has no join: its speech is named only when the answer held no words at all.
        let whole = OmissionFinder.Answer(pieces: [SpeechSpan(start: 0, end: 50_000)], segments: [])
        #expect(OmissionFinder.emptyJoins([whole], activity: activity)
                == [Omission(start: 2_000, end: 44_000, kind: .emptyAnswer)])
        let partly = OmissionFinder.Answer(pieces: [SpeechSpan(start: 0, end: 50_000)],
                                           segments: [SpeechSpan(start: 2_000, end: 6_000)])
        #expect(OmissionFinder.emptyJoins([partly], activity: activity).isEmpty)
    }
}

enum DoubtfulSpeechFixtures {
    /// A map at 32 ms frames: 230 in the speech regions, 0 elsewhere.
    static func activity(speech: [(Milliseconds, Milliseconds)], length: Milliseconds) -> SpeechActivity {
        let regions = speech.map { SpeechSpan(start: $0.0, end: $0.1) }
        let probabilities = (0..<Int(length / 32)).map { frame -> UInt8 in
            let middle = Milliseconds(frame) * 32 + 16
            return regions.contains { $0.start <= middle && middle < $0.end } ? 230 : 0
        }
        return SpeechActivity(frameDuration: 32, probabilities: probabilities, regions: regions)
    }

    /// Seconds of upload in a WAV request of `bytes` (16 kHz mono 16-bit, a 44-byte header).
    static func uploadSeconds(_ bytes: Int) -> Double { Double(bytes - 44) / 32_000 }
}

/// The pipeline over its seams: a scripted speech model doubts a stretch, a fake backend answers.
@Suite struct DoubtfulSpeechPipelineTests {
    static let rate: Int64 = 16_000

    /// A minute of tone, 8 s on and 2 s off (loud to the energy map). The model reads 0.0 at 0–20 s and 33–50 s (music),
    /// 0.06 at 20–32 s (doubtful: speech it barely hears) and 0.95 at 50–60 s (speech).
    static func scriptedOptions() -> SubtitleOptions {
        var options = SubtitleOptions()
        options.language = "en"
        options.uploadEncoding = .wav
        options.speechModel = {
            ScriptedSpeechModel { sample in
                let seconds = Double(sample) / Double(rate)
                if seconds >= 50 { return 0.95 }
                return seconds >= 20 && seconds < 32 ? 0.06 : 0
            }
        }
        return options
    }

    static func segment(_ start: Double, _ end: Double, _ text: String) -> VerboseTranscription.Segment {
        .init(start: start, end: end, text: text, avgLogprob: -0.29, noSpeechProb: 0.41)
    }

    func run(options: SubtitleOptions, answer: @escaping @Sendable (Double) -> [VerboseTranscription.Segment])
        async throws -> SubtitleResult
    {
        let backend = FakeTranscriptionBackend { call in
            let length = DoubtfulSpeechFixtures.uploadSeconds(call.bytes)
            return VerboseTranscription(language: "english", text: "x", segments: answer(length))
        }
        let subtitler = Subtitler(backend: backend, synthesizer: OpenAIAudioClient(configuration: .init()), cache: nil)
        return try await subtitler.makeSubtitles(
            from: { SamplesAudioSource(samples: SamplesAudioSource.toneTalk(seconds: 60)) },
            named: "doubt", options: options)
    }

    @Test func doubtfulSpeechIsSentAndWordsHeardOverItAreKept() async throws {
        // The upload holds the doubtful stretch, then the speech: a segment near the start of each.
        let result = try await run(options: Self.scriptedOptions()) { length in
            [Self.segment(2.0, 8.0, " I have a terrible cold today."),
             Self.segment(length - 8.0, length - 2.0, " And this part everyone can hear.")]
        }
        let text = result.cues.map(\.text).joined(separator: " ")
        #expect(text.contains("terrible cold"), "cues: \(text)")
        #expect(text.contains("everyone can hear"))
        #expect(result.report.dropped.isEmpty, "dropped: \(result.report.dropped)")
        // The doubtful stretch is reported and was sent; the music around it was not.
        let doubt = try #require(result.report.doubtfulSpeech.first)
        #expect(doubt.start >= 19_000 && doubt.start <= 20_000 && doubt.end >= 32_000 && doubt.end <= 33_000,
                "doubtful \(result.report.doubtfulSpeech)")
        #expect(result.report.audioSent >= 12_000 + 10_000 && result.report.audioSent <= 26_000)
        // Both music stretches left out of the upload are named; nothing came back empty.
        let leftOut = result.report.omissions.filter { $0.kind == .leftOutSound }
        #expect(leftOut.count == 2, "omissions: \(result.report.omissions)")
        #expect(leftOut.contains { $0.start <= 5_000 && $0.end >= 18_000 })
        #expect(leftOut.contains { $0.start <= 35_000 && $0.end >= 47_900 })
        #expect(!result.report.omissions.contains { $0.kind == .emptyJoin })
    }

    @Test func withEverythingSentTextOverSureNonSpeechIsStillDropped() async throws {
        var options = Self.scriptedOptions()
        options.sendsOnlySpeech = false
        let result = try await run(options: options) { _ in
            [Self.segment(5.0, 10.0, " Words over the music."), Self.segment(22.0, 28.0, " I have a terrible cold today."),
             Self.segment(52.0, 58.0, " And this part everyone can hear.")]
        }
        let text = result.cues.map(\.text).joined(separator: " ")
        #expect(text.contains("terrible cold"), "cues: \(text)")
        #expect(!text.contains("over the music"))
        #expect(result.report.dropped.map(\.rule) == [DroppedSegment.Rule.outsideSpeech])
        #expect(result.report.omissions.isEmpty, "omissions: \(result.report.omissions)")
    }

    @Test func speechBesideAJoinThatCameBackWithoutWordsIsReported() async throws {
        // Words only for the doubtful stretch at the upload's start; none for the speech after the join.
        let result = try await run(options: Self.scriptedOptions()) { _ in
            [Self.segment(2.0, 8.0, " I have a terrible cold today.")]
        }
        let empty = result.report.omissions.filter { $0.kind == .emptyJoin }
        #expect(empty.count == 1, "omissions: \(result.report.omissions)")
        #expect(empty.first.map { $0.start >= 49_500 && $0.start <= 50_100 && $0.end >= 59_900 } == true)
        #expect(result.report.warnings.contains { $0.contains("came back without words") })
    }

    @Test func aSegmentAcrossALeftOutPauseKeepsEveryWord() async throws {
        // Speech at 1–3.5 s and 34.5–37 s around 31 s of silence; the model returns one segment over the whole
        // upload (the pause is left out of it) with 17 words.
        let words = "So that is the first point and after the break we come to the second one today"
        var options = SubtitleOptions()
        options.language = "en"
        options.uploadEncoding = .wav
        options.speechModel = {
            ScriptedSpeechModel(speech: [Self.rate..<(Self.rate * 7 / 2), (Self.rate * 69 / 2)..<(Self.rate * 37)])
        }
        var samples = [Int16](repeating: 0, count: 40 * Int(Self.rate))
        let tone = SamplesAudioSource.toneTalk(seconds: 3, on: 3, off: 0)
        samples.replaceSubrange(16_000..<56_000, with: tone[..<40_000])
        samples.replaceSubrange(552_000..<592_000, with: tone[..<40_000])
        let backend = FakeTranscriptionBackend { call in
            let length = DoubtfulSpeechFixtures.uploadSeconds(call.bytes)
            return VerboseTranscription(language: "english", text: words, segments: [
                .init(start: 0, end: length, text: " " + words, avgLogprob: -0.25, noSpeechProb: 0.05),
            ])
        }
        let subtitler = Subtitler(backend: backend, synthesizer: OpenAIAudioClient(configuration: .init()), cache: nil)
        let audio = samples
        let result = try await subtitler.makeSubtitles(from: { SamplesAudioSource(samples: audio) }, named: "lecture",
                                                       options: options)
        #expect(result.report.dropped.isEmpty, "dropped: \(result.report.dropped)")
        #expect(result.cues.flatMap { $0.text.split(whereSeparator: \.isWhitespace) }.count == 17)
        for cue in result.cues {
            #expect(cue.end <= 5_000 || cue.start >= 34_400, "cue \(cue.start)–\(cue.end) lies in the pause")
        }
        #expect(result.report.audioSent < 10_000)
    }
}
