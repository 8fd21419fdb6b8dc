import CFFmpeg

/// Where media comes from: a local file or bytes in memory, optionally headerless PCM that needs its format spelled
/// out (what Bazarr uploads: 16 kHz mono signed 16-bit little-endian).
public struct MediaSource: Sendable, Hashable {
    /// Where the bytes are.
    public enum Location: Sendable, Hashable {
        /// A local file (never a URL).
        case file(String)
        /// Bytes in memory (a speech server's WAV answer, say).
        case memory([UInt8])
    }

    /// Where the bytes are.
    public var location: Location
    /// The name used in messages: the path, or a label for memory.
    public var name: String
    /// For headerless PCM: its format; nil lets FFmpeg detect the container.
    public var rawPCM: RawPCMFormat?

    /// A local file; with `rawPCM`, read as headerless PCM in that format.
    public static func file(_ path: String, rawPCM: RawPCMFormat? = nil) -> MediaSource {
        MediaSource(location: .file(path), name: path, rawPCM: rawPCM)
    }

    /// Bytes in memory, named `name` in messages.
    public static func memory(_ bytes: [UInt8], name: String = "<memory>", rawPCM: RawPCMFormat? = nil) -> MediaSource {
        MediaSource(location: .memory(bytes), name: name, rawPCM: rawPCM)
    }
}

/// The format of headerless signed 16-bit little-endian PCM.
public struct RawPCMFormat: Sendable, Hashable, Codable {
    /// Samples per second per channel (1000...384000).
    public var sampleRate: Int
    /// Interleaved channels (1...8).
    public var channels: Int

    /// Creates a format; 16 kHz mono by default, as Bazarr sends.
    public init(sampleRate: Int = 16_000, channels: Int = 1) {
        self.sampleRate = sampleRate
        self.channels = channels
    }

    /// Why the format cannot be used, or nil.
    var problem: String? {
        if !(1000...384_000).contains(sampleRate) { return "PCM sample rate \(sampleRate) Hz is out of range 1000...384000" }
        if !(1...8).contains(channels) { return "PCM channel count \(channels) is out of range 1...8" }
        return nil
    }
}

/// Reads memory for an `AVIOContext`. Retained by the input file for as long as the context lives.
final class MemoryReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) -> Int32 {
        guard position < bytes.count else { return cffmpeg_averror_eof }
        let n = min(count, bytes.count - position)
        bytes.withUnsafeBufferPointer { source in
            buffer.update(from: source.baseAddress! + position, count: n)
        }
        position += n
        return Int32(n)
    }

    func seek(_ offset: Int64, whence: Int32) -> Int64 {
        let target = MemoryIO.seekTarget(offset: offset, whence: whence, position: position, size: bytes.count,
                                         allowsGrowth: false)
        if target >= 0, whence & cffmpeg_avseek_size == 0 { position = Int(target) }
        return target
    }
}

let memoryRead: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32 = {
    opaque, buffer, size in
    guard let opaque, let buffer, size >= 0 else { return cffmpeg_averror(EINVAL) }
    return Unmanaged<MemoryReader>.fromOpaque(opaque).takeUnretainedValue().read(into: buffer, count: Int(size))
}

let memoryReadSeek: @convention(c) (UnsafeMutableRawPointer?, Int64, Int32) -> Int64 = { opaque, offset, whence in
    guard let opaque else { return Int64(cffmpeg_averror(EINVAL)) }
    return Unmanaged<MemoryReader>.fromOpaque(opaque).takeUnretainedValue().seek(offset, whence: whence)
}

/// The arithmetic of an `AVIOContext` seek callback over bytes in memory.
enum MemoryIO {
    /// The new position for `offset` from `whence` (`SEEK_SET`, `SEEK_CUR`, `SEEK_END`; `AVSEEK_SIZE` asks for the
    /// size), or a negative AVERROR. A writer may seek past the end (`allowsGrowth`); a reader may not.
    static func seekTarget(offset: Int64, whence: Int32, position: Int, size: Int, allowsGrowth: Bool) -> Int64 {
        if whence & cffmpeg_avseek_size != 0 { return Int64(size) }
        let base: Int64
        switch whence & ~cffmpeg_avseek_force {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = Int64(position)
        case SEEK_END: base = Int64(size)
        default: return Int64(cffmpeg_averror(EINVAL))
        }
        let target = base + offset
        guard target >= 0, allowsGrowth || target <= Int64(size) else { return Int64(cffmpeg_averror(EINVAL)) }
        return target
    }
}
