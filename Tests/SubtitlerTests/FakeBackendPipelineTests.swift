import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler

/// The pipeline over its seams: samples in memory (no FFmpeg, no file) and a fake backend (no socket, no sleep).
/// Waiting is done with gates the test opens, never with the wall clock.
@Suite struct FakeBackendPipelineTests {
    /// A subtitler over `backend`, without the resume cache.
    func subtitler(_ backend: FakeTranscriptionBackend) -> Subtitler {
        Subtitler(backend: backend, synthesizer: OpenAIAudioClient(configuration: OpenAIConfiguration()), cache: nil)
    }

    /// Energy-map options (a tone is not speech to Silero) that send everything, in chunks of about `chunk` ms.
    func options(chunk: Milliseconds = 60_000, concurrency: Int = 4) -> SubtitleOptions {
        var options = PipelineFixtures.toneOptions()
        options.language = "en"
        options.targetChunkDuration = chunk
        options.concurrency = concurrency
        return options
    }

    func segment(_ start: Double, _ end: Double, _ text: String) -> VerboseTranscription.Segment {
        .init(start: start, end: end, text: text, avgLogprob: -0.2, compressionRatio: 1.1, noSpeechProb: 0.01)
    }

    @Test func cuesLandOnTheSourceTimelineChunkByChunk() async throws {
        let samples = SamplesAudioSource.toneTalk(seconds: 180)
        let backend = FakeTranscriptionBackend { call in
            VerboseTranscription(language: "english", text: "Tone \(call.order).",
                                 segments: [segment(0.5, 2.5, " Tone number \(call.filename).")])
        }
        let result = try await subtitler(backend).makeSubtitles(
            from: { SamplesAudioSource(samples: samples) }, named: "tones", options: options())

        let chunks = result.report.chunks
        #expect(chunks.count == 3)
        #expect(backend.calls.count == chunks.count)
        // One cue per chunk, placed on the source timeline and aligned to the sound: the segment starts 0.5 s into
        // the upload, and the cue starts at the first tone onset (every 10 s) at or after the chunk's start.
        #expect(result.cues.count == chunks.count)
        for (cue, chunk) in zip(result.cues, chunks) {
            let onset = (chunk.start + 9_999) / 10_000 * 10_000
            #expect(abs(cue.start - onset) <= 40)
            #expect(cue.end > cue.start)
        }
        #expect(result.report.audioDuration == 180_000)
    }

    @Test func aFailedChunkFailsTheJobAndNamesTheChunk() async throws {
        let samples = SamplesAudioSource.toneTalk(seconds: 180)
        let backend = FakeTranscriptionBackend { call throws(OpenAIAudioError) in
            if call.filename.hasPrefix("chunk-0002") { throw FakeTranscriptionBackend.serverError(503) }
            return VerboseTranscription(text: "Tone.", segments: [segment(0.5, 2.5, " Tone.")])
        }
        do {
            _ = try await subtitler(backend).makeSubtitles(
                from: { SamplesAudioSource(samples: samples) }, named: "tones", options: options())
            Issue.record("a failed chunk must fail the job")
        } catch {
            #expect(String(describing: error).contains("tones"))
            #expect(String(describing: error).contains("chunk 2"))
        }
    }

    @Test func withGapsAllowedAFailedChunkIsReportedAndTheRestKept() async throws {
        let samples = SamplesAudioSource.toneTalk(seconds: 180)
        let backend = FakeTranscriptionBackend { call throws(OpenAIAudioError) in
            if call.filename.hasPrefix("chunk-0002") { throw FakeTranscriptionBackend.serverError(503) }
            return VerboseTranscription(text: "Tone.", segments: [segment(0.5, 2.5, " Tone.")])
        }
        var options = options()
        options.allowsGaps = true
        let result = try await subtitler(backend).makeSubtitles(
            from: { SamplesAudioSource(samples: samples) }, named: "tones", options: options)
        #expect(result.report.gaps.map(\.index) == [1])
        #expect(result.cues.count == result.report.chunks.count - 1)
    }

    @Test func requestsInFlightNeverExceedTheConcurrency() async throws {
        let samples = SamplesAudioSource.toneTalk(seconds: 600)
        let gate = Gate()
        let backend = FakeTranscriptionBackend { _ in
            await gate.wait()
            return VerboseTranscription(text: "Tone.", segments: [segment(0.5, 2.5, " Tone.")])
        }
        let subtitler = subtitler(backend)
        let options = options(chunk: 30_000, concurrency: 3)
        let job = Task { try await subtitler.makeSubtitles(from: { SamplesAudioSource(samples: samples) }, named: "tones", options: options) }
        // Three requests arrive and wait; no fourth is sent while they are held.
        await gate.arrivals(3)
        #expect(backend.calls.count == 3)
        gate.open()
        let result = try await job.value
        #expect(result.report.chunks.count >= 15)
        #expect(backend.calls.count == result.report.chunks.count)
        #expect(backend.maxInFlight == 3)
    }

    @Test func aScaledTimeoutIsThePipelinesWatchAndAFixedOneIsEachAttempts() async throws {
        let samples = SamplesAudioSource.toneTalk(seconds: 180)
        let answer = VerboseTranscription(text: "Tone.", segments: [segment(0.5, 2.5, " Tone.")])
        // Scaled (the default): the client's attempt gets only the backstop; the watch on the server decides.
        let scaled = FakeTranscriptionBackend(always: answer)
        _ = try await subtitler(scaled).makeSubtitles(
            from: { SamplesAudioSource(samples: samples) }, named: "tones", options: options())
        #expect(scaled.calls.count == 3)
        #expect(scaled.calls.allSatisfy { $0.timeout == ServerWatch.attemptBackstop })
        // Fixed (`--timeout`): every attempt has that limit, queue or not.
        let fixed = FakeTranscriptionBackend(always: answer)
        var options = options()
        options.requestTimeout = RequestTimeoutPolicy(fixed: .seconds(7))
        _ = try await subtitler(fixed).makeSubtitles(
            from: { SamplesAudioSource(samples: samples) }, named: "tones", options: options)
        #expect(fixed.calls.count == 3)
        #expect(fixed.calls.allSatisfy { $0.timeout == .seconds(7) })
    }

