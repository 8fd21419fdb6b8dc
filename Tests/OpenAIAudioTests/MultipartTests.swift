import Foundation
import Testing

@testable import OpenAIAudio

@Suite struct MultipartTests {
    static let boundary = "0123456789abcdef0123456789abcdef"

    @Test func transcriptionBodyMatchesTheSDKLayoutByteForByte() {
        let request = TranscriptionRequest(
            file: AudioUpload(data: Array("RIFFdata".utf8), filename: "chunk-001.wav", contentType: "audio/wav"),
            model: "whisper-1",
            language: "en",
            prompt: "Hello \"world\"",
            responseFormat: .verboseJSON,
            temperature: 0.2,
            timestampGranularities: [.word, .segment]
        )
        let form = request.multipartForm(boundary: Self.boundary)
        let b = Self.boundary
        let expected =
            "--\(b)\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"language\"\r\n\r\nen\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nHello \"world\"\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\nverbose_json\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"temperature\"\r\n\r\n0.2\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"timestamp_granularities[]\"\r\n\r\nword\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"timestamp_granularities[]\"\r\n\r\nsegment\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"chunk-001.wav\"\r\n"
            + "Content-Type: audio/wav\r\n\r\nRIFFdata\r\n"
            + "--\(b)--\r\n"
        #expect(String(decoding: form.encoded(), as: UTF8.self) == expected)
        #expect(form.byteCount == expected.utf8.count)
        #expect(form.contentType == "multipart/form-data; boundary=\(b)")
    }

