/// Loading the speech detector's weights failed: which file, and why.
///
/// `description` is one readable line, e.g.
/// `/usr/lib/subtitler_SpeechDetection.resources/Resources/silero-vad-v6.bin: load speech model failed: tensor
/// lstm.R has 4096 values, expected 65536`.
public struct SpeechModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The weight resource was not found (the package's resource bundle is missing next to the binary).
        case resourceMissing
        /// The file exists but cannot be read.
        case unreadable
        /// The file is not a weight file of the expected layout (wrong magic, truncated, missing or misshapen
        /// tensors).
        case malformed
    }

    /// The kind of failure.
    public var code: Code
    /// The weight file, or a description of where it was looked for.
    public var path: String
    /// What is wrong, in words.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// One line: `<path>: load speech model failed: <message>`.
    public var description: String { "\(path): load speech model failed: \(message)" }
}
