import Foundation

/// Why a subtitle file could not be parsed, and where.
public struct SubtitleParseError: Error, Sendable, CustomStringConvertible, Hashable {
    /// The 1-based line number (0 when the problem is the file as a whole).
    public var line: Int
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    /// `line N: reason`.
    public var description: String { line > 0 ? "line \(line): \(reason)" : reason }
}

/// What a ``SubtitleStream`` read next.
public enum SubtitleEvent: Sendable, Hashable {
    /// A cue, with the line number of its timing line.
    case cue(Cue, line: Int)
    /// Something readers drop, ignore or read differently.
    case warning(SubtitleWarning)
}

/// A whole parsed file: its cues and the warnings.
public struct SubtitleDocument: Sendable, Hashable, Codable {
    /// The format read.
    public var format: SubtitleFormat
    /// The cues, in file order.
    public var cues: [Cue]
    /// The warnings, in file order (repeated warnings of one kind are capped; see ``SubtitleStream``).
    public var warnings: [SubtitleWarning]

    /// Creates a document.
    public init(format: SubtitleFormat, cues: [Cue], warnings: [SubtitleWarning]) {
        self.format = format
        self.cues = cues
        self.warnings = warnings
    }
}

/// Reads SRT and WebVTT into cues.
///
/// WebVTT follows the W3C parser algorithm, so the cues are the ones a browser shows (see ``WebVTTParser``). SRT is
/// read the way ffmpeg, pysubs2, srt and webvtt-py agree on (see `docs/subtitle-formats.md`). The tolerant parser
/// (the default) reports, as warnings with line numbers, every cue or file a browser or those readers would drop
/// and everything not written as the format says; the strict parser throws the first of them.
///
/// The cues hold plain text: WebVTT markup is removed (the `<v Name>` voice becomes the speaker) and character
/// references are decoded; SRT's formatting tags (`<i>`, `<b>`, `<u>`, `<s>`, `<font>`) and `{\...}` overrides are
/// removed. Files are read in blocks: ``stream(contentsOf:)`` parses in memory bounded by the largest cue.
public struct SubtitleParser: Sendable {
    /// Whether to reject anything outside the format.
    public var strict: Bool

    /// Creates a parser, tolerant unless `strict` is true.
    public init(strict: Bool = false) {
        self.strict = strict
    }

    /// Parses a file's text.
    public func parse(_ text: String, format: SubtitleFormat) throws(SubtitleParseError) -> [Cue] {
        try document(text, format: format).cues
    }

    /// Parses a file's text into cues and warnings.
    public func document(_ text: String, format: SubtitleFormat) throws(SubtitleParseError) -> SubtitleDocument {
        var stream = stream(Array(text.utf8), format: format)
        return try stream.collect()
    }

    /// Reads and parses a file; the format comes from the extension (`.srt`, `.vtt`), else from the content.
    /// Throws when the file cannot be read or holds no readable cue, with the reason.
    public func parse(contentsOf url: URL) throws -> [Cue] {
        let document = try document(contentsOf: url)
        return document.cues
    }

    /// Reads a file into cues and warnings; throws when it cannot be read or holds no readable cue.
    public func document(contentsOf url: URL) throws(SubtitleParseError) -> SubtitleDocument {
        var stream = try stream(contentsOf: url)
        let document = try stream.collect()
        if document.cues.isEmpty { throw SubtitleParseError(line: 0, reason: stream.noCuesReason) }
        return document
    }

    /// A stream of the cues and warnings of a file, read in 64 KiB blocks.
    public func stream(contentsOf url: URL) throws(SubtitleParseError) -> SubtitleStream {
        var format = SubtitleFormat(pathExtension: url.pathExtension)
        if format == nil { format = try Self.sniff(fileAt: url) }
        return SubtitleStream(source: try FileBlocks(url: url), format: format ?? .srt, strict: strict)
    }

    /// A stream of the cues and warnings of bytes in memory.
    public func stream(_ bytes: [UInt8], format: SubtitleFormat) -> SubtitleStream {
        SubtitleStream(source: MemoryBlocks(bytes), format: format, strict: strict)
    }

    /// The format a text looks like: WebVTT when it starts with `WEBVTT`, else SRT.
    public static func sniff(_ text: String) -> SubtitleFormat {
        sniff(Array(text.utf8.prefix(64)))
    }

    static func sniff(_ head: [UInt8]) -> SubtitleFormat {
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        bytes = bytes.drop(while: WebVTTTimings.isWhitespace)
        return bytes.starts(with: "WEBVTT".utf8) ? .vtt : .srt
    }

    static func sniff(fileAt url: URL) throws(SubtitleParseError) -> SubtitleFormat {
        let head = try FileBlocks(url: url).nextBlock() ?? []
        return sniff(Array(head.prefix(64)))
    }

