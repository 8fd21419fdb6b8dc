import Foundation

/// Reads SubRip the way the common readers (ffmpeg, pysubs2, srt, webvtt-py) agree on, streaming one line at a
/// time: a cue starts at a line that reads as a timing line, optionally after a number line; its text runs to the
/// next cue. Tolerated with a warning: a byte order mark, CRLF or CR, missing or odd numbers, a dot before the
/// milliseconds, short fields, missing hours, text after a blank line (kept with its cue, as those readers do), a
/// text line holding `-->` (text, unless it follows a blank line), Windows-1252 text. Never glued: two cues'
/// text; never dropped without a warning: any text.
struct SRTParser: QueuedEventParser {
    private var reader: LineReader
    private var current: Pending?
    private var heldNumber: Line?
    private var skippingBrokenCue = false
    var events = EventQueue<SubtitleEvent>()
    private var reportedLatin1 = false
    private var reportedUTF16 = false
    private var previousStart: Milliseconds?
    /// How many timing lines were read, valid or not.
    private(set) var timingLineCount = 0

    struct Line {
        var number: Int
        var text: String
        /// The UTF-8 of `text`.
        var bytes: [UInt8]
    }

    private struct Pending {
        var start: Milliseconds
        var end: Milliseconds
        var line: Int
        var text: [String] = []
        var blankSinceText = false
        var joinedReported = false
        var textLength = 0
    }

    init(source: any ByteBlockSource) {
        do {
            reader = try LineReader(source: source)
        } catch {
            reader = LineReader.failing()
            events.startError = error
        }
    }

    var isEmpty: Bool { reader.isEmpty }

    mutating func next() throws(SubtitleParseError) -> SubtitleEvent? { try nextQueuedEvent() }

    private mutating func warn(_ line: Int, _ kind: SubtitleWarning.Kind, _ message: String) {
        events.append(.warning(SubtitleWarning(line: line, kind: kind, message: message)))
    }

    private mutating func nextLine() throws(SubtitleParseError) -> Line? {
        guard let bytes = try reader.nextLine() else { return nil }
        let number = reader.lineNumber
        if case .utf16 = reader.encoding, !reportedUTF16 {
            reportedUTF16 = true
            warn(number, .encoding, "the file is UTF-16; most SRT readers expect UTF-8")
        }
        if let text = TextDecoding.validUTF8(bytes) { return Line(number: number, text: text, bytes: bytes) }
        if !reportedLatin1 {
            reportedLatin1 = true
            warn(number, .encoding, "not valid UTF-8: lines that are not are read as Windows-1252")
        }
        let text = TextDecoding.windows1252(bytes)
        return Line(number: number, text: text, bytes: Array(text.utf8))
    }

