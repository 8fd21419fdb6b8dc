import Foundation
import MediaAudio
import Subtitles
import Testing
import TestSupport

/// The `subtitler` binary without a speech server: usage, bad input, offline commands, stubbed API faults.
@Suite(.serialized)
struct CLITests {
    @Test func helpDocumentsExitCodesAndUsageErrorsExitTwo() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = CommandRunner.environment([:], cache: scratch.cache)
        let help = try await CommandRunner.run(["--help"], environment: env)
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit codes"))
        #expect(help.stdout.contains("130"))
        let bad = try await CommandRunner.run(["transcribe", "--format", "docx", "x.mp4"], environment: env)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("docx"))
        let twoWithO = try await CommandRunner.run(["transcribe", "a.mp4", "b.mp4", "-o", "x.srt"], environment: env)
        #expect(twoWithO.status == 2)
        let jsonToStdout = try await CommandRunner.run(["transcribe", "a.mp4", "-o", "-", "--json"], environment: env)
        #expect(jsonToStdout.status == 2)
        let translateWithGPT = try await CommandRunner.run(["translate", "a.mp4", "--model", "gpt-4o-transcribe"], environment: env)
        #expect(translateWithGPT.status == 2)
        #expect(translateWithGPT.stderr.contains("whisper-1"))
        let badLanguage = try await CommandRunner.run(["transcribe", "a.mp4", "--language", "klingon"], environment: env)
        #expect(badLanguage.status == 2)
    }

    /// One rule for output flags: `-o` and `--output` name the one file a command writes, and every help says so.
    @Test func everySingleOutputCommandTakesDashOAndDashDashOutput() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = CommandRunner.environment([:], cache: scratch.cache)
        for command in ["mux", "review", "dub", "extract", "speak"] {
            let help = try await CommandRunner.run([command, "--help"], environment: env)
            #expect(help.status == 0, "\(command)")
            #expect(help.stdout.contains("-o, --output <file>"), "\(command): \(help.stdout)")
        }
        // Both spellings are the option (an unknown flag would be refused as unknown, not as missing its value).
        let video = scratch.path("v.mkv")
        #expect(FileManager.default.createFile(atPath: video, contents: Data("not media".utf8)))
        for flag in ["-o", "--output"] {
            let mux = try await CommandRunner.run(["mux", video, scratch.path("v.en.srt"), flag], environment: env)
            #expect(mux.status == 2, "\(flag): \(mux.stderr)")
            #expect(mux.stderr.contains("Missing value"), "\(flag): \(mux.stderr)")
        }
        let transcribe = try await CommandRunner.run(["transcribe", "--help"], environment: env)
        #expect(transcribe.stdout.contains("-o names one file"))
    }

    @Test func noKeyAndNoBaseURLExplainsWhatToSet() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let result = try await CommandRunner.run(["transcribe", Samples.url("talk-en.mp4").path, "--output", scratch.url.path],
                                           environment: CommandRunner.environment([:], cache: scratch.cache))
        #expect(result.status == 2)
        #expect(result.stderr.contains("OPENAI_API_KEY"))
        #expect(result.stderr.contains("scripts/local-backend start"))
        #expect(result.stderr.contains("OPENAI_BASE_URL"))
        #expect(try scratch.files().isEmpty)
    }

    @Test func badInputsGetOneLineEachExitOneAndLeaveNoFiles() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let fm = FileManager.default
        _ = fm.createFile(atPath: scratch.path("empty.mp4"), contents: Data())
        _ = fm.createFile(atPath: scratch.path("notes.mkv"), contents: Data("this is not a video".utf8))
        try fm.createDirectory(atPath: scratch.path("nomedia"), withIntermediateDirectories: true)
        _ = fm.createFile(atPath: scratch.path("nomedia/readme.txt"), contents: Data("x".utf8))
        _ = try FFmpegCLI.run(["-y", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=1", "-c:v", "mpeg4", scratch.path("video-only.mp4")])
        let out = scratch.url.appendingPathComponent("out")
        try fm.createDirectory(at: out, withIntermediateDirectories: true)
        let env = CommandRunner.environment(["OPENAI_BASE_URL": "http://127.0.0.1:9/v1"], cache: scratch.cache)

        let cases: [(String, String)] = [
            (scratch.path("missing.mp4"), "no such file"),
            (scratch.path("nomedia"), "no media files"),
            (scratch.path("empty.mp4"), "empty.mp4"),
            (scratch.path("notes.mkv"), "notes.mkv"),
            (scratch.path("video-only.mp4"), "audio"),
        ]
        for (input, expected) in cases {
            let result = try await CommandRunner.run(["transcribe", input, "--output", out.path], environment: env)
            #expect(result.status == 1, "\(input): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.first.map { $0.contains((input as NSString).lastPathComponent) } == true, "\(result.stderr)")
            #expect(result.stderr.lowercased().contains(expected.lowercased()), "\(result.stderr)")
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack"))
        }
        #expect(try scratch.files(in: "out").isEmpty)

        // An unreachable server: the file is named, the cause given, nothing written.
        let unreachable = try await CommandRunner.run(["transcribe", Samples.url("clip-de.mkv").path, "--output", out.path, "--language", "de"], environment: env)
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("clip-de.mkv"))
        #expect(try scratch.files(in: "out").isEmpty)
    }

    @Test func anUnreadableFileIsOneLineNamingTheFileAndTheCause() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let locked = scratch.path("locked talk.mp4")
        try FileManager.default.copyItem(atPath: Samples.url("talk-en.mp4").path, toPath: locked)
        chmod(locked, 0)
        chmod(scratch.url.path, 0o777)   // nobody may create (and must not leave) outputs here
        let env = CommandRunner.environment(["OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "HOME": scratch.path("home")], cache: scratch.cache)
        for command in [["probe", locked], ["extract", locked, "-o", scratch.path("x.wav")], ["transcribe", locked]] {
            let result = try await CommandRunner.run(command, environment: env, unprivileged: true)
            #expect(result.status == 1, "\(command): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.contains { $0.contains("locked talk.mp4") && $0.contains("Permission denied") }, "\(result.stderr)")
        }
        #expect(try scratch.files() == ["locked talk.mp4"])
    }

    @Test func anUnreadableDirectoryIsReportedAsUnreadableNotAsEmpty() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let locked = scratch.path("locked folder")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: locked + "/clip.mkv")
        chmod(locked, 0o300)             // may be entered, never listed (as nobody: root lists everything)
        defer { chmod(locked, 0o755) }
        chmod(scratch.url.path, 0o777)
        let env = CommandRunner.environment(["OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "HOME": scratch.path("home")],
                                            cache: scratch.cache)
        for extra in [[String](), ["--recursive"]] {
            let result = try await CommandRunner.run(["transcribe", locked] + extra, environment: env, unprivileged: true)
            #expect(result.status == 1, "\(extra): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").first == "\(locked): cannot read this directory: permission denied",
                    "\(extra): \(result.stderr)")
            #expect(!result.stderr.contains("no media files"), "\(extra): \(result.stderr)")
        }
        // A subdirectory that cannot be listed is reported too, beside the media found elsewhere.
        chmod(locked, 0o755)
        let outer = scratch.path("outer")
        try FileManager.default.createDirectory(atPath: outer, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: locked, toPath: outer + "/locked")
        chmod(outer + "/locked", 0o300)
        defer { chmod(outer + "/locked", 0o755) }
        let nested = try await CommandRunner.run(["transcribe", outer, "--recursive", "--dry-run"], environment: env,
                                                 unprivileged: true)
        #expect(nested.stderr.contains("\(outer)/locked: cannot read this directory: permission denied"), "\(nested.stderr)")
        #expect(!nested.stderr.contains("no media files"), "\(nested.stderr)")
    }

    @Test func aTruncatedMKVIsOneLineNamingTheFileWithoutFFmpegsOwnLog() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let whole = try Data(contentsOf: Samples.url("clip-de.mkv"))
        let env = CommandRunner.environment(["OPENAI_BASE_URL": "http://127.0.0.1:9/v1"], cache: scratch.cache)
        for length in [500, 1_000, whole.count / 2] {
            let cut = scratch.path("cut \(length).mkv")
            try whole.prefix(length).write(to: URL(fileURLWithPath: cut))
            for command in [["probe", cut], ["extract", cut, "-o", scratch.path("x.wav")], ["transcribe", cut, "--dry-run"]] {
                let result = try await CommandRunner.run(command, environment: env)
                let lines = result.stderr.split(separator: "\n")
                // FFmpeg's log lines look like "[matroska,webm @ 0x55…] …"; every line here is ours and names the file.
                #expect(!lines.contains { $0.hasPrefix("[") || $0.contains(" @ 0x") }, "\(command): \(result.stderr)")
                #expect(lines.filter { !$0.hasPrefix("subtitler:") }.allSatisfy { $0.hasPrefix(cut) },
                        "\(command): \(result.stderr)")
            }
        }
    }

    @Test func aServerAnswering401FailsWithoutLeakingTheKey() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let key = "sk-cli-secret-never-print-7"
        let server = try await StubHTTPServer.start([
            .json(401, #"{"error":{"message":"Incorrect API key provided: sk-cli-secret-never-print-7.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
                  headers: [("x-request-id", "req_cli_401")]),
        ])
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL, "OPENAI_API_KEY": key], cache: scratch.cache)
        let result = try await CommandRunner.run(["transcribe", Samples.url("clip-de.mkv").path, "--output", scratch.url.path, "--json", "--verbose"], environment: env)
        #expect(result.status == 1)
        #expect(result.stderr.contains("clip-de.mkv"))
        #expect(result.stderr.contains("req_cli_401"))
        #expect(!result.stderr.contains(key) && !result.stdout.contains(key))
        #expect(try scratch.files().isEmpty)
        // The cache holds no trace of the key either.
        if let enumerator = FileManager.default.enumerator(atPath: scratch.cache.path) {
            for case let file as String in enumerator {
                let data = FileManager.default.contents(atPath: scratch.cache.appendingPathComponent(file).path) ?? Data()
                #expect(!String(decoding: data, as: UTF8.self).contains(key))
            }
        }
    }

    @Test func pathsAreFilesAndURLsAreNeverFetched() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, "{}")])
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        let url = server.baseURL.replacingOccurrences(of: "/v1", with: "/x.mp4")
        let probe = try await CommandRunner.run(["probe", url], environment: env)
        #expect(probe.status == 1)
        #expect(probe.stderr.contains("not a local file"), "\(probe.stderr)")
        let transcribe = try await CommandRunner.run(["transcribe", url, "--output", scratch.url.path], environment: env)
        #expect(transcribe.status == 1)
        #expect(transcribe.stderr.contains("never fetches URLs"), "\(transcribe.stderr)")
        let extract = try await CommandRunner.run(["extract", url, "-o", scratch.path("x.wav")], environment: env)
        #expect(extract.status == 1)
        #expect(server.requestCount == 0)
        // A playlist on disk cannot make FFmpeg fetch what it names either.
        try "#EXTM3U\n#EXTINF:10,\n\(url)\n#EXT-X-ENDLIST\n".write(toFile: scratch.path("list.m3u8"), atomically: true, encoding: .utf8)
        _ = try await CommandRunner.run(["probe", scratch.path("list.m3u8")], environment: env)
        #expect(server.requestCount == 0)
    }

    @Test func skipReasonsAreInTheJSONAndDuplicateStemsFailBeforeSending() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(500, "{}")])
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        let fm = FileManager.default
        try fm.createDirectory(atPath: scratch.path("media/done"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: scratch.path("media/done/clip.mkv"))
        _ = fm.createFile(atPath: scratch.path("media/done/.subtitler-skip"), contents: Data())
        try fm.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: scratch.path("media/x.mkv"))
        try fm.copyItem(atPath: Samples.url("talk-en.mp4").path, toPath: scratch.path("media/x.mp4"))
        _ = fm.createFile(atPath: scratch.path("media/x.German.srt"), contents: Data())
        let result = try await CommandRunner.run(
            ["transcribe", scratch.path("media"), "--recursive", "--skip-if-subtitled", "--language", "de", "--json",
             "--output", scratch.path("media")], environment: env)
        #expect(server.requestCount == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        let inputs = try #require(json["inputs"] as? [[String: Any]])
        func entry(_ suffix: String) -> [String: Any]? { inputs.first { ($0["input"] as? String)?.hasSuffix(suffix) == true } }
        let marker = try #require(entry("media/done"))
        #expect(marker["status"] as? String == "skipped")
        #expect((marker["skipReason"] as? [String: Any])?["kind"] as? String == "excluded-by-marker")
        let subtitled = try #require(entry("x.mkv"))
        #expect((subtitled["skipReason"] as? [String: Any])?["kind"] as? String == "already-subtitled")
        let clash = try #require(entry("x.mp4"))
        #expect(clash["status"] as? String == "failed")
        #expect((clash["error"] as? String)?.contains("same subtitle files as") == true)
        #expect(result.status == 1)
    }

    @Test func dryRunSendsNothingAndReportsThePlan() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(500, "{}")])
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        let result = try await CommandRunner.run(["transcribe", Samples.url("talk-en.mp4").path, "--dry-run", "--json", "--output", scratch.url.path], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(server.requestCount == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        let inputs = try #require(json["inputs"] as? [[String: Any]])
        #expect(inputs.first?["status"] as? String == "planned")
        #expect((inputs.first?["requests"] as? Int ?? 0) >= 1)
        #expect((inputs.first?["estimatedCost"] as? Double ?? 0) > 0)
        #expect(try scratch.files().isEmpty)
    }

    @Test func progressJSONIsOneEventPerLineOnStderr() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let body = #"{"task":"transcribe","language":"german","duration":15.0,"text":"Guten Tag.","segments":[{"id":0,"start":0.1,"end":2.0,"text":" Guten Tag und herzlich willkommen."}]}"#
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        let result = try await CommandRunner.run(["transcribe", Samples.url("clip-de.mkv").path, "--output", scratch.url.path, "--progress", "json"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let events = result.stderr.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.compactMap { $0["event"] as? String }
        #expect(events.first == "started")
        for expected in ["chunkPlanned", "chunkSent", "chunkDone", "planned"] { #expect(events.contains(expected), "\(events)") }
        #expect(try scratch.files() == ["clip-de.de.srt"])
    }

    @Test func directoriesAreSearchedAndRecursiveGoesDeeper() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let fm = FileManager.default
        try fm.createDirectory(atPath: scratch.path("media/season/extra"), withIntermediateDirectories: true)
        try fm.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: scratch.path("media/season/one.mkv"))
        try fm.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: scratch.path("media/season/extra/two.mkv"))
        _ = fm.createFile(atPath: scratch.path("media/season/notes.txt"), contents: Data("x".utf8))
        let body = #"{"task":"transcribe","language":"german","duration":15.0,"text":"Guten Tag.","segments":[{"id":0,"start":0.1,"end":2.0,"text":" Guten Tag und herzlich willkommen."}]}"#
        let server = try await StubHTTPServer.start([.json(200, body)])
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)

        let flat = try await CommandRunner.run(["transcribe", scratch.path("media/season"), "--json"], environment: env)
        #expect(flat.status == 0, "\(flat.stderr)")
        #expect(try scratch.files(in: "media/season") == ["extra", "notes.txt", "one.de.srt", "one.mkv"])
        // --output makes its directory.
        let elsewhere = try await CommandRunner.run(["transcribe", scratch.path("media/season"), "--output", scratch.path("subs/new"), "--format", "vtt"], environment: env)
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        #expect(try scratch.files(in: "subs/new") == ["one.de.vtt"])
        #expect(try scratch.files(in: "media/season/extra") == ["two.mkv"])

        let deep = try await CommandRunner.run(["transcribe", scratch.path("media"), "--recursive"], environment: env)
        #expect(deep.status == 0, "\(deep.stderr)")
        #expect(deep.stderr.contains("up to date, skipped"))
        #expect(try scratch.files(in: "media/season/extra") == ["two.de.srt", "two.mkv"])
    }

    @Test func ctrlCCancelsWritesNothingAndExits130() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let unanswered = Gate()
        defer { unanswered.open() }
        let server = try await StubHTTPServer.start { _, _ in .json(200, #"{"text":"x","segments":[]}"#).held(by: unanswered) }
        defer { Task { try? await server.shutdown() } }
        let env = CommandRunner.environment(["OPENAI_BASE_URL": server.baseURL], cache: scratch.cache)
        let result = try await CommandRunner.run(["transcribe", Samples.url("talk-en.mp4").path, "--output", scratch.url.path, "--language", "en"],
                                           environment: env) { process in
            _ = server.waitForRequestsBlocking(1, timeout: .seconds(15))
            kill(process.processIdentifier, SIGINT)
        }
        #expect(server.requestCount >= 1)
        #expect(result.status == 130, "\(result.stderr)")
        #expect(try scratch.files().isEmpty)
    }

    @Test func probeShowsTracksAsTableAndJSON() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = CommandRunner.environment([:], cache: scratch.cache)
        let table = try await CommandRunner.run(["probe", Samples.url("clip-de.mkv").path], environment: env)
        #expect(table.status == 0)
        #expect(table.stdout.contains("deu"))
        #expect(table.stdout.contains("aac"))
        #expect(table.stdout.contains("h264"))
        let json = try await CommandRunner.run(["probe", "--json", Samples.url("talk-en.mp4").path], environment: env)
        let decoded = try JSONDecoder().decode([MediaInfo].self, from: json.stdoutData)
        #expect(decoded.first?.audioStreams.first?.sampleRate == 24_000)
        let missing = try await CommandRunner.run(["probe", scratch.path("nope.mkv")], environment: env)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope.mkv"))
    }

    @Test func extractWritesTheTrackAsThePipelineHearsIt() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = CommandRunner.environment([:], cache: scratch.cache)
        let output = scratch.path("clip.wav")
        let result = try await CommandRunner.run(["extract", Samples.url("clip-de.mkv").path, "-o", output, "--audio-language", "ger"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let reader = try AudioReader(path: output)
        #expect(reader.sampleRate == 16_000)
        #expect(reader.stream.channels == 1)
        let expected = try MediaProbe.probe(Samples.url("clip-de.mkv").path).duration ?? 0
        // Decode what was written: the right length, and the speech is really there.
        let decoded = try reader.readAll()
        #expect(abs(Int64(decoded.count) * 1000 / 16_000 - expected) < 150)
        #expect(Self.activeSeconds(decoded, rate: 16_000) > 5)
        #expect(try scratch.files() == ["clip.wav"])
        let bad = try await CommandRunner.run(["extract", Samples.url("clip-de.mkv").path, "-o", scratch.path("x.wav"), "--track", "7"], environment: env)
        #expect(bad.status == 1)
        #expect(try scratch.files() == ["clip.wav"])
    }

    /// Seconds of audio whose 20 ms frames are louder than -40 dBFS.
    static func activeSeconds(_ samples: [Int16], rate: Int) -> Double {
        var meter = EnergyMeter(sampleRate: rate)
        meter.append(samples)
        meter.finish()
        return Double(meter.energies.filter { $0 > -40 }.count) * 0.02
    }

    @Test func convertWritesASSAndTTMLBesideOrToOAndRefusesToOverwrite() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = CommandRunner.environment([:], cache: scratch.cache)
        let srt = "1\n00:00:01,000 --> 00:00:02,505\nHello {\\b1}there\n\n2\n00:00:03,000 --> 00:00:04,000\n-Who?\n-Me.\n"
        try srt.write(toFile: scratch.path("film.en.srt"), atomically: true, encoding: .utf8)
        let toASS = try await CommandRunner.run(["convert", scratch.path("film.en.srt"), "-o", scratch.path("film.en.ass")], environment: env)
        #expect(toASS.status == 0, "\(toASS.stderr)")
        let cues = try SubtitleParser().parse(srt, format: .srt)
        #expect(try String(contentsOfFile: scratch.path("film.en.ass"), encoding: .utf8) == ASSWriter().render(cues))
        #expect(toASS.stderr.contains("times rounded to centiseconds"), "\(toASS.stderr)")

        let beside = try await CommandRunner.run(["convert", scratch.path("film.en.srt"), "--format", "imsc,ebu-tt-d"], environment: env)
        #expect(beside.status == 0, "\(beside.stderr)")
        let imsc = try String(contentsOfFile: scratch.path("film.en.imsc.ttml"), encoding: .utf8)
        #expect(imsc == TimedTextWriter(profile: .imsc, language: "en").render(cues))
        #expect(FileManager.default.fileExists(atPath: scratch.path("film.en.ebu-tt-d.ttml")))

        let again = try await CommandRunner.run(["convert", scratch.path("film.en.srt"), "-o", scratch.path("film.en.ass")], environment: env)
        #expect(again.status == 1)
        #expect(again.stderr.contains("film.en.ass: exists; --force replaces it"), "\(again.stderr)")
        try "not subtitles".write(toFile: scratch.path("bad.srt"), atomically: true, encoding: .utf8)
        let bad = try await CommandRunner.run(["convert", scratch.path("bad.srt"), "-o", scratch.path("bad.ass")], environment: env)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad.srt: no readable cues"), "\(bad.stderr)")
        #expect(try scratch.files() == ["bad.srt", "film.en.ass", "film.en.ebu-tt-d.ttml", "film.en.imsc.ttml", "film.en.srt"])
        let usage = try await CommandRunner.run(["convert", scratch.path("film.en.srt"), "-o", scratch.path("x.docx")], environment: env)
        #expect(usage.status == 2)
    }

    @Test func lintReportsViolationsWithExitOneAndJSON() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = CommandRunner.environment([:], cache: scratch.cache)
        let good = "1\n00:00:01,000 --> 00:00:03,000\nA short line.\n\n2\n00:00:04,000 --> 00:00:06,000\nAnother one.\n"
        let bad = "1\n00:00:01,000 --> 00:00:01,300\nThis line is far too long to read comfortably at a glance on screen.\n"
        try good.write(toFile: scratch.path("good.srt"), atomically: true, encoding: .utf8)
        try bad.write(toFile: scratch.path("bad.srt"), atomically: true, encoding: .utf8)
        let ok = try await CommandRunner.run(["lint", scratch.path("good.srt")], environment: env)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        let failing = try await CommandRunner.run(["lint", scratch.path("bad.srt")], environment: env)
        #expect(failing.status == 1)
        #expect(failing.stdout.contains("cue 1"))
        let json = try await CommandRunner.run(["lint", "--json", scratch.path("bad.srt")], environment: env)
        let decoded = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [[String: Any]])
        #expect(((decoded.first?["violations"] as? [Any])?.count ?? 0) >= 2)
    }
}

