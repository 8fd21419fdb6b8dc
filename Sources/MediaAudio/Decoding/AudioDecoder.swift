import CFFmpeg

/// The FFmpeg side of ``AudioReader``: demuxer and decoder, driving a ``Resampler`` and a ``TimelineAligner``
/// (where each frame goes), and collecting what went wrong for the warnings.
final class AudioDecoder {
    private let input: InputFile
    private let path: String
    private let streamIndex: Int32
    private let timeBase: AVRational
    private let outputRate: Int32
    private let outputTimeBase: AVRational
    private let presentationStartOut: Int64
    let expectedEnd: Int64?

    private var codecContext: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private let resampler: Resampler
    private var aligner: TimelineAligner

    // Output, in samples from the presentation start.
    private var produced: Int64 = 0  // samples appended to `pending` so far
    private var audioProduced: Int64 = 0  // of those, samples that came from decoded audio (not inserted silence)
    private(set) var delivered: Int64 = 0  // samples handed out in blocks
    private var pending: [Int16] = []
    private var pendingSilence: Int64 = 0
    var startOffset: Int64 { aligner.startOffset }

    // Decode state.
    private var haveFrame = false
    private var frameAligned = false
    private var frameDropIn: Int64 = 0
    private var inputEnded = false
    private var decoderDrained = false
    private var finished = false
    private var consecutiveReadErrors = 0
    private var readStopMessage: String?
    private var lastDecodeError: Int32?
    private var invalidFrameMessage: String?

    // Reporting.
    /// Packets of other streams the demuxer still handed over (the discard flag keeps this at 0 for most formats).
    private(set) var otherStreamPackets = 0
    private(set) var damagedPacketCount = 0
    private(set) var warnings: [String] = []

    init(input: InputFile, streamIndex: Int, outputRate: Int) throws(MediaError) {
        self.input = input
        self.path = input.path
        self.streamIndex = Int32(streamIndex)
        let st = input.stream(streamIndex)
        self.timeBase = st.pointee.time_base
        self.outputRate = Int32(outputRate)
        self.outputTimeBase = AVRational(num: 1, den: Int32(outputRate))
        self.presentationStartOut = FFmpegSupport.rescale(
            input.presentationStart, from: cffmpeg_time_base_q(), to: AVRational(num: 1, den: Int32(outputRate)))
        let formatFlags = input.context.pointee.iformat?.pointee.flags ?? 0
        self.aligner = TimelineAligner(
            outputRate: outputRate, discontinuousTimestamps: formatFlags & AVFMT_TS_DISCONT != 0,
            silenceAllowanceMilliseconds: MediaLimits.silenceAllowance)
        self.resampler = Resampler(path: input.path, outputRate: Int32(outputRate))
        self.expectedEnd = AudioDecoder.expectedEnd(
            input: input, stream: st, streamIndex: streamIndex, outputRate: Int32(outputRate))

        for i in 0..<Int(input.context.pointee.nb_streams) where i != streamIndex {
            input.stream(i).pointee.discard = AVDISCARD_ALL
        }

        let par = st.pointee.codecpar!
        guard let codec = avcodec_find_decoder(par.pointee.codec_id) else {
            let name = FFmpegSupport.string(avcodec_get_name(par.pointee.codec_id)) ?? "unknown"
            throw MediaError(
                .decoderNotFound, path: path, operation: "open decoder",
                message: "FFmpeg has no decoder for codec '\(name)' (stream #\(streamIndex))")
        }
        guard let ctx = avcodec_alloc_context3(codec) else {
            throw MediaError(.decodeFailed, path: path, operation: "open decoder", message: "out of memory")
        }
        codecContext = ctx
        var rc = avcodec_parameters_to_context(ctx, par)
        if rc < 0 { throw MediaError(.decodeFailed, path: path, operation: "open decoder", ffmpegCode: rc) }
        ctx.pointee.pkt_timebase = st.pointee.time_base  // lets the decoder apply skip_samples (AAC priming)
        rc = avcodec_open2(ctx, codec, nil)
        if rc < 0 {
            throw MediaError(
                rc == cffmpeg_averror_decoder_not_found ? .decoderNotFound : .decodeFailed, path: path,
                operation: "open decoder", ffmpegCode: rc)
        }
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        if packet == nil || frame == nil {
            throw MediaError(.decodeFailed, path: path, operation: "open decoder", message: "out of memory")
        }
    }

    deinit {
        av_packet_free(&packet)
        av_frame_free(&frame)
        avcodec_free_context(&codecContext)
    }

