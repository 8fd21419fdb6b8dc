import Foundation

/// Where subtitler keeps its files, by the XDG Base Directory rules: a variable that holds a relative path is
/// ignored (the specification says so), so a stray `XDG_CACHE_HOME=.` can never turn the working directory into
/// the cache.
package enum AppDirectories {
    /// The resume cache: `$XDG_CACHE_HOME/subtitler`, else `~/.cache/subtitler`.
    package static func cache(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        base(environment, variable: "XDG_CACHE_HOME", fallback: ".cache").appendingPathComponent("subtitler")
    }

    /// State that must survive (remembered languages, the service's job store): `$XDG_STATE_HOME/subtitler`,
    /// else `~/.local/state/subtitler`.
    package static func state(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        base(environment, variable: "XDG_STATE_HOME", fallback: ".local/state").appendingPathComponent("subtitler")
    }

    private static func base(_ environment: [String: String], variable: String, fallback: String) -> URL {
        if let value = environment[variable], value.hasPrefix("/") {
            return URL(fileURLWithPath: value, isDirectory: true)
        }
        var home = environment["HOME"] ?? NSHomeDirectory()
        if !home.hasPrefix("/") { home = NSHomeDirectory() }
        return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(fallback, isDirectory: true)
    }

    /// Creates `directory` (and its parents) if missing and makes it private (0700).
    package static func makePrivateDirectory(_ directory: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
    }
}

/// Path helpers.
package enum PathResolution {
    /// `realpath(3)`: the absolute path with every symlink resolved, or nil when it does not exist.
    package static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
