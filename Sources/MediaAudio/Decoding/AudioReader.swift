import CFFmpeg

/// A run of mono 16-bit samples at a known place on the media timeline.
public struct PCMBlock: Sendable, Hashable {
    /// Position of `samples[0]` on the media timeline, in samples at the reader's output rate; sample 0 is the
    /// media's presentation start (what a player shows as 00:00:00).
    public var startSample: Int64
    /// Mono samples.
    public var samples: [Int16]

    /// Creates a block.
    public init(startSample: Int64, samples: [Int16]) {
        self.startSample = startSample
        self.samples = samples
    }

    /// One past the last sample's position.
    public var endSample: Int64 { startSample + Int64(samples.count) }
}

/// Decodes one audio track of a media file to mono 16-bit PCM at a chosen rate, in fixed-size blocks laid out on
/// the media timeline.
///
/// - Sample 0 is the presentation start. If the track starts later, the reader first delivers silence
///   (`startOffsetSamples`); gaps in the track's timestamps become silence; overlaps are trimmed. Blocks are
///   contiguous: each starts where the previous one ended; every block but the last has `blockSize` samples.
/// - Memory stays bounded whatever the file's length: one packet, one frame and one block at a time.
/// - Other streams are discarded by the demuxer (`AVDISCARD_ALL`) and never decoded.
/// - Damaged packets are skipped and counted (`damagedPacketCount`, `warnings`); the reader fails only when
///   nothing at all decodes.
///
/// Not `Sendable`: confine an instance to one task.
public final class AudioReader {
    /// The probed file.
    public let info: MediaInfo
    /// The chosen audio stream.
    public let stream: StreamInfo
    /// Output sample rate in Hz.
    public let sampleRate: Int
    /// Samples per block.
    public let blockSize: Int
    /// Where the chosen stream's first sample lands relative to the presentation start, in output samples (the
    /// amount of leading silence the reader inserts); 0 when the stream starts with, or before, the presentation.
    public let startOffsetSamples: Int64
    /// The total number of samples the reader should deliver, from the stream's (else the container's) end time,
    /// if known. The actual count matches it within about one codec frame where the container records durations
    /// exactly (MP4, Matroska, WAV, FLAC); MPEG-TS and some MP3 durations are FFmpeg's estimates.
    public private(set) var expectedSampleCount: Int64?

    private let decoder: AudioDecoder

    /// Number of packets the decoder rejected (or the demuxer flagged corrupt) and that were skipped.
    public var damagedPacketCount: Int { decoder.damagedPacketCount }
    /// Human-readable warnings: damaged packets, gaps filled, a short (truncated) stream. Complete after `nextBlock()`
    /// has returned nil.
    public var warnings: [String] { decoder.warnings }
    /// Samples delivered so far; also the `startSample` of the next block.
    public var position: Int64 { decoder.delivered }
    /// Packets of other streams the demuxer handed over and that were dropped unread.
    var otherStreamPacketCount: Int { decoder.otherStreamPackets }

    /// Opens `path`, selects a track and primes the decoder (the first audio frame is decoded here, so
    /// `startOffsetSamples` is exact).
    ///
    /// - Parameters:
    ///   - sampleRate: Output rate in Hz (default 16 kHz).
    ///   - blockSize: Samples per block (default one second at 16 kHz).
    /// - Throws: `MediaError`: `.fileNotFound`, `.permissionDenied`, `.notMediaFile`, `.noAudioStream`,
    ///   `.trackNotFound`, `.decoderNotFound`, `.decodeFailed` (nothing decodes), `.invalidArgument`.
    public convenience init(
        path: String, track: TrackSelection = .automatic, sampleRate: Int = 16_000, blockSize: Int = 16_000
    ) throws(MediaError) {
        try self.init(source: .file(path), track: track, sampleRate: sampleRate, blockSize: blockSize)
    }

    /// Opens a source (a file, or bytes in memory, optionally headerless PCM), selects a track and primes the
    /// decoder; see ``init(path:track:sampleRate:blockSize:)``.
    public init(
        source: MediaSource, track: TrackSelection = .automatic, sampleRate: Int = 16_000, blockSize: Int = 16_000
    ) throws(MediaError) {
        let path = source.name
        guard (1000...384_000).contains(sampleRate) else {
            throw MediaError(
                .invalidArgument, path: path, operation: "open audio reader",
                message: "sample rate \(sampleRate) Hz is out of range 1000...384000")
        }
        guard blockSize > 0 else {
            throw MediaError(
                .invalidArgument, path: path, operation: "open audio reader", message: "block size must be positive")
        }
        let input = try InputFile(source: source)
        let chosen = try track.resolve(in: input.info)
        let decoder = try AudioDecoder(input: input, streamIndex: chosen.index, outputRate: sampleRate)
        try decoder.prime()
        self.info = input.info
        self.stream = chosen
        self.sampleRate = sampleRate
        self.blockSize = blockSize
        self.decoder = decoder
        self.startOffsetSamples = decoder.startOffset
        self.expectedSampleCount = decoder.expectedEnd
    }

