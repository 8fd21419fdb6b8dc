import CFFmpeg

/// FFmpeg's resampler to mono 16-bit PCM at one output rate, with the layouts and the output buffer it needs. It
/// owns its `SwrContext` and frees it (and the layouts and buffer) when reconfigured or released.
///
/// Not `Sendable`: confined to the decoder that owns it.
final class Resampler {
    private let path: String
    private let outputRate: Int32
    private var context: OpaquePointer?
    private var layout = AVChannelLayout()
    /// The frame layout the resampler was configured for, as the decoder reported it (possibly unspecified): what
    /// later frames are compared with to detect a real format change.
    private var sourceLayout = AVChannelLayout()
    private var format: Int32 = -1
    private var rate: Int32 = 0
    private var buffer: UnsafeMutablePointer<Int16>?
    private var capacity = 0

    /// A resampler for `path`'s audio (named in errors), not yet configured.
    init(path: String, outputRate: Int32) {
        self.path = path
        self.outputRate = outputRate
    }

    deinit {
        swr_free(&context)
        av_channel_layout_uninit(&layout)
        av_channel_layout_uninit(&sourceLayout)
        buffer?.deallocate()
    }

    /// Whether it has been configured for a format.
    var isConfigured: Bool { context != nil }

    /// The channels of the configured input layout.
    var channelCount: Int { Int(layout.nb_channels) }

    /// Whether `frame`'s rate, sample format or channel layout differ from the configured ones.
    func needsConfiguration(for frame: UnsafeMutablePointer<AVFrame>) -> Bool {
        context == nil || frame.pointee.sample_rate != rate || frame.pointee.format != format
            || av_channel_layout_compare(&frame.pointee.ch_layout, &sourceLayout) != 0
    }

    /// Configures for `frame`'s format (an unspecified layout is taken as the default for `fallbackChannels`).
    /// - Throws: ``MediaError`` `.decodeFailed` naming the file.
    func configure(for frame: UnsafeMutablePointer<AVFrame>, fallbackChannels: Int32) throws(MediaError) {
        swr_free(&context)
        av_channel_layout_uninit(&layout)
        av_channel_layout_uninit(&sourceLayout)
        let copied = av_channel_layout_copy(&sourceLayout, &frame.pointee.ch_layout)
        if copied < 0 {
            throw MediaError(.decodeFailed, path: path, operation: "configure resampler", ffmpegCode: copied)
        }
        if frame.pointee.ch_layout.nb_channels > 0 {
            let rc = av_channel_layout_copy(&layout, &frame.pointee.ch_layout)
            if rc < 0 { throw MediaError(.decodeFailed, path: path, operation: "configure resampler", ffmpegCode: rc) }
        } else {
            av_channel_layout_default(&layout, max(1, fallbackChannels))
        }
        if layout.order == AV_CHANNEL_ORDER_UNSPEC {
            // An unspecified order (e.g. some WAV/TS files) cannot be rematrixed; assume the default for the count.
            let count = layout.nb_channels
            av_channel_layout_uninit(&layout)
            av_channel_layout_default(&layout, count)
        }
        var mono = cffmpeg_channel_layout_mono()
        var swr: OpaquePointer? = nil
        var rc = swr_alloc_set_opts2(
            &swr, &mono, AV_SAMPLE_FMT_S16, outputRate, &layout, AVSampleFormat(frame.pointee.format),
            frame.pointee.sample_rate, 0, nil)
        if rc >= 0 { rc = swr_init(swr) }
        if rc < 0 {
            swr_free(&swr)
            throw MediaError(.decodeFailed, path: path, operation: "configure resampler", ffmpegCode: rc)
        }
        context = swr
        format = frame.pointee.format
        rate = frame.pointee.sample_rate
    }

    /// Resamples `frame`, less its first `dropping` samples, appending to `output`.
    /// - Returns: the input samples fed.
    /// - Throws: ``MediaError`` `.decodeFailed`.
    func convert(_ frame: UnsafeMutablePointer<AVFrame>, dropping: Int64, into output: inout [Int16]) throws(MediaError) -> Int64 {
        let nb = Int64(frame.pointee.nb_samples)
        let drop = min(dropping, nb)
        let count = Int32(nb - drop)
        guard count > 0, let data = frame.pointee.extended_data else { return 0 }
        let sampleFormat = AVSampleFormat(frame.pointee.format)
        let planar = av_sample_fmt_is_planar(sampleFormat) != 0
        let channels = Int(layout.nb_channels)
        let bytes = Int(av_get_bytes_per_sample(sampleFormat))
        let planes = planar ? channels : 1
        let offset = Int(drop) * bytes * (planar ? 1 : channels)
        var inputs = [UnsafePointer<UInt8>?](repeating: nil, count: max(planes, 1))
        for p in 0..<planes { inputs[p] = data[p].map { UnsafePointer($0 + offset) } }
        let got = inputs.withUnsafeMutableBufferPointer { pointers in
            run(input: pointers.baseAddress, count: count, into: &output)
        }
        if got < 0 { throw MediaError(.decodeFailed, path: path, operation: "resample", ffmpegCode: got) }
        return Int64(count)
    }

    /// Drains the samples the resampler still holds into `output`.
    /// - Returns: the output samples appended.
    /// - Throws: ``MediaError`` `.decodeFailed`.
    @discardableResult
    func flush(into output: inout [Int16]) throws(MediaError) -> Int64 {
        guard context != nil else { return 0 }
        var total: Int64 = 0
        while true {
            let got = run(input: nil, count: 0, into: &output)
            if got < 0 { throw MediaError(.decodeFailed, path: path, operation: "flush resampler", ffmpegCode: got) }
            if got == 0 { return total }
            total += Int64(got)
        }
    }

    /// Runs `swr_convert` into the buffer and appends the result to `output`. Nil input flushes.
    private func run(input: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, count: Int32, into output: inout [Int16]) -> Int32 {
        let needed = Int(swr_get_out_samples(context, count)) + 64
        if needed > capacity {
            buffer?.deallocate()
            buffer = .allocate(capacity: needed)
            capacity = needed
        }
        var plane: UnsafeMutablePointer<UInt8>? = UnsafeMutableRawPointer(buffer!).assumingMemoryBound(to: UInt8.self)
        let got = swr_convert(context, &plane, Int32(capacity), input, input == nil ? 0 : count)
        if got > 0 { output.append(contentsOf: UnsafeBufferPointer(start: buffer, count: Int(got))) }
        return got
    }
}
