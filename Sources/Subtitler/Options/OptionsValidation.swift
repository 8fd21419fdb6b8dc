import Foundation
import MediaAudio
import OpenAIAudio
import Subtitles
import SubtitlerSupport

extension SubtitleOptions {
    /// The ranges the numbers of ``SubtitleOptions`` must lie in: every one sizes chunks, buffers or task groups, so
    /// the library checks them itself whatever front end set them.
    public enum Limits {
        /// Chunk lengths (preferred and maximum), milliseconds: 1 s to 4 hours.
        public static let chunkDuration: ClosedRange<Milliseconds> = 1_000...14_400_000
        /// Requests in flight.
        public static let concurrency = 1...64
        /// Decoding rate, Hz (a multiple of 50).
        public static let sampleRate = 8_000...48_000
        /// Request-body limit, bytes.
        public static let requestBytes = 1_024...(1 << 30)
        /// Sampling temperature.
        public static let temperature = 0.0...2.0
        /// Characters in a model name.
        public static let modelLength = 1...200
        /// Characters in a prompt.
        public static let promptLength = 0...20_000
        /// A fixed request timeout.
        public static let timeout: ClosedRange<Duration> = .milliseconds(1)...Duration.seconds(86_400)
    }

    /// Why the options cannot be used, or nil. Checked before anything is decoded or sent.
    public var problem: SettingProblem? {
        let trimmedModel = model.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmedModel.isEmpty { return SettingProblem("model", "the model name is empty") }
        if !Limits.modelLength.contains(model.count) || TextSanitising.containsControl(model) {
            return SettingProblem("model", "the model name must be 1 to 200 characters without control characters")
        }
        if let language, language.isEmpty || language.count > 64 || TextSanitising.containsControl(language) {
            return SettingProblem("language", "the language '\(TextSanitising.printable(language))' is not a language code")
        }
        if let prompt, !Limits.promptLength.contains(prompt.count) {
            return SettingProblem("prompt", "the prompt has \(prompt.count) characters; at most \(Limits.promptLength.upperBound) are sent")
        }
        if let temperature, !Limits.temperature.contains(temperature) {
            return SettingProblem("temperature", "temperature \(temperature) is out of range \(Limits.temperature)")
        }
        if !Limits.sampleRate.contains(sampleRate) || sampleRate % 50 != 0 {
            return SettingProblem("sampleRate", "sample rate \(sampleRate) Hz: use a multiple of 50 Hz between 8000 and 48000")
        }
        for (name, value) in [("targetChunkDuration", targetChunkDuration), ("maxChunkDuration", maxChunkDuration)] {
            if let value, !Limits.chunkDuration.contains(value) {
                return SettingProblem(name, "\(name) \(value) ms is out of range \(Limits.chunkDuration)")
            }
        }
        if !Limits.requestBytes.contains(maxRequestBytes) {
            return SettingProblem("maxRequestBytes", "maxRequestBytes \(maxRequestBytes) is out of range \(Limits.requestBytes)")
        }
        if !Limits.concurrency.contains(concurrency) {
            return SettingProblem("concurrency", "concurrency \(concurrency) is out of range \(Limits.concurrency)")
        }
        if let fixed = requestTimeout.fixed, !Limits.timeout.contains(fixed) {
            return SettingProblem("requestTimeout", "the request timeout \(fixed) is out of range (1 ms to 1 day)")
        }
        if requestTimeout.floor <= .zero || requestTimeout.ceiling < requestTimeout.floor
            || requestTimeout.secondsPerAudioSecond < 0 || requestTimeout.secondsPerAudioSecond > 3_600
            || requestTimeout.base < .zero || requestTimeout.ceiling > .seconds(86_400)
        {
            return SettingProblem("requestTimeout",
                "the request timeout policy is out of range (floor above 0, ceiling at least the floor and at most a day)")
        }
        if let style = style.problem { return style.nested(in: "style") }
        return nil
    }
}
