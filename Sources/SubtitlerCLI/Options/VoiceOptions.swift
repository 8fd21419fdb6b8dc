import Foundation
import ArgumentParser
import OpenAIAudio

/// The voice options `dub` and `speak` share: which voice, which speech model, how to speak.
struct VoiceOptions: ParsableArguments {
    @Option(help: "Voice name (alloy, ash, ballad, coral, echo, fable, nova, onyx, sage, shimmer, verse, ...).")
    var voice: String = "alloy"

    @Option(help: "Speech model.")
    var model: String = "gpt-4o-mini-tts"

    @Option(help: "How to speak (gpt-4o-mini-tts), e.g. \"Calm documentary narrator\".")
    var instructions: String?

    func validate() throws {
        if let instructions, instructions.unicodeScalars.count > SpeechRequest.maxInputLength {
            throw ValidationError("--instructions is over \(SpeechRequest.maxInputLength) characters")
        }
        for (name, value) in [("--voice", voice), ("--model", model)]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("\(name) must not be empty")
        }
    }
}
