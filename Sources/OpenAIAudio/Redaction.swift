import Foundation

/// Removes an API key from text that may reach a user, a log or a file: the whole key in any letter case, and any
/// long prefix of it (a server that echoes a truncated key, or a message cut in the middle of one).
///
/// Redaction runs on the full text before anything shortens it, so a key can never be split by a truncation and
/// survive in part.
struct SecretRedactor: Sendable {
    /// The key's bytes, ASCII letters lower-cased.
    private let folded: [UInt8]
    /// The shortest prefix of the key that is redacted.
    private let minimumMatch: Int

    /// The replacement text.
    static let replacement = "[redacted]"

    /// A redactor for `secret`; nil or empty redacts nothing.
    init(_ secret: String?) {
        folded = Array((secret ?? "").utf8).map(Self.fold)
        // Ten characters cover `sk-proj-` plus two secret ones; a shorter key must match whole.
        minimumMatch = min(folded.count, 10)
    }

    /// Whether there is anything to redact.
    var isActive: Bool { !folded.isEmpty }

    /// `text` with every occurrence of the key, or of a prefix of it at least ten characters long, replaced by
    /// `[redacted]`, ignoring ASCII letter case.
    func redact(_ text: String) -> String {
        guard isActive else { return text }
        let bytes = Array(text.utf8)
        guard bytes.count >= minimumMatch else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var changed = false
        var index = 0
        while index < bytes.count {
            var length = 0
            if Self.fold(bytes[index]) == folded[0] {
                while length < folded.count, index + length < bytes.count,
                    Self.fold(bytes[index + length]) == folded[length]
                {
                    length += 1
                }
            }
            if length >= minimumMatch {
                output += Array(Self.replacement.utf8)
                index += length
                changed = true
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        // Matches start and end on ASCII-compatible boundaries of a valid key, so the result is valid UTF-8;
        // decoding repairs anything a non-ASCII key could have cut.
        return changed ? String(decoding: output, as: UTF8.self) : text
    }

    /// Redacts the text of `body`; bytes that are not text are decoded leniently first.
    func redact(_ body: [UInt8]) -> [UInt8] {
        guard isActive else { return body }
        let text = String(decoding: body, as: UTF8.self)
        let redacted = redact(text)
        return redacted == text ? body : Array(redacted.utf8)
    }

    private static func fold(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }
}

extension OpenAIConfiguration {
    /// Why the credentials cannot be sent, or nil: the API key, organization and project go into HTTP headers, so
    /// they must not hold control characters (a key pasted with a line break in it). The text never includes the
    /// value itself.
    public var credentialProblem: String? {
        let fields: [(String, String?)] = [("API key", apiKey), ("organization ID", organization), ("project ID", project)]
        for (name, value) in fields {
            guard let value, let position = Self.controlCharacterPosition(in: value) else { continue }
            return "the \(name) contains a control character (a line break or similar) at character \(position) "
                + "of \(value.count); set it again as one line, without the character"
        }
        return nil
    }

    /// Why the base URLs cannot be used, or nil: each must be an absolute `http` or `https` URL with a host.
    public var baseURLProblem: String? {
        for (name, value) in [("base URL", baseURL), ("speech base URL", speechBaseURL), ("chat base URL", chatBaseURL)] {
            guard let value else { continue }
            if let problem = Self.urlProblem(value) { return "invalid \(name) '\(value)': \(problem)" }
        }
        return nil
    }

    /// The 1-based position of the first control character in `text`, or nil.
    static func controlCharacterPosition(in text: String) -> Int? {
        for (offset, scalar) in text.unicodeScalars.enumerated()
        where scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" {
            return offset + 1
        }
        return nil
    }

    /// Why `text` is not an absolute http(s) URL with a host, or nil.
    static func urlProblem(_ text: String) -> String? {
        if controlCharacterPosition(in: text) != nil || text.contains(" ") {
            return "it contains spaces or control characters"
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return "use an absolute URL such as http://127.0.0.1:8000/v1"
        }
        guard scheme == "http" || scheme == "https" else {
            return "the scheme must be http or https, not '\(scheme)'"
        }
        guard let host = components.host, !host.isEmpty else { return "the URL has no host" }
        return nil
    }
}