    /// The next block, or nil at the end of the stream. Blocks are contiguous; the last one may be shorter.
    ///
    /// - Throws: `MediaError` only for failures that make going on pointless (a resampler failure); damaged data
    ///   is skipped and reported through `warnings`.
    public func nextBlock() throws(MediaError) -> PCMBlock? {
        try decoder.nextBlock(size: blockSize)
    }

    /// Reads every remaining block into one array. Convenience for short files and tests: memory grows with the
    /// file's length.
    public func readAll() throws(MediaError) -> [Int16] {
        var all: [Int16] = []
        while let block = try nextBlock() { all.append(contentsOf: block.samples) }
        return all
    }
}

/// The FFmpeg side of `AudioReader`: demuxer, decoder, resampler and timeline bookkeeping.
final class AudioDecoder {
    private let input: InputFile
    private let path: String
    private let streamIndex: Int32
    private let timeBase: AVRational
    private let outputRate: Int32
    private let outputTimeBase: AVRational
    private let presentationStartOut: Int64
    private let discontinuousTimestamps: Bool
    private let tolerance: Int64
    let expectedEnd: Int64?

    private var codecContext: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var resampler: OpaquePointer?
    private var resamplerLayout = AVChannelLayout()
    /// The frame layout the resampler was configured for, as the decoder reported it (possibly unspecified):
    /// what later frames are compared with to detect a real format change.
    private var sourceLayout = AVChannelLayout()
    private var resamplerFormat: Int32 = -1
    private var resamplerRate: Int32 = 0
    private var outBuffer: UnsafeMutablePointer<Int16>?
    private var outCapacity = 0

    // Timeline, in output samples from the presentation start.
    private var produced: Int64 = 0  // samples appended to `pending` so far
    private var audioProduced: Int64 = 0  // of those, samples that came from decoded audio (not inserted silence)
    private var insertedSilence: Int64 = 0  // silence committed for leading offsets and gaps
    /// Subtracted from every timestamp: how far the timestamps ran ahead where the audio was kept contiguous
    /// (discontinuities and jumps the silence budget did not cover).
    private var timestampOffset: Int64 = 0
    private(set) var delivered: Int64 = 0  // samples handed out in blocks
    private var pending: [Int16] = []
    private var pendingSilence: Int64 = 0
    private var segmentStartOut: Int64 = 0  // timeline position of the current resampler segment's first input
    private var segmentFedIn: Int64 = 0  // input samples fed in the current segment
    private var totalFedIn: Int64 = 0
    private(set) var startOffset: Int64 = 0
    private var started = false

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
    private var framesDecoded = 0

