import Foundation
import Subtitles

/// A subtitle file's bytes and where each cue's times are in them, so that only the times change when it is
/// rewritten: cue text, styling, numbering, NOTE, STYLE and REGION blocks, line endings and a byte order mark stay
/// byte for byte. Times keep their shape (hours written or not, the separator before the fraction, its digits);
/// WebVTT's inline timestamps (`<00:01:02.500>`) move with their cue. TTML and ASS files are not rewritten byte for
/// byte: their cues are written anew by the format's writer, with the new times (the file's own styling is lost).
public struct TimedSubtitleFile: Sendable {
    /// One cue as read, with the line of its timing line.
    public struct TimedCue: Sendable, Hashable {
        /// Where the cue starts in the file.
        public var start: Milliseconds
        /// Where the cue ends in the file.
        public var end: Milliseconds
        /// The 1-based line number of its timing line.
        public var line: Int
        /// The cue's text lines (plain text).
        public var lines: [String]
    }

    /// Why a file's times cannot be rewritten in place.
    public struct RewriteError: Error, Sendable, Hashable, CustomStringConvertible {
        /// One line for people.
        public var message: String
        public var description: String { message }
    }

    /// The file's bytes.
    public let bytes: [UInt8]
    /// The format read.
    public let format: SubtitleFormat
    /// The cues in file order.
    public let cues: [TimedCue]
    /// The cues as parsed (speakers kept), for the formats written anew.
    private let parsed: [Cue]

    /// Reads `bytes` as `format`.
    /// - Throws: ``SubtitleParseError`` when the file cannot be parsed or holds no cue; ``RewriteError`` for UTF-16
    ///   text (its times cannot be rewritten byte for byte).
    public init(bytes: [UInt8], format: SubtitleFormat) throws {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw RewriteError(message: "the file is UTF-16; save it as UTF-8 to sync it")
        }
        var stream = SubtitleParser().stream(bytes, format: format)
        var cues: [TimedCue] = []
        var parsed: [Cue] = []
        while let event = try stream.next() {
            if case .cue(let cue, let line) = event {
                cues.append(TimedCue(start: cue.start, end: cue.end, line: line, lines: cue.lines))
                parsed.append(cue)
            }
        }
        if cues.isEmpty { throw SubtitleParseError(line: 0, reason: stream.noCuesReason) }
        self.bytes = bytes
        self.format = format
        self.cues = cues
        self.parsed = Self.retimesInPlace(format) ? [] : parsed
    }

    /// Reads a file; the format comes from its name (`.srt`, `.vtt`, `.imsc.ttml`, `.ass`…), else from its content.
    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        let bytes = [UInt8](data)
        let format = SubtitleFormat(fileName: url.lastPathComponent)
            ?? SubtitleParser.sniff(String(decoding: bytes.prefix(64), as: UTF8.self))
        try self.init(bytes: bytes, format: format)
    }

    /// Whether a file's times are rewritten byte for byte (SRT, WebVTT), rather than the file written anew.
    private static func retimesInPlace(_ format: SubtitleFormat) -> Bool { format == .srt || format == .vtt }

    /// The file with each cue's times replaced by `times` (one per cue, in file order), every other byte kept.
    /// - Parameters:
    ///   - times: the new start and end of each cue (never negative).
    ///   - inline: moves a WebVTT inline timestamp of cue `index` (its old time) to its new time.
    /// - Throws: ``RewriteError`` when a timing line does not hold the times that were read from it.
    public func retimed(_ times: [(start: Milliseconds, end: Milliseconds)],
                        inline: (_ index: Int, _ time: Milliseconds) -> Milliseconds = { $1 }) throws -> [UInt8] {
        precondition(times.count == cues.count, "one time per cue")
        guard Self.retimesInPlace(format) else {
            var moved = parsed
            for index in moved.indices {
                moved[index].start = times[index].start
                moved[index].end = times[index].end
            }
            return Array(format.render(moved).utf8)
        }
        var byLine: [Int: Int] = [:]
        for (index, cue) in cues.enumerated() { byLine[cue.line] = index }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 64)
        var position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        output.append(contentsOf: bytes[0..<position])
        var lineNumber = 0
        var payloadCue: Int?
        while position < bytes.count {
            var end = position
            while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
            var next = end
            if next < bytes.count { next += bytes[next] == 0x0D && next + 1 < bytes.count && bytes[next + 1] == 0x0A ? 2 : 1 }
            lineNumber += 1
            let line = bytes[position..<end]
            if let index = byLine[lineNumber] {
                output.append(contentsOf: try retimedTimingLine(line, cue: cues[index], to: times[index]))
                payloadCue = index
            } else if let index = payloadCue, !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                output.append(contentsOf: format == .vtt ? Self.retimedInline(line) { inline(index, $0) } : Array(line))
            } else {
                payloadCue = nil
                output.append(contentsOf: line)
            }
            output.append(contentsOf: bytes[end..<next])
            position = next
        }
        return output
    }

    private static func isTimeByte(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ",")
    }

    private func retimedTimingLine(_ line: ArraySlice<UInt8>, cue: TimedCue, to time: (start: Milliseconds, end: Milliseconds))
        throws -> [UInt8]
    {
        let bytes = Array(line)
        var position = 0
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
        let startBegin = position
        while position < bytes.count, Self.isTimeByte(bytes[position]) { position += 1 }
        let startToken = startBegin..<position
        guard let arrow = Self.find(Array("-->".utf8), in: bytes, from: position) else {
            throw RewriteError(message: "line \(cue.line): no \"-->\" in the timing line")
        }
        position = arrow + 3
        while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 { position += 1 }
        let endBegin = position
        while position < bytes.count, Self.isTimeByte(bytes[position]) { position += 1 }
        let endToken = endBegin..<position
        guard let oldStart = TimeShape(bytes[startToken]), let oldEnd = TimeShape(bytes[endToken]),
              oldStart.milliseconds == cue.start, oldEnd.milliseconds == cue.end
        else {
            throw RewriteError(message: "line \(cue.line): the timing line does not hold the times read from it")
        }
        return Array(bytes[..<startToken.lowerBound]) + oldStart.render(time.start)
            + Array(bytes[startToken.upperBound..<endToken.lowerBound]) + oldEnd.render(time.end)
            + Array(bytes[endToken.upperBound...])
    }

    /// A cue payload line with each `<timestamp>` moved by `move`.
    static func retimedInline(_ line: ArraySlice<UInt8>, _ move: (Milliseconds) -> Milliseconds) -> [UInt8] {
        var output: [UInt8] = []
        var position = line.startIndex
        while position < line.endIndex {
            if line[position] == UInt8(ascii: "<") {
                var close = position + 1
                while close < line.endIndex, Self.isTimeByte(line[close]) { close += 1 }
                if close < line.endIndex, line[close] == UInt8(ascii: ">"), close > position + 1,
                   let shape = TimeShape(line[(position + 1)..<close]), shape.separator == UInt8(ascii: ".") {
                    output.append(UInt8(ascii: "<"))
                    output.append(contentsOf: shape.render(max(0, move(shape.milliseconds))))
                    output.append(UInt8(ascii: ">"))
                    position = close + 1
                    continue
                }
            }
            output.append(line[position])
            position += 1
        }
        return output
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
        for index in start...(bytes.count - needle.count) where Array(bytes[index..<(index + needle.count)]) == needle {
            return index
        }
        return nil
    }
}

