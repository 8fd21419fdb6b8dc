import Foundation
import TestSupport
import MediaAudio

/// Source files for the muxing tests, generated once per run with the ffmpeg CLI (see `Fixture`).
enum MuxFixture {
    static let video = Fixture.lavfi("testsrc=size=64x48:rate=10:duration=6")
    static let tone = Fixture.lavfi(Fixture.tone(440, seconds: 6))

    /// A SubRip file, used as an existing subtitle stream in the sources.
    static let germanSRT: Result<String, FixtureError> = {
        let text = "1\n00:00:01,000 --> 00:00:02,000\nHallo\n\n2\n00:00:03,000 --> 00:00:04,500\nWelt\n\n"
        do {
            return .success(try Fixture.write("mux-existing.srt", Array(text.utf8)))
        } catch {
            return .failure(FixtureError(description: "\(error)"))
        }
    }()

    /// A small "font" attachment (any bytes do; Matroska stores them as given).
    static let attachment: Result<String, FixtureError> = {
        do {
            return .success(try Fixture.write("mux-font.ttf", (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }))
        } catch {
            return .failure(FixtureError(description: "\(error)"))
        }
    }()

    /// FFmpeg metadata with two chapters and a global title.
    static let chapters: Result<String, FixtureError> = {
        let text = """
            ;FFMETADATA1
            title=Mux fixture
            [CHAPTER]
            TIMEBASE=1/1000
            START=0
            END=3000
            title=Opening
            [CHAPTER]
            TIMEBASE=1/1000
            START=3000
            END=6000
            title=Ending

            """
        do {
            return .success(try Fixture.write("mux-chapters.txt", Array(text.utf8)))
        } catch {
            return .failure(FixtureError(description: "\(error)"))
        }
    }()

    /// MKV: #0 video, #1 AAC `eng` default, #2 SubRip `ger` "Deutsch", #3 font attachment; two chapters, a title.
    static let matroska: Result<String, FixtureError> = {
        do {
            let srt = try germanSRT.get()
            let font = try attachment.get()
            let meta = try chapters.get()
            return Fixture.make(
                "mux-source.mkv",
                video + tone + ["-i", srt, "-i", meta, "-attach", font, "-map", "0", "-map", "1", "-map", "2",
                    "-map_metadata", "3", "-map_chapters", "3", "-c:v", "mpeg4", "-c:a", "aac", "-c:s", "copy",
                    "-metadata:s:a:0", "language=eng", "-metadata:s:s:0", "language=ger",
                    "-metadata:s:s:0", "title=Deutsch", "-metadata:s:t:0", "mimetype=font/ttf",
                    "-disposition:a:0", "default", "-disposition:s:0", "0"])
        } catch {
            return .failure(FixtureError(description: "\(error)"))
        }
    }()

    /// MP4: #0 video, #1 AAC default; two chapters (a hidden QuickTime chapter track), a title.
    static let mp4: Result<String, FixtureError> = {
        do {
            let meta = try chapters.get()
            return Fixture.make(
                "mux-source.mp4",
                video + tone + ["-i", meta, "-map", "0", "-map", "1", "-map_metadata", "2", "-map_chapters", "2",
                    "-c:v", "mpeg4", "-c:a", "aac", "-metadata:s:a:0", "language=eng"])
        } catch {
            return .failure(FixtureError(description: "\(error)"))
        }
    }()

    /// QuickTime: #0 video, #1 AAC.
    static let mov = Fixture.make("mux-source.mov", video + tone + ["-c:v", "mpeg4", "-c:a", "aac"])

    /// QuickTime with a timecode track: #0 video (tagged `timecode`), #1 AAC, #2 `tmcd` data.
    static let movTimecode = Fixture.make(
        "mux-timecode.mov", video + tone + ["-c:v", "mpeg4", "-c:a", "aac", "-timecode", "01:00:00:00"])

