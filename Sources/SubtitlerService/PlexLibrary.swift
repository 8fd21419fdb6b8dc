import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Where a Plex library item's file is: Plex's webhooks name an item only by its `ratingKey`, so the service asks
/// Plex's API, `GET {SUBTITLER_PLEX_URL}/library/metadata/{ratingKey}` with the `X-Plex-Token` header
/// (`SUBTITLER_PLEX_TOKEN`) and `Accept: application/json`, and takes the first part of the item's first media.
/// Redirects are not followed and the token is never logged nor put in a message.
package struct PlexLibrary: Sendable {
    /// Plex's base URL and token.
    package var server: Notifier.MediaServer
    /// How long the lookup may take.
    package var timeout: Duration = .seconds(10)
    let httpClient: HTTPClient

    /// A lookup through `server` (its kind is Plex).
    package init(server: Notifier.MediaServer, httpClient: HTTPClient = Notifier.noRedirectClient) {
        self.server = server
        self.httpClient = httpClient
    }

    /// The answer's parts that matter.
    struct Answer: Decodable {
        struct Container: Decodable {
            var metadata: [Item]?
            enum CodingKeys: String, CodingKey { case metadata = "Metadata" }
        }
        struct Item: Decodable {
            var media: [Media]?
            enum CodingKeys: String, CodingKey { case media = "Media" }
        }
        struct Media: Decodable {
            var part: [Part]?
            enum CodingKeys: String, CodingKey { case part = "Part" }
        }
        struct Part: Decodable {
            var file: String?
        }
        var mediaContainer: Container
        enum CodingKeys: String, CodingKey { case mediaContainer = "MediaContainer" }
    }

    /// The file of the item `ratingKey` (a whole number), as Plex names it.
    /// - Throws: ``PlexLookupError`` naming the server (never the token) and the cause.
    package func file(ratingKey: String) async throws(PlexLookupError) -> String {
        let base = server.url.hasSuffix("/") ? String(server.url.dropLast()) : server.url
        var request = HTTPClientRequest(url: "\(base)/library/metadata/\(ratingKey)")
        request.headers.add(name: "X-Plex-Token", value: server.token)
        request.headers.add(name: "Accept", value: "application/json")
        let failure = { (cause: String) in PlexLookupError(message: "the Plex server at \(base) could not say where item \(ratingKey) is: \(cause)") }
        let body: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: .init(timeout))
            guard response.status == .ok else {
                throw failure(response.status.code == 401 ? "the token was refused (401)" : "it answered \(response.status.code)")
            }
            body = try await response.body.collect(upTo: 1 << 20)
        } catch let error as PlexLookupError {
            throw error
        } catch {
            throw failure("\(error)")
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body.readableBytesView)) else {
            throw failure("its answer is not Plex's JSON")
        }
        let files = (answer.mediaContainer.metadata ?? []).flatMap { $0.media ?? [] }.flatMap { $0.part ?? [] }
        guard let file = files.lazy.compactMap({ MediaServerHook.nonEmpty($0.file) }).first else {
            throw failure("the item has no file")
        }
        return file
    }
}

/// A Plex lookup that failed (HTTP 502): one line naming the server and the cause.
package struct PlexLookupError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    package var message: String
    package var description: String { message }
}
