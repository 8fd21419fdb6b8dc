import Foundation
import Subtitles
import SubtitlerJobs
import SubtitleSync
import Testing
import TestSupport

/// `SyncRunner` through the real decode (FFmpeg) and speech detector (Silero VAD) on generated programmes of Piper
/// speech with oracle cue times; the synced files are read back with the project's parser.
@Suite("Sync on real media")
struct SyncRunnerMediaTests {
    /// The share of the oracle's cues whose synced start is within `tolerance` of the truth.
    func shareWithin(_ tolerance: Int64, _ path: String, _ programme: SpokenProgramme) throws -> Double {
        let cues = try SubtitleParser().parse(contentsOf: URL(fileURLWithPath: path))
        #expect(cues.count == programme.cues.count)
        let close = zip(cues, programme.cues).filter { abs($0.start - $1.start) <= tolerance }
        return Double(close.count) / Double(max(1, programme.cues.count))
    }

    func run(_ programme: SpokenProgramme, srt: String, in directory: TemporaryDirectory,
             destination: (String) -> SyncJob.Destination) async throws -> (SyncFileReport, String, String) {
        let input = directory.path("programme.en.srt")
        try srt.write(toFile: input, atomically: true, encoding: .utf8)
        let output = directory.path("synced.srt")
        let report = await SyncRunner.run(SyncJob(media: programme.path, subtitles: [input], destination: destination(output)))
        return (try #require(report.files.first), input, output)
    }

    @Test("an offset of +2.35 s is undone; only the times change")
    func offset() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 1)
        let (file, input, output) = try await run(programme, srt: programme.srt { $0 + 2350 }, in: directory) { .file($0) }
        #expect(file.outcome == .synced)
        #expect(file.model == .offset)
        #expect(abs(file.offset + 2350) <= 100)
        #expect(try shareWithin(100, output, programme) >= 0.96)
        // Every byte but the timing lines is the input's.
        let before = try String(contentsOfFile: input, encoding: .utf8).components(separatedBy: "\r\n")
        let after = try String(contentsOfFile: output, encoding: .utf8).components(separatedBy: "\r\n")
        #expect(before.count == after.count)
        #expect(zip(before, after).filter { !$0.0.contains("-->") }.allSatisfy { $0.0 == $0.1 })
        #expect(file.after!.cueTimeOnSpeech > file.before!.cueTimeOnSpeech + 0.3)
    }

    @Test("25 fps timing played at 23.976, with an offset")
    func frameRate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 2, count: 45)
        let ratio = 23.976 / 25
        let (file, _, output) = try await run(programme, srt: programme.srt { Int64((Double($0) * ratio).rounded()) - 800 },
                                              in: directory) { .file($0) }
        #expect(file.outcome == .synced)
        #expect(file.model == .ratio)
        #expect(abs(file.ratio - 25 / 23.976) < 0.001)
        #expect(try shareWithin(100, output, programme) >= 0.96)
    }

    @Test("a jump part-way: the subtitles' cut lacks 20 s the media has")
    func jump() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 3, count: 45)
        let cut = programme.cues[22].start - 300
        let (file, _, output) = try await run(programme, srt: programme.srt { $0 >= cut ? $0 - 20_000 : $0 + 1000 },
                                              in: directory) { .file($0) }
        #expect(file.outcome == .synced)
        #expect(file.model == .piecewise)
        #expect(file.segments.count == 2)
        #expect(try shareWithin(100, output, programme) >= 0.93)
    }

    @Test("a sync in place keeps the file's mode (0640 stays 0640)")
    func inPlaceKeepsMode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 1)
        let input = directory.path("programme.en.srt")
        try programme.srt { $0 + 2350 }.write(toFile: input, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: input)
        let report = await SyncRunner.run(SyncJob(media: programme.path, subtitles: [input], destination: .replacingInput))
        let file = try #require(report.files.first)
        #expect(file.outcome == .synced)
        #expect(file.output == input)
        #expect(try shareWithin(100, input, programme) >= 0.96)
        let mode = try FileManager.default.attributesOfItem(atPath: input)[.posixPermissions] as? Int
        #expect(mode == 0o640)
    }

    @Test("subtitles in sync are left byte for byte, in place")
    func inSync() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 4)
        let srt = programme.srt()
        let (file, input, _) = try await run(programme, srt: srt, in: directory) { _ in .replacingInput }
        #expect(file.outcome == .alreadyInSync)
        #expect(file.output == nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == Data(srt.utf8))
    }

    @Test("another episode's subtitles (the same voice, another order) are refused and nothing is written")
    func anotherEpisode() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 5)
        let other = try SpokenProgramme.make(in: directory, name: "other.mkv", seed: 6)
        let (file, _, output) = try await run(programme, srt: other.srt(), in: directory) { .file($0) }
        #expect(file.outcome == .refused)
        #expect(file.refusal?.kind == .notThisAudio)
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("aligned with a reference subtitle instead of the audio")
    func reference() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let programme = try SpokenProgramme.make(in: directory, seed: 7)
        let referencePath = directory.path("reference.srt")
        try programme.srt().write(toFile: referencePath, atomically: true, encoding: .utf8)
        let input = directory.path("programme.de.srt")
        try programme.srt { $0 - 4200 }.write(toFile: input, atomically: true, encoding: .utf8)
        let output = directory.path("synced.srt")
        let report = await SyncRunner.run(SyncJob(media: programme.path, subtitles: [input],
                                                      reference: .subtitles(referencePath), destination: .file(output)))
        #expect(report.reference == referencePath)
        let file = try #require(report.files.first)
        #expect(file.outcome == .synced)
        #expect(file.model == .offset, "\(file.segments), ratio \(file.ratio)")
        #expect(abs(file.offset - 4200) <= 20)
        #expect(try shareWithin(100, output, programme) >= 0.96)
    }
}

/// The batch's inputs: each video's sidecars, named as the job layer names them.
@Suite("Sync batch")
struct SyncBatchTests {
    @Test("a directory's videos and their sidecar subtitles, other files left out")
    func sidecars() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        for name in ["film.mkv", "film.en.srt", "film.de.forced.vtt", "film.txt", "filmography.en.srt", "other.en.srt", "show.mp4"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: directory.path(name)))
        }
        let batch = SyncBatch.discover([directory.url.path], recursive: false)
        #expect(batch.entries.map(\.media) == [directory.path("film.mkv"), directory.path("show.mp4")])
        #expect(batch.entries.first?.subtitles == [directory.path("film.de.forced.vtt"), directory.path("film.en.srt")])
        #expect(batch.entries.last?.subtitles == [])
    }
}
