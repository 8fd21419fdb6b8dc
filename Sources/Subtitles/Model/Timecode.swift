import Foundation

/// Conversions between seconds, milliseconds and subtitle timestamps.
public enum Timecode {
    /// Converts seconds to milliseconds, rounding half away from zero (`1.0005` s → 1001 ms).
    ///
    /// The decimal text of the value decides the rounding, so `0.0005` becomes 1 ms even though the nearest
    /// `Double` is slightly below it. Non-finite input gives 0; values beyond `Int64` clamp.
    public static func milliseconds(fromSeconds seconds: Double) -> Milliseconds {
        guard seconds.isFinite else { return 0 }
        let scaled = seconds * 1000
        if abs(scaled) >= 9.0e15 {
            if scaled >= 9.2e18 { return .max }
            if scaled <= -9.2e18 { return .min }
            return Milliseconds(scaled.rounded(.toNearestOrAwayFromZero))
        }
        // `seconds * 1000` can land just below a .5 boundary (0.0005 * 1000 = 0.49999999999999994).
        // The shortest decimal representation of the Double is what the sender meant, so round that.
        let nearest = scaled.rounded(.toNearestOrAwayFromZero)
        let fraction = abs(scaled - scaled.rounded(.towardZero))
        if abs(fraction - 0.5) < 1e-6 {
            return decimalRounded(seconds) ?? Milliseconds(nearest)
        }
        return Milliseconds(nearest)
    }

    /// `HH:MM:SS,mmm` (SubRip). Hours take as many digits as needed (at least two); negative input writes 0.
    public static func srt(_ ms: Milliseconds) -> String { format(ms, separator: ",") }

    /// `HH:MM:SS.mmm` (WebVTT), always with hours. Hours take as many digits as needed; negative input writes 0.
    public static func vtt(_ ms: Milliseconds) -> String { format(ms, separator: ".") }

    private static func format(_ ms: Milliseconds, separator: Character) -> String {
        let value = max(0, ms)
        let hours = value / 3_600_000
        let minutes = (value / 60_000) % 60
        let seconds = (value / 1000) % 60
        let millis = value % 1000
        return pad(hours, 2) + ":" + pad(minutes, 2) + ":" + pad(seconds, 2) + String(separator) + pad(millis, 3)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Rounds the shortest decimal text of `seconds` to milliseconds, half away from zero.
    private static func decimalRounded(_ seconds: Double) -> Milliseconds? {
        var text = "\(seconds)"
        var negative = false
        if text.hasPrefix("-") { negative = true; text.removeFirst() }
        guard !text.contains("e"), !text.contains("E") else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0]) else { return nil }
        let fractionDigits = Array(parts.count == 2 ? parts[1] : "")
        var millis: Int64 = 0
        for index in 0..<3 {
            millis *= 10
            if index < fractionDigits.count, let digit = fractionDigits[index].wholeNumberValue { millis += Int64(digit) }
        }
        var result = whole * 1000 + millis
        if fractionDigits.count > 3, let next = fractionDigits[3].wholeNumberValue, next >= 5 { result += 1 }
        return negative ? -result : result
    }
}