    // Reporting.
    /// Packets of other streams the demuxer still handed over (the discard flag keeps this at 0 for most formats).
    private(set) var otherStreamPackets = 0
    private(set) var damagedPacketCount = 0
    private(set) var warnings: [String] = []
    private var gapCount = 0
    private var gapSilence: Int64 = 0
    private var overlapCount = 0
    private var overlapDropped: Int64 = 0
    private var discontinuityCount = 0
    private var cappedJumpCount = 0
    private var cappedJumpSkipped: Int64 = 0

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
        self.discontinuousTimestamps = formatFlags & AVFMT_TS_DISCONT != 0
        // Timestamps within 8 ms of where we expect them are taken as contiguous (Matroska stores milliseconds).
        self.tolerance = max(1, Int64(outputRate) * 8 / 1000)
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
        swr_free(&resampler)
        av_channel_layout_uninit(&resamplerLayout)
        av_channel_layout_uninit(&sourceLayout)
        outBuffer?.deallocate()
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
        while !started && !finished { try step() }
        if !started {
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
            if resampler != nil { try flushResampler() }
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
            framesDecoded += 1
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

    /// Decides where the held frame goes: leading silence, a gap to fill, an overlap to trim.
    private func align() throws(MediaError) {
        let f = frame!.pointee
        if resampler == nil || f.sample_rate != resamplerRate || f.format != resamplerFormat
            || av_channel_layout_compare(&frame!.pointee.ch_layout, &sourceLayout) != 0
        {
            if resampler != nil {
                // The format changed mid-stream: finish the old segment and start a new one where it ended.
                try flushResampler()
                segmentStartOut = produced
                segmentFedIn = 0
            }
            try configureResampler()
        }
        frameDropIn = 0
        let inRate = Int64(f.sample_rate)
        let nb = Int64(f.nb_samples)
        let ts = f.best_effort_timestamp
        let rescaled = FFmpegSupport.isSet(ts) ? FFmpegSupport.rescale(ts, from: timeBase, to: outputTimeBase) : .min
        guard rescaled != .min else {
            // No timestamp (or one that overflows when rescaled): the frame follows the previous one.
            if !started { markStarted(at: produced) }
            return
        }
        let position = rescaled.saturatingSubtract(presentationStartOut).saturatingSubtract(timestampOffset)

        if !started {
            // Nothing fed yet: place the first frame exactly, within the silence budget.
            let budget = silenceBudget
            if position >= 0 {
                var place = position
                if place > budget {
                    // Timestamps claim a long lead-in that no decoded audio backs: cap it.
                    cappedJumpCount += 1
                    cappedJumpSkipped = cappedJumpSkipped.saturatingAdd(place - budget)
                    timestampOffset = timestampOffset.saturatingAdd(place - budget)
                    place = budget
                }
                pendingSilence = place
                insertedSilence += place
                segmentStartOut = place
                segmentFedIn = 0
                markStarted(at: place)
            } else if position >= -budget {
                frameDropIn = FFmpegSupport.rescale(-position, inRate, Int64(outputRate))
                segmentStartOut = 0
                segmentFedIn = 0
                if frameDropIn < nb { markStarted(at: 0) }
            } else {
                // Far before the presentation start: not a real lead-in; the audio starts at 0.
                discontinuityCount += 1
                timestampOffset = timestampOffset.saturatingAdd(position)
                segmentStartOut = 0
                segmentFedIn = 0
                markStarted(at: 0)
            }
            return
        }

        let expected = segmentStartOut + FFmpegSupport.rescale(segmentFedIn, Int64(outputRate), inRate)
        let diff = position.saturatingSubtract(expected)
        let discontinuity = Int64(outputRate) * (discontinuousTimestamps ? 10 : 3600)
        if diff > tolerance && diff <= discontinuity && position - produced <= silenceBudget {
            try flushResampler()
            try configureResampler()
            let silence = position - produced
            if silence > 0 {
                pendingSilence = silence
                insertedSilence += silence
                gapCount += 1
                gapSilence += silence
            }
            segmentStartOut = max(position, produced)
            segmentFedIn = 0
        } else if diff < -tolerance && diff >= -Int64(outputRate) {
            frameDropIn = FFmpegSupport.rescale(-diff, inRate, Int64(outputRate))
            overlapCount += 1
            overlapDropped += min(-diff, FFmpegSupport.rescale(nb, Int64(outputRate), inRate))
        } else if diff > tolerance || diff < -tolerance {
            // A timestamp jump too large to be a gap (or one the decoded audio cannot pay for): keep the audio
            // contiguous, start a new segment, and read later timestamps relative to the jump.
            if diff > tolerance && diff <= discontinuity {
                cappedJumpCount += 1
                cappedJumpSkipped = cappedJumpSkipped.saturatingAdd(diff)
            } else {
                discontinuityCount += 1
            }
            timestampOffset = timestampOffset.saturatingAdd(diff)
            try flushResampler()
            try configureResampler()
            segmentStartOut = produced
            segmentFedIn = 0
        }
    }

    /// Silence that may still be inserted: inserted silence never exceeds the larger of
    /// ``MediaLimits/silenceAllowance`` and the audio decoded so far, so the timeline stays within about twice the
    /// decoded audio whatever the timestamps claim.
    private var silenceBudget: Int64 {
        let allowance = MediaLimits.silenceAllowance * Int64(outputRate) / 1000
        return max(0, max(allowance, audioProduced) - insertedSilence)
    }

    private func markStarted(at position: Int64) {
        started = true
        startOffset = max(0, position)
    }

    private func configureResampler() throws(MediaError) {
        swr_free(&resampler)
        av_channel_layout_uninit(&resamplerLayout)
        av_channel_layout_uninit(&sourceLayout)
        let f = frame!
        let copied = av_channel_layout_copy(&sourceLayout, &f.pointee.ch_layout)
        if copied < 0 {
            throw MediaError(.decodeFailed, path: path, operation: "configure resampler", ffmpegCode: copied)
        }
        if f.pointee.ch_layout.nb_channels > 0 {
            let rc = av_channel_layout_copy(&resamplerLayout, &f.pointee.ch_layout)
            if rc < 0 { throw MediaError(.decodeFailed, path: path, operation: "configure resampler", ffmpegCode: rc) }
        } else {
            av_channel_layout_default(&resamplerLayout, max(1, codecContext!.pointee.ch_layout.nb_channels))
        }
        if resamplerLayout.order == AV_CHANNEL_ORDER_UNSPEC {
            // An unspecified order (e.g. some WAV/TS files) cannot be rematrixed; assume the default for the count.
            let count = resamplerLayout.nb_channels
            av_channel_layout_uninit(&resamplerLayout)
            av_channel_layout_default(&resamplerLayout, count)
        }
        var mono = cffmpeg_channel_layout_mono()
        var swr: OpaquePointer? = nil
        var rc = swr_alloc_set_opts2(
            &swr, &mono, AV_SAMPLE_FMT_S16, outputRate, &resamplerLayout, AVSampleFormat(f.pointee.format),
            f.pointee.sample_rate, 0, nil)
        if rc >= 0 { rc = swr_init(swr) }
        if rc < 0 {
            swr_free(&swr)
            throw MediaError(.decodeFailed, path: path, operation: "configure resampler", ffmpegCode: rc)
        }
        resampler = swr
        resamplerFormat = f.pointee.format
        resamplerRate = f.pointee.sample_rate
    }

    /// Resamples the held frame (minus `frameDropIn` leading samples) into `pending`.
    private func feed() throws(MediaError) {
        let f = frame!
        let nb = Int64(f.pointee.nb_samples)
        let drop = min(frameDropIn, nb)
        let count = Int32(nb - drop)
        guard count > 0, let data = f.pointee.extended_data else { return }
        let format = AVSampleFormat(f.pointee.format)
        let planar = av_sample_fmt_is_planar(format) != 0
        let channels = Int(resamplerLayout.nb_channels)
        let bytes = Int(av_get_bytes_per_sample(format))
        let planes = planar ? channels : 1
        let offset = Int(drop) * bytes * (planar ? 1 : channels)
        var inputs = [UnsafePointer<UInt8>?](repeating: nil, count: max(planes, 1))
        for p in 0..<planes { inputs[p] = data[p].map { UnsafePointer($0 + offset) } }
        let got = inputs.withUnsafeMutableBufferPointer { buffer in
            convert(input: buffer.baseAddress, count: count)
        }
        if got < 0 { throw MediaError(.decodeFailed, path: path, operation: "resample", ffmpegCode: got) }
        segmentFedIn += Int64(count)
        totalFedIn += Int64(count)
    }

    /// Runs `swr_convert` into the output buffer and appends the result to `pending`. Nil input flushes.
    private func convert(input: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int32) -> Int32 {
        let needed = Int(swr_get_out_samples(resampler, count)) + 64
        if needed > outCapacity {
            outBuffer?.deallocate()
            outBuffer = .allocate(capacity: needed)
            outCapacity = needed
        }
        var plane: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(outBuffer!).assumingMemoryBound(
            to: UInt8.self)
        let got = swr_convert(resampler, &plane, Int32(outCapacity), input, input == nil ? 0 : count)
        if got > 0 {
            pending.append(contentsOf: UnsafeBufferPointer(start: outBuffer, count: Int(got)))
            produced += Int64(got)
            audioProduced += Int64(got)
        }
        return got
    }

    private func flushResampler() throws(MediaError) {
        guard resampler != nil else { return }
        while true {
            let got = convert(input: nil, count: 0)
            if got < 0 { throw MediaError(.decodeFailed, path: path, operation: "flush resampler", ffmpegCode: got) }
            if got == 0 { break }
        }
    }

    // MARK: End

    private func finish() {
        finished = true
        let seconds = { (samples: Int64) -> String in
            let ms = FFmpegSupport.rescale(samples, 1000, Int64(self.outputRate))
            return "\(ms / 1000).\(String(ms % 1000).leftPadded(to: 3)) s"
        }
        if damagedPacketCount > 0 {
            var line = "skipped \(damagedPacketCount) damaged packet(s)"
            if let lastDecodeError { line += " (\(FFmpegSupport.errorString(lastDecodeError)))" }
            warnings.append(line + "; the timeline is kept with silence")
        }
        if gapCount > 0 {
            warnings.append("filled \(gapCount) gap(s) in the audio timestamps with \(seconds(gapSilence)) of silence")
        }
        if overlapCount > 0 {
            warnings.append("trimmed \(overlapCount) overlap(s) in the audio timestamps (\(seconds(overlapDropped)))")
        }
        if discontinuityCount > 0 {
            warnings.append("\(discontinuityCount) timestamp discontinuity(ies); audio was kept contiguous there")
        }
        if cappedJumpCount > 0 {
            warnings.append(
                "\(cappedJumpCount) timestamp jump(s) (\(seconds(cappedJumpSkipped)) in all) not filled with silence: "
                    + "the timeline is capped by the decoded audio")
        }
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

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
