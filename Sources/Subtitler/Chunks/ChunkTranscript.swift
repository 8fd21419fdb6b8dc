import Foundation
import NIOConcurrencyHelpers
import OpenAIAudio
import Subtitles

/// What the planner reports for a dry run.
public struct PlanSummary: Sendable, Codable, Hashable {
    /// The input file.
    public var input: String
    /// The planned chunks.
    public var chunks: [ChunkSummary]
    /// Length of the audio timeline, milliseconds.
    public var audioDuration: Milliseconds
    /// Estimated price in US dollars of sending every chunk.
    public var estimatedCost: Double
    /// Warnings (cuts without a pause, damaged packets).
    public var warnings: [String]
    /// Audio the uploads would hold, milliseconds (long stretches without speech left out).
    public var audioSent: Milliseconds = 0
    /// Detected speech, milliseconds.
    public var speechDuration: Milliseconds = 0
    /// The detector that mapped the speech.
    public var speechDetector: SpeechDetection = .energy
    /// Total request-body bytes.
    public var totalRequestBytes: Int { chunks.reduce(0) { $0 + $1.requestBytes } }
    /// ``speechDuration`` as a fraction of ``audioDuration``, as ``SubtitleReport/speechShare``.
    public var speechShare: Double { audioDuration > 0 ? Double(speechDuration) / Double(audioDuration) : 0 }

    /// Creates a plan's summary (the pipeline makes these; job layers rebuild them from stored reports).
    public init(input: String, chunks: [ChunkSummary], audioDuration: Milliseconds, estimatedCost: Double,
                warnings: [String], audioSent: Milliseconds = 0, speechDuration: Milliseconds = 0,
                speechDetector: SpeechDetection = .energy) {
        self.input = input
        self.chunks = chunks
        self.audioDuration = audioDuration
        self.estimatedCost = estimatedCost
        self.warnings = warnings
        self.audioSent = audioSent
        self.speechDuration = speechDuration
        self.speechDetector = speechDetector
    }
}

struct EncodedChunk: Sendable {
    var summary: ChunkSummary
    /// The encoded upload; empty when the chunk holds no speech and is not sent.
    var audio: [UInt8]
    /// Where the upload's times lie on the media timeline.
    var map: UploadMap
    /// The upload's samples, kept for translations (a segment in the wrong language is re-requested from them).
    var samples: [Int16]?
}

struct ChunkOutcome: Sendable {
    var index: Int
    var cached: Bool
    var result: Result<ChunkTranscript, OpenAIAudioError>
    /// When the request went out and when the server answered it (a transcript or an HTTP error), on the run's
    /// clock; nil for a cached chunk or one the server never answered.
    var answer: (sent: Duration, answered: Duration)? = nil
}

/// A chunk's answer in the form the resume cache stores: times relative to the chunk, in milliseconds.
struct ChunkTranscript: Sendable, Codable {
    var language: String?
    var text: String
    var segments: [TranscriptSegment]
    /// Translated segments that stayed in another language than English after a re-request (upload times).
    var rejected: [TranscriptSegment]?
    /// Audio sent in re-requests for this chunk, milliseconds.
    var rerequestedAudio: Milliseconds?

    init(language: String?, text: String, segments: [TranscriptSegment]) {
        self.language = language
        self.text = text
        self.segments = segments
    }

    /// Converts a verbose response; words are attached to the segment they fall in.
    init(_ response: VerboseTranscription) {
        language = response.language
        text = response.text
        let words = response.words.map {
            TranscriptWord(text: $0.word, start: Timecode.milliseconds(fromSeconds: $0.start),
                           end: Timecode.milliseconds(fromSeconds: $0.end))
        }
        var segments = response.segments.map {
            TranscriptSegment(
                start: Timecode.milliseconds(fromSeconds: $0.start), end: Timecode.milliseconds(fromSeconds: $0.end),
                text: $0.text.trimmingCharacters(in: .whitespacesAndNewlines),
                averageLogProbability: $0.avgLogprob, compressionRatio: $0.compressionRatio,
                noSpeechProbability: $0.noSpeechProb, speaker: $0.speaker)
        }
        if segments.isEmpty, !words.isEmpty {
            segments = [TranscriptSegment(start: words.first!.start, end: words.last!.end,
                                          text: response.text.trimmingCharacters(in: .whitespacesAndNewlines), words: words)]
        } else if !words.isEmpty {
            var next = 0
            for i in segments.indices {
                let isLast = i == segments.count - 1
                while next < words.count && (isLast || words[next].start < segments[i].end) {
                    segments[i].words.append(words[next])
                    next += 1
                }
            }
        }
        self.segments = segments
    }
}

/// Requests, retries and bytes sent by a job's concurrent chunk tasks. Pass one to
/// ``Subtitler/makeSubtitles(for:options:counters:progress:)`` to read the figures even when the job fails.
public final class RequestCounters: Sendable {
    private struct Figures {
        var requests = 0
        var retries = 0
        var bytes = 0
    }

    private let figures = NIOLockedValueBox(Figures())

    /// Creates counters at zero.
    public init() {}

    func addRequest(bytes: Int) { figures.withLockedValue { $0.requests += 1; $0.bytes += bytes } }
    func addRetry(bytes: Int) { figures.withLockedValue { $0.retries += 1; $0.bytes += bytes } }
    /// Requests sent (not counting retries or cached chunks).
    public var requests: Int { figures.withLockedValue { $0.requests } }
    /// Retries after transient failures.
    public var retries: Int { figures.withLockedValue { $0.retries } }
    /// Request-body bytes sent, retries included.
    public var bytesSent: Int { figures.withLockedValue { $0.bytes } }
}