    /// iTunes-style M4V (FFmpeg's `ipod` muxer): #0 video, #1 AAC.
    static let m4v = Fixture.make("mux-source.m4v", video + tone + ["-c:v", "mpeg4", "-c:a", "aac"])

    /// WebM: #0 VP8, #1 Opus.
    static let webm = Fixture.make(
        "mux-source.webm", video + tone + ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"])

    /// Streams that do not start at zero: everything offset by 1.4 s, and audio that starts 2.5 s after the video.
    static func delayed(_ ext: String) -> Result<String, FixtureError> {
        Fixture.make(
            "mux-delayed." + ext,
            video + ["-itsoffset", "2.5"] + Fixture.lavfi(Fixture.tone(1000, seconds: 3))
                + ["-c:v", "mpeg4", "-c:a", "aac", "-output_ts_offset", "1.4"])
    }
    static let delayedMKV = delayed("mkv")
    static let delayedMP4 = delayed("mp4")

    /// A dub track as the dub pipeline makes it: mono speech-like audio through MediaAudio's own encoder.
    static func dub(_ encoding: AudioEncoding) throws -> String {
        let samples = Signal.chirp(seconds: 6, sampleRate: 24_000)
        let encoded = try AudioEncoder.encode(samples, sampleRate: 24_000, as: encoding)
        return try Fixture.write("mux-dub-\(encoding.rawValue).\(encoding.fileExtension)", encoded.data)
    }

    /// A private copy of a fixture in `directory` (muxing in place must not touch the shared one).
    static func copy(_ fixture: Result<String, FixtureError>, to directory: URL, as name: String) throws -> String {
        let destination = directory.appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: try fixture.get(), toPath: destination)
        return destination
    }
}

/// What ffprobe says about one stream (from `-show_streams -count_packets -of json`).
struct ProbedStream: Decodable, Equatable {
    var index: Int
    var codecName: String?
    var codecType: String
    var packetCount: String?
    var duration: String?
    var disposition: [String: Int]
    var tags: [String: String]?

    enum CodingKeys: String, CodingKey {
        case index, duration, disposition, tags
        case codecName = "codec_name"
        case codecType = "codec_type"
        case packetCount = "nb_read_packets"
    }

    /// The stream duration in seconds: ffprobe's, else Matroska's `DURATION` tag; 0 when neither is known.
    var durationSeconds: Double {
        if let duration, let seconds = Double(duration) { return seconds }
        guard let tag = tag("DURATION") else { return 0 }
        let parts = tag.split(separator: ":").compactMap { Double($0) }
        return parts.count == 3 ? (parts[0] * 60 + parts[1]) * 60 + parts[2] : 0
    }

    /// The dispositions that are set, by FFmpeg's name.
    var flags: Set<String> { Set(disposition.filter { $0.value != 0 }.map(\.key)) }

    func tag(_ key: String) -> String? {
        tags?.first { $0.key.caseInsensitiveCompare(key) == .orderedSame }?.value
    }
}

struct ProbedChapter: Decodable, Equatable {
    var start: Int64
    var end: Int64
    var timeBase: String
    var tags: [String: String]?

    enum CodingKeys: String, CodingKey {
        case start, end, tags
        case timeBase = "time_base"
    }
}

struct ProbedFile: Decodable {
    struct Format: Decodable {
        var startTime: String?
        var tags: [String: String]?
        enum CodingKeys: String, CodingKey {
            case tags
            case startTime = "start_time"
        }
    }

    var streams: [ProbedStream]
    var chapters: [ProbedChapter]
    var format: Format

    /// Presentation start in milliseconds.
    var startMilliseconds: Int64 { Int64(((Double(format.startTime ?? "0") ?? 0) * 1000).rounded()) }
}

