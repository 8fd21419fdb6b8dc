import Foundation
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// `subtitler lint` end to end: format warnings, files without cues, JSON, and a signal during a long run.
struct LintCommandTests {
    @Test func warningsNameTheLineAndFilesWithoutCuesFail() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let env = CommandRunner.environment([:], cache: scratch.cache)
        let vtt = "WEBVTT\n\nNOTE id\n00:01.000 --> 00:03.000 align:start\nKept by browsers.\n\norphan\n\n00:00:60.000 --> 00:01:02.000\nDropped.\n"
        try vtt.write(toFile: scratch.path("a.vtt"), atomically: true, encoding: .utf8)
        let result = try await CommandRunner.run(["lint", scratch.path("a.vtt")], environment: env)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("a.vtt: line 7: warning: text outside any cue"), "\(result.stdout)")
        #expect(result.stdout.contains("a.vtt: line 9: warning: cannot read the timing line"))
        #expect(result.stdout.contains("a.vtt: 1 cues, 0 violations, 2 warnings"))

        for (name, content, reason) in [
            ("empty.srt", "", "the file is empty"),
            ("prose.srt", "Just prose.\n", "no timing line"),
            ("plain.vtt", "00:01.000 --> 00:02.000\nNo signature.\n", "\"WEBVTT\""),
        ] {
            try content.write(toFile: scratch.path(name), atomically: true, encoding: .utf8)
            let failing = try await CommandRunner.run(["lint", scratch.path(name)], environment: env)
            #expect(failing.status == 1, "\(name)")
            #expect(failing.stderr.contains("\(name): no readable cues"), "\(name): \(failing.stderr)")
            #expect(failing.stderr.contains(reason), "\(name): \(failing.stderr)")
        }

        let strict = try await CommandRunner.run(["lint", "--strict", scratch.path("a.vtt")], environment: env)
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("a.vtt: line 7: text outside any cue"), "\(strict.stderr)")

        let json = try await CommandRunner.run(["lint", "--json", scratch.path("a.vtt"), scratch.path("prose.srt")], environment: env)
        let decoded = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [[String: Any]])
        #expect(decoded.count == 2)
        #expect((decoded[0]["warnings"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["text-ignored", "cue-dropped"])
        #expect(decoded[0]["cues"] as? Int == 1)
        #expect((decoded[1]["error"] as? String)?.contains("no readable cues") == true)
    }

    /// The file is a FIFO that this test writes: lint has provably started when its first output arrives, and the
    /// file does not end until the test closes it. One SIGTERM must stop lint before it reports the whole file.
    @Test(.timeLimit(.minutes(5))) func oneSignalStopsALongLint() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let fifo = scratch.path("endless.srt")
        try #require(mkfifo(fifo, 0o600) == 0)
        let process = Process()
        process.executableURL = try CommandRunner.binary
        process.arguments = ["lint", fifo]
        process.environment = CommandRunner.environment([:], cache: scratch.cache)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // stdout is drained on a thread of its own: lint must never block on a full pipe.
        let collected = Collected()
        Thread {
            while true {
                let data = out.fileHandleForReading.availableData
                if data.isEmpty { break }
                collected.append(data)
            }
            _ = err.fileHandleForReading.readDataToEndOfFile()
            collected.finished.signal()
        }.start()
        let outcome = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Int32, String), any Error>) in
            Thread {
                continuation.resume(with: Result {
                    // Opening blocks until lint opens the FIFO for reading.
                    let writer = try #require(FileHandle(forWritingAtPath: fifo))
                    var batch = ""
                    for index in 0..<3_000 {
                        let start = index * 2_000
                        batch += "\(index + 1)\n\(Self.stamp(start)) --> \(Self.stamp(start + 1_500))\n"
                            + String(repeating: "far too long to read ", count: 5) + "\n\n"
                    }
                    try writer.write(contentsOf: Data(batch.utf8))
                    // lint is running once it has printed something (its output is flushed every 64 KiB).
                    // (The timeout only guards against a hang if lint never prints.)
                    #expect(collected.firstOutput.wait(timeout: .now() + 300) == .success, "lint printed nothing")
                    kill(process.processIdentifier, SIGTERM)
                    try writer.close()
                    collected.finished.wait()
                    process.waitUntilExit()
                    return (process.terminationStatus, collected.text)
                })
            }.start()
        }
        #expect(outcome.0 == 130)
        #expect(!outcome.1.contains(" cues, "), "lint finished the file instead of stopping")
    }

    final class Collected: Sendable {
        private let data = NIOLockedValueBox(Data())
        let firstOutput = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)

        func append(_ chunk: Data) {
            let first = data.withLockedValue { data in
                defer { data += chunk }
                return data.isEmpty
            }
            if first { firstOutput.signal() }
        }

        var text: String { data.withLockedValue { String(decoding: $0, as: UTF8.self) } }
    }

    static func stamp(_ ms: Int) -> String {
        String(format: "%02d:%02d:%02d,%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }
}