    private static func isBlank(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    private static func isNumber(_ text: String) -> Bool {
        let trimmed = text.utf8.drop(while: { $0 == 0x20 || $0 == 0x09 }).reversed().drop(while: { $0 == 0x20 || $0 == 0x09 })
        return !trimmed.isEmpty && trimmed.count <= 18 && trimmed.allSatisfy(WebVTTTimings.isDigit)
    }

    mutating func step() throws(SubtitleParseError) {
        guard let line = try nextLine() else {
            if let held = heldNumber {
                heldNumber = nil
                warn(held.number, .textIgnored, "a cue number without a timing line after it is left out")
            }
            finishCurrent()
            events.finished = true
            return
        }
        let hasArrow = WebVTTParser.containsArrow(line.bytes)
        if hasArrow, let timing = SRTTiming.parse(line.bytes) {
            timingLineCount += 1
            startCue(line, timing)
            return
        }
        if Self.isBlank(line.bytes) {
            if let held = heldNumber {
                // A number followed by a blank line: text, not a cue number.
                heldNumber = nil
                try attachHeld(held)
            }
            skippingBrokenCue = false
            current?.blankSinceText = true
            return
        }
        if skippingBrokenCue { return }
        let afterBreak = current == nil || current!.blankSinceText || heldNumber != nil
        if hasArrow, afterBreak {
            // Where a cue would start, a line with "-->" that is no timing line: a cue nobody can read.
            timingLineCount += 1
            heldNumber = nil
            warn(line.number, .cueDropped, "cannot read the timing line \"\(line.text.prefix(60))\"; this cue and its text are left out")
            finishCurrent()
            skippingBrokenCue = true
            return
        }
        if Self.isNumber(line.text), afterBreak {
            if let held = heldNumber { try attachHeld(held) }
            heldNumber = line
            return
        }
        if let held = heldNumber {
            heldNumber = nil
            try attachHeld(held)
        }
        try appendText(line)
    }

    /// A held number line that turned out to be text.
    private mutating func attachHeld(_ held: Line) throws(SubtitleParseError) {
        heldNumber = nil
        try appendText(held)
    }

    private mutating func appendText(_ line: Line) throws(SubtitleParseError) {
        guard current != nil else {
            warn(line.number, .textIgnored, "text before the first cue (no timing line above it) is left out")
            return
        }
        if current!.blankSinceText {
            if !current!.joinedReported {
                warn(line.number, .textJoined, "text after a blank line is kept in the cue above it (line \(current!.line)), as SRT readers do; a blank line should end a cue")
                current!.joinedReported = true
            }
            current!.blankSinceText = false
        }
        current!.text.append(line.text)
        current!.textLength += line.bytes.count
        if current!.textLength > SubtitleParser.maximumCueText {
            events.finished = true
            throw SubtitleParseError(line: current!.line, reason: "the cue holds more than 16 MiB of text; this is not a subtitle file")
        }
    }

    private mutating func startCue(_ line: Line, _ timing: SRTTiming) {
        skippingBrokenCue = false
        var hadNumber = false
        if let held = heldNumber {
            heldNumber = nil
            hadNumber = true
            if Int(held.text.trimmingCharacters(in: .whitespaces)) == 0 {
                warn(held.number, .cueNumber, "cue numbers start at 1; some readers reject 0")
            }
        } else if let last = current?.text.last, !current!.blankSinceText, Self.isNumber(last) {
            // "text, number, timing" without a blank line: the number belongs to the new cue.
            current!.text.removeLast()
            hadNumber = true
            warn(line.number - 1, .textJoined, "a blank line is missing before this cue")
        } else if current != nil, !current!.blankSinceText {
            warn(line.number, .textJoined, "a blank line is missing before this cue")
        }
        if !hadNumber { warn(line.number, .cueNumber, "the cue has no number") }
        for problem in timing.problems { warn(line.number, .timingNotStandard, problem) }
        finishCurrent()
        current = Pending(start: timing.start, end: timing.end, line: line.number)
    }

    private mutating func finishCurrent() {
        guard let pending = current else { return }
        current = nil
        let lines = pending.text.map(SRTText.clean).filter { !$0.isEmpty }
        if lines.isEmpty { warn(pending.line, .emptyCue, "cue without text") }
        if pending.end <= pending.start {
            warn(pending.line, .endNotAfterStart, "the cue ends at or before its start; players never show it")
        }
        if let previousStart, pending.start < previousStart {
            warn(pending.line, .outOfOrder, "the cue starts before the cue before it")
        }
        previousStart = pending.start
        events.append(.cue(Cue(start: pending.start, end: pending.end, lines: lines), line: pending.line))
    }
}

/// An SRT timing line: `start --> end`, with what is not standard about it.
struct SRTTiming {
    var start: Milliseconds
    var end: Milliseconds
    var problems: [String]

