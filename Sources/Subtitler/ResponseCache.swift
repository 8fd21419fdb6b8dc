import Crypto
import Foundation

/// Chunk responses stored on disk so a rerun after a crash, Ctrl-C or a failed chunk sends only what is missing.
///
/// Entries live under `XDG_CACHE_HOME/subtitler` (default `~/.cache/subtitler`), directory mode 0700. Each entry
/// is named by a SHA-256 over the encoded audio and every request parameter that changes the answer; no API key
/// or other credential is part of a key or an entry. Writes go to a temporary file that is renamed into place,
/// so a killed process never leaves a half-written entry.
public struct ResponseCache: Sendable {
    /// The directory holding the entries.
    public let directory: URL

    /// Creates a cache in `directory`, or in the default location for `environment`.
    public init(directory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let directory {
            self.directory = directory
        } else if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            self.directory = URL(fileURLWithPath: xdg).appendingPathComponent("subtitler")
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            self.directory = URL(fileURLWithPath: home).appendingPathComponent(".cache/subtitler")
        }
    }

    /// The key for a request: the audio's content hash plus the parameters that change the answer.
    public static func key(audio: [UInt8], parameters: [String: String]) -> String {
        var hasher = SHA256()
        hasher.update(data: audio)
        for name in parameters.keys.sorted() {
            hasher.update(data: Array("\u{0}\(name)=\(parameters[name]!)".utf8))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    private func url(forKey key: String) -> URL {
        directory.appendingPathComponent(String(key.prefix(2))).appendingPathComponent(key + ".json")
    }

    /// The stored value for `key`, or nil when absent or unreadable (a damaged entry is treated as missing).
    public func value<Value: Decodable>(forKey key: String, as type: Value.Type = Value.self) -> Value? {
        guard let data = try? Data(contentsOf: url(forKey: key)) else { return nil }
        return try? JSONDecoder().decode(Value.self, from: data)
    }

    /// Stores `value` under `key` atomically.
    public func store<Value: Encodable>(_ value: Value, forKey key: String) throws {
        let target = url(forKey: key)
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try? fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        let data = try JSONEncoder().encode(value)
        try AtomicFile.write(data, to: target)
    }

    /// Deletes every entry.
    public func clear() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: directory.path) {
            try fm.removeItem(at: directory)
        }
    }
}

/// Writes files so that readers see either the old file or the complete new one, never a partial file.
public enum AtomicFile {
    /// Writes `data` to a temporary file next to `url`, flushes it, and renames it over `url`.
    /// - Throws: ``OutputError`` naming the file and the cause (for example a full disk).
    public static func write(_ data: Data, to url: URL) throws(OutputError) {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw OutputError(path: url.path, errno: errno) }
        var failure: Int32 = 0
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary.path, url.path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary.path)
            throw OutputError(path: url.path, errno: failure)
        }
    }

    /// Writes `text` as UTF-8; see ``write(_:to:)-(Data,_)``.
    public static func write(_ text: String, to url: URL) throws(OutputError) {
        try write(Data(text.utf8), to: url)
    }
}

/// A file could not be written.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    /// The file that was being written.
    public var path: String
    /// The system's reason.
    public var reason: String

    /// Creates an error from an `errno` value.
    public init(path: String, errno code: Int32) {
        self.path = path
        self.reason = String(cString: strerror(code))
    }

    /// Creates an error with a reason.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): cannot write: \(reason)" }
}
