import MediaAudio
import SpeechDetection
import SubtitlerSupport

extension VoiceActivityDetector {
    /// Reads `reader` to its end and returns the probabilities and regions, in constant memory apart from the
    /// result (4 bytes per 32 ms frame).
    ///
    /// Regions are placed on the reader's timeline: a reader that has already delivered samples starts the
    /// detection at its ``AudioReader/position``.
    ///
    /// - Throws: `MediaError` `.invalidArgument` when the reader does not deliver 16 kHz (open it with
    ///   `sampleRate: 16_000`), and the reader's own errors.
    public static func detect(
        in reader: AudioReader, model: SileroVADModel, options: VoiceActivityOptions = .fasterWhisper
    ) throws(MediaError) -> VoiceActivity {
        guard reader.sampleRate == SileroVAD.sampleRate else {
            throw MediaError(
                .invalidArgument, path: reader.info.path, operation: "detect speech",
                message: "the speech detector needs \(SileroVAD.sampleRate) Hz audio but the reader delivers "
                    + "\(reader.sampleRate) Hz (open it with sampleRate: \(SileroVAD.sampleRate))")
        }
        if let problem = options.problem {
            throw MediaError(.invalidArgument, path: reader.info.path, operation: "detect speech", message: problem.message)
        }
        let origin = reader.position
        let detector = VoiceActivityDetector(model: model, options: options)
        var result = VoiceActivity(startSample: origin, sampleCount: 0, probabilities: [], regions: [])
        while let block = try reader.nextBlock() {
            result.absorb(detector.append(block.samples))
        }
        result.sampleCount = detector.sampleCount
        result.absorb(detector.finish())
        return result
    }

}
