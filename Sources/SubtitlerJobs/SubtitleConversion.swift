import Foundation
import Subtitles
import SubtitlerSupport

/// `subtitler convert`: one subtitle file read and written in another format, atomically.
public enum SubtitleConversion {
    /// What the target format cannot express of what the input held.
    public enum Loss: Sendable, Hashable {
        /// Speaker names the target does not carry (SRT, TTML kinds: dialogue dashes only; ASS: one name per event).
        case speakerNames(cues: Int)
        /// Times rounded to centiseconds (ASS).
        case centisecondTimes
        /// Cues past the last time the target expresses, left out (ASS from 10:00:00, SRT from 100:00:00).
        case cuesPastRange(count: Int)
        /// Cues holding more lines than the style profile allows (the target shows them all).
        case linesOverLimit(cues: Int, limit: Int)
    }

    /// A finished conversion.
    public struct Result: Sendable {
        /// The file read.
        public var input: String
        /// The file written.
        public var output: String
        /// The format written.
        public var format: SubtitleFormat
        /// How many cues were written.
        public var cueCount: Int
        /// What the target could not keep.
        public var losses: [Loss]
        /// What the reader reported about the input (dropped or repaired parts), with line numbers.
        public var warnings: [SubtitleWarning]
    }

    /// Why a conversion did not happen.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// The file the failure is about.
        public var path: String
        /// The cause, for people.
        public var reason: String
        /// `path: reason`.
        public var description: String { "\(path): \(reason)" }
    }

    /// Where `input` goes when converted beside itself: its name without its subtitle extension, then `format`'s
    /// (`Film.en.srt` → `Film.en.ass`).
    public static func outputPath(for input: String, format: SubtitleFormat) -> String {
        var stem = input
        if let current = SubtitleFormat(fileName: input) {
            let ending = input.lowercased().hasSuffix(".webvtt") ? "webvtt" : current.fileExtension
            stem.removeLast(ending.count + 1)
        } else {
            stem = (input as NSString).deletingPathExtension
        }
        return stem + "." + format.fileExtension
    }

    /// Reads `input` (SRT or WebVTT), writes it to `output` in `format` (temporary file, then rename), and says
    /// what the target could not keep. Runs off the cooperative pool.
    /// - Parameters:
    ///   - language: `xml:lang` and the WebVTT header; nil reads it from the sidecar name (`Film.en.srt` → `en`).
    ///   - style: the profile whose frame rate goes into TTML and whose line limit is checked.
    ///   - overwrite: whether an existing `output` is replaced.
    public static func convert(
        _ input: String, to output: String, format: SubtitleFormat, language: String? = nil,
        style: StyleProfile = .netflix, overwrite: Bool = false
    ) async throws -> Result {
        try await BlockingWork.run(on: .io, "convert") {
            try convertBlocking(input, to: output, format: format, language: language, style: style, overwrite: overwrite)
        }
    }

    static func convertBlocking(
        _ input: String, to output: String, format: SubtitleFormat, language: String?, style: StyleProfile,
        overwrite: Bool
    ) throws -> Result {
        if let problem = FileChecks.textFileProblem(input, maxBytes: 1 << 30, allowsPipes: false) {
            throw Failure(path: input, reason: problem)
        }
        guard SubtitleFormat(pathExtension: (input as NSString).pathExtension)?.isReadable ?? true else {
            throw Failure(path: input, reason: "only SRT and WebVTT are read; \(input) is written only")
        }
        let document: SubtitleDocument
        do {
            document = try SubtitleParser().document(contentsOf: URL(fileURLWithPath: input))
        } catch {
            throw Failure(path: input, reason: error.description)
        }
        if (input as NSString).standardizingPath == (output as NSString).standardizingPath {
            throw Failure(path: output, reason: "is the input; name another output")
        }
        if !overwrite, FileManager.default.fileExists(atPath: output) {
            throw Failure(path: output, reason: "exists; --force replaces it")
        }
        let cues = document.cues
        let tag = language ?? sidecarLanguage(of: input)
        do {
            try AtomicFile.write(format.render(cues, language: tag, frameRate: style.frameRate), to: URL(fileURLWithPath: output))
        } catch {
            throw Failure(path: output, reason: error.reason)
        }
        let losses = self.losses(cues, format: format, style: style)
        var written = cues.count
        for case .cuesPastRange(let count) in losses { written -= count }
        return Result(input: input, output: output, format: format, cueCount: written, losses: losses,
                      warnings: document.warnings)
    }

    /// What `format` cannot keep of `cues`.
    static func losses(_ cues: [Cue], format: SubtitleFormat, style: StyleProfile) -> [Loss] {
        var losses: [Loss] = []
        let named = cues.filter { cue in
            switch format {
            case .vtt: false
            case .ass: cue.isDialogue
            default: cue.speakerOfEachLine.contains { $0 != nil }
            }
        }.count
        if named > 0 { losses.append(.speakerNames(cues: named)) }
        if format == .ass {
            if cues.contains(where: { $0.start % 10 != 0 || $0.end % 10 != 0 }) { losses.append(.centisecondTimes) }
            let past = cues.filter { $0.start >= ASSWriter.maximumTime }.count
            if past > 0 { losses.append(.cuesPastRange(count: past)) }
        }
        if format == .srt {
            let past = cues.filter { $0.start >= SRTWriter.maximumTime }.count
            if past > 0 { losses.append(.cuesPastRange(count: past)) }
        }
        let long = cues.filter { $0.lines.count > style.maxLines }.count
        if long > 0 { losses.append(.linesOverLimit(cues: long, limit: style.maxLines)) }
        return losses
    }

    /// The language token of a sidecar name (`Film.en.sdh.srt` → `en`), if it has one.
    static func sidecarLanguage(of path: String) -> String? {
        let name = (path as NSString).lastPathComponent
        let tokens = name.split(separator: ".").dropFirst().dropLast().map(String.init)
        return tokens.last { token in token.count >= 2 && token.count <= 3 && token.allSatisfy(\.isLetter) && token == token.lowercased()
            && !["sdh", "cc", "hi", "forced", "default"].contains(token) }
    }
}
