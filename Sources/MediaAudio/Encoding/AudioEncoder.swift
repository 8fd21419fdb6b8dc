import CFFmpeg

/// Encodes mono 16-bit PCM into a complete audio file in memory (no temporary files).
public enum AudioEncoder {
    /// Encodes `samples` (mono, `sampleRate` Hz) as `encoding`.
    ///
    /// - Parameter bitRate: Bit rate for lossy encodings (default `encoding.defaultBitRate`).
    /// - Throws: `MediaError` with `.encoderNotFound`, `.encodeFailed` or `.invalidArgument`.
    public static func encode(
        _ samples: [Int16], sampleRate: Int, as encoding: AudioEncoding, bitRate: Int? = nil
    ) throws(MediaError) -> EncodedAudio {
        try encode(samples[...], sampleRate: sampleRate, as: encoding, bitRate: bitRate)
    }

    /// Encodes a slice (e.g. one chunk of a longer recording).
    public static func encode(
        _ samples: ArraySlice<Int16>, sampleRate: Int, as encoding: AudioEncoding, bitRate: Int? = nil
    ) throws(MediaError) -> EncodedAudio {
        var result: EncodedAudio? = nil
        let failure: MediaError? = samples.withUnsafeBufferPointer { buffer -> MediaError? in
            do throws(MediaError) {
                result = try encode(buffer, sampleRate: sampleRate, as: encoding, bitRate: bitRate)
                return nil
            } catch { return error }
        }
        if let failure { throw failure }
        return result!
    }

    /// Encodes samples from a buffer.
    public static func encode(
        _ samples: UnsafeBufferPointer<Int16>, sampleRate: Int, as encoding: AudioEncoding, bitRate: Int? = nil
    ) throws(MediaError) -> EncodedAudio {
        let core = try EncoderCore(
            encoding: encoding, sampleRate: sampleRate, bitRate: bitRate, destination: .memory)
        try core.append(samples)
        let data = try core.finish()
        return EncodedAudio(
            data: data, encoding: encoding, sampleCount: Int(core.inputSamples), sampleRate: sampleRate,
            encodedSampleRate: Int(core.encoderRate))
    }
}

/// Streams mono 16-bit PCM into an audio file on disk, in bounded memory (for extracting long recordings).
/// Writes `path` directly; the caller handles temporary names and renaming. Not `Sendable`: one task only.
public final class AudioFileWriter {
    /// The output path.
    public let path: String
    /// The encoding written.
    public let encoding: AudioEncoding
    /// The input sample rate in Hz.
    public let sampleRate: Int
    private let core: EncoderCore
    /// Bytes in the finished file (0 until `finish()`).
    public private(set) var byteCount: Int64 = 0

    /// Creates (or truncates) `path` and writes the container header.
    ///
    /// - Throws: `MediaError` with `.permissionDenied`, `.fileNotFound` (missing directory), `.encoderNotFound`,
    ///   `.encodeFailed` or `.invalidArgument`.
    public init(path: String, encoding: AudioEncoding, sampleRate: Int, bitRate: Int? = nil) throws(MediaError) {
        self.path = path
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.core = try EncoderCore(encoding: encoding, sampleRate: sampleRate, bitRate: bitRate, destination: .file(path))
    }

    /// Samples appended so far.
    public var sampleCount: Int64 { core.inputSamples }

    /// Appends mono samples.
    public func append(_ samples: [Int16]) throws(MediaError) {
        let failure: MediaError? = samples.withUnsafeBufferPointer { buffer -> MediaError? in
            do throws(MediaError) {
                try core.append(buffer)
                return nil
            } catch { return error }
        }
        if let failure { throw failure }
    }

    /// Appends mono samples from a buffer.
    public func append(_ samples: UnsafeBufferPointer<Int16>) throws(MediaError) {
        try core.append(samples)
    }

    /// Appends a block from `AudioReader`.
    public func append(_ block: PCMBlock) throws(MediaError) {
        try append(block.samples)
    }

