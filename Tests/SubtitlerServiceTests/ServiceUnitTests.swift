import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Subtitler
import Testing
import TestSupport
@testable import SubtitlerService
import SubtitlerJobs

struct MultipartTests {
    static func permissions(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1) & 0o777
    }

    static func body(boundary: String, parts: [(name: String, filename: String?, data: [UInt8])]) -> [UInt8] {
        var bytes: [UInt8] = []
        for part in parts {
            bytes += Array("--\(boundary)\r\n".utf8)
            var disposition = "Content-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { disposition += "; filename=\"\(filename)\"" }
            bytes += Array("\(disposition)\r\n\r\n".utf8)
            bytes += part.data
            bytes += Array("\r\n".utf8)
        }
        bytes += Array("--\(boundary)--\r\n".utf8)
        return bytes
    }

    @Test(arguments: [1, 7, 64, 4096, 1 << 20])
    func theFilePartArrivesWholeWhateverTheChunking(chunkSize: Int) async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        // File bytes that contain the boundary's prefix and CRLFs, to catch a parser that cuts too early.
        var file: [UInt8] = []
        for i in 0..<50_000 { file.append(UInt8(truncatingIfNeeded: i * 31)) }
        file += Array("\r\n--boundar\r\n--".utf8) + Array(repeating: 0x2D, count: 100)
        let boundary = "boundary123"
        let body = Self.body(boundary: boundary, parts: [("task", nil, Array("transcribe".utf8)),
                                                         ("audio_file", "audio_file", file)])
        let chunks = stride(from: 0, to: body.count, by: chunkSize).map { ByteBuffer(bytes: body[$0..<min(body.count, $0 + chunkSize)]) }
        let stream = AsyncStream<ByteBuffer> { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
        let received = try await MultipartUpload.receive(
            stream, contentType: "multipart/form-data; boundary=\(boundary)", fileField: "audio_file",
            into: scratch.url, limit: 1 << 30)
        let url = try #require(received.file)
        #expect(try Array(Data(contentsOf: url)) == file)
        #expect(received.size == Int64(file.count))
        #expect(received.fields["task"] == "transcribe")
        #expect(try Self.permissions(url.path) == 0o600)
    }

    @Test func tooLargeAndMalformedUploadsAreRefusedAndLeaveNoFile() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let boundary = "b"
        let body = Self.body(boundary: boundary, parts: [("audio_file", "audio_file", Array(repeating: 7, count: 10_000))])
        func stream(_ bytes: [UInt8]) -> AsyncStream<ByteBuffer> {
            AsyncStream { continuation in
                continuation.yield(ByteBuffer(bytes: bytes))
                continuation.finish()
            }
        }
        await #expect(throws: MultipartUpload.Failure.tooLarge(limit: 5_000)) {
            _ = try await MultipartUpload.receive(stream(body), contentType: "multipart/form-data; boundary=b",
                                                  fileField: "audio_file", into: scratch.url, limit: 5_000)
        }
        await #expect(throws: MultipartUpload.Failure.self) {
            _ = try await MultipartUpload.receive(stream(Array(body.dropLast(10))), contentType: "multipart/form-data; boundary=b",
                                                  fileField: "audio_file", into: scratch.url, limit: 1 << 20)
        }
        await #expect(throws: MultipartUpload.Failure.notMultipart) {
            _ = try await MultipartUpload.receive(stream(body), contentType: "application/json",
                                                  fileField: "audio_file", into: scratch.url, limit: 1 << 20)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter { $0.hasPrefix("upload-") }.isEmpty)
    }
}

