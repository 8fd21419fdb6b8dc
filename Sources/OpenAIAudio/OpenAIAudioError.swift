import Foundation

/// A failed call to an audio endpoint, with everything needed to understand or report it.
///
/// The API key never appears in any member or in ``description``: text the server echoes back is redacted.
public struct OpenAIAudioError: Error, Sendable, CustomStringConvertible, Hashable {
    /// What went wrong, broadly.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The server answered with an HTTP error status.
        case http
        /// The connection failed or dropped.
        case network
        /// An attempt took longer than the request timeout.
        case timeout
        /// The request body is over ``maxRequestBodyBytes``; nothing was sent.
        case requestTooLarge
        /// The request breaks a documented limit (speech input length, speed …); nothing was sent.
        case invalidRequest
        /// The response could not be decoded.
        case decoding
        /// The calling task was cancelled.
        case cancelled
        /// The server reported an error inside a successful streamed response.
        case stream
    }

    /// The endpoint path, for example `audio/transcriptions`.
    public var endpoint: String
    /// The HTTP status, when the server answered.
    public var status: Int?
    /// OpenAI's error `type`, for example `invalid_request_error` or `insufficient_quota`.
    public var type: String?
    /// OpenAI's error `code`, for example `rate_limit_exceeded`.
    public var code: String?
    /// The request parameter the error refers to.
    public var param: String?
    /// A readable message: the server's message, or what the client saw.
    public var message: String
    /// The `x-request-id` response header, when present.
    public var requestID: String?
    /// The broad kind.
    public var kind: Kind
    /// How many attempts were made (1 when nothing was retried, 0 when nothing was sent).
    public var attempts: Int

    /// Creates an error.
    public init(
        endpoint: String,
        status: Int? = nil,
        type: String? = nil,
        code: String? = nil,
        param: String? = nil,
        message: String,
        requestID: String? = nil,
        kind: Kind,
        attempts: Int = 1
    ) {
        self.endpoint = endpoint
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.message = message
        self.requestID = requestID
        self.kind = kind
        self.attempts = attempts
    }

    /// The ``code`` of errors raised before sending because the configuration cannot work (a base URL that is not an
    /// http(s) URL, a key with a control character in it): every request would fail the same way.
    public static let invalidConfigurationCode = "invalid_configuration"

    /// Whether the configuration (base URL, credentials) makes every request fail: no retry, and no other request,
    /// can succeed.
    public var isConfigurationProblem: Bool { code == Self.invalidConfigurationCode }

    /// Whether the error is a quota or billing problem that no retry can fix.
    public var isQuotaExhausted: Bool {
        let markers: Set<String> = ["insufficient_quota", "credit_balance_exhausted", "billing_hard_limit_reached"]
        return (code.map(markers.contains) ?? false) || (type.map(markers.contains) ?? false)
    }

    /// One readable line, for example
    /// `audio/transcriptions: HTTP 429 insufficient_quota: You exceeded your current quota (1 attempt) (request id req_1)`.
    public var description: String {
        var text = "\(endpoint): "
        switch kind {
        case .http:
            text += "HTTP \(status.map(String.init) ?? "error")"
        case .network: text += "network error"
        case .timeout: text += "timed out"
        case .requestTooLarge: text += "request too large"
        case .invalidRequest: text += "invalid request"
        case .decoding: text += "could not decode the response"
        case .cancelled: text += "cancelled"
        case .stream: text += "stream error"
        }
        if kind != .http, let status { text += " (HTTP \(status))" }
        var details: [String] = []
        if let type, !type.isEmpty { details.append(type) }
        if let code, !code.isEmpty, code != type { details.append(code) }
        if !details.isEmpty { text += " " + details.joined(separator: "/") }
        if let param, !param.isEmpty { text += " [param \(param)]" }
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        if !oneLine.isEmpty { text += ": " + oneLine }
        if attempts > 1 { text += " (after \(attempts) attempts)" }
        if let requestID { text += " (request id \(requestID))" }
        return Self.printable(text)
    }

    /// `text` with control characters (ESC, BEL, NUL…) a server may have sent replaced by U+FFFD and tabs by
    /// spaces, so printing an error can never drive the terminal.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\t" || scalar == "\n" || scalar == "\r" {
                scalars.append(" ")
            } else if scalar.properties.generalCategory == .control {
                scalars.append("\u{FFFD}")
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Replaces the key in the text members with `[redacted]`: every occurrence in any letter case, and any long
    /// prefix of it (see ``SecretRedactor``).
    func redacting(_ secret: String?) -> OpenAIAudioError {
        redacting(SecretRedactor(secret))
    }

    func redacting(_ redactor: SecretRedactor) -> OpenAIAudioError {
        guard redactor.isActive else { return self }
        var copy = self
        copy.message = redactor.redact(message)
        copy.type = type.map(redactor.redact)
        copy.code = code.map(redactor.redact)
        copy.param = param.map(redactor.redact)
        copy.requestID = requestID.map(redactor.redact)
        return copy
    }
}

