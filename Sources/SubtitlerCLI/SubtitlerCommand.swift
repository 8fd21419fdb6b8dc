import ArgumentParser
import Foundation
import Logging
import OpenAIAudio
import Subtitler
import UnixSignals

/// The `subtitler` command. Results go to stdout or files; progress and errors go to stderr.
@main
struct SubtitlerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subtitler",
        abstract: "Subtitles for video through the OpenAI audio API or any OpenAI-compatible server.",
        discussion: """
            Configuration comes from the environment, as with the official SDKs: OPENAI_API_KEY, OPENAI_BASE_URL,
            OPENAI_ORG_ID, OPENAI_PROJECT_ID, and SUBTITLER_SPEECH_BASE_URL for a separate speech server.
            For the offline backend: scripts/local-backend start, then set OPENAI_BASE_URL to what it prints.

            Exit codes: 0 all done; 1 some input failed (lint: violations found); 2 usage or configuration error;
            130 interrupted (Ctrl-C or SIGTERM): no partial files, finished chunks stay in the resume cache.
            """,
        version: subtitlerVersion,
        subcommands: [Transcribe.self, Translate.self, Probe.self, Extract.self, Speak.self, Dub.self, Mux.self,
                      Lint.self, Convert.self, Review.self, Sync.self,
                      Serve.self, Watch.self, Hook.self, StoreCommand.self]
    )

    static func main() async {
        let arguments: [String]
        do {
            arguments = RawArguments.rewritingDashFiles(try RawArguments.decoded())
        } catch {
            Console.error("error: \(error)")
            Foundation.exit(ExitStatus.usage)
        }
        // Library log lines stay out of the way: errors are reported by the commands themselves, one line each.
        let verbose = arguments.contains("--verbose")
        // The service's commands log structured lines (with job ids); the others stay quiet.
        let isService = ["serve", "watch"].contains(arguments.first ?? "")
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = isService ? (verbose ? .debug : .info) : (verbose ? .notice : .critical)
            return handler
        }
        let command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            Console.error(fullMessage(for: error))
            Foundation.exit(ExitStatus.usage)
        }
        // The service's commands stop gracefully on SIGTERM/SIGINT through their service group (running jobs are
        // queued again); every other command is cancelled by the first signal and exits 130.
        let handlesSignalsItself = command is Serve || command is Watch
        let status = await Interruption.run(handlingSignals: !handlesSignalsItself) {
            do {
                var command = command
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
                return 0
            } catch let exit as ExitCode {
                return exit.rawValue
            } catch is CancellationError {
                return ExitStatus.interrupted
            } catch {
                // Help and parse errors can surface from run() too; map them to the documented codes.
                let code = exitCode(for: error)
                let message = fullMessage(for: error)
                if code == .success {
                    Console.out(message.hasSuffix("\n") ? message : message + "\n")
                    return ExitStatus.success
                }
                Console.error(message.hasPrefix("error:") || message.hasPrefix("Error:") ? message : "error: \(message)")
                return code == .validationFailure ? ExitStatus.usage : ExitStatus.failure
            }
        }
        Foundation.exit(status)
    }
}

/// The documented exit codes.
enum ExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
    static let interrupted: Int32 = 130
}

/// Runs the command in a task that Ctrl-C (SIGINT) or SIGTERM cancels; cancelled runs exit 130.
enum Interruption {
    /// Runs `body`, cancelled by the first SIGINT or SIGTERM (the run then exits 130); a second signal exits at once.
    ///
    /// The signal handlers are in place before `body` starts, so a signal in its first moments is never lost.
    /// - Parameters:
    ///   - handlingSignals: false for commands that handle the signals themselves (`serve`, `watch`).
    ///   - body: the command; returns its exit status.
    static func run(handlingSignals: Bool = true, _ body: sending @escaping () async -> Int32) async -> Int32 {
        guard handlingSignals else { return await body() }
        // Returns once the handlers are registered.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        // The command is a task of its own (awaited below) so that the watcher can cancel it alone.
        let command = Task { await body() }
        return await withTaskGroup(of: Bool.self) { watcher in
            // Returns whether a signal came, once the command has ended.
            watcher.addTask {
                var interrupted = false
                for await _ in signals {
                    // The first signal cancels cleanly; a second one stops at once.
                    if interrupted { _exit(ExitStatus.interrupted) }
                    interrupted = true
                    command.cancel()
                }
                return interrupted
            }
            let status = await command.value
            watcher.cancelAll()
            let interrupted = await watcher.next() ?? false
            return interrupted ? ExitStatus.interrupted : status
        }
    }
}