    /// Flushes the encoder, writes the trailer and closes the file. Call exactly once.
    public func finish() throws(MediaError) {
        _ = try core.finish()
        byteCount = core.bytesWritten
    }
}

/// Collects an output file in memory; the target of a custom `AVIOContext`. Supports seeking, which the FLAC,
/// WAV, MP3 (Xing header) and MP4 muxers use to patch headers at the end.
final class MemorySink {
    var bytes: [UInt8] = []
    var position = 0

    func write(_ buffer: UnsafePointer<UInt8>, count: Int) {
        if position > bytes.count { bytes.append(contentsOf: repeatElement(0, count: position - bytes.count)) }
        let overlap = min(count, bytes.count - position)
        if overlap > 0 {
            bytes.withUnsafeMutableBufferPointer { dest in
                (dest.baseAddress! + position).update(from: buffer, count: overlap)
            }
        }
        if count > overlap {
            bytes.append(contentsOf: UnsafeBufferPointer(start: buffer + overlap, count: count - overlap))
        }
        position += count
    }

    func seek(_ offset: Int64, whence: Int32) -> Int64 {
        let target = MemoryIO.seekTarget(offset: offset, whence: whence, position: position, size: bytes.count,
                                         allowsGrowth: true)
        if target >= 0, whence & cffmpeg_avseek_size == 0 { position = Int(target) }
        return target
    }
}

private let memoryWrite: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int32) -> Int32 = {
    opaque, buffer, size in
    guard let opaque, let buffer, size >= 0 else { return cffmpeg_averror(EINVAL) }
    Unmanaged<MemorySink>.fromOpaque(opaque).takeUnretainedValue().write(buffer, count: Int(size))
    return size
}

private let memorySeek: @convention(c) (UnsafeMutableRawPointer?, Int64, Int32) -> Int64 = { opaque, offset, whence in
    guard let opaque else { return Int64(cffmpeg_averror(EINVAL)) }
    return Unmanaged<MemorySink>.fromOpaque(opaque).takeUnretainedValue().seek(offset, whence: whence)
}

/// The shared encode path: Int16 mono -> libswresample (format and, if the encoder needs it, rate) ->
/// AVAudioFifo -> encoder frames -> muxer -> memory or file.
final class EncoderCore {
    enum Destination {
        case memory
        case file(String)
    }

    let encoding: AudioEncoding
    let inputRate: Int32
    private(set) var encoderRate: Int32 = 0
    private let label: String
    private let operation: String
    private let toMemory: Bool

    private var output: UnsafeMutablePointer<AVFormatContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var resampler: OpaquePointer?
    private var fifo: OpaquePointer?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var customIO: UnsafeMutablePointer<AVIOContext>?
    private var sink: Unmanaged<MemorySink>?
    private var conversion: UnsafeMutableRawPointer?
    private var conversionCapacity = 0  // in samples
    private var bytesPerSample = 2
    private var frameSize: Int32 = 4096
    private var allowsShortLastFrame = true
    private var nextPts: Int64 = 0
    private var finished = false
    private(set) var inputSamples: Int64 = 0
    private(set) var bytesWritten: Int64 = 0

