import Crypto
import Foundation
import SubtitlerSupport

/// Chunk responses stored on disk so a rerun after a crash, Ctrl-C or a failed chunk sends only what is missing.
///
/// Entries live under `$XDG_CACHE_HOME/subtitler` (default `~/.cache/subtitler`; a relative `XDG_CACHE_HOME` is
/// ignored), directory mode 0700, files 0600. Each entry
/// is named by a SHA-256 over the encoded audio and every request parameter that changes the answer; no API key
/// or other credential is part of a key or an entry. Writes go to a temporary file that is renamed into place,
/// so a killed process never leaves a half-written entry.
public struct ResponseCache: Sendable {
    /// The directory holding the entries.
    public let directory: URL

    /// Creates a cache in `directory`, or in the default location for `environment`.
    public init(directory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.directory = directory ?? AppDirectories.cache(environment: environment)
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
        try AppDirectories.makePrivateDirectory(directory)
        try AppDirectories.makePrivateDirectory(target.deletingLastPathComponent())
        let data = try JSONEncoder().encode(value)
        try AtomicFile.write(data, to: target, permissions: 0o600)
    }

    /// Deletes every entry, and nothing else: only files named like entries (`xx/<64 hex digits>.json`, with their
    /// temporary files) are removed, then the entry folders if that left them empty. Whatever else the directory
    /// holds stays.
    /// - Returns: how many entries were removed.
    @discardableResult
    public func clear() throws -> Int {
        let fm = FileManager.default
        guard let folders = try? fm.contentsOfDirectory(atPath: directory.path) else { return 0 }
        var removed = 0
        for folder in folders where folder.count == 2 && folder.allSatisfy(\.isHexDigit) {
            let folderURL = directory.appendingPathComponent(folder)
            guard let names = try? fm.contentsOfDirectory(atPath: folderURL.path) else { continue }
            for name in names where Self.isEntryName(name, folder: folder) {
                try fm.removeItem(at: folderURL.appendingPathComponent(name))
                if name.hasSuffix(".json") { removed += 1 }
            }
            if (try? fm.contentsOfDirectory(atPath: folderURL.path))?.isEmpty == true {
                try? fm.removeItem(at: folderURL)
            }
        }
        return removed
    }

    /// `<key>.json` with a 64-hex-digit key starting with `folder`, or a temporary file of one.
    static func isEntryName(_ name: String, folder: String) -> Bool {
        var stem = Substring(name)
        if stem.hasPrefix(".") {
            // `.<key>.json.<pid>.<random>.tmp`
            guard stem.hasSuffix(".tmp"), let json = stem.range(of: ".json.") else { return false }
            stem = stem[stem.index(after: stem.startIndex)..<json.lowerBound]
        } else {
            guard stem.hasSuffix(".json") else { return false }
            stem = stem.dropLast(5)
        }
        return stem.count == 64 && stem.allSatisfy(\.isHexDigit) && stem.hasPrefix(folder)
    }
}
