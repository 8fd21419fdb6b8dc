import CFFmpeg

/// Writes one muxed file: every kept source stream copied packet by packet, plus the additions, interleaved by
/// time. Confined to one task; frees everything on deinit.
final class MuxSession {
    /// A timestamp and its time base.
    struct Stamp {
        var pts: Int64
        var timeBase: AVRational
    }

    /// Counts for the result.
    struct Totals {
        var copiedPackets: Int64 = 0
        var addedPackets: Int64 = 0
        /// The first timestamp written for each copied stream, by output index, to check after re-opening that the
        /// muxer kept it.
        var firstTimestamps: [Int: Stamp] = [:]
    }

    private let source: InputFile
    private let container: MuxContainer
    private let plan: MuxPlan
    private let label: String
    private let outputPath: String
    private let failAfterPackets: Int64?
    private var output: UnsafeMutablePointer<AVFormatContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var subtitleQueues: [SubtitleQueue] = []
    private var audioQueues: [AudioQueue] = []
    private var totals = Totals()
    /// Added to every written timestamp, per output stream (see `cffmpeg_matroska_opus_needs_codec_delay`).
    private var timestampOffsets: [Int64] = []

    /// - Parameters:
    ///   - label: The path errors name (the final destination).
    ///   - outputPath: The file actually written (the temporary file).
    init(
        source: InputFile, container: MuxContainer, plan: MuxPlan, label: String, outputPath: String,
        failAfterPackets: Int64?
    ) {
        self.source = source
        self.container = container
        self.plan = plan
        self.label = label
        self.outputPath = outputPath
        self.failAfterPackets = failAfterPackets
    }

    deinit { release() }

    private func fail(_ rc: Int32, _ operation: String) -> MediaError {
        MediaError.output(rc, path: label, operation: operation)
    }

    private func outOfMemory(_ operation: String) -> MediaError {
        MediaError(.encodeFailed, path: label, operation: operation, message: "out of memory")
    }

    /// Writes the whole file and closes it.
    func run(additions: [TrackAddition], subtitleEvents: [[SubtitlePayload.Event]]) throws(MediaError) -> Totals {
        var oc: UnsafeMutablePointer<AVFormatContext>? = nil
        var rc = avformat_alloc_output_context2(&oc, nil, container.muxerName, outputPath)
        guard rc >= 0, let oc else { throw fail(rc, "create \(container.muxerName) muxer") }
        output = oc
        guard let pkt = av_packet_alloc() else { throw outOfMemory("mux") }
        packet = pkt

        var subtitleNumber = 0
        for output in plan.outputs {
            switch output {
            case .source(let index):
                try addSourceStream(index, oc)
            case .addition(let number):
                let events = additions[number].kind == .subtitle ? subtitleEvents[subtitleNumber] : []
                if additions[number].kind == .subtitle { subtitleNumber += 1 }
                try addAddition(additions[number], number: number, events: events, oc)
            }
        }
        try copyChapters(oc)
        av_dict_copy(&oc.pointee.metadata, source.context.pointee.metadata, 0)
        // Within a container family copied packets keep their timestamps exactly: the muxer must never shift them
        // to avoid negative values. Into another family (MP4 with priming into Matroska, which FFmpeg cannot read
        // back below zero) everything may move together, as FFmpeg does by default.
        oc.pointee.avoid_negative_ts = plan.keepsTimestampsExactly ? AVFMT_AVOID_NEG_TS_DISABLED : AVFMT_AVOID_NEG_TS_AUTO

        rc = avio_open(&oc.pointee.pb, FFmpegSupport.url(forPath: outputPath), AVIO_FLAG_WRITE)
        if rc < 0 { throw fail(rc, "create output file") }
        var options: OpaquePointer? = nil
        defer { av_dict_free(&options) }
        if container.isISOBMFF && ISOBMFFBoxes.movieBoxPrecedesMediaData(path: source.path) {
            av_dict_set(&options, "movflags", "+faststart", 0)
        }
        rc = avformat_write_header(oc, &options)
        if rc < 0 { throw fail(rc, "write header") }
        timestampOffsets = (0..<Int(oc.pointee.nb_streams)).map { codecDelayCompensation(oc.pointee.streams[$0]!) }

        try copyPackets(oc, pkt)
        for queue in subtitleQueues { try writeSubtitles(queue, upTo: .max, oc) }
        for queue in audioQueues { try writeAudio(queue, upTo: .max, oc) }

        rc = av_write_trailer(oc)
        if rc < 0 { throw fail(rc, "write trailer") }
        let ioError = oc.pointee.pb.pointee.error
        let closed = avio_closep(&oc.pointee.pb)
        if ioError < 0 || closed < 0 { throw fail(ioError < 0 ? ioError : closed, "close output file") }
        return totals
    }

