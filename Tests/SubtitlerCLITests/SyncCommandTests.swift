import Foundation
import Subtitles
import SubtitlerReview
import Testing
import TestSupport

/// `subtitler sync` through the built binary on a generated programme of Piper speech (real FFmpeg decode, real
/// speech detector): exit codes, the lines printed, `--json`, refusals that write nothing, files left byte for byte.
@Suite("sync command")
struct SyncCommandTests {
    func sync(_ arguments: [String], in directory: TemporaryDirectory) async throws -> CommandRunner.Outcome {
        try await CommandRunner.run(["sync"] + arguments, environment: CommandRunner.environment([:], cache: directory.cache))
    }

    @Test("an offset is undone into -o FILE, with one line and --json")
    func offsetToFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 11)
        let input = directory.path("programme.en.srt")
        try programme.srt { $0 - 3100 }.write(toFile: input, atomically: true, encoding: .utf8)
        let output = directory.path("out.srt")
        let result = try await sync([programme.path, input, "-o", output], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("\(input): moved 30 cues by +3.1"))
        #expect(result.stdout.contains("cue time on speech"))
        let cues = try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: output))
        #expect(zip(cues, programme.cues).filter { abs($0.start - $1.start) <= 100 }.count >= 29)

        let json = try await sync([programme.path, input, "--dry-run", "--json"], in: directory)
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: json.stdoutData) as? [String: Any])
        let file = try #require((object["files"] as? [[String: Any]])?.first)
        #expect(file["outcome"] as? String == "synced")
        #expect(file["model"] as? String == "offset")
        #expect(file["isDryRun"] as? Bool == true)
        #expect(file["output"] == nil)
        let offset = try #require((file["segments"] as? [[String: Any]])?.first?["offset"] as? Int)
        #expect(abs(offset - 3100) <= 100)
        #expect(file["movedCueCount"] as? Int == 30)
        #expect((file["after"] as? [String: Any])?["cueTimeOnSpeech"] as? Double ?? 0 > 0.8)
    }

    @Test("--review draws the synced cues with the file as it was beside them, also in place")
    func reviewBeforeAndAfter() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 11)
        let input = directory.path("programme.en.srt")
        try programme.srt { $0 - 3100 }.write(toFile: input, atomically: true, encoding: .utf8)
        let original = try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: input))
        let page = directory.path("sync.review.html")
        let result = try await sync([programme.path, input, "--in-place", "--review", page], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let start = try #require(html.range(of: #"<script type="application/json" id="review-data">"#))
        let end = try #require(html[start.upperBound...].range(of: "</script>"))
        let document = try JSONDecoder().decode(ReviewDocument.self, from: Data(html[start.upperBound..<end.lowerBound].utf8))
        let synced = try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: input))
        #expect(document.cues.map(\.start) == synced.map(\.start))
        let beside = try #require(document.beside)
        #expect(beside.role == .before)
        #expect(beside.label == "programme.en.srt")
        #expect(beside.cues.map(\.start) == original.map(\.start))   // as it was before the file was replaced
        #expect(beside.cues.map(\.start) != synced.map(\.start))

        let dry = try await sync([programme.path, input, "--dry-run", "--review", page], in: directory)
        #expect(dry.status == 2)
        #expect(dry.stderr.contains("--review draws one synced file"), "\(dry.stderr)")
    }

    @Test("another programme's subtitles: exit 1, one line, nothing written")
    func refused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 12)
        let other = try SpokenProgramme.make(in: directory, name: "other.mkv", seed: 13)
        let input = directory.path("programme.en.srt")
        try other.srt().write(toFile: input, atomically: true, encoding: .utf8)
        let result = try await sync([programme.path, input, "--in-place"], in: directory)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("\(input): not synced: ") == true)
        #expect(try String(contentsOfFile: input, encoding: .utf8) == other.srt())
    }

    @Test("a file in sync is left byte for byte with --in-place; a directory syncs each video's sidecars")
    func inSyncAndBatch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 14)
        let inSync = directory.path("programme.en.srt")
        try programme.srt().write(toFile: inSync, atomically: true, encoding: .utf8)
        let late = directory.path("programme.de.srt")
        try programme.srt { $0 + 1800 }.write(toFile: late, atomically: true, encoding: .utf8)
        let result = try await sync([directory.url.path, "--recursive", "--in-place"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(inSync): already in sync"))
        #expect(result.stdout.contains("\(late): moved 30 cues by -1."))
        #expect(try String(contentsOfFile: inSync, encoding: .utf8) == programme.srt())
        let cues = try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: late))
        #expect(zip(cues, programme.cues).filter { abs($0.start - $1.start) <= 100 }.count >= 29)
    }

    @Test("no destination, or -o with two files, is a usage error")
    func usage() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let none = try await sync(["film.mkv", "film.en.srt"], in: directory)
        #expect(none.status == 2)
        #expect(none.stderr.contains("--output FILE, --in-place or --dry-run"))
        let two = try await sync(["film.mkv", "a.srt", "b.srt", "-o", "x.srt"], in: directory)
        #expect(two.status == 2)
    }
}
