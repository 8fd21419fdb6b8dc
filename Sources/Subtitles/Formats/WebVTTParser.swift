import Foundation

/// Reads WebVTT by the W3C WebVTT parser algorithm ("WebVTT file parsing", "collect a WebVTT block", "collect
/// WebVTT cue timings and settings"), so the cues equal what a browser's `<track>` holds. It streams: one line
/// and one block are in memory at a time, and every step is linear in the input.
///
/// Besides cues it reports, as warnings with line numbers, everything a browser drops or ignores: a file without
/// a valid `WEBVTT` signature, blocks whose timing line cannot be read, text outside any cue, ignored settings.
public struct WebVTTParser: QueuedEventParser {
    /// What the parser found next.
    public enum Event: Sendable, Hashable {
        /// A cue, in file order.
        case cue(WebVTTCue)
        /// A `REGION` definition from the header area.
        case region(WebVTTRegion)
        /// A `STYLE` block from the header area (its first line number); style sheets are not parsed.
        case styleSheet(line: Int)
        /// Something a browser drops or ignores.
        case warning(SubtitleWarning)
    }

    private var reader: LineReader
    private var pushedBack: Line?
    var events = EventQueue<Event>()
    private var started = false
    private var seenCue = false
    private var regions: [WebVTTRegion] = []
    private var previousStart: Milliseconds?
    private var reportedInvalidUTF8 = false
    private var reportedNull = false
    private var reportedEncoding = false
    /// Whether browsers reject the file (no valid signature); known once the first event has been read.
    public private(set) var isRejected = false
    /// Whether the file had no bytes.
    public var isEmpty: Bool { reader.isEmpty }

    struct Line {
        var number: Int
        var text: String
        var hasArrow: Bool
    }

    /// A parser for a file, read in blocks.
    public init(contentsOf url: URL) throws(SubtitleParseError) {
        reader = try LineReader(source: FileBlocks(url: url))
    }

    /// A parser for bytes in memory (UTF-8; a UTF-16 byte order mark is also understood).
    public init(bytes: [UInt8]) {
        // A memory source cannot fail to read; the reader's only other error (UTF-32) is thrown by the first `next()`.
        do {
            reader = try LineReader(source: MemoryBlocks(bytes))
        } catch {
            reader = LineReader.failing()
            events.startError = error
        }
    }

    init(reader: LineReader) {
        self.reader = reader
    }

    /// Parses a whole text: every cue, and the warnings.
    public static func parse(_ text: String) throws(SubtitleParseError) -> (cues: [WebVTTCue], warnings: [SubtitleWarning]) {
        var parser = WebVTTParser(bytes: Array(text.utf8))
        var cues: [WebVTTCue] = []
        var warnings: [SubtitleWarning] = []
        while let event = try parser.next() {
            switch event {
            case .cue(let cue): cues.append(cue)
            case .warning(let warning): warnings.append(warning)
            case .region, .styleSheet: break
            }
        }
        return (cues, warnings)
    }

    /// The next event, or nil at the end of the file.
    public mutating func next() throws(SubtitleParseError) -> Event? { try nextQueuedEvent() }

    private mutating func warn(_ line: Int, _ kind: SubtitleWarning.Kind, _ message: String) {
        events.append(.warning(SubtitleWarning(line: line, kind: kind, message: message)))
    }

    private mutating func nextLine() throws(SubtitleParseError) -> Line? {
        if let line = pushedBack {
            pushedBack = nil
            return line
        }
        guard var bytes = try reader.nextLine() else { return nil }
        let number = reader.lineNumber
        if case .utf16 = reader.encoding, !reportedEncoding {
            reportedEncoding = true
            warn(number, .encoding, "the file is UTF-16; WebVTT is UTF-8 only, and browsers do not read it this way")
        }
        if bytes.contains(0) {
            if !reportedNull {
                reportedNull = true
                warn(number, .encoding, "NUL characters are read as U+FFFD, as browsers do")
            }
            var replaced: [UInt8] = []
            replaced.reserveCapacity(bytes.count + 8)
            for byte in bytes {
                if byte == 0 { replaced += [0xEF, 0xBF, 0xBD] } else { replaced.append(byte) }
            }
            bytes = replaced
        }
        let (text, valid) = TextDecoding.utf8(bytes)
        if !valid, !reportedInvalidUTF8 {
            reportedInvalidUTF8 = true
            warn(number, .encoding, "not valid UTF-8: the invalid bytes are read as U+FFFD, as browsers do")
        }
        return Line(number: number, text: text, hasArrow: Self.containsArrow(bytes))
    }

