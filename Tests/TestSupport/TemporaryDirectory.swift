import Foundation

/// A fresh directory under the system's temporary directory, for one test; `cleanup()` removes it.
public struct TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL

    /// Creates the directory.
    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("subtitler-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// A resume-cache directory inside it (`cache/`), for runs that must not touch the user's cache.
    public var cache: URL { url.appendingPathComponent("cache") }

    /// The names in the directory (or in its subdirectory `name`), sorted, leaving out `cache`.
    public func files(in name: String = "") throws -> [String] {
        let directory = name.isEmpty ? url : url.appendingPathComponent(name)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "cache" }.sorted()
    }

    /// Removes the directory and everything in it.
    public func cleanup() { try? FileManager.default.removeItem(at: url) }
}
