import Foundation
import Subtitler
import SubtitlerJobs

/// Which files the service may touch: only those under the roots it was given, after path mapping.
///
/// A path is refused when it is not absolute, looks like a URL, contains `..`, or resolves (symlinks followed) to a
/// place outside every root. Paths are mapped first (`--path-map FROM=TO`), so a media server running in a container
/// can name files by its own mount points.
package struct PathPolicy: Sendable {
    /// The roots, resolved (symlinks followed) once at start-up.
    package let roots: [String]
    /// Prefix rewrites, applied in order; the first that matches wins.
    package let mappings: [PathMapping]

    /// Creates a policy.
    /// - Parameters:
    ///   - roots: the directories the service may read media from and write subtitles into.
    ///   - mappings: prefix rewrites from the callers' view to the service's.
    /// - Throws: ``ServiceConfigurationError`` when a root does not exist or is not a directory.
    package init(roots: [String], mappings: [PathMapping] = []) throws {
        var resolved: [String] = []
        for root in roots {
            guard root.hasPrefix("/") else {
                throw ServiceConfigurationError("--root \(root): give an absolute path")
            }
            var info = stat()
            guard stat(root, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw ServiceConfigurationError("--root \(root): not an existing directory")
            }
            resolved.append(Self.resolve(root) ?? root)
        }
        self.roots = resolved
        self.mappings = mappings
    }

    /// Why a path cannot be used.
    package enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// Not an absolute local path (relative, empty, a URL, or with `..` parts).
        case notAPath(String)
        /// Outside every root.
        case outsideRoots(String)
        /// Missing or unreadable.
        case unreadable(String, reason: String)

        package var description: String {
            switch self {
            case .notAPath(let path): "\(path): not an absolute local file path"
            case .outsideRoots(let path): "\(path): outside the folders this service may use"
            case .unreadable(let path, let reason): "\(path): \(reason)"
            }
        }

        /// The reason code of a job that fails because of this refusal.
        package var failureReason: JobFailure.Reason {
            switch self {
            case .notAPath: .invalidPath
            case .outsideRoots: .outsideRoots
            case .unreadable: .unreadableInput
            }
        }

        /// The path refused.
        package var path: String {
            switch self {
            case .notAPath(let path), .outsideRoots(let path), .unreadable(let path, _): path
            }
        }
    }

    /// The caller's path mapped to the service's view (no checks).
    package func mapped(_ path: String) -> String {
        for mapping in mappings where mapping.matches(path) { return mapping.apply(to: path) }
        return path
    }

    /// The canonical path of an existing regular file under a root: mapped, then resolved (symlinks, `.`, `//` and
    /// `/proc/self/root` spellings gone), so one file has one path however a caller spells it.
    /// - Throws: ``Refusal``.
    package func file(_ callerPath: String) throws(Refusal) -> String {
        let path = mapped(callerPath)
        try checkShape(path)
        guard let real = Self.resolve(path) else {
            throw .unreadable(path, reason: "no such file")
        }
        // Both the file and the folder its subtitles are written into must be under a root.
        let folder = Self.resolve((path as NSString).deletingLastPathComponent) ?? ""
        guard isUnderRoot(real), isUnderRoot(folder) else { throw .outsideRoots(path) }
        var info = stat()
        guard stat(real, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw .unreadable(path, reason: "not a regular file")
        }
        guard access(real, R_OK) == 0 else { throw .unreadable(path, reason: String(cString: strerror(errno))) }
        return real
    }

    /// The mapped, resolved path of an existing directory under a root.
    package func directory(_ callerPath: String) throws(Refusal) -> String {
        let path = mapped(callerPath)
        try checkShape(path)
        guard let real = Self.resolve(path) else { throw .unreadable(path, reason: "no such directory") }
        guard isUnderRoot(real) else { throw .outsideRoots(path) }
        var info = stat()
        guard stat(real, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .unreadable(path, reason: "not a directory")
        }
        return path
    }

    /// Whether a resolved path lies under (or is) a root.
    package func isUnderRoot(_ resolved: String) -> Bool {
        roots.contains { root in resolved == root || resolved.hasPrefix(root == "/" ? "/" : root + "/") }
    }

    private func checkShape(_ path: String) throws(Refusal) {
        guard path.hasPrefix("/"), InputDiscovery.problem(withPath: path) == nil, !path.contains("\u{0}") else {
            throw .notAPath(path)
        }
        if path.split(separator: "/").contains("..") { throw .notAPath(path) }
    }

    /// `realpath(3)`: the absolute path with every symlink resolved, or nil when it does not exist.
    static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// A prefix rewrite: `/data/tv=/media/tv` turns `/data/tv/Show/e1.mkv` into `/media/tv/Show/e1.mkv`.
package struct PathMapping: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The caller's prefix.
    package var from: String
    /// The service's prefix.
    package var to: String

    /// Parses `FROM=TO`.
    package init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].hasPrefix("/"), parts[1].hasPrefix("/") else { return nil }
        from = parts[0].count > 1 && parts[0].hasSuffix("/") ? String(parts[0].dropLast()) : parts[0]
        to = parts[1].count > 1 && parts[1].hasSuffix("/") ? String(parts[1].dropLast()) : parts[1]
    }

    func matches(_ path: String) -> Bool { path == from || path.hasPrefix(from + "/") }

    func apply(to path: String) -> String { to + path.dropFirst(from.count) }

    package var description: String { "\(from)=\(to)" }
}

/// The service cannot start as configured.
package struct ServiceConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, as one line.
    package var message: String

    /// Creates an error.
    package init(_ message: String) { self.message = message }

    package var description: String { message }
}
