import CFFmpeg

/// Reads a media file's container and stream information (the library equivalent of `ffprobe`).
public enum MediaProbe {
    /// Probes `path`: container format, duration, presentation start and every stream.
    ///
    /// - Throws: `MediaError` with `.fileNotFound`, `.permissionDenied`, `.notMediaFile` or `.ioFailed`.
    public static func probe(_ path: String) throws(MediaError) -> MediaInfo {
        let input = try InputFile(path: path)
        return input.info
    }
}

/// An open demuxer (`AVFormatContext`) plus the probed `MediaInfo`. Confined to one task; closes on deinit.
final class InputFile {
    let path: String
    private(set) var context: UnsafeMutablePointer<AVFormatContext>
    let info: MediaInfo

    /// The custom I/O of a memory source (freed after the demuxer) and the reader it calls.
    private var customIO: UnsafeMutablePointer<AVIOContext>?
    private var reader: Unmanaged<MemoryReader>?

    convenience init(path: String) throws(MediaError) {
        try self.init(source: .file(path))
    }

    init(source: MediaSource) throws(MediaError) {
        MediaLogging.ensureConfigured()
        let path = source.name
        self.path = path
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        var options: OpaquePointer? = nil
        defer { av_dict_free(&options) }
        var memoryIO: UnsafeMutablePointer<AVIOContext>?
        var memoryReader: Unmanaged<MemoryReader>?
        var url: String
        switch source.location {
        case .file(let file):
            if file.isEmpty {
                throw MediaError(.invalidArgument, path: path, operation: "open", message: "empty path")
            }
            if let problem = FFmpegSupport.urlProblem(file) {
                throw MediaError(.invalidArgument, path: path, operation: "open", message: problem)
            }
            if let problem = FFmpegSupport.fileKindProblem(file) {
                throw MediaError(.invalidArgument, path: path, operation: "open", message: problem)
            }
            url = FFmpegSupport.url(forPath: file)
        case .memory(let bytes):
            guard let allocated = avformat_alloc_context() else {
                throw MediaError(.ioFailed, path: path, operation: "open", message: "out of memory")
            }
            ctx = allocated
            let reader = Unmanaged.passRetained(MemoryReader(bytes))
            let size: Int32 = 64 * 1024
            guard let buffer = av_malloc(Int(size))?.assumingMemoryBound(to: UInt8.self),
                  let io = avio_alloc_context(buffer, size, 0, reader.toOpaque(), memoryRead, nil, memoryReadSeek) else {
                reader.release()
                avformat_free_context(allocated)
                throw MediaError(.ioFailed, path: path, operation: "open", message: "out of memory")
            }
            memoryReader = reader
            memoryIO = io
            allocated.pointee.pb = io
            allocated.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
            url = ""
        }
        // Only the file protocol: a playlist or concat file cannot make FFmpeg open network URLs either.
        av_dict_set(&options, "protocol_whitelist", "file", 0)
        var format: UnsafePointer<AVInputFormat>? = nil
        if let raw = source.rawPCM {
            if let problem = raw.problem {
                Self.free(&memoryIO, memoryReader)
                avformat_free_context(ctx)
                throw MediaError(.invalidArgument, path: path, operation: "open", message: problem)
            }
            format = UnsafePointer(av_find_input_format("s16le"))
            av_dict_set(&options, "sample_rate", String(raw.sampleRate), 0)
            av_dict_set(&options, "ch_layout", raw.channels == 1 ? "mono" : raw.channels == 2 ? "stereo" : "\(raw.channels)c", 0)
        }
        var rc = avformat_open_input(&ctx, url, format, &options)
        guard rc >= 0, let opened = ctx else {
            // On failure FFmpeg has freed the context; our custom I/O is ours to free.
            Self.free(&memoryIO, memoryReader)
            // A directory opens as EISDIR or as invalid data depending on the protocol; say what it is.
            throw MediaError.input(rc, path: path, operation: "open")
        }
        rc = avformat_find_stream_info(opened, nil)
        if rc < 0 {
            avformat_close_input(&ctx)
            Self.free(&memoryIO, memoryReader)
            throw MediaError.input(rc, path: path, operation: "read stream info")
        }
        if opened.pointee.nb_streams == 0 {
            avformat_close_input(&ctx)
            Self.free(&memoryIO, memoryReader)
            throw MediaError(.notMediaFile, path: path, operation: "read stream info", message: "no streams found")
        }
        context = opened
        info = InputFile.makeInfo(opened, path: path)
        customIO = memoryIO
        reader = memoryReader
    }

