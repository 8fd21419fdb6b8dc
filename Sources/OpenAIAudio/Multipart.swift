/// A `multipart/form-data` body laid out byte for byte as the official Python SDK (httpx) writes it.
///
/// Text fields come first, in order, then the file part:
/// ```
/// --BOUNDARY\r\n
/// Content-Disposition: form-data; name="model"\r\n
/// \r\n
/// whisper-1\r\n
/// --BOUNDARY\r\n
/// Content-Disposition: form-data; name="file"; filename="a.wav"\r\n
/// Content-Type: audio/wav\r\n
/// \r\n
/// <bytes>\r\n
/// --BOUNDARY--\r\n
/// ```
public struct MultipartForm: Sendable {
    /// The length of boundaries made by ``makeBoundary()``: 32 hex digits, as httpx makes them.
    public static let boundaryLength = 32

    /// The boundary string, without the leading dashes.
    public var boundary: String
    /// The text fields, in wire order.
    public var fields: [(name: String, value: String)]
    /// The file part.
    public var file: AudioUpload
    /// The form name of the file part (`file`).
    public var fileFieldName: String

    /// Creates a form.
    ///
    /// - Parameters:
    ///   - boundary: The boundary; defaults to a random 32-hex-digit string.
    ///   - fields: The text fields, in wire order.
    ///   - file: The file part.
    ///   - fileFieldName: The file part's name (default `file`).
    public init(
        boundary: String = MultipartForm.makeBoundary(),
        fields: [(name: String, value: String)],
        file: AudioUpload,
        fileFieldName: String = "file"
    ) {
        self.boundary = boundary
        self.fields = fields
        self.file = file
        self.fileFieldName = fileFieldName
    }

    /// A random boundary of 32 lowercase hex digits.
    public static func makeBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<boundaryLength).map { _ in digits[Int(generator.next() % 16)] })
    }

    /// The `Content-Type` header value, `multipart/form-data; boundary=…`.
    public var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    /// The exact body length in bytes, computed without building the body. O(number of fields).
    public var byteCount: Int {
        var total = 0
        for field in fields {
            total += fieldHeader(name: field.name).utf8.count + field.value.utf8.count + 2
        }
        total += fileHeader.utf8.count + file.data.count + 2
        total += boundary.utf8.count + 6  // "--" boundary "--\r\n"
        return total
    }

    /// The encoded body.
    public func encoded() -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(byteCount)
        for field in fields {
            body += fieldHeader(name: field.name).utf8
            body += field.value.utf8
            body += crlf
        }
        body += fileHeader.utf8
        body += file.data
        body += crlf
        body += "--\(boundary)--\r\n".utf8
        return body
    }

    private var crlf: [UInt8] { [13, 10] }

    private func fieldHeader(name: String) -> String {
        "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.escape(name))\"\r\n\r\n"
    }

    private var fileHeader: String {
        "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.escape(fileFieldName))\"; "
            + "filename=\"\(Self.escape(file.filename))\"\r\nContent-Type: \(file.contentType)\r\n\r\n"
    }

    /// Escapes a parameter value the way httpx does (HTML5 form rules): `"` → `%22`, `\\` → `\\\\`,
    /// and control characters other than ESC percent-encoded.
    static func escape(_ value: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(value.unicodeScalars.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "%22"
            case "\\": out += "\\\\"
            case "\u{00}"..."\u{1F}" where scalar != "\u{1B}":
                out += "%" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16, uppercase: true)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension TranscriptionRequest {
    /// The multipart form for this request.
    ///
    /// - Parameters:
    ///   - stream: Whether to add `stream=true`.
    ///   - boundary: The boundary; random by default, fixed in tests.
    public func multipartForm(stream: Bool = false, boundary: String = MultipartForm.makeBoundary()) -> MultipartForm {
        MultipartForm(boundary: boundary, fields: formFields(stream: stream), file: file)
    }
}

extension TranslationRequest {
    /// The multipart form for this request.
    ///
    /// - Parameter boundary: The boundary; random by default, fixed in tests.
    public func multipartForm(boundary: String = MultipartForm.makeBoundary()) -> MultipartForm {
        MultipartForm(boundary: boundary, fields: formFields(), file: file)
    }
}

/// The exact size of the multipart body the client sends for a request, so a chunk planner can keep
/// uploads under ``maxRequestBodyBytes``. O(number of fields); the file bytes are not copied.
///
/// - Parameter request: The transcription request, sent without `stream`.
/// - Returns: The body length in bytes.
public func multipartBodySize(for request: TranscriptionRequest) -> Int {
    MultipartForm(
        boundary: String(repeating: "0", count: MultipartForm.boundaryLength),
        fields: request.formFields(stream: false),
        file: request.file
    ).byteCount
}

/// The size of the multipart body without the file bytes: the overhead to budget for per request.
///
/// - Parameter request: The transcription request; its file's bytes are ignored, its name and type count.
/// - Returns: The body length in bytes minus the file length.
public func multipartOverhead(for request: TranscriptionRequest) -> Int {
    multipartBodySize(for: request) - request.file.data.count
}
