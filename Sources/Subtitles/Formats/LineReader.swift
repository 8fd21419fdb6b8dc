import Foundation

/// A producer of byte blocks: a file read in blocks, bytes in memory, or a transcoder in front of either.
protocol ByteBlockSource: AnyObject {
    /// The next block, or nil at the end. Blocks are never empty.
    func nextBlock() throws(SubtitleParseError) -> [UInt8]?
}

/// The blocks of a file, read 64 KiB at a time: the whole file is never in memory.
final class FileBlocks: ByteBlockSource {
    private let handle: FileHandle
    private let path: String
    static let blockSize = 1 << 16

    init(url: URL) throws(SubtitleParseError) {
        path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SubtitleParseError(line: 0, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw SubtitleParseError(line: 0, reason: "is a directory") }
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw SubtitleParseError(line: 0, reason: "cannot open the file (\(Self.cause(of: error)))")
        }
    }

    deinit { try? handle.close() }

    func nextBlock() throws(SubtitleParseError) -> [UInt8]? {
        let data: Data?
        do {
            data = try handle.read(upToCount: Self.blockSize)
        } catch {
            throw SubtitleParseError(line: 0, reason: "cannot read the file (\(Self.cause(of: error)))")
        }
        guard let data, !data.isEmpty else { return nil }
        return [UInt8](data)
    }

    private static func cause(of error: any Error) -> String {
        let nsError = error as NSError
        if let posix = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return nsError.localizedDescription
    }
}

/// Bytes in memory, handed out in blocks like a file.
final class MemoryBlocks: ByteBlockSource {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func nextBlock() throws(SubtitleParseError) -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        let end = min(bytes.count, offset + FileBlocks.blockSize)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

/// UTF-16 (either byte order) transcoded to UTF-8 block by block; unpaired surrogates become U+FFFD.
final class UTF16ToUTF8Blocks: ByteBlockSource {
    private let source: any ByteBlockSource
    private let bigEndian: Bool
    private var carry: [UInt8] = []
    private var pendingHigh: UInt16?

    init(_ source: any ByteBlockSource, bigEndian: Bool) {
        self.source = source
        self.bigEndian = bigEndian
    }

    func nextBlock() throws(SubtitleParseError) -> [UInt8]? {
        while true {
            guard let block = try source.nextBlock() else {
                var tail: [UInt8] = []
                if pendingHigh != nil || !carry.isEmpty { Self.append(0xFFFD, to: &tail) }
                pendingHigh = nil
                carry = []
                return tail.isEmpty ? nil : tail
            }
            let bytes = carry + block
            let usable = bytes.count & ~1
            carry = Array(bytes[usable...])
            var output: [UInt8] = []
            output.reserveCapacity(usable)
            var index = 0
            while index < usable {
                let unit = bigEndian
                    ? UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
                    : UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index])
                index += 2
                if let high = pendingHigh {
                    pendingHigh = nil
                    if (0xDC00...0xDFFF).contains(unit) {
                        let scalar = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(unit) - 0xDC00)
                        Self.append(scalar, to: &output)
                        continue
                    }
                    Self.append(0xFFFD, to: &output)
                }
                switch unit {
                case 0xD800...0xDBFF: pendingHigh = unit
                case 0xDC00...0xDFFF: Self.append(0xFFFD, to: &output)
                default: Self.append(UInt32(unit), to: &output)
                }
            }
            if !output.isEmpty { return output }
        }
    }

    static func append(_ scalar: UInt32, to output: inout [UInt8]) {
        let value = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        output.append(contentsOf: UTF8.encode(value)!)
    }
}

/// The text encoding found at the start of a file.
enum DetectedEncoding: Equatable {
    case utf8
    case utf16(bigEndian: Bool)
}

/// Splits a byte stream into lines at LF, CR or CRLF (a CRLF split across two blocks counts once), counting lines
/// from 1. A terminator at the very end does not start another line. Memory: one block plus the current line.
struct LineReader {
    private var source: any ByteBlockSource
    private var block: [UInt8] = []
    private var index = 0
    private var skipLineFeed = false
    private var atEnd = false
    /// The number of the line most recently returned.
    private(set) var lineNumber = 0
    /// The encoding found from the byte order mark (UTF-8 when there is none).
    private(set) var encoding: DetectedEncoding = .utf8
    /// Whether the file had no bytes at all.
    private(set) var isEmpty = false

    /// Reads the start of `source`: a UTF-8 byte order mark is skipped (one only, as browsers do), a UTF-16 one
    /// switches to transcoding, and a UTF-32 one is an error.
    init(source: any ByteBlockSource) throws(SubtitleParseError) {
        self.source = source
        var head: [UInt8] = []
        while head.count < 4, let next = try source.nextBlock() { head += next }
        isEmpty = head.isEmpty
        if head.starts(with: [0xFF, 0xFE, 0x00, 0x00]) || head.starts(with: [0x00, 0x00, 0xFE, 0xFF]) {
            throw SubtitleParseError(line: 0, reason: "UTF-32 text is not supported; save the file as UTF-8")
        }
        if head.starts(with: [0xEF, 0xBB, 0xBF]) {
            block = Array(head.dropFirst(3))
        } else if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
            let bigEndian = head[0] == 0xFE
            encoding = .utf16(bigEndian: bigEndian)
            let rest = MemoryBlocks(Array(head.dropFirst(2)))
            self.source = UTF16ToUTF8Blocks(ChainedBlocks(first: rest, then: source), bigEndian: bigEndian)
        } else {
            block = head
        }
    }

    /// The longest line read: 8 MiB. A longer one is no subtitle line, and an upload of one must not take the
    /// memory of a service.
    static let maximumLineLength = 1 << 23

    /// The next line without its terminator, or nil at the end of the input. Throws for a line longer than
    /// ``maximumLineLength``.
    mutating func nextLine() throws(SubtitleParseError) -> [UInt8]? {
        var line: [UInt8] = []
        var sawAnything = false
        while true {
            if index >= block.count {
                guard !atEnd, let next = try source.nextBlock() else {
                    atEnd = true
                    guard sawAnything else { return nil }
                    lineNumber += 1
                    return line
                }
                block = next
                index = 0
            }
            if skipLineFeed {
                skipLineFeed = false
                if block[index] == 0x0A {
                    index += 1
                    continue
                }
            }
            let start = index
            let found: Int? = block.withUnsafeBufferPointer { buffer in
                var position = start
                while position < buffer.count {
                    let byte = buffer[position]
                    if byte == 0x0A || byte == 0x0D { return position }
                    position += 1
                }
                return nil
            }
            sawAnything = true
            guard let end = found else {
                line.append(contentsOf: block[start...])
                index = block.count
                if line.count > Self.maximumLineLength {
                    throw SubtitleParseError(line: lineNumber + 1, reason: "a line longer than 8 MiB; this is not a subtitle file")
                }
                continue
            }
            line.append(contentsOf: block[start..<end])
            skipLineFeed = block[end] == 0x0D
            index = end + 1
            lineNumber += 1
            return line
        }
    }
}

/// Two sources, one after the other.
final class ChainedBlocks: ByteBlockSource {
    private var first: (any ByteBlockSource)?
    private let then: any ByteBlockSource

    init(first: any ByteBlockSource, then: any ByteBlockSource) {
        self.first = first
        self.then = then
    }

    func nextBlock() throws(SubtitleParseError) -> [UInt8]? {
        if let source = first {
            if let block = try source.nextBlock() { return block }
            first = nil
        }
        return try then.nextBlock()
    }
}
