import Foundation
import OpenAIAudio
import Subtitles

/// Makes text from a server or a media file safe to print and to write: control characters (ESC, BEL, NUL and
/// the C1 range) can drive a terminal or corrupt a subtitle file, so they never get through.
public enum TextSanitising {
    /// `text` for a subtitle line: tabs and line breaks become spaces, other control characters are removed.
    public static func cueText(_ text: String) -> String {
        guard containsControl(text) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{2028}" || scalar == "\u{2029}" {
                scalars.append(" ")
            } else if !isControl(scalar) {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// `text` for one line on a terminal or a page's title: line breaks and tabs become spaces, other control
    /// characters and the bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C, which can
    /// make a name read backwards) become U+FFFD (visible, so the user sees that something was there).
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) || isBidiControl($0) || $0 == "\u{2028}" || $0 == "\u{2029}" })
        else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{2028}" || scalar == "\u{2029}" {
                scalars.append(" ")
            } else if isControl(scalar) || isBidiControl(scalar) {
                scalars.append("\u{FFFD}")
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Whether `scalar` is a bidirectional formatting character: the embeddings, overrides and isolates and the
    /// three marks.
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Whether `text` holds a control character (or a Unicode line or paragraph separator).
    public static func containsControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { isControl($0) || $0 == "\u{2028}" || $0 == "\u{2029}" }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control
    }
}

extension ChunkTranscript {
    /// The most characters of text an answer may hold for `audioDuration` of audio: 1,000 plus 60 a second, three
    /// times the fastest speech (Whisper itself stops at 448 tokens per 30 s window). More is not speech: a broken or
    /// hostile server could otherwise make the merge and the shaping work through megabytes.
    static func textBudget(forAudio audioDuration: Milliseconds) -> Int {
        1_000 + Int(min(max(audioDuration, 0), 86_400_000) / 1_000) * 60
    }

    /// The most segments or words an answer may hold for `audioDuration` of audio: 100 plus one per 50 ms.
    static func itemBudget(forAudio audioDuration: Milliseconds) -> Int {
        100 + Int(min(max(audioDuration, 0), 86_400_000) / 50)
    }

    /// The answer as the merge may use it: control characters removed from every text (segments, words, speakers,
    /// the full text), segments and words that start at or after the end of the audio that was sent dropped (a
    /// server's times past the end are not times in the media), text, segments and words bounded by the audio's
    /// length (``textBudget(forAudio:)``, ``itemBudget(forAudio:)``), and, when a timed request came back with text
    /// but no segments, one segment over the whole upload so the text is not lost (the speech detector then
    /// tightens it).
    /// - Parameter audioDuration: the length of the audio this answer is for, milliseconds.
    func sanitized(audioDuration: Milliseconds) -> ChunkTranscript {
        var copy = self
        let textBudget = Self.textBudget(forAudio: audioDuration)
        let itemBudget = Self.itemBudget(forAudio: audioDuration)
        copy.text = TextSanitising.cueText(Self.truncated(text, to: textBudget))
        copy.language = language.map { TextSanitising.cueText(Self.truncated($0, to: 64)) }
        var textLeft = textBudget
        var wordsLeft = itemBudget
        copy.segments = []
        for segment in segments.prefix(itemBudget) where segment.start < audioDuration && textLeft > 0 {
            var clean = segment
            clean.text = TextSanitising.cueText(Self.truncated(segment.text, to: textLeft))
            textLeft -= clean.text.utf8.count
            clean.speaker = segment.speaker.map { TextSanitising.cueText(Self.truncated($0, to: 64)) }
            clean.words = []
            for word in segment.words where word.start < audioDuration && wordsLeft > 0 {
                wordsLeft -= 1
                clean.words.append(TranscriptWord(text: TextSanitising.cueText(Self.truncated(word.text, to: 200)),
                                                  start: word.start, end: word.end))
            }
            copy.segments.append(clean)
        }
        if copy.segments.isEmpty, !segments.contains(where: { $0.start < audioDuration }), isUntimed {
            let text = copy.text.trimmingCharacters(in: .whitespacesAndNewlines)
            copy.segments = [TranscriptSegment(start: 0, end: max(1, audioDuration), text: text)]
        }
        return copy
    }

    /// `text` cut to at most `budget` bytes of UTF-8, at the last space before the limit when there is one.
    static func truncated(_ text: String, to budget: Int) -> String {
        guard text.utf8.count > budget else { return text }
        guard budget > 0 else { return "" }
        var head = String.UnicodeScalarView()
        var bytes = 0
        for scalar in text.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > budget { break }
            head.append(scalar)
        }
        if let space = head.lastIndex(of: " "), space > head.startIndex { return String(head[..<space]) }
        return String(head)
    }

    /// Text came back without a single segment (a server that ignores `verbose_json`'s timing).
    var isUntimed: Bool {
        segments.isEmpty && !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// Warnings for a job's answers: chunks whose text came back without timing (their cues span speech regions).
    /// - Parameters:
    ///   - transcripts: the answers by chunk index.
    ///   - strategy: the model's strategy; text-only models never send timing, and say so elsewhere.
    static func timingWarnings(_ transcripts: [Int: ChunkTranscript], strategy: AudioModel.Timing) -> [String] {
        guard strategy != .textOnly else { return [] }
        let untimed = transcripts.filter { $0.value.isUntimed }.keys.sorted()
        guard !untimed.isEmpty else { return [] }
        let list = untimed.prefix(10).map { String($0 + 1) }.joined(separator: ", ") + (untimed.count > 10 ? ", …" : "")
        return ["the server returned text without timestamps for chunk\(untimed.count == 1 ? "" : "s") \(list): "
                + "cue timing there is region-level"]
    }
}

extension Array where Element == Cue {
    /// The cues on a timeline that ends at `end`: cues that start at or after it are dropped, cues that run past it
    /// end there. Times past the media's end (a server's, or a reading-time extension) never reach a file.
    public func clamped(toTimeline end: Milliseconds) -> [Cue] {
        guard end > 0 else { return self }
        return compactMap { cue in
            guard cue.start < end else { return nil }
            var copy = cue
            copy.start = Swift.max(0, cue.start)
            copy.end = Swift.min(cue.end, end)
            return copy.end > copy.start ? copy : nil
        }
    }
}
