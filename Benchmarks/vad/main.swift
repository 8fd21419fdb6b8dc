// vad-bench: times SpeechDetection's Silero VAD (probabilities + regions) on 16 kHz mono s16le samples already in
// memory, fed in 1 s blocks (streaming), and prints one JSON line: seconds, frames, regions, audioSeconds, extraKiB
// (the peak RSS that loading the weights and detecting add) and loadSeconds.
//   vad-bench AUDIO.s16        (Benchmarks/run-vad runs it, pinned to one core, beside onnxruntime)
import Foundation
import SpeechDetection

/// A line of /proc/self/status in KiB (VmRSS, VmHWM).
func status(_ key: String) -> Int {
    let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

let samples: [Int16] = try Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[1])).withUnsafeBytes {
    Array($0.bindMemory(to: Int16.self))
}
// Extra memory = everything the detector adds: the loaded weights, its workspace, its output.
try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)  // reset the peak RSS
let before = status("VmRSS")
let loadStart = now()
let model = try SileroVADModel.bundled()
let loadSeconds = now() - loadStart
// Warm up on 10 s.
_ = VoiceActivityDetector.detect(samples: samples.prefix(160_000), model: model)

let start = now()
let detector = VoiceActivityDetector(model: model)
var frames = 0
var regions = 0
var index = 0
while index < samples.count {
    let end = min(samples.count, index + 16_000)
    let update = detector.append(samples[index..<end])
    frames += update.probabilities.count
    regions += update.regions.count
    index = end
}
let last = detector.finish()
frames += last.probabilities.count
regions += last.regions.count
let seconds = now() - start
let peak = status("VmHWM")
print(
    "{\"seconds\": \(seconds), \"frames\": \(frames), \"regions\": \(regions), \"audioSeconds\": "
        + "\(Double(samples.count) / 16_000), \"extraKiB\": \(peak - before), \"loadSeconds\": \(loadSeconds)}")
