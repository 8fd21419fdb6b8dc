import CFFmpeg

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adds subtitle and audio tracks to a media file without re-encoding anything (soft-muxing, libavformat only).
///
/// Every source stream is stream-copied with its timestamps unchanged: video, audio, subtitles, attachments (MKV
/// fonts), plus chapters, global and per-stream metadata and dispositions. New subtitle streams are SubRip in
/// Matroska, WebVTT in WebM and `mov_text` in MP4/M4V/MOV; new audio streams are copied from an encoded file. Each
/// new stream carries its language, title, dispositions and subtitler's marker; marked streams from an earlier run
/// are replaced (see `MarkedTrackReplacement`). In the MP4 family no subtitle track is left enabled unless it is
/// `default` (FFmpeg's muxer would enable the first one).
///
/// The output is written to a temporary file beside the destination, re-opened and checked, then renamed into
/// place; on any failure the destination (and, for `.replacingSource`, the source) is untouched and no temporary
/// file remains. Memory stays bounded: packets are read in file order and interleaved by time as they go.
/// Synchronous and blocking; run it off Swift's cooperative pool.
///
/// ```swift
/// let cues = [TimedText(start: 1_000, end: 3_500, text: "Fish & chips", webVTTText: "Fish &amp; chips")]
/// let result = try MediaMuxer.mux(
///     "film.mkv",
///     adding: [.subtitles(cues, language: "eng", title: "English"),
///              .audio(file: "/tmp/dub.ogg", language: "eng", title: "English (dub)")],
///     to: .replacingSource)
/// print(result.addedStreams, result.media.streams.count)
/// ```
public enum MediaMuxer {
    /// Muxes `additions` into `source` and writes the result to `destination`.
    ///
    /// - Parameters:
    ///   - source: The media file to add tracks to.
    ///   - additions: The new streams, in the order they are appended after the kept source streams.
    ///   - destination: A new file (its extension chooses the container) or the source itself.
    ///   - replacing: Which streams written by an earlier run are removed.
    /// - Throws: `MediaError` naming the file and the cause: the source cannot be read (`.fileNotFound`,
    ///   `.notMediaFile`, ...), the container cannot carry a stream (`.invalidArgument`), an added audio file has no
    ///   audio (`.noAudioStream`), or writing failed (`.permissionDenied`, `.ioFailed`, `.encodeFailed`).
    public static func mux(
        _ source: String, adding additions: [TrackAddition], to destination: MuxDestination,
        replacing: MarkedTrackReplacement = .matchingAdditions
    ) throws(MediaError) -> MuxResult {
        try mux(source, adding: additions, to: destination, replacing: replacing, failAfterPackets: nil)
    }

    /// `mux` with a fault injected after `failAfterPackets` written packets (tests).
    static func mux(
        _ source: String, adding additions: [TrackAddition], to destination: MuxDestination,
        replacing: MarkedTrackReplacement, failAfterPackets: Int64?
    ) throws(MediaError) -> MuxResult {
        MediaLogging.ensureConfigured()
        let finalPath: String
        switch destination {
        case .file(let path): finalPath = path
        case .replacingSource: finalPath = source
        }
        let container = try MuxContainer.required(for: finalPath)
        guard let format = av_guess_format(container.muxerName, nil, nil) else {
            throw MediaError(
                .encoderNotFound, path: finalPath, operation: "mux",
                message: "this FFmpeg build has no '\(container.muxerName)' muxer")
        }
        let payload = SubtitlePayload(container: container)
        var subtitleEvents: [[SubtitlePayload.Event]] = []
        var emptyCues = 0
        for addition in additions {
            switch addition.source {
            case .subtitles(let cues):
                let prepared = try payload.events(cues, path: finalPath)
                subtitleEvents.append(prepared.events)
                emptyCues += prepared.emptyCount
            case .styledSubtitles(_, let events):
                guard container == .matroska else {
                    throw MediaError(
                        .invalidArgument, path: finalPath, operation: "mux subtitles",
                        message: "an ASS track goes only into Matroska (.mkv); \(container.rawValue) takes text subtitles")
                }
                subtitleEvents.append(try SubtitlePayload.assEvents(events, path: finalPath))
            case .audioFile:
                break
            }
            _ = try container.languageTag(addition.language, path: finalPath)
        }

        let input = try InputFile(path: source)
        let plan = try MuxPlan(
            source: input, additions: additions, replacement: replacing, format: format, container: container,
            outputLabel: finalPath)
        // In place, a symbolic link is followed: the file it points to is replaced, and the link stays.
        let output = try AtomicOutput(finalPath: destination == .replacingSource ? resolvedPath(source) : finalPath)
        do throws(MediaError) {
            let session = MuxSession(
                source: input, container: container, plan: plan, label: finalPath, outputPath: output.temporaryPath,
                failAfterPackets: failAfterPackets)
            let totals = try session.run(additions: additions, subtitleEvents: subtitleEvents)
            if container.isISOBMFF {
                try MuxFinishing.setSubtitleTracksEnabled(
                    plan: plan, additions: additions, source: input, path: output.temporaryPath, label: finalPath)
            }
            let written = try MuxFinishing.verify(
                output.temporaryPath, plan: plan, additions: additions, source: input,
                firstTimestamps: totals.firstTimestamps, exact: plan.keepsTimestampsExactly, label: finalPath)
            try output.commit()
            var media = written
            media.path = finalPath
            return MuxResult(
                path: finalPath, media: media, addedStreams: plan.additionIndices, replacedStreams: plan.replaced(in: input),
                skippedStreams: plan.skipped(in: input), emptyCueCount: emptyCues,
                copiedPacketCount: totals.copiedPackets, addedPacketCount: totals.addedPackets)
        } catch {
            output.discard()
            throw error
        }
    }

    /// `path` with symbolic links resolved (`realpath`), or `path` itself when it cannot be resolved.
    static func resolvedPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
