import CFFmpeg

/// FFmpeg's own logging. The media layer keeps it quiet (`AV_LOG_QUIET`) unless asked: FFmpeg would otherwise
/// print decoder chatter to stderr, and every failure is reported through `MediaError` and reader warnings.
public enum MediaLogging {
    /// Turns FFmpeg's stderr logging on (`AV_LOG_WARNING`) or off (`AV_LOG_QUIET`).
    public static func setVerbose(_ verbose: Bool) {
        _ = configured
        av_log_set_level(verbose ? AV_LOG_WARNING : AV_LOG_QUIET)
    }

    /// Sets FFmpeg's log level directly (`AV_LOG_QUIET` ... `AV_LOG_TRACE`), for debugging.
    public static func setLevel(_ level: Int32) {
        _ = configured
        av_log_set_level(level)
    }

    /// Runs once, on the first use of the media layer: makes FFmpeg quiet by default and caps any single FFmpeg
    /// allocation (``MediaLimits/maxAllocation``), so a size field in a crafted file cannot reserve gigabytes.
    static let configured: Void = {
        av_log_set_level(AV_LOG_QUIET)
        av_max_alloc(MediaLimits.maxAllocation)
    }()

    /// Called by every entry point before touching FFmpeg.
    static func ensureConfigured() { _ = configured }
}