/// Removes `secret` (in any case, and any long prefix of it) from `text`.
func redact(_ text: String, _ secret: String?) -> String {
    SecretRedactor(secret).redact(text)
}

/// The parsed body of an error response, in any of the shapes servers use.
struct ErrorBody: Sendable, Equatable {
    var message: String
    var type: String?
    var code: String?
    var param: String?

    /// OpenAI's `error` object; every member is optional and `code` may be a number.
    struct Detail: Decodable, Sendable {
        var message: String?
        var type: String?
        var code: String?
        var param: String?

        private enum CodingKeys: String, CodingKey { case message, type, code, param }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            message = container.decodeLenientString(forKey: .message)
            type = container.decodeLenientString(forKey: .type)
            code = container.decodeLenientString(forKey: .code)
            param = container.decodeLenientString(forKey: .param)
        }
    }

    /// Parses an error body: OpenAI's `{"error": {…}}`, FastAPI's `{"detail": …}` (an error object, a string,
    /// or a list of validation errors), a bare `{"message": …}`, or plain text. JSON is tried whatever the
    /// `Content-Type` says.
    ///
    /// - Parameters:
    ///   - body: The response body.
    ///   - status: The HTTP status, used when the body is empty.
    static func parse(_ body: [UInt8], status: Int) -> ErrorBody {
        let fallback = fallbackMessage(status: status)
        if let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) {
            if let parsed = parse(json: object) { return parsed }
        }
        var text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return ErrorBody(message: fallback) }
        if text.count > 1000 { text = String(text.prefix(1000)) + "…" }
        return ErrorBody(message: text)
    }

    private static func parse(json: Any) -> ErrorBody? {
        guard let dictionary = json as? [String: Any] else {
            if let string = json as? String { return ErrorBody(message: string) }
            return nil
        }
        if let error = dictionary["error"] {
            if let object = error as? [String: Any] { return fromErrorObject(object) }
            if let string = error as? String { return ErrorBody(message: string, type: dictionary["type"] as? String) }
        }
        if let detail = dictionary["detail"] {
            if let object = detail as? [String: Any] {
                if let inner = object["error"] as? [String: Any] { return fromErrorObject(inner) }
                if object["message"] != nil { return fromErrorObject(object) }
                return ErrorBody(message: compactJSON(object))
            }
            if let string = detail as? String { return ErrorBody(message: string) }
            if let list = detail as? [Any] { return fromValidationErrors(list) }
        }
        if dictionary["message"] != nil { return fromErrorObject(dictionary) }
        return nil
    }

    private static func fromErrorObject(_ object: [String: Any]) -> ErrorBody {
        ErrorBody(
            message: stringValue(object["message"]) ?? compactJSON(object),
            type: stringValue(object["type"]),
            code: stringValue(object["code"]),
            param: stringValue(object["param"])
        )
    }

    /// FastAPI's `[{"loc": ["body", "file"], "msg": "field required", "type": "value_error.missing"}, …]`.
    private static func fromValidationErrors(_ list: [Any]) -> ErrorBody {
        var messages: [String] = []
        var firstParam: String?
        var firstType: String?
        for item in list {
            guard let entry = item as? [String: Any] else {
                messages.append(stringValue(item) ?? "")
                continue
            }
            let location =
                (entry["loc"] as? [Any])?.compactMap(stringValue)
                .filter { $0 != "body" && $0 != "query" } ?? []
            let param = location.joined(separator: ".")
            let message = stringValue(entry["msg"]) ?? compactJSON(entry)
            messages.append(param.isEmpty ? message : "\(param): \(message)")
            if firstParam == nil, !param.isEmpty { firstParam = param }
            if firstType == nil { firstType = stringValue(entry["type"]) }
        }
        return ErrorBody(
            message: messages.isEmpty ? "validation error" : messages.joined(separator: "; "),
            type: firstType,
            code: nil,
            param: firstParam
        )
    }

    private static func stringValue(_ value: Any?) -> String? {
        switch value {
        case let string as String: return string
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    private static func compactJSON(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    static func fallbackMessage(status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Payload Too Large"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "HTTP status \(status)"
        }
    }
}
