import Foundation
import MediaAudio
import Testing
import TestSupport

/// Issue 12, data loss: the built binary against the stub server never loses or replaces a user's file.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct AdversarialCLITests {
    // MARK: 1. Devices and FIFOs

    @Test func outputOntoADeviceOrFIFOIsWrittenThroughNeverReplaced() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let env = Adversarial.environment(server, scratch)
        var info = stat()
        // A character device made with mknod (the null device's numbers) in the scratch folder, never /dev/null.
        if geteuid() == 0 {
            let device = scratch.path("null.srt")
            #expect(mknod(device, S_IFCHR | 0o666, 0x103) == 0)   // major 1, minor 3: the null device
            // No --language: the name is fixed by -o, and the device must not pass for a newer hand-made file.
            let result = try await CommandRunner.run(["transcribe", Samples.url("clip-de.mkv").path, "-o", device], environment: env)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("wrote"), "\(result.stderr)")
            #expect(stat(device, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        }
        // A FIFO with a reader gets the subtitles; it stays a FIFO.
        let fifo = scratch.path("live.srt")
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = FIFOCollector(path: fifo)
        let written = try await CommandRunner.run(["transcribe", Samples.url("clip-de.mkv").path, "-o", fifo, "--force"],
                                                  environment: env)
        let text = String(decoding: reader.finish(), as: UTF8.self)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(text.contains("Guten Tag und herzlich willkommen."))
        #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        // A FIFO nobody reads: a clear error at once, not a process blocked forever.
        let unread = try await CommandRunner.run(["transcribe", Samples.url("clip-de.mkv").path, "-o", fifo, "--force"],
                                                 environment: env)
        #expect(unread.status == 1)
        #expect(unread.stderr.contains("no process is reading"), "\(unread.stderr)")
        #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        #expect(Set(try scratch.files()).isSubset(of: ["null.srt", "live.srt"]))
    }

    // MARK: 2. All outputs or none

    @Test func whenTheVTTCannotBeWrittenTheOldSRTStays() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let env = Adversarial.environment(server, scratch)
        let fm = FileManager.default
        try fm.createDirectory(atPath: scratch.path("out/clip-de.de.vtt/keep"), withIntermediateDirectories: true)
        try "1\n00:00:01,000 --> 00:00:02,000\nOld.\n".write(toFile: scratch.path("out/clip-de.de.srt"), atomically: true, encoding: .utf8)
        // The language is detected, so the names are known only after the request; --force replaces the old file.
        let result = try await CommandRunner.run(
            ["transcribe", Samples.url("clip-de.mkv").path, "--format", "both", "--output", scratch.path("out"), "--force"],
            environment: env)
        #expect(result.status == 1)
        #expect(result.stderr.contains("clip-de.de.vtt") && result.stderr.contains("directory"), "\(result.stderr)")
        #expect(try String(contentsOfFile: scratch.path("out/clip-de.de.srt"), encoding: .utf8).contains("Old."))
        #expect(try scratch.files(in: "out") == ["clip-de.de.srt", "clip-de.de.vtt"])   // no temporary file left
        // With the language given the clash is found before anything is paid for.
        let before = server.requestCount
        let known = try await CommandRunner.run(
            ["transcribe", Samples.url("clip-de.mkv").path, "--format", "both", "--output", scratch.path("out"), "--force",
             "--language", "de"], environment: env)
        #expect(known.status == 1)
        #expect(server.requestCount == before)
        #expect(try String(contentsOfFile: scratch.path("out/clip-de.de.srt"), encoding: .utf8).contains("Old."))
    }

    // MARK: 3. Newer hand-made files

    @Test func aNewerHandMadeFileIsKeptWithAndWithoutO() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let env = Adversarial.environment(server, scratch)
        let input = scratch.path("clip.mkv")
        try FileManager.default.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: input)
        var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, input, &times, 0) == 0)   // the input is from 2001: the hand-made files are newer
        let mine = "1\n00:00:01,000 --> 00:00:02,000\nMine.\n"
        try mine.write(toFile: scratch.path("custom.srt"), atomically: true, encoding: .utf8)
        try mine.write(toFile: scratch.path("clip.de.srt"), atomically: true, encoding: .utf8)

        // -o: the name is known before sending; nothing is sent.
        let named = try await CommandRunner.run(["transcribe", input, "-o", scratch.path("custom.srt")], environment: env)
        #expect(named.status == 0, "\(named.stderr)")
        #expect(named.stderr.contains("up to date"), "\(named.stderr)")
        #expect(server.requestCount == 0)
        // No --language: the name is known only after the first chunk; the newer file is kept all the same.
        let detected = try await CommandRunner.run(["transcribe", input], environment: env)
        #expect(detected.status == 0, "\(detected.stderr)")
        #expect(detected.stderr.contains("newer than the input and was kept"), "\(detected.stderr)")
        for name in ["custom.srt", "clip.de.srt"] {
            #expect(try String(contentsOfFile: scratch.path(name), encoding: .utf8) == mine, "\(name)")
        }
    }

    // MARK: 4. The input as the output

    @Test func theInputIsNeverTheOutputOfTranscribeOrExtract() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let env = Adversarial.environment(server, scratch)
        let media = scratch.path("talk.wav")
        _ = try FFmpegCLI.run(["-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=3", media])
        let before = try Data(contentsOf: URL(fileURLWithPath: media))
        #expect(link(media, scratch.path("same.flac")) == 0)
        for command in [["transcribe", media, "-o", media], ["transcribe", media, "-o", scratch.path("same.flac")],
                        ["extract", media, "-o", media], ["extract", media, "-o", scratch.path("same.flac")]] {
            let result = try await CommandRunner.run(command, environment: env)
            #expect(result.status == 1, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("the input file itself"), "\(command): \(result.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: media)) == before)
        #expect(server.requestCount == 0)
        #expect(try scratch.files() == ["same.flac", "talk.wav"])
    }

    // MARK: 5. Relative XDG paths and clearing the cache

    @Test func aRelativeCacheHomeIsIgnoredAndClearingTouchesOnlyEntries() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let work = scratch.url.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("subtitler/ab"), withIntermediateDirectories: true)
        try "precious".write(to: work.appendingPathComponent("subtitler/notes.txt"), atomically: true, encoding: .utf8)
        try "photo".write(to: work.appendingPathComponent("subtitler/ab/photo.jpg"), atomically: true, encoding: .utf8)
        chmod(work.appendingPathComponent("subtitler").path, 0o755)
        var env = Adversarial.environment(server, scratch)
        env["XDG_CACHE_HOME"] = "."
        env["XDG_STATE_HOME"] = "state"
        env["HOME"] = scratch.path("home")
        let result = try await CommandRunner.run(
            ["transcribe", Samples.url("clip-de.mkv").path, "-o", scratch.path("x.srt"), "--clear-cache"],
            environment: env, currentDirectory: work)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOf: work.appendingPathComponent("subtitler/notes.txt"), encoding: .utf8) == "precious")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("subtitler/ab/photo.jpg").path))
        var info = stat()
        #expect(stat(work.appendingPathComponent("subtitler").path, &info) == 0 && info.st_mode & 0o777 == 0o755)
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("state").path))
        // The cache went to $HOME/.cache/subtitler instead, files 0600 in folders 0700.
        let cache = scratch.path("home/.cache/subtitler")
        let entries = FileManager.default.enumerator(atPath: cache)?.allObjects as? [String] ?? []
        #expect(entries.contains { $0.hasSuffix(".json") }, "\(entries)")
        for entry in entries {
            #expect(stat(cache + "/" + entry, &info) == 0)
            let expected: mode_t = info.st_mode & S_IFMT == S_IFDIR ? 0o700 : 0o600
            #expect(info.st_mode & 0o777 == expected, "\(entry)")
        }
    }

    // MARK: 6. Text without segments

    @Test func textWithoutSegmentsIsNeverAnEmptyFile() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, #"{"language":"german","text":"Guten Tag und herzlich willkommen.","segments":[]}"#)])
        defer { Task { try? await server.shutdown() } }
        let result = try await CommandRunner.run(
            ["transcribe", Samples.url("clip-de.mkv").path, "-o", scratch.path("x.srt"), "--json"],
            environment: Adversarial.environment(server, scratch))
        #expect(result.status == 0, "\(result.stderr)")
        let srt = try String(contentsOfFile: scratch.path("x.srt"), encoding: .utf8)
        #expect(srt.contains("herzlich") && srt.contains("willkommen."), "\(srt)")
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        let input = try #require((json["inputs"] as? [[String: Any]])?.first)
        #expect((input["warnings"] as? [String])?.contains { $0.contains("without timestamps") } == true, "\(input)")
    }

    // MARK: 7. Same stem, same folder

    @Test func sameStemClashesFailBeforeSendingEvenWithForce() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        try FileManager.default.copyItem(atPath: Samples.url("clip-de.mkv").path, toPath: scratch.path("x.mkv"))
        _ = try FFmpegCLI.run(["-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=2", scratch.path("x.wav")])
        let result = try await CommandRunner.run(
            ["transcribe", scratch.path("x.mkv"), scratch.path("x.wav"), "--force", "--language", "de"],
            environment: Adversarial.environment(server, scratch))
        #expect(result.status == 1)
        #expect(server.requestCount == 1)   // the first input only; the clash is never paid for
        #expect(result.stderr.contains("x.wav") && result.stderr.contains("same subtitle files as"), "\(result.stderr)")
        #expect(try scratch.files().contains("x.de.srt"))
    }

    // MARK: 8. Output problems before the paid request

    @Test func outputProblemsAreFoundBeforeSending() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let env = Adversarial.environment(server, scratch)
        let clip = Samples.url("clip-de.mkv").path
        let cases: [([String], String)] = [
            (["-o", scratch.url.path], "directory"),
            (["-o", scratch.path("missing/out.srt")], "does not exist"),
        ]
        for (extra, expected) in cases {
            let result = try await CommandRunner.run(["transcribe", clip] + extra, environment: env)
            #expect(result.status == 1, "\(extra)")
            #expect(result.stderr.contains(expected), "\(extra): \(result.stderr)")
        }
        // A folder the user cannot write: as an ordinary user (root writes anywhere).
        let locked = scratch.url.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: clip, toPath: locked.appendingPathComponent("clip.mkv").path)
        chmod(scratch.url.path, 0o755)
        chmod(locked.path, 0o555)
        chmod(locked.appendingPathComponent("clip.mkv").path, 0o644)
        defer { chmod(locked.path, 0o755) }
        var unprivilegedEnv = env
        unprivilegedEnv["XDG_CACHE_HOME"] = "/tmp/subtitler-nobody-cache-\(getpid())"
        unprivilegedEnv["XDG_STATE_HOME"] = "/tmp/subtitler-nobody-state-\(getpid())"
        defer {
            try? FileManager.default.removeItem(atPath: unprivilegedEnv["XDG_CACHE_HOME"]!)
            try? FileManager.default.removeItem(atPath: unprivilegedEnv["XDG_STATE_HOME"]!)
        }
        // A folder named by --output is checked before anything starts (a usage error); a file's own folder fails that
        // file.
        let outputs: [([String], Int32, String)] = [
            ([], 1, "Permission denied"), (["--output", locked.path], 2, "not writable"),
            (["-o", locked.appendingPathComponent("x.srt").path], 1, "Permission denied"),
        ]
        for (extra, status, cause) in outputs {
            let result = try await CommandRunner.run(["transcribe", locked.appendingPathComponent("clip.mkv").path] + extra,
                                                     environment: unprivilegedEnv, unprivileged: true)
            #expect(result.status == status, "\(extra): \(result.stderr)")
            #expect(result.stderr.contains(cause), "\(extra): \(result.stderr)")
        }
        #expect(server.requestCount == 0)
    }

    @Test(.enabled(if: Adversarial.canMountPrivately, "needs root and private mount namespaces"))
    func anInputOnAReadOnlyMountIsRefusedBeforeSending() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let server = try await StubHTTPServer.start([.json(200, Adversarial.germanBody)])
        defer { Task { try? await server.shutdown() } }
        let mount = scratch.path("ro")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let clip = Samples.url("clip-de.mkv").path
        let setup = "mount -t tmpfs -o size=4m tmpfs '\(mount)' && cp '\(clip)' '\(mount)/clip.mkv' && mount -o remount,ro '\(mount)'"
        let result = try await Adversarial.runInMountNamespace(
            setup: setup, ["transcribe", mount + "/clip.mkv", "--language", "de"], environment: Adversarial.environment(server, scratch))
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("Read-only file system"), "\(result.stderr)")
        #expect(server.requestCount == 0)
    }

    // MARK: 9. Names that are not UTF-8

    @Test func aNameThatIsNotUTF8IsOneClearLineNotNoSuchFile() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let binary = try CommandRunner.binary.path
        // The shell passes the raw bytes: Swift strings (and Process arguments) cannot carry them.
        let script = #"exec "$0" transcribe "$(printf 'bad\377name.mkv')""#
        let result = try await CommandRunner.run(["-c", script, binary], environment: Adversarial.environment(nil, scratch),
                                                 program: "/bin/sh", currentDirectory: scratch.url)
        #expect(result.status == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("0xFF") && result.stderr.contains("not valid UTF-8"), "\(result.stderr)")
        #expect(result.stderr.contains(#"bad\xFFname.mkv"#), "\(result.stderr)")
        #expect(!result.stderr.lowercased().contains("no such file"))
    }

    // MARK: 10. Killed extractions

    @Test func aTemporaryFileLeftByAKilledExtractIsRemovedByTheNextOne() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let long = scratch.path("long.flac")
        // An hour: long enough to be stopped half-way even on a busy machine.
        _ = try FFmpegCLI.run(["-y", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=3600", long])
        try FileManager.default.createDirectory(atPath: scratch.path("out"), withIntermediateDirectories: true)
        let output = scratch.path("out/audio.ogg")
        let env = Adversarial.environment(nil, scratch)
        let watch = DirectoryWatch(scratch.path("out"))
        let killed = try await CommandRunner.run(["extract", long, "-o", output], environment: env) { process in
            // The moment the temporary file appears, kill -9: no chance to clean up.
            if watch.waitForEntry(timeout: .seconds(60), { $0.hasPrefix(".audio.ogg.") }) != nil {
                kill(process.processIdentifier, SIGKILL)
            }
        }
        #expect(killed.status == SIGKILL, "\(killed.stderr)")
        let leftovers = try scratch.files(in: "out")
        #expect(leftovers.count == 1 && leftovers[0].hasPrefix(".audio.ogg.") && leftovers[0].contains(".tmp"), "\(leftovers)")
        // The next write to the same output removes it.
        let again = try await CommandRunner.run(["extract", Samples.url("clip-de.mkv").path, "-o", output], environment: env)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try scratch.files(in: "out") == ["audio.ogg"])
    }

    @Test func anInterruptedExtractSaysNothingWasWrittenAndMentionsNoCache() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let long = scratch.path("long.flac")
        // An hour: long enough to be stopped half-way even on a busy machine.
        _ = try FFmpegCLI.run(["-y", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=16000:duration=3600", long])
        try FileManager.default.createDirectory(atPath: scratch.path("out"), withIntermediateDirectories: true)
        let watch = DirectoryWatch(scratch.path("out"))
        let result = try await CommandRunner.run(["extract", long, "-o", scratch.path("out/audio.ogg")],
                                                 environment: Adversarial.environment(nil, scratch)) { process in
            if watch.waitForEntry(timeout: .seconds(60), { $0.hasPrefix(".audio.ogg.") }) != nil {
                kill(process.processIdentifier, SIGINT)
            }
        }
        #expect(result.status == 130, "\(result.stderr)")
        #expect(result.stderr.contains("interrupted; nothing was written"), "\(result.stderr)")
        #expect(!result.stderr.contains("cache"))
        #expect(try scratch.files(in: "out").isEmpty)
    }

    @Test(.enabled(if: Adversarial.canMountPrivately, "needs root and private mount namespaces"))
    func extractOnAFullDiskNamesTheOutputNotTheTemporaryFile() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let mount = scratch.path("small")
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        let result = try await Adversarial.runInMountNamespace(
            setup: "mount -t tmpfs -o size=64k tmpfs '\(mount)'",
            ["extract", Samples.url("clip-de.mkv").path, "-o", mount + "/clip.wav"],
            environment: Adversarial.environment(nil, scratch))
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains(mount + "/clip.wav"), "\(result.stderr)")
        #expect(!result.stderr.contains(".tmp"), "\(result.stderr)")
        #expect(result.stderr.contains("No space left on device"), "\(result.stderr)")
    }
}
