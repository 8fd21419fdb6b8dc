import Foundation
import HTTPTypes
import NIOCore

/// Reads a media server's webhook body without ever holding more than a small, fixed amount of it: JSON of at most
/// ``payloadLimit``, or a `multipart/form-data` form whose JSON part (Plex's `payload`, Emby's `data`) is kept, at
/// most ``payloadLimit``, while every other part (Plex's `thumb` image) is discarded as it arrives. A body longer
/// than ``totalLimit`` in all is refused (413) as soon as it passes the bound. Memory: one network buffer, the
/// parser's window and the JSON part, whatever the body's size.
enum HookBody {
    /// The most the JSON payload may hold.
    static let payloadLimit = 64 * 1024
    /// The most a whole body may hold (a payload with a thumbnail is far smaller).
    static let totalLimit = 16 << 20

    /// Why a body was refused: its status and one line.
    struct Refusal: Error, Equatable {
        var status: HTTPResponse.Status
        var message: String
    }

    /// The JSON payload of `body`.
    /// - Parameters:
    ///   - body: the request body, streamed.
    ///   - contentType: the request's content type: `multipart/form-data` reads the form, anything else is JSON.
    ///   - parts: the names of the form part that holds the JSON, in the order they are looked for.
    ///   - totalLimit: the most the whole body may hold.
    static func payload<Body: AsyncSequence>(
        of body: Body, contentType: String?, parts: [String], totalLimit: Int = totalLimit
    ) async -> Result<Data, Refusal> where Body.Element == ByteBuffer {
        let tooLarge = Refusal(status: .contentTooLarge, message: "the body is larger than \(totalLimit >> 20) MB")
        do {
            guard let boundary = MultipartUpload.boundary(fromContentType: contentType) else {
                if contentType?.lowercased().hasPrefix("multipart/") == true {
                    return .failure(Refusal(status: .badRequest, message: "the multipart body has no boundary"))
                }
                var bytes: [UInt8] = []
                for try await buffer in body {
                    bytes += buffer.readableBytesView
                    if bytes.count > payloadLimit {
                        return .failure(Refusal(status: .contentTooLarge,
                                                message: "the JSON body is larger than \(payloadLimit / 1024) KB"))
                    }
                }
                return .success(Data(bytes))
            }
            var parser = MultipartParser(boundary: boundary)
            var total = 0
            var current: String?
            var bytes: [UInt8] = []
            var found: [String: Data] = [:]
            for try await buffer in body {
                total += buffer.readableBytes
                if total > totalLimit { return .failure(tooLarge) }
                for event in try parser.feed(Array(buffer.readableBytesView)) {
                    switch event {
                    case .partStart(let headers):
                        current = parts.contains(headers.name) && found[headers.name] == nil ? headers.name : nil
                        bytes = []
                    case .data(let data):
                        guard let name = current else { continue }
                        bytes += data
                        if bytes.count > payloadLimit {
                            return .failure(Refusal(status: .contentTooLarge,
                                                    message: "the '\(name)' part is larger than \(payloadLimit / 1024) KB"))
                        }
                    case .partEnd:
                        if let name = current { found[name] = Data(bytes) }
                        current = nil
                        bytes = []
                    }
                }
            }
            guard parser.isFinished else {
                return .failure(Refusal(status: .badRequest, message: "malformed multipart body: it ended before the closing boundary"))
            }
            guard let payload = parts.lazy.compactMap({ found[$0] }).first else {
                return .failure(Refusal(status: .badRequest, message: "the form has no '\(parts[0])' part"))
            }
            return .success(payload)
        } catch let failure as MultipartUpload.Failure {
            return .failure(Refusal(status: .badRequest, message: failure.description))
        } catch {
            return .failure(Refusal(status: .badRequest, message: "the body could not be read: \(error)"))
        }
    }
}
