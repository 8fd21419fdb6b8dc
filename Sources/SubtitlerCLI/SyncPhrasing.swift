import Foundation
import Subtitles
import SubtitlerJobs
import SubtitleSync

/// The command line's lines for sync reports: one per subtitle file, on stdout when it was synced or in sync, on
/// stderr when it was refused or failed.
enum SyncPhrasing {
    /// Prints the line for `file`.
    static func print(_ file: SyncFileReport) {
        switch file.outcome {
        case .synced, .alreadyInSync: Console.out(line(file) + "\n")
        case .refused, .failed: Console.error(line(file))
        }
    }

    /// `film.en.srt: moved 412 cues by +2.350 s (on speech 41% → 93%)`, and the like.
    static func line(_ file: SyncFileReport) -> String {
        let name = file.subtitles
        let score = { (before: SyncScore?, after: SyncScore?) -> String in
            guard let before, let after else { return "" }
            return String(format: " (cue time on speech %.0f%% → %.0f%%)", before.cueTimeOnSpeech * 100, after.cueTimeOnSpeech * 100)
        }
        switch file.outcome {
        case .failed:
            return file.failure.map { JobPhrasing.failure($0) } ?? "\(name): failed"
        case .refused:
            return JobPhrasing.syncRefusal(file.refusal, path: name)
        case .alreadyInSync:
            let share = file.before.map { String(format: " (cue time on speech %.0f%%)", $0.cueTimeOnSpeech * 100) } ?? ""
            return "\(name): already in sync\(share); left as it was" + (file.output.map { ", copied to \($0)" } ?? "")
        case .synced:
            let verb = file.isDryRun ? "would move" : "moved"
            var text = "\(name): \(verb) \(file.movedCueCount) cue\(file.movedCueCount == 1 ? "" : "s")"
            if file.ratio != 1 { text += String(format: " by a ratio of %.5f%@", file.ratio, ratioName(file.ratio)) }
            if file.segments.count > 1 {
                let pieces = file.segments.map { "\(seconds($0.offset)) from \(Timecode.vtt($0.startOnMedia))" }
                text += " in \(file.segments.count) segments (\(pieces.joined(separator: ", ")))"
            } else {
                text += (file.ratio != 1 ? " and " : " by ") + seconds(file.offset)
            }
            text += score(file.before, file.after)
            if file.clampedCueCount > 0 {
                text += "; \(file.clampedCueCount) cue\(file.clampedCueCount == 1 ? "" : "s") outside the media kept at its edge"
            }
            if let output = file.output, output != file.subtitles { text += "; wrote \(output)" }
            return text
        }
    }

    /// `+2.350 s`.
    static func seconds(_ ms: Milliseconds) -> String {
        String(format: "%@%.3f s", ms < 0 ? "-" : "+", Double(abs(ms)) / 1000)
    }

    /// ` (25 fps timing at 23.976)` when the ratio is one of two common frame rates.
    static func ratioName(_ ratio: Double) -> String {
        let rates = [23.976, 24, 25, 29.97, 30]
        for a in rates { for b in rates where a != b && abs(a / b - ratio) < 2e-5 {
            return " (\(rateName(a)) fps timing at \(rateName(b)))"
        } }
        return " (fitted)"
    }

    private static func rateName(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }
}
