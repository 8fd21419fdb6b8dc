import Foundation

/// A jobs API request body as clients send it: a ``JobRequest`` whose every field is known. A misspelt field is
/// refused with its name instead of being ignored (a client that wrote `"langauge"` would otherwise get a job in the
/// detected language), and `translate_to`, the spelling the issue tracker and some clients use, is taken for
/// `translateTo`. The store decodes ``JobRequest`` itself, leniently, so a node reads what a newer node stored.
struct JobsAPIBody: Decodable {
    /// The request.
    var request: JobRequest

    /// The other spelling of `translateTo`.
    static let translateToAlias = AnyKey("translate_to")

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(JobRequest.CodingKeys.allCases.map(\.rawValue))
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: {
            !known.contains($0) && $0 != Self.translateToAlias.stringValue
        }) {
            throw UnknownField(name: unknown, known: known.sorted())
        }
        request = try JobRequest(from: decoder)
        if container.contains(Self.translateToAlias) {
            let field = JobRequest.CodingKeys.translateTo.rawValue
            if container.contains(AnyKey(field)) {
                throw DuplicateField(alias: Self.translateToAlias.stringValue, field: field)
            }
            request.translateTo = try container.decodeIfPresent([String].self, forKey: Self.translateToAlias)
        }
    }

    /// A field the jobs API does not take.
    struct UnknownField: Error, CustomStringConvertible {
        /// The field as the body spelt it.
        var name: String
        /// The fields the body may hold.
        var known: [String]
        var description: String {
            "unknown field \"\(name)\"; a job takes \(known.joined(separator: ", "))"
        }
    }

    /// A field given under its own name and an alias at once.
    struct DuplicateField: Error, CustomStringConvertible {
        var alias: String
        var field: String
        var description: String { "give \"\(field)\" or \"\(alias)\", not both" }
    }

    /// Any key of a JSON object.
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
