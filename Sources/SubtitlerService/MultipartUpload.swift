import Crypto
import Foundation
import NIOCore
import Subtitler
import SubtitlerSupport

/// Streams a `multipart/form-data` body to disk: the file part goes to a private temporary file as it arrives (never
/// held whole in memory), with a size cap; small text fields are kept, at most ``maxFieldBytes`` each and
/// ``maxFieldsBytes`` in all, whatever the upload limit. Memory stays at about one network buffer plus one megabyte of
/// pending writes plus the text fields, whatever the upload's size.
struct MultipartUpload {
    /// The most one text field may hold.
    static let maxFieldBytes = 64 * 1024
    /// The most all text fields together may hold.
    static let maxFieldsBytes = 256 * 1024

    /// What was received.
    struct Received {
        /// The temporary file holding the file part (delete it when done), or nil when there was no file part.
        var file: URL?
        /// The file part's size in bytes.
        var size: Int64
        /// SHA-256 of the file part, hex.
        var sha256: String
        /// The text fields.
        var fields: [String: String]
    }

    /// Why an upload was refused.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// Not `multipart/form-data`, or no boundary (HTTP 415).
        case notMultipart
        /// The file part is over the upload limit (HTTP 413).
        case tooLarge(limit: Int64)
        /// The text fields together over their limit (HTTP 413).
        case fieldsTooLarge(String)
        /// Not a valid form, or not the form this endpoint takes (HTTP 400).
        case malformed(String)

        var description: String {
            switch self {
            case .notMultipart: "the body must be multipart/form-data with a boundary"
            case .tooLarge(let limit): "the upload is larger than the service's limit of \(limit) bytes"
            case .fieldsTooLarge(let why): why
            case .malformed(let why): "malformed multipart body: \(why)"
            }
        }
    }

    /// The boundary of a `multipart/form-data` content type.
    static func boundary(fromContentType contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return (1...70).contains(value.count) ? value : nil
            }
        }
        return nil
    }

    /// Receives `body`; the part named `fileField` goes to a new file in `directory`.
    /// - Parameters:
    ///   - body: the request body, streamed.
    ///   - contentType: the request's content type.
    ///   - fileField: the form field of the file (`audio_file` for Bazarr).
    ///   - directory: where the temporary file is made (mode 0600).
    ///   - limit: the largest file part accepted.
    /// - Throws: ``Failure``; the temporary file is removed on any failure.
    static func receive<Body: AsyncSequence>(
        _ body: Body, contentType: String?, fileField: String, into directory: URL, limit: Int64
    ) async throws -> Received where Body.Element == ByteBuffer {
        guard let boundary = boundary(fromContentType: contentType) else { throw Failure.notMultipart }
        var parser = MultipartParser(boundary: boundary)
        var sink: FileSink?
        var hasher = SHA256()
        var size: Int64 = 0
        var fields: [String: String] = [:]
        var fieldBytes: [UInt8] = []
        var allFieldBytes = 0
        var current: MultipartParser.PartHeaders?
        do {
            for try await buffer in body {
                try Task.checkCancellation()
                for event in try parser.feed(Array(buffer.readableBytesView)) {
                    switch event {
                    case .partStart(let headers):
                        current = headers
                        fieldBytes = []
                        if headers.name == fileField {
                            guard sink == nil else { throw Failure.malformed("more than one '\(fileField)' part") }
                            sink = try await FileSink.create(in: directory)
                        } else if headers.filename != nil {
                            // A file under another name: the client named the part wrongly.
                            throw Failure.malformed("the file part is named '\(headers.name)'; send it as '\(fileField)'")
                        }
                    case .data(let bytes):
                        guard let headers = current else { continue }
                        if headers.name == fileField, let sink {
                            size += Int64(bytes.count)
                            if size > limit { throw Failure.tooLarge(limit: limit) }
                            hasher.update(data: bytes)
                            try await sink.write(bytes)
                        } else {
                            fieldBytes += bytes
                            allFieldBytes += bytes.count
                            if fieldBytes.count > maxFieldBytes {
                                // Most likely the audio, sent under another name: say so, not "too long".
                                throw Failure.malformed("unexpected part '\(headers.name)': the audio goes in the part "
                                                        + "'\(fileField)', and other parts are text fields of at most \(maxFieldBytes) bytes")
                            }
                            if allFieldBytes > maxFieldsBytes {
                                throw Failure.fieldsTooLarge("the text fields are longer than \(maxFieldsBytes) bytes in all")
                            }
                        }
                    case .partEnd:
                        if let headers = current, headers.name != fileField {
                            fields[headers.name] = String(decoding: fieldBytes, as: UTF8.self)
                        }
                        current = nil
                    }
                }
            }
            guard parser.isFinished else { throw Failure.malformed("the body ended before the closing boundary") }
            try await sink?.close()
        } catch {
            await sink?.discard()
            throw error
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return Received(file: sink?.url, size: size, sha256: digest, fields: fields)
    }
}

/// A streaming `multipart/form-data` parser: bytes in, part events out. Memory: the delimiter's length plus the
/// headers of one part (at most 16 KB).
struct MultipartParser {
    struct PartHeaders: Equatable {
        var name: String
        var filename: String?
    }

    enum Event: Equatable {
        case partStart(PartHeaders)
        case data([UInt8])
        case partEnd
    }

