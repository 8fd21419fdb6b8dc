import Foundation
import Testing
import TestSupport
import SubtitlerSupport

/// Confined writes (the service's roots) are checked where files are opened and renamed, not only where paths
/// were checked before.
struct OutputConfinementTests {
    /// `media/` (the root) and `outside/` in a scratch folder.
    func layout() throws -> (scratch: TemporaryDirectory, confinement: OutputConfinement) {
        let scratch = try TemporaryDirectory()
        for folder in ["media/real", "outside"] {
            try FileManager.default.createDirectory(atPath: scratch.path(folder), withIntermediateDirectories: true)
        }
        return (scratch, OutputConfinement(roots: [scratch.path("media")]))
    }

    @Test func aFolderMovedOutOfTheRootsAfterStagingIsNotWrittenAndKeepsNoTemporary() throws {
        let (scratch, confinement) = try layout()
        defer { scratch.cleanup() }
        let target = URL(fileURLWithPath: scratch.path("media/real/s2.en.srt"))
        var transaction = OutputTransaction(confinement: confinement)
        try transaction.stage(Data("1\n".utf8), for: target)
        // The folder leaves the root; a symlink with its old name leads to where it went.
        try FileManager.default.moveItem(atPath: scratch.path("media/real"), toPath: scratch.path("outside/real"))
        try FileManager.default.createSymbolicLink(atPath: scratch.path("media/real"),
                                                   withDestinationPath: scratch.path("outside/real"))

        #expect { try transaction.commit() } throws: { ($0 as? OutputError)?.isOutsideRoots == true }
        #expect(try scratch.files(in: "outside/real") == [])
    }

    @Test func aWriterThatTakesPathsWritesIntoTheAnchoredFolderAfterItsPathIsSwapped() throws {
        let (scratch, confinement) = try layout()
        defer { scratch.cleanup() }
        let target = URL(fileURLWithPath: scratch.path("media/real/film.mkv"))
        let folder = try AnchoredFolder(of: target, within: confinement)
        // While the writer works, the folder's path is swapped for a link out of the roots.
        try FileManager.default.moveItem(atPath: scratch.path("media/real"), toPath: scratch.path("media/moved"))
        try FileManager.default.createSymbolicLink(atPath: scratch.path("media/real"),
                                                   withDestinationPath: scratch.path("outside"))
        // A path-taking writer (as FFmpeg's muxer is) writes through the anchor: into the folder that was checked.
        try Data("muxed".utf8).write(to: URL(fileURLWithPath: folder.path(of: "film.mkv")))
        #expect(try scratch.files(in: "outside") == [])
        #expect(try scratch.files(in: "media/moved") == ["film.mkv"])
        #expect(folder.realPath == scratch.path("media/real"))
        #expect(folder.readable("cannot write \(folder.path(of: "film.mkv"))") == "cannot write \(scratch.path("media/real"))/film.mkv")
    }

    @Test func aFolderOutsideTheRootsCannotBeAnchored() throws {
        let (scratch, confinement) = try layout()
        defer { scratch.cleanup() }
        #expect { try AnchoredFolder(of: URL(fileURLWithPath: scratch.path("outside/film.mkv")), within: confinement) }
            throws: { ($0 as? OutputError)?.isOutsideRoots == true }
    }

    @Test func aSidecarNameLinkedToAFIFOOrADeviceIsRefusedNotWrittenThrough() throws {
        let (scratch, confinement) = try layout()
        defer { scratch.cleanup() }
        let fifo = scratch.path("outside/pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        // A reader is waiting, so a write through would succeed if it were tried.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        try FileManager.default.createSymbolicLink(atPath: scratch.path("media/real/f.en.srt"), withDestinationPath: fifo)
        try FileManager.default.createSymbolicLink(atPath: scratch.path("media/real/g.en.srt"), withDestinationPath: "/dev/null")
        let insideFIFO = scratch.path("media/real/h.en.srt")
        #expect(mkfifo(insideFIFO, 0o600) == 0)

        for name in ["f.en.srt", "g.en.srt"] {
            var transaction = OutputTransaction(confinement: confinement)
            #expect { try transaction.stage(Data("1\n".utf8), for: URL(fileURLWithPath: scratch.path("media/real/\(name)"))) }
                throws: { ($0 as? OutputError)?.isOutsideRoots == true }
        }
        var transaction = OutputTransaction(confinement: confinement)
        #expect { try transaction.stage(Data("1\n".utf8), for: URL(fileURLWithPath: insideFIFO)) }
            throws: { ($0 as? OutputError)?.description.contains("FIFO") == true }
        var byte: UInt8 = 0
        #expect(read(reader, &byte, 1) <= 0)   // nothing came through the pipe
        #expect(try scratch.files(in: "media/real") == ["f.en.srt", "g.en.srt", "h.en.srt"])
    }

    @Test func aConfinedWriteInsideTheRootsReplacesTheFileAndALinkInsideTheRoots() throws {
        let (scratch, confinement) = try layout()
        defer { scratch.cleanup() }
        let old = scratch.path("media/real/old.srt")
        #expect(FileManager.default.createFile(atPath: old, contents: Data("old".utf8)))
        try FileManager.default.createSymbolicLink(atPath: scratch.path("media/real/link.srt"), withDestinationPath: old)
        var transaction = OutputTransaction(confinement: confinement)
        try transaction.stage(Data("new".utf8), for: URL(fileURLWithPath: old))
        try transaction.stage(Data("linked".utf8), for: URL(fileURLWithPath: scratch.path("media/real/link.srt")))
        try transaction.stage(Data("fresh".utf8), for: URL(fileURLWithPath: scratch.path("media/fresh.srt")))
        try transaction.commit()
        #expect(try String(contentsOfFile: old, encoding: .utf8) == "new")
        #expect(try String(contentsOfFile: scratch.path("media/real/link.srt"), encoding: .utf8) == "linked")
        #expect(try String(contentsOfFile: scratch.path("media/fresh.srt"), encoding: .utf8) == "fresh")
        #expect(try scratch.files(in: "media/real") == ["link.srt", "old.srt"])
    }
}
