/// Bounds on numbers that come from media files: every value read from a container or a codec is checked against
/// them before it sizes a buffer, a loop or a timeline, so a crafted file can neither crash the process nor make it
/// work (or spend) without limit.
public enum MediaLimits {
    /// The longest timeline any value may describe: 100,000 hours, in milliseconds. Far past real media, far from
    /// `Int64` overflow even after conversion to samples at 768 kHz.
    public static let maxTimeline: Int64 = 100_000 * 3_600_000

    /// Input sample rates the decoder accepts, in Hz. Frames outside this range are skipped as damaged: a header
    /// claiming 1 Hz would otherwise turn each sample into a second of output.
    public static let inputSampleRates: ClosedRange<Int32> = 1_000...768_000

    /// The largest single allocation FFmpeg may make, in bytes (its own default is 2 GiB). Demuxers size tables
    /// from counts in the file; real audio never needs a block this large.
    public static let maxAllocation = 512 << 20

    /// Most channels in a decoded frame.
    public static let maxChannels: Int32 = 64

    /// Silence the reader may insert for leading offsets and timestamp gaps before it has decoded any audio, in
    /// milliseconds. Beyond that, inserted silence may not exceed the audio decoded so far: the timeline is capped
    /// by the decoded audio, never by declared timestamps (a 4 KB file claiming two hours stays short).
    public static let silenceAllowance: Int64 = 60_000
}

extension Int64 {
    /// `self + other`, clamped to `Int64`'s range instead of trapping.
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    /// `self - other`, clamped to `Int64`'s range instead of trapping.
    func saturatingSubtract(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : difference
    }

    /// `self * other`, clamped to `Int64`'s range instead of trapping.
    func saturatingMultiply(_ other: Int64) -> Int64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) == (other < 0) ? .max : .min) : product
    }
}
