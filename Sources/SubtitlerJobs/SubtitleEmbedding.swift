import Foundation
import MediaAudio
import Subtitler
import Subtitles
import SubtitlerSupport

/// Subtitles muxed into the media file itself (soft subtitles, no re-encode): the track's language, title and
/// dispositions follow the sidecar naming.
public enum SubtitleEmbedding {
    /// The track to add for `cues` in `language`, marked like the sidecar (`.sdh` → hearing impaired, `.forced`,
    /// `.default`).
    public static func track(for cues: [Cue], language: String?, naming: SidecarNaming) -> TrackAddition {
        let entry = languageEntry(language)
        return .subtitles(
            cues.map(TimedText.init),
            language: entry?.iso639_2B ?? "und", title: title(language: entry?.name, naming: naming),
            dispositions: dispositions(naming))
    }

    /// An ASS track (Matroska only) marked like the sidecar: `script` as written when it is a standard v4+ script
    /// (its styles, positions and karaoke kept; ``ASSScript``), else `cues` written by ``ASSWriter`` (word
    /// highlighting kept when the cues carry their words' times).
    public static func styledTrack(script: String? = nil, cues: [Cue], language: String?, naming: SidecarNaming) -> TrackAddition {
        let entry = languageEntry(language)
        let split = script.flatMap(ASSScript.init(text:))
        let writer = ASSWriter()
        let header = split?.header ?? writer.header
        let events = (split?.events ?? writer.events(cues)).map {
            TimedText(start: $0.start, end: $0.end, text: $0.fieldsAfterTimes, webVTTText: "")
        }
        return .styledSubtitles(
            header: header, events: events, language: entry?.iso639_2B ?? "und",
            title: title(language: entry?.name, naming: naming), dispositions: dispositions(naming))
    }

    /// Whether subtitles muxed into `media` can be an ASS track: it is Matroska (`.mkv`; WebM and the MP4 family
    /// take text subtitles only).
    public static func takesStyledTracks(_ media: String) -> Bool {
        MuxContainer(path: media) == .matroska
    }

    /// The language's entry (`jw`, Whisper's old code for Javanese, read as `jv`).
    private static func languageEntry(_ language: String?) -> LanguageCodes.Entry? {
        language.flatMap { LanguageCodes.entry(for: $0 == "jw" ? "jv" : $0) }
    }

    private static func dispositions(_ naming: SidecarNaming) -> Set<Disposition> {
        var dispositions: Set<Disposition> = []
        if naming.isSDH { dispositions.insert(.hearingImpaired) }
        if naming.isForced { dispositions.insert(.forced) }
        if naming.isDefault { dispositions.insert(.default) }
        return dispositions
    }

    /// `English`, `English (SDH)`, `English (forced)`; `Subtitles` when the language is unknown.
    public static func title(language: String?, naming: SidecarNaming) -> String {
        var title = language ?? "Subtitles"
        if naming.isSDH { title += " (SDH)" }
        if naming.isForced { title += " (forced)" }
        return title
    }

    /// Writes a copy of `input` with `tracks` added (earlier tracks this tool wrote with the same language and flags
    /// are replaced) into a temporary file next to it, with the input's permissions; returns that file.
    ///
    /// With a `confinement` the input's folder is opened and checked first, and the muxer reads the input and writes
    /// the copy through that open folder: a folder replaced by a link out of the roots while the mux runs receives
    /// nothing.
    /// - Throws: ``MediaError`` naming the file and the cause, ``OutputError`` when the folder is outside the
    ///   confinement; nothing is left behind.
    static func muxedCopy(
        of input: String, adding tracks: [TrackAddition], confinement: OutputConfinement? = nil
    ) throws -> URL {
        let target = URL(fileURLWithPath: input)
        let temporary = TemporaryFile.url(for: target, extraExtension: target.pathExtension)
        guard let confinement else {
            _ = try MediaMuxer.mux(input, adding: tracks, to: .file(temporary.path), replacing: .matchingAdditions)
            copyOwnership(of: input, to: temporary.path)
            return temporary
        }
        let folder = try AnchoredFolder(of: target, within: confinement)
        let source = folder.path(of: target.lastPathComponent)
        let copy = folder.path(of: temporary.lastPathComponent)
        do {
            _ = try MediaMuxer.mux(source, adding: tracks, to: .file(copy), replacing: .matchingAdditions)
        } catch var error {
            error.path = folder.readable(error.path)
            throw error
        }
        copyOwnership(of: source, to: copy)
        return URL(fileURLWithPath: folder.realPath(of: temporary.lastPathComponent))
    }

    /// Gives `copy` the permission bits (and, as root, the owner) of `original`.
    private static func copyOwnership(of original: String, to copy: String) {
        var info = stat()
        if stat(original, &info) == 0 {
            chmod(copy, info.st_mode & 0o7777)
            if geteuid() == 0 { _ = chown(copy, info.st_uid, info.st_gid) }
        }
    }
}