/// How one timestamp is written (fields, widths, the separator before the fraction), so a new time is written
/// the same way.
struct TimeShape {
    /// The clock fields' widths: `[hours,] minutes, seconds`.
    var widths: [Int]
    /// The byte before the fraction (`,` in SRT, `.` in WebVTT; some files use `:`).
    var separator: UInt8
    /// The fraction's digits.
    var fractionDigits: Int
    /// The time written.
    var milliseconds: Milliseconds

    init?(_ token: ArraySlice<UInt8>) {
        var fields: [[UInt8]] = [[]]
        var separators: [UInt8] = []
        for byte in token {
            if (0x30...0x39).contains(byte) {
                fields[fields.count - 1].append(byte)
            } else {
                separators.append(byte)
                fields.append([])
            }
        }
        guard fields.count >= 3, fields.count <= 4, fields.allSatisfy({ !$0.isEmpty && $0.count <= 15 }) else { return nil }
        let fraction = fields[fields.count - 1]
        let clock = fields.dropLast()
        guard separators.dropLast().allSatisfy({ $0 == UInt8(ascii: ":") }) else { return nil }
        separator = separators[separators.count - 1]
        widths = clock.map(\.count)
        fractionDigits = fraction.count
        func number(_ digits: [UInt8]) -> Int64 { digits.reduce(0) { $0 * 10 + Int64($1 - 0x30) } }
        let values = clock.map(number)
        let hours = values.count == 3 ? values[0] : 0
        var millis: Int64 = 0
        for index in 0..<3 {
            millis *= 10
            if index < fraction.count { millis += Int64(fraction[index] - 0x30) }
        }
        milliseconds = ((hours * 60 + values[values.count - 2]) * 60 + values[values.count - 1]) * 1000 + millis
    }

    /// `time` written in this shape (hours added when the shape has none and the time needs them).
    func render(_ time: Milliseconds) -> [UInt8] {
        var value = max(0, time)
        var fractionValue: Int64
        switch fractionDigits {
        case 1: fractionValue = (value % 1000 + 50) / 100
        case 2: fractionValue = (value % 1000 + 5) / 10
        default: fractionValue = value % 1000
        }
        let fractionLimit: Int64 = fractionDigits == 1 ? 10 : fractionDigits == 2 ? 100 : 1000
        if fractionValue >= fractionLimit {
            fractionValue = 0
            value += 1000
        }
        let seconds = value / 1000
        func padded(_ number: Int64, _ width: Int) -> String {
            let digits = String(number)
            return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
        }
        var text: String
        if widths.count == 3 || seconds >= 3600 {
            let hoursWidth = widths.count == 3 ? widths[0] : 2
            text = padded(seconds / 3600, hoursWidth) + ":" + padded(seconds / 60 % 60, 2) + ":" + padded(seconds % 60, 2)
        } else {
            text = padded(seconds / 60, widths[0]) + ":" + padded(seconds % 60, 2)
        }
        var fraction = padded(fractionValue, min(3, fractionDigits))
        if fractionDigits > 3 { fraction += String(repeating: "0", count: fractionDigits - 3) }
        text += String(Character(Unicode.Scalar(separator))) + fraction
        return Array(text.utf8)
    }
}
