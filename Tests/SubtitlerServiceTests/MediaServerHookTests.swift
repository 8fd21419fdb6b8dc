import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Subtitler
import SubtitlerJobs
import Testing
import TestSupport
@testable import SubtitlerService
import HTTPTypes

/// The media servers' payloads, parsed from the shapes they send: what each asks for, what is ignored (200, never an
/// error), and the one line that names what a bad payload lacks.
struct MediaServerHookTests {
    typealias P = MediaServerPayloads
    static let episode = "/data/tv/Thrones/Season 08/Thrones - S08E03.mkv"

    static func data(_ text: String) -> Data { Data(text.utf8) }

    static func reason(_ body: () throws(HookPayloadError) -> MediaServerHook.Action) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.message
        }
    }

    @Test func jellyfinItemAddedAndPlaybackStartNameTheFile() throws {
        #expect(try JellyfinHook.action(from: Self.data(P.jellyfin("ItemAdded", path: Self.episode)))
                == .act(.itemAdded, .file(Self.episode)))
        #expect(try JellyfinHook.action(from: Self.data(P.jellyfin("PlaybackStart", itemType: "Movie", path: "/data/m/Arrival.mkv")))
                == .act(.playbackStarted, .file("/data/m/Arrival.mkv")))
    }

    @Test func jellyfinIgnoresOtherEventsAndItemsAndNamesAMissingPath() throws {
        guard case .ignore(let event, _) = try JellyfinHook.action(from: Self.data(P.jellyfin("PlaybackStop", path: Self.episode))) else {
            Issue.record("PlaybackStop is acted on")
            return
        }
        #expect(event == "PlaybackStop")
        guard case .ignore(_, let reason) = try JellyfinHook.action(from: Self.data(P.jellyfin("ItemAdded", itemType: "Season", path: "/data/tv/Thrones/Season 08"))) else {
            Issue.record("a season is acted on")
            return
        }
        #expect(reason == "items of type Season have no file to subtitle")
        let missing = Self.reason { () throws(HookPayloadError) in try JellyfinHook.action(from: Self.data(P.jellyfin("ItemAdded", path: nil))) }
        #expect(missing?.hasPrefix("the Jellyfin ItemAdded payload has no \"Path\"") == true, "\(missing ?? "")")
        let wrong = Self.reason { () throws(HookPayloadError) in try JellyfinHook.action(from: Self.data(#"{"Name": "x"}"#)) }
        #expect(wrong == "not a Jellyfin webhook payload: \"NotificationType\" is missing")
    }

    @Test func plexEventsNameTheItemByItsRatingKey() throws {
        #expect(try PlexHook.action(from: Self.data(P.plex("library.new"))) == .act(.itemAdded, .plexItem(ratingKey: "1936")))
        #expect(try PlexHook.action(from: Self.data(P.plex("media.play", type: "movie", ratingKey: "77"))) == .act(.playbackStarted, .plexItem(ratingKey: "77")))
        #expect(try PlexHook.action(from: Self.data(P.plex("media.resume"))) == .act(.playbackStarted, .plexItem(ratingKey: "1936")))
        guard case .ignore(let event, _) = try PlexHook.action(from: Self.data(P.plex("media.pause"))) else {
            Issue.record("media.pause is acted on")
            return
        }
        #expect(event == "media.pause")
        guard case .ignore(_, let reason) = try PlexHook.action(from: Self.data(P.plex("library.new", type: "track"))) else {
            Issue.record("a track is acted on")
            return
        }
        #expect(reason == "items of type track have no file to subtitle")
        let bad = Self.reason { () throws(HookPayloadError) in try PlexHook.action(from: Self.data(P.plex("library.new", ratingKey: "../../etc"))) }
        #expect(bad == "the Plex library.new payload's \"Metadata.ratingKey\" is not a whole number")
        let none = Self.reason { () throws(HookPayloadError) in try PlexHook.action(from: Self.data(#"{"event": "media.play", "Metadata": {"type": "movie"}}"#)) }
        #expect(none == "the Plex media.play payload has no \"Metadata.ratingKey\"")
    }

    @Test func embyLibraryNewAndPlaybackStartNameTheFileAndTheTestIsIgnored() throws {
        #expect(try EmbyHook.action(from: Self.data(P.emby("library.new", path: "/mnt/films/Arrival (2016).mkv")))
                == .act(.itemAdded, .file("/mnt/films/Arrival (2016).mkv")))
        #expect(try EmbyHook.action(from: Self.data(P.emby("playback.start", type: "Episode", path: Self.episode)))
                == .act(.playbackStarted, .file(Self.episode)))
        guard case .ignore(let event, _) = try EmbyHook.action(from: Self.data(#"{"Title": "Test Notification", "Event": "system.notificationtest"}"#)) else {
            Issue.record("the test notification is acted on")
            return
        }
        #expect(event == "system.notificationtest")
        let missing = Self.reason { () throws(HookPayloadError) in try EmbyHook.action(from: Self.data(P.emby("library.new", path: nil))) }
        #expect(missing == "the Emby library.new payload has no \"Item.Path\"")
    }

    @Test func tautulliPlayAndResumeRaiseTheFileAndOtherActionsAreIgnored() throws {
        #expect(try TautulliHook.action(from: Self.data(P.tautulli(action: "play", file: Self.episode))) == .act(.playbackStarted, .file(Self.episode)))
        #expect(try TautulliHook.action(from: Self.data(P.tautulli(action: "resume", file: Self.episode, mediaType: "movie")))
                == .act(.playbackStarted, .file(Self.episode)))
        guard case .ignore = try TautulliHook.action(from: Self.data(P.tautulli(action: "stop", file: Self.episode))) else {
            Issue.record("stop is acted on")
            return
        }
        guard case .ignore = try TautulliHook.action(from: Self.data(P.tautulli(action: "play", file: "/music/a.flac", mediaType: "track"))) else {
            Issue.record("a track is acted on")
            return
        }
        let missing = Self.reason { () throws(HookPayloadError) in try TautulliHook.action(from: Self.data(P.tautulli(action: "play", file: nil))) }
        #expect(missing == "the Tautulli payload has no \"file\": add \"file\": \"{file}\" to the JSON data")
        let notJSON = Self.reason { () throws(HookPayloadError) in try TautulliHook.action(from: Self.data("event=play")) }
        #expect(notJSON == "not a Tautulli webhook payload: the body is not valid JSON")
    }
}

/// Hook bodies are read within fixed bounds: the JSON part kept, a thumbnail discarded as it arrives, a body past
/// the bound refused before the rest of it is read.
struct HookBodyTests {
    /// A body streamed in `chunk`-byte buffers, counting how many bytes the reader pulled.
    final class CountingBody: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let bytes: [UInt8]
        let chunk: Int
        private let pulled = NIOLockedValueBox(0)
        var bytesPulled: Int { pulled.withLockedValue { $0 } }

        init(_ bytes: [UInt8], chunk: Int = 64 * 1024) {
            self.bytes = bytes
            self.chunk = chunk
        }

        struct AsyncIterator: AsyncIteratorProtocol {
            let body: CountingBody
            var offset = 0
            mutating func next() async -> ByteBuffer? {
                guard offset < body.bytes.count else { return nil }
                let end = Swift.min(offset + body.chunk, body.bytes.count)
                let buffer = ByteBuffer(bytes: body.bytes[offset..<end])
                body.pulled.withLockedValue { $0 += end - offset }
                offset = end
                return buffer
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(body: self) }
    }

    static let boundary = "------------------------ab12cd34ef56"
    static let contentType = "multipart/form-data; boundary=\(boundary)"

    static func plexForm(thumbBytes: Int) -> [UInt8] {
        var jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0]
        var generator = SeededGenerator(seed: 7)
        jpeg += (0..<thumbBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return MediaServerPayloads.multipart(boundary: boundary, parts: [
            ("payload", nil, "application/json", Array(MediaServerPayloads.plex("library.new").utf8)),
            ("thumb", "thumb.jpg", "image/jpeg", jpeg),
        ])
    }

    @Test func thePayloadPartIsKeptAndTheThumbnailDiscarded() async throws {
        let body = CountingBody(Self.plexForm(thumbBytes: 3 << 20))
        let payload = try await HookBody.payload(of: body, contentType: Self.contentType, parts: ["payload"]).get()
        #expect(String(decoding: payload, as: UTF8.self) == MediaServerPayloads.plex("library.new"))
        #expect(body.bytesPulled == body.bytes.count)
    }

    @Test func aBodyPastTheBoundIsRefusedBeforeTheRestIsRead() async throws {
        let body = CountingBody(Self.plexForm(thumbBytes: 8 << 20))
        let result = await HookBody.payload(of: body, contentType: Self.contentType, parts: ["payload"], totalLimit: 1 << 20)
        #expect(result == .failure(HookBody.Refusal(status: .contentTooLarge, message: "the body is larger than 1 MB")))
        #expect(body.bytesPulled <= (1 << 20) + body.chunk)
    }

    @Test func badBodiesAreNamed() async throws {
        let json = CountingBody(Array(repeating: UInt8(ascii: " "), count: 70 * 1024))
        #expect(await HookBody.payload(of: json, contentType: "application/json", parts: ["payload"])
                == .failure(HookBody.Refusal(status: .contentTooLarge, message: "the JSON body is larger than 64 KB")))
        let noPayload = CountingBody(MediaServerPayloads.multipart(boundary: Self.boundary, parts: [("thumb", "t.jpg", "image/jpeg", [1, 2, 3])]))
        #expect(await HookBody.payload(of: noPayload, contentType: Self.contentType, parts: ["payload"])
                == .failure(HookBody.Refusal(status: .badRequest, message: "the form has no 'payload' part")))
        let form = Self.plexForm(thumbBytes: 1000)
        let cut = CountingBody(Array(form.prefix(form.count - 100)))
        #expect(await HookBody.payload(of: cut, contentType: Self.contentType, parts: ["payload"])
                == .failure(HookBody.Refusal(status: .badRequest, message: "malformed multipart body: it ended before the closing boundary")))
        let emby = CountingBody(MediaServerPayloads.multipart(boundary: Self.boundary, parts: [
            ("data", nil, "application/json", Array(#"{"Event": "library.new"}"#.utf8)),
        ]))
        let embyPayload = try await HookBody.payload(of: emby, contentType: Self.contentType, parts: ["data", "payload"]).get()
        #expect(String(decoding: embyPayload, as: UTF8.self) == #"{"Event": "library.new"}"#)
    }
}

/// Plex's API tells where an item's file is; the stub stands in for Plex (its errors on demand), the client is the
/// service's own.
@Suite(.timeLimit(.minutes(1))) struct PlexLibraryTests {
    @Test func theFileIsTheFirstPartOfTheItemsMediaAndTheTokenTravelsInAHeader() async throws {
        let server = try await StubHTTPServer.start { _, request in
            request.uri == "/plex/library/metadata/1936"
                ? .json(200, MediaServerPayloads.plexMetadata(file: MediaServerHookTests.episode))
                : .json(404, "{}")
        }
        defer { Task { try? await server.shutdown() } }
        let base = server.baseURL.replacingOccurrences(of: "/v1", with: "/plex")
        let library = PlexLibrary(server: Notifier.MediaServer(kind: .plex, url: base + "/", token: "plex-secret-token"))
        #expect(try await library.file(ratingKey: "1936") == MediaServerHookTests.episode)
        let request = try #require(server.requests.first)
        #expect(request.headers.contains { $0.name.lowercased() == "x-plex-token" && $0.value == "plex-secret-token" })
        #expect(request.headers.contains { $0.name.lowercased() == "accept" && $0.value == "application/json" })
        #expect(!request.uri.contains("plex-secret-token"))
    }

    @Test func aRefusedTokenOrAnItemWithoutAFileIsOneLineWithoutTheToken() async throws {
        let server = try await StubHTTPServer.start([
            .json(401, #"{"errors":[{"code":1001,"message":"User could not be authenticated"}]}"#),
            .json(200, #"{"MediaContainer": {"size": 1, "Metadata": [{"ratingKey": "5", "type": "movie"}]}}"#),
        ])
        defer { Task { try? await server.shutdown() } }
        let base = server.baseURL.replacingOccurrences(of: "/v1", with: "")
        let library = PlexLibrary(server: Notifier.MediaServer(kind: .plex, url: base, token: "plex-secret-token"))
        for expected in ["the token was refused (401)", "the item has no file"] {
            do {
                _ = try await library.file(ratingKey: "5")
                Issue.record("the lookup succeeded")
            } catch {
                #expect(error.message == "the Plex server at \(base) could not say where item 5 is: \(expected)")
            }
        }
    }
}

/// Raising a file's jobs (a playback start), on both stores.
@Suite(.timeLimit(.minutes(3))) struct RaisePriorityTests {
    @Test(arguments: StoreKind.available) func theFilesQueuedJobIsRaisedAndNoOtherJobChanges(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let playing = try await store.enqueue(JobRequest(path: "/m/a.mkv", priority: 0), resolvedPath: "/m/a.mkv", origin: .watch).job
            let other = try await store.enqueue(JobRequest(path: "/m/b.mkv"), resolvedPath: "/m/b.mkv", origin: .watch).job
            let raised = try await store.raisePriority(ofJobsFor: "/m/a.mkv", to: JobPriority.top)
            #expect(raised.map(\.id) == [playing.id])
            #expect(raised.map(\.priority) == [9])
            #expect(try await store.job(id: playing.id)?.priority == 9)
            #expect(try await store.job(id: other.id)?.priority == 0)
            // Claimed first now, and a running job is returned as it is.
            #expect(try await store.claimNext()?.id == playing.id)
            let running = try await store.raisePriority(ofJobsFor: "/m/a.mkv", to: JobPriority.top)
            #expect(running.map(\.state) == [.running])
            #expect(try await store.raisePriority(ofJobsFor: "/m/none.mkv", to: JobPriority.top).isEmpty)
            // A higher priority is never lowered.
            let urgent = try await store.enqueue(JobRequest(path: "/m/c.mkv", priority: 9), resolvedPath: "/m/c.mkv", origin: .api).job
            #expect(try await store.raisePriority(ofJobsFor: "/m/c.mkv", to: 7).map(\.priority) == [urgent.priority])
            // A job held back by the budget is the file's job too: raised, and still waiting.
            let held = try await store.enqueue(JobRequest(path: "/m/d.mkv", priority: 0), resolvedPath: "/m/d.mkv", origin: .watch).job
            #expect(try await store.holdQueued(reason: .budget) >= 1)
            let waiting = try await store.raisePriority(ofJobsFor: "/m/d.mkv", to: JobPriority.top)
            #expect(waiting.map(\.id) == [held.id])
            #expect(waiting.map(\.state) == [.waiting])
            #expect(try await store.job(id: held.id)?.priority == 9)
        }
    }
}
