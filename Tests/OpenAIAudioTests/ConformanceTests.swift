import Foundation
import TestSupport
import Testing

@testable import OpenAIAudio

/// Sends the same requests through the official `openai` Python SDK and through this client to the stub
/// server, then compares what arrived: multipart parts (name, value, filename, part content type; order
/// ignored), speech JSON bodies, paths and the key headers.
///
/// Runs when `.venv-backend` has the SDK (`scripts/setup` pins `openai==3.57.0`) or `SUBTITLER_REQUIRE_BACKEND=1`.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ConformanceTests {
    static let fileBytes: [UInt8] = Array("RIFF".utf8) + (0..<1024).map { UInt8(($0 * 7) & 0xFF) }
    static let apiKey = "sk-conformance-0000"
    static let speakerReference = "data:audio/wav;base64,UklGRiQAAABXQVZF"

    /// The four calls, in the Python SDK's words. argv: base URL, path of the file bytes.
    static let python = #"""
        import sys
        from openai import OpenAI
        client = OpenAI(base_url=sys.argv[1], api_key="sk-conformance-0000", max_retries=0)
        data = open(sys.argv[2], "rb").read()
        client.audio.transcriptions.create(
            file=("chunk-001.wav", data, "audio/wav"), model="whisper-1", language="en",
            prompt="Subtitles, captions and \"quotes\".", temperature=0.2, response_format="verbose_json",
            timestamp_granularities=["word", "segment"])
        client.audio.transcriptions.create(
            file=("meeting.mp3", data, "audio/mpeg"), model="gpt-4o-transcribe-diarize",
            response_format="diarized_json", include=["logprobs"],
            chunking_strategy={"type": "server_vad", "prefix_padding_ms": 300, "silence_duration_ms": 200, "threshold": 0.5},
            known_speaker_names=["agent", "customer"],
            known_speaker_references=["data:audio/wav;base64,UklGRiQAAABXQVZF", "data:audio/wav;base64,UklGRiQAAABXQVZF"])
        client.audio.translations.create(
            file=("clip-de.m4a", data, "audio/mp4"), model="whisper-1", prompt="Guten Tag.",
            response_format="verbose_json", temperature=0)
        client.audio.speech.create(
            model="gpt-4o-mini-tts", input="Hello there.", voice="coral", instructions="Calm.",
            response_format="wav", speed=1.25)
        print("ok")
        """#

    /// The same four calls through this client.
    static func sendOurs(to server: StubHTTPServer) async throws {
        let client = OpenAIAudioClient(
            configuration: OpenAIConfiguration(baseURL: server.baseURL, apiKey: apiKey, maxRetries: 0)
        )
        _ = try await client.transcribe(
            TranscriptionRequest(
                file: AudioUpload(data: fileBytes, filename: "chunk-001.wav", contentType: "audio/wav"),
                model: "whisper-1",
                language: "en",
                prompt: "Subtitles, captions and \"quotes\".",
                responseFormat: .verboseJSON,
                temperature: 0.2,
                timestampGranularities: [.word, .segment]
            )
        )
        _ = try await client.transcribe(
            TranscriptionRequest(
                file: AudioUpload(data: fileBytes, filename: "meeting.mp3", contentType: "audio/mpeg"),
                model: "gpt-4o-transcribe-diarize",
                responseFormat: .diarizedJSON,
                include: ["logprobs"],
                chunkingStrategy: .serverVAD(
                    prefixPaddingMilliseconds: 300,
                    silenceDurationMilliseconds: 200,
                    threshold: 0.5
                ),
                knownSpeakerNames: ["agent", "customer"],
                knownSpeakerReferences: [speakerReference, speakerReference]
            )
        )
        _ = try await client.translate(
            TranslationRequest(
                file: AudioUpload(data: fileBytes, filename: "clip-de.m4a", contentType: "audio/mp4"),
                prompt: "Guten Tag.",
                responseFormat: .verboseJSON,
                temperature: 0
            )
        )
        _ = try await client.speech(
            SpeechRequest(
                input: "Hello there.",
                voice: "coral",
                instructions: "Calm.",
                responseFormat: .wav,
                speed: 1.25
            )
        )
    }

    static func startServer() async throws -> StubHTTPServer {
        try await StubHTTPServer.start { _, request in
            if request.uri.hasSuffix("/audio/speech") {
                return .bytes(200, [Array("RIFF".utf8)], contentType: "audio/wav")
            }
            if request.bodyText.contains("diarized_json") { return .json(200, Fixtures.diarized) }
            return .json(200, Fixtures.verboseSegmentsAndWords)
        }
    }

    @Test(.enabled(if: OpenAIPythonSDK.isConfigured))
    func requestsMatchTheOfficialPythonSDK() async throws {
        let sdkServer = try await Self.startServer()
        let ourServer = try await Self.startServer()
        defer {
            Task {
                try? await sdkServer.shutdown()
                try? await ourServer.shutdown()
            }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString).bin")
        try Data(Self.fileBytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let output = try await OpenAIPythonSDK.run(Self.python, arguments: [sdkServer.baseURL, file.path])
        #expect(output.contains("ok"))
        try await Self.sendOurs(to: ourServer)

        let theirs = sdkServer.requests
        let ours = ourServer.requests
        try #require(theirs.count == 4 && ours.count == 4)
        for (sdk, mine) in zip(theirs, ours) {
            #expect(sdk.method == mine.method)
            #expect(sdk.uri == mine.uri)
            #expect(sdk.header("authorization") == mine.header("authorization"))
            let sdkType = try #require(sdk.header("content-type"))
            let ourType = try #require(mine.header("content-type"))
            if sdkType.hasPrefix("multipart/form-data") {
                #expect(ourType.hasPrefix("multipart/form-data; boundary="))
                let sdkParts = try MultipartParser.parts(of: sdk.body, contentType: sdkType)
                let ourParts = try MultipartParser.parts(of: mine.body, contentType: ourType)
                #expect(sdkParts.sorted() == ourParts.sorted(), "\(sdk.uri)")
                #expect(sdkParts.contains { $0.filename != nil && $0.data == Self.fileBytes })
            } else {
                #expect(sdkType == ourType)
                #expect(sdk.header("accept") == mine.header("accept"))
                let sdkJSON = try JSONSerialization.jsonObject(with: Data(sdk.body)) as? NSDictionary
                let ourJSON = try JSONSerialization.jsonObject(with: Data(mine.body)) as? NSDictionary
                #expect(sdkJSON == ourJSON, "speech body: \(sdk.bodyText) vs \(mine.bodyText)")
            }
        }
    }
}

/// A minimal multipart/form-data parser for comparing bodies.
enum MultipartParser {
    struct Part: Comparable, CustomStringConvertible {
        var name: String
        var filename: String?
        var contentType: String?
        var data: [UInt8]

        static func < (lhs: Part, rhs: Part) -> Bool { lhs.sortKey < rhs.sortKey }

        private var sortKey: String {
            [name, filename ?? "", contentType ?? "", data.map { String($0, radix: 16) }.joined(separator: ",")]
                .joined(separator: "\u{0}")
        }

        var description: String {
            let value = filename == nil ? String(decoding: data, as: UTF8.self) : "<\(data.count) bytes>"
            return "\(name)=\(value)" + (filename.map { " filename=\($0)" } ?? "")
                + (contentType.map { " type=\($0)" } ?? "")
        }
    }

    struct Malformed: Error {}

    static func parts(of body: [UInt8], contentType: String) throws -> [Part] {
        guard let range = contentType.range(of: "boundary=") else { throw Malformed() }
        let boundary = String(contentType[range.upperBound...]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        let delimiter = Array("--\(boundary)".utf8)
        var positions: [Int] = []
        var index = 0
        while index + delimiter.count <= body.count {
            if body[index] == delimiter[0], Array(body[index..<index + delimiter.count]) == delimiter {
                positions.append(index)
                index += delimiter.count
            } else {
                index += 1
            }
        }
        guard positions.count >= 2 else { throw Malformed() }
        var parts: [Part] = []
        for (start, end) in zip(positions, positions.dropFirst()) {
            var chunk = Array(body[(start + delimiter.count)..<end])
            guard chunk.starts(with: [13, 10]), chunk.suffix(2) == [13, 10] else { throw Malformed() }
            chunk = Array(chunk.dropFirst(2).dropLast(2))
            guard let split = firstIndex(of: [13, 10, 13, 10], in: chunk) else { throw Malformed() }
            let headerText = String(decoding: chunk[..<split], as: UTF8.self)
            let data = Array(chunk[(split + 4)...])
            var name = ""
            var filename: String?
            var type: String?
            for line in headerText.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    name = parameter("name", in: line) ?? ""
                    filename = parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    type = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            parts.append(Part(name: name, filename: filename, contentType: type, data: data))
        }
        return parts
    }

    private static func parameter(_ key: String, in line: String) -> String? {
        guard let range = line.range(of: "; \(key)=\"") else { return nil }
        let rest = line[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where Array(haystack[index..<index + needle.count]) == needle {
            return index
        }
        return nil
    }
}
