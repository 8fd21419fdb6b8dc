import Testing
import Subtitles

struct TimecodeTests {
    @Test(arguments: [
        (0.0, Int64(0)),
        (1.0005, 1001),
        (0.0005, 1),
        (-0.0005, -1),
        (2.4994, 2499),
        (1.2345, 1235),
        (3599.9995, 3_600_000),
        (59.9994, 59_999),
        (0.0004999, 0),
        (360_000.0015, 360_000_002),
        (12.3456789, 12_346),
    ])
    func secondsToMillisecondsRoundsHalfAwayFromZero(seconds: Double, expected: Milliseconds) {
        #expect(Timecode.milliseconds(fromSeconds: seconds) == expected)
    }

    @Test func nonFiniteSecondsGiveZero() {
        #expect(Timecode.milliseconds(fromSeconds: .nan) == 0)
        #expect(Timecode.milliseconds(fromSeconds: .infinity) == 0)
    }

    @Test(arguments: [
        (Int64(0), "00:00:00,000", "00:00:00.000"),
        (3_599_999, "00:59:59,999", "00:59:59.999"),
        (59_999, "00:00:59,999", "00:00:59.999"),
        (3_600_000, "01:00:00,000", "01:00:00.000"),
        (359_999_999, "99:59:59,999", "99:59:59.999"),
        (360_000_000, "100:00:00,000", "100:00:00.000"),
        (3_600_000_000_001, "1000000:00:00,001", "1000000:00:00.001"),
        (-5, "00:00:00,000", "00:00:00.000"),
    ])
    func formatsTimestamps(ms: Milliseconds, srt: String, vtt: String) {
        #expect(Timecode.srt(ms) == srt)
        #expect(Timecode.vtt(ms) == vtt)
    }
}