    /// Where the chosen stream should end on the timeline, in output samples; nil when unknown or beyond
    /// ``MediaLimits/maxTimeline`` (a declared length is only an estimate: it never sizes anything).
    private static func expectedEnd(
        input: InputFile, stream st: UnsafeMutablePointer<AVStream>, streamIndex: Int, outputRate: Int32
    ) -> Int64? {
        let out = AVRational(num: 1, den: outputRate)
        let limit = FFmpegSupport.rescale(MediaLimits.maxTimeline, from: InputFile.milliseconds, to: out)
        func bounded(_ value: Int64) -> Int64? { value > 0 && value <= limit ? value : nil }
        let presentation = FFmpegSupport.rescale(input.presentationStart, from: cffmpeg_time_base_q(), to: out)
        let tb = st.pointee.time_base
        if FFmpegSupport.isSet(st.pointee.duration), st.pointee.duration > 0, tb.num > 0, tb.den > 0 {
            let start = FFmpegSupport.isSet(st.pointee.start_time) ? st.pointee.start_time : 0
            let end = FFmpegSupport.rescale(start.saturatingAdd(st.pointee.duration), from: tb, to: out)
            return end == .min ? nil : bounded(end.saturatingSubtract(presentation))
        }
        let info = input.info.streams[streamIndex]
        if let duration = info.duration {
            let startMs = info.startTime ?? input.info.startTime
            let end = FFmpegSupport.rescale(startMs.saturatingAdd(duration), from: InputFile.milliseconds, to: out)
            return end == .min ? nil : bounded(end.saturatingSubtract(presentation))
        }
        let ctx = input.context.pointee
        if FFmpegSupport.isSet(ctx.duration), ctx.duration > 0 {
            return bounded(FFmpegSupport.rescale(ctx.duration, from: cffmpeg_time_base_q(), to: out))
        }
        return nil
    }

    // MARK: Driving

    /// Decodes until the first frame is placed on the timeline (or the stream ends); fails if nothing decodes.
    func prime() throws(MediaError) {
        while !aligner.started && !finished { try step() }
        if !aligner.started {
            var message = "no audio could be decoded"
            if damagedPacketCount > 0 { message += " (\(damagedPacketCount) damaged packets)" }
            if let invalidFrameMessage { message += ": " + invalidFrameMessage }
            else if let lastDecodeError { message += ": " + FFmpegSupport.errorString(lastDecodeError) }
            else if let readStopMessage { message += ": " + readStopMessage }
            throw MediaError(.decodeFailed, path: path, operation: "decode", message: message)
        }
    }

    func nextBlock(size: Int) throws(MediaError) -> PCMBlock? {
        while pending.count < size && !finished {
            if pendingSilence > 0 {
                let n = Int(min(pendingSilence, Int64(size - pending.count)))
                pending.append(contentsOf: repeatElement(0, count: n))
                pendingSilence -= Int64(n)
                produced += Int64(n)
                continue
            }
            try step()
        }
        guard !pending.isEmpty else { return nil }
        let n = min(size, pending.count)
        let block = PCMBlock(startSample: delivered, samples: Array(pending[0..<n]))
        pending.removeFirst(n)
        delivered += Int64(n)
        return block
    }

    /// One unit of work: place or feed the held frame, receive a frame, or read and send a packet.
    private func step() throws(MediaError) {
        if haveFrame {
            if !frameAligned {
                try align()
                frameAligned = true
                if pendingSilence > 0 { return }
            }
            try feed()
            av_frame_unref(frame)
            haveFrame = false
            return
        }
        if decoderDrained {
            try flushResampler()
            finish()
            return
        }
        let rc = avcodec_receive_frame(codecContext, frame)
        if rc >= 0 {
            if let problem = frameProblem() {
                // A frame whose format no real audio has (a header claiming 1 Hz, 0 or 1000 channels) would size
                // buffers and the timeline by nonsense: skip it like a damaged packet.
                damagedPacketCount += 1
                invalidFrameMessage = problem
                av_frame_unref(frame)
                return
            }
            haveFrame = true
            frameAligned = false
            return
        }
        if rc == cffmpeg_averror_eof {
            decoderDrained = true
            return
        }
        if rc != cffmpeg_averror_eagain {
            damagedPacketCount += 1
            lastDecodeError = rc
            if inputEnded { decoderDrained = true }
            return
        }
        if inputEnded {
            decoderDrained = true
            return
        }
        readPacket()
    }

