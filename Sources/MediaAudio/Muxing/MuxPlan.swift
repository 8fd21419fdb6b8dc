import CFFmpeg

/// Which source streams go into the output, where each addition lands, and which `default` flags are cleared.
/// Decided before anything is written.
struct MuxPlan {
    /// What happens to one source stream.
    enum Fate: Equatable {
        case keep(outputIndex: Int)
        case replaced
        case skipped(String)
    }

    /// One entry per source stream, in source order.
    var fates: [Fate] = []
    /// The output index of each addition, in the order given.
    var additionIndices: [Int] = []
    /// Whether source and target are the same container family (Matroska/WebM, or MP4/MOV), so that copied packets
    /// keep their timestamps exactly; otherwise the muxer may move all streams together.
    var keepsTimestampsExactly = true
    /// Media types whose kept streams lose `default` because an addition of that type asks for it.
    var clearDefault: Set<StreamInfo.Kind> = []
    /// Source streams that carry subtitler's marker (whatever their fate).
    var marked: Set<Int> = []
    /// What each output stream is, in output order.
    enum Output: Equatable {
        case source(Int)
        case addition(Int)
    }

    /// The output streams in order.
    var outputs: [Output] = []
    /// Streams in the output.
    var outputStreamCount: Int { outputs.count }

    /// The identity that "one track per language and kind" compares.
    struct Identity: Hashable {
        var kind: StreamInfo.Kind
        var language: String
        var forced: Bool
        var hearingImpaired: Bool

        init(kind: StreamInfo.Kind, language: String?, dispositions: Set<Disposition>) {
            self.kind = kind
            self.language = language.flatMap { LanguageCodes.entry(for: $0)?.iso639_2B ?? $0.lowercased() } ?? "und"
            forced = dispositions.contains(.forced)
            // WebM keeps hearing-impaired subtitles only as WebVTT captions.
            hearingImpaired = dispositions.contains(.hearingImpaired) || dispositions.contains(.captions)
        }
    }

    /// Plans muxing `additions` into `source`, written with `format`.
    ///
    /// - Throws: `MediaError(.invalidArgument)` naming `outputLabel` when an audio, video or subtitle stream of the
    ///   source cannot be stored in the target container.
    init(
        source: InputFile, additions: [TrackAddition], replacement: MarkedTrackReplacement,
        format: UnsafePointer<AVOutputFormat>, container: MuxContainer, outputLabel: String
    ) throws(MediaError) {
        let sourceFormat = source.info.formatName
        keepsTimestampsExactly =
            container.isISOBMFF ? sourceFormat.contains("mov") || sourceFormat.contains("mp4") : sourceFormat.contains("matroska")
        let wanted = Set(additions.map { Identity(kind: $0.kind, language: $0.language, dispositions: $0.dispositions) })
        for addition in additions where addition.dispositions.contains(.default) { clearDefault.insert(addition.kind) }
        var next = 0
        var attachments: [Int] = []
        for info in source.info.streams {
            let st = source.stream(info.index)
            if info.isSubtitlerTrack { marked.insert(info.index) }
            let identity = Identity(kind: info.kind, language: info.language, dispositions: Set(info.dispositions))
            let replace =
                info.isSubtitlerTrack
                && (replacement == .all || (replacement == .matchingAdditions && wanted.contains(identity)))
            if replace {
                fates.append(.replaced)
                continue
            }
            if st.pointee.discard == AVDISCARD_ALL {
                // The QuickTime chapter text track: the demuxer turns it into chapters, and the MP4 muxer writes a
                // new one from them; copying it too would leave two.
                fates.append(.skipped("chapter text track (the chapters are copied and the track rebuilt from them)"))
                continue
            }
            if info.kind == .attachment {
                // Attachments (fonts, cover art) have no packets; only Matroska stores them, after all tracks.
                if container == .matroska {
                    attachments.append(info.index)
                    fates.append(.keep(outputIndex: -1))
                } else {
                    fates.append(.skipped("\(container.rawValue) cannot store attachments"))
                }
                continue
            }
            let codecID = st.pointee.codecpar.pointee.codec_id
            if (info.kind == .data || info.kind == .unknown) && codecID == AV_CODEC_ID_NONE {
                // E.g. a QuickTime timecode track: no codec FFmpeg could write back (the MOV muxer makes its own
                // from the video's `timecode` tag, which is copied).
                fates.append(.skipped("\(info.kind.rawValue) stream without a codec FFmpeg can write"))
                continue
            }
            let supported = avformat_query_codec(format, codecID, FF_COMPLIANCE_NORMAL)
            if supported == 0 {
                let codec = info.codec ?? "unknown codec"
                if info.kind == .audio || info.kind == .video || info.kind == .subtitle {
                    throw MediaError(
                        .invalidArgument, path: outputLabel, operation: "mux",
                        message: "stream #\(info.index) (\(info.kind.rawValue), \(codec)) of \(source.path) "
                            + "cannot be stored in \(container.rawValue)")
                }
                fates.append(.skipped("\(container.rawValue) cannot store \(info.kind.rawValue) streams of \(codec)"))
                continue
            }
            fates.append(.keep(outputIndex: next))
            outputs.append(.source(info.index))
            next += 1
        }
        for number in additions.indices {
            additionIndices.append(next)
            outputs.append(.addition(number))
            next += 1
        }
        // Matroska keeps attachments apart from the tracks, so they read back last: plan them last.
        for index in attachments {
            fates[index] = .keep(outputIndex: next)
            outputs.append(.source(index))
            next += 1
        }
    }

    /// Source streams replaced, as probed.
    func replaced(in source: InputFile) -> [StreamInfo] {
        zip(source.info.streams, fates).compactMap { $1 == .replaced ? $0 : nil }
    }

    /// Source streams skipped, with the reason.
    func skipped(in source: InputFile) -> [SkippedStream] {
        zip(source.info.streams, fates).compactMap { info, fate in
            if case .skipped(let reason) = fate { return SkippedStream(stream: info, reason: reason) }
            return nil
        }
    }
}