struct PathPolicyTests {
    @Test func onlyFilesUnderARootAreUsable() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let fm = FileManager.default
        try fm.createDirectory(atPath: scratch.path("media/tv"), withIntermediateDirectories: true)
        try fm.createDirectory(atPath: scratch.path("private"), withIntermediateDirectories: true)
        _ = fm.createFile(atPath: scratch.path("media/tv/e1.mkv"), contents: Data([1]))
        _ = fm.createFile(atPath: scratch.path("private/secret.mkv"), contents: Data([1]))
        try fm.createSymbolicLink(atPath: scratch.path("media/tv/escape.mkv"), withDestinationPath: scratch.path("private/secret.mkv"))
        try fm.createSymbolicLink(atPath: scratch.path("private/into.mkv"), withDestinationPath: scratch.path("media/tv/e1.mkv"))
        let policy = try PathPolicy(roots: [scratch.path("media")],
                                    mappings: [PathMapping(argument: "/data/tv=\(scratch.path("media/tv"))")!])
        #expect(try policy.file(scratch.path("media/tv/e1.mkv")) == scratch.path("media/tv/e1.mkv"))
        #expect(try policy.file("/data/tv/e1.mkv") == scratch.path("media/tv/e1.mkv"))
        #expect(throws: PathPolicy.Refusal.outsideRoots(scratch.path("private/secret.mkv"))) { try policy.file(scratch.path("private/secret.mkv")) }
        #expect(throws: PathPolicy.Refusal.self) { try policy.file(scratch.path("media/tv/escape.mkv")) }   // a link out
        #expect(throws: PathPolicy.Refusal.self) { try policy.file(scratch.path("private/into.mkv")) }      // written outside
        #expect(throws: PathPolicy.Refusal.self) { try policy.file(scratch.path("media/tv/../../private/secret.mkv")) }
        #expect(throws: PathPolicy.Refusal.self) { try policy.file("http://127.0.0.1/x.mkv") }
        #expect(throws: PathPolicy.Refusal.self) { try policy.file("tv/e1.mkv") }
        #expect(throws: PathPolicy.Refusal.self) { try policy.file(scratch.path("media/tv")) }
        #expect(throws: ServiceConfigurationError.self) { try PathPolicy(roots: [scratch.path("nope")]) }
    }

    @Test func networksAndLoopback() {
        let lan = IPNetwork("192.168.1.0/24")!
        #expect(lan.contains("192.168.1.77"))
        #expect(!lan.contains("192.168.2.1"))
        #expect(lan.contains("::ffff:192.168.1.5"))
        #expect(IPNetwork("fd00::/8")!.contains("fd12::1"))
        #expect(IPNetwork.isLoopback("127.0.0.1") && IPNetwork.isLoopback("::1") && IPNetwork.isLoopback("::ffff:127.0.0.1"))
        #expect(!IPNetwork.isLoopback("10.0.0.1"))
        #expect(IPNetwork("300.1.1.1/8") == nil && IPNetwork("10.0.0.0/33") == nil)
    }

    @Test func theTokenIsNeededBeyondLoopback() {
        var configuration = ServiceConfiguration()
        configuration.host = "0.0.0.0"
        #expect(configuration.problem?.contains("token") == true)
        configuration.token = "a-long-enough-token-123"
        #expect(configuration.problem == nil)
        configuration.host = "127.0.0.1"
        configuration.token = nil
        #expect(configuration.problem == nil)
    }
}

struct ArrHookTests {
    // Payload shapes from Sonarr's and Radarr's webhook documentation (trimmed to the fields that matter).
    static let sonarrDownload = #"{"eventType":"Download","series":{"id":1,"title":"Show","path":"/tv/Show"},"episodes":[{"id":1,"episodeNumber":1,"seasonNumber":1}],"episodeFile":{"id":5,"relativePath":"Season 01/Show - S01E01.mkv","path":"/tv/Show/Season 01/Show - S01E01.mkv","quality":"WEBDL-1080p"},"isUpgrade":false}"#
    static let sonarrOldDownload = #"{"eventType":"Download","series":{"path":"/tv/Show"},"episodeFile":{"relativePath":"Season 01/Show - S01E02.mkv"}}"#
    static let radarrDownload = #"{"eventType":"Download","movie":{"id":2,"title":"Film","year":2020,"folderPath":"/movies/Film (2020)"},"movieFile":{"id":9,"relativePath":"Film (2020).mkv","path":"/movies/Film (2020)/Film (2020).mkv"},"isUpgrade":false}"#

    func decode(_ text: String) throws -> ArrHook.Payload { try JSONDecoder().decode(ArrHook.Payload.self, from: Data(text.utf8)) }

