/// The containers `MediaMuxer` writes, chosen by file extension, and what each can carry.
public enum MuxContainer: String, Sendable, CaseIterable, Codable {
    /// Matroska (`.mkv`, `.mka`, `.mk3d`): SubRip subtitles; keeps `default`, `forced`, `hearing_impaired`,
    /// `visual_impaired`, `comment`, `original`, `dub` and `descriptions` (FFmpeg 5.1, checked by round trip).
    case matroska
    /// WebM (`.webm`): WebVTT subtitles; keeps only `default` and `forced` (hearing-impaired subtitles are written as
    /// WebVTT `captions`, which it keeps).
    case webm
    /// MP4 (`.mp4`): `mov_text` subtitles; `default` is the track-enabled flag, and `forced`, `hearing_impaired`
    /// (read back with `captions`), `visual_impaired` (with `descriptions`), `comment` and `dub` go into ISO-BMFF
    /// `kind` boxes; `original` is lost.
    case mp4
    /// iTunes-style MP4 (`.m4v`), written by FFmpeg's `ipod` muxer: `mov_text` subtitles; keeps only `default`.
    case m4v
    /// QuickTime (`.mov`): `mov_text` subtitles; keeps only `default` (the track-enabled flag).
    case mov

    /// The container for a path's extension (case-insensitive), or nil for anything else.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "mkv", "mka", "mk3d": self = .matroska
        case "webm": self = .webm
        case "mp4": self = .mp4
        case "m4v": self = .m4v
        case "mov": self = .mov
        default: return nil
        }
    }

    /// The container for `path`, or a `MediaError` (`.invalidArgument`) naming the file and the containers that work.
    public static func required(for path: String) throws(MediaError) -> MuxContainer {
        guard let container = MuxContainer(path: path) else {
            throw MediaError(
                .invalidArgument, path: path, operation: "mux",
                message: "cannot add tracks to this kind of file; use MKV, WebM, MP4, M4V or MOV (by extension)")
        }
        return container
    }

    /// FFmpeg's muxer name.
    var muxerName: String {
        switch self {
        case .matroska: "matroska"
        case .webm: "webm"
        case .mp4: "mp4"
        case .m4v: "ipod"
        case .mov: "mov"
        }
    }

    /// Whether the container is ISO-BMFF / QuickTime (track-enabled flags, handler names).
    var isISOBMFF: Bool { self == .mp4 || self == .m4v || self == .mov }

    /// FFmpeg's name of the text subtitle codec new subtitle streams get: `subrip`, `webvtt` or `mov_text`.
    public var subtitleCodecName: String {
        switch self {
        case .matroska: "subrip"
        case .webm: "webvtt"
        case .mp4, .m4v, .mov: "mov_text"
        }
    }

    /// The encoding for an added audio track (a dub): Opus for Matroska and WebM, AAC (`.m4a`) for the MP4 family.
    public var dubEncoding: AudioEncoding {
        switch self {
        case .matroska, .webm: .opus
        case .mp4, .m4v, .mov: .m4a
        }
    }

    /// The language tag to store: ISO 639-2/T in MP4 and M4V, 639-2/B in Matroska, WebM and MOV (FFmpeg stores MOV
    /// languages as Macintosh language codes, found by their B code); `und` for nil.
    /// Unknown three-letter codes are kept (lowercased); anything else is an error.
    func languageTag(_ language: String?, path: String) throws(MediaError) -> String {
        guard let language, !language.trimmingSpaces.isEmpty else { return "und" }
        if let entry = LanguageCodes.entry(for: language) {
            return self == .mp4 || self == .m4v ? entry.iso639_2T : entry.iso639_2B
        }
        let code = language.trimmingSpaces.lowercased()
        guard code.count == 3, code.allSatisfy({ $0 >= "a" && $0 <= "z" }) else {
            throw MediaError(
                .invalidArgument, path: path, operation: "mux",
                message: "'\(language)' is not an ISO 639 language code")
        }
        return code
    }
}

/// How subtitler marks the streams it writes, so a later run can find and replace them.
///
/// - Matroska and WebM: a `SUBTITLER=1` stream tag (stored as a Matroska SimpleTag).
/// - MP4, M4V, MOV: FFmpeg 5.1 keeps no custom stream tag there, so the handler name carries the marker:
///   `<title> (subtitler)`. FFmpeg-based players (mpv, Jellyfin, MPC-HC) show the handler name as the track title
///   when the demuxer exposes no `title`; the title itself also goes into the track's `udta/name` box.
enum SubtitlerMarker {
    static let tagKey = "SUBTITLER"
    static let tagValue = "1"
    static let handlerSuffix = " (subtitler)"
    static let bareHandler = "subtitler"

    /// Whether stream metadata carries the marker in either form.
    static func isMarked(tag: String?, handlerName: String?) -> Bool {
        if let tag, !tag.isEmpty { return true }
        guard let handler = handlerName?.lowercased() else { return false }
        return handler == bareHandler || handler.hasSuffix(handlerSuffix)
    }

    /// The handler name for a marked stream with `title`.
    static func handlerName(title: String?) -> String {
        guard let title, !title.isEmpty else { return bareHandler }
        return title + handlerSuffix
    }

    /// The title carried by a handler name, without the marker; nil for FFmpeg's and other tools' generic names
    /// (`SoundHandler`, `GPAC ISO Video Handler`, `Core Media Audio`, ...).
    static func title(fromHandlerName handler: String?) -> String? {
        guard var name = handler?.trimmingSpaces, !name.isEmpty else { return nil }
        let lower = name.lowercased()
        if lower == bareHandler { return nil }
        if lower.hasSuffix(handlerSuffix) {
            name = String(name.dropLast(handlerSuffix.count))
            return name.isEmpty ? nil : name
        }
        if lower.hasSuffix("handler") || lower.hasPrefix("core media") || lower.contains("iso media") {
            return nil
        }
        return name
    }
}