    // MARK: - Streams

    private func addSourceStream(_ index: Int, _ oc: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        let input = source.stream(index)
        guard let st = avformat_new_stream(oc, nil) else { throw outOfMemory("add stream") }
        var rc = avcodec_parameters_copy(st.pointee.codecpar, input.pointee.codecpar)
        if rc < 0 { throw fail(rc, "copy parameters of stream #\(index)") }
        st.pointee.codecpar.pointee.codec_tag = compatibleTag(input.pointee.codecpar, oc)
        st.pointee.time_base = input.pointee.time_base
        st.pointee.avg_frame_rate = input.pointee.avg_frame_rate
        st.pointee.r_frame_rate = input.pointee.r_frame_rate
        st.pointee.sample_aspect_ratio = input.pointee.sample_aspect_ratio
        var disposition = input.pointee.disposition
        if plan.clearDefault.contains(source.info.streams[index].kind) {
            disposition &= ~AV_DISPOSITION_DEFAULT
        }
        st.pointee.disposition = disposition
        av_dict_copy(&st.pointee.metadata, input.pointee.metadata, 0)
        if plan.marked.contains(index) {
            // A kept marked stream stays recognisable in the target's convention too, and keeps its title (which
            // FFmpeg reads back from MP4 only through the handler name).
            let title = source.info.streams[index].title
            if let title, FFmpegSupport.tag(st.pointee.metadata, "title") == nil {
                av_dict_set(&st.pointee.metadata, "title", title, 0)
            }
            applyMarker(st, title: title)
        }
        rc = cffmpeg_copy_stream_side_data(st, input)
        if rc < 0 { throw fail(rc, "copy side data of stream #\(index)") }
    }

    /// What FFmpeg 5.1's Matroska demuxer will subtract from an Opus stream (its CodecDelay), in the stream's time
    /// base; 0 where the muxer accounts for it itself.
    private func codecDelayCompensation(_ st: UnsafeMutablePointer<AVStream>) -> Int64 {
        let parameters = st.pointee.codecpar.pointee
        guard cffmpeg_matroska_opus_needs_codec_delay != 0, container == .matroska || container == .webm,
            parameters.codec_id == AV_CODEC_ID_OPUS, parameters.initial_padding > 0
        else { return 0 }
        let nanoseconds = AVRational(num: 1, den: 1_000_000_000)
        let delay = FFmpegSupport.rescale(Int64(parameters.initial_padding), from: AVRational(num: 1, den: 48_000), to: nanoseconds)
        return FFmpegSupport.rescale(delay, from: nanoseconds, to: st.pointee.time_base)
    }

    /// The source's codec tag when the target format accepts it for this codec, else 0 (the muxer picks one).
    private func compatibleTag(
        _ parameters: UnsafeMutablePointer<AVCodecParameters>, _ oc: UnsafeMutablePointer<AVFormatContext>
    ) -> UInt32 {
        let tag = parameters.pointee.codec_tag
        guard let tags = oc.pointee.oformat.pointee.codec_tag else { return tag }
        var known: UInt32 = 0
        if av_codec_get_id(tags, tag) == parameters.pointee.codec_id
            || av_codec_get_tag2(tags, parameters.pointee.codec_id, &known) == 0
        {
            return tag
        }
        return 0
    }

    private func applyMarker(_ st: UnsafeMutablePointer<AVStream>, title: String?) {
        if container.isISOBMFF {
            av_dict_set(&st.pointee.metadata, "handler_name", SubtitlerMarker.handlerName(title: title), 0)
        } else {
            av_dict_set(&st.pointee.metadata, SubtitlerMarker.tagKey, SubtitlerMarker.tagValue, 0)
        }
    }

