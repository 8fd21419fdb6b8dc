import Foundation
import MediaAudio
import Subtitler
import Subtitles

/// When an input needs no work: its outputs are up to date, or subtitles in the target language already exist.
public enum SkipRules {
    /// Subtitle file extensions that count as an existing sidecar.
    public static let sidecarExtensions: Set<String> = SidecarName.subtitleExtensions

    /// Codecs of text subtitle streams (bitmap subtitles such as PGS or VobSub do not count as coverage: players
    /// cannot restyle them and many users replace them).
    public static let textSubtitleCodecs: Set<String> = [
        "subrip", "srt", "ass", "ssa", "webvtt", "mov_text", "text", "ttml", "microdvd", "subviewer", "subviewer1",
        "sami", "realtext", "jacosub", "mpl2", "pjs", "vplayer", "stl",
    ]

    /// A sidecar of the video with this stem in `language`, in any spelling this project or the media servers use
    /// (`en`, `eng`, `English`, any case, with or without flags or a label), or nil. Forced sidecars never count:
    /// they cover only the foreign-language parts.
    /// - Parameters:
    ///   - stem: the video's file name without its extension.
    ///   - language: the target language, any ISO 639 form or an English name.
    ///   - directories: where to look (the video's folder and the output folder).
    public static func coveringSidecar(stem: String, language: String, in directories: [URL]) -> String? {
        for directory in Set(directories.map(\.standardizedFileURL)).sorted(by: { $0.path < $1.path }) {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { continue }
            for name in names.sorted() {
                guard let sidecar = SidecarName(parsing: name, stem: stem), !sidecar.isForced,
                      sidecar.isIn(language: language) else { continue }
                return directory.appendingPathComponent(name).path
            }
        }
        return nil
    }

    /// A text subtitle stream in `language` in the container, not forced, or nil.
    public static func coveringStream(in info: MediaInfo, language: String) -> StreamInfo? {
        info.streams.first { stream in
            stream.kind == .subtitle && !stream.dispositions.contains(.forced)
                && textSubtitleCodecs.contains(stream.codec ?? "")
                && stream.language.map { LanguageCodes.matches($0, language) } == true
        }
    }

    /// Whether every file in `outputs` exists and was modified no earlier than `input`.
    static func areUpToDate(_ outputs: [URL], comparedWith input: String) -> Bool {
        guard !outputs.isEmpty, let inputDate = modificationDate(input) else { return false }
        return outputs.allSatisfy { url in modificationDate(url.path).map { notOlder($0, than: inputDate) } ?? false }
    }

    /// The first of `outputs` that exists and is newer than `input`, or nil.
    static func newerOutput(among outputs: [URL], comparedWith input: String) -> URL? {
        guard let inputDate = modificationDate(input) else { return nil }
        return outputs.first { url in modificationDate(url.path).map { notOlder($0, than: inputDate) } ?? false }
    }

    private static func notOlder(_ a: timespec, than b: timespec) -> Bool {
        (a.tv_sec, a.tv_nsec) >= (b.tv_sec, b.tv_nsec)
    }

    static func modificationDate(_ path: String) -> timespec? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mtim
    }
}
