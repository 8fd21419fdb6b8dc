import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import Testing
import TestSupport
@testable import Subtitler

/// Slow servers finish the job (issue 21, item 7): a programme sent to a server in virtual time
/// (``SimulatedServer``), whose clock moves only through the server's work. Waiting in its queue is not a failure,
/// the requests in flight follow what it sustains, and only a server that answers nothing is given up.
@Suite(.timeLimit(.minutes(3))) struct SlowServerPipelineTests {
    /// A 20-minute programme, everything sent, in chunks of about 2 minutes uploaded as WAV (the server times its
    /// work by the bytes), 4 requests in flight to start with.
    func options() -> SubtitleOptions {
        var options = PipelineFixtures.toneOptions()
        options.language = "en"
        options.targetChunkDuration = 120_000
        options.uploadEncoding = .wav
        options.concurrency = 4
        return options
    }

    static let samples = SamplesAudioSource.toneTalk(seconds: 1_200)

    func server(workers: Int, answersAtMost: Int? = nil) -> SimulatedServer {
        SimulatedServer(workers: workers, secondsPerAudioSecond: 2.5, concurrency: 4, answersAtMost: answersAtMost) {
            call in
            VerboseTranscription(language: "english", text: "Tone.", segments: [
                .init(start: 0.5, end: 2.5, text: " Tone from \(call.filename).", avgLogprob: -0.2,
                      compressionRatio: 1.1, noSpeechProb: 0.01),
            ])
        }
    }

    func run(_ server: SimulatedServer, _ backend: FakeTranscriptionBackend) -> Task<SubtitleResult, any Error> {
        let subtitler = Subtitler(backend: backend, synthesizer: OpenAIAudioClient(configuration: OpenAIConfiguration()),
                                  cache: nil)
        let (options, progress) = (options(), server.progress)
        return Task {
            try await subtitler.makeSubtitles(from: { SamplesAudioSource(samples: Self.samples) }, named: "programme",
                                              options: options, progress: progress)
        }
    }

    @Test func aServerThatWorksOnOneRequestAtATimeSlowerThanRealTimeFinishesTheProgramme() async throws {
        let server = server(workers: 1)
        let backend = server.backend()
        let job = run(server, backend)
        await server.drive()
        let result = try await job.value

        let chunks = result.report.chunks
        #expect(chunks.count >= 8)
        #expect(result.cues.count == chunks.count)
        // Nothing paid twice: one request per chunk, no upload sent again.
        #expect(backend.calls.count == chunks.count)
        #expect(Set(backend.calls.map(\.filename)).count == chunks.count)
        #expect(result.report.retries == 0)
        // The first four went out together and waited in the queue far longer than a request of their audio may take
        // on its own (the fourth: about 1,200 s against 420 s), and none was given up.
        let arrivals = server.arrivals
        #expect(arrivals.prefix(4).map(\.ahead) == [0, 1, 2, 3])
        let fourth = try #require(arrivals.dropFirst(3).first)
        let waited = try #require(server.finishes[fourth.filename]) - fourth.at
        #expect(waited > .seconds(1_100))
        #expect(waited > options().requestTimeout.timeout(forAudio: chunks.map(\.audioSent).max() ?? 0) * 2)
        // One more went out after the first answer, which had not waited; from the second answer on, the requests
        // in flight followed the server: never more than one waiting behind the one it works on.
        #expect(arrivals.dropFirst(4).first?.ahead == 3)
        #expect(arrivals.dropFirst(5).allSatisfy { $0.ahead <= 1 }, "\(arrivals.map(\.ahead))")
        #expect(result.report.requestsInFlight == 1)
        #expect(result.report.warnings.contains {
            $0.hasPrefix("the server answered one request at a time: requests in flight went down from 4 to 1")
        }, "\(result.report.warnings)")
    }

    @Test func aServerThatStopsAnsweringFailsTheJobInBoundedTimeWithNothingSentTwice() async throws {
        let server = server(workers: 1, answersAtMost: 3)
        let backend = server.backend()
        let job = run(server, backend)
        await server.drive()
        // Three answers, 300 s apart; then silence. The chunk still waiting is due 600 s after the last answer
        // (twice the server's 2.5 s per second of audio on 2 minutes), so 30 minutes of silence must end the job.
        #expect(server.answered == 3)
        let waiting = server.held
        #expect(waiting >= 1)
        server.clock.advance(by: .seconds(1_800))
        do {
            _ = try await job.value
            Issue.record("a server that answers nothing must fail the job")
        } catch let error as SubtitlerError {
            #expect(error.kind == .chunksFailed)
            let failures = error.chunkFailures
            #expect(failures.count == waiting)
            #expect(failures.allSatisfy { $0.message.contains("the server answered nothing for") }, "\(failures)")
            #expect(failures.allSatisfy { $0.message.contains("nothing more was sent") })
        }
        // Every request went out once, and nothing after the server was given up.
        #expect(backend.calls.count == server.arrivals.count)
        #expect(Set(backend.calls.map(\.filename)).count == backend.calls.count)
        #expect(backend.calls.count == 3 + waiting)
        #expect(server.held == 0)   // the waiting requests were cancelled
    }

    @Test func aSharedServerThatAnswersChecksKeepsOurRequestsForAnHourOfSilence() async throws {
        let server = server(workers: 1, answersAtMost: 3)
        let checks = Gate()
        let backend = server.backend(serverCheck: {
            await checks.wait()
            return true   // up: answering other clients
        })
        let job = run(server, backend)
        await server.drive()
        let waiting = server.held
        #expect(waiting >= 1)
        // 30 minutes of silence would end the job (the test above); this server answers the check instead.
        server.clock.advance(by: .seconds(1_800))
        await checks.arrivals(1)
        checks.open()
        // Past the hour the requests are given up all the same, saying why: the failure's silence is the whole
        // 90 minutes, so they were not given up at 30.
        server.clock.advance(by: .seconds(3_600))
        do {
            _ = try await job.value
            Issue.record("a server that answers none of our requests for over an hour must fail the job")
        } catch let error as SubtitlerError {
            #expect(error.kind == .chunksFailed)
            let failures = error.chunkFailures
            #expect(failures.count == waiting)
            #expect(failures.allSatisfy {
                $0.message.hasPrefix("the server answered none of our requests for 1 h 30 min while")
            }, "\(failures)")
            #expect(failures.allSatisfy { $0.message.contains("though it answered checks") })
        }
        #expect(backend.calls.count == 3 + waiting)
        #expect(Set(backend.calls.map(\.filename)).count == backend.calls.count)
    }

    @Test func aServerWithFourWorkersKeepsFourRequestsInFlight() async throws {
        let server = server(workers: 4)
        let backend = server.backend()
        let job = run(server, backend)
        await server.drive()
        let result = try await job.value
        let chunks = result.report.chunks
        #expect(backend.calls.count == chunks.count)
        #expect(Set(backend.calls.map(\.filename)).count == chunks.count)
        #expect(backend.maxInFlight == 4)
        #expect(result.report.requestsInFlight == 4)
        #expect(!result.report.warnings.contains { $0.contains("at a time") }, "\(result.report.warnings)")
        // Four at a time all along: each request after the first four went out as soon as one was answered.
        #expect(server.arrivals.dropFirst(4).allSatisfy { $0.ahead == 3 }, "\(server.arrivals.map(\.ahead))")
    }
}
