import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
import SpeechDetection
import SubtitlerReview

/// The pipeline with the speech detector, on generated programmes of known speech, music, noise and silence. The
/// in-process stub answers like faster-whisper-server (segments whose start is glued to the previous end), at times
/// computed from the audio it receives, so what comes back can be predicted exactly.
@Suite(.serialized)
struct SpeechPipelineTests {
    func subtitler(_ server: StubHTTPServer) -> Subtitler {
        var configuration = OpenAIConfiguration(baseURL: server.baseURL, apiKey: "sk-test", maxRetries: 0)
        configuration.requestTimeout = .seconds(30)
        return Subtitler(client: OpenAIAudioClient(configuration: configuration), cache: nil)
    }

    static func verbose(_ segments: [(Double, Double, String)], task: String = "transcribe", language: String = "en") -> String {
        let items = segments.enumerated().map { index, segment in
            let text = segment.2.replacingOccurrences(of: "\"", with: "\\\"")
            return #"{"id":\#(index),"start":\#(segment.0),"end":\#(segment.1),"text":" \#(text)","avg_logprob":-0.2,"compression_ratio":1.2,"no_speech_prob":0.01}"#
        }
        let text = segments.map(\.2).joined(separator: " ")
        return #"{"task":"\#(task)","language":"\#(language)","duration":60.0,"text":"\#(text)","segments":[\#(items.joined(separator: ","))]}"#
    }

    /// Seconds with millisecond precision, as JSON.
    static func seconds(_ samples: Int) -> Double { Double(samples / 16) / 1000 }

    @Test func musicBeforeSpeechPutsTheFirstCueOnTheSpeech() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpeechFixtures.programme([.music(seconds: 15), .speech(from: 0, to: 11.5)], in: directory)
        let onset = programme.speechOnset(0)
        // Like faster-whisper-server: the first segment starts at 0 and is spread over whatever the upload holds.
        let server = try await StubHTTPServer.start { _, request in
            let upload = (try? SpeechFixtures.pcm(fromWAV: request.body)) ?? []
            let length = Self.seconds(upload.count)
            let split = max(1, length - 7.0)
            return .json(200, Self.verbose([
                (0.0, split, "Welcome to this short talk about subtitles and why they matter."),
                (split, length, "Millions of people watch videos with the sound turned off, on a train, in a library, or late at night."),
            ]))
        }
        defer { Task { try? await server.shutdown() } }
        var options = SubtitleOptions()
        options.language = "en"
        options.uploadEncoding = .wav

        for sendsOnlySpeech in [true, false] {
            options.sendsOnlySpeech = sendsOnlySpeech
            let result = try await subtitler(server).makeSubtitles(for: programme.path, options: options)
            let first = try #require(result.cues.first)
            #expect(abs(first.start - onset) <= 100, "first cue at \(first.start) ms, speech at \(onset) ms (send only speech: \(sendsOnlySpeech))")
            #expect(result.cues.allSatisfy { $0.start >= 15_000 }, "a cue over the music: \(result.cues.map(\.start))")
            #expect(result.report.speechDetector == .silero)
        }
        // The sent audio left out the music but 0.4 s before the speech.
        let sent = try SpeechFixtures.pcm(fromWAV: server.requests[0].body)
        #expect(abs(sent.count - (programme.samples.count - Int(onset) * 16 + 6_400)) <= 16 * 150)

