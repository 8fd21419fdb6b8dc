import Foundation

/// One line for a JSON body that could not be decoded, naming the field and what it must be: `"language" must be a
/// string`, `"formats[0]" must be one of srt, vtt, imsc, ebu-tt-d, ttml, ass`, `"path" is missing`.
enum RequestBodyErrors {
    /// The message for `error`, thrown while decoding a body.
    static func message(for error: any Error) -> String {
        if let error = error as? JobsAPIBody.UnknownField { return error.description }
        if let error = error as? JobsAPIBody.DuplicateField { return error.description }
        guard let error = error as? DecodingError else { return "the body must be a JSON object" }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(field(context.codingPath + [key])) is missing"
        case .valueNotFound(_, let context):
            return "\(field(context.codingPath)) must not be null"
        case .typeMismatch(let type, let context):
            guard !context.codingPath.isEmpty else { return "the body must be a JSON object" }
            return "\(field(context.codingPath)) must be \(expected(type))"
        case .dataCorrupted(let context):
            guard !context.codingPath.isEmpty else { return "the body is not valid JSON" }
            if let name = context.codingPath.last(where: { $0.intValue == nil })?.stringValue,
               let values = allowedValues[name] {
                return "\(field(context.codingPath)) must be one of \(values)"
            }
            return "\(field(context.codingPath)) has an invalid value"
        @unknown default:
            return "the body must be a JSON object"
        }
    }

    /// The closed sets of the jobs API's fields, by key.
    private static let allowedValues = [
        "task": "transcribe, translate",
        "formats": "srt, vtt, imsc, ebu-tt-d, ttml, ass",
        "languageCodes": "639-1, 639-2b, 639-2t",
    ]

    /// `"naming.label"`, `"formats[1]"`.
    static func field(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return "\"\(text)\""
    }

    /// What a JSON value of `type` looks like.
    static func expected(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type: "a whole number"
        case is Double.Type, is Float.Type: "a number"
        default:
            "\(type)".hasPrefix("Array") ? "an array" : "a JSON object"
        }
    }
}
