import Foundation
import Testing
import TestSupport
import SubtitlerSupport

/// One temporary-name scheme for every writer, and its cleaner.
struct TemporaryFileTests {
    /// A process id that is not running: a child that has exited and been reaped.
    func deadProcessID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

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
}