    /// The most text one cue may hold: 16 MiB (lines are limited to 8 MiB). Past it the file is an error: no
    /// subtitle is that long, and memory stays bounded whatever is uploaded.
    public static let maximumCueText = 1 << 24

    /// The largest accepted timestamp: 10^13 ms, about 2.8 million hours: far past any media, far from overflow.
    static let maxTimestamp: Milliseconds = 10_000_000_000_000
}

/// The cues and warnings of one file, one at a time, in memory bounded by the largest cue.
///
/// Warnings of one kind are reported up to ``warningLimitPerKind`` times; past that, one summary warning at the
/// end gives the count. In strict mode the first warning is thrown as a ``SubtitleParseError`` instead.
public struct SubtitleStream {
    // Two optionals rather than an enum with payloads: the parsers are mutated in place (an enum payload would be
    // copied, with its 64 KiB block, on every call).
    private var srt: SRTParser?
    private var vtt: WebVTTParser?
    private let strict: Bool
    private var warningCounts: [SubtitleWarning.Kind: Int] = [:]
    private var summaries: [SubtitleWarning] = []
    private var summariesDone = false
    private var firstDropReason: String?
    private var firstWarning: String?
    /// The format being read.
    public let format: SubtitleFormat
    /// How many cues have been read so far.
    public private(set) var cueCount = 0
    /// How many warnings of one kind are reported before they are only counted.
    public static let warningLimitPerKind = 100

    init(source: any ByteBlockSource, format: SubtitleFormat, strict: Bool) {
        self.format = format
        self.strict = strict
        switch format {
        case .srt, .imsc, .ebuTTD, .ttml, .ass:
            // Only SRT and WebVTT are read (`SubtitleFormat.isReadable`); callers pick the format from the
            // extension, which maps only those two.
            srt = SRTParser(source: source)
        case .vtt:
            do {
                vtt = WebVTTParser(reader: try LineReader(source: source))
            } catch {
                vtt = WebVTTParser(bytes: [0xFF, 0xFE, 0x00, 0x00])  // throws the same UTF-32 error on next()
            }
        }
    }

    /// The next cue or warning, or nil at the end of the file.
    public mutating func next() throws(SubtitleParseError) -> SubtitleEvent? {
        while true {
            let event: SubtitleEvent?
            if srt != nil {
                event = try srt!.next()
            } else {
                let raw = try vtt!.next()
                switch raw {
                case nil: event = nil
                case .cue(let cue)?:
                    let plain = WebVTTCueText.plainLines(cue.text)
                    event = .cue(Cue(start: cue.start, end: cue.end, lines: plain.lines, lineSpeakers: plain.speakers),
                                 line: cue.line)
                case .warning(let warning)?: event = .warning(warning)
                case .region?, .styleSheet?: continue
                }
            }
            guard let event else { return finalSummary() }
            switch event {
            case .cue:
                cueCount += 1
                return event
            case .warning(let warning):
                if strict { throw SubtitleParseError(line: warning.line, reason: warning.message) }
                if firstDropReason == nil, [.fileRejected, .cueDropped].contains(warning.kind) {
                    firstDropReason = warning.description
                }
                if firstWarning == nil { firstWarning = warning.description }
                let count = warningCounts[warning.kind, default: 0] + 1
                warningCounts[warning.kind] = count
                if count <= Self.warningLimitPerKind { return event }
            }
        }
    }

    private mutating func finalSummary() -> SubtitleEvent? {
        if !summariesDone {
            summariesDone = true
            summaries = warningCounts.sorted { $0.key.rawValue < $1.key.rawValue }
                .filter { $0.value > Self.warningLimitPerKind }
                .map { kind, count in
                    SubtitleWarning(line: 0, kind: kind, message: "\(count - Self.warningLimitPerKind) more \(kind.rawValue) warnings not shown")
                }
        }
        return summaries.isEmpty ? nil : .warning(summaries.removeFirst())
    }

    /// Reads everything that is left.
    public mutating func collect() throws(SubtitleParseError) -> SubtitleDocument {
        var cues: [Cue] = []
        var warnings: [SubtitleWarning] = []
        while let event = try next() {
            switch event {
            case .cue(let cue, _): cues.append(cue)
            case .warning(let warning): warnings.append(warning)
            }
        }
        return SubtitleDocument(format: format, cues: cues, warnings: warnings)
    }

    /// Why no cue was read, for people (meaningful once the stream is at its end).
    public var noCuesReason: String {
        if srt?.isEmpty ?? vtt?.isEmpty ?? false { return "no readable cues: the file is empty" }
        if let firstDropReason { return "no readable cues: \(firstDropReason)" }
        if let srt, srt.timingLineCount == 0 {
            return "no readable cues: no timing line (like \"00:00:01,000 --> 00:00:02,500\") in the file; is it a subtitle file?"
        }
        if let firstWarning { return "no readable cues: \(firstWarning)" }
        return format == .vtt ? "no readable cues: the WebVTT file holds no cue" : "no readable cues"
    }
}
