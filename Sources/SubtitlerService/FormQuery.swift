import Foundation

/// A query string read as an HTML form encodes it (`application/x-www-form-urlencoded`): `+` is a space, then
/// percent escapes are decoded. Python's `requests` (Bazarr's provider) encodes `params` this way, so
/// `video_file=%2Fmedia%2FMy+Show%2FS01E01.mkv` is `/media/My Show/S01E01.mkv`; a real `+` arrives as `%2B`.
struct FormQuery: Sendable {
    private var values: [String: String] = [:]

    /// Parses a raw query string (without the `?`); the first value of a repeated name wins. A name or value whose
    /// escapes are not valid UTF-8 is kept as it was sent.
    init(_ query: String?) {
        guard let query else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            guard values[name] == nil else { continue }
            values[name] = parts.count > 1 ? Self.decode(parts[1]) : ""
        }
    }

    /// The decoded value of `name`, or nil when the query does not have it.
    subscript(name: String) -> String? { values[name] }

    /// One form-encoded component, decoded.
    static func decode(_ component: Substring) -> String {
        let spaced = component.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