    @Test func webhookPayloadsNameTheImportedFile() throws {
        #expect(ArrHook.action(for: try decode(Self.sonarrDownload), kind: .sonarr) == .queue(paths: ["/tv/Show/Season 01/Show - S01E01.mkv"]))
        #expect(ArrHook.action(for: try decode(Self.sonarrOldDownload), kind: .sonarr) == .queue(paths: ["/tv/Show/Season 01/Show - S01E02.mkv"]))
        #expect(ArrHook.action(for: try decode(Self.radarrDownload), kind: .radarr) == .queue(paths: ["/movies/Film (2020)/Film (2020).mkv"]))
        #expect(ArrHook.action(for: try decode(#"{"eventType":"Test"}"#), kind: .radarr) == .test)
        #expect(ArrHook.action(for: try decode(#"{"eventType":"Grab"}"#), kind: .sonarr) == .ignore(event: "Grab"))
        if case .invalid = ArrHook.action(for: try decode(#"{"eventType":"Download"}"#), kind: .sonarr) {} else { Issue.record("expected invalid") }
        // Sonarr v4's On Import Complete: every file, the relative ones under the series folder, each once.
        let importComplete = #"{"eventType":"Download","series":{"path":"/tv/Show"},"episodeFiles":[{"relativePath":"Season 01/a.mkv"},{"path":"/tv/Show/Season 01/b.mkv"},{"path":"/tv/Show/Season 01/b.mkv"}]}"#
        #expect(ArrHook.action(for: try decode(importComplete), kind: .sonarr)
            == .queue(paths: ["/tv/Show/Season 01/a.mkv", "/tv/Show/Season 01/b.mkv"]))
    }

    @Test func customScriptVariables() {
        #expect(ArrHook.action(environment: ["sonarr_eventtype": "Test"])?.1 == .test)
        #expect(ArrHook.action(environment: ["radarr_eventtype": "Download", "radarr_moviefile_path": "/m/F.mkv"])?.1 == .queue(paths: ["/m/F.mkv"]))
        #expect(ArrHook.action(environment: ["sonarr_eventtype": "Download", "sonarr_episodefile_path": "/tv/a.mkv"])?.0 == .sonarr)
        #expect(ArrHook.action(environment: ["PATH": "/bin"]) == nil)
    }
}

struct FolderWatchTests {
    @Test func aFileIsTakenOnceItsSizeHasSettledAndAgainOnlyWhenItChanges() {
        var watch = FolderWatch(settleTime: .seconds(10))
        let start = Duration.zero
        let copying = FolderWatch.Version(size: 1_000, modified: 1)
        let copied = FolderWatch.Version(size: 5_000, modified: 2)
        #expect(watch.scan(["/w/a.mkv": copying, "/w/b.mkv": copied], at: start).isEmpty)
        #expect(watch.scan(["/w/a.mkv": copied, "/w/b.mkv": copied], at: start + .seconds(5)).isEmpty)
        #expect(watch.scan(["/w/a.mkv": copied, "/w/b.mkv": copied], at: start + .seconds(10)) == ["/w/b.mkv"])
        #expect(watch.scan(["/w/a.mkv": copied, "/w/b.mkv": copied], at: start + .seconds(15)) == ["/w/a.mkv"])
        #expect(watch.scan(["/w/a.mkv": copied, "/w/b.mkv": copied], at: start + .seconds(60)).isEmpty)
        let replaced = FolderWatch.Version(size: 6_000, modified: 3)
        #expect(watch.scan(["/w/a.mkv": replaced, "/w/b.mkv": copied], at: start + .seconds(61)).isEmpty)
        #expect(watch.scan(["/w/a.mkv": replaced, "/w/b.mkv": copied], at: start + .seconds(71)) == ["/w/a.mkv"])
    }
}

/// The job origin keeps the names the jobs API showed as strings.
struct JobOriginTests {
    @Test func originsKeepTheirNames() throws {
        #expect(JobOrigin.allCases.map(\.rawValue) == ["api", "sonarr", "radarr", "hook", "watch", "jellyfin", "plex", "emby", "tautulli"])
        for origin in JobOrigin.allCases {
            let data = try JSONEncoder().encode([origin])
            #expect(String(decoding: data, as: UTF8.self) == "[\"\(origin.rawValue)\"]")
            #expect(try JSONDecoder().decode([JobOrigin].self, from: data) == [origin])
        }
        #expect(JobOrigin(ArrHook.Kind.sonarr) == .sonarr && JobOrigin(ArrHook.Kind.radarr) == .radarr)
    }
}
