import Foundation
import MediaAudio
import Testing
import TestSupport

/// `subtitler dub` without the backend: usage, bad input, the report, interruption.
@Suite(.serialized)
struct DubCommandTests {
    @Test func usageErrorsExitTwo() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": "http://127.0.0.1:9/v1"], cache: scratch.cache)
        let input = Samples.url("clip-de.mkv").path
        let cases: [([String], String)] = [
            (["--output", scratch.path("x.mkv"), "--in-place"], "--in-place"),
            (["--max-tempo", "3"], "--max-tempo"),
            (["--max-speed", "0.5"], "--max-speed"),
            (["--duck", "-3"], "--duck"),
            (["--jobs", "0"], "--jobs"),
            (["--track", "1", "--audio-language", "de"], "--audio-language"),
            (["--translation-model", "gpt-4o-transcribe"], "whisper-1"),
            (["--output", scratch.path("x.avi")], ".mkv"),
            (["--fit", "sentence"], "sentence"),
        ]
        for (arguments, mention) in cases {
            let result = try await CommandRunner.run(["dub", input] + arguments, environment: env)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(mention), "\(arguments): \(result.stderr)")
        }
        let help = try await CommandRunner.run(["dub", "--help"], environment: env)
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit") && help.stdout.contains("130"))
        let noKey = try await CommandRunner.run(["dub", input], environment: CommandRunner.environment([:], cache: scratch.cache))
        #expect(noKey.status == 2)
        #expect(noKey.stderr.contains("OPENAI_API_KEY"))
        #expect(try scratch.files().isEmpty)
    }

    @Test func badInputsAreOneLineExitOneAndWriteNothing() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.bytes(200, [TrackMeasurements.toneWAV(seconds: 0.5)], contentType: "audio/wav")])
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        FileManager.default.createFile(atPath: scratch.path("notes.mkv"), contents: Data("not a video".utf8))
        FileManager.default.createFile(atPath: scratch.path("broken.srt"), contents: Data("1\nno timing here\n".utf8))
        try "1\n00:00:01,000 --> 00:00:02,000\nHello.\n".write(toFile: scratch.path("cues.srt"), atomically: true, encoding: .utf8)
        let sample = Samples.url("clip-de.mkv").path
        let cases: [([String], String)] = [
            ([scratch.path("missing.mkv"), "--cues", scratch.path("cues.srt")], scratch.path("missing.mkv")),
            ([scratch.path("notes.mkv"), "--cues", scratch.path("cues.srt")], scratch.path("notes.mkv")),
            ([sample, "--cues", scratch.path("broken.srt"), "--output", scratch.path("out.mkv")], scratch.path("broken.srt")),
            ([sample, "--cues", scratch.path("absent.srt"), "--output", scratch.path("out.mkv")], scratch.path("absent.srt")),
            ([sample, "--cues", scratch.path("cues.srt"), "--track", "0", "--output", scratch.path("out.mkv")], "#0"),
            ([sample, "--cues", scratch.path("cues.srt"), "--output", scratch.path("nodir/out.mkv")], "nodir"),
        ]
        for (arguments, mention) in cases {
            let result = try await CommandRunner.run(["dub"] + arguments, environment: env)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(mention), "\(arguments): \(result.stderr)")
        }
        #expect(server.requestCount == 0)
        #expect(try scratch.files() == ["broken.srt", "cues.srt", "notes.mkv"])
    }

    @Test func reportListsEveryCueAsTextAndJSON() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let long = TrackMeasurements.toneWAV(seconds: 3.0)
        let short = TrackMeasurements.toneWAV(seconds: 0.6)
        let server = try await StubHTTPServer.start { _, request in
            let body = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]) ?? [:]
            return .bytes(200, [body["input"] as? String == "A long line." ? long : short], contentType: "audio/wav")
        }
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["SUBTITLER_SPEECH_BASE_URL": server.baseURL, "OPENAI_API_KEY": "sk-dub-secret-1"],
                                            cache: scratch.cache)
        let srt = "1\n00:00:01,000 --> 00:00:02,000\nA long line.\n\n2\n00:00:02,500 --> 00:00:04,000\nShort.\n\n"
            + "3\n00:00:20,000 --> 00:00:21,000\nAfter the end.\n"
        try srt.write(toFile: scratch.path("cues.srt"), atomically: true, encoding: .utf8)
        let output = scratch.path("clip.dub.mp4")
        let arguments = ["dub", Samples.url("clip-de.mkv").path, "--cues", scratch.path("cues.srt"), "--output", output,
                         "--voice", "coral", "--instructions", "Calm.", "--default"]

        let text = try await CommandRunner.run(arguments, environment: env)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("wrote \(output)"))
        #expect(text.stdout.contains("did not fit: #1"))
        #expect(text.stdout.contains("past end"))
        #expect(text.stdout.contains("speech: 3 requests (1 at a higher speed)"))
        #expect(!text.stdout.contains("sk-dub-secret") && !text.stderr.contains("sk-dub-secret"))
        let bodies = server.requests.map { (try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any]) ?? [:] }
        #expect(bodies.allSatisfy { $0["voice"] as? String == "coral" && $0["instructions"] as? String == "Calm." })
        #expect(bodies.allSatisfy { $0["model"] as? String == "gpt-4o-mini-tts" })

        let json = try await CommandRunner.run(arguments + ["--json"], environment: env)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(server.requestCount == 3)   // the rerun came from the cache
        let report = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        let cues = try #require(report["cues"] as? [[String: Any]])
        #expect(cues.count == 3)
        for field in ["number", "text", "plannedStart", "plannedEnd", "slotEnd", "speed", "tempo", "status", "cached"] {
            #expect(cues.allSatisfy { $0[field] != nil }, "missing \(field)")
        }
        #expect(cues[0]["status"] as? String == "overran")
        #expect(cues[0]["tempo"] as? Double == 1.35)
        #expect(cues[0]["speed"] as? Double == 1)  // the stub answers at one speed whatever is asked
        #expect(cues[1]["actualStart"] as? Int ?? 0 > 2_500)
        #expect(cues[2]["status"] as? String == "outsideMedia")
        #expect(report["notFitted"] as? [Int] == [1])
        #expect(report["encoding"] as? String == "m4a")
        let speech = try #require(report["speech"] as? [String: Any])
        #expect(speech["requests"] as? Int == 0)
        #expect(speech["cacheHits"] as? Int == 3)
        #expect((report["warnings"] as? [String] ?? []).contains { $0.contains("speed") })

        // --default makes the dub the default audio track: the original loses the flag.
        let probe = try TrackMeasurements.ffprobe(output, ["-show_streams"])
        let audio = (probe["streams"] as? [[String: Any]] ?? []).filter { $0["codec_type"] as? String == "audio" }
        #expect(audio.count == 2)
        #expect(audio.map { ($0["disposition"] as? [String: Int])?["default"] } == [0, 1])
    }

    @Test func ctrlCWritesNothingAndExits130() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let answer = TrackMeasurements.toneWAV(seconds: 0.5)
        let unanswered = Gate()
        defer { unanswered.open() }
        let server = try await StubHTTPServer.start { index, _ in
            index == 0 ? .bytes(200, [answer], contentType: "audio/wav")
                : StubHTTPServer.Response.bytes(200, [answer], contentType: "audio/wav").held(by: unanswered)
        }
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        try "1\n00:00:01,000 --> 00:00:02,000\nOne.\n\n2\n00:00:03,000 --> 00:00:04,000\nTwo.\n"
            .write(toFile: scratch.path("cues.srt"), atomically: true, encoding: .utf8)
        let result = try await CommandRunner.run(
            ["dub", Samples.url("clip-de.mkv").path, "--cues", scratch.path("cues.srt"), "--output", scratch.path("out.mkv"),
             "--jobs", "1"], environment: env
        ) { process in
            _ = server.waitForRequestsBlocking(2, timeout: .seconds(15))
            kill(process.processIdentifier, SIGINT)
        }
        #expect(result.status == 130, "\(result.stderr)")
        #expect(try scratch.files() == ["cues.srt"])
    }
}
