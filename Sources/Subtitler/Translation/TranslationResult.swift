import Foundation
import OpenAIAudio
import Subtitles
import SubtitlerSupport

/// A cue no answer could be accepted for, after every re-ask and split.
public struct CueTranslationFailure: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The cue's number in the programme, from 1.
    public var cueID: Int
    /// When the cue starts.
    public var start: Milliseconds
    /// Why its last answer was rejected (or the API error that ended its requests).
    public var reason: String

    /// Creates a failure.
    public init(cueID: Int, start: Milliseconds, reason: String) {
        self.cueID = cueID
        self.start = start
        self.reason = reason
    }

    /// One line, e.g. `cue 4 (00:00:12,000): left in English`.
    public var description: String { "cue \(cueID) (\(Timecode.srt(start))): \(reason)" }
}

/// What a translation cost and how hard it was.
public struct TranslationStatistics: Sendable, Hashable, Codable {
    /// Batches the programme was cut into.
    public var batches = 0
    /// Requests sent (re-asks and split batches included, retries of one request not).
    public var requests = 0
    /// Batches answered from the resume cache.
    public var cachedBatches = 0
    /// Retries the client made after network errors, 429 and 5xx.
    public var retries = 0
    /// Answers rejected and asked again with the problem stated.
    public var reasks = 0
    /// Batches split in halves after a rejected re-ask.
    public var splits = 0
    /// Tokens read, as the server counted them.
    public var promptTokens = 0
    /// Tokens written, as the server counted them.
    public var completionTokens = 0
    /// Every rejected answer's problem kind, counted.
    public var rejections: [String: Int] = [:]
    /// The price in US dollars of the tokens, at the model's list price.
    public var cost = 0.0

    /// Creates empty statistics.
    public init() {}

    mutating func add(_ other: TranslationStatistics) {
        batches += other.batches
        requests += other.requests
        cachedBatches += other.cachedBatches
        retries += other.retries
        reasks += other.reasks
        splits += other.splits
        promptTokens += other.promptTokens
        completionTokens += other.completionTokens
        rejections.merge(other.rejections, uniquingKeysWith: +)
        cost += other.cost
    }
}

/// A finished translation: one cue per source cue, on the source's times.
public struct TranslationResult: Sendable, Hashable {
    /// The target language.
    public var language: String
    /// The translated cues, one per source cue in the same order and on the same times; a failed cue (kept only
    /// with ``TranslationOptions/allowsGaps``) keeps its source text.
    public var cues: [Cue]
    /// The cues no answer was accepted for (empty unless ``TranslationOptions/allowsGaps``).
    public var failures: [CueTranslationFailure]
    /// Reading-rule violations of the translation (line length, lines, reading speed): reported, not hidden.
    public var violations: [StyleViolation]
    /// Requests, tokens, retries, splits and cost.
    public var statistics: TranslationStatistics
}

/// A dry run's estimate for one target language.
public struct TranslationEstimate: Sendable, Hashable, Codable {
    /// The target language.
    public var language: String
    /// Batches, hence requests when every answer is accepted the first time.
    public var requests: Int
    /// Tokens the requests would read (about four characters a token).
    public var promptTokens: Int
    /// Tokens the answers would hold.
    public var completionTokens: Int
    /// The price in US dollars at the model's list price.
    public var cost: Double
}

/// Why a translation failed. Every error names the input; none carries the API key.
public struct TranslationError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Code: String, Sendable, Hashable {
            case api, cuesFailed, invalidOptions, noCues, cancelled
        }
        private let code: Code
        private init(_ code: Code) { self.code = code }

        /// An API error every request would hit (bad key, no quota, bad configuration): ``apiError``.
        public static let api = Kind(.api)
        /// Cues still failed after every re-ask and split; nothing is written. ``failures``.
        public static let cuesFailed = Kind(.cuesFailed)
        /// The options are out of range: ``optionsProblem``.
        public static let invalidOptions = Kind(.invalidOptions)
        /// The input holds no cue with text.
        public static let noCues = Kind(.noCues)
        /// The translation was cancelled; accepted batches stay in the resume cache.
        public static let cancelled = Kind(.cancelled)

        public var description: String { code.rawValue }
    }

    /// The kind of failure.
    public let kind: Kind
    /// The input at fault.
    public let path: String
    /// The API error, for ``Kind/api``.
    public let apiError: OpenAIAudioError?
    /// The cues that failed, for ``Kind/cuesFailed``.
    public let failures: [CueTranslationFailure]
    /// The setting at fault, for ``Kind/invalidOptions``.
    public let optionsProblem: SettingProblem?

    private init(
        _ kind: Kind, path: String, apiError: OpenAIAudioError? = nil, failures: [CueTranslationFailure] = [],
        optionsProblem: SettingProblem? = nil
    ) {
        self.kind = kind
        self.path = path
        self.apiError = apiError
        self.failures = failures
        self.optionsProblem = optionsProblem
    }

    /// An API error every request would hit.
    public static func api(path: String, _ error: OpenAIAudioError) -> TranslationError {
        TranslationError(.api, path: path, apiError: error)
    }
    /// Cues still failed after every re-ask and split.
    public static func cuesFailed(path: String, _ failures: [CueTranslationFailure]) -> TranslationError {
        TranslationError(.cuesFailed, path: path, failures: failures)
    }
    /// The options are out of range.
    public static func invalidOptions(path: String, _ problem: SettingProblem) -> TranslationError {
        TranslationError(.invalidOptions, path: path, optionsProblem: problem)
    }
    /// The input holds no cue with text.
    public static func noCues(path: String) -> TranslationError { TranslationError(.noCues, path: path) }
    /// The translation was cancelled.
    public static func cancelled(path: String) -> TranslationError { TranslationError(.cancelled, path: path) }

    /// One line naming the input and the cause.
    public var description: String {
        switch kind {
        case .api: return "\(path): \(apiError?.description ?? "API error")"
        case .cuesFailed:
            let shown = failures.prefix(3).map(\.description).joined(separator: "; ")
            let more = failures.count > 3 ? "; and \(failures.count - 3) more" : ""
            return "\(path): \(failures.count) cue\(failures.count == 1 ? "" : "s") could not be translated, "
                + "nothing was written: \(shown)\(more)"
        case .invalidOptions: return "\(path): \(optionsProblem?.message ?? "invalid options")"
        case .noCues: return "\(path): no cue with text to translate"
        default: return "\(path): translation cancelled"
        }
    }
}
