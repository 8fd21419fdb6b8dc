import Foundation
import OpenAIAudio
import Subtitles
import Testing
@testable import Subtitler
@testable import SubtitlerJobs

/// The closed sets that reports carry keep the raw strings they had as plain strings, both ways.
struct TypedValuesTests {
    static func roundTrips<T: Codable & Equatable & RawRepresentable>(_ values: [T]) throws -> Bool
    where T.RawValue == String {
        for value in values {
            let data = try JSONEncoder().encode([value])
            guard String(decoding: data, as: UTF8.self) == "[\"\(value.rawValue)\"]" else { return false }
            guard try JSONDecoder().decode([T].self, from: data) == [value] else { return false }
        }
        return true
    }

    @Test func cueTimingKeepsItsNames() throws {
        #expect(CueTiming.allCases.map(\.rawValue) == ["word", "segment", "region"])
        #expect(try Self.roundTrips(CueTiming.allCases))
    }

    @Test func droppedSegmentRulesKeepTheirNames() throws {
        #expect(DroppedSegment.Rule.allCases.map(\.rawValue)
            == ["silence", "loop", "phantom-phrase", "no-speech", "outside-speech", "not-english", "other-language"])
        #expect(try Self.roundTrips(DroppedSegment.Rule.allCases))
        #expect("\(DroppedSegment.Rule.phantomPhrase)" == "phantom-phrase")
    }

    @Test func styleViolationRulesKeepTheirNames() throws {
        #expect(StyleViolation.Rule.allCases.map(\.rawValue) == [
            "max-characters-per-line", "max-lines", "min-duration", "max-duration", "max-characters-per-second",
            "max-words-per-minute", "min-gap", "overlap", "start-order", "non-positive-duration", "empty-text",
        ])
        #expect(try Self.roundTrips(StyleViolation.Rule.allCases))
        #expect("\(StyleViolation.Rule.readingSpeed)" == "max-characters-per-second")
    }

    @Test func theModelDecidesTheStrategyAndTranslationsAreTimestamped() {
        var options = SubtitleOptions()
        options.model = "gpt-4o-transcribe"
        #expect(options.strategy == .textOnly)
        options.model = "gpt-4o-transcribe-diarize"
        #expect(options.strategy == .diarizedSegments)
        options.model = "my-server-model"
        #expect(options.strategy == .segmentsAndWords)
        options.model = "gpt-4o-transcribe"
        options.task = .translate
        #expect(options.strategy == .segmentsAndWords)
    }
}
