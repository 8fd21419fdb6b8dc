import Foundation
import MediaAudio
import Subtitles
import Testing
import TestSupport

/// `--embed` and `subtitler mux`: subtitles into the file itself, seen by our probe and by ffprobe.
@Suite(.serialized)
struct EmbedTests {
    static let verbose = #"{"task":"transcribe","language":"german","duration":15.0,"text":"Guten Tag.","segments":[{"id":0,"start":0.1,"end":2.0,"text":" Guten Tag und herzlich willkommen."}]}"#

    func subtitleStreams(_ path: String) throws -> [StreamInfo] {
        try MediaProbe.probe(path).streams.filter { $0.kind == .subtitle }
    }

    @Test func embedMuxesTheSubtitlesIntoTheInputWithTheSidecarsAndReplacesThemOnARerun() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Self.verbose)])
        defer { Task { try? await server.shutdown() } }
        let video = scratch.path("clip.mkv")
        try FileManager.default.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: video)
        let audioBefore = try FFmpegCLI.run(["-i", video, "-map", "0:a:0", "-c", "copy", "-f", "md5", "-"])
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        let first = try await CommandRunner.run(["transcribe", video, "--embed", "--sdh", "--json"], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.path("clip.de.sdh.srt")))
        let tracks = try subtitleStreams(video)
        #expect(tracks.count == 1)
        #expect(tracks.first?.language == "ger")
        #expect(tracks.first?.title == "German (SDH)")
        #expect(tracks.first?.dispositions.contains(.hearingImpaired) == true)
        #expect(try FFmpegCLI.run(["-i", video, "-map", "0:a:0", "-c", "copy", "-f", "md5", "-"]) == audioBefore)
        // A rerun with --force replaces the track instead of adding a second one.
        let again = try await CommandRunner.run(["transcribe", video, "--embed", "--sdh", "--force"], environment: env)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try subtitleStreams(video).count == 1)
        #expect(try scratch.files() == ["clip.de.sdh.srt", "clip.mkv"])
    }

    @Test func embedRefusesContainersThatCannotHoldSubtitlesBeforeSendingAnything() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Self.verbose)])
        defer { Task { try? await server.shutdown() } }
        _ = try FFmpegCLI.run(["-y", "-f", "lavfi", "-i", "sine=frequency=300:duration=3", scratch.path("tone.wav")])
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        let result = try await CommandRunner.run(["transcribe", scratch.path("tone.wav"), "--embed", "--language", "en"], environment: env)
        #expect(result.status == 1)
        #expect(result.stderr.contains("tone.wav") && result.stderr.contains("--embed"), "\(result.stderr)")
        #expect(server.requestCount == 0)
        #expect(try scratch.files() == ["tone.wav"])
    }

    @Test func muxTakesLanguageTitleAndFlagsFromTheNamesAndReplacesItsOwnTracks() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = CommandRunner.environment([:], cache: scratch.cache)
        let video = scratch.path("talk.mp4")
        try FileManager.default.copyItem(atPath: Samples.url("talk-en.mp4").path, toPath: video)
        try "1\n00:00:01,000 --> 00:00:03,000\nHello.\n".write(toFile: scratch.path("talk.en.srt"), atomically: true, encoding: .utf8)
        try "1\n00:00:01,000 --> 00:00:03,000\nHallo.\n".write(toFile: scratch.path("talk.de.forced.srt"), atomically: true, encoding: .utf8)
        let result = try await CommandRunner.run(["mux", video, scratch.path("talk.en.srt"), scratch.path("talk.de.forced.srt")], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let muxed = scratch.path("talk.subtitled.mp4")
        let tracks = try subtitleStreams(muxed)
        #expect(tracks.map(\.codec) == ["mov_text", "mov_text"])
        #expect(tracks.compactMap(\.language) == ["eng", "deu"])
        #expect(tracks.last?.dispositions.contains(.forced) == true)
        // ffprobe agrees and reads the cue back.
        let srt = String(decoding: try FFmpegCLI.run(["-i", muxed, "-map", "0:s:0", "-f", "srt", "-"]), as: UTF8.self)
        #expect(srt.contains("00:00:01,000 --> 00:00:03,000") && srt.contains("Hello."))
        // In place, twice: one track per language.
        for _ in 0..<2 {
            let inPlace = try await CommandRunner.run(["mux", video, scratch.path("talk.en.srt"), "--in-place"], environment: env)
            #expect(inPlace.status == 0, "\(inPlace.stderr)")
        }
        #expect(try subtitleStreams(video).count == 1)
        let bad = try await CommandRunner.run(["mux", video, scratch.path("missing.srt")], environment: env)
        #expect(bad.status == 1 && bad.stderr.contains("missing.srt"))
    }

    /// A styled ASS script muxed into MKV is an `ass` track whose script FFmpeg gives back as written: the style,
    /// an override tag and karaoke tags survive; into MP4 the same file is a mov_text track of its plain text.
    @Test func muxKeepsAnASSScriptAsAnASSTrackInMatroska() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = CommandRunner.environment([:], cache: scratch.cache)
        let video = scratch.path("clip.mkv")
        try FileManager.default.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: video)
        let styleLine = "Style: Sign,DejaVu Sans,40,&H0000FFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,1,2,0,8,10,10,20,1"
        let script = """
            [Script Info]
            ScriptType: v4.00+
            PlayResX: 640
            PlayResY: 360

            [V4+ Styles]
            Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
            \(styleLine)

            [Events]
            Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
            Dialogue: 0,0:00:01.00,0:00:03.50,Sign,Ann,0,0,0,,{\\an8}Guten {\\k40}Tag, Berlin
            Dialogue: 1,0:00:04.00,0:00:05.00,Sign,,0,0,0,,{\\k50}Zwei{\\k50}te\\NZeile

            """
        try script.write(toFile: scratch.path("clip.de.ass"), atomically: true, encoding: .utf8)
        let result = try await CommandRunner.run(["mux", video, scratch.path("clip.de.ass")], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let muxed = scratch.path("clip.subtitled.mkv")
        let tracks = try subtitleStreams(muxed)
        #expect(tracks.map(\.codec) == ["ass"])
        #expect(tracks.first?.language == "ger")
        let back = String(decoding: try FFmpegCLI.run(["-i", muxed, "-map", "0:s:0", "-c", "copy", "-f", "ass", "-"]), as: UTF8.self)
        #expect(back.contains(styleLine))
        #expect(back.contains("Dialogue: 0,0:00:01.00,0:00:03.50,Sign,Ann,0,0,0,,{\\an8}Guten {\\k40}Tag, Berlin"), "\(back)")
        #expect(back.contains("Dialogue: 1,0:00:04.00,0:00:05.00,Sign,,0,0,0,,{\\k50}Zwei{\\k50}te\\NZeile"), "\(back)")

        // MP4 takes text subtitles: the plain text of each event.
        let mp4 = scratch.path("talk.mp4")
        try FileManager.default.copyItem(atPath: Samples.url("talk-en.mp4").path, toPath: mp4)
        let text = try await CommandRunner.run(["mux", mp4, scratch.path("clip.de.ass")], environment: env)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(try subtitleStreams(scratch.path("talk.subtitled.mp4")).map(\.codec) == ["mov_text"])
        let srt = String(decoding: try FFmpegCLI.run(["-i", scratch.path("talk.subtitled.mp4"), "-map", "0:s:0", "-f", "srt", "-"]), as: UTF8.self)
        #expect(srt.contains("Guten Tag, Berlin"), "\(srt)")
    }

    /// `transcribe --embed --format ass --karaoke` on MKV: the track is the ASS sidecar's script, \\k tags and all.
    @Test func embedWithAnASSOutputMuxesAnASSTrackWithItsKaraoke() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Self.verbose)])
        defer { Task { try? await server.shutdown() } }
        let video = scratch.path("clip.mkv")
        try FileManager.default.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: video)
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        let result = try await CommandRunner.run(["transcribe", video, "--embed", "--format", "ass", "--karaoke"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try subtitleStreams(video).map(\.codec) == ["ass"])
        let sidecar = try String(contentsOfFile: scratch.path("clip.de.ass"), encoding: .utf8)
        #expect(sidecar.contains("{\\k"))
        let back = String(decoding: try FFmpegCLI.run(["-i", video, "-map", "0:s:0", "-c", "copy", "-f", "ass", "-"]), as: UTF8.self)
        // FFmpeg writes the script back with CRLF line ends.
        let dialogue = { (text: String) in text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("Dialogue:") } }
        #expect(!dialogue(sidecar).isEmpty)
        #expect(dialogue(back) == dialogue(sidecar))
    }
}
