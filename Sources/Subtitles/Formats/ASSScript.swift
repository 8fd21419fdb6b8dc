import Foundation

/// An ASS script split the way Matroska stores it: the header (everything up to and including the `[Events]`
/// Format line, styles included) and each `Dialogue` event's times and other fields, as written. Muxing a styled
/// script through it keeps its styles, positions and karaoke tags byte for byte.
public struct ASSScript: Sendable, Hashable {
    /// The script up to and including the `[Events]` Format line.
    public var header: String
    /// The `Dialogue` events in file order.
    public var events: [ASSWriter.Event]

    /// The events' Format a script must use to be split (the one every ASS v4+ tool writes).
    static let standardFormat = ["layer", "start", "end", "style", "name", "marginl", "marginr", "marginv", "effect", "text"]

    /// Splits a script; nil when it has no `[Events]` section with the standard v4+ Format line, or an event whose
    /// times cannot be read (such a script is re-written from its cues instead).
    public init?(text: String) {
        var header = ""
        var events: [ASSWriter.Event] = []
        var inEvents = false
        var sawFormat = false
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            var line = String(raw)
            if header.isEmpty, events.isEmpty, line.hasPrefix("\u{FEFF}") { line.removeFirst() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("["), trimmed.hasSuffix("]") {
                if sawFormat { break }  // [Fonts], [Graphics] after the events are not carried
                inEvents = trimmed.lowercased() == "[events]"
            }
            guard !sawFormat else {
                guard trimmed.lowercased().hasPrefix("dialogue:") else { continue }
                let value = trimmed.dropFirst("dialogue:".count).drop(while: { $0 == " " })
                let fields = value.split(separator: ",", maxSplits: 9, omittingEmptySubsequences: false).map(String.init)
                guard fields.count == 10, let start = ASSReader.time(fields[1]), let end = ASSReader.time(fields[2]) else {
                    return nil
                }
                events.append(ASSWriter.Event(start: start, end: max(end, start + 10), layer: fields[0],
                                              fields: fields[3...].joined(separator: ",")))
                continue
            }
            header += line + "\n"
            if inEvents, trimmed.lowercased().hasPrefix("format:") {
                let names = trimmed.dropFirst("format:".count).split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard names == Self.standardFormat else { return nil }
                sawFormat = true
            }
        }
        guard sawFormat else { return nil }
        self.header = header
        self.events = events
    }
}
