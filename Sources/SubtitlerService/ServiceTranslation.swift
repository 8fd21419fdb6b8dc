import Foundation
import OpenAIAudio
import Subtitler
import Subtitles
import SubtitlerJobs

/// Translation through a chat model for the service's jobs (`translateTo`), as `transcribe --translate-to` does it.
package struct ServiceTranslation: Sendable {
    /// The runner (chat client and resume cache).
    package var runner: TranslationRunner
    /// The settings every translation starts from (model, batch size, style, gaps).
    package var options: TranslationOptions
    /// The languages jobs from watch folders and hooks are translated into (`serve --translate-to`); jobs from the
    /// jobs API name their own.
    package var defaultTargets: [String]

    /// The most target languages one job takes.
    package static let maximumTargets = 16

    /// Creates the service's translation settings.
    package init(runner: TranslationRunner, options: TranslationOptions, defaultTargets: [String] = []) {
        self.runner = runner
        self.options = options
        self.defaultTargets = defaultTargets
    }

    /// The languages `job` is translated into: its request's, else (for a job the service found itself or a hook
    /// asked for) the defaults.
    package func targets(for job: ServiceJob) -> [String] {
        if let asked = job.request.translateTo { return asked.compactMap { WhisperLanguages.code(for: $0) } }
        return job.origin == .api ? [] : defaultTargets
    }

    /// Why `request`'s `translateTo` cannot be taken, or nil.
    static func problem(with request: JobRequest, translation: ServiceTranslation?) -> String? {
        guard let targets = request.translateTo else { return nil }
        if targets.isEmpty { return "translateTo must name at least one language" }
        if targets.count > maximumTargets {
            return "translateTo takes at most \(maximumTargets) languages, not \(targets.count)"
        }
        if let unknown = targets.first(where: { WhisperLanguages.code(for: $0) == nil }) {
            return "translateTo: unknown language '\(unknown)'; use ISO 639-1 codes such as es, fr or de"
        }
        if request.sync != nil { return "translateTo translates new subtitles; it cannot be combined with sync" }
        if translation == nil { return "this service translates nothing: it was started without a chat server" }
        return nil
    }
}
