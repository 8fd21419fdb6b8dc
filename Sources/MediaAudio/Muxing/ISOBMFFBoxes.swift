#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads box headers of an ISO-BMFF (MP4/MOV) file and patches track-header flags in place, for what FFmpeg's
/// muxer API cannot express. Reads headers only (never sample data), so it costs a few hundred small reads.
struct ISOBMFFBoxes {
    struct Box {
        var type: String
        var offset: Int64
        var headerSize: Int64
        var size: Int64
        var payloadOffset: Int64 { offset + headerSize }
        var end: Int64 { offset + size }
    }

    /// Track-header flag: the track is enabled (players may show it without being asked).
    static let trackEnabled: UInt32 = 0x1
    /// Handler types of text subtitle tracks (3GPP timed text, QuickTime text, subtitle media).
    static let subtitleHandlers: Set<String> = ["sbtl", "text", "subt"]

    private let fd: Int32
    private let fileSize: Int64

    private init(fd: Int32, fileSize: Int64) {
        self.fd = fd
        self.fileSize = fileSize
    }

    /// Whether the movie box precedes the media data (a "fast start" file); false when unknown.
    static func movieBoxPrecedesMediaData(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return false }
        let file = ISOBMFFBoxes(fd: fd, fileSize: Int64(size))
        for box in file.children(from: 0, to: Int64(size)) {
            if box.type == "moov" { return true }
            if box.type == "mdat" { return false }
        }
        return false
    }

    /// Sets or clears the enabled flag of subtitle tracks, by track ID. Every ID must name a subtitle track.
    ///
    /// - Returns: The number of track headers changed.
    static func setSubtitleTracksEnabled(_ enabled: [UInt32: Bool], path: String) throws(MediaError) -> Int {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        if fd < 0 { throw AtomicOutput.error(errno, path: path, operation: "reopen to set track flags") }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        let file = ISOBMFFBoxes(fd: fd, fileSize: Int64(max(0, size)))
        guard let moov = file.children(from: 0, to: file.fileSize).first(where: { $0.type == "moov" }) else {
            throw MediaError(.encodeFailed, path: path, operation: "set track flags", message: "no movie box")
        }
        var remaining = enabled
        var changed = 0
        for trak in file.children(of: moov) where trak.type == "trak" {
            let boxes = file.children(of: trak)
            guard let tkhd = boxes.first(where: { $0.type == "tkhd" }),
                let header = file.read(at: tkhd.payloadOffset, count: 24), header.count == 24
            else { continue }
            let version = header[0]
            let idOffset = version == 1 ? 20 : 12
            let trackID = header[idOffset..<idOffset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard let wanted = remaining.removeValue(forKey: trackID) else { continue }
            let handler = boxes.first { $0.type == "mdia" }.flatMap { mdia in
                file.children(of: mdia).first { $0.type == "hdlr" }
            }.flatMap { hdlr in file.read(at: hdlr.payloadOffset + 8, count: 4) }.map(ISOBMFFBoxes.fourCC)
            guard let handler, subtitleHandlers.contains(handler) else {
                throw MediaError(
                    .encodeFailed, path: path, operation: "set track flags",
                    message: "track \(trackID) is not a subtitle track (handler \(handler ?? "none"))")
            }
            var flags = header[1..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let updated = wanted ? flags | trackEnabled : flags & ~trackEnabled
            guard updated != flags else { continue }
            flags = updated
            let bytes: [UInt8] = [UInt8(flags >> 16 & 0xFF), UInt8(flags >> 8 & 0xFF), UInt8(flags & 0xFF)]
            let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, 3, off_t(tkhd.payloadOffset + 1)) }
            if written != 3 { throw AtomicOutput.error(errno, path: path, operation: "set track flags") }
            changed += 1
        }
        if let missing = remaining.keys.min() {
            throw MediaError(
                .encodeFailed, path: path, operation: "set track flags", message: "no track with ID \(missing)")
        }
        return changed
    }

    private func children(of box: Box) -> [Box] {
        children(from: box.payloadOffset, to: box.end)
    }

    private func children(from start: Int64, to end: Int64) -> [Box] {
        var boxes: [Box] = []
        var offset = start
        while offset + 8 <= end, let header = read(at: offset, count: 16), header.count >= 8 {
            var size = Int64(header[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            var headerSize: Int64 = 8
            if size == 1 {
                guard header.count == 16 else { break }
                size = Int64(bitPattern: header[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
                headerSize = 16
            } else if size == 0 {
                size = end - offset
            }
            guard size >= headerSize, offset + size <= end else { break }
            boxes.append(Box(type: ISOBMFFBoxes.fourCC(Array(header[4..<8])), offset: offset, headerSize: headerSize, size: size))
            offset += size
        }
        return boxes
    }

    private func read(at offset: Int64, count: Int) -> [UInt8]? {
        guard offset >= 0, offset < fileSize else { return nil }
        let n = Int(min(Int64(count), fileSize - offset))
        var buffer = [UInt8](repeating: 0, count: n)
        let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, n, off_t(offset)) }
        return got == n ? buffer : nil
    }

    private static func fourCC(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.map { (32...126).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}
