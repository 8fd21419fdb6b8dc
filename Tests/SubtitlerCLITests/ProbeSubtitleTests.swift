import Foundation
import MediaAudio
import Testing
import TestSupport

/// `subtitler probe` shows subtitle streams with language, title and dispositions, and marks the tracks it wrote.
@Suite struct ProbeSubtitleTests {
    @Test func tableAndJSONShowSubtitleStreamsAndTheirDispositions() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let srt = scratch.path("cues.srt")
        try Data("1\n00:00:00,500 --> 00:00:01,500\nHi\n\n".utf8).write(to: URL(fileURLWithPath: srt))
        let path = scratch.path("film.mkv")
        // Three subtitle streams made by ffmpeg: default, forced, hearing-impaired ...
        _ = try FFmpegCLI.run(
            ["-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=5:duration=2", "-i", srt, "-i", srt, "-i", srt,
             "-map", "0", "-map", "1", "-map", "2", "-map", "3", "-c:v", "mpeg4", "-c:s", "copy",
             "-metadata:s:s:0", "language=eng", "-metadata:s:s:0", "title=English", "-disposition:s:0", "default",
             "-metadata:s:s:1", "language=ger", "-metadata:s:s:1", "title=Deutsch (erzwungen)",
             "-disposition:s:1", "forced",
             "-metadata:s:s:2", "language=eng", "-metadata:s:s:2", "title=English (SDH)",
             "-disposition:s:2", "hearing_impaired", path])
        // ... and one muxed by subtitler.
        _ = try MediaMuxer.mux(
            path, adding: [.subtitles([TimedText(start: 0, end: 900, lines: ["Salut"])], language: "fr", title: "Français")],
            to: .replacingSource)

        let env = CommandRunner.environment([:], cache: scratch.cache)
        let table = try await CommandRunner.run(["probe", path], environment: env)
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        func row(_ title: String) -> String? { lines.first { $0.hasSuffix("  " + title) } }
        let header = try #require(lines.first { $0.contains("flags") })
        #expect(header.contains("lang") && header.contains("title"))
        for (title, language, flags) in [
            ("English", "eng", "default"), ("Deutsch (erzwungen)", "ger", "forced"),
            ("English (SDH)", "eng", "hearing_impaired"), ("Français", "fre", "subtitler"),
        ] {
            let line = try #require(row(title), "no row for \(title) in:\n\(table.stdout)")
            #expect(line.contains(" subtitle ") && line.contains(" subrip "), "\(line)")
            #expect(line.contains(" \(language) "), "\(line)")
            #expect(line.contains(" \(flags) "), "\(line)")
        }

        let json = try await CommandRunner.run(["probe", "--json", path], environment: env)
        #expect(json.status == 0)
        let info = try #require(try JSONDecoder().decode([MediaInfo].self, from: json.stdoutData).first)
        let subtitles = info.streams.filter { $0.kind == .subtitle }
        #expect(subtitles.map(\.title) == ["English", "Deutsch (erzwungen)", "English (SDH)", "Français"])
        #expect(subtitles.map(\.language) == ["eng", "ger", "eng", "fre"])
        #expect(subtitles.map(\.dispositions) == [[.default], [.forced], [.hearingImpaired], []])
        #expect(subtitles.map(\.isSubtitlerTrack) == [false, false, false, true])
        let raw = String(decoding: json.stdoutData, as: UTF8.self)
        #expect(raw.contains("\"hearing_impaired\"") && raw.contains("\"isSubtitlerTrack\" : true"))
    }
}
