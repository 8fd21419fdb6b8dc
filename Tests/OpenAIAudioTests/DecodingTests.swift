import Foundation
import Testing

@testable import OpenAIAudio

@Suite struct DecodingTests {
    private func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(json.utf8))
    }

    @Test func verboseWithSegmentsAndWords() throws {
        let value = try decode(VerboseTranscription.self, Fixtures.verboseSegmentsAndWords)
        #expect(value.language == "english")
        #expect(value.languageCode == "en")
        #expect(value.duration == 8.470000267028809)
        #expect(value.task == "transcribe")
        #expect(value.usage == .duration(seconds: 9))
        #expect(value.segments.count == 1)
        let segment = try #require(value.segments.first)
        #expect(segment.id == "0")
        #expect(segment.startMilliseconds == 0)
        #expect(segment.endMilliseconds == 3320)
        #expect(segment.text == " The beach was a popular spot on a hot summer day.")
        #expect(segment.avgLogprob == -0.2860786020755768)
        #expect(segment.compressionRatio == 1.2363636493682861)
        #expect(segment.noSpeechProb == 0.00985979475080967)
        #expect(segment.temperature == 0)
        #expect(segment.speaker == nil)
        #expect(value.words.map(\.word) == ["The", "beach"])
        #expect(value.words[1].startMilliseconds == 240)
    }

    @Test func verboseWithWordsOnlyHasNoSegments() throws {
        let value = try decode(VerboseTranscription.self, Fixtures.verboseWordsOnly)
        #expect(value.segments.isEmpty)
        #expect(value.words.count == 2)
        #expect(value.words[1] == VerboseTranscription.Word(word: "world", start: 0.6, end: 1.2))
    }

    @Test func verboseFromTheLocalServerWithISOLanguageAndNulls() throws {
        let value = try decode(VerboseTranscription.self, Fixtures.verboseLocalServer)
        #expect(value.language == "en")
        #expect(value.languageCode == "en")
        #expect(value.words.isEmpty)
        #expect(value.segments.first?.id == "1")
        #expect(value.usage == nil)
    }

    @Test func diarizedMapsIntoVerboseWithSpeakers() throws {
        let value = try decode(DiarizedTranscription.self, Fixtures.diarized)
        #expect(value.segments.map(\.id) == ["seg_001", "seg_002"])
        #expect(value.segments.map(\.speaker) == ["agent", "B"])
        #expect(value.usage == .tokens(input: 1000, output: 20, total: 1020, inputAudio: 1000, inputText: 0))
        let verbose = value.verbose
        #expect(verbose.segments[1].startMilliseconds == 5050)
        #expect(verbose.text.hasPrefix("A: Hello"))
        // The same body also decodes directly as VerboseTranscription.
        let direct = try decode(VerboseTranscription.self, Fixtures.diarized)
        #expect(direct.segments.map(\.speaker) == ["agent", "B"])
    }

    @Test func translationVerbose() throws {
        let value = try decode(VerboseTranscription.self, Fixtures.translationVerbose)
        #expect(value.task == "translate")
        #expect(value.segments.map(\.text).joined() == " Good morning, everyone.")
        #expect(value.words.isEmpty)
    }

    @Test func jsonWithLogprobsAndTokenUsage() throws {
        let value = try decode(Transcription.self, Fixtures.jsonWithLogprobs)
        #expect(value.text == "Hi.")
        #expect(value.logprobs == [TokenLogprob(token: "Hi", logprob: -0.01, bytes: [72, 105])])
        #expect(value.usage == .tokens(input: 14, output: 3, total: 17, inputAudio: 14, inputText: 0))
    }

    @Test func lenientSegmentFields() throws {
        let segment = try decode(
            VerboseTranscription.Segment.self,
            #"{"id":"7","start":"1.5","end":2,"text":"x","avg_logprob":null,"speaker":"A","unknown":{"a":1}}"#
        )
        #expect(segment.id == "7")
        #expect(segment.start == 1.5)
        #expect(segment.end == 2)
        #expect(segment.avgLogprob == nil)
        #expect(segment.speaker == "A")
    }

    @Test func textIsRebuiltFromSegmentsWhenMissing() throws {
        let value = try decode(
            VerboseTranscription.self,
            #"{"segments":[{"start":0,"end":1,"text":" a"},{"start":1,"end":2,"text":" b"}]}"#
        )
        #expect(value.text == " a b")
    }

    @Test func missingTextAndSegmentsIsAnError() {
        #expect(throws: DecodingError.self) { try decode(VerboseTranscription.self, #"{"language":"en"}"#) }
    }

    @Test func usageWithoutTypeIsInferred() throws {
        #expect(try decode(TranscriptionUsage.self, #"{"seconds":3.5}"#) == .duration(seconds: 3.5))
        #expect(
            try decode(TranscriptionUsage.self, #"{"input_tokens":1,"output_tokens":2,"total_tokens":3}"#)
                == .tokens(input: 1, output: 2, total: 3, inputAudio: nil, inputText: nil)
        )
    }

    @Test func verboseRoundTripsThroughEncoding() throws {
        let value = try decode(VerboseTranscription.self, Fixtures.verboseSegmentsAndWords)
        let again = try JSONDecoder().decode(VerboseTranscription.self, from: JSONEncoder().encode(value))
        #expect(again == value)
    }

    @Test(arguments: [
        ("english", "en"), ("German", "de"), ("de", "de"), ("en-US", "en"), ("cantonese", "yue"), ("klingon", nil),
    ])
    func languageNamesAndCodes(language: String, code: String?) {
        #expect(WhisperLanguages.code(for: language) == code)
    }
}

@Suite struct ServerSentEventTests {
    @Test func parsesEventsSplitAcrossArbitraryChunks() {
        let body = Array("data: {\"a\":1}\r\n\r\n: comment\nevent: x\ndata: line1\ndata:line2\n\ndata: tail".utf8)
        for split in [1, 2, 3, 7, body.count] {
            var parser = ServerSentEventParser()
            var events: [ServerSentEvent] = []
            var index = 0
            while index < body.count {
                events += parser.feed(body[index..<min(index + split, body.count)])
                index += split
            }
            if let last = parser.finish() { events.append(last) }
            #expect(
                events == [
                    ServerSentEvent(data: #"{"a":1}"#),
                    ServerSentEvent(event: "x", data: "line1\nline2"),
                    ServerSentEvent(data: "tail"),
                ],
                "split \(split)"
            )
        }
    }

    @Test func decodesTranscriptionEvents() throws {
        let events = try (Fixtures.transcriptionStream + Fixtures.diarizedStream).map(TranscriptionStreamEvent.decode)
        #expect(events[0] == .textDelta("The", segmentID: nil))
        #expect(
            events[3]
                == .done(
                    text: "The beach was nice.",
                    usage: .tokens(input: 14, output: 45, total: 59, inputAudio: 14, inputText: 0)
                )
        )
        #expect(events[4] == .textDelta("Hello", segmentID: "seg_001"))
        guard case .segment(let segment) = events[5] else {
            Issue.record("expected a segment, got \(events[5])")
            return
        }
        #expect(segment.speaker == "A")
        #expect(segment.id == "seg_001")
        #expect(events[6] == .done(text: "Hello", usage: .duration(seconds: 2)))
    }

    @Test func decodesSpeechEvents() throws {
        let events = try Fixtures.speechStream.map(SpeechStreamEvent.decode)
        guard case .audio(let first) = events[0], case .audio(let second) = events[1], case .done = events[2] else {
            Issue.record("unexpected events")
            return
        }
        #expect(first + second == Array("RIFF1234".utf8))
    }
}
