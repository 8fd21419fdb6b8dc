import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Subtitler
import SubtitlerService
import SubtitlerJobs

/// `subtitler hook`: Sonarr's and Radarr's Custom Script connection.
struct Hook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sonarr/Radarr Custom Script: queue the imported file in a running service, or subtitle it now.",
        discussion: """
            Reads sonarr_eventtype / radarr_eventtype and sonarr_episodefile_path / radarr_moviefile_path (or \
            sonarr_episodefile_paths, |-separated, from Sonarr v4's On Import Complete). The Test event exits 0. Each \
            file of a Download event is sent to the service at --server (token from SUBTITLER_TOKEN); when no service \
            answers there, or with --direct, it is subtitled right away with the same rules. Other events are \
            ignored. Exit codes: 0 queued, done or ignored; 1 a file failed or was refused; 2 usage error.
            """
    )

    @Option(help: ArgumentHelp("The running service.", valueName: "url"))
    var server: String = "http://127.0.0.1:9000"

    @Flag(help: "Subtitle the file in this process instead of queuing it in a service.")
    var direct = false

    @Option(name: .customLong("path-map"), help: ArgumentHelp("Rewrite the script's path: FROM=TO (repeatable).", valueName: "from=to"))
    var pathMaps: [String] = []

    @Flag(help: "Skip media that already has subtitles in the target language.")
    var skipIfSubtitled = false

    @OptionGroup var naming: NamingOptions

    @OptionGroup var api: APIOptions

    func validate() throws {
        for map in pathMaps where PathMapping(argument: map) == nil {
            throw ValidationError("--path-map \(map): use FROM=TO with absolute paths")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let (kind, action) = ArrHook.action(environment: environment) else {
            Console.error("error: neither sonarr_eventtype nor radarr_eventtype is set: run this from Sonarr's or Radarr's Custom Script connection")
            throw ExitCode(ExitStatus.usage)
        }
        switch action {
        case .test:
            Console.out("subtitler: \(kind.rawValue) test received\n")
        case .ignore(let event):
            Console.error("subtitler: \(kind.rawValue) event \(event) ignored")
        case .invalid(let reason):
            Console.error("error: \(reason)")
            throw ExitCode(ExitStatus.failure)
        case .queue(let originals):
            let mappings = pathMaps.compactMap(PathMapping.init(argument:))
            var failed = false
            for original in originals {
                let path = mappings.first { $0.from == original || original.hasPrefix($0.from + "/") }
                    .map { $0.to + original.dropFirst($0.from.count) } ?? original
                if !direct, let answer = await queue(path, environment: environment) {
                    Console.error("subtitler: \(answer)")
                    if answer.hasPrefix("refused") { failed = true }
                    continue
                }
                do {
                    try await subtitleNow(path)
                } catch let exit as ExitCode where exit.rawValue == ExitStatus.failure {
                    failed = true
                }
            }
            if failed { throw ExitCode(ExitStatus.failure) }
        }
    }

    /// Sends the file to the service; nil when no service answers.
    func queue(_ path: String, environment: [String: String]) async -> String? {
        // `origin=hook`: the job list shows it came from a Custom Script, not from a client of the jobs API.
        var request = HTTPClientRequest(url: server.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/v1/jobs?origin=hook")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token = environment["SUBTITLER_TOKEN"], !token.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        guard let body = try? JSONEncoder().encode(JobRequest(path: path)) else { return nil }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
            switch response.status.code {
            case 200, 201: return "queued \(path) in the service at \(server)"
            default: return "refused by the service (HTTP \(response.status.code)): \(text.prefix(300))"
            }
        } catch {
            return nil
        }
    }

    /// Subtitles the file in this process, with the job layer's rules.
    func subtitleNow(_ path: String) async throws {
        let runner: JobRunner
        do {
            runner = JobRunner(subtitler: try api.makeSubtitler())
        } catch let error as ConfigurationError {
            Console.error("error: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
        var job = SubtitleJob(input: path)
        job.options = api.subtitleOptions(task: .transcribe, language: nil, concurrency: 4)
        job.formats = naming.format.formats
        job.naming = naming.naming
        job.skipsIfSubtitled = skipIfSubtitled
        job.remembersLanguage = !api.noCache
        let report = await runner.run(job).report
        switch report.status {
        case .done: Console.error("\(path): wrote \(report.outputs.joined(separator: ", "))")
        case .skipped: Console.error("\(path): \(report.skipReason.map(JobPhrasing.skip) ?? "skipped")")
        case .cancelled: throw CancellationError()
        default:
            Console.error(JobPhrasing.failureLine(report))
            throw ExitCode(ExitStatus.failure)
        }
    }
}
