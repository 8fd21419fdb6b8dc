import Foundation
import TestSupport
import Testing

@testable import OpenAIAudio

/// Runs the client against the real local backend (faster-whisper-server and local-tts-studio).
///
/// Enabled when `SUBTITLER_TEST_WHISPER_URL` / `SUBTITLER_TEST_SPEECH_URL` is set or
/// `SUBTITLER_REQUIRE_BACKEND=1` (then an unreachable server fails the test). Start the backend with
/// `scripts/local-backend start`.
@Suite(.serialized, .timeLimit(.minutes(30)), .backendTurn)
struct BackendIntegrationTests {
    private static func whisperClient() throws -> OpenAIAudioClient {
        let url = try #require(LocalBackend.whisperURL)
        return OpenAIAudioClient(
            configuration: OpenAIConfiguration(baseURL: url, requestTimeout: .seconds(900), maxRetries: 1)
        )
    }

    private static func speechClient() throws -> OpenAIAudioClient {
        let url = try #require(LocalBackend.speechURL)
        return OpenAIAudioClient(
            configuration: OpenAIConfiguration(
                baseURL: "http://127.0.0.1:9/v1",
                speechBaseURL: url,
                requestTimeout: .seconds(900),
                maxRetries: 1
            )
        )
    }

    private static func wavUpload(_ sample: String) throws -> AudioUpload {
        let name = (sample as NSString).deletingPathExtension
        let wav = try FFmpegCLI.wav(from: Samples.url(sample))
        return AudioUpload(data: wav, filename: "\(name).wav", contentType: "audio/wav")
    }

    @Test(.enabled(if: LocalBackend.isWhisperConfigured))
    func transcribesTheEnglishTalk() async throws {
        let request = TranscriptionRequest(
            file: try Self.wavUpload("talk-en.mp4"),
            model: "whisper-1",
            language: "en",
            timestampGranularities: [.segment]
        )
        #expect(multipartBodySize(for: request) < maxRequestBodyBytes)
        let result = try await Self.whisperClient().transcribeVerbose(request)
        let reference = try Samples.text("talk-en.txt")
        let recall = Samples.wordRecall(reference: reference, recognized: result.text)
        #expect(recall >= 0.8, "recognised \(Int(recall * 100))% of the reference words: \(result.text)")
        #expect(result.languageCode == "en")
        #expect(!result.segments.isEmpty)
        #expect(result.segments.allSatisfy { $0.end >= $0.start })
        let lastEnd = try #require(result.segments.last?.end)
        #expect(lastEnd > 30 && lastEnd < 42)
        #expect(zip(result.segments, result.segments.dropFirst()).allSatisfy { $0.start <= $1.start })
    }

    @Test(.enabled(if: LocalBackend.isWhisperConfigured))
    func transcribesTheGermanClip() async throws {
        let request = TranscriptionRequest(file: try Self.wavUpload("clip-de.mkv"), language: "de")
        let result = try await Self.whisperClient().transcribeVerbose(request)
        let recall = Samples.wordRecall(reference: try Samples.text("clip-de.txt"), recognized: result.text)
        #expect(recall >= 0.8, "recognised \(Int(recall * 100))% of the reference words: \(result.text)")
        #expect(result.languageCode == "de")
    }

    @Test(.enabled(if: LocalBackend.isWhisperConfigured))
    func jsonTextWorksWithoutAFormat() async throws {
        // The first sentence only ("Guten Tag und herzlich willkommen."), to keep the backend's queue short.
        let wav = try FFmpegCLI.run([
            "-i", Samples.url("clip-de.mkv").path, "-t", "3.2", "-vn", "-ac", "1", "-ar", "16000", "-f", "wav", "-",
        ])
        let request = TranscriptionRequest(file: AudioUpload(data: wav, filename: "first.wav"), language: "de")
        let text = try await Self.whisperClient().transcribeText(request)
        let recall = Samples.wordRecall(reference: "Guten Tag und herzlich willkommen.", recognized: text)
        #expect(recall >= 0.6, "recognised: \(text)")
    }

    @Test(.enabled(if: LocalBackend.isWhisperConfigured))
    func translatesTheGermanClipToEnglish() async throws {
        let result = try await Self.whisperClient().translateVerbose(
            TranslationRequest(file: try Self.wavUpload("clip-de.mkv"))
        )
        let words = Set(Samples.words(in: result.text))
        let english: Set<String> = [
            "the", "and", "weather", "berlin", "morning", "welcome", "today", "thank", "sun", "good", "day",
        ]
        #expect(words.intersection(english).count >= 4, "translation: \(result.text)")
        #expect(!result.segments.isEmpty)
    }

    @Test(.enabled(if: LocalBackend.isWhisperConfigured))
    func unsupportedFormatErrorIsReadable() async throws {
        var request = TranscriptionRequest(file: try Self.wavUpload("clip-de.mkv"))
        request.responseFormat = .srt
        let client = try Self.whisperClient()
        // The pinned faster-whisper-server answers srt with HTTP 400 (see local-backend.md).
        let error = try await #require(throws: OpenAIAudioError.self) { try await client.transcribeText(request) }
        #expect(error.kind == .http)
        #expect(error.status == 400)
        #expect(error.message.lowercased().contains("srt") || error.message.lowercased().contains("response_format"), "\(error.message)")
        #expect(error.attempts == 1)
    }

    @Test(.enabled(if: LocalBackend.isSpeechConfigured))
    func speechToWAV() async throws {
        let wav = try await Self.speechClient().speech(
            SpeechRequest(
                model: "tts-1",
                input: "Subtitles make videos easier to follow.",
                voice: "alloy",
                responseFormat: .wav
            )
        )
        #expect(wav.count > 44)
        #expect(Array(wav.prefix(4)) == Array("RIFF".utf8))
        #expect(Array(wav[8..<12]) == Array("WAVE".utf8))
        let info = try #require(WAVInfo(wav))
        #expect(info.bitsPerSample == 16)
        #expect(info.duration > 0.5)
    }

    @Test(.enabled(if: LocalBackend.isSpeechConfigured))
    func speechToPCMStreamed() async throws {
        var pcm: [UInt8] = []
        var chunks = 0
        for try await chunk in try Self.speechClient().streamSpeech(
            SpeechRequest(model: "tts-1", input: "Hello there.", voice: "alloy", responseFormat: .pcm)
        ) {
            pcm += chunk
            chunks += 1
        }
        #expect(!pcm.isEmpty)
        #expect(pcm.count % 2 == 0)
        #expect(chunks >= 1)
    }
}

/// The format chunk and data length of a RIFF/WAVE file.
struct WAVInfo {
    var channels: Int
    var sampleRate: Int
    var bitsPerSample: Int
    var dataBytes: Int

    /// The duration in seconds (the data length may be a streaming placeholder; then the file size is used).
    var duration: Double {
        Double(dataBytes) / Double(max(1, sampleRate * channels * bitsPerSample / 8))
    }

    init?(_ bytes: [UInt8]) {
        func u32(_ offset: Int) -> Int {
            Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3])
                << 24
        }
        func u16(_ offset: Int) -> Int { Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8)
        else {
            return nil
        }
        var offset = 12
        var format: (Int, Int, Int)?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            if id == "fmt ", offset + 24 <= bytes.count {
                format = (u16(offset + 10), u32(offset + 12), u16(offset + 22))
            } else if id == "data", let format {
                let available = bytes.count - offset - 8
                channels = format.0
                sampleRate = format.1
                bitsPerSample = format.2
                dataBytes = (size == 0 || size > available) ? available : size
                return
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }
}
