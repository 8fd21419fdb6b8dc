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

/// Reads SRT and WebVTT into cues.
///
/// Tolerant by default: a byte order mark, CRLF or CR line ends, missing cue numbers, extra blank lines (text
/// after a blank line joins the cue before it), comma or dot before the milliseconds, missing hours, one or two
/// fraction digits, and a missing `WEBVTT` header are all accepted; blocks that cannot be read are skipped.
/// Strict mode follows the formats exactly and throws an error that names the line.
///
/// The cues hold plain text: WebVTT markup is removed (the `<v Name>` voice becomes the speaker) and character
/// references are decoded; SRT's common formatting tags (`<i>`, `<b>`, `<u>`, `<s>`, `<font>`) and `{\...}`
/// overrides are removed.
public struct SubtitleParser: Sendable {
    /// Whether to reject anything outside the format.
    public var strict: Bool

    /// Creates a parser, tolerant unless `strict` is true.
    public init(strict: Bool = false) {
        self.strict = strict
    }

    /// Parses a file's text.
    public func parse(_ text: String, format: SubtitleFormat) throws(SubtitleParseError) -> [Cue] {
        var lines = Self.lines(of: text)
        if let first = lines.first, first.text.hasPrefix("\u{FEFF}") {
            lines[0].text.removeFirst()
        }
        switch format {
        case .srt: return try parseSRT(lines)
        case .vtt: return try parseVTT(lines)
        }
    }

    /// Reads and parses a file; the format comes from the extension (`.srt`, `.vtt`), else from the content.
    /// UTF-8 is expected; tolerant mode also reads UTF-16 with a byte order mark and falls back to Latin-1.
    public func parse(contentsOf url: URL) throws -> [Cue] {
        let data = try Data(contentsOf: url)
        let text = try decode(data)
        let format = SubtitleFormat(pathExtension: url.pathExtension) ?? Self.sniff(text)
        return try parse(text, format: format)
    }

    /// The format a text looks like: WebVTT when it starts with `WEBVTT`, else SRT.
    public static func sniff(_ text: String) -> SubtitleFormat {
        var trimmed = Substring(text)
        if trimmed.hasPrefix("\u{FEFF}") { trimmed = trimmed.dropFirst() }
        trimmed = trimmed.drop(while: \.isWhitespace)
        return trimmed.hasPrefix("WEBVTT") ? .vtt : .srt
    }

