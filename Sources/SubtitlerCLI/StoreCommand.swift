import ArgumentParser
import Foundation
import Logging
import SubtitlerService
import SubtitlerSupport

/// `subtitler store …`: the service's job store.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Work on the service's job store.",
        subcommands: [StoreMigrate.self]
    )
}

/// `subtitler store migrate --from SQLITE --to postgres://…`: copies a single node's queue into PostgreSQL.
struct StoreMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy a SQLite job queue into a PostgreSQL store several nodes share.",
        discussion: """
            Every job is copied with its state, times, report, error and priority, in its order, and every review \
            page; a job shown running (its service was stopped) is copied queued. Run it again and nothing is \
            copied twice. A database that already holds jobs of another queue is refused unless --merge is given. \
            Stop the service that uses the SQLite file first.
            """
    )

    @Option(help: ArgumentHelp("The SQLite store: its file, or the state directory holding service.sqlite.", valueName: "path"))
    var from: String

    @Option(help: ArgumentHelp("The PostgreSQL store, postgres://user@host:port/database (or SUBTITLER_STORE_URL; put a password there, not in arguments).", valueName: "url"))
    var to: String?

    @Flag(help: "Copy even when the PostgreSQL store already holds jobs the SQLite one does not have.")
    var merge = false

    func run() async throws {
        let text = to ?? ProcessInfo.processInfo.environment["SUBTITLER_STORE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        guard let text else {
            Console.error("subtitler store migrate: give the PostgreSQL store with --to or SUBTITLER_STORE_URL")
            throw ExitCode(ExitStatus.usage)
        }
        let target: PostgresLocation
        do {
            guard case .postgres(let location) = try StoreLocation(parsing: text) else {
                Console.error("subtitler store migrate: --to must be a postgres:// URL")
                throw ExitCode(ExitStatus.usage)
            }
            target = location
        } catch let problem as SettingProblem {
            Console.error("subtitler store migrate: \(problem.message)")
            throw ExitCode(ExitStatus.usage)
        }
        let source = URL(fileURLWithPath: from).standardizedFileURL
        do {
            let report = try await StoreMigration.copy(from: source, to: target, merging: merge)
            Console.out("copied \(report.copied) job\(report.copied == 1 ? "" : "s") (\(report.requeued) queued again, "
                        + "\(report.reviews) review page\(report.reviews == 1 ? "" : "s")) to \(target); "
                        + "\(report.alreadyThere) already there\n")
        } catch {
            Console.error("subtitler store migrate: \(error.message)")
            throw ExitCode(error.isSourceProblem ? ExitStatus.failure : ExitStatus.usage)
        }
    }
}
