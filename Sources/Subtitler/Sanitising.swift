import Foundation
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

    /// `text` for one line on a terminal: line breaks and tabs become spaces, other control characters become
    /// U+FFFD (visible, so the user sees that something was there).
    public static func printable(_ text: String) -> String {
        guard containsControl(text) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "\u{2028}" || scalar == "\u{2029}" {
                scalars.append(" ")
            } else if isControl(scalar) {
                scalars.append("\u{FFFD}")
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
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
    /// The answer as the merge may use it: control characters removed from every text (segments, words, speakers,
    /// the full text), segments and words that start at or after the end of the audio that was sent dropped (a
    /// server's times past the end are not times in the media), and, when a timed request came back with text but no
    /// segments, one segment over the whole upload so the text is not lost (the speech detector then tightens it).
    /// - Parameter audioDuration: the length of the audio this answer is for, milliseconds.
    func sanitized(audioDuration: Milliseconds) -> ChunkTranscript {
        var copy = self
        copy.text = TextSanitising.cueText(text)
        copy.language = language.map(TextSanitising.cueText)
        copy.segments = segments.compactMap { segment -> TranscriptSegment? in
            guard segment.start < audioDuration else { return nil }
            var clean = segment
            clean.text = TextSanitising.cueText(segment.text)
            clean.speaker = segment.speaker.map(TextSanitising.cueText)
            clean.words = segment.words.compactMap { word in
                guard word.start < audioDuration else { return nil }
                return TranscriptWord(text: TextSanitising.cueText(word.text), start: word.start, end: word.end)
            }
            return clean
        }
        if copy.segments.isEmpty, !segments.contains(where: { $0.start < audioDuration }), isUntimed {
            let text = copy.text.trimmingCharacters(in: .whitespacesAndNewlines)
            copy.segments = [TranscriptSegment(start: 0, end: max(1, audioDuration), text: text)]
        }
        return copy
    }

    /// Text came back without a single segment (a server that ignores `verbose_json`'s timing).
    var isUntimed: Bool {
        segments.isEmpty && !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// Warnings for a job's answers: chunks whose text came back without timing (their cues span speech regions).
    /// - Parameters:
    ///   - transcripts: the answers by chunk index.
    ///   - strategy: the model's strategy; text-only models never send timing, and say so elsewhere.
    static func timingWarnings(_ transcripts: [Int: ChunkTranscript], strategy: ModelStrategy) -> [String] {
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