    static func containsArrow(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 3 else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            var index = 2
            while index < buffer.count {
                if buffer[index] == 0x3E, buffer[index - 1] == 0x2D, buffer[index - 2] == 0x2D { return true }
                index += 1
            }
            return false
        }
    }

    /// One step of the algorithm: the signature and header, or one block.
    mutating func step() throws(SubtitleParseError) {
        if !started {
            started = true
            try signatureAndHeader()
            return
        }
        // Skip blank lines between blocks.
        while let line = try nextLine() {
            if line.text.isEmpty { continue }
            pushedBack = line
            try collectBlock(inHeader: false)
            return
        }
        events.finished = true
    }

    private mutating func signatureAndHeader() throws(SubtitleParseError) {
        guard let first = try nextLine() else {
            isRejected = true
            events.finished = true
            warn(0, .fileRejected, reader.isEmpty ? "the file is empty" : "not a WebVTT file: the first line must be \"WEBVTT\"")
            return
        }
        let signature = first.text.utf8
        let valid = signature.starts(with: "WEBVTT".utf8)
            && (signature.count == 6 || [0x20, 0x09].contains(Array(signature.prefix(7))[6]))
        guard valid else {
            isRejected = true
            events.finished = true
            let shown = first.text.prefix(40)
            warn(first.number, .fileRejected,
                 "not a WebVTT file: the first line must be \"WEBVTT\", alone or followed by a space or tab and text; "
                 + "found \"\(shown)\" (browsers reject the whole file)")
            return
        }
        guard let second = try nextLine() else { return }
        if !second.text.isEmpty {
            pushedBack = second
            try collectBlock(inHeader: true)
        }
    }

    /// "Collect a WebVTT block". Only what a cue, region or the first line of a block needs is kept.
    private mutating func collectBlock(inHeader: Bool) throws(SubtitleParseError) {
        var lineCount = 0
        var seenArrow = false
        var firstLine: Line?
        var buffer = ""  // the identifier, then the cue text
        var cue: WebVTTCue?
        var isStyle = false
        var region: WebVTTRegion?
        var sawText = false
        while let line = try nextLine() {
            lineCount += 1
            if line.hasArrow {
                if !inHeader, lineCount == 1 || (lineCount == 2 && !seenArrow) {
                    seenArrow = true
                    let identifier = lineCount == 2 ? buffer : ""
                    switch WebVTTTimings.cueTimingsAndSettings(Array(line.text.utf8), regions: regions) {
                    case .success(let parsed):
                        cue = WebVTTCue(identifier: identifier, start: parsed.start, end: parsed.end,
                                        settings: parsed.settings, text: "", line: line.number)
                        for token in parsed.ignored {
                            warn(line.number, .settingIgnored, "cue setting \"\(token.prefix(40))\" is not valid; browsers ignore it")
                        }
                        buffer = ""
                        seenCue = true
                    case .failure(let failure):
                        cue = nil
                        warn(line.number, .cueDropped, "cannot read the timing line (\(failure.reason)); browsers drop this cue")
                    }
                    continue
                }
                pushedBack = line
                break
            }
            if line.text.isEmpty { break }
            if lineCount == 1 { firstLine = line }
            if !inHeader, lineCount == 2, !seenCue, let first = firstLine {
                if Self.isKeywordLine(first.text, "STYLE") {
                    isStyle = true
                    buffer = ""
                } else if Self.isKeywordLine(first.text, "REGION") {
                    region = WebVTTRegion()
                    buffer = ""
                }
            }
            if region != nil, lineCount >= 2 {
                WebVTTTimings.applyRegionSettings(Array(line.text.utf8), to: &region!)
                continue
            }
            if isStyle { continue }
            if cue != nil {
                if !buffer.isEmpty { buffer += "\n" }
                buffer += line.text
                sawText = true
                if buffer.utf8.count > SubtitleParser.maximumCueText {
                    events.finished = true
                    throw SubtitleParseError(line: cue!.line, reason: "the cue holds more than 16 MiB of text; this is not a subtitle file")
                }
            } else if lineCount == 1 {
                buffer = line.text  // a possible identifier
            }
        }
        if var cue {
            cue.text = buffer
            if !sawText { warn(cue.line, .emptyCue, "cue without text") }
            if cue.end <= cue.start {
                warn(cue.line, .endNotAfterStart, "the cue ends at or before its start; browsers never show it")
            }
            if let previousStart, cue.start < previousStart {
                warn(cue.line, .outOfOrder, "the cue starts before the cue before it")
            }
            previousStart = cue.start
            events.append(.cue(cue))
            return
        }
        if isStyle, let first = firstLine {
            events.append(.styleSheet(line: first.number))
            return
        }
        if var region {
            region.index = regions.count
            regions.append(region)
            events.append(.region(region))
            return
        }
        guard !inHeader, !seenArrow, let first = firstLine else { return }
        if Self.isComment(first.text) { return }
        if seenCue, Self.isKeywordLine(first.text, "STYLE") || Self.isKeywordLine(first.text, "REGION") {
            warn(first.number, .textIgnored, "a \(first.text.prefix(6)) block after the first cue is ignored by browsers")
        } else {
            warn(first.number, .textIgnored, "text outside any cue (no timing line in this block); browsers ignore it")
        }
    }

    /// `STYLE` or `REGION` followed only by ASCII white space.
    static func isKeywordLine(_ text: String, _ keyword: String) -> Bool {
        guard text.utf8.starts(with: keyword.utf8) else { return false }
        return text.utf8.dropFirst(keyword.utf8.count).allSatisfy(WebVTTTimings.isWhitespace)
    }

    /// A `NOTE` comment block: `NOTE` alone or followed by a space, tab or line break.
    static func isComment(_ text: String) -> Bool {
        guard text.utf8.starts(with: "NOTE".utf8) else { return false }
        let rest = text.utf8.dropFirst(4)
        return rest.isEmpty || rest.first == 0x20 || rest.first == 0x09
    }
}

extension LineReader {
    /// A reader whose start failed: it yields no lines.
    static func failing() -> LineReader {
        // An empty memory source cannot fail.
        try! LineReader(source: MemoryBlocks([]))
    }
}
