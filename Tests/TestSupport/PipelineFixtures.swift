import Foundation
import Subtitler

/// Fixtures the pipeline, job and service tests share: a stub answer shaped like whisper-1's and tone media that
/// the energy map hears as speech with pauses.
public enum PipelineFixtures {
    /// A `verbose_json` answer with one segment at 0.5–2.5 s.
    public static let verboseBody = """
        {"task":"transcribe","language":"english","duration":9.0,"text":"Tone number one.",
         "segments":[{"id":0,"seek":0,"start":0.5,"end":2.5,"text":" Tone number one.","avg_logprob":-0.2,
         "compression_ratio":1.1,"no_speech_prob":0.01,"temperature":0.0,"tokens":[]}]}
        """

    /// Options for the tone fixtures: a tone is not speech to the speech detector, so these tests drive the energy
    /// map (the fallback), which hears it, and send all the audio (the stub answers at fixed times), as before the
    /// speech detector: the tones then behave like speech with pauses.
    public static func toneOptions() -> SubtitleOptions {
        var options = SubtitleOptions()
        options.speechDetection = .energy
        options.sendsOnlySpeech = false
        return options
    }

    /// Three minutes of a tone that sounds for 8 s and pauses for 2 s, as WAV.
    public static func makeToneTalk(in directory: TemporaryDirectory, seconds: Int = 180) throws -> String {
        let path = directory.path("tones.wav")
        _ = try FFmpegCLI.run([
            "-y", "-f", "lavfi", "-i", "sine=frequency=330:sample_rate=16000:duration=\(seconds)",
            "-af", "volume='if(lt(mod(t,10),8),0.5,0)':eval=frame", "-ac", "1", path,
        ])
        return path
    }
}
