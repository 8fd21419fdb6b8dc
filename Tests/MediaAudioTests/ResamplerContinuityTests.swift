import Foundation
import TestSupport
import MediaAudio
import Testing

/// WAV files carry no channel layout ("unspecified"): the resampler must still run as one continuous filter,
/// not restart at every frame (which leaves clicks at each frame boundary).
struct ResamplerContinuityTests {
    @Test(arguments: [1, 2])
    func wavWithoutLayoutResamplesWithoutClicks(channels: Int) throws {
        let name = "sine-\(channels)ch-44k.wav"
        let path = try Fixture.make(name, Fixture.lavfi(Fixture.tone(440, rate: 44_100, seconds: 3))
            + ["-ac", String(channels), "-c:a", "pcm_s16le"]).get()
        if channels > 1 {   // the case under test: a WAV that names no layout for its channels
            #expect(try Tool.ffprobe(path, entries: "stream=channel_layout").contains("unknown"))
        }
        let samples = try AudioReader(path: path).readAll()
        #expect(abs(samples.count - 48_000) <= 16)
        // For a pure tone x[n-1] + x[n+1] = 2cos(w) x[n]; a filter restart breaks that at frame boundaries.
        let w = 2 * Double.pi * 440 / 16_000
        var worst = 0.0
        for n in 200..<(samples.count - 200) {
            let residual = Double(samples[n - 1]) + Double(samples[n + 1]) - 2 * cos(w) * Double(samples[n])
            worst = max(worst, abs(residual))
        }
        #expect(worst < 200, "largest residual \(worst)")
    }
}