/// ffprobe and ffmpeg as oracles for muxed files.
enum MuxOracle {
    static func probe(_ path: String) throws -> ProbedFile {
        let result = try Tool.run(
            "ffprobe",
            ["-v", "error", "-count_packets", "-show_streams", "-show_chapters", "-show_format", "-of", "json", path])
        guard result.status == 0 else { throw FixtureError(description: "ffprobe \(path): \(result.stderr)") }
        return try JSONDecoder().decode(ProbedFile.self, from: Data(result.stdout.utf8))
    }

    /// Per-packet timestamps, sizes and MD5s of one stream (`-c copy -f framemd5`), timestamps as stored.
    static func packets(_ path: String, stream: Int) throws -> [String] {
        let result = try Tool.run(
            "ffmpeg",
            ["-v", "error", "-nostdin", "-copyts", "-i", path, "-map", "0:\(stream)", "-c", "copy", "-f", "framemd5", "-"])
        guard result.status == 0 else { throw FixtureError(description: "framemd5 \(path)#\(stream): \(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    /// Only the packet sizes and MD5s (for streams whose time base changes with the container).
    static func packetHashes(_ path: String, stream: Int) throws -> [String] {
        // Fields: stream, dts, pts, duration, size, MD5[, side data...].
        try packets(path, stream: stream).map { line in
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return fields.count > 5 ? fields[4] + " " + fields[5] : line
        }
    }

    /// Packet timestamps (pts in seconds) of one stream, as stored.
    static func packetTimes(_ path: String, stream: Int) throws -> [Double] {
        let result = try Tool.run(
            "ffprobe",
            ["-v", "error", "-select_streams", "\(stream)", "-show_entries", "packet=pts_time,size", "-of", "csv=p=0",
                path])
        guard result.status == 0 else { throw FixtureError(description: "ffprobe packets \(path): \(result.stderr)") }
        return result.stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ",")
            // mov_text gaps are filled with empty (2-byte) samples; they are not cues.
            guard fields.count == 2, let size = Int(fields[1]), size > 2 else { return nil }
            return Double(fields[0])
        }
    }

    /// The subtitle stream extracted by ffmpeg to SubRip (ffmpeg subtracts the container start: presentation times).
    static func extractedCues(_ path: String, stream: Int) throws -> [TimedText] {
        let result = try Tool.run(
            "ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-map", "0:\(stream)", "-c:s", "srt", "-f", "srt", "-"])
        guard result.status == 0 else { throw FixtureError(description: "extract \(path)#\(stream): \(result.stderr)") }
        return try SRTReader.parse(result.stdout)
    }

    /// Attachment bytes, dumped by ffmpeg.
    static func attachment(_ path: String, stream: Int, into directory: URL) throws -> Data {
        let output = directory.appendingPathComponent("dumped-\(stream).bin").path
        _ = try Tool.run("ffmpeg", ["-v", "error", "-nostdin", "-y", "-dump_attachment:\(stream)", output, "-i", path])
        return try Data(contentsOf: URL(fileURLWithPath: output))
    }
}

/// A minimal SubRip reader for what ffmpeg writes (the Subtitles module is not a dependency of this target).
enum SRTReader {
    static func parse(_ text: String) throws -> [TimedText] {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var cues: [TimedText] = []
        for block in normalized.components(separatedBy: "\n\n") {
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                .filter { !$0.isEmpty }
            guard lines.count >= 2, let arrow = lines[1].range(of: " --> ") else { continue }
            guard let start = time(String(lines[1][..<arrow.lowerBound])),
                let end = time(String(lines[1][arrow.upperBound...]))
            else { throw FixtureError(description: "bad SRT timing line: \(lines[1])") }
            cues.append(TimedText(start: start, end: end, lines: Array(lines.dropFirst(2))))
        }
        return cues
    }

    static func time(_ text: String) -> Int64? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == ":" || $0 == "," })
        guard parts.count == 4, let h = Int64(parts[0]), let m = Int64(parts[1]), let s = Int64(parts[2]),
            let ms = Int64(parts[3])
        else { return nil }
        return ((h * 60 + m) * 60 + s) * 1000 + ms
    }
}
