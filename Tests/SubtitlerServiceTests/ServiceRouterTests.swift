import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import OpenAIAudio
import Subtitler
import SubtitlerJobs
import Subtitles
import Testing
import TestSupport
@testable import SubtitlerService

/// The service's routes in this process, through Hummingbird's router test mode: the jobs API, the hooks, the token
/// and the access policy, Bazarr's validation errors, `/healthz`, `/metrics` and `/openapi.json`, over an in-memory
/// store and a fake backend. Waiting is on the store's own changes or on gates, never on the clock.
@Suite struct ServiceRouterTests {
    @Test func createDeduplicateFinishListReviewAndStream() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let gate = Gate()
        let service = try InProcessService(scratch: scratch, backend: FakeTranscriptionBackend { _ in
            await gate.wait()
            return VerboseTranscription(language: "german", text: "Hallo.", segments: [
                .init(start: 0.5, end: 2.5, text: " Hallo.", avgLogprob: -0.2, compressionRatio: 1.1, noSpeechProb: 0.01),
            ])
        }) { $0.defaults.formats = [.srt, .vtt] }
        let media = try service.media("clip.wav")
        try await service.test { client in
            let body = #"{"path": "\#(media)", "language": "de"}"#
            let (status, created) = try await client.json(.post, "/v1/jobs", body: body)
            #expect(status == .created, "\(created)")
            let id = try #require(created["id"] as? String)
            #expect(created["origin"] as? String == "api")
            // The first chunk is held: the job is running, and an equal request answers with it.
            await gate.arrivals(1)
            let (again, duplicate) = try await client.json(.post, "/v1/jobs", body: body)
            #expect(again == .ok && duplicate["id"] as? String == id)
            let (_, running) = try await client.json(.get, "/v1/jobs/\(id)")
            #expect(running["state"] as? String == "running")
            gate.open()
            let job = try await service.job(id)
            #expect(job.state == .done, "\(job)")
            #expect(job.outputs == [scratch.path("media/clip.de.srt"), scratch.path("media/clip.de.vtt")])
            #expect(try String(contentsOfFile: scratch.path("media/clip.de.srt"), encoding: .utf8).contains("Hallo."))

            let listed = try await client.send(.get, "/v1/jobs?state=done")
            #expect(listed.status == .ok)
            let jobs = try #require(try JSONSerialization.jsonObject(with: Data(listed.body.readableBytesView)) as? [[String: Any]])
            #expect(jobs.map { $0["id"] as? String } == [id])
            #expect(try await client.send(.get, "/v1/jobs?state=queued").body == ByteBuffer(string: "[]"))
            let shown = try await client.json(.get, "/v1/jobs/\(id)")
            #expect(shown.0 == .ok && (shown.1["report"] as? [String: Any])?["status"] as? String == "done")

            let page = try await client.send(.get, "/v1/jobs/\(id)/review")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(String(buffer: page.body).contains("/v1/jobs/\(id)/media"))
            let range = try await client.send(.get, "/v1/jobs/\(id)/media", headers: [.range: "bytes=0-99"])
            #expect(range.status == .partialContent && range.body.readableBytes == 100)
            #expect(range.headers[.contentRange]?.hasPrefix("bytes 0-99/") == true)
            #expect(range.headers[.contentType] == "audio/wav")
            let whole = try await client.send(.get, "/v1/jobs/\(id)/media")
            let size = try Data(contentsOf: URL(fileURLWithPath: media)).count
            #expect(whole.status == .ok && whole.body.readableBytes == size)

            let (missing, answer) = try await client.json(.get, "/v1/jobs/nope")
            #expect(missing == .notFound)
            #expect(answer["error"] as? String == "no job nope")
            #expect(try await client.json(.get, "/v1/jobs/nope/review").0 == .notFound)
            #expect(try await client.json(.delete, "/v1/jobs/nope").0 == .notFound)
            let (ended, conflict) = try await client.json(.delete, "/v1/jobs/\(id)")
            #expect(ended == .conflict && (conflict["error"] as? String)?.contains("already ended (done)") == true)
        }
    }

    @Test func badRequestsAreStatusCodesWithJSONErrors() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        try FileManager.default.createDirectory(atPath: scratch.path("elsewhere"), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: scratch.path("elsewhere/x.wav"), contents: Data([1]))
        let service = try InProcessService(scratch: scratch)
        let media = try service.media("a.wav")
        try await service.test { client in
            let cases: [(String, HTTPResponse.Status)] = [
                (#"{"path": "\#(scratch.path("elsewhere/x.wav"))"}"#, .forbidden),
                (#"{"path": "\#(scratch.path("media"))/../elsewhere/x.wav"}"#, .badRequest),
                (#"{"path": "http://127.0.0.1/x.mkv"}"#, .badRequest),
                (#"{"path": "\#(scratch.path("media/missing.wav"))"}"#, .notFound),
                ("not json", .badRequest),
                (#"{"language": "de"}"#, .badRequest),
                (#"{"path": "\#(media)", "language": "klingon"}"#, .badRequest),
                (#"{"path": "\#(media)", "formats": []}"#, .badRequest),
                (#"{"path": "\#(media)", "naming": {"label": "a/b"}}"#, .badRequest),
                (#"{"path": "\#(media)", "priority": 10}"#, .badRequest),
                (#"{"path": "\#(media)", "priority": -1}"#, .badRequest),
                // A dub the service cannot honour is refused before anything is queued.
                (#"{"path": "\#(media)", "dub": {"duck": 90}}"#, .badRequest),
                (#"{"path": "\#(media)", "dub": {"voice": " "}}"#, .badRequest),
                // A misspelt field is refused, not ignored.
                (#"{"path": "\#(media)", "langauge": "de"}"#, .badRequest),
            ]
            for (body, expected) in cases {
                let response = try await client.send(.post, "/v1/jobs", json: body)
                #expect(response.status == expected, "\(body): \(String(buffer: response.body))")
                #expect(response.headers[.contentType] == "application/json")
                let error = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect((error?["error"] as? String)?.isEmpty == false, "\(body)")
            }
            let (_, misspelt) = try await client.json(.post, "/v1/jobs", body: #"{"path": "\#(media)", "langauge": "de"}"#)
            #expect((misspelt["error"] as? String)?.hasPrefix(#"unknown field "langauge"; a job takes dub, embed"#) == true,
                    "\(misspelt)")
            #expect(try await client.json(.get, "/v1/jobs?state=paused").0 == .badRequest)
            #expect(try await client.json(.get, "/v1/jobs?limit=0").0 == .badRequest)
            #expect(try await client.json(.get, "/v1/jobs?limit=ten").0 == .badRequest)
            #expect(try await client.json(.get, "/v1/jobs?limit=1000").0 == .ok)
            #expect(try await client.json(.post, "/v1/hooks/sonarr", body: "[]").0 == .badRequest)
            #expect(try await client.json(.post, "/v1/hooks/sonarr", body: #"{"eventType":"Download"}"#).0 == .badRequest)
            #expect(try await client.send(.get, "/no/such/route").status == .notFound)
            #expect(try await service.store.jobs().isEmpty)
        }
    }

    @Test func hooksQueueTheMappedFileAndAQueuedJobCanBeCancelled() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let gate = Gate()
        for folder in ["tv", "movies"] {
            try FileManager.default.createDirectory(atPath: scratch.path("media/\(folder)"), withIntermediateDirectories: true)
        }
        let service = try InProcessService(scratch: scratch, backend: FakeTranscriptionBackend { _ in
            await gate.wait()
            return VerboseTranscription(language: "english", text: "Tone.", segments: [
                .init(start: 0.5, end: 2.5, text: " Tone.", avgLogprob: -0.2, compressionRatio: 1.1, noSpeechProb: 0.01),
            ])
        }) { configuration in
            // Sonarr and Radarr see the library under /data (a container's view).
            configuration.roots = [scratch.path("media/tv"), scratch.path("media/movies")]
            configuration.pathMappings = [PathMapping(argument: "/data/tv=\(scratch.path("media/tv"))")!,
                                          PathMapping(argument: "/data/movies=\(scratch.path("media/movies"))")!]
        }
        try service.media("tv/Show/Season 01/Show - S01E01.wav")
        try service.media("movies/Film (2020)/Film (2020).wav", hertz: 440)
        try service.media("elsewhere/x.wav")
        try await service.test { client in
            let (test, answer) = try await client.json(.post, "/v1/hooks/sonarr", body: #"{"eventType":"Test"}"#)
            #expect(test == .ok && answer["status"] as? String == "ok")
            let (grab, ignored) = try await client.json(.post, "/v1/hooks/radarr", body: #"{"eventType":"Grab"}"#)
            #expect(grab == .ok && ignored["status"] as? String == "ignored")
            let sonarr = #"{"eventType":"Download","series":{"path":"/data/tv/Show"},"episodeFile":{"relativePath":"Season 01/Show - S01E01.wav","path":"/data/tv/Show/Season 01/Show - S01E01.wav"}}"#
            let (queued, episode) = try await client.json(.post, "/v1/hooks/sonarr", body: sonarr)
            #expect(queued == .created, "\(episode)")
            #expect((episode["request"] as? [String: Any])?["path"] as? String == "/data/tv/Show/Season 01/Show - S01E01.wav")
            #expect(episode["origin"] as? String == "sonarr")
            let radarr = #"{"eventType":"Download","movie":{"folderPath":"/data/movies/Film (2020)"},"movieFile":{"relativePath":"Film (2020).wav"}}"#
            let (queuedMovie, movie) = try await client.json(.post, "/v1/hooks/radarr", body: radarr)
            #expect(queuedMovie == .created, "\(movie)")
            #expect(movie["origin"] as? String == "radarr")
            let escaping = #"{"eventType":"Download","movieFile":{"path":"\#(scratch.path("media/elsewhere/x.wav"))"}}"#
            #expect(try await client.json(.post, "/v1/hooks/radarr", body: escaping).0 == .forbidden)

            // One job at a time: the episode holds the slot (its chunk is held), the movie waits and is cancelled.
            await gate.arrivals(1)
            let movieID = try #require(movie["id"] as? String)
            let (cancelled, cancelledJob) = try await client.json(.delete, "/v1/jobs/\(movieID)")
            #expect(cancelled == .ok && cancelledJob["state"] as? String == "cancelled")
            gate.open()
            let episodeJob = try await service.job(try #require(episode["id"] as? String))
            #expect(episodeJob.state == .done, "\(episodeJob)")
            #expect(FileManager.default.fileExists(atPath: scratch.path("media/tv/Show/Season 01/Show - S01E01.en.srt")))
            #expect(try await service.job(movieID).state == .cancelled)
            #expect(!FileManager.default.fileExists(atPath: scratch.path("media/movies/Film (2020)/Film (2020).en.srt")))
            #expect(service.backend.calls.count == 1)

            // Metrics and health.
            let metrics = String(buffer: try await client.send(.get, "/metrics").body)
            #expect(metrics.contains(#"subtitler_jobs{state="done"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"subtitler_jobs{state="cancelled"} 1"#), "\(metrics)")
            #expect(metrics.contains("subtitler_api_requests_total 1"), "\(metrics)")
            let (health, body) = try await client.json(.get, "/healthz")
            #expect(health == .ok && body["status"] as? String == "ok" && body["queued"] as? Int == 0)
            #expect((body["version"] as? String)?.isEmpty == false)
        }
    }

    @Test func aRunningJobIsCancelledWhenItsStepEnds() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let gate = Gate()
        let service = try InProcessService(scratch: scratch, backend: InProcessService.heldBackend(until: gate))
        let media = try service.media("a.wav", seconds: 40)
        try await service.test { client in
            let (_, created) = try await client.json(.post, "/v1/jobs", body: #"{"path": "\#(media)", "language": "en"}"#)
            let id = try #require(created["id"] as? String)
            await gate.arrivals(1)
            let (status, job) = try await client.json(.delete, "/v1/jobs/\(id)")
            #expect(status == .ok && job["state"] as? String == "running")
            gate.open()
            let ended = try await service.job(id)
            #expect(ended.state == .cancelled, "\(ended)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path("media/a.en.srt")))
        }
    }

    @Test func theTokenGuardsTheJobsAPIHooksAndMetricsButNotHealth() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let token = "test-token-0123456789abcdef"
        let service = try InProcessService(scratch: scratch) { $0.token = token }
        try await service.test { client in
            let none = try await client.send(.get, "/v1/jobs")
            #expect(none.status == .unauthorized && none.headers[.wwwAuthenticate] == "Bearer")
            #expect(try await client.send(.get, "/v1/jobs", headers: [.authorization: "Bearer wrong-token-0123456789"]).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/jobs", headers: [.authorization: "Bearer \(token)"]).status == .ok)
            #expect(try await client.send(.get, "/metrics").status == .unauthorized)
            #expect(try await client.send(.get, "/metrics", headers: [.authorization: "Bearer \(token)"]).status == .ok)
            #expect(try await client.send(.get, "/openapi.json").status == .unauthorized)
            // Sonarr's and Radarr's Webhook connections send a username and a password: the token is the password.
            let basic = "Basic " + Data("sonarr:\(token)".utf8).base64EncodedString()
            let wrongBasic = "Basic " + Data("sonarr:nope".utf8).base64EncodedString()
            #expect(try await client.send(.post, "/v1/hooks/sonarr", json: #"{"eventType":"Test"}"#, headers: [.authorization: basic]).status == .ok)
            #expect(try await client.send(.post, "/v1/hooks/sonarr", json: #"{"eventType":"Test"}"#, headers: [.authorization: wrongBasic]).status == .unauthorized)
            #expect(try await client.send(.post, "/v1/hooks/sonarr", json: #"{"eventType":"Test"}"#).status == .unauthorized)
            #expect(try await client.send(.get, "/healthz").status == .ok)
            // Bazarr's endpoints need no token from loopback.
            #expect(try await client.send(.get, "/status").status == .ok)
        }
        // Nothing the service logged holds the token.
        #expect(!service.logs.text.contains(token))
    }

    @Test func bazarrsEndpointsAreServedToLoopbackAndAllowOnly() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let token = "test-token-0123456789abcdef"
        let service = try InProcessService(scratch: scratch) { configuration in
            configuration.token = token
            configuration.allowedNetworks = [IPNetwork("192.168.1.0/24")!]
        }
        try await service.test { (client: any TestClientProtocol) async throws in
            #expect(try await client.status("/status", from: "127.0.0.1") == .ok)
            #expect(try await client.status("/status", from: "::1") == .ok)
            #expect(try await client.status("/status", from: "::ffff:127.0.0.1") == .ok)
            #expect(try await client.status("/status", from: "192.168.1.40") == .ok)          // --allow 192.168.1.0/24
            #expect(try await client.status("/status", from: "::ffff:192.168.1.40") == .ok)
            #expect(try await client.status("/status", from: "10.0.0.7") == .forbidden)
            #expect(try await client.status("/status", from: "10.0.0.7", token: token) == .forbidden)   // a token does not help
            #expect(try await client.send(.post, "/asr", headers: [InProcessService.peerHeader: "10.0.0.7"]).status == .forbidden)
            #expect(try await client.send(.post, "/detect-language", headers: [InProcessService.peerHeader: "10.0.0.7"]).status == .forbidden)
            // The jobs API from the network, with the token.
            #expect(try await client.status("/v1/jobs", from: "10.0.0.7", token: token) == .ok)
            #expect(try await client.status("/v1/jobs", from: "10.0.0.7") == .unauthorized)
            #expect(try await client.status("/healthz", from: "10.0.0.7") == .ok)
        }
        // Without a known client address (no connection), Bazarr's endpoints are refused.
        try await service.test(peer: "") { (client: any TestClientProtocol) async throws in
            #expect(try await client.send(.get, "/status").status == .forbidden)
        }
    }

    @Test func bazarrsEndpointsValidateTheirQueryAndUpload() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        try await service.test { client in
            let (status, body) = try await client.json(.get, "/status")
            #expect(status == .ok && body["service"] as? String == "subtitler" && (body["version"] as? String)?.isEmpty == false)
            let pcm = InProcessService.pcm(SamplesAudioSource.toneTalk(seconds: 2))
            let badTask = try await client.upload("/asr?task=dance", pcm)
            #expect(badTask.status == .badRequest && String(buffer: badTask.body).contains("task must be transcribe or translate"))
            let badOutput = try await client.upload("/asr?output=docx", pcm)
            #expect(badOutput.status == .badRequest && String(buffer: badOutput.body).contains("output must be one of"))
            let notMultipart = try await client.send(.post, "/asr", json: "{}")
            #expect(notMultipart.status == .unsupportedMediaType)
            #expect(try await client.send(.post, "/detect-language", json: "{}").status == .unsupportedMediaType)
            let noAudio = try await client.execute(
                uri: "/asr", method: .post, headers: [.contentType: "multipart/form-data; boundary=b"],
                body: ByteBuffer(string: "--b\r\nContent-Disposition: form-data; name=\"task\"\r\n\r\ntranscribe\r\n--b--\r\n"))
            #expect(noAudio.status == .badRequest && String(buffer: noAudio.body).contains("no audio_file part"))
            #expect(service.backend.calls.isEmpty)
        }
    }

    @Test func tenConcurrentBazarrRequestsWithTwoSlotsAreAllAnsweredTwoAtATime() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch) { $0.concurrentFiles = 2; $0.defaults.options.concurrency = 1 }
        // Ten different 12-second uploads of headerless 16 kHz PCM, as Bazarr sends them.
        let bodies = (0..<10).map { InProcessService.pcm(SamplesAudioSource.toneTalk(seconds: 12, hertz: 300 + 37 * Double($0))) }
        let results = try await service.test { client in
            try await withThrowingTaskGroup(of: (HTTPResponse.Status, String).self) { group in
                for body in bodies {
                    group.addTask {
                        let response = try await client.upload("/asr?task=transcribe&language=en&output=srt&encode=false", body)
                        return (response.status, String(buffer: response.body))
                    }
                }
                var all: [(HTTPResponse.Status, String)] = []
                for try await result in group { all.append(result) }
                return all
            }
        }
        #expect(results.count == 10)
        for (status, text) in results {
            #expect(status == .ok, "\(text)")
            #expect(text.hasPrefix("1\n00:00:"), "\(text)")
        }
        // Two files at a time, one request each: never more than two requests at the backend at once.
        #expect(service.backend.maxInFlight <= 2)
        #expect(service.backend.calls.count >= 10)
        let uploads = scratch.cache.appendingPathComponent("state/uploads").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []).isEmpty)
    }

    @Test func anUndecodableStoredRequestFailsOnlyItsJob() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        let media = try service.media("a.wav")
        // Issue 22 item 7: a row the store cannot decode, first in the queue.
        try await service.store.database.write { db in
            try db.execute(sql: """
                INSERT INTO job (id, state, origin, path, request, createdAt, updatedAt, outputs)
                VALUES ('bad', 'queued', 'api', ?, '{"path": 5}', '2024-05-01 10:00:00.000', '2024-05-01 10:00:00.000', '[]')
                """, arguments: [media])
        }
        try await service.test { client in
            let (status, created) = try await client.json(.post, "/v1/jobs", body: #"{"path": "\#(media)", "language": "en"}"#)
            #expect(status == .created)
            let job = try await service.job(try #require(created["id"] as? String))
            #expect(job.state == .done, "\(job)")
            let listed = try await client.send(.get, "/v1/jobs")
            #expect(listed.status == .ok)
            let jobs = try #require(try JSONSerialization.jsonObject(with: Data(listed.body.readableBytesView)) as? [[String: Any]])
            // Newest first.
            #expect(jobs.map { $0["id"] as? String } == [job.id, "bad"])
            #expect(jobs.last?["state"] as? String == "failed")
            #expect((jobs.last?["error"] as? String)?.contains("cannot be read") == true)
            #expect(try await client.json(.get, "/v1/jobs/bad").1["state"] as? String == "failed")
            #expect(try await client.send(.get, "/v1/jobs?state=failed").status == .ok)
            #expect(try await client.json(.get, "/healthz").0 == .ok)
        }
        #expect(service.logs.text.contains("a stored job cannot be read; marked failed"))
    }

    @Test func theOpenAPIDocumentIsServedAndNamesEveryRoute() async throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanup() }
        let service = try InProcessService(scratch: scratch)
        try await service.test { client in
            let response = try await client.send(.get, "/openapi.json")
            #expect(response.status == .ok && response.headers[.contentType] == "application/json")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: Any])
            for path in ["/v1/jobs", "/v1/jobs/{id}", "/v1/nodes", "/v1/hooks/sonarr", "/v1/hooks/radarr", "/healthz", "/metrics"] {
                #expect(paths[path] != nil, "\(path) is not in the document")
            }
            let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
            #expect(schemas?["Job"] != nil || schemas?["ServiceJob"] != nil, "\(schemas?.keys.sorted() ?? [])")
        }
    }
}
