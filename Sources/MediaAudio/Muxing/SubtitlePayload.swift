import CFFmpeg
import Foundation

/// Turns cues (their text rendered by the caller) into the packets of a text subtitle codec, and makes that codec's
/// stream parameters.
///
/// The packets are written directly rather than through FFmpeg's subtitle encoders: those take ASS events, whose
/// override syntax (`{\...}`, `\N`) would change text that happens to contain it. The encoders are still opened
/// once, for the codec parameters (the `mov_text` sample description in particular).
struct SubtitlePayload {
    /// One packet: its bytes and its time on the presentation timeline.
    struct Event {
        var start: Int64
        var end: Int64
        var bytes: [UInt8]
    }

    let codecName: String

    init(container: MuxContainer) {
        codecName = container.subtitleCodecName
    }

    /// The events in start order, without empty cues; `emptyCount` says how many were left out.
    ///
    /// - Throws: `MediaError(.invalidArgument)` for a cue that ends before it starts or starts before 0, and for
    ///   `mov_text` text over 65535 bytes.
    func events(_ cues: [TimedText], path: String) throws(MediaError) -> (events: [Event], emptyCount: Int) {
        var timed: [(start: Int64, end: Int64, lines: [String], cue: Int)] = []
        var empty = 0
        for (number, cue) in cues.enumerated() {
            guard cue.start >= 0, cue.end > cue.start else {
                throw MediaError(
                    .invalidArgument, path: path, operation: "mux subtitles",
                    message: "cue \(number + 1) has invalid times \(cue.start)...\(cue.end) ms")
            }
            let lines = cue.lines(forCodec: codecName)
            if lines.isEmpty {
                empty += 1
            } else {
                timed.append((cue.start, cue.end, lines, number + 1))
            }
        }
        // Stable: cues with equal starts keep their order.
        timed = timed.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
        if codecName == "mov_text" {
            // A 3GPP text track shows one sample at a time: cues starting together share a sample, and a cue ends
            // where the next one begins.
            var merged: [(start: Int64, end: Int64, lines: [String], cue: Int)] = []
            for item in timed {
                if let last = merged.last, last.start == item.start {
                    merged[merged.count - 1].lines += item.lines
                    merged[merged.count - 1].end = max(last.end, item.end)
                } else {
                    merged.append(item)
                }
            }
            for i in merged.indices.dropLast() where merged[i].end > merged[i + 1].start {
                merged[i].end = merged[i + 1].start
            }
            timed = merged
        }
        var events: [Event] = []
        events.reserveCapacity(timed.count)
        for item in timed {
            events.append(Event(start: item.start, end: item.end, bytes: try payload(item.lines, cue: item.cue, path: path)))
        }
        return (events, empty)
    }

    /// The packet bytes for one cue's lines.
    func payload(_ lines: [String], cue: Int, path: String) throws(MediaError) -> [UInt8] {
        let text = lines.joined(separator: "\n")
        switch codecName {
        case "mov_text":
            let utf8 = Array(text.utf8)
            guard utf8.count <= Int(UInt16.max) else {
                throw MediaError(
                    .invalidArgument, path: path, operation: "mux subtitles",
                    message: "cue \(cue) is longer than the 65535 bytes a mov_text sample holds")
            }
            return [UInt8(utf8.count >> 8), UInt8(utf8.count & 0xFF)] + utf8
        default:
            return Array(text.utf8)
        }
    }

    /// Matroska's `ass` packets for `events` in start order: `ReadOrder,` and the event's fields after the times.
    /// - Throws: `MediaError(.invalidArgument)` for an event that ends before it starts or starts before 0.
    static func assEvents(_ events: [TimedText], path: String) throws(MediaError) -> [Event] {
        var result: [Event] = []
        result.reserveCapacity(events.count)
        for (number, event) in events.enumerated() {
            guard event.start >= 0, event.end > event.start else {
                throw MediaError(
                    .invalidArgument, path: path, operation: "mux subtitles",
                    message: "event \(number + 1) has invalid times \(event.start)...\(event.end) ms")
            }
            let fields = event.text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "\\N")
            result.append(Event(start: event.start, end: event.end, bytes: Array("\(number),\(fields)".utf8)))
        }
        return result.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
    }

    /// Fills `parameters` for Matroska's `ass` codec, the script header as its private data.
    static func fillASSParameters(
        _ parameters: UnsafeMutablePointer<AVCodecParameters>, header: String, path: String
    ) throws(MediaError) {
        let bytes = Array(header.utf8)
        guard let data = av_mallocz(bytes.count + Int(AV_INPUT_BUFFER_PADDING_SIZE))?.assumingMemoryBound(to: UInt8.self) else {
            throw MediaError(.encodeFailed, path: path, operation: "mux subtitles", message: "out of memory")
        }
        data.update(from: bytes, count: bytes.count)
        parameters.pointee.codec_type = AVMEDIA_TYPE_SUBTITLE
        parameters.pointee.codec_id = AV_CODEC_ID_ASS
        parameters.pointee.extradata = data
        parameters.pointee.extradata_size = Int32(bytes.count)
    }

    /// A minimal ASS header: one default style (white 16 pt Arial, bottom centre), as players expect.
    static let assHeader = """
        [Script Info]
        ScriptType: v4.00+
        PlayResX: 384
        PlayResY: 288

        [V4+ Styles]
        Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
        Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, \
        MarginR, MarginV, Encoding
        Style: Default,Arial,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,0,100,100,0,0,1,1,0,2,10,10,10,0

        [Events]
        Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text

        """

    /// Fills `parameters` with the codec's stream parameters, taken from FFmpeg's encoder for that codec.
    func fillParameters(_ parameters: UnsafeMutablePointer<AVCodecParameters>, path: String) throws(MediaError) {
        guard let codec = avcodec_find_encoder_by_name(codecName) else {
            throw MediaError(
                .encoderNotFound, path: path, operation: "mux subtitles",
                message: "this FFmpeg build has no '\(codecName)' encoder")
        }
        var context = avcodec_alloc_context3(codec)
        guard let encoder = context else {
            throw MediaError(.encodeFailed, path: path, operation: "mux subtitles", message: "out of memory")
        }
        defer { avcodec_free_context(&context) }
        encoder.pointee.time_base = AVRational(num: 1, den: 1000)
        // The encoders read their default style from an ASS header (and refuse to open without one); the codec
        // owns the copy and frees it with the context.
        let header = Array(Self.assHeader.utf8)
        guard let copy = av_malloc(header.count + 1)?.assumingMemoryBound(to: UInt8.self) else {
            throw MediaError(.encodeFailed, path: path, operation: "mux subtitles", message: "out of memory")
        }
        copy.update(from: header, count: header.count)
        copy[header.count] = 0
        encoder.pointee.subtitle_header = copy
        encoder.pointee.subtitle_header_size = Int32(header.count)
        var rc = avcodec_open2(encoder, codec, nil)
        if rc >= 0 { rc = avcodec_parameters_from_context(parameters, encoder) }
        if rc < 0 { throw MediaError.output(rc, path: path, operation: "mux subtitles (\(codecName) parameters)") }
    }
}