    init(encoding: AudioEncoding, sampleRate: Int, bitRate: Int?, destination: Destination) throws(MediaError) {
        MediaLogging.ensureConfigured()
        self.encoding = encoding
        self.inputRate = Int32(clamping: sampleRate)
        self.operation = "encode \(encoding.rawValue)"
        switch destination {
        case .memory:
            label = "<memory>"
            toMemory = true
        case .file(let path):
            label = path
            toMemory = false
        }
        guard (1000...384_000).contains(sampleRate) else {
            throw MediaError(
                .invalidArgument, path: label, operation: operation,
                message: "sample rate \(sampleRate) Hz is out of range 1000...384000")
        }
        do {
            try open(destination: destination, bitRate: bitRate)
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    private func fail(_ rc: Int32, _ what: String) -> MediaError {
        MediaError.output(rc, path: label, operation: "\(operation) (\(what))")
    }

    private func open(destination: Destination, bitRate: Int?) throws(MediaError) {
        guard let codec = avcodec_find_encoder_by_name(encoding.encoderName) else {
            throw MediaError(
                .encoderNotFound, path: label, operation: operation,
                message: "this FFmpeg build has no '\(encoding.encoderName)' encoder")
        }
        var oc: UnsafeMutablePointer<AVFormatContext>? = nil
        var rc = avformat_alloc_output_context2(&oc, nil, encoding.muxerName, nil)
        guard rc >= 0, let oc else { throw fail(rc, "create muxer \(encoding.muxerName)") }
        output = oc

        switch destination {
        case .memory:
            let sinkRef = Unmanaged.passRetained(MemorySink())
            sink = sinkRef
            let size: Int32 = 64 * 1024
            guard let buffer = av_malloc(Int(size))?.assumingMemoryBound(to: UInt8.self) else {
                throw MediaError(.encodeFailed, path: label, operation: operation, message: "out of memory")
            }
            guard let io = cffmpeg_avio_alloc_write_context(buffer, size, sinkRef.toOpaque(), memoryWrite, memorySeek) else {
                av_free(buffer)   // the context would have owned it
                throw MediaError(.encodeFailed, path: label, operation: operation, message: "out of memory")
            }
            customIO = io
            oc.pointee.pb = io
            oc.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        case .file(let path):
            rc = avio_open(&oc.pointee.pb, FFmpegSupport.url(forPath: path), AVIO_FLAG_WRITE)
            if rc < 0 { throw MediaError.output(rc, path: label, operation: "create output file") }
        }

        guard let enc = avcodec_alloc_context3(codec) else {
            throw MediaError(.encodeFailed, path: label, operation: operation, message: "out of memory")
        }
        encoder = enc
        let format = EncoderCore.chooseFormat(codec)
        encoderRate = EncoderCore.chooseRate(codec, input: inputRate)
        enc.pointee.sample_fmt = format
        enc.pointee.sample_rate = encoderRate
        av_channel_layout_default(&enc.pointee.ch_layout, 1)
        enc.pointee.time_base = AVRational(num: 1, den: encoderRate)
        if let rate = bitRate ?? encoding.defaultBitRate { enc.pointee.bit_rate = Int64(rate) }
        if (oc.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER) != 0 {
            enc.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        rc = avcodec_open2(enc, codec, nil)
        if rc < 0 { throw fail(rc, "open encoder \(encoding.encoderName)") }

        guard let st = avformat_new_stream(oc, nil) else {
            throw MediaError(.encodeFailed, path: label, operation: operation, message: "cannot add a stream")
        }
        stream = st
        rc = avcodec_parameters_from_context(st.pointee.codecpar, enc)
        if rc < 0 { throw fail(rc, "stream parameters") }
        st.pointee.time_base = enc.pointee.time_base
        rc = avformat_write_header(oc, nil)
        if rc < 0 { throw fail(rc, "write header") }

        let caps = codec.pointee.capabilities
        let variable = caps & AV_CODEC_CAP_VARIABLE_FRAME_SIZE != 0
        frameSize = (variable || enc.pointee.frame_size <= 0) ? 4096 : enc.pointee.frame_size
        allowsShortLastFrame = variable || caps & AV_CODEC_CAP_SMALL_LAST_FRAME != 0
        bytesPerSample = Int(av_get_bytes_per_sample(format))

        var mono = cffmpeg_channel_layout_mono()
        var swr: OpaquePointer? = nil
        rc = swr_alloc_set_opts2(&swr, &enc.pointee.ch_layout, format, encoderRate, &mono, AV_SAMPLE_FMT_S16, inputRate, 0, nil)
        if rc >= 0 { rc = swr_init(swr) }
        if rc < 0 {
            swr_free(&swr)
            throw fail(rc, "configure resampler")
        }
        resampler = swr
        fifo = av_audio_fifo_alloc(format, 1, frameSize * 2)
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        if fifo == nil || frame == nil || packet == nil {
            throw MediaError(.encodeFailed, path: label, operation: operation, message: "out of memory")
        }
    }

    /// Prefers packed/planar S16 (no conversion) and otherwise the encoder's first format.
    private static func chooseFormat(_ codec: UnsafePointer<AVCodec>) -> AVSampleFormat {
        guard var p = codec.pointee.sample_fmts else { return AV_SAMPLE_FMT_S16 }
        var first: AVSampleFormat? = nil
        while p.pointee != AV_SAMPLE_FMT_NONE {
            if p.pointee == AV_SAMPLE_FMT_S16 || p.pointee == AV_SAMPLE_FMT_S16P { return p.pointee }
            if first == nil { first = p.pointee }
            p += 1
        }
        return first ?? AV_SAMPLE_FMT_S16
    }

    /// The input rate if the encoder supports it, else the lowest supported rate above it, else the highest.
    private static func chooseRate(_ codec: UnsafePointer<AVCodec>, input: Int32) -> Int32 {
        guard var p = codec.pointee.supported_samplerates else { return input }
        var rates: [Int32] = []
        while p.pointee != 0 {
            rates.append(p.pointee)
            p += 1
        }
        if rates.isEmpty || rates.contains(input) { return input }
        return rates.filter { $0 > input }.min() ?? rates.max()!
    }

    func append(_ samples: UnsafeBufferPointer<Int16>) throws(MediaError) {
        guard !finished else {
            throw MediaError(.invalidArgument, path: label, operation: operation, message: "append after finish")
        }
        guard let base = samples.baseAddress, !samples.isEmpty else { return }
        let chunk = 16_384
        var offset = 0
        while offset < samples.count {
            let n = min(chunk, samples.count - offset)
            try convert(UnsafeRawPointer(base + offset), count: Int32(n))
            offset += n
            while av_audio_fifo_size(fifo) >= frameSize { try encodeFromFifo(frameSize) }
        }
        inputSamples += Int64(samples.count)
    }

    /// Resamples/converts `count` input samples (nil flushes) into the FIFO.
    private func convert(_ input: UnsafeRawPointer?, count: Int32) throws(MediaError) {
        while true {
            let needed = Int(swr_get_out_samples(resampler, count)) + 64
            if needed > conversionCapacity {
                av_free(conversion)
                conversion = av_malloc(needed * bytesPerSample)
                conversionCapacity = needed
                if conversion == nil {
                    throw MediaError(.encodeFailed, path: label, operation: operation, message: "out of memory")
                }
            }
            var outPlane: UnsafeMutablePointer<UInt8>? = conversion!.assumingMemoryBound(to: UInt8.self)
            var inPlane: UnsafePointer<UInt8>? = input?.assumingMemoryBound(to: UInt8.self)
            let got: Int32
            if input == nil {
                got = swr_convert(resampler, &outPlane, Int32(conversionCapacity), nil, 0)
            } else {
                got = swr_convert(resampler, &outPlane, Int32(conversionCapacity), &inPlane, count)
            }
            if got < 0 { throw fail(got, "resample") }
            if got > 0 {
                var planes: UnsafeMutableRawPointer? = conversion
                let written = av_audio_fifo_write(fifo, &planes, got)
                if written < got { throw fail(written < 0 ? written : cffmpeg_averror(ENOMEM), "buffer") }
            }
            // With input, one call consumes it all; a flush loops until the resampler is empty.
            if input != nil || got == 0 { return }
        }
    }

    private func encodeFromFifo(_ count: Int32, padTo: Int32? = nil) throws(MediaError) {
        guard let frame, let encoder else { return }
        let total = max(count, padTo ?? count)
        frame.pointee.nb_samples = total
        frame.pointee.format = encoder.pointee.sample_fmt.rawValue
        frame.pointee.sample_rate = encoder.pointee.sample_rate
        av_channel_layout_copy(&frame.pointee.ch_layout, &encoder.pointee.ch_layout)
        var rc = av_frame_get_buffer(frame, 0)
        if rc < 0 { throw fail(rc, "allocate frame") }
        let planes = UnsafeMutableRawPointer(frame.pointee.extended_data!).assumingMemoryBound(
            to: UnsafeMutableRawPointer?.self)
        rc = av_audio_fifo_read(fifo, planes, count)
        if rc < count { throw fail(rc < 0 ? rc : cffmpeg_averror_invaliddata, "read buffer") }
        if total > count {
            av_samples_set_silence(frame.pointee.extended_data, count, total - count, 1, encoder.pointee.sample_fmt)
        }
        frame.pointee.pts = nextPts
        nextPts += Int64(total)
        rc = avcodec_send_frame(encoder, frame)
        av_frame_unref(frame)
        if rc < 0 { throw fail(rc, "encode") }
        try drainPackets()
    }

    private func drainPackets() throws(MediaError) {
        guard let encoder, let packet, let stream else { return }
        while true {
            var rc = avcodec_receive_packet(encoder, packet)
            if rc == cffmpeg_averror_eagain || rc == cffmpeg_averror_eof { return }
            if rc < 0 { throw fail(rc, "encode") }
            av_packet_rescale_ts(packet, encoder.pointee.time_base, stream.pointee.time_base)
            packet.pointee.stream_index = stream.pointee.index
            rc = av_interleaved_write_frame(output, packet)
            if rc < 0 { throw fail(rc, "write") }
        }
    }

    /// Flushes everything and closes the output; returns the bytes for a memory destination.
    func finish() throws(MediaError) -> [UInt8] {
        guard !finished else {
            throw MediaError(.invalidArgument, path: label, operation: operation, message: "finish called twice")
        }
        finished = true
        try convert(nil, count: 0)
        while av_audio_fifo_size(fifo) >= frameSize { try encodeFromFifo(frameSize) }
        let rest = av_audio_fifo_size(fifo)
        if rest > 0 { try encodeFromFifo(rest, padTo: allowsShortLastFrame ? nil : frameSize) }
        var rc = avcodec_send_frame(encoder, nil)
        if rc < 0 { throw fail(rc, "flush encoder") }
        try drainPackets()
        rc = av_write_trailer(output)
        if rc < 0 { throw fail(rc, "write trailer") }
        guard let output else { return [] }
        if toMemory {
            avio_flush(output.pointee.pb)
            let bytes = sink?.takeUnretainedValue().bytes ?? []
            bytesWritten = Int64(bytes.count)
            return bytes
        }
        avio_flush(output.pointee.pb)
        bytesWritten = max(0, avio_size(output.pointee.pb))
        rc = output.pointee.pb.pointee.error
        let closed = avio_closep(&output.pointee.pb)
        if rc < 0 || closed < 0 { throw MediaError.output(rc < 0 ? rc : closed, path: label, operation: "close output file") }
        return []
    }

    private func release() {
        av_frame_free(&frame)
        av_packet_free(&packet)
        if let fifo { av_audio_fifo_free(fifo) }
        fifo = nil
        swr_free(&resampler)
        av_free(conversion)
        conversion = nil
        avcodec_free_context(&encoder)
        if let output {
            if toMemory {
                output.pointee.pb = nil
            } else if output.pointee.pb != nil {
                avio_closep(&output.pointee.pb)
            }
            avformat_free_context(output)
            self.output = nil
        }
        if customIO != nil {
            av_freep(&customIO!.pointee.buffer)
            avio_context_free(&customIO)
        }
        sink?.release()
        sink = nil
    }
}
