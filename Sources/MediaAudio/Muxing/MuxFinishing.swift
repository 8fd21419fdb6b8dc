import CFFmpeg

/// The steps after the muxer closed the file: MP4 track flags, then the check that the file is what was planned.
enum MuxFinishing {
    /// MP4 family: a subtitle track is enabled exactly when it is `default` (FFmpeg enables the first subtitle
    /// track when none is, and the `tkhd` flags are the only place that says so).
    static func setSubtitleTracksEnabled(
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

    /// Reads the re-opened file until every stream in `written` has shown its first packet (or 20 000 packets) and
    /// compares that packet's timestamp with the one written: equal when `exact`, else moved by the same amount in
    /// every stream (a change of container may shift everything to avoid negative timestamps).
    static func checkFirstTimestamps(
        _ file: InputFile, written: [Int: MuxSession.Stamp], exact: Bool, label: String
    ) throws(MediaError) {
        var pending = written
        guard !pending.isEmpty, let pkt = av_packet_alloc() else { return }
        defer {
            var owned: UnsafeMutablePointer<AVPacket>? = pkt
            av_packet_free(&owned)
        }
        let micro = cffmpeg_time_base_q()
        var shift: Int64? = nil
        var budget = 20_000
        while !pending.isEmpty && budget > 0 && av_read_frame(file.context, pkt) >= 0 {
            budget -= 1
            let index = Int(pkt.pointee.stream_index)
            let pts = pkt.pointee.pts
            av_packet_unref(pkt)
            guard let stamp = pending.removeValue(forKey: index), FFmpegSupport.isSet(pts) else { continue }
            let timeBase = file.stream(index).pointee.time_base
            let wanted = FFmpegSupport.rescale(stamp.pts, from: stamp.timeBase, to: timeBase)
            let moved = FFmpegSupport.rescale(pts, from: timeBase, to: micro)
                - FFmpegSupport.rescale(wanted, from: timeBase, to: micro)
            let first = shift ?? moved
            shift = first
            let tolerance: Int64 = exact ? 0 : FFmpegSupport.rescale(1, from: timeBase, to: micro) + 1000
            if exact ? pts != wanted : abs(moved - first) > tolerance {
                throw MediaError(
                    .encodeFailed, path: label, operation: "check the written file",
                    message: "stream #\(index) starts at \(pts) instead of \(wanted) (time base "
                        + "\(timeBase.num)/\(timeBase.den)): the muxer moved its timestamps")
            }
        }
    }

    /// Re-opens the written file and checks that it holds the planned streams, and that every copied stream starts
    /// at the timestamp it was written with (no muxer shifted it).
    static func verify(
        _ path: String, plan: MuxPlan, additions: [TrackAddition], source: InputFile,
        firstTimestamps: [Int: MuxSession.Stamp], exact: Bool, label: String
    ) throws(MediaError) -> MediaInfo {
        let reopened: InputFile
        do throws(MediaError) {
            reopened = try InputFile(path: path)
        } catch {
            throw MediaError(
                .encodeFailed, path: label, operation: "check the written file",
                message: error.ffmpegMessage ?? error.code.rawValue)
        }
        var expected: [StreamInfo.Kind] = Array(repeating: .unknown, count: plan.outputStreamCount)
        for (index, fate) in plan.fates.enumerated() {
            if case .keep(let outputIndex) = fate { expected[outputIndex] = source.info.streams[index].kind }
        }
        for (number, addition) in additions.enumerated() { expected[plan.additionIndices[number]] = addition.kind }
        // After the planned streams the MP4/MOV muxer may add tracks of its own (chapter text, timecode): data only.
        let found = reopened.info.streams.map(\.kind)
        guard found.count >= expected.count, Array(found.prefix(expected.count)) == expected,
            found.dropFirst(expected.count).allSatisfy({ $0 == .data })
        else {
            throw MediaError(
                .encodeFailed, path: label, operation: "check the written file",
                message: "expected streams \(expected.map(\.rawValue)), found \(found.map(\.rawValue))")
        }
        try checkFirstTimestamps(reopened, written: firstTimestamps, exact: exact, label: label)
        return reopened.info
    }
}
