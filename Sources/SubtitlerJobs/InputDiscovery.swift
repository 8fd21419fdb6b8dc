import Foundation
import SubtitlerSupport

/// Finds the media files a job list covers: files named directly, media files in named directories (and their
/// subdirectories with `recursive`), minus folder trees that hold a `.subtitler-skip` marker.
///
/// Only local regular files are taken: a path that looks like a URL is never fetched, and FIFOs, devices and
/// sockets are refused (reading one could block forever or never end).
public enum InputDiscovery {
    /// The file that excludes its folder and every folder below it.
    public static let skipMarkerName = ".subtitler-skip"

    /// File extensions taken as media in directory scans (case-insensitive). Files named directly are taken
    /// whatever their extension.
    public static let mediaExtensions: Set<String> = [
        "mp4", "m4v", "mkv", "mov", "webm", "ts", "m2ts", "mts", "avi", "m4a", "mp3", "wav", "flac", "ogg", "oga",
        "opus", "aac", "wma", "wmv", "flv", "mpg", "mpeg", "3gp", "mka",
    ]

    /// What discovery found: media files to work on, and a report for every input that cannot be (missing, not
    /// media, excluded by a marker).
    public struct Result: Sendable {
        /// The media files, directories expanded in name order.
        public var files: [String]
        /// Failed or skipped inputs, each with its reason.
        public var reports: [JobReport]
    }

    /// Expands `inputs` into media files.
    /// - Parameters:
    ///   - inputs: files and directories, as the user named them.
    ///   - recursive: look into subdirectories of named directories.
    public static func discover(_ inputs: [String], recursive: Bool) -> Result {
        var result = Result(files: [], reports: [])
        for input in inputs {
            if let problem = problem(withPath: input) {
                var report = JobReport(input: input, status: .failed)
                report.failure = .at(input, .invalidPath, problem)
                result.reports.append(report)
                continue
            }
            var info = stat()
            guard stat(input, &info) == 0 else {
                var report = JobReport(input: input, status: .failed)
                report.failure = .at(input, .unreadableInput, String(cString: strerror(errno)).lowercased())
                result.reports.append(report)
                continue
            }
            if let marker = skipMarker(above: input, isDirectory: info.st_mode & S_IFMT == S_IFDIR) {
                var report = JobReport(input: input, status: .skipped)
                report.skipReason = SkipReason(kind: .excludedByMarker, message: "excluded by \(marker)", path: marker)
                result.reports.append(report)
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                result.files.append(input)
            case S_IFDIR:
                var found: [String] = []
                scan(input, recursive: recursive, into: &found, reports: &result.reports)
                if found.isEmpty && !result.reports.contains(where: { $0.input.hasPrefix(input) }) {
                    var report = JobReport(input: input, status: .failed)
                    report.failure = .at(input, .noMediaFiles, "no media files in this directory")
                    result.reports.append(report)
                }
                result.files += found
            default:
                var report = JobReport(input: input, status: .failed)
                report.failure = .at(input, .notAFile, "not a regular file (\(kindName(info.st_mode)))")
                result.reports.append(report)
            }
        }
        return result
    }

    /// Why a path can never be an input, or nil: URLs and FFmpeg protocol prefixes (`http://`, `concat:`…) are
    /// refused, so nothing is ever fetched from the network.
    public static func problem(withPath path: String) -> String? {
        FileKind.localPathProblem(path)
    }

    /// The nearest `.subtitler-skip` marker in the folder of `path` (the folder itself when it is one) or any folder
    /// above it, or nil.
    public static func skipMarker(above path: String, isDirectory: Bool = false) -> String? {
        var directory = URL(fileURLWithPath: path).standardizedFileURL
        if !isDirectory { directory = directory.deletingLastPathComponent() }
        while true {
            let marker = directory.appendingPathComponent(skipMarkerName).path
            if access(marker, F_OK) == 0 { return marker }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    /// Whether a directory-scan entry counts as media: a known extension, not hidden.
    public static func looksLikeMedia(_ name: String) -> Bool {
        !name.hasPrefix(".") && mediaExtensions.contains((name as NSString).pathExtension.lowercased())
    }

    /// Collects media files under `directory`, in name order; subtrees with a marker are skipped (and reported);
    /// non-regular files with media names and names that are not UTF-8 are reported, not silently dropped.
    private static func scan(_ directory: String, recursive: Bool, into found: inout [String], reports: inout [JobReport]) {
        let marker = (directory as NSString).appendingPathComponent(skipMarkerName)
        if access(marker, F_OK) == 0 {
            var report = JobReport(input: directory, status: .skipped)
            report.skipReason = SkipReason(kind: .excludedByMarker, message: "excluded by \(marker)", path: marker)
            reports.append(report)
            return
        }
        let entries: [Entry]
        switch directoryEntries(directory) {
        case .success(let read): entries = read
        case .failure(let cause):
            var report = JobReport(input: directory, status: .failed)
            report.failure = .at(directory, .unreadableInput, "cannot read this directory: \(cause.reason)")
            reports.append(report)
            return
        }
        var subdirectories: [String] = []
        for entry in entries {
            let path = (directory as NSString).appendingPathComponent(entry.name)
            if !entry.isValidUTF8 {
                var report = JobReport(input: path, status: .failed)
                report.failure = .at(path, .invalidPath, "the file name is not valid UTF-8; rename it to subtitle it")
                if looksLikeMedia(entry.name) { reports.append(report) }
                continue
            }
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            var mode = info.st_mode & S_IFMT
            if mode == S_IFLNK {
                // Follow links to files; never links to directories (they can loop).
                guard stat(path, &info) == 0 else { continue }
                mode = info.st_mode & S_IFMT
                if mode == S_IFDIR { continue }
            }
            if mode == S_IFDIR {
                if recursive && !entry.name.hasPrefix(".") { subdirectories.append(path) }
                continue
            }
            guard looksLikeMedia(entry.name) else { continue }
            if mode == S_IFREG {
                found.append(path)
            } else {
                var report = JobReport(input: path, status: .failed)
                report.failure = .at(path, .notAFile, "not a regular file (\(kindName(info.st_mode))); skipped")
                reports.append(report)
            }
        }
        for subdirectory in subdirectories {
            scan(subdirectory, recursive: true, into: &found, reports: &reports)
        }
    }

    private struct Entry {
        var name: String
        var isValidUTF8: Bool
    }

    /// Why a directory could not be listed: `opendir`'s cause, lower-cased (`permission denied`).
    private struct ListingFailure: Error {
        var reason: String
    }

    /// The names in a directory, sorted, read with `readdir` so names that are not UTF-8 are seen too.
    private static func directoryEntries(_ directory: String) -> Swift.Result<[Entry], ListingFailure> {
        guard let handle = opendir(directory) else {
            return .failure(ListingFailure(reason: String(cString: strerror(errno)).lowercased()))
        }
        defer { closedir(handle) }
        var entries: [Entry] = []
        while let entry = readdir(handle) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            let valid = String(validating: bytes, as: UTF8.self)
            let name = valid ?? String(decoding: bytes, as: UTF8.self)
            if name == "." || name == ".." { continue }
            entries.append(Entry(name: name, isValidUTF8: valid != nil))
        }
        return .success(entries.sorted { $0.name < $1.name })
    }

    /// A file type in words.
    static func kindName(_ mode: mode_t) -> String {
        FileKind.name(of: mode)
    }
}