    private func addAddition(
        _ addition: TrackAddition, number: Int, events: [SubtitlePayload.Event],
        _ oc: UnsafeMutablePointer<AVFormatContext>
    ) throws(MediaError) {
        guard let st = avformat_new_stream(oc, nil), Int(st.pointee.index) == plan.additionIndices[number] else {
            throw outOfMemory("add stream")
        }
        var flags: Int32 = 0
        for disposition in addition.dispositions { flags |= disposition.ffmpegFlag }
        switch addition.source {
        case .subtitles:
            try SubtitlePayload(container: container).fillParameters(st.pointee.codecpar, path: label)
            st.pointee.time_base = AVRational(num: 1, den: 1000)
            if container == .webm && addition.dispositions.contains(.hearingImpaired) {
                // WebM stores no hearing-impaired flag; WebVTT `captions` is its equivalent.
                flags |= AV_DISPOSITION_CAPTIONS
            }
            subtitleQueues.append(SubtitleQueue(events: events, stream: st))
        case .styledSubtitles(let header, _):
            try SubtitlePayload.fillASSParameters(st.pointee.codecpar, header: header, path: label)
            st.pointee.time_base = AVRational(num: 1, den: 1000)
            subtitleQueues.append(SubtitleQueue(events: events, stream: st))
        case .audioFile(let path):
            audioQueues.append(try AudioQueue(path: path, output: st, format: oc.pointee.oformat, container: container))
        }
        st.pointee.disposition = flags
        let language = try container.languageTag(addition.language, path: label)
        av_dict_set(&st.pointee.metadata, "language", language, 0)
        if let title = addition.title, !title.isEmpty { av_dict_set(&st.pointee.metadata, "title", title, 0) }
        applyMarker(st, title: addition.title)
    }

    private func copyChapters(_ oc: UnsafeMutablePointer<AVFormatContext>) throws(MediaError) {
        let input = source.context.pointee
        let count = Int(input.nb_chapters)
        guard count > 0 else { return }
        let slot = MemoryLayout<UnsafeMutablePointer<AVChapter>?>.stride
        guard let array = av_calloc(count, slot) else { throw outOfMemory("copy chapters") }
        let chapters = array.assumingMemoryBound(to: UnsafeMutablePointer<AVChapter>?.self)
        oc.pointee.chapters = chapters
        for i in 0..<count {
            guard let from = input.chapters[i] else { continue }
            guard let raw = av_mallocz(MemoryLayout<AVChapter>.size) else { throw outOfMemory("copy chapters") }
            let chapter = raw.assumingMemoryBound(to: AVChapter.self)
            chapter.pointee.id = from.pointee.id
            chapter.pointee.time_base = from.pointee.time_base
            chapter.pointee.start = from.pointee.start
            chapter.pointee.end = from.pointee.end
            chapters[Int(oc.pointee.nb_chapters)] = chapter
            oc.pointee.nb_chapters += 1
            av_dict_copy(&chapter.pointee.metadata, from.pointee.metadata, 0)
        }
    }

    // MARK: - Packets

    private func countWrite() throws(MediaError) {
        if let failAfterPackets, totals.copiedPackets + totals.addedPackets >= failAfterPackets {
            throw MediaError(
                .ioFailed, path: label, operation: "write",
                message: "injected failure after \(failAfterPackets) packets")
        }
    }

    private func copyPackets(
        _ oc: UnsafeMutablePointer<AVFormatContext>, _ pkt: UnsafeMutablePointer<AVPacket>
    ) throws(MediaError) {
        let timeBaseQ = cffmpeg_time_base_q()
        while true {
            var rc = av_read_frame(source.context, pkt)
            if rc == cffmpeg_averror_eof { return }
            if rc < 0 { throw MediaError.input(rc, path: source.path, operation: "read packets") }
            let index = Int(pkt.pointee.stream_index)
            guard index < plan.fates.count, case .keep(let outputIndex) = plan.fates[index] else {
                av_packet_unref(pkt)
                continue
            }
            let input = source.stream(index)
            let ts = FFmpegSupport.isSet(pkt.pointee.dts) ? pkt.pointee.dts : pkt.pointee.pts
            if FFmpegSupport.isSet(ts) {
                let now = FFmpegSupport.rescale(ts, from: input.pointee.time_base, to: timeBaseQ)
                do throws(MediaError) {
                    for queue in subtitleQueues { try writeSubtitles(queue, upTo: now, oc) }
                    for queue in audioQueues { try writeAudio(queue, upTo: now, oc) }
                } catch {
                    av_packet_unref(pkt)
                    throw error
                }
            }
            do throws(MediaError) { try countWrite() } catch {
                av_packet_unref(pkt)
                throw error
            }
            let st = oc.pointee.streams[outputIndex]!
            av_packet_rescale_ts(pkt, input.pointee.time_base, st.pointee.time_base)
            if totals.firstTimestamps[outputIndex] == nil, FFmpegSupport.isSet(pkt.pointee.pts) {
                totals.firstTimestamps[outputIndex] = Stamp(pts: pkt.pointee.pts, timeBase: st.pointee.time_base)
            }
            shift(pkt, by: timestampOffsets[outputIndex])
            pkt.pointee.stream_index = Int32(outputIndex)
            pkt.pointee.pos = -1
            rc = av_interleaved_write_frame(oc, pkt)
            if rc < 0 { throw fail(rc, "write packet of stream #\(index)") }
            totals.copiedPackets += 1
        }
    }

