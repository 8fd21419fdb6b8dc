import Foundation
import Subtitles
import SubtitlerSupport

/// What ``SubtitleAligner`` searches and how sure it must be.
public struct SyncOptions: Sendable, Hashable, Codable {
    /// The frame rates whose every pairing is tried as a ratio (a 25 fps master played at 23.976, …).
    public var frameRates: [Double]
    /// Whether a ratio is also fitted to the subtitles (a drift that no pair of frame rates explains).
    public var fitsRatio: Bool
    /// Whether the subtitles may be split into segments with offsets of their own (cuts that differ).
    public var allowsSplits: Bool
    /// The largest offset searched, either way, milliseconds; nil: the whole length of the media.
    public var maximumOffset: Milliseconds?
    /// What one split costs, as a share of the subtitles' cue time (at least ``minimumSplitPenalty``): a split must
    /// put that much more cue time on speech.
    public var splitPenalty: Double
    /// The least a split costs, milliseconds of cue time.
    public var minimumSplitPenalty: Milliseconds
    /// An offset this small (with no ratio and no split) leaves the file as it is: it is in sync.
    public var inSyncTolerance: Milliseconds
    /// How far above chance the moved cues must sit on speech, 0...1: `(share − density) / (1 − density)`, where
    /// `share` is the cue time over speech and `density` the share of the media that is speech. Below it the
    /// subtitles are taken to belong to other audio and are refused.
    public var minimumLift: Double
    /// How many standard deviations the best offset's correlation must stand above the others'. Below it no
    /// placement is clearly right and the subtitles are refused.
    public var minimumDistinctness: Double
    /// How much better than chance a split placement must be, 0...1: the share of the distance from the cue time
    /// on speech that the same search reaches with the cues mirrored in time (which cannot belong to this audio) to
    /// all of it. Below it the subtitles are taken to belong to other audio and are refused.
    public var chanceFitMargin: Double
    /// For subtitles too short for their best offset's correlation to stand ``minimumDistinctness`` above the
    /// others (a few dozen cues): the constant placement is still accepted when it disagrees with the speech (cue
    /// time off speech, gap time on speech) at most this share as much as any other candidate offset does, 0...1.
    /// 0 refuses every such file.
    public var shortFileAgreement: Double

    /// Creates options; the defaults suit subtitles of films and episodes.
    public init(
        frameRates: [Double] = [23.976, 24, 25, 29.97, 30], fitsRatio: Bool = true, allowsSplits: Bool = true,
        maximumOffset: Milliseconds? = nil, splitPenalty: Double = 0.01, minimumSplitPenalty: Milliseconds = 1500,
        inSyncTolerance: Milliseconds = 120, minimumLift: Double = 0.3, minimumDistinctness: Double = 5,
        chanceFitMargin: Double = 0.4, shortFileAgreement: Double = 0.5
    ) {
        self.frameRates = frameRates
        self.fitsRatio = fitsRatio
        self.allowsSplits = allowsSplits
        self.maximumOffset = maximumOffset
        self.splitPenalty = splitPenalty
        self.minimumSplitPenalty = minimumSplitPenalty
        self.inSyncTolerance = inSyncTolerance
        self.minimumLift = minimumLift
        self.minimumDistinctness = minimumDistinctness
        self.chanceFitMargin = chanceFitMargin
        self.shortFileAgreement = shortFileAgreement
    }

    /// The first setting that cannot be used, or nil.
    public var problem: SettingProblem? {
        if let rate = frameRates.first(where: { !($0.isFinite && $0 > 0 && $0 <= 1000) }) {
            return SettingProblem("frameRates", "frame rate \(rate) is out of range (0, 1000]")
        }
        if let maximumOffset, maximumOffset <= 0 {
            return SettingProblem("maximumOffset", "maximumOffset \(maximumOffset) ms must be positive")
        }
        if !(splitPenalty.isFinite && (0...1).contains(splitPenalty)) {
            return SettingProblem("splitPenalty", "splitPenalty \(splitPenalty) is out of range 0...1")
        }
        if minimumSplitPenalty < 0 {
            return SettingProblem("minimumSplitPenalty", "minimumSplitPenalty \(minimumSplitPenalty) ms must not be negative")
        }
        if inSyncTolerance < 0 {
            return SettingProblem("inSyncTolerance", "inSyncTolerance \(inSyncTolerance) ms must not be negative")
        }
        if !(minimumLift.isFinite && (0...1).contains(minimumLift)) {
            return SettingProblem("minimumLift", "minimumLift \(minimumLift) is out of range 0...1")
        }
        if !(minimumDistinctness.isFinite && minimumDistinctness >= 0) {
            return SettingProblem("minimumDistinctness", "minimumDistinctness \(minimumDistinctness) must not be negative")
        }
        if !(chanceFitMargin.isFinite && (0...1).contains(chanceFitMargin)) {
            return SettingProblem("chanceFitMargin", "chanceFitMargin \(chanceFitMargin) is out of range 0...1")
        }
        if !(shortFileAgreement.isFinite && (0...1).contains(shortFileAgreement)) {
            return SettingProblem("shortFileAgreement", "shortFileAgreement \(shortFileAgreement) is out of range 0...1")
        }
        return nil
    }

    /// The ratios tried: 1, then every distinct `a / b` of two frame rates, within 0.75...1.34.
    var ratios: [Double] {
        var result: [Double] = [1]
        for a in frameRates {
            for b in frameRates where a != b {
                let ratio = a / b
                guard (0.75...1.34).contains(ratio), !result.contains(where: { abs($0 - ratio) < 1e-6 }) else { continue }
                result.append(ratio)
            }
        }
        return result
    }
}
