import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler
import SubtitlerSupport

/// All outputs or none, and nothing the user had is lost.
struct OutputTransactionTests {
    @Test func everyOutputIsPlacedTogether() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        var transaction = OutputTransaction()
        try transaction.stage(Data("srt".utf8), for: scratch.url.appendingPathComponent("a.srt"))
        try transaction.stage(Data("vtt".utf8), for: scratch.url.appendingPathComponent("a.vtt"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path("a.srt")))
        try transaction.commit()
        #expect(try String(contentsOfFile: scratch.path("a.srt"), encoding: .utf8) == "srt")
        #expect(try String(contentsOfFile: scratch.path("a.vtt"), encoding: .utf8) == "vtt")
        #expect(try scratch.files() == ["a.srt", "a.vtt"])
    }

    /// The permission bits of the file at `path`.
    func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func aReplacedFileKeepsItsMode() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let path = scratch.path("film.en.srt")
        try "old".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
        try AtomicFile.write("new", to: URL(fileURLWithPath: path))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        #expect(try mode(path) == 0o640)
        // A file written by someone else (a muxed copy) takes the old file's mode too.
        try FileManager.default.setAttributes([.posixPermissions: 0o604], ofItemAtPath: path)
        let copy = scratch.path("film.muxed")
        try "muxed".write(toFile: copy, atomically: true, encoding: .utf8)
        var transaction = OutputTransaction()
        try transaction.stage(writtenFile: URL(fileURLWithPath: copy), for: URL(fileURLWithPath: path))
        try transaction.commit()
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "muxed")
        #expect(try mode(path) == 0o604)
        #expect(try scratch.files() == ["film.en.srt"])
    }

    @Test func aPrivateFileNeverTakesTheGroupOrOtherBitsOfTheFileItReplaces() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let path = scratch.path("settings.json")
        try "{}".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o664], ofItemAtPath: path)
        try AtomicFile.write("{\"key\": 1}", to: URL(fileURLWithPath: path), permissions: 0o600)
        #expect(try mode(path) == 0o600)
    }

    @Test func aFailureOnTheSecondOutputRestoresTheFirstOldFile() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        try "old srt".write(toFile: scratch.path("a.srt"), atomically: true, encoding: .utf8)
        try "old vtt".write(toFile: scratch.path("a.vtt"), atomically: true, encoding: .utf8)
        var transaction = OutputTransaction()
        try transaction.stage(Data("new srt".utf8), for: scratch.url.appendingPathComponent("a.srt"))
        try transaction.stage(Data("new vtt".utf8), for: scratch.url.appendingPathComponent("a.vtt"))
        // The second target turns into a non-empty directory before the commit: its rename must fail.
        try FileManager.default.removeItem(atPath: scratch.path("a.vtt"))
        try FileManager.default.createDirectory(atPath: scratch.path("a.vtt/inside"), withIntermediateDirectories: true)
        #expect(throws: OutputError.self) { try transaction.commit() }
        #expect(try String(contentsOfFile: scratch.path("a.srt"), encoding: .utf8) == "old srt")
        #expect(try scratch.files() == ["a.srt", "a.vtt"])   // no temporary or backup file left
    }

    @Test func aFifoOrDeviceIsWrittenThroughNeverReplaced() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let fifo = scratch.path("out.srt")
        #expect(mkfifo(fifo, 0o600) == 0)
        // The reader is open before the write (a FIFO nobody reads is refused rather than waited on).
        let readerFD = open(fifo, O_RDONLY | O_NONBLOCK)
        #expect(readerFD >= 0)
        defer { close(readerFD) }
        try AtomicFile.write("cues", to: URL(fileURLWithPath: fifo))
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(read(readerFD, &buffer, 16) == 4)
        var info = stat()
        #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)

        // A character device made with mknod stays a device (root only; elsewhere /dev/null is used read-only).
        if geteuid() == 0 {
            let device = scratch.path("null.srt")
            #expect(mknod(device, S_IFCHR | 0o666, 0x103) == 0)
            try AtomicFile.write("cues", to: URL(fileURLWithPath: device))
            #expect(stat(device, &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        }
        #expect(throws: OutputError.self) { try AtomicFile.write("x", to: scratch.url) }
    }

    @Test func leftoversOfKilledWritersAreRemovedAndLiveOnesKept() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let target = scratch.url.appendingPathComponent("a.flac")
        // A process id that cannot be running (above the kernel's limit) and our parent (running).
        let dead = ".a.flac.4194305.deadbeef.tmp.flac"
        let live = ".a.flac.\(getppid()).cafebabe.tmp.flac"
        for name in [dead, live] { _ = FileManager.default.createFile(atPath: scratch.path(name), contents: Data([1])) }
        TemporaryFile.removeLeftovers(for: target)
        #expect(try scratch.files() == [live])
    }
}
