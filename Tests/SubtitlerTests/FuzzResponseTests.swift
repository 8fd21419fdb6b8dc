import Foundation
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler

/// Bounded-time fuzz runs over server responses: seeded mutations of verbose_json and diarized_json bodies go
/// through the response decoder and the pipeline's merge, guard and shaping, as the job would run them. Nothing may
/// crash, and every cue that comes out is on the timeline, well formed and free of control characters.
///
/// Seeds and iteration counts are fixed, so CI runs the same inputs every time (300 iterations of three bodies, about a second in a debug build);
/// `SUBTITLER_FUZZ_ITERATIONS` and `SUBTITLER_FUZZ_SEED` run longer or different campaigns locally.
@Suite struct FuzzResponseTests {
    static let verbose = #"""
        {"task":"transcribe","language":"english","duration":20.0,"text":"The beach was a popular spot. It was hot.",
         "segments":[
          {"id":0,"seek":0,"start":0.0,"end":3.32,"text":" The beach was a popular spot.","tokens":[1,2],"temperature":0.0,
           "avg_logprob":-0.28,"compression_ratio":1.23,"no_speech_prob":0.0098},
          {"id":1,"seek":0,"start":4.1,"end":6.9,"text":" It was hot.","avg_logprob":-0.31,"compression_ratio":1.1,
           "no_speech_prob":0.02}],
         "words":[{"word":"The","start":0.0,"end":0.24},{"word":"beach","start":0.24,"end":0.5},
          {"word":"was","start":0.5,"end":0.7},{"word":"a","start":0.7,"end":0.8},{"word":"popular","start":0.8,"end":1.3},
          {"word":"spot","start":1.3,"end":1.9},{"word":"It","start":4.1,"end":4.3},{"word":"was","start":4.3,"end":4.6},
          {"word":"hot","start":4.6,"end":5.2}],
         "usage":{"type":"duration","seconds":20}}
        """#

    static let diarized = #"""
        {"task":"transcribe","duration":20.0,"text":"A: Hello, how can I help? B: My order is late.",
         "segments":[
          {"type":"transcript.text.segment","id":"seg_001","start":0.0,"end":4.7,"text":"Hello, how can I help?","speaker":"A"},
          {"type":"transcript.text.segment","id":"seg_002","start":5.05,"end":7.8,"text":"My order is late.","speaker":"B"},
          {"type":"transcript.text.segment","id":"seg_003","start":8.0,"end":11.5,"text":"Let me check that for you.","speaker":"A"}],
         "usage":{"type":"tokens","input_tokens":1000,"output_tokens":20,"total_tokens":1020}}
        """#

    /// Each chunk of the fuzzed job is 20 s long; three chunks make a one-minute timeline.
    static let chunkDuration: Milliseconds = 20_000

    @Test(.timeLimit(.minutes(2)), arguments: ["verbose", "diarized"])
    func mutatedResponsesNeverCrashAndNeverLeaveTheTimeline(shape: String) throws {
        let base = shape == "verbose" ? Self.verbose : Self.diarized
        let seed = FuzzSettings.seed(shape == "verbose" ? 0xF0_0D_01 : 0xF0_0D_02)
        var random = SeededGenerator(seed: seed)
        let iterations = FuzzSettings.iterations(default: 300)
        var decoded = 0
        var cueCount = 0
        for iteration in 0..<iterations {
            var transcripts: [ChunkTranscript] = []
            for _ in 0..<3 {
                let body = Int.random(in: 0..<3, using: &random) == 0
                    ? Mutator.mutate(Array(base.utf8), using: &random, maxEdits: 4)
                    : Array(Self.structurallyMutated(base, using: &random).utf8)
                guard let transcript = Self.decode(body, diarized: shape == "diarized") else { continue }
                decoded += 1
                transcripts.append(transcript)
            }
            let cues = Self.runMerge(transcripts)
            cueCount += cues.count
            let end = Self.chunkDuration * 3
            for (index, cue) in cues.enumerated() {
                let context = "iteration \(iteration) (seed \(seed)), cue \(index): \(cue)"
                #expect(cue.start >= 0 && cue.end > cue.start && cue.end <= end, "\(context)")
                #expect(!cue.lines.joined().unicodeScalars.contains { $0.properties.generalCategory == .control }, "\(context)")
                #expect(!cue.lines.isEmpty, "\(context)")
            }
        }
        #expect(decoded > iterations, "most mutated bodies should still decode: \(decoded) of \(iterations * 3)")
        #expect(cueCount > 0)
    }

    @Test func anAnswerFarLongerThanSpeechIsBoundedByTheAudio() {
        let huge = String(repeating: "word ", count: 400_000)   // 2 MB of text for 20 s of audio
        let many = Array(repeating: TranscriptSegment(start: 1_000, end: 2_000, text: "again"), count: 100_000)
        let transcript = ChunkTranscript(language: "en", text: huge,
                                         segments: [TranscriptSegment(start: 0, end: 20_000, text: huge)] + many)
        let clean = transcript.sanitized(audioDuration: 20_000)
        let budget = ChunkTranscript.textBudget(forAudio: 20_000)
        #expect(budget == 2_200)
        #expect(clean.text.utf8.count <= budget)
        #expect(clean.segments.count <= ChunkTranscript.itemBudget(forAudio: 20_000))
        #expect(clean.segments.map(\.text.utf8.count).reduce(0, +) <= budget)
        // Cut at a word boundary, never inside a word or a character.
        #expect(clean.segments[0].text.hasSuffix("word") && clean.segments[0].text.utf8.count > 2_000)
        #expect(ChunkTranscript.truncated("añb ñ", to: 2) == "a")
        #expect(ChunkTranscript.truncated("ñññ", to: 5) == "ññ")
        // An ordinary answer is untouched.
        let plain = ChunkTranscript(language: "en", text: "Hello there.", segments: [TranscriptSegment(start: 0, end: 900, text: "Hello there.")])
        #expect(plain.sanitized(audioDuration: 20_000).segments == plain.segments)
    }

    /// The decoder the client uses, then the conversion the pipeline applies to every answer.
    static func decode(_ body: [UInt8], diarized: Bool) -> ChunkTranscript? {
        let decoder = JSONDecoder()
        if diarized {
            guard let value = try? decoder.decode(DiarizedTranscription.self, from: Data(body)) else { return nil }
            return ChunkTranscript(value.verbose)
        }
        guard let value = try? decoder.decode(VerboseTranscription.self, from: Data(body)) else { return nil }
        return ChunkTranscript(value)
    }

    /// Merge, guard and shape as `makeSubtitles` does: sanitise, clamp to the chunk, place on the timeline, build,
    /// clamp to the media.
    static func runMerge(_ transcripts: [ChunkTranscript]) -> [Cue] {
        var chunks: [TranscriptChunk] = []
        for (index, transcript) in transcripts.enumerated() {
            let clean = transcript.sanitized(audioDuration: chunkDuration)
            let segments = clean.segments.map { SegmentPlacement.clamped($0, toDuration: chunkDuration) }
            chunks.append(TranscriptChunk(offset: Int64(index) * chunkDuration, duration: chunkDuration, segments: segments))
        }
        let speech = (0..<Int(chunkDuration * 3 / 20)).map { $0 % 50 < 40 }
        let activity = SpeechActivity(frameDuration: 20, isSpeech: speech)
        let built = SubtitleBuilder(style: .netflix, language: "en").build(from: chunks, speechActivity: activity)
        return built.cues.clamped(toTimeline: chunkDuration * Int64(max(1, transcripts.count)))
    }

    /// A JSON-aware mutation: numbers become extremes, strings gain control characters or length, arrays are
    /// reordered, duplicated or emptied, keys disappear, types change.
    static func structurallyMutated(_ json: String, using random: inout SeededGenerator) -> String {
        guard var object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) else { return json }
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            object = mutate(object, depth: 0, using: &random)
        }
        guard JSONSerialization.isValidJSONObject(object),
              let data = try? JSONSerialization.data(withJSONObject: object) else { return json }
        return String(decoding: data, as: UTF8.self)
    }

    static func mutate(_ value: Any, depth: Int, using random: inout SeededGenerator) -> Any {
        switch value {
        case var dictionary as [String: Any]:
            guard let key = dictionary.keys.sorted().randomElement(using: &random) else { return dictionary }
            switch Int.random(in: 0..<8, using: &random) {
            case 0: dictionary.removeValue(forKey: key)
            case 1: dictionary[key] = NSNull()
            default: dictionary[key] = mutate(dictionary[key]!, depth: depth + 1, using: &random)
            }
            return dictionary
        case var array as [Any]:
            guard !array.isEmpty else { return array }
            switch Int.random(in: 0..<8, using: &random) {
            case 0: array.shuffle(using: &random)
            case 1: array.append(contentsOf: Array(repeating: array[0], count: Int.random(in: 1...50, using: &random)))
            case 2: array.removeAll()
            case 3: array.reverse()
            default:
                let index = Int.random(in: 0..<array.count, using: &random)
                array[index] = mutate(array[index], depth: depth + 1, using: &random)
            }
            return array
        case let number as NSNumber:
            let extremes: [Any] = [1e308, -1e308, 9.2e18, -9.2e18, 1e-300, 0, -1, -0.001, 86_400.5, 4.9e-324,
                                   Int64.max, Int64.min, "12.5", number.doubleValue * 1000, number.doubleValue + 19.99]
            return extremes.randomElement(using: &random)!
        case let string as String:
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return string + "\u{1B}[2J\u{07}\u{0}\u{9B}"
            case 1:
                // Longer, but not past 64 KB: repeated mutations would otherwise multiply into megabytes, which
                // only measure the JSON coder (anAnswerFarLongerThanSpeechIsBoundedByTheAudio covers huge answers).
                let unit = string.isEmpty ? "x" : string
                let most = max(2, 65_536 / unit.utf8.count)
                return String(repeating: unit, count: min(Int.random(in: 2...400, using: &random), most))
            case 2: return ""
            case 3: return 42
            case 4: return String(string.reversed())
            default: return "\u{202E}" + string + "\r\n\t"
            }
        default:
            return ["surprise": 1]
        }
    }
}