    @Test func aSourceAtAnUnusableRateIsRefusedBeforeAnythingIsSent() async throws {
        let backend = FakeTranscriptionBackend(always: VerboseTranscription(text: "x"))
        await #expect(throws: SubtitlerError.self) {
            try await subtitler(backend).makeSubtitles(
                from: { SamplesAudioSource(samples: [0, 0, 0], sampleRate: 7_999) }, named: "odd", options: options())
        }
        #expect(backend.calls.isEmpty)
    }
}

/// Translation answers whose times lie outside their own upload (issue: a segment after the chunk's end crashed
/// the process in the English check, and under `serve` took the service down).
@Suite struct TranslationAnswerBoundsTests {
    static let german = " Das ist ein deutscher Satz, der leider nicht ins Englische übersetzt worden ist."

    func translate(segments: [VerboseTranscription.Segment]) async throws -> (SubtitleResult, FakeTranscriptionBackend) {
        let backend = FakeTranscriptionBackend { call in
            // The first answer is the chunk's; a re-request of a window gets English.
            call.order == 0
                ? VerboseTranscription(language: "english", text: "x", segments: segments)
                : VerboseTranscription(language: "english", text: "This is an English sentence.",
                                       segments: [.init(start: 0.1, end: 1.5, text: " This is an English sentence.")])
        }
        let subtitler = Subtitler(backend: backend, synthesizer: OpenAIAudioClient(configuration: OpenAIConfiguration()), cache: nil)
        var options = PipelineFixtures.toneOptions()
        options.task = .translate
        options.language = "de"
        let samples = SamplesAudioSource.toneTalk(seconds: 20)   // one request window
        let result = try await subtitler.makeSubtitles(
            from: { SamplesAudioSource(samples: samples) }, named: "clip", options: options)
        return (result, backend)
    }

    /// Segments wholly after the upload cannot be re-requested; times before its start or reversed are clamped
    /// into it and re-requested there. Either way nothing German is written and nothing traps.
    @Test(arguments: [(500.0, 505.0, false), (21.0, 60.0, false), (-30.0, -20.0, true), (19.0, 5.0, true)])
    func aNonEnglishSegmentOutsideItsUploadNeverCrashes(start: Double, end: Double, reRequested: Bool) async throws {
        let (result, backend) = try await translate(segments: [
            .init(start: 0.5, end: 2.5, text: " Tone number one is English."),
            .init(start: start, end: end, text: Self.german),
        ])
        #expect(!result.cues.contains { $0.text.contains("deutscher") })
        #expect(result.cues.contains { $0.text.contains("Tone number one") })
        #expect(backend.calls.count == (reRequested ? 2 : 1))
    }

    @Test func aNonEnglishSegmentInsideItsUploadIsTranslatedAgain() async throws {
        let (result, backend) = try await translate(segments: [
            .init(start: 0.5, end: 2.5, text: " Tone number one is English."),
            .init(start: 10.5, end: 14.0, text: Self.german),
        ])
        #expect(backend.calls.count == 2)
        #expect(result.cues.contains { $0.text.contains("This is an English sentence") })
        #expect(!result.cues.contains { $0.text.contains("deutscher") })
    }
}

/// The speech map over its seam: a scripted speech model decides where speech is, with no weights.
@Suite struct ScriptedSpeechPipelineTests {
    @Test func onlyWhatTheModelCallsSpeechIsSentAndCuesOverTheRestAreDropped() async throws {
        // Five minutes of tone; the model hears speech only at 60–90 s and 200–230 s.
        let rate: Int64 = 16_000
        let speech = [60 * rate..<90 * rate, 200 * rate..<230 * rate]
        let samples = SamplesAudioSource.toneTalk(seconds: 300, on: 10, off: 0)
        let backend = FakeTranscriptionBackend { call in
            // Every upload claims a segment at its start and one 45 s in (over what was left out, if anything).
            VerboseTranscription(language: "english", text: "x", segments: [
                .init(start: 1.0, end: 3.0, text: " Spoken words here.", avgLogprob: -0.2, noSpeechProb: 0.01),
            ])
        }
        let subtitler = Subtitler(backend: backend, synthesizer: OpenAIAudioClient(configuration: OpenAIConfiguration()), cache: nil)
        var options = SubtitleOptions()
        options.language = "en"
        options.speechModel = { ScriptedSpeechModel(speech: speech) }
        let result = try await subtitler.makeSubtitles(
            from: { SamplesAudioSource(samples: samples) }, named: "scripted", options: options)

        #expect(result.report.speechDetector == .silero)
        #expect(result.report.speechDuration >= 59_000 && result.report.speechDuration <= 61_000)
        // Speech plus the padding around it, never the other four minutes.
        #expect(result.report.audioSent >= 60_000)
        #expect(result.report.audioSent <= 64_000)
        #expect(!result.cues.isEmpty)
        for cue in result.cues {
            let inSpeech = speech.contains { $0.lowerBound / 16 <= cue.start && cue.end <= $0.upperBound / 16 }
            #expect(inSpeech, "cue at \(cue.start)–\(cue.end) ms lies outside the speech")
        }
    }
}