        // The energy map (the fallback) cannot tell music from speech: the first cue sits on the music.
        options.speechDetection = .energy
        let energy = try await subtitler(server).makeSubtitles(for: programme.path, options: options)
        #expect(energy.report.speechDetector == .energy)
        #expect((energy.cues.first?.start ?? .max) < 15_000)
    }

    @Test func aNoiseStretchGetsNoCueAndIsNotSent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpeechFixtures.programme([.speech(from: 0, to: 4.2), .noise(seconds: 8), .speech(from: 17.4, to: 20.2)], in: directory)
        let noise = programme.span(1)
        let server = try await StubHTTPServer.start { _, request in
            let upload = (try? SpeechFixtures.pcm(fromWAV: request.body)) ?? []
            let length = Self.seconds(upload.count)
            if length > 14 {
                // The whole programme: a segment made up over the noise.
                return .json(200, Self.verbose([
                    (0.0, 4.2, "Welcome to this short talk about subtitles and why they matter."),
                    (4.6, 11.8, "The crowd keeps cheering as the band walks on."),
                    (12.2, length, "Good subtitles are more than a transcript."),
                ]))
            }
            return .json(200, Self.verbose([
                (0.0, 4.2, "Welcome to this short talk about subtitles and why they matter."),
                (4.2, length, "Good subtitles are more than a transcript."),
            ]))
        }
        defer { Task { try? await server.shutdown() } }
        var options = SubtitleOptions()
        options.language = "en"
        options.uploadEncoding = .wav
        options.sendsOnlySpeech = false
        let all = try await subtitler(server).makeSubtitles(for: programme.path, options: options)
        #expect(all.cues.map(\.text).joined(separator: " ").contains("crowd") == false)
        #expect(all.cues.allSatisfy { $0.end <= noise.lowerBound + 1_000 || $0.start >= noise.upperBound }, "\(all.cues)")
        let dropped = try #require(all.report.dropped.first)
        #expect(dropped.rule == DroppedSegment.Rule.outsideSpeech && dropped.text.contains("crowd"))
        #expect(all.report.audioSent == all.report.audioDuration)

        options.sendsOnlySpeech = true
        let speech = try await subtitler(server).makeSubtitles(for: programme.path, options: options)
        #expect(speech.cues.count == 2)
        #expect(speech.cues.allSatisfy { $0.end <= noise.lowerBound + 1_000 || $0.start >= noise.upperBound })
        // The noise (and the pauses around it) was left out but 0.4 s on each side of the speech.
        #expect(speech.report.audioSent < speech.report.audioDuration - 7_000, "sent \(speech.report.audioSent) ms")
        #expect(speech.report.audioSent > speech.report.audioDuration - 9_000, "sent \(speech.report.audioSent) ms")
        #expect(speech.report.estimatedCost < all.report.estimatedCost)
        // The report carries the speech map for the review page.
        #expect(speech.report.speechRegions.count >= 2)
        #expect(speech.report.speechDuration == speech.report.speechRegions.reduce(0) { $0 + $1.duration })
        #expect(speech.report.speechShare > 0.3 && speech.report.speechShare < 0.6)
        let map = try #require(speech.report.activity)
        #expect(abs((map.speech?.count ?? 0) - Int(speech.report.audioDuration / 100)) <= 1)
        let noiseSteps = map.speech.map { Array($0[Int(noise.lowerBound / 100 + 5)..<Int(noise.upperBound / 100 - 5)]) } ?? []
        #expect(!noiseSteps.isEmpty && noiseSteps.allSatisfy { $0 < 50 })
        let document = ReviewDocument(result: speech, media: .init(path: programme.path, duration: speech.report.audioDuration))
        #expect(document.activity == map)
    }

    /// Long silences are cut out of the upload; the stub answers at times it finds in the upload itself (1.2 s after
    /// each onset that follows a silence, inside the speech, where alignment leaves a start alone), and the cues come back at exactly those instants on the media timeline,
    /// in one chunk or across several.
    @Test(arguments: [nil, 12_000] as [Milliseconds?])
    func sentAudioLeavesOutLongSilencesAndTimesComeBackExactly(targetChunk: Milliseconds?) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpeechFixtures.programme([
            .speech(from: 0, to: 4.2), .silence(seconds: 12), .speech(from: 17.4, to: 20.2), .silence(seconds: 12),
            .speech(from: 27.4, to: 30.2),
        ], in: directory)
        let server = try await StubHTTPServer.start { _, request in
            let upload = (try? SpeechFixtures.pcm(fromWAV: request.body)) ?? []
            let runs = SpeechFixtures.silentRuns(in: upload, minimum: 16 * 250)
            var segments: [(Double, Double, String)] = []
            for (index, run) in runs.enumerated() where run.upperBound < upload.count {
                let end = index + 1 < runs.count ? runs[index + 1].lowerBound : upload.count
                segments.append((Self.seconds(run.upperBound) + 1.2, Self.seconds(end), "Part number \(segments.count + 1) is here."))
            }
            return .json(200, Self.verbose(segments))
        }
        defer { Task { try? await server.shutdown() } }
        var options = SubtitleOptions()
        options.language = "en"
        options.uploadEncoding = .wav
        options.targetChunkDuration = targetChunk
        options.hallucinationGuard = .disabled
        let result = try await subtitler(server).makeSubtitles(for: programme.path, options: options)

        // Where each spoken part's sound begins after a silence, on the media timeline.
        let onsets = SpeechFixtures.silentRuns(in: programme.samples, minimum: 16 * 250)
            .filter { $0.upperBound < programme.samples.count }.map { Int64($0.upperBound / 16) }
        #expect(onsets.count == 3)
        #expect(result.cues.map(\.start) == onsets.map { $0 + 1_200 }, "cues \(result.cues.map(\.start)), onsets \(onsets)")
        // No upload holds a silence longer than the 0.4 s kept on each side of the speech (plus the sample's own).
        for request in server.requests {
            let upload = try SpeechFixtures.pcm(fromWAV: request.body)
            #expect(SpeechFixtures.silentRuns(in: upload, minimum: 16 * 1_900).isEmpty)
        }
        let uploaded = try server.requests.reduce(0) { $0 + (try SpeechFixtures.pcm(fromWAV: $1.body)).count }
        #expect(Int64(uploaded / 16) == result.report.audioSent)
        #expect(result.report.audioSent <= result.report.audioDuration - 2 * 10_000)
        if targetChunk != nil { #expect(result.report.chunks.count >= 2) }
    }

    @Test func chunkCutsFallWhereNoOneSpeaks() throws {
        let sample = Samples.url("talk-en.mp4").path
        var options = SubtitleOptions()
        options.targetChunkDuration = 8_000
        let plan = try Subtitler(client: OpenAIAudioClient(configuration: OpenAIConfiguration(baseURL: "http://127.0.0.1:9/v1", apiKey: nil)), cache: nil)
            .plan(for: sample, options: options)
        #expect(plan.chunks.count >= 4)
        #expect(plan.speechDetector == .silero)
        // The detector run on its own, with the pipeline's region options.
        let reader = try AudioReader(path: sample)
        let activity = try VoiceActivityDetector.detect(in: reader, model: try SileroVADModel.bundled(), options: .silero)
        for chunk in plan.chunks.dropFirst() {
            let cut = chunk.start * 16
            #expect(chunk.endsInSilence || chunk.index == plan.chunks.count - 1)
            let inside = activity.regions.contains { $0.speechStart - 1_600 < cut && cut < $0.speechEnd + 1_600 }
            #expect(!inside, "cut at \(chunk.start) ms lies within 100 ms of speech")
        }
        #expect(plan.chunks.allSatisfy { $0.endsInSilence })
    }

    @Test func aProgrammeWithoutSpeechSendsNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpeechFixtures.programme([.music(seconds: 8), .noise(seconds: 4)], in: directory)
        let server = try await StubHTTPServer.start([.json(200, Self.verbose([(0, 5, "Thanks for watching!")]))])
        defer { Task { try? await server.shutdown() } }
        var options = SubtitleOptions()
        options.language = "en"
        let result = try await subtitler(server).makeSubtitles(for: programme.path, options: options)
        #expect(server.requestCount == 0)
        #expect(result.cues.isEmpty)
        #expect(result.report.audioSent == 0 && result.report.estimatedCost == 0)
        #expect(result.report.warnings.contains { $0.contains("no speech was detected") })
    }

    @Test func textOnlyModelsGetTheirRegionsFromTheDetector() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpeechFixtures.programme([.speech(from: 0, to: 4.2), .music(seconds: 6), .speech(from: 17.4, to: 20.2)], in: directory)
        let body = #"{"text":"Welcome to this short talk about subtitles and why they matter. Good subtitles are more than a transcript.","usage":{"type":"tokens","input_tokens":5,"output_tokens":2,"total_tokens":7}}"#
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        var options = SubtitleOptions()
        options.model = "gpt-4o-transcribe"
        options.language = "en"
        let result = try await subtitler(server).makeSubtitles(for: programme.path, options: options)
        #expect(result.report.timing == .region)
        #expect(result.cues.map(\.text) == ["Welcome to this short talk about subtitles and why they matter.", "Good subtitles are more than a transcript."])
        #expect(abs((result.cues.first?.start ?? 0) - programme.speechOnset(0)) <= 100)
        #expect(abs((result.cues.last?.start ?? 0) - programme.speechOnset(1)) <= 100)
        let music = programme.span(1)
        #expect(result.cues.allSatisfy { $0.end <= music.lowerBound + 1_500 || $0.start >= music.upperBound })
    }
}
