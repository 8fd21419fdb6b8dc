/// Decoded mono PCM on a media timeline, one block at a time: the pipeline's audio stage.
///
/// ``AudioReader`` is the default (FFmpeg, any container); a test or a program that already holds samples gives
/// its own. Blocks are contiguous from sample 0 (the presentation start); the last one may be short.
///
/// Not `Sendable`: a source is confined to the one task that reads it.
public protocol AudioSource: AnyObject {
    /// Samples per second of every block.
    var sampleRate: Int { get }
    /// The number of samples the source should deliver, if known (for progress and chunk estimates).
    var expectedSampleCount: Int64? { get }
    /// Warnings about the audio (damaged packets, filled gaps); complete once ``nextBlock()`` has returned nil.
    var warnings: [String] { get }
    /// The frame rate of the media's video, if it has one (cue edges snap to its frames).
    var videoFrameRate: Double? { get }
    /// The next block, or nil at the end.
    /// - Throws: ``MediaError`` naming the media and the cause.
    func nextBlock() throws(MediaError) -> PCMBlock?
}

extension AudioReader: AudioSource {
    /// The probed file's video frame rate, if it has video.
    public var videoFrameRate: Double? { info.videoFrameRate }
}