/// The binary end to end against the real local backend.
@Suite(.enabled(if: LocalBackend.isConfigured, "set SUBTITLER_TEST_WHISPER_URL or run scripts/test"), .serialized, .backendTurn)
struct CLIBackendTests {
    func environment(_ scratch: TemporaryDirectory) throws -> [String: String] {
        let whisper = try #require(LocalBackend.whisperURL, "SUBTITLER_TEST_WHISPER_URL is not set")
        var extra = ["OPENAI_BASE_URL": whisper]
        if let speech = LocalBackend.speechURL { extra["SUBTITLER_SPEECH_BASE_URL"] = speech }
        return CommandRunner.environment(extra, cache: scratch.cache)
    }

    @Test func transcribeWritesBothFormatsNamedByDetectedLanguageThenSkips() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = try environment(scratch)
        let result = try await CommandRunner.run(["transcribe", Samples.url("talk-en.mp4").path, "--format", "both", "--output", scratch.url.path, "--json"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try scratch.files() == ["talk-en.en.srt", "talk-en.en.vtt"])
        let srt = try String(contentsOfFile: scratch.path("talk-en.en.srt"), encoding: .utf8)
        #expect(srt.hasPrefix("1\n00:00:0"))
        #expect(srt.lowercased().contains("subtitles"))
        let vtt = try String(contentsOfFile: scratch.path("talk-en.en.vtt"), encoding: .utf8)
        #expect(vtt.hasPrefix("WEBVTT"))

        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        let input = try #require((json["inputs"] as? [[String: Any]])?.first)
        for field in ["input", "outputs", "language", "chunks", "bytesSent", "retries", "droppedSegments", "styleViolations", "wallTimeMs", "estimatedCost"] {
            #expect(input[field] != nil, "missing \(field)")
        }
        #expect(input["language"] as? String == "en")

        let again = try await CommandRunner.run(["transcribe", Samples.url("talk-en.mp4").path, "--format", "both", "--output", scratch.url.path], environment: env)
        #expect(again.status == 0)
        #expect(again.stderr.contains("skipped"))
    }