    @Test func arraysObjectsAndBooleansUseBracketedNames() {
        let request = TranscriptionRequest(
            file: AudioUpload(data: [1, 2, 3], filename: "a.mp3"),
            model: "gpt-4o-transcribe-diarize",
            responseFormat: .diarizedJSON,
            include: ["logprobs"],
            chunkingStrategy: .serverVAD(
                prefixPaddingMilliseconds: 300,
                silenceDurationMilliseconds: 200,
                threshold: 0.5
            ),
            knownSpeakerNames: ["agent", "customer"],
            knownSpeakerReferences: ["data:audio/wav;base64,AAAA", "data:audio/wav;base64,BBBB"]
        )
        let fields = request.formFields(stream: true).map { "\($0.name)=\($0.value)" }
        #expect(
            fields == [
                "model=gpt-4o-transcribe-diarize",
                "chunking_strategy[type]=server_vad",
                "chunking_strategy[prefix_padding_ms]=300",
                "chunking_strategy[silence_duration_ms]=200",
                "chunking_strategy[threshold]=0.5",
                "include[]=logprobs",
                "known_speaker_names[]=agent",
                "known_speaker_names[]=customer",
                "known_speaker_references[]=data:audio/wav;base64,AAAA",
                "known_speaker_references[]=data:audio/wav;base64,BBBB",
                "response_format=diarized_json",
                "stream=true",
            ]
        )
        let file = request.multipartForm(boundary: Self.boundary).encoded()
        let text = String(decoding: file, as: UTF8.self)
        #expect(
            text.contains("name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n\u{1}\u{2}\u{3}\r\n")
        )
    }

    @Test func autoChunkingIsAPlainField() {
        let request = TranscriptionRequest(file: AudioUpload(data: [], filename: "a.wav"), chunkingStrategy: .auto)
        #expect(
            request.formFields(stream: false).map { "\($0.name)=\($0.value)" } == [
                "model=whisper-1", "chunking_strategy=auto",
            ]
        )
    }

    @Test func extraFieldsComeLastAndModelNameIsNotSentByDefault() {
        var request = TranscriptionRequest(file: AudioUpload(data: [], filename: "a.wav"))
        #expect(!request.formFields(stream: false).contains { $0.name == "model_name" })
        request.extraFields = [("model_name", "base")]
        #expect(request.formFields(stream: false).last.map { "\($0.name)=\($0.value)" } == "model_name=base")
    }

    @Test func translationBody() {
        let request = TranslationRequest(
            file: AudioUpload(data: [0xFF], filename: "clip.m4a"),
            prompt: "Guten Tag",
            responseFormat: .verboseJSON,
            temperature: 0
        )
        let b = Self.boundary
        let expected =
            "--\(b)\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nGuten Tag\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\nverbose_json\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"temperature\"\r\n\r\n0\r\n"
            + "--\(b)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.m4a\"\r\n"
            + "Content-Type: audio/mp4\r\n\r\n"
        let body = request.multipartForm(boundary: b).encoded()
        #expect(body == Array(expected.utf8) + [0xFF] + Array("\r\n--\(b)--\r\n".utf8))
    }

    @Test func translationFromTranscriptionKeepsSharedFields() {
        let transcription = TranscriptionRequest(
            file: AudioUpload(data: [], filename: "a.wav"),
            language: "de",
            prompt: "p",
            responseFormat: .diarizedJSON,
            temperature: 0.3,
            timestampGranularities: [.word]
        )
        let translation = TranslationRequest(transcription)
        #expect(translation.responseFormat == .verboseJSON)
        #expect(translation.formFields().map(\.name) == ["model", "prompt", "response_format", "temperature"])
    }

    @Test func bodySizeIsExactAndCheap() {
        let request = TranscriptionRequest(
            file: AudioUpload(data: Array(repeating: 7, count: 12_345), filename: "x.wav"),
            language: "en",
            prompt: "naïve café",
            responseFormat: .verboseJSON,
            temperature: 0.25,
            timestampGranularities: [.segment, .word]
        )
        #expect(multipartBodySize(for: request) == request.multipartForm().encoded().count)
        #expect(multipartOverhead(for: request) == multipartBodySize(for: request) - 12_345)
    }

    @Test func randomBoundaryIs32HexDigits() {
        let boundary = MultipartForm.makeBoundary()
        #expect(boundary.count == 32)
        #expect(boundary.allSatisfy { $0.isHexDigit })
        #expect(boundary != MultipartForm.makeBoundary())
    }

    @Test func quotesAndNewlinesInNamesAreEscapedLikeHTTPX() {
        #expect(MultipartForm.escape("a\"b\\c\nd") == "a%22b\\\\c%0Ad")
    }

    @Test(arguments: [
        ("a.wav", "audio/wav"), ("a.MP3", "audio/mpeg"), ("a.m4a", "audio/mp4"), ("a.flac", "audio/flac"),
        ("a.ogg", "audio/ogg"), ("a.webm", "audio/webm"), ("noext", "application/octet-stream"),
    ])
    func contentTypeFromExtension(filename: String, type: String) {
        #expect(AudioUpload.contentType(forFilename: filename) == type)
    }

    @Test func numbersAreWrittenLikePython() {
        #expect(formValue(0) == "0")
        #expect(formValue(0.2) == "0.2")
        #expect(formValue(1) == "1")
        #expect(formValue(0.5) == "0.5")
        #expect(formValue(0.00001) == "1e-05")
    }

    @Test func speechBodyIsSortedJSONWithoutNils() throws {
        let client = OpenAIAudioClient(configuration: OpenAIConfiguration(apiKey: "k"))
        let prepared = try client.prepareSpeech(
            SpeechRequest(model: "tts-1", input: "Hi / there", voice: "nova", responseFormat: .wav)
        )
        #expect(
            String(decoding: prepared.body, as: UTF8.self)
                == #"{"input":"Hi / there","model":"tts-1","response_format":"wav","voice":"nova"}"#
        )
        #expect(prepared.header("Accept") == "application/octet-stream")
        let full = try client.prepareSpeech(
            SpeechRequest(input: "x", instructions: "calm", responseFormat: .pcm, speed: 1.5, streamFormat: .sse)
        )
        #expect(
            String(decoding: full.body, as: UTF8.self)
                == #"{"input":"x","instructions":"calm","model":"gpt-4o-mini-tts","response_format":"pcm","speed":1.5,"stream_format":"sse","voice":"alloy"}"#
        )
        #expect(full.header("Accept") == "text/event-stream")
    }
}
