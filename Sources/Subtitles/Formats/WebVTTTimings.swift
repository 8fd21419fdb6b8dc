import Foundation

/// The W3C WebVTT "collect a WebVTT timestamp", "collect WebVTT cue timings and settings" and "collect WebVTT
/// region settings" algorithms, on the UTF-8 bytes of one line. Every step is a single forward scan.
enum WebVTTTimings {
    /// Why a timing line failed, for the warning.
    struct Failure: Error {
        var reason: String
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0C || byte == 0x0D
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Collects a WebVTT timestamp at `position`, moving it past the timestamp.
    static func timestamp(_ input: [UInt8], _ position: inout Int) -> Result<Milliseconds, Failure> {
        func digits() -> ArraySlice<UInt8> {
            let start = position
            while position < input.count, isDigit(input[position]) { position += 1 }
            return input[start..<position]
        }
        func value(_ digits: ArraySlice<UInt8>) -> Int64? {
            // Leading zeros do not count towards the size; more than 15 significant digits is past any media.
            let significant = digits.drop(while: { $0 == 0x30 })
            guard significant.count <= 15 else { return nil }
            return significant.reduce(0) { $0 * 10 + Int64($1 - 0x30) }
        }
        guard position < input.count, isDigit(input[position]) else {
            return .failure(Failure(reason: "a timestamp must start with a digit"))
        }
        let first = digits()
        guard let value1 = value(first) else { return .failure(Failure(reason: "the hours are too large")) }
        let hoursFirst = first.count != 2 || value1 > 59
        guard position < input.count, input[position] == UInt8(ascii: ":") else {
            return .failure(Failure(reason: "expected \":\" in the timestamp"))
        }
        position += 1
        let second = digits()
        guard second.count == 2, let value2 = value(second) else {
            return .failure(Failure(reason: "minutes and seconds take exactly two digits"))
        }
        var hours: Int64 = 0, minutes: Int64, seconds: Int64
        if hoursFirst || (position < input.count && input[position] == UInt8(ascii: ":")) {
            guard position < input.count, input[position] == UInt8(ascii: ":") else {
                return .failure(Failure(reason: "expected \":\" before the seconds"))
            }
            position += 1
            let third = digits()
            guard third.count == 2, let value3 = value(third) else {
                return .failure(Failure(reason: "minutes and seconds take exactly two digits"))
            }
            (hours, minutes, seconds) = (value1, value2, value3)
        } else {
            (minutes, seconds) = (value1, value2)
        }
        guard position < input.count, input[position] == UInt8(ascii: ".") else {
            return .failure(Failure(reason: "expected \".\" before the milliseconds"))
        }
        position += 1
        let fraction = digits()
        guard fraction.count == 3, let millis = value(fraction) else {
            return .failure(Failure(reason: "the milliseconds take exactly three digits"))
        }
        guard minutes <= 59, seconds <= 59 else {
            return .failure(Failure(reason: "minutes and seconds must be below 60"))
        }
        let total = ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis
        guard total <= SubtitleParser.maxTimestamp else {
            return .failure(Failure(reason: "the time is too large"))
        }
        return .success(total)
    }

    /// Collects the cue timings and settings of a timing line. Returns the times, settings and the setting
    /// tokens that were ignored.
    static func cueTimingsAndSettings(_ input: [UInt8], regions: [WebVTTRegion])
        -> Result<(start: Milliseconds, end: Milliseconds, settings: WebVTTCueSettings, ignored: [String]), Failure>
    {
        var position = 0
        while position < input.count, isWhitespace(input[position]) { position += 1 }
        let start: Milliseconds
        switch timestamp(input, &position) {
        case .success(let value): start = value
        case .failure(let failure): return .failure(Failure(reason: "start time: " + failure.reason))
        }
        while position < input.count, isWhitespace(input[position]) { position += 1 }
        for expected in Array("-->".utf8) {
            guard position < input.count, input[position] == expected else {
                return .failure(Failure(reason: "expected \"-->\" after the start time"))
            }
            position += 1
        }
        while position < input.count, isWhitespace(input[position]) { position += 1 }
        let end: Milliseconds
        switch timestamp(input, &position) {
        case .success(let value): end = value
        case .failure(let failure): return .failure(Failure(reason: "end time: " + failure.reason))
        }
        var settings = WebVTTCueSettings()
        var ignored: [String] = []
        for token in split(input[position...]) where !apply(token, to: &settings, regions: regions) {
            ignored.append(String(decoding: token, as: UTF8.self))
        }
        return .success((start, end, settings, ignored))
    }

    /// Splits on ASCII whitespace, dropping empty tokens.
    static func split(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        bytes.split(whereSeparator: isWhitespace)
    }

    /// The name and value of a `name:value` token, or nil when the colon is missing, first or last.
    static func nameAndValue(_ token: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>)? {
        guard let colon = token.firstIndex(of: UInt8(ascii: ":")), colon != token.startIndex,
              colon != token.index(before: token.endIndex)
        else { return nil }
        return (String(decoding: token[..<colon], as: UTF8.self), token[(colon + 1)...])
    }