    private func decode(_ data: Data) throws(SubtitleParseError) -> String {
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            if !strict, let text = String(data: data, encoding: .utf16) { return text }
        }
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        if strict { throw SubtitleParseError(line: Self.lineOfFirstInvalidByte(bytes), reason: "not valid UTF-8") }
        return String(data: data, encoding: .isoLatin1) ?? String(decoding: bytes, as: UTF8.self)
    }

    private static func lineOfFirstInvalidByte(_ bytes: [UInt8]) -> Int {
        var line = 1
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            if String(validating: bytes[start...index], as: UTF8.self) == nil { return line }
            line += 1
            start = index + 1
        }
        return line
    }

    struct Line {
        var number: Int
        var text: String
        var isBlank: Bool { text.allSatisfy { $0 == " " || $0 == "\t" } }
    }

    static func lines(of text: String) -> [Line] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .enumerated().map { Line(number: $0.offset + 1, text: String($0.element)) }
    }

    /// Groups lines into blocks separated by blank lines.
    static func blocks(_ lines: some Collection<Line>) -> [[Line]] {
        var result: [[Line]] = []
        var current: [Line] = []
        for line in lines {
            if line.isBlank {
                if !current.isEmpty { result.append(current) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    // MARK: SRT

    private func parseSRT(_ lines: [Line]) throws(SubtitleParseError) -> [Cue] {
        var cues: [Cue] = []
        var lastCueOpen = false  // whether text after a blank line may still join the last cue
        for block in Self.blocks(lines) {
            var index = 0
            var pending: [Line] = []
            while index < block.count {
                let line = block[index]
                guard line.text.contains("-->") else {
                    pending.append(line)
                    index += 1
                    continue
                }
                // A timing line. What came before it in this block: a cue number, or stray text.
                if strict {
                    guard pending.count == 1 else {
                        let where_ = pending.first?.number ?? line.number
                        throw SubtitleParseError(
                            line: where_, reason: pending.isEmpty ? "missing cue number before the timing line" : "expected a blank line before the cue number")
                    }
                    let numberText = pending[0].text.trimmingCharacters(in: .whitespaces)
                    // Numbering gaps and a count from 0 are common and harmless; only non-numbers are errors.
                    guard let number = Int(numberText), number >= 0 else {
                        throw SubtitleParseError(line: pending[0].number, reason: "expected a cue number, found \"\(pending[0].text.prefix(40))\"")
                    }
                } else {
                    var stray = pending
                    if let last = stray.last, Int(last.text.trimmingCharacters(in: .whitespaces)) != nil { stray.removeLast() }
                    if lastCueOpen, !stray.isEmpty {
                        cues[cues.count - 1].lines += stray.map { Self.cleanSRT($0.text) }.filter { !$0.isEmpty }
                    }
                }
                pending = []
                guard let (start, end) = try timing(line, format: .srt) else {
                    lastCueOpen = false
                    index += 1
                    while index < block.count, !block[index].text.contains("-->") { index += 1 }
                    continue
                }
                index += 1
                var text: [String] = []
                while index < block.count {
                    if block[index].text.contains("-->") {
                        if strict { throw SubtitleParseError(line: block[index].number, reason: "cue text contains \"-->\" or a blank line is missing") }
                        // Tolerant: a missing blank line; a number just before belongs to the next cue.
                        if let last = text.last, Int(last.trimmingCharacters(in: .whitespaces)) != nil { text.removeLast() }
                        break
                    }
                    text.append(block[index].text)
                    index += 1
                }
                if strict, text.isEmpty {
                    throw SubtitleParseError(line: line.number, reason: "cue has no text")
                }
                cues.append(Cue(start: start, end: end, lines: text.map(Self.cleanSRT).filter { !$0.isEmpty }))
                lastCueOpen = true
            }
            if !pending.isEmpty {
                if strict {
                    throw SubtitleParseError(line: pending[0].number, reason: cues.isEmpty ? "expected a cue number and a timing line" : "blank line inside cue text, or a cue without a timing line")
                }
                if lastCueOpen {
                    cues[cues.count - 1].lines += pending.map { Self.cleanSRT($0.text) }.filter { !$0.isEmpty }
                }
            }
        }
        return cues
    }

    /// Removes SRT formatting tags and `{\...}` overrides; trims trailing spaces.
    static func cleanSRT(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(where: { $0 == "<" || $0 == "{" }) {
            result += rest[..<open]
            let closer: Character = rest[open] == "<" ? ">" : "}"
            guard let close = rest[open...].firstIndex(of: closer) else {
                // No closer anywhere after this: nothing later can be a tag of this kind, so stop scanning
                // (rescanning to the end for every opener would be quadratic on long lines).
                if !rest[open...].contains(closer == ">" ? "{" : "<") { break }
                result.append(rest[open])
                rest = rest[rest.index(after: open)...]
                continue
            }
            let inner = rest[rest.index(after: open)..<close]
            if closer == "}" ? inner.hasPrefix("\\") : isSRTFormattingTag(inner) {
                rest = rest[rest.index(after: close)...]
                continue
            }
            result.append(rest[open])
            rest = rest[rest.index(after: open)...]
        }
        result += rest
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }

    private static func isSRTFormattingTag(_ inner: Substring) -> Bool {
        var name = inner.lowercased()[...]
        if name.hasPrefix("/") { name = name.dropFirst() }
        let word = name.prefix(while: { $0.isLetter })
        guard ["i", "b", "u", "s", "font"].contains(String(word)) else { return false }
        let after = name.dropFirst(word.count)
        return after.isEmpty || after.first == " "
    }

    // MARK: WebVTT

    private func parseVTT(_ lines: [Line]) throws(SubtitleParseError) -> [Cue] {
        var body = lines[...]
        if let first = body.first {
            let header = first.text
            let isHeader = header == "WEBVTT" || header.hasPrefix("WEBVTT ") || header.hasPrefix("WEBVTT\t")
            if isHeader {
                // The header block runs to the first blank line.
                while let line = body.first, !line.isBlank {
                    if strict, line.number != first.number, line.text.contains("-->") {
                        throw SubtitleParseError(line: line.number, reason: "expected a blank line after the header")
                    }
                    if !strict, line.number != first.number, line.text.contains("-->") { break }
                    body = body.dropFirst()
                }
            } else if strict {
                throw SubtitleParseError(line: first.number, reason: "a WebVTT file must start with \"WEBVTT\"")
            }
        } else if strict {
            throw SubtitleParseError(line: 1, reason: "a WebVTT file must start with \"WEBVTT\"")
        }
        var cues: [Cue] = []
        var lastCueOpen = false
        for block in Self.blocks(body) {
            let first = block[0].text
            if ["NOTE", "STYLE", "REGION"].contains(where: { keyword in
                first == keyword || first.hasPrefix(keyword + " ") || first.hasPrefix(keyword + "\t")
            }) {
                if strict, block.contains(where: { $0.text.contains("-->") }), !first.hasPrefix("NOTE") {
                    throw SubtitleParseError(line: block[0].number, reason: "\(first.prefix(6)) block contains \"-->\"")
                }
                lastCueOpen = false
                continue
            }
            var index = 0
            var pending: [Line] = []
            while index < block.count {
                let line = block[index]
                guard line.text.contains("-->") else {
                    pending.append(line)
                    index += 1
                    continue
                }
                if strict, pending.count > 1 {
                    throw SubtitleParseError(line: pending[1].number, reason: "expected a timing line after the cue identifier")
                }
                if !strict, pending.count > 1, lastCueOpen {
                    // Text after a stray blank line: all but the identifier joins the previous cue.
                    let extra = parsePayload(pending.dropLast().map(\.text))
                    cues[cues.count - 1].lines += extra.lines
                    if !cues[cues.count - 1].lineSpeakers.isEmpty {
                        cues[cues.count - 1].lineSpeakers += extra.speakers
                    }
                }
                pending = []
                guard let (start, end) = try timing(line, format: .vtt) else {
                    lastCueOpen = false
                    index += 1
                    while index < block.count, !block[index].text.contains("-->") { index += 1 }
                    continue
                }
                if strict, let previous = cues.last, start < previous.start {
                    throw SubtitleParseError(line: line.number, reason: "cue starts before the previous cue")
                }
                index += 1
                var payload: [String] = []
                while index < block.count {
                    if block[index].text.contains("-->") {
                        if strict { throw SubtitleParseError(line: block[index].number, reason: "cue text contains \"-->\" or a blank line is missing") }
                        break
                    }
                    payload.append(block[index].text)
                    index += 1
                }
                let parsed = parsePayload(payload)
                var cue = Cue(start: start, end: end, lines: parsed.lines, lineSpeakers: parsed.speakers)
                if parsed.lines.isEmpty { cue = Cue(start: start, end: end, lines: []) }
                cues.append(cue)
                lastCueOpen = true
            }
            if !pending.isEmpty {
                if strict {
                    throw SubtitleParseError(line: pending[0].number, reason: "a block without a timing line")
                }
                if lastCueOpen {
                    let extra = parsePayload(pending.map(\.text))
                    cues[cues.count - 1].lines += extra.lines
                    if !cues[cues.count - 1].lineSpeakers.isEmpty {
                        cues[cues.count - 1].lineSpeakers += extra.speakers
                    }
                }
            }
        }
        return cues
    }

    /// Strips markup and decodes references; `<v Name>` gives the line's speaker. In a cue with several speakers,
    /// the dash that starts each speaker's turn is removed (the writer adds it back).
    func parsePayload(_ rawLines: [String]) -> (lines: [String], speakers: [String?]) {
        var lines: [String] = []
        var speakers: [String?] = []
        var openVoice: String?
        for raw in rawLines {
            var text = ""
            var lineSpeaker: String? = openVoice
            var rest = Substring(raw)
            while let open = rest.firstIndex(of: "<") {
                text += rest[..<open]
                guard let close = rest[open...].firstIndex(of: ">") else {
                    text += rest[open...]
                    rest = rest[rest.endIndex...]
                    break
                }
                let tag = rest[rest.index(after: open)..<close]
                if tag.hasPrefix("v ") || tag.hasPrefix("v.") || tag.hasPrefix("v\t") || tag == "v" {
                    let annotation = tag.drop(while: { $0 != " " && $0 != "\t" })
                    let name = Self.decodeReferences(String(annotation)).trimmingCharacters(in: .whitespaces)
                    openVoice = name.isEmpty ? nil : name
                    if text.trimmingCharacters(in: .whitespaces).isEmpty { lineSpeaker = openVoice }
                } else if tag.hasPrefix("/v") {
                    openVoice = nil
                }
                rest = rest[rest.index(after: close)...]
            }
            text += rest
            let decoded = Self.decodeReferences(text)
            var trimmed = Substring(decoded)
            while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
            guard !trimmed.isEmpty else { continue }
            lines.append(String(trimmed))
            speakers.append(lineSpeaker)
        }
        if Set(speakers).count > 1 {
            for index in lines.indices where index == 0 || speakers[index - 1] != speakers[index] {
                if lines[index].hasPrefix("-"), lines[index].count > 1 { lines[index].removeFirst() }
            }
        }
        return (lines, speakers)
    }

    /// Decodes `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&nbsp;`, `&lrm;`, `&rlm;` and numeric references;
    /// leaves anything else as written.
    static func decodeReferences(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(12).firstIndex(of: ";") {
                let name = after[..<semi]
                if let replacement = reference(String(name)) {
                    result += replacement
                    rest = after[after.index(after: semi)...]
                    continue
                }
            }
            result.append("&")
            rest = after
        }
        result += rest
        return result
    }

    private static func reference(_ name: String) -> String? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        case "nbsp": return "\u{00A0}"
        case "lrm": return "\u{200E}"
        case "rlm": return "\u{200F}"
        default:
            guard name.hasPrefix("#") else { return nil }
            let digits = name.dropFirst()
            let value: UInt32?
            if digits.hasPrefix("x") || digits.hasPrefix("X") {
                value = UInt32(digits.dropFirst(), radix: 16)
            } else {
                value = UInt32(digits, radix: 10)
            }
            guard let value, value != 0, let scalar = Unicode.Scalar(value) else { return nil }
            return String(Character(scalar))
        }
    }

    // MARK: Timing

    /// Parses `start --> end [settings]`. Returns nil (tolerant) or throws (strict) when it cannot.
    private func timing(_ line: Line, format: SubtitleFormat) throws(SubtitleParseError) -> (Milliseconds, Milliseconds)? {
        let text = line.text
        guard let arrow = text.range(of: "-->") else { return nil }
        let left = text[..<arrow.lowerBound]
        let right = text[arrow.upperBound...]
        let startText = left.trimmingCharacters(in: .whitespaces)
        let rightTrimmed = right.drop(while: { $0 == " " || $0 == "\t" })
        let endText = String(rightTrimmed.prefix(while: { $0 != " " && $0 != "\t" }))
        let settings = rightTrimmed.dropFirst(endText.count).trimmingCharacters(in: .whitespaces)
        func fail(_ reason: String) throws(SubtitleParseError) -> (Milliseconds, Milliseconds)? {
            if strict { throw SubtitleParseError(line: line.number, reason: reason) }
            return nil
        }
        if strict {
            guard let lastLeft = left.last, lastLeft == " " || lastLeft == "\t", let firstRight = right.first,
                firstRight == " " || firstRight == "\t"
            else {
                return try fail("expected spaces around \"-->\"")
            }
            if format == .srt, !settings.isEmpty, !settings.uppercased().hasPrefix("X1:") {
                return try fail("unexpected text after the end time")
            }
            if left.first == " " || left.first == "\t" { return try fail("timing line starts with white space") }
        }
        guard let start = timestamp(startText, format: format) else {
            return try fail("invalid start time \"\(startText.prefix(40))\"")
        }
        guard let end = timestamp(endText, format: format) else {
            return try fail("invalid end time \"\(endText.prefix(40))\"")
        }
        if strict, end <= start {
            return try fail("end time \(endText) is not after start time \(startText)")
        }
        return (start, end)
    }

    /// Parses a timestamp. Strict SRT: `HH:MM:SS,mmm`; strict WebVTT: `[HH:]MM:SS.mmm`. Tolerant: hours
    /// optional, `,` or `.` (or `:`) before 1–3+ fraction digits, any number of hour digits.
    func timestamp(_ text: String, format: SubtitleFormat) -> Milliseconds? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if strict {
            let separator: Character = format == .srt ? "," : "."
            let fieldCount = parts.count
            guard fieldCount == 3 || (format == .vtt && fieldCount == 2) else { return nil }
            let last = parts[fieldCount - 1].split(separator: separator, omittingEmptySubsequences: false)
            guard last.count == 2, last[0].count == 2, last[1].count == 3, parts[fieldCount - 2].count == 2 else { return nil }
            if fieldCount == 3, parts[0].count < 2 { return nil }
            let fields = (fieldCount == 3 ? [parts[0]] : ["0"]) + [parts[fieldCount - 2], last[0], last[1]]
            guard fields.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
            guard let minutes = Int64(fields[1]), let seconds = Int64(fields[2]), minutes < 60, seconds < 60 else { return nil }
            return Self.combine(hours: fields[0], minutes: minutes, seconds: seconds, fraction: fields[3])
        }
        var fields = parts.map { $0.trimmingCharacters(in: .whitespaces) }
        var fraction = "0"
        // The fraction: after `,` or `.` in the last field, or a fourth `:`-field.
        if let last = fields.last, let separator = last.firstIndex(where: { $0 == "," || $0 == "." }) {
            fraction = String(last[last.index(after: separator)...])
            fields[fields.count - 1] = String(last[..<separator])
        } else if fields.count == 4 {
            fraction = fields.removeLast()
        }
        guard (1...3).contains(fields.count) else { return nil }
        let all = fields + [fraction]
        guard all.allSatisfy({ !$0.isEmpty && $0.count <= 18 && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        let numbers = fields.compactMap { Int64($0) }
        guard numbers.count == fields.count else { return nil }
        let hours = fields.count == 3 ? fields[0] : "0"
        let minutes = fields.count >= 2 ? numbers[numbers.count - 2] : 0
        let seconds = numbers[numbers.count - 1]
        return Self.combine(hours: Substring(hours), minutes: minutes, seconds: seconds, fraction: Substring(fraction))
    }

    /// The largest accepted timestamp: 10^13 ms, about 2.8 million hours: far past any media, far from overflow.
    static let maxTimestamp: Milliseconds = 10_000_000_000_000

    private static func combine(hours: Substring, minutes: Int64, seconds: Int64, fraction: Substring) -> Milliseconds? {
        guard hours.count <= 18, let h = Int64(hours) else { return nil }
        var millis: Int64 = 0
        let digits = Array(fraction)
        for index in 0..<3 {
            millis *= 10
            if index < digits.count, let digit = digits[index].wholeNumberValue { millis += Int64(digit) }
        }
        let (hourMs, o1) = h.multipliedReportingOverflow(by: 3_600_000)
        let (minuteMs, o2) = minutes.multipliedReportingOverflow(by: 60_000)
        let (secondMs, o3) = seconds.multipliedReportingOverflow(by: 1000)
        guard !o1, !o2, !o3 else { return nil }
        let (sum1, o4) = hourMs.addingReportingOverflow(minuteMs)
        let (sum2, o5) = sum1.addingReportingOverflow(secondMs)
        let (sum3, o6) = sum2.addingReportingOverflow(millis)
        // Far past any real media is not a time: reject it rather than risk overflow later.
        guard !o4, !o5, !o6, sum3 <= maxTimestamp else { return nil }
        return sum3
    }
}