    /// Writes the queued subtitle events that start at or before `now` (µs on the container clock).
    private func writeSubtitles(_ queue: SubtitleQueue, upTo now: Int64, _ oc: UnsafeMutablePointer<AVFormatContext>)
        throws(MediaError)
    {
        let start = source.presentationStart
        let micro = cffmpeg_time_base_q()
        let tb = queue.stream.pointee.time_base
        while queue.next < queue.events.count {
            let event = queue.events[queue.next]
            let at = start + event.start * 1000
            guard at <= now else { return }
            try countWrite()
            guard let pkt = av_packet_alloc() else { throw outOfMemory("write subtitles") }
            var owned: UnsafeMutablePointer<AVPacket>? = pkt
            defer { av_packet_free(&owned) }
            var rc = av_new_packet(pkt, Int32(event.bytes.count))
            if rc < 0 { throw fail(rc, "write subtitles") }
            event.bytes.withUnsafeBufferPointer { bytes in
                if let base = bytes.baseAddress { pkt.pointee.data.update(from: base, count: bytes.count) }
            }
            let pts = FFmpegSupport.rescale(at, from: micro, to: tb)
            pkt.pointee.pts = pts
            pkt.pointee.dts = pts
            pkt.pointee.duration = FFmpegSupport.rescale(start + event.end * 1000, from: micro, to: tb) - pts
            pkt.pointee.flags |= AV_PKT_FLAG_KEY
            pkt.pointee.stream_index = queue.stream.pointee.index
            rc = av_interleaved_write_frame(oc, pkt)
            if rc < 0 { throw fail(rc, "write subtitle packet") }
            totals.addedPackets += 1
            queue.next += 1
        }
    }

    /// Writes the added audio's packets whose time is at or before `now` (µs on the container clock).
    private func writeAudio(_ queue: AudioQueue, upTo now: Int64, _ oc: UnsafeMutablePointer<AVFormatContext>)
        throws(MediaError)
    {
        let target = FFmpegSupport.rescale(source.presentationStart, from: cffmpeg_time_base_q(), to: queue.timeBase)
        while let pkt = try queue.peek() {
            // MP4 edit lists hide priming before a zero start; anywhere else it would move the presentation start.
            let offset = queue.offset(target: target, keepsPriming: !(container.isISOBMFF && target == 0))
            let ts = FFmpegSupport.isSet(pkt.pointee.dts) ? pkt.pointee.dts : pkt.pointee.pts
            if FFmpegSupport.isSet(ts),
                FFmpegSupport.rescale(ts + offset, from: queue.timeBase, to: cffmpeg_time_base_q()) > now
            {
                return
            }
            try countWrite()
            if FFmpegSupport.isSet(pkt.pointee.pts) { pkt.pointee.pts += offset }
            if FFmpegSupport.isSet(pkt.pointee.dts) { pkt.pointee.dts += offset }
            av_packet_rescale_ts(pkt, queue.timeBase, queue.output.pointee.time_base)
            shift(pkt, by: timestampOffsets[Int(queue.output.pointee.index)])
            pkt.pointee.stream_index = queue.output.pointee.index
            pkt.pointee.pos = -1
            let rc = av_interleaved_write_frame(oc, pkt)
            queue.consumed()
            if rc < 0 { throw fail(rc, "write audio packet from \(queue.input.path)") }
            totals.addedPackets += 1
        }
    }

    private func shift(_ pkt: UnsafeMutablePointer<AVPacket>, by offset: Int64) {
        guard offset != 0 else { return }
        if FFmpegSupport.isSet(pkt.pointee.pts) { pkt.pointee.pts += offset }
        if FFmpegSupport.isSet(pkt.pointee.dts) { pkt.pointee.dts += offset }
    }

    private func release() {
        for queue in audioQueues { queue.release() }
        audioQueues = []
        av_packet_free(&packet)
        if let output {
            if output.pointee.pb != nil { avio_closep(&output.pointee.pb) }
            avformat_free_context(output)
            self.output = nil
        }
    }
}