    /// Applies one cue setting; false when browsers ignore it.
    static func apply(_ token: ArraySlice<UInt8>, to settings: inout WebVTTCueSettings, regions: [WebVTTRegion]) -> Bool {
        guard let (name, value) = nameAndValue(token) else { return false }
        let text = String(decoding: value, as: UTF8.self)
        switch name {
        case "region":
            settings.region = regions.last(where: { $0.identifier == text })
            return settings.region != nil
        case "vertical":
            switch text {
            case "rl": settings.vertical = .rl
            case "lr": settings.vertical = .lr
            default: return false
            }
            settings.region = nil
            return true
        case "line":
            let (linePosition, lineAlign) = splitAtComma(value)
            guard linePosition.contains(where: isDigit) else { return false }
            let number: Double
            let isPercentage = linePosition.last == UInt8(ascii: "%")
            if isPercentage {
                guard let percentage = percentage(linePosition) else { return false }
                number = percentage
            } else {
                guard let parsed = lineNumber(linePosition) else { return false }
                number = parsed
            }
            if let lineAlign {
                switch String(decoding: lineAlign, as: UTF8.self) {
                case "start": settings.lineAlign = .start
                case "center": settings.lineAlign = .center
                case "end": settings.lineAlign = .end
                default: return false
                }
            }
            settings.line = number
            settings.snapToLines = !isPercentage
            settings.region = nil
            return true
        case "position":
            let (columnPosition, columnAlign) = splitAtComma(value)
            guard let number = percentage(columnPosition) else { return false }
            if let columnAlign {
                switch String(decoding: columnAlign, as: UTF8.self) {
                case "line-left": settings.positionAlign = .lineLeft
                case "center": settings.positionAlign = .center
                case "line-right": settings.positionAlign = .lineRight
                default: return false
                }
            }
            settings.position = number
            return true
        case "size":
            guard let number = percentage(value) else { return false }
            settings.size = number
            if number != 100 { settings.region = nil }
            return true
        case "align":
            guard let align = WebVTTCueSettings.Align(rawValue: text) else { return false }
            settings.align = align
            return true
        default:
            return false
        }
    }

    static func splitAtComma(_ value: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, ArraySlice<UInt8>?) {
        guard let comma = value.firstIndex(of: UInt8(ascii: ",")) else { return (value, nil) }
        return (value[..<comma], value[(comma + 1)...])
    }

    /// "Parse a percentage string": digits, optionally `.` and digits, then `%`; 0...100.
    static func percentage(_ input: ArraySlice<UInt8>) -> Double? {
        guard input.count >= 2, input.last == UInt8(ascii: "%") else { return nil }
        let number = input.dropLast()
        let parts = number.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(isDigit) }) else {
            return nil
        }
        guard let value = Double(String(decoding: number, as: UTF8.self)), value >= 0, value <= 100 else {
            return nil
        }
        return value + 0  // no negative zero
    }

    /// The `line:` number rules: an optional leading `-`, digits, at most one `.` between digits; parsed as an HTML
    /// floating-point number (an error when it rounds to infinity).
    static func lineNumber(_ input: ArraySlice<UInt8>) -> Double? {
        guard !input.isEmpty else { return nil }
        var dots = 0
        for (offset, byte) in input.enumerated() {
            if byte == UInt8(ascii: "-") {
                guard offset == 0 else { return nil }
            } else if byte == UInt8(ascii: ".") {
                dots += 1
            } else if !isDigit(byte) {
                return nil
            }
        }
        guard dots <= 1 else { return nil }
        if let dot = input.firstIndex(of: UInt8(ascii: ".")) {
            guard dot != input.startIndex, dot != input.index(before: input.endIndex),
                  isDigit(input[dot - 1]), isDigit(input[dot + 1])
            else { return nil }
        }
        guard let value = Double(String(decoding: input, as: UTF8.self)), value.isFinite else { return nil }
        return value == 0 ? 0 : value
    }

    /// Collects region settings from one line of a `REGION` block (whitespace-separated, like the whole block).
    static func applyRegionSettings(_ line: [UInt8], to region: inout WebVTTRegion) {
        for token in split(line[...]) {
            guard let (name, value) = nameAndValue(token) else { continue }
            switch name {
            case "id":
                region.identifier = String(decoding: value, as: UTF8.self)
            case "width":
                if let width = percentage(value) { region.width = width }
            case "lines":
                guard value.allSatisfy(isDigit) else { continue }
                let significant = value.drop(while: { $0 == 0x30 })
                let limit = Int(UInt32.max)
                region.lines = significant.count > 10
                    ? limit : min(limit, significant.reduce(0) { $0 * 10 + Int($1 - 0x30) })
            case "regionanchor", "viewportanchor":
                let (x, y) = splitAtComma(value)
                guard let y, let anchorX = percentage(x), let anchorY = percentage(y) else { continue }
                if name == "regionanchor" {
                    (region.regionAnchorX, region.regionAnchorY) = (anchorX, anchorY)
                } else {
                    (region.viewportAnchorX, region.viewportAnchorY) = (anchorX, anchorY)
                }
            case "scroll":
                if value.elementsEqual("up".utf8) { region.scrollsUp = true }
            default:
                continue
            }
        }
    }
}
