import ArgumentParser
import Foundation
import NIOConcurrencyHelpers
import Subtitler

/// Writes to stderr and renders progress.
enum Console {
    private static let lock = NIOLock()

    /// Writes one line to stderr. Control characters in it (a server's or a file's text) are shown as U+FFFD, so a
    /// message can never drive the terminal; line breaks the message itself holds (usage text) stay.
    static func error(_ line: String) {
        let printable = line.split(separator: "\n", omittingEmptySubsequences: false)
            .map { TextSanitising.printable(String($0)) }.joined(separator: "\n")
        write(printable + "\n", to: FileHandle.standardError)
    }

    /// Writes text to stdout.
    static func out(_ text: String) {
        write(text, to: FileHandle.standardOutput)
    }

    static func write(_ text: String, to handle: FileHandle) {
        lock.withLock { handle.write(Data(text.utf8)) }
    }

    /// True when stderr is a terminal.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

/// How progress is shown.
enum ProgressMode: String, CaseIterable, ExpressibleByArgument {
    case auto, line, json, none
}

/// What every progress printer shares: the mode (`auto` resolved against the terminal), the input's printable
/// name, and the writes of a live line or of one JSON object per event on stderr.
struct ProgressOutput: Sendable {
    /// `line`, `json` or `none`; never `auto`.
    let mode: ProgressMode
    /// The input's file name, with control characters made visible.
    let name: String

    init(mode: ProgressMode, input: String) {
        switch mode {
        case .auto: self.mode = Console.stderrIsTerminal ? .line : .none
        default: self.mode = mode
        }
        name = TextSanitising.printable((input as NSString).lastPathComponent)
    }

    /// Replaces the live line with `text`.
    func show(_ text: String) {
        Console.write("\r\u{1B}[K" + text, to: .standardError)
    }

    /// One JSON object, with the input's name, on a line of its own.
    func emit(_ fields: [String: Any]) {
        var object = fields
        object["input"] = name
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        Console.error(String(decoding: data, as: UTF8.self))
    }

    /// Clears the live line.
    func finish() {
        if mode == .line { show("") }
    }

    /// `m:ss`, or `h:mm:ss` from an hour on.
    static func clock(_ ms: Int64) -> String {
        let s = ms / 1000
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Renders pipeline progress on stderr: a live line on a terminal, or one JSON object per event.
final class ProgressRenderer: Sendable {
    private let output: ProgressOutput
    private let line: NIOLockedValueBox<ProgressLine>

    init(mode: ProgressMode, input: String) {
        output = ProgressOutput(mode: mode, input: input)
        line = NIOLockedValueBox(ProgressLine(name: output.name))
    }

    func handle(_ event: ProgressEvent) {
        switch output.mode {
        case .none, .auto: return
        case .json: output.emit(fields(for: event))
        // Shown under the lock, so the lines come out in the order of the figures.
        case .line: line.withLockedValue { if let text = $0.update(event) { output.show(text) } }
        }
    }

    /// Clears the live line.
    func finish() { output.finish() }
}

/// The figures of a pipeline's live line.
struct ProgressLine {
    let name: String
    private var total = 0
    private var done = 0
    private var audioTotal: Int64 = 0
    private var audioDone: Int64 = 0
    private var retries = 0
    private let started = ContinuousClock.now
    private var lastLine = ContinuousClock.now - .seconds(1)

    init(name: String) { self.name = name }

    /// Takes in `event` and returns the line to show, or nil when the last one is less than 0.1 s old.
    mutating func update(_ event: ProgressEvent) -> String? {
        switch event {
        case .started(_, let duration, let estimated):
            total = estimated
            audioTotal = duration ?? 0
        case .chunkPlanned(let index, let start, let duration, _):
            total = max(total, index + 1)
            audioTotal = max(audioTotal, start + duration)
        case .planned(let chunks): total = chunks
        case .chunkDone(_, _, let audio):
            done += 1
            audioDone = audio
        case .chunkRetried: retries += 1
        case .chunkSent, .chunkFailed, .requestsInFlight: break
        }
        let now = ContinuousClock.now
        guard now - lastLine > .milliseconds(100) || done == total else { return nil }
        lastLine = now
        var line = "\(name): chunks \(done)/\(total), audio \(clock(audioDone))/\(clock(audioTotal))"
        let elapsed = Double((now - started).components.seconds)
        if audioDone > 0 && audioTotal > audioDone && elapsed > 0 {
            let remaining = elapsed * Double(audioTotal - audioDone) / Double(audioDone)
            if remaining.isFinite && remaining < 1e9 { line += ", ETA \(clock(Int64(remaining * 1000)))" }
        }
        if retries > 0 { line += ", \(retries) retr\(retries == 1 ? "y" : "ies")" }
        return line
    }

    private func clock(_ ms: Int64) -> String { ProgressOutput.clock(ms) }
}

extension ProgressRenderer {
    private func fields(for event: ProgressEvent) -> [String: Any] {
        var object: [String: Any] = [:]
        switch event {
        case .started(let path, let duration, let estimated):
            object["event"] = "started"; object["path"] = path; object["estimatedChunks"] = estimated
            if let duration { object["audioDurationMs"] = duration }
        case .chunkPlanned(let index, let start, let duration, let bytes):
            object["event"] = "chunkPlanned"; object["chunk"] = index; object["startMs"] = start
            object["durationMs"] = duration; object["bytes"] = bytes
        case .planned(let chunks):
            object["event"] = "planned"; object["chunks"] = chunks
        case .chunkSent(let index):
            object["event"] = "chunkSent"; object["chunk"] = index
        case .chunkRetried(let index, let attempt, let delay, let reason):
            object["event"] = "chunkRetried"; object["chunk"] = index; object["attempt"] = attempt
            object["delayMs"] = delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000
            object["reason"] = reason
        case .chunkDone(let index, let cached, let audio):
            object["event"] = "chunkDone"; object["chunk"] = index; object["cached"] = cached; object["audioDoneMs"] = audio
        case .chunkFailed(let index, let message):
            object["event"] = "chunkFailed"; object["chunk"] = index; object["message"] = message
        case .requestsInFlight(let limit):
            object["event"] = "requestsInFlight"; object["limit"] = limit
        }
        return object
    }
}
