import Foundation

/// One place where a cue breaks a rule of a style profile.
public struct StyleViolation: Sendable, Hashable, Codable {
    /// The cue's number, counting from 1.
    public var cueNumber: Int
    /// The rule's name (see ``Rule``).
    public var rule: Rule
    /// The measured value.
    public var value: Double
    /// The profile's limit.
    public var limit: Double
    /// A sentence for people.
    public var message: String

    /// Creates a violation.
    public init(cueNumber: Int, rule: Rule, value: Double, limit: Double, message: String) {
        self.cueNumber = cueNumber
        self.rule = rule
        self.value = value
        self.limit = limit
        self.message = message
    }

    /// The rule names the linter reports.
    public enum Rule: String, Sendable, Codable, Hashable, CaseIterable, CustomStringConvertible {
        /// A line is wider than `maxCharactersPerLine`.
        case lineLength = "max-characters-per-line"
        /// More lines than `maxLines`.
        case lineCount = "max-lines"
        /// Shorter than `minDuration`.
        case minDuration = "min-duration"
        /// Longer than `maxDuration`.
        case maxDuration = "max-duration"
        /// Faster than `maxCharactersPerSecond`.
        case readingSpeed = "max-characters-per-second"
        /// Faster than `maxWordsPerMinute`.
        case wordsPerMinute = "max-words-per-minute"
        /// Closer to the previous cue than the minimum gap (value and limit in ms).
        case minGap = "min-gap"
        /// Starts before the previous cue ends (value: overlap in ms).
        case overlap
        /// Starts before the previous cue starts.
        case order = "start-order"
        /// Ends at or before its start.
        case nonPositiveDuration = "non-positive-duration"
        /// Has no text, or an empty line.
        case emptyText = "empty-text"

        /// The name reports carry.
        public var description: String { rawValue }
    }
}

/// Checks cues against a style profile.
public struct Linter: Sendable {
    /// The profile checked against.
    public var style: StyleProfile

    /// Creates a linter for a profile.
    public init(style: StyleProfile) {
        self.style = style
    }

    /// Every violation, in cue order.
    public func lint(_ cues: [Cue]) -> [StyleViolation] {
        var result: [StyleViolation] = []
        for (index, cue) in cues.enumerated() {
            result += violations(of: cue, number: index + 1, previous: index > 0 ? cues[index - 1] : nil)
        }
        return result
    }

    /// The violations of one cue, given the cue before it: what ``lint(_:)`` reports for it. Lets a caller lint a
    /// file cue by cue while reading it, in constant memory.
    public func violations(of cue: Cue, number: Int, previous: Cue?) -> [StyleViolation] {
        var result: [StyleViolation] = []
        let gap = style.effectiveMinGap
        func report(_ rule: StyleViolation.Rule, _ value: Double, _ limit: Double, _ message: String) {
            result.append(StyleViolation(cueNumber: number, rule: rule, value: value, limit: limit, message: "cue \(number): " + message))
        }
        let duration = cue.end - cue.start
        if cue.lines.isEmpty || cue.lines.contains(where: { $0.unicodeScalars.allSatisfy(\.properties.isWhitespace) }) {
            report(StyleViolation.Rule.emptyText, Double(cue.lines.count), 0, "empty text or an empty line")
        }
        if cue.lines.count > style.maxLines {
            report(StyleViolation.Rule.lineCount, Double(cue.lines.count), Double(style.maxLines),
                   "\(cue.lines.count) lines, at most \(style.maxLines) allowed")
        }
        let speakers = cue.speakerOfEachLine
        for (lineIndex, line) in cue.lines.enumerated() {
            // A dialogue cue shows a dash before each speaker's line.
            let dash = cue.isDialogue && (lineIndex == 0 || speakers[lineIndex - 1] != speakers[lineIndex]) ? 1 : 0
            let width = line.count + dash
            guard width > style.maxCharactersPerLine else { continue }
            report(StyleViolation.Rule.lineLength, Double(width), Double(style.maxCharactersPerLine),
                   "line \(lineIndex + 1) has \(width) characters, at most \(style.maxCharactersPerLine) allowed")
        }
        if duration <= 0 {
            report(StyleViolation.Rule.nonPositiveDuration, Double(duration), 0,
                   "ends at \(Timecode.srt(cue.end)), not after its start \(Timecode.srt(cue.start))")
        } else {
            if duration < style.minDuration {
                report(StyleViolation.Rule.minDuration, Double(duration), Double(style.minDuration),
                       "lasts \(duration) ms, at least \(style.minDuration) ms needed")
            }
            if duration > style.maxDuration {
                report(StyleViolation.Rule.maxDuration, Double(duration), Double(style.maxDuration),
                       "lasts \(duration) ms, at most \(style.maxDuration) ms allowed")
            }
            let cps = Self.charactersPerSecond(cue)
            if cps > style.maxCharactersPerSecond + 1e-9 {
                report(StyleViolation.Rule.readingSpeed, cps, style.maxCharactersPerSecond,
                       "reads at \(Self.decimals(cps, 1)) characters per second, at most \(Self.shortest(style.maxCharactersPerSecond)) allowed")
            }
            if let maxWPM = style.maxWordsPerMinute {
                let words = cue.text.split(whereSeparator: \.isWhitespace).count
                let wpm = Double(words) * 60_000 / Double(duration)
                if wpm > maxWPM + 1e-9 {
                    report(StyleViolation.Rule.wordsPerMinute, wpm, maxWPM,
                           "reads at \(Self.decimals(wpm, 0)) words per minute, at most \(Self.shortest(maxWPM)) allowed")
                }
            }
        }
        if let previous {
            if cue.start < previous.start {
                report(StyleViolation.Rule.order, Double(cue.start), Double(previous.start),
                       "starts at \(Timecode.srt(cue.start)), before the previous cue's start \(Timecode.srt(previous.start))")
            } else if cue.start < previous.end {
                report(StyleViolation.Rule.overlap, Double(previous.end - cue.start), 0,
                       "overlaps the previous cue by \(previous.end - cue.start) ms")
            } else if cue.start - previous.end < gap {
                report(StyleViolation.Rule.minGap, Double(cue.start - previous.end), Double(gap),
                       "starts \(cue.start - previous.end) ms after the previous cue, at least \(gap) ms needed")
            }
        }
        return result
    }

