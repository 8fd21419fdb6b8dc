import Foundation
import MediaAudio
import Testing
import TestSupport

/// Issue 12, crashes, the key, bounded time and wrong messages: the built binary against crafted files, hostile
/// stub servers and odd arguments.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct AdversarialInputCLITests {
    /// No crash report on stderr (each caller checks the exit status it expects).
    static func noCrash(_ outcome: CommandRunner.Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!outcome.stderr.contains("Fatal error") && !outcome.stderr.contains("Stack dump"), "\(outcome.stderr)",
                sourceLocation: sourceLocation)
    }

    // MARK: Crashes

    @Test func craftedMatroskaDurationTagsCrashNothing() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let env = Adversarial.environment(server, scratch)
        let original = [UInt8](try Data(contentsOf: Samples.url("clip-de.mkv")))
        for (index, tag) in ["00:00:.", "99999999999999999:00", "-9999999999999999:00", "2562047788015:00:00", "::::"].enumerated() {
            var bytes = original
            var from = 0
            let name = Array("DURATION".utf8)
            while let at = (from..<(bytes.count - 12)).first(where: { Array(bytes[$0..<($0 + 8)]) == name }) {
                let length = Int(bytes[at + 10] & 0x7F)
                let value = Array(tag.utf8)
                for k in 0..<length { bytes[at + 11 + k] = k < value.count ? value[k] : 0 }
                from = at + 11 + length
            }
            let path = scratch.path("crafted\(index).mkv")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            for command in [["probe", path], ["extract", path, "-o", scratch.path("out\(index).wav")],
                            ["transcribe", path, "-o", scratch.path("out\(index).srt"), "--language", "de"]] {
                let outcome = try await CommandRunner.run(command, environment: env)
                Self.noCrash(outcome)
                #expect(outcome.status == 0, "\(command): \(outcome.stderr)")
            }
        }
    }

    @Test func hugeStyleAndChunkFlagsAreUsageErrorsBeforeAnythingIsSent() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let env = Adversarial.environment(server, scratch)
        let clip = Samples.url("clip-de.mkv").path
        for flags in [["--max-lines", "9223372036854775807"], ["--max-chars", "1000000000"], ["--chunk-seconds", "99999999999"],
                      ["--max-cps", "nan"], ["--max-cps", "inf"], ["--max-cps", "0"], ["--jobs", "100000"], ["--jobs", "0"],
                      ["--model", ""], ["--model", "  "], ["--timeout", "0"]] {
            let outcome = try await CommandRunner.run(["transcribe", clip, "-o", scratch.path("x.srt")] + flags, environment: env)
            #expect(outcome.status == 2, "\(flags): \(outcome.stderr)")
            Self.noCrash(outcome)
        }
        for flags in [["--frame-rate", "0"], ["--frame-rate", "nan"], ["--frame-rate", "-24"], ["--frame-rate", "inf"]] {
            let outcome = try await CommandRunner.run(["lint", scratch.path("x.srt")] + flags, environment: env)
            #expect(outcome.status == 2, "\(flags): \(outcome.stderr)")
        }
        let badFormat = try await CommandRunner.run(["speak", "Hello.", "-o", scratch.path("x.xyz")], environment: env)
        #expect(badFormat.status == 2)
        #expect(badFormat.stderr.contains("x.xyz"))
        #expect(server.requestCount == 0)
        #expect(try scratch.files().isEmpty)
    }

    @Test func speakRefusesCuesAtAbsurdTimesAndWAVsWithAbsurdRates() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        // A WAV header claiming 1 Hz: 2,000 samples would be 33 minutes of audio, then resampled.
        var wav = Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WAVEfmt ".utf8) + [16, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 16, 0]
        wav += Array("data".utf8) + [0xA0, 0x0F, 0, 0] + [UInt8](repeating: 7, count: 4_000)
        let server = try await StubHTTPServer.start([.bytes(200, [wav], contentType: "audio/wav")])
        defer { Task { try? await server.shutdown() } }
        let env = Adversarial.environment(nil, scratch, ["SUBTITLER_SPEECH_BASE_URL": server.baseURL])
        let far = "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n2777777:00:00,000 --> 2777777:00:01,000\nLater.\n"
        try far.write(toFile: scratch.path("far.srt"), atomically: true, encoding: .utf8)
        let hundred = "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n100:00:00,000 --> 100:00:01,000\nLater.\n"
        try hundred.write(toFile: scratch.path("hundred.srt"), atomically: true, encoding: .utf8)
        for name in ["far.srt", "hundred.srt"] {
            let outcome = try await CommandRunner.run(["speak", "--input", scratch.path(name), "-o", scratch.path("x.wav")],
                                                      environment: env)
            #expect(outcome.status == 1, "\(name): \(outcome.stderr)")
            #expect(outcome.stderr.contains("cue 2 starts at"), "\(outcome.stderr)")
            Self.noCrash(outcome)
        }
        #expect(server.requestCount == 0)
        // Timed cues are decoded and joined (a single piece of text would be written as the server sent it).
        let near = "1\n00:00:01,000 --> 00:00:02,000\nHello.\n\n2\n00:00:03,000 --> 00:00:04,000\nAgain.\n"
        try near.write(toFile: scratch.path("near.srt"), atomically: true, encoding: .utf8)
        let absurd = try await CommandRunner.run(["speak", "--input", scratch.path("near.srt"), "-o", scratch.path("x.wav")],
                                                 environment: env)
        #expect(absurd.status == 1, "\(absurd.stderr)")
        #expect(absurd.stderr.contains("sample rate") || absurd.stderr.contains("cannot be read"), "\(absurd.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("x.wav")))
    }

    // MARK: The API key

    @Test func aKeyWithALineBreakIsRefusedUpFrontAndNeverPrinted() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let key = "sk-proj-pasted\nsecond-line-SECRET-0123456789"
        let outcome = try await CommandRunner.run(
            ["transcribe", Samples.url("clip-de.mkv").path, "-o", scratch.path("x.srt"), "--json", "--progress", "json"],
            environment: Adversarial.environment(server, scratch, ["OPENAI_API_KEY": key]))
        #expect(outcome.status == 2, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("control character"), "\(outcome.stderr)")
        for part in ["pasted", "SECRET", "second-line"] {
            #expect(!outcome.stderr.contains(part) && !outcome.stdout.contains(part))
        }
        #expect(server.requestCount == 0)
    }

    @Test func anEchoedKeyInAnyCaseOrCutShortNeverShows() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let key = "sk-proj-EchoedSecret0123456789abcdefghij"
        let body = #"{"error":{"message":"key \#(key.uppercased()) and \#(key.dropLast()) and \#(key.lowercased().prefix(12))","type":"invalid_request_error","code":"invalid_api_key"}}"#
        let server = try await StubHTTPServer.start([.json(401, body, headers: [("x-request-id", "req_echo")])])
        defer { Task { try? await server.shutdown() } }
        let outcome = try await CommandRunner.run(
            ["transcribe", Samples.url("clip-de.mkv").path, "-o", scratch.path("x.srt"), "--json", "--progress", "json",
             "--verbose"],
            environment: Adversarial.environment(server, scratch, ["OPENAI_API_KEY": key]))
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("req_echo"))
        let everything = (outcome.stderr + outcome.stdout).lowercased()
        for length in 10...key.count {
            #expect(!everything.contains(key.lowercased().prefix(length)), "\(length) characters of the key shown")
        }
    }

    // MARK: Bounded time and memory

    @Test func aFileNamedLikeAnOptionIsAFileAndUnknownOptionsAreErrors() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let env = Adversarial.environment(server, scratch)
        try FileManager.default.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: scratch.path("-dash.mkv"))
        let file = try await CommandRunner.run(["transcribe", "-dash.mkv", "--language", "de"], environment: env,
                                               currentDirectory: scratch.url)
        #expect(file.status == 0, "\(file.stderr)")
        #expect(try scratch.files().contains("-dash.de.srt"))
        let probe = try await CommandRunner.run(["probe", "-dash.mkv"], environment: env, currentDirectory: scratch.url)
        #expect(probe.status == 0, "\(probe.stderr)")
        let missing = try await CommandRunner.run(["transcribe", "-missing.mkv"], environment: env, currentDirectory: scratch.url)
        #expect(missing.status == 2, "\(missing.stdout)\(missing.stderr)")
        #expect(!missing.stdout.contains("OVERVIEW"))
        let separated = try await CommandRunner.run(["transcribe", "--", "-dash.mkv", "--language", "de"], environment: env,
                                                    currentDirectory: scratch.url)
        #expect(separated.status == 1)   // after --, "--language" is a file name too (and does not exist)
        let help = try await CommandRunner.run(["transcribe", "--help"], environment: env)
        #expect(help.stdout.contains("--"), "the help names -- for such files")
    }

    /// (`lint` is the exception: it streams, so a pipe is a fine input — `lint <(command)` — and one signal stops
    /// it: LintCommandTests.oneSignalStopsALongLint. It still refuses a device that never ends.)
    @Test func fifosAsInputsAreRefusedAtOnceByEveryCommand() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let fifo = scratch.path("pipe.mp4")
        #expect(mkfifo(fifo, 0o600) == 0)
        let srtFIFO = scratch.path("pipe.srt")
        #expect(mkfifo(srtFIFO, 0o600) == 0)
        let env = Adversarial.environment(nil, scratch, ["OPENAI_BASE_URL": "http://127.0.0.1:9/v1"])
        for command in [["probe", fifo], ["extract", fifo, "-o", scratch.path("x.wav")], ["transcribe", fifo],
                        ["transcribe", scratch.url.path], ["lint", "/dev/zero"],
                        ["speak", "--input", srtFIFO, "-o", scratch.path("x.wav")]] {
            let outcome = try await CommandRunner.run(command, environment: env)
            #expect(outcome.status == 1, "\(command): \(outcome.stderr)")
            let text = outcome.stderr.lowercased()
            #expect(text.contains("fifo") || text.contains("character device"), "\(command): \(outcome.stderr)")
            #expect(!text.contains("permission denied"), "\(command): \(outcome.stderr)")
        }
    }

    @Test func craftedTimestampsCannotMakeATinyFileCostHours() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let path = scratch.path("jumps.mkv")
        // 0.6 s of audio whose timestamps jump 3500 s twice: FFmpeg calls it two hours long.
        _ = try FFmpegCLI.run([
            "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000:duration=0.6",
            "-af", "asetpts='N/SR/TB+if(gte(N,1600),3500/TB,0)+if(gte(N,3200),3500/TB,0)'", "-c:a", "pcm_s16le", path,
        ])
        let outcome = try await CommandRunner.run(["transcribe", path, "--dry-run", "--json", "--model", "gpt-4o-transcribe"],
                                                  environment: Adversarial.environment(nil, scratch))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: outcome.stdoutData) as? [String: Any])
        let input = try #require((json["inputs"] as? [[String: Any]])?.first)
        #expect((input["requests"] as? Int ?? 99) <= 4, "\(input)")
        #expect((input["audioDurationMs"] as? Int ?? .max) <= 62_000, "\(input)")
    }

    @Test func anInvalidBaseURLIsAUsageErrorWithoutRetries() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = Adversarial.environment(nil, scratch)
        for url in ["127.0.0.1:8765/v1", "htp://x/v1", "http://", "http://exa mple.com/v1"] {
            let outcome = try await CommandRunner.run(
                ["transcribe", Samples.url("clip-de.mkv").path, "--base-url", url, "-o", scratch.path("x.srt")], environment: env)
            #expect(outcome.status == 2, "\(url): \(outcome.stderr)")
            #expect(outcome.stderr.contains("invalid base URL"), "\(outcome.stderr)")
            #expect(!outcome.stderr.contains("attempts"))
            let speech = try await CommandRunner.run(["speak", "Hi.", "--base-url", url, "-o", scratch.path("x.wav")],
                                                     environment: env)
            #expect(speech.status == 2, "\(url): \(speech.stderr)")
        }
    }

    // MARK: Wrong output and messages

    @Test func controlCharactersFromAServerNeverReachTheTerminalOrTheFiles() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let hostile = #"{"language":"german","text":"x","segments":[{"id":0,"start":0.1,"end":2.0,"text":" Guten\u001b[2J Tag\u0007 und\u0000 willkommen\u009b."}]}"#
        let failing = #"{"error":{"message":"bad \u001b]0;pwned\u0007 request \u001b[31mred","type":"x\u001b","code":"y"}}"#
        let server = try await StubHTTPServer.start { index, _ in
            index == 0 ? .json(200, hostile) : .json(400, failing)
        }
        defer { Task { try? await server.shutdown() } }
        let env = Adversarial.environment(server, scratch)
        let ok = try await CommandRunner.run(["transcribe", Samples.url("clip-de.mkv").path, "-o", scratch.path("x.srt"),
                                              "--verbose", "--progress", "line"], environment: env)
        #expect(ok.status == 0, "\(ok.stderr)")
        let srt = try String(contentsOfFile: scratch.path("x.srt"), encoding: .utf8)
        #expect(srt.contains("Guten") && srt.contains("willkommen"))
        #expect(!srt.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\n" }, "\(srt.debugDescription)")
        let failed = try await CommandRunner.run(["transcribe", Samples.url("clip-de.mkv").path, "-o", scratch.path("y.srt"),
                                                  "--no-cache", "--verbose"], environment: env)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("request"), "\(failed.stderr)")
        // The live progress line uses ESC [K itself; nothing else may carry an ESC or a BEL.
        for text in [failed.stderr, ok.stderr.replacingOccurrences(of: "\r\u{1B}[K", with: "")] {
            #expect(!text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{07}" || $0 == "\u{0}" || $0 == "\u{9B}" },
                    "\(text.debugDescription)")
        }
    }

    @Test func cueTimesPastTheEndOfTheMediaAreClampedOrDropped() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let body = #"{"language":"german","text":"x","segments":[{"id":0,"start":0.1,"end":2.0,"text":"Anfang."},{"id":1,"start":14.0,"end":9999.0,"text":"Bis zum Ende."},{"id":2,"start":400.0,"end":401.0,"text":"Danach."}]}"#
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        let outcome = try await CommandRunner.run(["transcribe", Samples.url("clip-de.mkv").path, "-o", scratch.path("x.srt")],
                                                  environment: Adversarial.environment(server, scratch))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let srt = try String(contentsOfFile: scratch.path("x.srt"), encoding: .utf8)
        #expect(srt.contains("Anfang.") && srt.contains("Ende.") && !srt.contains("Danach."))
        let end = try #require(MediaProbe.probe(Samples.url("clip-de.mkv").path).duration)
        for line in srt.split(separator: "\n") where line.contains("-->") {
            let stop = String(line.split(separator: " ").last!)
            let parts = stop.split(whereSeparator: { $0 == ":" || $0 == "," }).compactMap { Int64($0) }
            let ms = ((parts[0] * 60 + parts[1]) * 60 + parts[2]) * 1000 + parts[3]
            #expect(ms <= end + 50, "\(line) ends after \(end) ms")
        }
    }

    @Test func lintSaysWhatIsWrongInOneLine() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = Adversarial.environment(nil, scratch)
        try FileManager.default.createDirectory(atPath: scratch.path("folder.srt"), withIntermediateDirectories: true)
        let cases: [(String, String)] = [
            (scratch.path("missing.srt"), "no such file"), (scratch.path("folder.srt"), "directory"), ("/dev/zero", "character device"),
        ]
        for (path, expected) in cases {
            let outcome = try await CommandRunner.run(["lint", path], environment: env)
            #expect(outcome.status == 1)
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(outcome.stderr)")
            #expect(outcome.stderr.contains(path) && outcome.stderr.lowercased().contains(expected), "\(outcome.stderr)")
            #expect(!outcome.stderr.contains("Domain="), "\(outcome.stderr)")
            let json = try await CommandRunner.run(["lint", path, "--json"], environment: env)
            #expect(!json.stdout.contains("Domain="), "\(json.stdout)")
        }
        // Unreadable, as an ordinary user: permission denied, in one line.
        try "1\n00:00:01,000 --> 00:00:02,000\nHi.\n".write(toFile: scratch.path("locked.srt"), atomically: true, encoding: .utf8)
        chmod(scratch.path("locked.srt"), 0)
        chmod(scratch.url.path, 0o755)
        let locked = try await CommandRunner.run(["lint", scratch.path("locked.srt")], environment: env, unprivileged: true)
        #expect(locked.status == 1)
        #expect(locked.stderr.lowercased().contains("permission denied") && !locked.stderr.contains("Domain="), "\(locked.stderr)")
    }

    @Test func aFailedInputsJSONCountsRequestsRetriesAndBytes() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(500, #"{"error":{"message":"overloaded"}}"#, headers: [("retry-after-ms", "1")])])
        defer { Task { try? await server.shutdown() } }
        let outcome = try await CommandRunner.run(
            ["transcribe", Samples.url("clip-de.mkv").path, "-o", scratch.path("x.srt"), "--json", "--language", "de"],
            environment: Adversarial.environment(server, scratch))
        #expect(outcome.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: outcome.stdoutData) as? [String: Any])
        let input = try #require((json["inputs"] as? [[String: Any]])?.first)
        #expect(input["status"] as? String == "failed")
        #expect(input["requests"] as? Int == 1, "\(input)")
        #expect(input["retries"] as? Int == server.requestCount - 1, "\(input)")
        #expect((input["bytesSent"] as? Int ?? 0) > 100_000, "\(input)")
        #expect(try scratch.files().isEmpty)
    }
}
