import Foundation
import Testing
import TestSupport
import SubtitlerSupport

/// One temporary-name scheme for every writer, and its cleaner.
struct TemporaryFileTests {
    /// A process id that is not running: a child that has exited and been reaped.
    func deadProcessID() throws -> pid_t { try TemporaryDirectory.deadProcessID() }

    @Test func leftoversOfDeadProcessesAreRemovedAndLiveOnesKept() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let target = scratch.url.appendingPathComponent("film.mkv")
        let dead = try deadProcessID()
        let mine = TemporaryFile.url(for: target)
        let leftover = scratch.url.appendingPathComponent(".film.mkv.\(dead).abcd1234.tmp")
        let leftoverOld = scratch.url.appendingPathComponent(".film.mkv.\(dead).abcd1234.tmp.old")
        let otherFile = scratch.url.appendingPathComponent(".other.mkv.\(dead).abcd1234.tmp")
        for url in [mine, leftover, leftoverOld, otherFile] {
            #expect(FileManager.default.createFile(atPath: url.path, contents: Data("x".utf8)))
        }
        // The scheme names the writing process.
        #expect(mine.lastPathComponent.hasPrefix(".film.mkv.\(getpid())."))
        #expect(mine.lastPathComponent.hasSuffix(".tmp"))

        TemporaryFile.removeLeftovers(for: target)

        let left = try scratch.files()
        #expect(left.contains(mine.lastPathComponent))           // this process still runs
        #expect(left.contains(otherFile.lastPathComponent))      // another target's file
        #expect(!left.contains(leftover.lastPathComponent))
        #expect(!left.contains(leftoverOld.lastPathComponent))
    }

    @Test func theFolderCleanerRemovesEveryDeadWritersTemporariesAndNothingElse() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let dead = try deadProcessID()
        let stale = [
            ".a.mp4.\(dead).ABCD1234.tmp",                          // a killed mux --in-place of another file
            ".a.mp4.\(dead).ABCD1234.tmp.m4a",                      // a killed dub's speech track
            ".b.en.srt.\(dead).0123abcd.tmp.old",                   // a sidecar's kept old file
            "..a.mp4.\(dead).ABCD1234.tmp.mp4.\(dead).FEDC9876.tmp", // the muxer's file for an embed's copy
        ]
        let live = TemporaryFile.url(for: scratch.url.appendingPathComponent("c.mkv")).lastPathComponent
        let others = [
            ".hidden", "notes.txt", ".a.mp4.\(dead).tmp", ".a.mp4.\(dead).XYZ.tmp", ".\(dead).ABCD1234.tmp",
            "a.mp4.\(dead).ABCD1234.tmp",
        ]
        for name in stale + [live] + others {
            #expect(FileManager.default.createFile(atPath: scratch.path(name), contents: Data("x".utf8)))
        }
        // A directory with a temporary's name is not a temporary file.
        let folderName = ".d.mkv.\(dead).ABCD1234.tmp"
        try FileManager.default.createDirectory(atPath: scratch.path(folderName), withIntermediateDirectories: false)

        let removed = TemporaryFile.removeLeftovers(in: scratch.url)

        #expect(Set(removed) == Set(stale))
        #expect(try scratch.files() == ([live, folderName] + others).sorted())
    }

    @Test func theSchemeNamesItsWriter() throws {
        #expect(TemporaryFile.writer(ofTemporaryNamed: ".film.mkv.4242.ABCD1234.tmp") == 4242)
        #expect(TemporaryFile.writer(ofTemporaryNamed: ".film.mkv.4242.abcd1234.tmp.old") == 4242)
        #expect(TemporaryFile.writer(ofTemporaryNamed: "film.mkv.4242.ABCD1234.tmp") == nil)
        #expect(TemporaryFile.writer(ofTemporaryNamed: ".film.mkv.42x2.ABCD1234.tmp") == nil)
        #expect(TemporaryFile.writer(ofTemporaryNamed: ".film.mkv.4242.ABCD1234.txt") == nil)
        let mine = TemporaryFile.url(for: URL(fileURLWithPath: "/m/film.mkv"), extraExtension: "mkv").lastPathComponent
        #expect(TemporaryFile.writer(ofTemporaryNamed: mine) == getpid())
    }
}