    /// `value` with `places` decimals, as `%.Nf` writes it (rounded half away from zero).
    static func decimals(_ value: Double, _ places: Int) -> String {
        guard value.isFinite, abs(value) < 1e15 else { return "\(value)" }
        var scale: Double = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((abs(value) * scale).rounded(.toNearestOrAwayFromZero))
        let whole = String(scaled / Int64(scale))
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard places > 0 else { return sign + whole }
        let fraction = String(scaled % Int64(scale))
        return sign + whole + "." + String(repeating: "0", count: places - fraction.count) + fraction
    }

    /// A limit as `%g` writes it for the values profiles use: `20`, `17.5`.
    static func shortest(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    /// Characters per second of a cue, counting spaces and punctuation (lines joined by one space).
    public static func charactersPerSecond(_ cue: Cue) -> Double {
        let duration = max(1, cue.end - cue.start)
        return Double(cue.text.count) * 1000 / Double(duration)
    }

    /// The share of cues (0...1) with no violation; 1 for no cues.
    public func compliantShare(of cues: [Cue]) -> Double {
        guard !cues.isEmpty else { return 1 }
        let failing = Set(lint(cues).map(\.cueNumber))
        return Double(cues.count - failing.count) / Double(cues.count)
    }

    /// A report for people and machines.
    public func report(_ cues: [Cue]) -> LintReport {
        LintReport(profile: style.name, cueCount: cues.count, violations: lint(cues))
    }
}

/// The result of linting a cue list, as text or JSON.
public struct LintReport: Sendable, Hashable, Codable {
    /// The profile's name.
    public var profile: String
    /// How many cues were checked.
    public var cueCount: Int
    /// Every violation.
    public var violations: [StyleViolation]

    /// Creates a report.
    public init(profile: String, cueCount: Int, violations: [StyleViolation]) {
        self.profile = profile
        self.cueCount = cueCount
        self.violations = violations
    }

    /// Whether every cue meets the profile.
    public var isClean: Bool { violations.isEmpty }

    /// One line per violation, then a summary line.
    public var text: String {
        var lines = violations.map { "\($0.message) [\($0.rule.rawValue)]" }
        let failing = Set(violations.map(\.cueNumber)).count
        lines.append("\(cueCount) cues checked against \(profile): \(violations.count) violations in \(failing) cues")
        return lines.joined(separator: "\n")
    }

    /// The report as pretty-printed JSON with sorted keys.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}
