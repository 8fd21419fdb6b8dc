import CFFmpeg

/// Subtitle events waiting to be interleaved.
final class SubtitleQueue {
    let events: [SubtitlePayload.Event]
    let stream: UnsafeMutablePointer<AVStream>
    var next = 0

    init(events: [SubtitlePayload.Event], stream: UnsafeMutablePointer<AVStream>) {
        self.events = events
        self.stream = stream
    }
}

/// The packets of an added audio file's first audio stream, read one ahead.
final class AudioQueue {
    let input: InputFile
    let streamIndex: Int32
    let output: UnsafeMutablePointer<AVStream>
    let timeBase: AVRational
    /// The added file's presentation start in its stream's time base: what lands on the target's start.
    let presentationStart: Int64
    private var pending: UnsafeMutablePointer<AVPacket>?
    private var hasPending = false
    private var finished = false
    private var chosenOffset: Int64?

    /// What to add to the added file's timestamps (in its time base) to put its presentation start on `target`, the
    /// target's presentation start. With `keepsPriming`, a first packet that would fall before `target` (encoder
    /// priming: Opus pre-skip, AAC priming) moves the stream later so it starts there instead, since an earlier
    /// packet would move the whole file's presentation start; the audio then starts late by its priming (6.5 ms for
    /// Opus, 1024 samples for AAC). Call once the first packet is peeked.
    func offset(target: Int64, keepsPriming: Bool) -> Int64 {
        if let chosenOffset { return chosenOffset }
        var offset = target - presentationStart
        if keepsPriming, hasPending, let first = pending?.pointee.pts, FFmpegSupport.isSet(first), first + offset < target {
            offset = target - first
        }
        chosenOffset = offset
        return offset
    }

    /// Opens `path`, picks its first audio stream and sets up `output` as its copy.
    init(
        path: String, output: UnsafeMutablePointer<AVStream>, format: UnsafePointer<AVOutputFormat>,
        container: MuxContainer
    ) throws(MediaError) {
        input = try InputFile(path: path)
        guard let audio = input.info.audioStreams.first else {
            throw MediaError(.noAudioStream, path: path, operation: "add audio track")
        }
        let st = input.stream(audio.index)
        let parameters = st.pointee.codecpar!
        if avformat_query_codec(format, parameters.pointee.codec_id, FF_COMPLIANCE_NORMAL) == 0 {
            throw MediaError(
                .invalidArgument, path: path, operation: "add audio track",
                message: "\(audio.codec ?? "this codec") cannot be stored in \(container.rawValue)")
        }
        streamIndex = Int32(audio.index)
        self.output = output
        timeBase = st.pointee.time_base
        presentationStart = FFmpegSupport.rescale(input.presentationStart, from: cffmpeg_time_base_q(), to: timeBase)
        let rc = avcodec_parameters_copy(output.pointee.codecpar, parameters)
        if rc < 0 { throw MediaError.output(rc, path: path, operation: "add audio track (parameters)") }
        output.pointee.codecpar.pointee.codec_tag = 0
        output.pointee.time_base = timeBase
        pending = av_packet_alloc()
        if pending == nil {
            throw MediaError(.encodeFailed, path: path, operation: "add audio track", message: "out of memory")
        }
    }

    /// The next packet of the audio stream (owned by the queue), or nil at the end.
    func peek() throws(MediaError) -> UnsafeMutablePointer<AVPacket>? {
        if hasPending { return pending }
        guard !finished, let pending else { return nil }
        while true {
            let rc = av_read_frame(input.context, pending)
            if rc == cffmpeg_averror_eof {
                finished = true
                return nil
            }
            if rc < 0 { throw MediaError.input(rc, path: input.path, operation: "read packets") }
            if pending.pointee.stream_index == streamIndex {
                hasPending = true
                return pending
            }
            av_packet_unref(pending)
        }
    }

    /// Marks the peeked packet as written (the muxer took its reference).
    func consumed() {
        if let pending { av_packet_unref(pending) }
        hasPending = false
    }

    func release() {
        av_packet_free(&pending)
    }
}
