import CFFmpeg

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
/// let cues = [TimedText(start: 1_000, end: 3_500, lines: ["Hello."])]
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
            if case .subtitles(let cues) = addition.source {
                let prepared = try payload.events(cues, path: finalPath)
                subtitleEvents.append(prepared.events)
                emptyCues += prepared.emptyCount
            }
            _ = try container.languageTag(addition.language, path: finalPath)
        }

        let input = try InputFile(path: source)
        let plan = try MuxPlan(
            source: input, additions: additions, replacement: replacing, format: format, container: container,
            outputLabel: finalPath)
        let output = try AtomicOutput(finalPath: finalPath)
        do throws(MediaError) {
            let session = MuxSession(
                source: input, container: container, plan: plan, label: finalPath, outputPath: output.temporaryPath,
                failAfterPackets: failAfterPackets)
            let totals = try session.run(additions: additions, subtitleEvents: subtitleEvents)
            if container.isISOBMFF { try setSubtitleTracksEnabled(plan: plan, additions: additions, source: input, path: output.temporaryPath, label: finalPath) }
            let written = try verify(
                output.temporaryPath, plan: plan, additions: additions, source: input,
                firstTimestamps: totals.firstTimestamps, label: finalPath)
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

    /// MP4 family: a subtitle track is enabled exactly when it is `default` (FFmpeg enables the first subtitle
    /// track when none is, and the `tkhd` flags are the only place that says so).
    private static func setSubtitleTracksEnabled(
        plan: MuxPlan, additions: [TrackAddition], source: InputFile, path: String, label: String
    ) throws(MediaError) {
        var enabled: [UInt32: Bool] = [:]
        for (index, fate) in plan.fates.enumerated() {
            guard case .keep(let outputIndex) = fate, source.info.streams[index].kind == .subtitle else { continue }
            let isDefault = source.info.streams[index].isDefault && !plan.clearDefault.contains(.subtitle)
            enabled[UInt32(outputIndex + 1)] = isDefault
        }
        for (number, addition) in additions.enumerated() where addition.kind == .subtitle {
            enabled[UInt32(plan.additionIndices[number] + 1)] = addition.dispositions.contains(.default)
        }
        guard !enabled.isEmpty else { return }
        do throws(MediaError) {
            _ = try ISOBMFFBoxes.setSubtitleTracksEnabled(enabled, path: path)
        } catch {
            throw MediaError(
                error.code, path: label, operation: error.operation, message: error.ffmpegMessage)
        }
    }

    /// Reads the re-opened file until every stream in `expected` has shown its first packet (or 20 000 packets) and
    /// compares that packet's timestamp with the one written.
    private static func checkFirstTimestamps(_ file: InputFile, expected: [Int: Int64], label: String)
        throws(MediaError)
    {
        var pending = expected
        guard !pending.isEmpty, let pkt = av_packet_alloc() else { return }
        defer {
            var owned: UnsafeMutablePointer<AVPacket>? = pkt
            av_packet_free(&owned)
        }
        var budget = 20_000
        while !pending.isEmpty && budget > 0 && av_read_frame(file.context, pkt) >= 0 {
            budget -= 1
            let index = Int(pkt.pointee.stream_index)
            let pts = pkt.pointee.pts
            av_packet_unref(pkt)
            guard let wanted = pending.removeValue(forKey: index), FFmpegSupport.isSet(pts) else { continue }
            if pts != wanted {
                throw MediaError(
                    .encodeFailed, path: label, operation: "check the written file",
                    message: "stream #\(index) starts at \(pts) instead of \(wanted) (time base "
                        + "\(file.stream(index).pointee.time_base.num)/\(file.stream(index).pointee.time_base.den)): "
                        + "the muxer moved its timestamps")
            }
        }
    }

    /// Re-opens the written file and checks that it holds the planned streams, and that every copied stream starts
    /// at the timestamp it was written with (no muxer shifted it).
    private static func verify(
        _ path: String, plan: MuxPlan, additions: [TrackAddition], source: InputFile, firstTimestamps: [Int: Int64],
        label: String
    ) throws(MediaError) -> MediaInfo {
        let reopened: InputFile
        do throws(MediaError) {
            reopened = try InputFile(path: path)
        } catch {
            throw MediaError(
                .encodeFailed, path: label, operation: "check the written file",
                message: error.ffmpegMessage ?? error.code.rawValue)
        }
        // The MP4 muxer adds a chapter text track the demuxer hides again (discard = all); it is not ours to count.
        let visible = reopened.info.streams.filter { reopened.stream($0.index).pointee.discard != AVDISCARD_ALL }
        var expected: [StreamInfo.Kind] = Array(repeating: .unknown, count: plan.outputStreamCount)
        for (index, fate) in plan.fates.enumerated() {
            if case .keep(let outputIndex) = fate { expected[outputIndex] = source.info.streams[index].kind }
        }
        for (number, addition) in additions.enumerated() { expected[plan.additionIndices[number]] = addition.kind }
        let found = visible.map(\.kind)
        guard found == expected else {
            throw MediaError(
                .encodeFailed, path: label, operation: "check the written file",
                message: "expected streams \(expected.map(\.rawValue)), found \(found.map(\.rawValue))")
        }
        try checkFirstTimestamps(reopened, expected: firstTimestamps, label: label)
        return reopened.info
    }
}
