import Foundation

/// Which TTML document a ``TimedTextWriter`` writes.
public enum TimedTextProfile: Sendable, Hashable, CaseIterable {
    /// Plain TTML 2: `ttp:timeBase="media"`, one region in the safe area.
    case ttml
    /// The IMSC 1.1 Text Profile (W3C): the `ttp:contentProfiles` designator, a region with `tts:origin`/`tts:extent`.
    case imsc
    /// EBU-TT-D (EBU Tech 3380): media time base, `ttp:cellResolution`, `tts:*` styling, text in `<span>`s.
    case ebuTTD
}

/// Writes TTML documents (plain TTML, IMSC 1.1 Text, EBU-TT-D): one `<p>` per cue with media-time `begin`/`end`
/// (`HH:MM:SS.mmm`), lines joined by `<br/>` (`xml:space="preserve"`, so spaces stay as written), all in one
/// region at the bottom of the 10 % safe area.
///
/// Text is escaped for XML (`&`, `<`, `>`, `"`, `'`); characters XML 1.0 forbids are removed by the shared
/// sanitizer; bidi controls and any other Unicode stay as text. In a cue holding several speakers each turn
/// starts with `-`, as in SRT; speaker names are not written.
public struct TimedTextWriter: Sendable {
    /// The document kind.
    public var profile: TimedTextProfile
    /// The text's language (BCP 47) for `xml:lang`; `und` when nil or empty.
    public var language: String?
    /// The frame rate written as `ttp:frameRate` (rounded up, with its 1000/1001 multiplier for NTSC rates); times
    /// stay in milliseconds.
    public var frameRate: Double?

    /// Creates a writer.
    public init(profile: TimedTextProfile, language: String? = nil, frameRate: Double? = nil) {
        self.profile = profile
        self.language = language
        self.frameRate = frameRate
    }

    /// The IMSC 1.1 Text Profile designator.
    public static let imscTextProfile = "http://www.w3.org/ns/ttml/profile/imsc1.1/text"

    /// The whole document as a string.
    public func render(_ cues: [Cue]) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<tt xmlns=\"http://www.w3.org/ns/ttml\" xmlns:ttp=\"http://www.w3.org/ns/ttml#parameter\""
        out += " xmlns:tts=\"http://www.w3.org/ns/ttml#styling\" xmlns:ttm=\"http://www.w3.org/ns/ttml#metadata\""
        if profile == .ebuTTD { out += " xmlns:ebuttm=\"urn:ebu:tt:metadata\" xmlns:ebutts=\"urn:ebu:tt:style\"" }
        out += " xml:lang=\"\(Self.escape(languageTag))\" ttp:timeBase=\"media\""
        switch profile {
        case .imsc: out += " ttp:contentProfiles=\"\(Self.imscTextProfile)\""
        case .ebuTTD: out += " ttp:cellResolution=\"50 30\""
        case .ttml: break
        }
        out += frameRateAttributes + ">\n<head>\n"
        if profile == .ebuTTD {
            out += "<ebuttm:documentMetadata><ebuttm:conformsToStandard>urn:ebu:tt:distribution:2018-04"
            out += "</ebuttm:conformsToStandard></ebuttm:documentMetadata>\n"
        }
        out += "<styling>\n<style xml:id=\"s0\" tts:fontFamily=\"proportionalSansSerif\" tts:fontSize=\""
        out += profile == .ebuTTD ? "100%" : "5.333%"
        out += "\" tts:lineHeight=\"125%\" tts:textAlign=\"center\" tts:color=\"#FFFFFF\""
        out += " tts:backgroundColor=\"#000000C2\"/>\n</styling>\n"
        out += "<layout>\n<region xml:id=\"bottom\" tts:origin=\"10% 10%\" tts:extent=\"80% 80%\""
        out += " tts:displayAlign=\"after\" tts:textAlign=\"center\"/>\n</layout>\n</head>\n"
        out += "<body style=\"s0\" region=\"bottom\">\n<div>\n"
        for cue in CueSanitizer.prepare(cues) {
            out += "<p xml:space=\"preserve\" begin=\"\(Self.clock(cue.start))\" end=\"\(Self.clock(cue.end))\">"
            let lines = CueSanitizer.dialogueLines(cue)
            if profile == .ebuTTD {
                out += lines.map { "<span>" + Self.escape($0) + "</span>" }.joined(separator: "<br/>")
            } else {
                out += lines.map(Self.escape).joined(separator: "<br/>")
            }
            out += "</p>\n"
        }
        out += "</div>\n</body>\n</tt>\n"
        return out
    }

    private var languageTag: String {
        guard let language = language.flatMap(CueSanitizer.cleanName), !language.contains(" ") else { return "und" }
        return language
    }

    private var frameRateAttributes: String {
        guard let frameRate, frameRate.isFinite, frameRate > 0, frameRate < 1000 else { return "" }
        let whole = frameRate.rounded()
        if abs(frameRate - whole) < 0.001 { return " ttp:frameRate=\"\(Int(whole))\"" }
        let ntsc = (frameRate * 1001 / 1000).rounded()
        return " ttp:frameRate=\"\(Int(ntsc))\" ttp:frameRateMultiplier=\"1000 1001\""
    }

    /// A media time as a TTML clock-time expression, `HH:MM:SS.mmm` (hours grow past two digits when needed).
    static func clock(_ time: Milliseconds) -> String {
        let ms = max(0, time)
        let hours = ms / 3_600_000, minutes = ms / 60_000 % 60, seconds = ms / 1000 % 60, fraction = ms % 1000
        return String(format: "%02lld:%02lld:%02lld.%03lld", hours, minutes, seconds, fraction)
    }

    /// Escapes the five XML special characters as entity references.
    public static func escape(_ text: String) -> String {
        CueSanitizer.escapeMarkup(text, quotes: true)
    }
}

extension CueSanitizer {
    /// The lines of a prepared cue with a `-` before each speaker's turn when the cue holds several speakers.
    static func dialogueLines(_ cue: Prepared) -> [String] {
        guard Set(cue.speakers).count > 1 else { return cue.lines }
        let turns = turnStarts(cue.speakers)
        return cue.lines.enumerated().map { index, line in
            turns[index] && !line.hasPrefix("-") ? "-" + line : line
        }
    }
}
