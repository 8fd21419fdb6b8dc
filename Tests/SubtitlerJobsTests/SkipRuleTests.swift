import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
@testable import SubtitlerJobs

/// Skip rules and input discovery.
struct SkipRuleTests {
    @Test func aSidecarInAnySpellingCoversTheLanguageButForcedOnesDoNot() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        for name in ["Film.eng.forced.srt", "Film.de.srt", "Other.en.srt", "Film.en.txt"] {
            _ = FileManager.default.createFile(atPath: scratch.path(name), contents: Data())
        }
        #expect(SkipRules.coveringSidecar(stem: "Film", language: "en", in: [scratch.url]) == nil)
        #expect(SkipRules.coveringSidecar(stem: "Film", language: "ger", in: [scratch.url]) == scratch.path("Film.de.srt"))
        for spelling in ["Film.English.sdh.ass", "Film.ENG.vtt", "Film.subtitler.en.default.srt", "Film.en-US.srt"] {
            _ = FileManager.default.createFile(atPath: scratch.path(spelling), contents: Data())
            #expect(SkipRules.coveringSidecar(stem: "Film", language: "en", in: [scratch.url]) == scratch.path(spelling), "\(spelling)")
            try FileManager.default.removeItem(atPath: scratch.path(spelling))
        }
    }

    @Test func aTextSubtitleStreamInTheContainerCoversItsLanguageUnlessForced() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        try "1\n00:00:00,500 --> 00:00:01,500\nHello.\n".write(toFile: scratch.path("s.srt"), atomically: true, encoding: .utf8)
        let video = scratch.path("v.mkv")
        _ = try FFmpegCLI.run([
            "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=2", "-i", scratch.path("s.srt"),
            "-i", scratch.path("s.srt"), "-map", "0", "-map", "1", "-map", "2", "-c:a", "flac", "-c:s", "srt",
            "-metadata:s:s:0", "language=eng", "-disposition:s:0", "forced",
            "-metadata:s:s:1", "language=ger", video,
        ])
        let info = try MediaProbe.probe(video)
        #expect(SkipRules.coveringStream(in: info, language: "en") == nil)
        #expect(SkipRules.coveringStream(in: info, language: "de")?.language == "ger")
    }

    @Test func aMarkerExcludesItsTreeFromScansAndNamedFiles() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let fm = FileManager.default
        try fm.createDirectory(atPath: scratch.path("lib/keep"), withIntermediateDirectories: true)
        try fm.createDirectory(atPath: scratch.path("lib/done/deeper"), withIntermediateDirectories: true)
        for file in ["lib/keep/a.mkv", "lib/done/b.mkv", "lib/done/deeper/c.mkv"] {
            _ = fm.createFile(atPath: scratch.path(file), contents: Data([1]))
        }
        _ = fm.createFile(atPath: scratch.path("lib/done/.subtitler-skip"), contents: Data())

        let scan = InputDiscovery.discover([scratch.path("lib")], recursive: true)
        #expect(scan.files == [scratch.path("lib/keep/a.mkv")])
        let skipped = try #require(scan.reports.first)
        #expect(skipped.status == .skipped)
        #expect(skipped.skipReason?.kind == .excludedByMarker)
        #expect(skipped.skipReason?.path == scratch.path("lib/done/.subtitler-skip"))

        let named = InputDiscovery.discover([scratch.path("lib/done/deeper/c.mkv")], recursive: false)
        #expect(named.files.isEmpty)
        #expect(named.reports.first?.skipReason?.kind == .excludedByMarker)
    }

    @Test func urlsFifosAndNonUTF8NamesAreReportedNotOpenedOrDropped() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let url = InputDiscovery.discover(["http://127.0.0.1:9/x.mp4", "concat:a.mp4|b.mp4"], recursive: false)
        #expect(url.files == ["concat:a.mp4|b.mp4"].filter { FileManager.default.fileExists(atPath: $0) })
        #expect(url.reports.first?.error?.contains("never fetches URLs") == true)

        #expect(mkfifo(scratch.path("pipe.mp4"), 0o600) == 0)
        _ = FileManager.default.createFile(atPath: scratch.path("real.mp4"), contents: Data([1]))
        // A name that is not UTF-8: the bytes "bad" 0xFF ".mp4".
        let rawName: [CChar] = Array(scratch.path("bad").utf8CString.dropLast()) + [CChar(bitPattern: 0xFF)] + Array(".mp4".utf8CString)
        let fd = rawName.withUnsafeBufferPointer { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o600) }
        #expect(fd >= 0)
        close(fd)

        let scan = InputDiscovery.discover([scratch.url.path], recursive: false)
        #expect(scan.files == [scratch.path("real.mp4")])
        let errors = scan.reports.compactMap(\.error)
        #expect(errors.contains { $0.contains("pipe.mp4") && $0.contains("FIFO") }, "\(errors)")
        #expect(errors.contains { $0.contains("not valid UTF-8") }, "\(errors)")

        let named = InputDiscovery.discover([scratch.path("pipe.mp4")], recursive: false)
        #expect(named.files.isEmpty)
        #expect(named.reports.first?.error?.contains("not a regular file (a FIFO)") == true)
    }

    @Test func inputsWhoseOutputsWouldCollideAreFoundBeforeAnythingIsSent() {
        var template = SubtitleJob(input: "")
        template.destination = .directory("/tmp/out")
        let clashes = JobRunner.collisions(among: ["/a/x.mp4", "/a/x.wav", "/b/x.mkv", "/a/y.mp4"], template: template)
        #expect(clashes == ["/a/x.wav": "/a/x.mp4", "/b/x.mkv": "/a/x.mp4"])
        template.destination = .besideInput
        let beside = JobRunner.collisions(among: ["/a/x.mp4", "/a/x.wav", "/b/x.mkv"], template: template)
        #expect(beside == ["/a/x.wav": "/a/x.mp4"])
    }
}
