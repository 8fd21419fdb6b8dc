import Foundation

/// Reads TTML documents (TTML 1 and 2, IMSC 1.0.1 and 1.1, EBU-TT-D, DFXP) into cues.
///
/// Each `p` with text is a cue, its times resolved through the times of the `body`, `div` and `p` that contain it
/// (parallel time containment, TTML's default; clock times, frames with `ttp:frameRate` and
/// `ttp:frameRateMultiplier`, ticks with `ttp:tickRate`, and offsets in `h`, `m`, `s`, `ms`, `f`, `t`); `br`
/// starts a new line; white space is collapsed as under `xml:space="default"`, and kept under `preserve`. Styling,
/// regions and metadata are not read (the cues hold plain text). A timed `span` inside a `p` is read as part of
/// its `p`. The XML is read by ``XMLScanner``: no DTD, no entity but XML's five, nothing fetched; documents over
/// ``maximumDocumentSize`` are refused, so what is uploaded cannot make the reader fetch or hold more.
enum TTMLReader {
    /// The largest document read: 32 MiB.
    static let maximumDocumentSize = 1 << 25

    /// The TTML namespaces (TTML 1 and 2, and the drafts DFXP files still use).
    static let namespaces: Set<String> = ["http://www.w3.org/ns/ttml", "http://www.w3.org/2006/10/ttaf1",
                                          "http://www.w3.org/2006/04/ttaf1"]

    /// The cues and warnings of the document in `source`.
    static func events(from source: any ByteBlockSource) throws(SubtitleParseError) -> (events: [SubtitleEvent], isEmpty: Bool) {
        var bytes: [UInt8] = []
        while let block = try source.nextBlock() {
            bytes += block
            if bytes.count > maximumDocumentSize {
                throw SubtitleParseError(line: 0, reason: "the TTML document is larger than 32 MiB")
            }
        }
        guard bytes.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return ([], true) }
        var reader = TTMLCueCollector()
        var scanner = XMLScanner(bytes)
        do {
            while let event = try scanner.next() { reader.take(event) }
        } catch {
            reader.events.append(.warning(SubtitleWarning(line: error.line, kind: .fileRejected,
                                                          message: "the TTML document is not well-formed XML (\(error.reason)); cues after it are lost")))
            return (reader.events, false)
        }
        if !reader.sawRoot {
            reader.events.append(.warning(SubtitleWarning(line: 0, kind: .fileRejected,
                                                          message: "the document is XML but not TTML (no tt element)")))
        }
        return (reader.events, false)
    }
}

/// Timing parameters from the `tt` element.
struct TTMLTimeParameters {
    var frameRate: Double = 30
    var tickRate: Double = 1

    /// Milliseconds of a TTML time expression, or nil when it cannot be read.
    func milliseconds(_ expression: String) -> Milliseconds? {
        let text = expression.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if text.contains(":") {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 || parts.count == 4, let hours = Int64(parts[0]), let minutes = Int64(parts[1]),
                  minutes < 60, hours >= 0, minutes >= 0 else { return nil }
            guard let seconds = Double(parts[2]), seconds >= 0, seconds < 61, parts[2].first?.isNumber == true else { return nil }
            var total = Double(hours * 3600 + minutes * 60) + seconds
            if parts.count == 4 {
                guard let frames = Double(parts[3]), frames >= 0 else { return nil }
                total += frames / frameRate
            }
            return Self.rounded(total)
        }
        let units: [(String, Double)] = [("ms", 0.001), ("h", 3600), ("m", 60), ("s", 1), ("f", 1 / frameRate), ("t", 1 / tickRate)]
        for (unit, scale) in units where text.hasSuffix(unit) {
            let number = text.dropLast(unit.count)
            guard let value = Double(number), value >= 0, number.first?.isNumber == true else { return nil }
            return Self.rounded(value * scale)
        }
        return nil
    }

    private static func rounded(_ seconds: Double) -> Milliseconds? {
        guard seconds.isFinite, seconds * 1000 < Double(SubtitleParser.maxTimestamp) else { return nil }
        return Timecode.milliseconds(fromSeconds: seconds)
    }
}

/// Turns the XML events of a TTML document into cue events: a stack of open elements with their times, the
/// current cue's lines.
struct TTMLCueCollector {
    struct Open {
        var name: String
        var begin: Milliseconds
        var end: Milliseconds?
        var preserve: Bool
        var ignored: Bool
    }

    var events: [SubtitleEvent] = []
    var sawRoot = false
    private var parameters = TTMLTimeParameters()
    private var stack: [Open] = []
    private var lines: [String] = []
    private var current = ""
    private var inParagraph = false
    private var paragraphLine = 0
    private var paragraphTimes: (Milliseconds, Milliseconds?) = (0, nil)