    /// `--format imsc,srt`: an IMSC file that ttconv (the IMSC reference converter, from .venv-test) reads cue for cue
    /// as the SRT beside it says.
    @Test func transcribeWritesIMSCThatTTConvReadsCueForCueAndSRTBesideIt() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = try environment(scratch)
        let result = try await CommandRunner.run(["transcribe", Samples.url("talk-en.mp4").path, "--format", "imsc,srt", "--output", scratch.url.path], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try scratch.files() == ["talk-en.en.imsc.ttml", "talk-en.en.srt"])
        let srt = try SubtitleParser(strict: true).parse(contentsOf: scratch.url.appendingPathComponent("talk-en.en.srt"))
        #expect(srt.count >= 2)

        let python = ProcessInfo.processInfo.environment["SUBTITLER_DELIVERY_PYTHON"]
            ?? Samples.directory.deletingLastPathComponent().appendingPathComponent(".venv-test/bin/python").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SubtitlesTests/Conformance/delivery_readers.py").path
        let read = try Tool.run(python, [script, "ttconv", scratch.path("talk-en.en.imsc.ttml")])
        try #require(read.status == 0, "ttconv: \(read.stderr)")
        let cues = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [[String: Any]])
        #expect(cues.count == srt.count)
        for (theirs, ours) in zip(cues, srt) {
            #expect(theirs["start"] as? Int == Int(ours.start))
            #expect(theirs["end"] as? Int == Int(ours.end))
            #expect(theirs["text"] as? String == ours.lines.joined(separator: "\n"))
        }
    }

    @Test func batchWithOneBadFileWritesTheGoodOnesAndExitsOne() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = try environment(scratch)
        FileManager.default.createFile(atPath: scratch.path("broken.mp4"), contents: Data(repeating: 7, count: 5000))
        let out = scratch.url.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let result = try await CommandRunner.run(["translate", scratch.path("broken.mp4"), Samples.url("clip-de.mkv").path, "--output", out], environment: env)
        #expect(result.status == 1)
        #expect(result.stderr.contains("broken.mp4"))
        #expect(result.stderr.contains("1 done"))
        #expect(try scratch.files(in: "out") == ["clip-de.en.srt"])
    }

    @Test func transcribeToStdout() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let result = try await CommandRunner.run(["transcribe", Samples.url("clip-de.mkv").path, "-o", "-", "--format", "vtt", "--language", "de"], environment: try environment(scratch))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("WEBVTT"))
        #expect(result.stdout.lowercased().contains("berlin"))
    }

    @Test(.enabled(if: LocalBackend.speechURL != nil || LocalBackend.isRequired))
    func speakTextAndSubtitleFileToWAV() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = try environment(scratch)
        let result = try await CommandRunner.run(["speak", "Subtitles make video better for everyone.", "-o", scratch.path("hello.wav")], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let hello = try AudioReader(path: scratch.path("hello.wav"))
        let helloSamples = try hello.readAll()
        #expect(helloSamples.count > hello.sampleRate / 2)
        #expect(CLITests.activeSeconds(helloSamples, rate: hello.sampleRate) > 0.8)

        // Over the 4096-character limit, from stdin: split at sentences, joined into one FLAC file.
        let talk = try Samples.text("talk-en.txt").replacingOccurrences(of: "\n", with: " ")
        let long = String(repeating: talk + " ", count: 4_200 / talk.count + 1)
        #expect(long.count > 4_096)
        let joined = try await CommandRunner.run(["speak", "-o", scratch.path("long.flac")], environment: env, stdin: Data(long.utf8))
        #expect(joined.status == 0, "\(joined.stderr)")
        let longReader = try AudioReader(path: scratch.path("long.flac"))
        #expect(longReader.stream.codec == "flac")
        // Each sample text takes about 35 s to speak; several copies must all be there, as speech.
        let copies = Double(4_200 / talk.count)
        #expect(CLITests.activeSeconds(try longReader.readAll(), rate: 16_000) > 25 * copies)

        let srt = "1\n00:00:00,500 --> 00:00:02,000\nHello there.\n\n2\n00:00:05,000 --> 00:00:07,000\nSee you soon.\n"
        try srt.write(toFile: scratch.path("cues.srt"), atomically: true, encoding: .utf8)
        let fromCues = try await CommandRunner.run(["speak", "--input", scratch.path("cues.srt"), "-o", scratch.path("cues.wav")], environment: env)
        #expect(fromCues.status == 0, "\(fromCues.stderr)")
        let timed = try AudioReader(path: scratch.path("cues.wav"))
        let track = try timed.readAll()
        // Speech where the cues are, silence between them: the second cue's speech starts at 5 s.
        func active(_ from: Double, _ to: Double) -> Double {
            CLITests.activeSeconds(Array(track[min(track.count, Int(from * 16_000))..<min(track.count, Int(to * 16_000))]), rate: 16_000)
        }
        #expect(active(0, 0.45) == 0)
        #expect(active(0.5, 1.5) > 0.4)
        #expect(active(3.0, 4.95) == 0)
        #expect(active(5.0, 6.0) > 0.4)
    }

    @Test func theREADMELibraryExampleIsTheBuiltExampleAndWorks() async throws {
        // The README's code block and the example target's source are the same text.
        let root = Samples.directory.deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let example = try String(contentsOf: root.appendingPathComponent("Examples/library-example/main.swift"), encoding: .utf8)
        let marker = try #require(readme.range(of: "Use the library from Swift"))
        let block = try #require(readme[marker.upperBound...].range(of: "```swift\n"))
        let end = try #require(readme[block.upperBound...].range(of: "```"))
        #expect(readme[block.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
                == example.trimmingCharacters(in: .whitespacesAndNewlines))

        // The built example subtitles a copy of the sample through the job layer.
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let input = scratch.path("talk.mp4")
        try FileManager.default.copyItem(atPath: Samples.url("talk-en.mp4").path, toPath: input)
        let result = try await CommandRunner.run([input], environment: try environment(scratch), program: "subtitler-example")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("done"), "\(result.stdout)")
        #expect(try scratch.files() == ["talk.en.srt", "talk.en.vtt", "talk.mp4"])
        let again = try await CommandRunner.run([input], environment: try environment(scratch), program: "subtitler-example")
        #expect(again.stdout.hasPrefix("skipped"), "\(again.stdout)")
    }
}