    /// Why the received frame cannot be used, or nil.
    private func frameProblem() -> String? {
        let f = frame!.pointee
        if !MediaLimits.inputSampleRates.contains(f.sample_rate) {
            return "sample rate \(f.sample_rate) Hz is out of range "
                + "\(MediaLimits.inputSampleRates.lowerBound)...\(MediaLimits.inputSampleRates.upperBound)"
        }
        let channels = f.ch_layout.nb_channels
        if channels > MediaLimits.maxChannels || channels < 0 {
            return "\(channels) channels is out of range 1...\(MediaLimits.maxChannels)"
        }
        if f.nb_samples < 0 { return "negative sample count" }
        return nil
    }

    private func readPacket() {
        let rc = av_read_frame(input.context, packet)
        if rc < 0 {
            let atEnd = rc == cffmpeg_averror_eof || (input.context.pointee.pb.map { avio_feof($0) != 0 } ?? false)
            consecutiveReadErrors += 1
            if atEnd || consecutiveReadErrors > 64 {
                if rc != cffmpeg_averror_eof { readStopMessage = FFmpegSupport.errorString(rc) }
                avcodec_send_packet(codecContext, nil)
                inputEnded = true
            }
            return
        }
        consecutiveReadErrors = 0
        defer { av_packet_unref(packet) }
        guard packet!.pointee.stream_index == streamIndex else {
            otherStreamPackets += 1
            return
        }
        var counted = false
        if packet!.pointee.flags & AV_PKT_FLAG_CORRUPT != 0 {
            damagedPacketCount += 1
            counted = true
        }
        let sent = avcodec_send_packet(codecContext, packet)
        if sent < 0 && sent != cffmpeg_averror_eagain {
            if !counted { damagedPacketCount += 1 }
            lastDecodeError = sent
        }
    }

    // MARK: Timeline

    /// Decides where the held frame goes (the aligner's call) and reconfigures the resampler when the frame's
    /// format changed.
    private func align() throws(MediaError) {
        let f = frame!.pointee
        if resampler.needsConfiguration(for: frame!) {
            if resampler.isConfigured {
                // The format changed mid-stream: finish the old segment and start a new one where it ended.
                try flushResampler()
                aligner.restartSegment(at: produced)
            }
            try configureResampler()
        }
        let ts = f.best_effort_timestamp
        let rescaled = FFmpegSupport.isSet(ts) ? FFmpegSupport.rescale(ts, from: timeBase, to: outputTimeBase) : .min
        let timestamp = rescaled == .min ? nil : rescaled.saturatingSubtract(presentationStartOut)
        let placement = try aligner.place(
            timestamp: timestamp, frameSamples: Int64(f.nb_samples), inputRate: Int64(f.sample_rate),
            produced: produced, audioProduced: audioProduced
        ) { () throws(MediaError) -> Int64 in
            try flushResampler()
            try configureResampler()
            return produced
        }
        pendingSilence = placement.silence
        frameDropIn = placement.dropIn
    }

    private func configureResampler() throws(MediaError) {
        try resampler.configure(for: frame!, fallbackChannels: codecContext!.pointee.ch_layout.nb_channels)
    }

    /// Resamples the held frame (minus `frameDropIn` leading samples) into `pending`.
    private func feed() throws(MediaError) {
        let before = pending.count
        let fed = try resampler.convert(frame!, dropping: frameDropIn, into: &pending)
        let got = Int64(pending.count - before)
        produced += got
        audioProduced += got
        aligner.fed(fed)
    }

    private func flushResampler() throws(MediaError) {
        let got = try resampler.flush(into: &pending)
        produced += got
        audioProduced += got
    }

    // MARK: End

    private func finish() {
        finished = true
        let seconds = aligner.seconds
        if damagedPacketCount > 0 {
            var line = "skipped \(damagedPacketCount) damaged packet(s)"
            if let lastDecodeError { line += " (\(FFmpegSupport.errorString(lastDecodeError)))" }
            warnings.append(line + "; the timeline is kept with silence")
        }
        warnings += aligner.warnings
        if let readStopMessage {
            warnings.append("reading stopped early: \(readStopMessage)")
        }
        if let expectedEnd {
            let shortBy = expectedEnd - produced
            if shortBy > max(Int64(outputRate), expectedEnd / 10) {
                warnings.append(
                    "audio ends at \(seconds(produced)) but the file says \(seconds(expectedEnd)): "
                        + "the file may be truncated")
            }
        }
    }
}