    mutating func take(_ event: XMLEvent) {
        switch event {
        case .start(let name, let attributes, let line): start(name, attributes: attributes, line: line)
        case .end: end()
        case .text(let text): characters(text)
        }
    }

    private mutating func start(_ element: XMLName, attributes list: [XMLAttribute], line: Int) {
        // Attributes by local name; `xml:` ones under their own key (`xml:space`, `xml:lang`).
        var attributes: [String: String] = [:]
        for attribute in list {
            let key = attribute.name.namespace == XMLScanner.xmlNamespace ? "xml:" + attribute.name.local : attribute.name.local
            attributes[key] = attribute.value
        }
        let name = element.local
        let parent = stack.last
        let isTTML = element.namespace.map(TTMLReader.namespaces.contains) ?? true
        if name == "tt", stack.isEmpty, isTTML {
            sawRoot = true
            if let rate = attributes["frameRate"].flatMap(Double.init), rate > 0, rate < 1000 {
                var multiplier = 1.0
                if let pair = attributes["frameRateMultiplier"]?.split(separator: " ").compactMap({ Double($0) }),
                   pair.count == 2, pair[0] > 0, pair[1] > 0 { multiplier = pair[0] / pair[1] }
                parameters.frameRate = rate * multiplier
            }
            if let rate = attributes["tickRate"].flatMap(Double.init), rate > 0 {
                parameters.tickRate = rate
            } else if attributes["frameRate"] != nil {
                parameters.tickRate = parameters.frameRate
            }
        }
        let ignored = (parent?.ignored ?? false) || !isTTML || (stack.isEmpty && name != "tt")
            || ["head", "metadata", "styling", "layout"].contains(name)
        let base = parent?.begin ?? 0
        var begin = base
        var end = parent?.end
        if !ignored, ["body", "div", "p", "span"].contains(name) {
            if let value = attributes["begin"] {
                if let offset = parameters.milliseconds(value) { begin = base + offset } else { warnTime(value, line) }
            }
            if let value = attributes["end"] {
                if let offset = parameters.milliseconds(value) {
                    let candidate = base + offset
                    end = end.map { min($0, candidate) } ?? candidate
                } else { warnTime(value, line) }
            } else if let value = attributes["dur"] {
                if let duration = parameters.milliseconds(value) {
                    let candidate = begin + duration
                    end = end.map { min($0, candidate) } ?? candidate
                } else { warnTime(value, line) }
            }
        }
        let preserve = attributes["xml:space"].map { $0 == "preserve" } ?? (parent?.preserve ?? false)
        stack.append(Open(name: name, begin: begin, end: end, preserve: preserve, ignored: ignored))
        guard !ignored else { return }
        if name == "p", !inParagraph {
            inParagraph = true
            paragraphLine = line
            paragraphTimes = (begin, end)
            lines = []
            current = ""
        } else if name == "br", inParagraph {
            finishLine(preserve: preserve)
        }
    }

    private mutating func end() {
        guard let open = stack.popLast(), open.name == "p", !open.ignored, inParagraph else { return }
        finishLine(preserve: open.preserve)
        inParagraph = false
        let kept = lines.filter { !$0.isEmpty }
        guard !kept.isEmpty else {
            events.append(.warning(SubtitleWarning(line: paragraphLine, kind: .emptyCue, message: "a p element without text")))
            return
        }
        guard let end = paragraphTimes.1 else {
            events.append(.warning(SubtitleWarning(line: paragraphLine, kind: .cueDropped,
                                                   message: "a p element without an end or duration is never shown as a cue")))
            return
        }
        if end <= paragraphTimes.0 {
            events.append(.warning(SubtitleWarning(line: paragraphLine, kind: .endNotAfterStart,
                                                   message: "the cue ends at or before its start")))
        }
        events.append(.cue(Cue(start: paragraphTimes.0, end: end, lines: kept), line: paragraphLine))
    }

    private mutating func characters(_ text: String) {
        guard inParagraph, let open = stack.last, !open.ignored else { return }
        if open.preserve {
            for character in text {
                if character == "\n" || character == "\r\n" { finishLine(preserve: true) } else { current.append(character) }
            }
        } else {
            current += text.map { $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "\r\n" ? " " : $0 }
        }
    }

    /// Ends the current line, its white space handled by the rule of the element that ends it.
    private mutating func finishLine(preserve: Bool) {
        var line = current
        if !preserve {
            line = line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        } else {
            while line.hasSuffix(" ") { line.removeLast() }
        }
        lines.append(line)
        current = ""
    }

    private mutating func warnTime(_ value: String, _ line: Int) {
        events.append(.warning(SubtitleWarning(line: line, kind: .timingNotStandard,
                                               message: "the time expression \"\(value.prefix(40))\" cannot be read")))
    }
}
