import Foundation
import MediaAudio
import Subtitles
import SpeechDetection

/// The speech map of the decoded timeline, built block by block in the decoding loop: Silero VAD's probability per
/// 32 ms frame (kept as one byte each: 225 kB for two hours), its speech regions and the stretches it doubted
/// (``SpeechDoubtTracker``), or, when the detector cannot run, regions from the energy map (no doubt).
///
/// Regions are the unpadded speech of Silero's own hysteresis (`VoiceActivityOptions.silero`: 250 ms minimum speech,
/// 100 ms minimum silence), in samples on the pipeline's timeline. Confined to the producer's task.
final class SpeechMapRecorder {
    /// The options regions are made with.
    static let regionOptions = VoiceActivityOptions.silero

    /// The detector in use.
    let detection: SpeechDetection
    /// Samples per second of the timeline.
    let sampleRate: Int
    /// Why the detector asked for could not run, if it could not.
    private(set) var fallbackReason: String?

    private let vad: (any SpeechProbabilityModel)?
    private var tracker = SpeechRegionTracker(options: regionOptions)
    private var doubt = SpeechDoubtTracker()
    private var delivered: [Range<Int64>] = []
    /// Speech probability per 512-sample frame, scaled to 0...255 (Silero only).
    private(set) var levels: [UInt8] = []
    private(set) var isFinished = false

    /// Creates a recorder for a timeline at `sampleRate`, falling back to the energy map when Silero VAD is asked
    /// for but cannot run (another rate than 16 kHz, or no weights).
    /// - Parameter model: makes the probability model; Silero VAD with its bundled weights when nil.
    init(detection: SpeechDetection, sampleRate: Int, model: (@Sendable () throws -> any SpeechProbabilityModel)? = nil) {
        self.sampleRate = sampleRate
        guard detection == .silero else {
            self.detection = .energy
            vad = nil
            return
        }
        guard sampleRate == SileroVAD.sampleRate else {
            self.detection = .energy
            vad = nil
            fallbackReason = "the speech detector needs 16 kHz audio (decoding at \(sampleRate) Hz): speech was "
                + "mapped from energy, so music and noise count as speech"
            return
        }
        do {
            let made = try model?() ?? SileroVAD(model: try SileroVADModel.bundled())
            guard made.frameLength == SileroVAD.frameLength else {
                vad = nil
                self.detection = .energy
                fallbackReason = "the speech model's frames are \(made.frameLength) samples, not \(SileroVAD.frameLength): "
                    + "speech was mapped from energy, so music and noise count as speech"
                return
            }
            vad = made
            self.detection = .silero
        } catch {
            vad = nil
            self.detection = .energy
            fallbackReason = "\(error); speech was mapped from energy, so music and noise count as speech"
        }
    }

    /// Samples per probability frame (Silero VAD: 512, 32 ms at 16 kHz).
    var frameLength: Int { vad?.frameLength ?? SileroVAD.frameLength }

    /// Adds the next samples of the timeline.
    func append(_ samples: ArraySlice<Int16>) {
        guard let vad, !samples.isEmpty else { return }
        record(vad.append(samples))
    }

    /// Ends the timeline at `sampleCount` samples.
    func finish(sampleCount: Int64) {
        guard !isFinished else { return }
        isFinished = true
        guard let vad else { return }
        record(vad.finish())
        doubt.finish()
        delivered += tracker.finish(sampleCount: sampleCount).map { $0.speechStart..<$0.speechEnd }
    }

    private func record(_ probabilities: [Float]) {
        guard !probabilities.isEmpty else { return }
        levels.reserveCapacity(levels.count + probabilities.count)
        let first = levels.count
        for probability in probabilities {
            levels.append(UInt8((min(1, max(0, probability)) * 255).rounded()))
        }
        doubt.append(levels[first...])
        delivered += tracker.append(contentsOf: probabilities).map { $0.speechStart..<$0.speechEnd }
    }

    /// How far the map reaches: speech after this sample is not known yet.
    func knownUntil(decoded: Int64) -> Int64 {
        guard vad != nil, !isFinished else { return decoded }
        return tracker.frameCount * Int64(frameLength)
    }

