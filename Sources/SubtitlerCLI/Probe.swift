import ArgumentParser
import Foundation
import MediaAudio
import Subtitler

/// `subtitler probe`: the tracks of media files.
struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the streams of media files (audio, video, subtitles) as a table, or as JSON.",
        discussion: "Exit codes: 0 all read, 1 some input failed, 2 usage error."
    )

    @Argument(help: "Media files.")
    var inputs: [String]

    @Flag(help: "Print JSON (an array with one object per file) on stdout.")
    var json = false

    func run() async throws {
        var infos: [MediaInfo] = []
        var failed = 0
        for input in inputs {
            do {
                infos.append(try MediaProbe.probe(input))
            } catch {
                Console.error(error.description)
                failed += 1
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Console.out(String(decoding: try encoder.encode(infos), as: UTF8.self) + "\n")
        } else {
            Console.out(infos.map(Self.table).joined(separator: "\n"))
        }
        if failed > 0 { throw ExitCode(ExitStatus.failure) }
    }

    static func table(_ info: MediaInfo) -> String {
        var text = "\(info.path): \(info.formatName)"
        if let duration = info.duration { text += ", \(clock(duration))" }
        if let rate = info.bitRate { text += ", \(rate / 1000) kb/s" }
        text += "\n"
        let header = ["#", "type", "codec", "lang", "channels", "rate", "start", "duration", "flags", "title"]
        var rows = [header]
        for stream in info.streams {
            var channels = stream.channels.map(String.init) ?? ""
            if let layout = stream.channelLayout, !layout.isEmpty { channels += " (\(layout))" }
            var rate = stream.sampleRate.map { "\($0) Hz" } ?? ""
            if stream.kind == .video, let fps = stream.frameRate { rate = String(format: "%.3g fps", fps) }
            rows.append([
                String(stream.index), stream.kind.rawValue, stream.codec ?? "?", stream.language ?? "",
                channels, rate, stream.startTime.map(clock) ?? "", stream.duration.map(clock) ?? "",
                flags(stream), stream.title ?? "",
            ])
        }
        // Titles, languages and names come from the file: nothing in them may drive the terminal.
        rows = rows.map { $0.map(TextSanitising.printable) }
        text = TextSanitising.printable(text.trimmingCharacters(in: .newlines)) + "\n"
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
            text += "  " + cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
        }
        return text
    }

    /// Dispositions in FFmpeg's names, sorted, plus `subtitler` for a track this tool wrote (muxing replaces it).
    static func flags(_ stream: StreamInfo) -> String {
        var flags = stream.dispositions.map(\.rawValue).sorted()
        if stream.isSubtitlerTrack { flags.append("subtitler") }
        return flags.joined(separator: ",")
    }

    static func clock(_ ms: Int64) -> String {
        let sign = ms < 0 ? "-" : ""
        let value = abs(ms)
        return String(format: "%@%d:%02d:%02d.%03d", sign, Int(value / 3_600_000), Int(value / 60_000 % 60), Int(value / 1000 % 60), Int(value % 1000))
    }
}

/// `subtitler extract`: the chosen track as the pipeline hears it.
struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the chosen audio track as the pipeline hears it (mono, 16 kHz, on the media's timeline).",
        discussion: "The output's extension picks the encoding: .flac, .wav, .mp3, .opus or .m4a. Exit codes: 0 done, 1 failed, 2 usage error."
    )

    @Argument(help: "The media file.")
    var input: String

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The audio file to write.", valueName: "file"))
    var output: String

    @Option(help: "Sample rate of the output.")
    var rate: Int = 16_000

    @Option(help: "Audio stream index to use.")
    var track: Int?

    @Option(help: "Audio track by language: ISO 639-1 or 639-2 (de, ger, deu).")
    var audioLanguage: String?

    func validate() throws {
        guard AudioEncoding(fileExtension: (output as NSString).pathExtension) != nil else {
            throw ValidationError("cannot tell the format of '\(output)': use .flac, .wav, .mp3, .opus or .m4a")
        }
        guard (8_000...192_000).contains(rate) else { throw ValidationError("--rate must be between 8000 and 192000") }
        if track != nil && audioLanguage != nil { throw ValidationError("use either --track or --audio-language") }
    }

    func run() async throws {
        let selection: TrackSelection = track.map { .index($0) } ?? audioLanguage.map { .language($0) } ?? .automatic
        do {
            let summary = try AudioExtraction.extract(from: input, to: URL(fileURLWithPath: output), sampleRate: rate, track: selection)
            for warning in summary.warnings { Console.error("\(input): warning: \(warning)") }
            Console.error("\(input): wrote \(output) (\(Probe.clock(summary.sampleCount * 1000 / Int64(summary.sampleRate))) at \(summary.sampleRate) Hz)")
        } catch {
            Console.error(error.description)
            throw ExitCode(ExitStatus.failure)
        }
    }
}
