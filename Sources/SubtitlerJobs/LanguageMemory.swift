import Crypto
import Foundation
import MediaAudio
import Subtitler
import SubtitlerSupport

/// Remembers which language a run detected for an input, so a rerun without a language knows the output names and
/// can skip finished inputs before sending anything.
///
/// One small file per input under the state directory (`$XDG_STATE_HOME/subtitler/languages`, mode 0700), keyed by
/// a SHA-256 of the input's absolute path, size and modification time, the model and the track choice: a changed
/// file or other settings are a new input.
public struct LanguageMemory: Sendable {
    /// The directory holding the records.
    public let directory: URL

    /// Creates a memory in `directory`, or in the state directory's `languages` folder.
    public init(directory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.directory = directory ?? AppDirectories.state(environment: environment).appendingPathComponent("languages")
    }

    /// The remembered language of `input` for `options`, or nil.
    public func language(of input: String, options: SubtitleOptions) -> String? {
        guard let url = url(for: input, options: options),
              let data = FileManager.default.contents(atPath: url.path) else { return nil }
        let code = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard (2...8).contains(code.count), code.allSatisfy({ $0.isLetter || $0 == "-" }) else { return nil }
        return code
    }

    /// Remembers `language` as the language of `input` for `options`.
    public func remember(_ language: String, of input: String, options: SubtitleOptions) throws {
        guard let url = url(for: input, options: options) else { return }
        try AppDirectories.makePrivateDirectory(directory)
        try AtomicFile.write(language + "\n", to: url, permissions: 0o600)
    }

    private func url(for input: String, options: SubtitleOptions) -> URL? {
        let path = URL(fileURLWithPath: input).standardizedFileURL.path
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let identity = [
            path, String(info.st_size), String(info.st_mtim.tv_sec), String(info.st_mtim.tv_nsec),
            options.model, options.track.memoryKey,
        ].joined(separator: "\u{0}")
        let digest = SHA256.hash(data: Data(identity.utf8)).map { String(format: "%02x", $0) }.joined()
        return directory.appendingPathComponent(digest)
    }
}

extension TrackSelection {
    /// A stable text form for keys.
    var memoryKey: String {
        switch self {
        case .automatic: "auto"
        case .index(let index): "index:\(index)"
        case .language(let code): "language:\(code.lowercased())"
        }
    }
}