    private enum State { case preamble, headers, body, epilogue }

    private let delimiter: [UInt8]          // CRLF--boundary
    private var state = State.preamble
    private var pending: [UInt8] = []
    private(set) var isFinished = false

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        pending = Array("\r\n".utf8)   // so a delimiter at the very start is found like any other
    }

    mutating func feed(_ bytes: [UInt8]) throws -> [Event] {
        pending += bytes
        var events: [Event] = []
        var progress = true
        while progress {
            progress = false
            switch state {
            case .preamble:
                guard let found = Self.find(delimiter, in: pending) else {
                    // Keep only what could start a delimiter.
                    if pending.count > delimiter.count { pending.removeFirst(pending.count - delimiter.count) }
                    if pending.count > 1 << 20 { throw MultipartUpload.Failure.malformed("no boundary found") }
                    break
                }
                guard pending.count >= found + delimiter.count + 2 else { break }
                let after = Array(pending[(found + delimiter.count)..<(found + delimiter.count + 2)])
                pending.removeFirst(found + delimiter.count + 2)
                if after == Array("--".utf8) {
                    state = .epilogue
                    isFinished = true
                } else {
                    state = .headers
                }
                progress = true
            case .headers:
                guard let end = Self.find(Array("\r\n\r\n".utf8), in: pending) else {
                    if pending.count > 16 * 1024 { throw MultipartUpload.Failure.malformed("part headers too long") }
                    break
                }
                let text = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeFirst(end + 4)
                events.append(.partStart(try Self.parseHeaders(text)))
                state = .body
                progress = true
            case .body:
                if let found = Self.find(delimiter, in: pending) {
                    guard pending.count >= found + delimiter.count + 2 else {
                        if found > 0 {
                            events.append(.data(Array(pending[..<found])))
                            pending.removeFirst(found)
                        }
                        break
                    }
                    if found > 0 { events.append(.data(Array(pending[..<found]))) }
                    let after = Array(pending[(found + delimiter.count)..<(found + delimiter.count + 2)])
                    pending.removeFirst(found + delimiter.count + 2)
                    events.append(.partEnd)
                    if after == Array("--".utf8) {
                        state = .epilogue
                        isFinished = true
                    } else if after == Array("\r\n".utf8) {
                        state = .headers
                    } else {
                        throw MultipartUpload.Failure.malformed("unexpected bytes after a boundary")
                    }
                    progress = true
                } else if pending.count > delimiter.count {
                    // Everything but a possible delimiter prefix at the end is data.
                    let keep = delimiter.count - 1
                    events.append(.data(Array(pending[..<(pending.count - keep)])))
                    pending.removeFirst(pending.count - keep)
                }
            case .epilogue:
                pending.removeAll()
            }
        }
        return events
    }

    static func parseHeaders(_ text: String) throws -> PartHeaders {
        for line in text.split(separator: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2, pair[0].lowercased() == "content-disposition" else { continue }
            var name: String?
            var filename: String?
            for parameter in pair[1].split(separator: ";").dropFirst() {
                let kv = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2 else { continue }
                let value = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                switch kv[0].lowercased() {
                case "name": name = value
                case "filename": filename = value
                default: break
                }
            }
            if let name { return PartHeaders(name: name, filename: filename) }
        }
        throw MultipartUpload.Failure.malformed("a part without a Content-Disposition name")
    }

    /// The first index of `needle` in `haystack`.
    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count, let first = needle.first else { return nil }
        let last = haystack.count - needle.count
        var index = 0
        while index <= last {
            // Jump to the next occurrence of the first byte, then compare the rest.
            guard let candidate = haystack[index...last].firstIndex(of: first) else { return nil }
            var matched = true
            for offset in 1..<needle.count where haystack[candidate + offset] != needle[offset] {
                matched = false
                break
            }
            if matched { return candidate }
            index = candidate + 1
        }
        return nil
    }
}

/// A private temporary file written on the blocking-work pool, a megabyte at a time. Used by the one task that
/// receives the upload (not `Sendable`).
final class FileSink {
    let url: URL
    private let fd: Int32
    private var buffer: [UInt8] = []

    private init(url: URL, fd: Int32) {
        self.url = url
        self.fd = fd
        buffer.reserveCapacity(1 << 20)
    }

    static func create(in directory: URL) async throws -> FileSink {
        let (url, fd) = try await BlockingWork.run("create upload") { () throws -> (URL, Int32) in
            try AppDirectories.makePrivateDirectory(directory)
            let url = directory.appendingPathComponent("upload-\(UUID().uuidString).tmp")
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw OutputError(path: url.path, errno: errno) }
            return (url, fd)
        }
        return FileSink(url: url, fd: fd)
    }

    func write(_ bytes: [UInt8]) async throws {
        buffer += bytes
        if buffer.count >= 1 << 20 { try await flush() }
    }

    private func flush() async throws {
        let data = buffer
        buffer.removeAll(keepingCapacity: true)
        let fd = self.fd
        let path = url.path
        try await BlockingWork.run("write upload") {
            var offset = 0
            try data.withUnsafeBytes { raw in
                while offset < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw OutputError(path: path, errno: errno)
                    }
                    offset += n
                }
            }
        }
    }

    func close() async throws {
        try await flush()
        Foundation.close(fd)
    }

    func discard() async {
        Foundation.close(fd)
        unlink(url.path)
    }
}