    /// Frees a memory source's I/O context (and its buffer) and releases its reader.
    private static func free(_ io: inout UnsafeMutablePointer<AVIOContext>?, _ reader: Unmanaged<MemoryReader>?) {
        if let context = io {
            av_freep(&context.pointee.buffer)
            avio_context_free(&io)
        }
        reader?.release()
    }

    deinit {
        var ctx: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&ctx)
        Self.free(&customIO, reader)
    }

    /// The `AVStream` at `index`.
    func stream(_ index: Int) -> UnsafeMutablePointer<AVStream> {
        context.pointee.streams[index]!
    }

    /// Presentation start in `AV_TIME_BASE` units (0 when the container does not know).
    var presentationStart: Int64 {
        let start = context.pointee.start_time
        return FFmpegSupport.isSet(start) ? start : 0
    }

    static let milliseconds = AVRational(num: 1, den: 1000)

    static func makeInfo(_ ctx: UnsafeMutablePointer<AVFormatContext>, path: String) -> MediaInfo {
        let format = ctx.pointee.iformat
        let formatName = FFmpegSupport.string(format?.pointee.name) ?? "unknown"
        let formatDescription = FFmpegSupport.string(format?.pointee.long_name)
        let timeBaseQ = cffmpeg_time_base_q()
        let duration: Int64? =
            FFmpegSupport.isSet(ctx.pointee.duration) && ctx.pointee.duration > 0
            ? bounded(FFmpegSupport.rescale(ctx.pointee.duration, from: timeBaseQ, to: milliseconds)) : nil
        let start: Int64 =
            FFmpegSupport.isSet(ctx.pointee.start_time)
            ? bounded(FFmpegSupport.rescale(ctx.pointee.start_time, from: timeBaseQ, to: milliseconds)) ?? 0 : 0
        let bitRate = ctx.pointee.bit_rate > 0 ? Int(ctx.pointee.bit_rate) : nil
        var streams: [StreamInfo] = []
        for i in 0..<Int(ctx.pointee.nb_streams) {
            streams.append(streamInfo(ctx.pointee.streams[i]!, index: i, containerEnd: duration.map { start.saturatingAdd($0) }))
        }
        return MediaInfo(
            path: path, formatName: formatName, formatDescription: formatDescription, duration: duration,
            startTime: start, bitRate: bitRate, streams: streams)
    }

    /// - Parameter containerEnd: The container's end in ms on its own clock; caps a Matroska `DURATION` tag (FFmpeg
    ///   writes the stream's end timestamp there, other muxers its length).
    static func streamInfo(_ st: UnsafeMutablePointer<AVStream>, index: Int, containerEnd: Int64?) -> StreamInfo {
        let par = st.pointee.codecpar!
        let kind: StreamInfo.Kind
        switch par.pointee.codec_type {
        case AVMEDIA_TYPE_AUDIO: kind = .audio
        case AVMEDIA_TYPE_VIDEO: kind = .video
        case AVMEDIA_TYPE_SUBTITLE: kind = .subtitle
        case AVMEDIA_TYPE_DATA: kind = .data
        case AVMEDIA_TYPE_ATTACHMENT: kind = .attachment
        default: kind = .unknown
        }
        let codecID = par.pointee.codec_id
        let codec = codecID == AV_CODEC_ID_NONE ? nil : FFmpegSupport.string(avcodec_get_name(codecID))
        var language = FFmpegSupport.tag(st.pointee.metadata, "language")?.trimmingSpaces
        if language == "und" || language?.isEmpty == true { language = nil }
        let handlerName = FFmpegSupport.tag(st.pointee.metadata, "handler_name")
        // MP4/MOV: FFmpeg 5.1 does not read a track's `udta/name`; players take the handler name as the title.
        let title = FFmpegSupport.tag(st.pointee.metadata, "title") ?? SubtitlerMarker.title(fromHandlerName: handlerName)
        let marked = SubtitlerMarker.isMarked(
            tag: FFmpegSupport.tag(st.pointee.metadata, SubtitlerMarker.tagKey), handlerName: handlerName)
        let tb = st.pointee.time_base
        let validTB = tb.num > 0 && tb.den > 0
        let startTime: Int64? =
            validTB && FFmpegSupport.isSet(st.pointee.start_time)
            ? bounded(FFmpegSupport.rescale(st.pointee.start_time, from: tb, to: milliseconds)) : nil
        var duration: Int64? =
            validTB && FFmpegSupport.isSet(st.pointee.duration) && st.pointee.duration > 0
            ? bounded(FFmpegSupport.rescale(st.pointee.duration, from: tb, to: milliseconds)) : nil
        if duration == nil, let tag = FFmpegSupport.tag(st.pointee.metadata, "DURATION") {
            duration = parseClockDuration(tag)
            // FFmpeg's muxer stores the stream's end timestamp there, mkvmerge its length: a value that would end
            // after the container can only be an end timestamp.
            if let tagged = duration, let containerEnd, let startTime, startTime > 0,
                startTime.saturatingAdd(tagged) > containerEnd.saturatingAdd(100)
            {
                duration = max(0, tagged.saturatingSubtract(startTime))
            }
        }
        let flags = st.pointee.disposition
        let dispositions = Disposition.allCases.filter { flags & $0.ffmpegFlag != 0 }

        var info = StreamInfo(
            index: index, kind: kind, codec: codec, language: language, title: title, startTime: startTime,
            duration: duration, dispositions: dispositions, isSubtitlerTrack: marked)
        if kind == .audio {
            let channels = Int(par.pointee.ch_layout.nb_channels)
            info.channels = channels > 0 ? channels : nil
            info.channelLayout = withUnsafePointer(to: &par.pointee.ch_layout) { FFmpegSupport.describe($0) }
            info.sampleRate = par.pointee.sample_rate > 0 ? Int(par.pointee.sample_rate) : nil
        }
        if kind == .video {
            var rate = st.pointee.avg_frame_rate
            if rate.num <= 0 || rate.den <= 0 { rate = st.pointee.r_frame_rate }
            if rate.num > 0 && rate.den > 0 { info.frameRate = Double(rate.num) / Double(rate.den) }
        }
        return info
    }

    /// A time in milliseconds read from the file, or nil when it is beyond ``MediaLimits/maxTimeline`` either way
    /// (FFmpeg also reports a rescaling overflow as `Int64.min`).
    static func bounded(_ milliseconds: Int64) -> Int64? {
        (-MediaLimits.maxTimeline...MediaLimits.maxTimeline).contains(milliseconds) ? milliseconds : nil
    }

    /// Parses Matroska's `DURATION` tag, `HH:MM:SS.nnnnnnnnn`, into milliseconds; nil for anything else.
    ///
    /// The tag is text from the file: only digits are taken, minutes and seconds must be below 60, and the result
    /// must fit ``MediaLimits/maxTimeline``, so a crafted tag can neither crash nor claim an absurd length.
    static func parseClockDuration(_ text: String) -> Int64? {
        let parts = text.trimmingSpaces.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let secondParts = parts[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        func number(_ digits: Substring, maxDigits: Int) -> Int64? {
            guard !digits.isEmpty, digits.count <= maxDigits, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return nil
            }
            return Int64(digits)
        }
        guard let hours = number(parts[0], maxDigits: 9), let minutes = number(parts[1], maxDigits: 2),
            let seconds = number(secondParts[0], maxDigits: 2), minutes < 60, seconds < 60
        else { return nil }
        var millis: Int64 = 0
        if secondParts.count == 2 {
            let fraction = secondParts[1]
            guard !fraction.isEmpty, fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            var digits = String(fraction.prefix(3))
            while digits.count < 3 { digits += "0" }
            millis = Int64(digits) ?? 0
        }
        let total = ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis   // at most 10^9 h: cannot overflow
        return total <= MediaLimits.maxTimeline ? total : nil
    }
}

extension Disposition {
    /// The `AV_DISPOSITION_*` bit.
    var ffmpegFlag: Int32 {
        switch self {
        case .default: AV_DISPOSITION_DEFAULT
        case .forced: AV_DISPOSITION_FORCED
        case .comment: AV_DISPOSITION_COMMENT
        case .hearingImpaired: AV_DISPOSITION_HEARING_IMPAIRED
        case .visualImpaired: AV_DISPOSITION_VISUAL_IMPAIRED
        case .dub: AV_DISPOSITION_DUB
        case .original: AV_DISPOSITION_ORIGINAL
        case .attachedPicture: AV_DISPOSITION_ATTACHED_PIC
        case .captions: AV_DISPOSITION_CAPTIONS
        case .descriptions: AV_DISPOSITION_DESCRIPTIONS
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
