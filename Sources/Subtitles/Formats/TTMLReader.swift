import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads TTML documents (TTML 1 and 2, IMSC 1.0.1 and 1.1, EBU-TT-D, DFXP) into cues.
///
/// Each `p` with text is a cue, its times resolved through the times of the `body`, `div` and `p` that contain it
/// (parallel time containment, TTML's default; clock times, frames with `ttp:frameRate` and
/// `ttp:frameRateMultiplier`, ticks with `ttp:tickRate`, and offsets in `h`, `m`, `s`, `ms`, `f`, `t`); `br`
/// starts a new line; white space is collapsed as under `xml:space="default"`, and kept under `preserve`. Styling,
/// regions and metadata are not read (the cues hold plain text). A timed `span` inside a `p` is read as part of
/// its `p`. External entities are not resolved, and documents over ``maximumDocumentSize`` are refused, so what
/// is uploaded cannot make the reader fetch or hold more.
struct TTMLReader {
    /// The largest document read: 32 MiB.
    static let maximumDocumentSize = 1 << 25

    /// The cues and warnings of the document in `source`.
    static func events(from source: any ByteBlockSource) throws(SubtitleParseError) -> (events: [SubtitleEvent], isEmpty: Bool) {
        var bytes: [UInt8] = []
        while let block = try source.nextBlock() {
            bytes += block
            if bytes.count > maximumDocumentSize {
                throw SubtitleParseError(line: 0, reason: "the TTML document is larger than 32 MiB")
            }
        }
        guard !bytes.isEmpty else { return ([], true) }
        let delegate = TTMLParserDelegate()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        let parsed = parser.parse()
        var events = delegate.events
        if !parsed {
            let line = parser.lineNumber
            let cause = parser.parserError.map { Self.describe($0) } ?? "not well-formed XML"
            events.append(.warning(SubtitleWarning(line: line, kind: .fileRejected,
                                                   message: "the TTML document is not well-formed XML (\(cause)); cues after it are lost")))
        } else if delegate.sawRoot, !delegate.rootClosed {
            // libxml2 through XMLParser reports success for a document cut off inside its elements.
            events.append(.warning(SubtitleWarning(line: parser.lineNumber, kind: .fileRejected,
                                                   message: "the TTML document ends before its tt element is closed; it is cut off")))
        } else if !delegate.sawRoot {
            events.append(.warning(SubtitleWarning(line: 0, kind: .fileRejected,
                                                   message: "the document is XML but not TTML (no tt element)")))
        }
        return (events, false)
    }

    private static func describe(_ error: any Error) -> String {
        let text = (error as NSError).localizedDescription
        return text.isEmpty ? "XML error \((error as NSError).code)" : text
    }
}

/// Timing parameters from the `tt` element.
struct TTMLTimeParameters {
    var frameRate: Double = 30
    var tickRate: Double = 1
    var tickRateGiven = false

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

/// The XML parser's delegate: a stack of open elements with their times, the current cue's lines.
private final class TTMLParserDelegate: NSObject, XMLParserDelegate {
    static let ttmlNamespaces: Set<String> = ["http://www.w3.org/ns/ttml", "http://www.w3.org/2006/10/ttaf1",
                                              "http://www.w3.org/2006/04/ttaf1", "http://www.w3.org/ns/ttml#"]

    struct Open {
        var name: String
        var begin: Milliseconds
        var end: Milliseconds?
        var preserve: Bool
        var ignored: Bool
    }

    var events: [SubtitleEvent] = []
    var sawRoot = false
    var rootClosed = false
    private var parameters = TTMLTimeParameters()
    private var stack: [Open] = []
    private var lines: [String] = []
    private var current = ""
    private var inParagraph = false
    private var paragraphLine = 0
    private var paragraphTimes: (Milliseconds, Milliseconds?) = (0, nil)
    private var textBytes = 0
    private weak var parser: XMLParser?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        self.parser = parser
        var attributes: [String: String] = [:]
        for (key, value) in attributeDict {
            let local = key.split(separator: ":").last.map(String.init) ?? key
            attributes[local] = value
            if key.hasPrefix("xml:") || key == "space" { attributes["xml." + local] = value }
        }
        let name = elementName.split(separator: ":").last.map(String.init) ?? elementName
        let parent = stack.last
        let isTTML = namespaceURI.map { $0.isEmpty || Self.ttmlNamespaces.contains($0) } ?? true
        if name == "tt", stack.isEmpty {
            sawRoot = true
            if let rate = attributes["frameRate"].flatMap(Double.init), rate > 0 {
                var multiplier = 1.0
                if let pair = attributes["frameRateMultiplier"]?.split(separator: " ").compactMap({ Double($0) }),
                   pair.count == 2, pair[1] > 0 { multiplier = pair[0] / pair[1] }
                parameters.frameRate = rate * multiplier
            }
            if let rate = attributes["tickRate"].flatMap(Double.init), rate > 0 {
                parameters.tickRate = rate
                parameters.tickRateGiven = true
            } else if attributes["frameRate"] != nil {
                parameters.tickRate = parameters.frameRate
            }
        }
        let ignored = (parent?.ignored ?? false) || !isTTML || ["head", "metadata", "styling", "layout"].contains(name)
        let base = parent?.begin ?? 0
        var begin = base
        var end = parent?.end
        let line = parser.lineNumber
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
        let preserve = attributes["xml.space"].map { $0 == "preserve" } ?? (parent?.preserve ?? false)
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

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        guard let open = stack.popLast() else { return }
        if open.name == "tt", stack.isEmpty { rootClosed = true }
        guard open.name == "p", !open.ignored, inParagraph else { return }
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
        let cue = Cue(start: paragraphTimes.0, end: end, lines: kept, speaker: nil)
        events.append(.cue(cue, line: paragraphLine))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard inParagraph, let open = stack.last, !open.ignored else { return }
        textBytes += string.utf8.count
        if textBytes > SubtitleParser.maximumCueText {
            parser.abortParsing()
            return
        }
        if open.preserve {
            for character in string {
                if character == "\n" { finishLine(preserve: true) } else { current.append(character) }
            }
        } else {
            current += string.map { $0 == "\n" || $0 == "\t" || $0 == "\r" ? " " : $0 }
        }
    }

    /// Ends the current line, its white space handled by the rule of the element that ends it.
    private func finishLine(preserve: Bool) {
        var line = current
        if !preserve {
            line = line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        } else {
            while line.hasSuffix(" ") { line.removeLast() }
        }
        lines.append(line)
        current = ""
        textBytes = 0
    }

    private func warnTime(_ value: String, _ line: Int) {
        events.append(.warning(SubtitleWarning(line: line, kind: .timingNotStandard,
                                               message: "the time expression \"\(value.prefix(40))\" cannot be read")))
    }
}