    /// The speech regions known now, in time order: the final ones, then those still open as if the timeline ended
    /// where the map reaches. Regions that end more than a second before ``knownUntil(decoded:)`` do not change.
    /// - Parameters:
    ///   - energies: the energy map (20 ms frames), used by the energy fallback.
    ///   - energyFrameLength: samples per energy frame.
    func regions(energies: [Float], energyFrameLength: Int) -> [Range<Int64>] {
        guard vad != nil else { return Self.energyRegions(energies, frameLength: energyFrameLength) }
        if isFinished { return delivered }
        var copy = tracker
        return delivered + copy.finish(sampleCount: copy.frameCount * Int64(frameLength))
            .map { $0.speechStart..<$0.speechEnd }
    }

    /// The shortest doubtful stretch kept, milliseconds: Silero's shortest speech.
    static let minimumDoubt: Int64 = 250

    /// The stretches outside `speech` where the detector doubted (``SpeechDoubtTracker``), in samples, in time
    /// order; pieces shorter than 250 ms are dropped. Empty without the detector's probabilities.
    /// - Parameter speech: the speech regions (``regions(energies:energyFrameLength:)``).
    func doubtfulRegions(speech: [Range<Int64>]) -> [Range<Int64>] {
        guard vad != nil, !doubt.runs.isEmpty else { return [] }
        let length = Int64(frameLength)
        let minimum = Self.minimumDoubt * Int64(sampleRate) / 1000
        // Sample positions carried in SpeechSpan's fields.
        let runs = doubt.runs.map { SpeechSpan(start: $0.lowerBound * length, end: $0.upperBound * length) }
        return SpeechSpan.subtracting(speech.map { SpeechSpan(start: $0.lowerBound, end: $0.upperBound) }, from: runs)
            .filter { $0.duration >= minimum }
            .map { $0.start..<$0.end }
    }

    /// The speech regions and the doubtful stretches together (samples, ordered, touching ones joined): what may
    /// be speech, and is sent and cut around like speech.
    func heardRegions(energies: [Float], energyFrameLength: Int) -> [Range<Int64>] {
        let speech = regions(energies: energies, energyFrameLength: energyFrameLength)
        let doubtful = doubtfulRegions(speech: speech)
        guard !doubtful.isEmpty else { return speech }
        return SpeechSpan.union(speech.map { SpeechSpan(start: $0.lowerBound, end: $0.upperBound) },
                                doubtful.map { SpeechSpan(start: $0.lowerBound, end: $0.upperBound) })
            .map { $0.start..<$0.end }
    }

    /// Speech regions from an energy map: frames clearly above the noise floor, runs closer than 100 ms joined,
    /// runs shorter than 60 ms dropped.
    static func energyRegions(_ energies: [Float], frameLength: Int) -> [Range<Int64>] {
        let speech = EnergySpeechDetector.speechFrames(from: energies, hangoverFrames: 0)
        var runs: [Range<Int>] = []
        var start: Int?
        for (index, isSpeech) in speech.enumerated() {
            if isSpeech, start == nil { start = index }
            if !isSpeech, let first = start {
                if let last = runs.last, first - last.upperBound < 5 {
                    runs[runs.count - 1] = last.lowerBound..<index
                } else {
                    runs.append(first..<index)
                }
                start = nil
            }
        }
        if let first = start {
            if let last = runs.last, first - last.upperBound < 5 {
                runs[runs.count - 1] = last.lowerBound..<speech.count
            } else {
                runs.append(first..<speech.count)
            }
        }
        let length = Int64(frameLength)
        return runs.filter { $0.count >= 3 }.map { Int64($0.lowerBound) * length..<Int64($0.upperBound) * length }
    }

    /// The finished map for the subtitle builder and the report.
    /// - Parameters:
    ///   - energies: the complete energy map.
    ///   - energyFrameLength: samples per energy frame.
    func activity(energies: [Float], energyFrameLength: Int) -> SpeechActivity {
        let speech = self.regions(energies: energies, energyFrameLength: energyFrameLength)
        func milliseconds(_ range: Range<Int64>) -> SpeechSpan {
            SpeechSpan(start: range.lowerBound * 1000 / Int64(sampleRate), end: range.upperBound * 1000 / Int64(sampleRate))
        }
        let regions = speech.map(milliseconds)
        if vad != nil {
            return SpeechActivity(frameDuration: Milliseconds(SileroVAD.frameLength * 1000 / SileroVAD.sampleRate),
                                  probabilities: levels, regions: regions,
                                  doubtfulRegions: doubtfulRegions(speech: speech).map(milliseconds))
        }
        let frameDuration = Milliseconds(energyFrameLength) * 1000 / Milliseconds(sampleRate)
        return SpeechActivity(frameDuration: frameDuration, isSpeech: EnergySpeechDetector.speechFrames(from: energies),
                              regions: regions)
    }
}
