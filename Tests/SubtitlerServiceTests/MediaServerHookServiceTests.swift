import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Subtitler
import Testing
import TestSupport

/// The media servers' webhooks behind the real `subtitler serve` (its SQLite store, real FFmpeg), called with
/// AsyncHTTPClient; a stub stands in for the audio API and for Plex's API, and counts what it is asked.
@Suite(.serialized)
struct MediaServerHookServiceTests {
    static let token = "hook-test-token-0123456789"

    /// Stub answers for the audio API: the n-th transcription request is answered with the n-th word, so each
    /// file's subtitles say in which order the stub saw it.
    static let words = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"]

    static func answer(_ index: Int) -> String {
        let word = words[min(index, words.count - 1)]
        return #"{"task":"transcribe","language":"english","duration":9.0,"text":"\#(word).","segments":[{"id":0,"seek":0,"start":0.5,"end":2.5,"text":" \#(word).","avg_logprob":-0.2,"compression_ratio":1.1,"no_speech_prob":0.01}]}"#
    }

    /// Counts transcription requests apart from the stub's other calls (Plex's API).
    final class Counter: Sendable {
        private let value = NIOLockedValueBox(0)
        func next() -> Int { value.withLockedValue { value in defer { value += 1 }; return value } }
    }

    static func post(_ baseURL: String, _ path: String, body: [UInt8], contentType: String, token: String? = token)
        async throws -> (status: Int, json: [String: Any])
    {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let data = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), (try? JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any]) ?? [:])
    }

    static func postJSON(_ baseURL: String, _ path: String, _ json: String, token: String? = token) async throws -> (status: Int, json: [String: Any]) {
        try await post(baseURL, path, body: Array(json.utf8), contentType: "application/json", token: token)
    }

    static func jobs(_ client: ServiceClient) async throws -> [[String: Any]] {
        let (_, data, _) = try await client.send(.GET, "/v1/jobs")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    }

    static func srt(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test(.timeLimit(.minutes(4))) func itemAddedHooksQueueOneJobPerFileWithTheServersOriginAndTheImportPriority() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        let files = ["jelly.wav", "plex.wav", "emby.wav"]
        for (index, name) in files.enumerated() {
            try ServiceRestartTests.toneTalk(media.appendingPathComponent(name).path, frequency: 300 + 20 * index, seconds: 12)
        }
        // The audio API is held until the three hooks are in, so every job is still queued or running when the hooks
        // for the same files come again.
        let hold = Gate()
        defer { hold.open() }
        let counter = Counter()
        let server = try await StubHTTPServer.start { _, request in
            if request.uri.hasPrefix("/plex/library/metadata/1936") {
                return .json(200, MediaServerPayloads.plexMetadata(file: "/plexmedia/plex.wav"))
            }
            return .json(200, Self.answer(counter.next())).held(by: hold)
        }
        defer { Task { try? await server.shutdown() } }
        let environment = ServiceProcess.environment([
            "OPENAI_BASE_URL": server.baseURL, "SUBTITLER_TOKEN": Self.token,
            "SUBTITLER_PLEX_URL": server.baseURL.replacingOccurrences(of: "/v1", with: "/plex"), "SUBTITLER_PLEX_TOKEN": "plex-secret-token",
        ], scratch: scratch)
        let service = try ServiceProcess.start(
            ["--root", media.path, "--path-map", "/jf=\(media.path)", "--path-map", "/plexmedia=\(media.path)",
             "--language-codes", "639-1"], environment: environment)
        defer { service.stop() }
        let base = service.baseURL
        let boundary = "------------------------9e3a1f2b7c"
        let plexForm = MediaServerPayloads.multipart(boundary: boundary, parts: [
            ("payload", nil, "application/json", Array(MediaServerPayloads.plex("library.new").utf8)),
            ("thumb", "thumb.jpg", "image/jpeg", Array(repeating: 0xAB, count: 200_000)),
        ])
        for round in 0..<2 {
            let jellyfin = try await Self.postJSON(base, "/v1/hooks/jellyfin", MediaServerPayloads.jellyfin("ItemAdded", path: "/jf/jelly.wav"))
            let plex = try await Self.post(base, "/v1/hooks/plex", body: plexForm, contentType: "multipart/form-data; boundary=\(boundary)")
            let emby = try await Self.postJSON(base, "/v1/hooks/emby", MediaServerPayloads.emby("library.new", type: "Episode", path: media.appendingPathComponent("emby.wav").path))
            // New jobs are accepted (202); the same hook again finds the job already there (200), never a second one.
            for (answer, origin) in [(jellyfin, "jellyfin"), (plex, "plex"), (emby, "emby")] {
                #expect(answer.status == (round == 0 ? 202 : 200), "\(origin): \(answer.json)")
                #expect(answer.json["status"] as? String == (round == 0 ? "queued" : "existing"), "\(answer.json)")
                let job = try #require((answer.json["jobs"] as? [[String: Any]])?.first)
                #expect(job["origin"] as? String == origin)
                #expect(job["priority"] as? Int == 5)
            }
        }
        // A file queued as backfill by someone else (another request: German): the hook finds that job, raises it to
        // the import priority, and makes no second one.
        try ServiceRestartTests.toneTalk(media.appendingPathComponent("backfill.wav").path, frequency: 380, seconds: 12)
        let (created, backfill) = try await ServiceClient(baseURL: base, token: Self.token).json(
            .POST, "/v1/jobs", body: #"{"path": "\#(media.appendingPathComponent("backfill.wav").path)", "priority": 0, "language": "de"}"#)
        #expect(created == 201 && backfill["priority"] as? Int == 0, "\(backfill)")
        let added = try await Self.postJSON(base, "/v1/hooks/emby", MediaServerPayloads.emby("library.new", path: media.appendingPathComponent("backfill.wav").path))
        #expect(added.status == 200, "\(added.json)")
        let addedJob = try #require((added.json["jobs"] as? [[String: Any]])?.first)
        #expect(addedJob["id"] as? String == backfill["id"] as? String)
        #expect(addedJob["priority"] as? Int == 5)
        #expect(addedJob["origin"] as? String == "api")

        let jobs = try await Self.jobs(ServiceClient(baseURL: base, token: Self.token))
        #expect(jobs.count == 4, "\(jobs)")
        // Each job keeps the path as its server named it; --path-map turned it into the service's (the subtitles
        // below are written beside the mapped files).
        #expect(Set(jobs.compactMap { ($0["request"] as? [String: Any])?["path"] as? String })
                == ["/jf/jelly.wav", "/plexmedia/plex.wav", media.appendingPathComponent("emby.wav").path,
                    media.appendingPathComponent("backfill.wav").path])
        // Plex was asked where its item is, with its token in a header.
        let lookups = server.requests.filter { $0.uri.hasPrefix("/plex/") }
        #expect(lookups.count == 2)
        #expect(lookups.allSatisfy { $0.headers.contains { $0.name.lowercased() == "x-plex-token" && $0.value == "plex-secret-token" } })
        hold.open()
        for job in jobs {
            let finished = try await ServiceClient(baseURL: base, token: Self.token).waitForJob(try #require(job["id"] as? String))
            #expect(finished["state"] as? String == "done", "\(finished)")
        }
        for name in files {
            #expect(!Self.srt(media.appendingPathComponent((name as NSString).deletingPathExtension + ".en.srt").path).isEmpty)
        }
        let (_, metrics, _) = try await ServiceClient(baseURL: base, token: Self.token).send(.GET, "/metrics")
        let text = String(decoding: metrics, as: UTF8.self)
        #expect(text.contains(#"subtitler_hook_events_total{hook="plex",event="item-added",outcome="queued"} 1"#), "\(text)")
        #expect(text.contains(#"subtitler_hook_events_total{hook="emby",event="item-added",outcome="existing"} 2"#), "\(text)")
        #expect(!service.log.contains("plex-secret-token"))
    }

    @Test(.timeLimit(.minutes(4))) func aPlaybackHookRaisesTheQueuedJobAboveBackfillAndQueuesAnUnqueuedFileAtTheTop() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
        let names = ["first", "backfill1", "backfill2", "watched", "played"]
        for (index, name) in names.enumerated() {
            try ServiceRestartTests.toneTalk(media.appendingPathComponent("\(name).wav").path, frequency: 300 + 15 * index, seconds: 12)
        }
        // The first file's request is held while the others are queued and the playback hooks come in.
        let hold = Gate()
        defer { hold.open() }
        let counter = Counter()
        let server = try await StubHTTPServer.start { _, _ in
            let index = counter.next()
            return index == 0 ? .json(200, Self.answer(index)).held(by: hold) : .json(200, Self.answer(index))
        }
        defer { Task { try? await server.shutdown() } }
        let environment = ServiceProcess.environment(["OPENAI_BASE_URL": server.baseURL, "SUBTITLER_TOKEN": Self.token], scratch: scratch)
        let service = try ServiceProcess.start(["--root", media.path, "--jobs", "1", "--language-codes", "639-1"], environment: environment)
        defer { service.stop() }
        let client = ServiceClient(baseURL: service.baseURL, token: Self.token)
        func path(_ name: String) -> String { media.appendingPathComponent("\(name).wav").path }
        var ids: [String: String] = [:]
        let (status, first) = try await client.json(.POST, "/v1/jobs", body: #"{"path": "\#(path("first"))"}"#)
        #expect(status == 201)
        ids["first"] = try #require(first["id"] as? String)
        await server.waitForRequests(1)
        for name in ["backfill1", "backfill2", "watched"] {
            let (_, job) = try await client.json(.POST, "/v1/jobs", body: #"{"path": "\#(path(name))", "priority": 0}"#)
            ids[name] = try #require(job["id"] as? String)
        }
        // Tautulli: the queued backfill job is raised to the top; no second job is made.
        let raised = try await Self.postJSON(service.baseURL, "/v1/hooks/tautulli", MediaServerPayloads.tautulli(action: "play", file: path("watched")))
        #expect(raised.status == 200, "\(raised.json)")
        #expect(raised.json["status"] as? String == "existing")
        let raisedJob = try #require((raised.json["jobs"] as? [[String: Any]])?.first)
        #expect(raisedJob["id"] as? String == ids["watched"])
        #expect(raisedJob["priority"] as? Int == 9)
        // Jellyfin: a file with no job is queued at the top.
        let queued = try await Self.postJSON(service.baseURL, "/v1/hooks/jellyfin", MediaServerPayloads.jellyfin("PlaybackStart", itemType: "Movie", path: path("played")))
        #expect(queued.status == 202, "\(queued.json)")
        let queuedJob = try #require((queued.json["jobs"] as? [[String: Any]])?.first)
        #expect(queuedJob["origin"] as? String == "jellyfin")
        #expect(queuedJob["priority"] as? Int == 9)
        ids["played"] = try #require(queuedJob["id"] as? String)
        // A file whose English audio already has English subtitles, played: its job is queued at the top and skips
        // it (the job layer's rule), asking the API nothing.
        try ServiceRestartTests.toneTalk(scratch.path("subbed.wav"), frequency: 420, seconds: 4)
        let subbedFile = media.appendingPathComponent("subbed.mkv").path
        _ = try FFmpegCLI.run(["-y", "-i", scratch.path("subbed.wav"), "-c:a", "flac", "-metadata:s:a:0", "language=eng", subbedFile])
        try "1\n00:00:01,000 --> 00:00:02,000\nHello.\n".write(toFile: media.appendingPathComponent("subbed.en.srt").path, atomically: true, encoding: .utf8)
        let subbed = try await Self.postJSON(service.baseURL, "/v1/hooks/jellyfin", MediaServerPayloads.jellyfin("PlaybackStart", path: subbedFile))
        #expect(subbed.status == 202, "\(subbed.json)")
        let subbedID = try #require((subbed.json["jobs"] as? [[String: Any]])?.first?["id"] as? String)
        // Plex names no file, and this service has no SUBTITLER_PLEX_URL to ask: ignored, with the reason.
        let form = MediaServerPayloads.multipart(boundary: "b0undary", parts: [
            ("payload", nil, "application/json", Array(MediaServerPayloads.plex("media.play").utf8)),
        ])
        let unresolved = try await Self.post(service.baseURL, "/v1/hooks/plex", body: form, contentType: "multipart/form-data; boundary=b0undary")
        #expect(unresolved.status == 200, "\(unresolved.json)")
        #expect(unresolved.json["status"] as? String == "ignored")
        #expect((unresolved.json["reason"] as? String)?.contains("SUBTITLER_PLEX_URL and SUBTITLER_PLEX_TOKEN") == true)
        // The running file played again: it keeps its one job.
        let again = try await Self.postJSON(service.baseURL, "/v1/hooks/emby", MediaServerPayloads.emby("playback.start", path: path("first")))
        #expect(again.status == 200, "\(again.json)")
        #expect((again.json["jobs"] as? [[String: Any]])?.first?["id"] as? String == ids["first"])
        #expect(try await Self.jobs(client).count == 6)

        hold.open()
        for name in names {
            let finished = try await client.waitForJob(try #require(ids[name]))
            #expect(finished["state"] as? String == "done", "\(name): \(finished)")
        }
        let skipped = try await client.waitForJob(subbedID)
        #expect(skipped["state"] as? String == "done", "\(skipped)")
        #expect((skipped["skipReason"] as? [String: Any])?["kind"] as? String == "already-subtitled", "\(skipped)")
        #expect(server.requestCount == names.count)
        // The order the stub saw the files: the held one, the two playing ones (the raised one first: older at the
        // same rank), then the backfill in its order.
        let order = ["first", "watched", "played", "backfill1", "backfill2"]
        for (index, name) in order.enumerated() {
            let subtitles = Self.srt(media.appendingPathComponent("\(name).en.srt").path)
            #expect(subtitles.contains(Self.words[index]), "\(name) was not request \(index): \(subtitles)")
        }
    }

    @Test(.timeLimit(.minutes(3))) func outsideTheRootsABadTokenABadPayloadAndAnOversizedPlexBodyAreRefusedAndNothingIsQueued() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let media = scratch.url.appendingPathComponent("media")
        let elsewhere = scratch.url.appendingPathComponent("elsewhere")
        for folder in [media, elsewhere] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        try ServiceRestartTests.toneTalk(elsewhere.appendingPathComponent("outside.wav").path, frequency: 350, seconds: 4)
        // The audio API is never to be called; Plex refuses the service's token.
        let server = try await StubHTTPServer.start { _, request in
            request.uri.hasPrefix("/plex/") ? .json(401, #"{"errors":[{"code":1001}]}"#) : .json(500, "{}")
        }
        defer { Task { try? await server.shutdown() } }
        let plexURL = server.baseURL.replacingOccurrences(of: "/v1", with: "/plex")
        let environment = ServiceProcess.environment([
            "OPENAI_BASE_URL": server.baseURL, "SUBTITLER_TOKEN": Self.token,
            "SUBTITLER_PLEX_URL": plexURL, "SUBTITLER_PLEX_TOKEN": "plex-secret-token",
        ], scratch: scratch)
        let service = try ServiceProcess.start(["--root", media.path], environment: environment)
        defer { service.stop() }
        let base = service.baseURL
        let outside = elsewhere.appendingPathComponent("outside.wav").path

        let forbidden = try await Self.postJSON(base, "/v1/hooks/emby", MediaServerPayloads.emby("library.new", path: outside))
        #expect(forbidden.status == 403, "\(forbidden.json)")
        #expect(forbidden.json["error"] as? String == "\(outside): outside the folders this service may use")
        for token in [nil, "not-the-token-0123456789"] {
            let refused = try await Self.postJSON(base, "/v1/hooks/jellyfin", MediaServerPayloads.jellyfin("ItemAdded", path: outside), token: token)
            #expect(refused.status == 401)
        }
        // Plex and Emby send no headers: their hooks take the token in the URL too; the other routes do not.
        let byQuery = try await Self.postJSON(base, "/v1/hooks/emby?token=\(Self.token)", #"{"Event": "playback.pause"}"#, token: nil)
        #expect(byQuery.status == 200, "\(byQuery.json)")
        #expect(byQuery.json["status"] as? String == "ignored")
        #expect(try await Self.postJSON(base, "/v1/hooks/emby?token=not-the-token-0123456789", #"{"Event": "playback.pause"}"#, token: nil).status == 401)
        #expect(try await Self.postJSON(base, "/v1/hooks/jellyfin?token=\(Self.token)", MediaServerPayloads.jellyfin("UserCreated", path: nil), token: nil).status == 401)
        let bad = try await Self.postJSON(base, "/v1/hooks/jellyfin", MediaServerPayloads.jellyfin("ItemAdded", path: nil))
        #expect(bad.status == 400)
        #expect((bad.json["error"] as? String)?.hasPrefix("the Jellyfin ItemAdded payload has no \"Path\"") == true, "\(bad.json)")
        let ignored = try await Self.postJSON(base, "/v1/hooks/jellyfin", MediaServerPayloads.jellyfin("UserCreated", path: nil))
        #expect(ignored.status == 200)
        #expect(ignored.json["status"] as? String == "ignored")

        // Plex cannot say where its item is: 502, one line naming the server, never its token.
        let plexBoundary = "------------------------77aa"
        let lookupFailed = try await Self.post(base, "/v1/hooks/plex?token=\(Self.token)", body: MediaServerPayloads.multipart(
            boundary: plexBoundary, parts: [("payload", nil, "application/json", Array(MediaServerPayloads.plex("media.play").utf8))]),
            contentType: "multipart/form-data; boundary=\(plexBoundary)", token: nil)
        #expect(lookupFailed.status == 502, "\(lookupFailed.json)")
        #expect(lookupFailed.json["error"] as? String
                == "the Plex server at \(plexURL) could not say where item 1936 is: the token was refused (401)")

        // A Plex form whose thumbnail is 96 MB, streamed: refused past the bound, and the service's peak memory does
        // not grow with it.
        let pid = service.process.processIdentifier
        let before = try Self.peakMemory(of: pid)
        let boundary = "------------------------5d1c0ffee"
        let head = MediaServerPayloads.multipart(boundary: boundary, parts: [
            ("payload", nil, "application/json", Array(MediaServerPayloads.plex("library.new").utf8)),
        ]).dropLast(boundary.count + 6)   // keep the form open: the thumbnail part follows
        let thumbHead = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"thumb\"; filename=\"thumb.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
        let megabyte = ByteBuffer(bytes: [UInt8](repeating: 0x5A, count: 1 << 20))
        let sent = NIOLockedValueBox(0)
        var pieces: [ByteBuffer] = [ByteBuffer(bytes: Array(head) + thumbHead)]
        pieces += Array(repeating: megabyte, count: 96)
        let stream = AsyncStream<ByteBuffer> { continuation in
            for piece in pieces { continuation.yield(piece) }
            continuation.finish()
        }
        var request = HTTPClientRequest(url: base + "/v1/hooks/plex")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(Self.token)")
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
        request.body = .stream(stream.map { buffer in sent.withLockedValue { $0 += buffer.readableBytes }; return buffer },
                               length: .unknown)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let answer = try await response.body.collect(upTo: 1 << 20)
        #expect(response.status == .payloadTooLarge, "\(String(buffer: answer))")
        #expect(String(buffer: answer).contains("the body is larger than 16 MB"))
        let after = try Self.peakMemory(of: pid)
        #expect(after - before < 24 << 20, "peak memory grew from \(before) to \(after) bytes")

        #expect(try await Self.jobs(ServiceClient(baseURL: base, token: Self.token)).isEmpty)
        #expect(server.requests.filter { !$0.uri.hasPrefix("/plex/") }.isEmpty)
        #expect(!service.log.contains("plex-secret-token"))
        let (_, metrics, _) = try await ServiceClient(baseURL: base, token: Self.token).send(.GET, "/metrics")
        let text = String(decoding: metrics, as: UTF8.self)
        #expect(text.contains(#"subtitler_hook_events_total{hook="plex",event="other",outcome="refused"} 1"#), "\(text)")
        #expect(text.contains(#"subtitler_hook_events_total{hook="jellyfin",event="other",outcome="ignored"} 1"#), "\(text)")
    }

    /// A process's peak resident memory in bytes (`VmHWM` in `/proc/PID/status`).
    static func peakMemory(of pid: pid_t) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else {
            throw ServiceTestError("no VmHWM in /proc/\(pid)/status")
        }
        return kilobytes * 1024
    }
}