    /// Parses a timing line, tolerantly; nil when it is not one.
    static func parse(_ bytes: [UInt8]) -> SRTTiming? {
        var position = 0
        var problems: [String] = []
        func skipSpaces() -> Int {
            let start = position
            while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
            return position - start
        }
        if skipSpaces() > 0 { problems.append("the timing line starts with white space") }
        guard let start = timestamp(bytes, &position, &problems) else { return nil }
        let before = skipSpaces()
        for expected in Array("-->".utf8) {
            guard position < bytes.count, bytes[position] == expected else { return nil }
            position += 1
        }
        let after = skipSpaces()
        guard let end = timestamp(bytes, &position, &problems) else { return nil }
        if before == 0 || after == 0 { problems.append("\"-->\" needs a space on each side") }
        _ = skipSpaces()
        if position < bytes.count {
            let rest = String(decoding: bytes[position...], as: UTF8.self)
            if !rest.uppercased().hasPrefix("X1:") { problems.append("unexpected text after the end time: \"\(rest.prefix(30))\"") }
        }
        return SRTTiming(start: start, end: end, problems: problems)
    }

    /// `[H…:]M…:S…[,.:]f…` read as numbers; the problems name anything but `HH:MM:SS,mmm`.
    static func timestamp(_ bytes: [UInt8], _ position: inout Int, _ problems: inout [String]) -> Milliseconds? {
        let begin = position
        var fields: [ArraySlice<UInt8>] = []
        var separators: [UInt8] = []
        while true {
            let start = position
            while position < bytes.count, WebVTTTimings.isDigit(bytes[position]) { position += 1 }
            guard position > start, position - start <= 15 else { return nil }
            fields.append(bytes[start..<position])
            guard fields.count < 4, position < bytes.count,
                  [UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: ".")].contains(bytes[position]),
                  position + 1 < bytes.count, WebVTTTimings.isDigit(bytes[position + 1])
            else { break }
            separators.append(bytes[position])
            position += 1
            if separators.last != UInt8(ascii: ":") {
                // The fraction comes next and ends the timestamp.
                let fractionStart = position
                while position < bytes.count, WebVTTTimings.isDigit(bytes[position]) { position += 1 }
                fields.append(bytes[fractionStart..<position])
                break
            }
        }
        // Shapes: H:M:S,f  M:S,f  H:M:S:f
        let hasFraction = separators.last.map { $0 != UInt8(ascii: ":") } ?? false || fields.count == 4
        guard hasFraction, (3...4).contains(fields.count) else { return nil }
        let fraction = fields[fields.count - 1]
        let clock = fields.dropLast()
        func number(_ digits: ArraySlice<UInt8>) -> Int64 { digits.reduce(0) { $0 * 10 + Int64($1 - 0x30) } }
        let hours = clock.count == 3 ? number(clock[clock.startIndex]) : 0
        let minutes = number(clock[clock.endIndex - 2])
        let seconds = number(clock[clock.endIndex - 1])
        var millis: Int64 = 0
        for index in 0..<3 {
            millis *= 10
            if index < fraction.count { millis += Int64(fraction[fraction.startIndex + index] - 0x30) }
        }
        let separator = separators.last ?? UInt8(ascii: ",")
        var issues: [String] = []
        if clock.count == 2 { issues.append("hours are missing") }
        if clock.count == 3, clock[clock.startIndex].count < 2 { issues.append("hours take two digits") }
        if clock.count == 3, hours > 99 { issues.append("hours above 99 (pysubs2 reads them as 0)") }
        if clock[clock.endIndex - 2].count != 2 || clock[clock.endIndex - 1].count != 2 {
            issues.append("minutes and seconds take two digits")
        }
        if minutes > 59 || seconds > 59 { issues.append("minutes and seconds must be below 60") }
        if separator != UInt8(ascii: ",") {
            issues.append("\"\(Character(Unicode.Scalar(separator)))\" before the milliseconds (SRT uses \",\")")
        }
        if fraction.count != 3 { issues.append("the milliseconds take three digits") }
        if !issues.isEmpty {
            let text = String(decoding: bytes[begin..<position].prefix(40), as: UTF8.self)
            problems.append("timestamp \"\(text)\": " + issues.joined(separator: ", "))
        }
        let total = ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis
        guard hours <= SubtitleParser.maxTimestamp / 3_600_000, total <= SubtitleParser.maxTimestamp else { return nil }
        return total
    }
}
